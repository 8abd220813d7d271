"""Top-level names from the framework layer (tensors, variables, functions, tapes)."""

from tensorflux._src.core.dtypes import (  # noqa: F401
    DType, as_dtype, bfloat16, bool, complex64, complex128, double, float16, float32, float64,
    half, int8, int16, int32, int64, qint8, qint32, quint8, resource, string, uint8, uint16,
    uint32, uint64, variant)
from tensorflux._src.core.tensor_shape import TensorShape  # noqa: F401
from tensorflux._src.framework.context import executing_eagerly  # noqa: F401
from tensorflux._src.framework.convert import (  # noqa: F401
    constant, convert_to_tensor, register_tensor_conversion_function)
from tensorflux._src.framework.function import TensorSpec, function  # noqa: F401
from tensorflux._src.framework.graph import Operation  # noqa: F401
from tensorflux._src.framework.indexed_slices import IndexedSlices  # noqa: F401
from tensorflux._src.framework.module import Module  # noqa: F401
from tensorflux._src.framework.tape import GradientTape, UnconnectedGradients  # noqa: F401
from tensorflux._src.framework.tensor import Tensor, is_tensor  # noqa: F401
from tensorflux._src.framework.variables import (  # noqa: F401
    Variable, VariableAggregation, VariableSynchronization, init_scope)
from tensorflux._src.ops.array_ops import (  # noqa: F401
    broadcast_to, concat, expand_dims, fill, gather, identity, one_hot, ones, ones_like,
    range, rank, reshape, shape, shape_n, size, split, stack, stop_gradient, unstack, zeros,
    zeros_like)
from tensorflux._src.ops.gradients_impl import custom_gradient, gradients, recompute_grad  # noqa: F401
from tensorflux._src.ops.math_ops import (  # noqa: F401
    add, add_n, cast, matmul, multiply, negative, reduce_sum, subtract, unsorted_segment_sum)
from tensorflux._src.ops import training_ops as _training_ops  # noqa: F401 - registers ops
from tensorflux._src.ops.scopes import (  # noqa: F401
    control_dependencies, device, get_current_name_scope, name_scope)

__all__ = [n for n in dir() if not n.startswith("_")]
