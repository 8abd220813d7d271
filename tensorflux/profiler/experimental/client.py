"""``tf.profiler.experimental.client``: remote capture (not available in tensorflux)."""

from tensorflux._src.profiler.remote import monitor, trace  # noqa: F401
