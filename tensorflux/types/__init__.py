"""``tf.types``: base types for type checks (``tf.types.experimental.ConcreteFunction``)."""

from tensorflux.types import experimental

__all__ = ["experimental"]
