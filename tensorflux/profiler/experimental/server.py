"""``tf.profiler.experimental.server``: the profiler gRPC server (not available in tensorflux)."""

from tensorflux._src.profiler.remote import start  # noqa: F401
