"""``tf.autodiff``: GradientTape (ForwardAccumulator is not implemented yet)."""

from tensorflux._src.framework.tape import GradientTape

__all__ = ["GradientTape"]
