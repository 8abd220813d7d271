"""``tf.profiler``: op timeline tracing (Chrome trace JSON and TensorBoard xplane.pb)."""

from tensorflux.profiler import experimental  # noqa: F401
