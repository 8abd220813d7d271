"""``tf.types.experimental``."""

from tensorflux._src.framework.function import ConcreteFunction, Function
from tensorflux._src.framework.function import Function as GenericFunction
from tensorflux._src.framework.tensor import Tensor as TensorLike

__all__ = ["ConcreteFunction", "Function", "GenericFunction", "TensorLike"]
