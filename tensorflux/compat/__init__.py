"""``tf.compat``: compatibility layers (``tf.compat.v1``)."""

from tensorflux.compat import v1  # noqa: F401
