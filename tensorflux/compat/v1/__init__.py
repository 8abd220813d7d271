"""``tf.compat.v1``: TensorFlow 1 API on tensorflux."""

from tensorflux.compat.v1 import io, python_io, summary  # noqa: F401
