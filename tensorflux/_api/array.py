"""Top-level tf.* names from the array family (explicit re-exports)."""

from tensorflux._src.ops.array_manip import (
    eye, lin_space, linspace, meshgrid, repeat, reverse, roll, squeeze, tile, transpose)
from tensorflux._src.ops.array_misc import (
    bitcast, broadcast_dynamic_shape, broadcast_static_shape, ensure_shape, identity_n, pad,
    reverse_sequence, sequence_mask)
from tensorflux._src.ops.array_scatter import (
    boolean_mask, gather_nd, scatter_nd, tensor_scatter_nd_add, tensor_scatter_nd_max,
    tensor_scatter_nd_min, tensor_scatter_nd_sub, tensor_scatter_nd_update, where)
from tensorflux._src.ops.array_slicing import newaxis, slice, strided_slice
from tensorflux._src.ops.array_sort import (
    argsort, searchsorted, sort, unique, unique_with_counts)

__all__ = [
    "argsort", "bitcast", "boolean_mask", "broadcast_dynamic_shape", "broadcast_static_shape",
    "ensure_shape", "eye", "gather_nd", "identity_n", "lin_space", "linspace", "meshgrid",
    "newaxis", "pad", "repeat", "reverse", "reverse_sequence", "roll", "scatter_nd",
    "searchsorted", "sequence_mask", "slice", "sort", "squeeze", "strided_slice",
    "tensor_scatter_nd_add", "tensor_scatter_nd_max", "tensor_scatter_nd_min",
    "tensor_scatter_nd_sub", "tensor_scatter_nd_update", "tile", "transpose", "unique",
    "unique_with_counts", "where",
]
