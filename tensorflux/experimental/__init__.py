"""``tf.experimental``: experimental aliases."""

from tensorflux._src.framework.function import function

__all__ = ["function"]
