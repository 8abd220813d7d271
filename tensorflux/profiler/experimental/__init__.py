"""``tf.profiler.experimental``: start/stop, Profile, Trace, ProfilerOptions."""

from tensorflux._src.profiler.session import Profile, ProfilerOptions, start, stop  # noqa: F401
from tensorflux._src.profiler.trace import Trace  # noqa: F401
from tensorflux.profiler.experimental import client, server  # noqa: F401
