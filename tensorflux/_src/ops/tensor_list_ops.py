"""TensorList ops (TensorFlow 2's raw names): the graph representation of ``tf.TensorArray``.

A list is a variant tensor whose value is a ``TensorListValue``: an immutable tuple of
NumPy arrays (``None`` for elements never written, read as zeros of the element shape).
Every op returns a new list, so lists are ordinary values that can be loop variables of
``While`` and outputs of ``If``. Gradients of lists are lists too (``ZerosLike`` of a list
is a list of zeros, ``AddN`` of lists adds element-wise).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops

INDEX = (_dt.int32, _dt.int64)


class TensorListValue:
    """The runtime value of a variant TensorList tensor (immutable)."""

    __slots__ = ("items", "element_shape", "element_dtype")
    __array_ufunc__ = None  # numpy defers to our operators
    dtype = _dt.variant
    shape = ()
    ndim = 0
    size = 1

    def __init__(self, items, element_shape=None, element_dtype=None):
        self.items = tuple(items)
        self.element_shape = element_shape  # tuple with None (-1) dims, or None
        self.element_dtype = element_dtype  # a NumPy dtype or None

    def __array_function__(self, func, types, args, kwargs):
        if func is np.zeros_like:
            return self.zeros()
        return NotImplemented

    def zeros(self):
        return TensorListValue([None if x is None else np.zeros_like(x) for x in self.items],
                               self.element_shape, self.element_dtype)

    def __add__(self, other):
        if not isinstance(other, TensorListValue):
            return self
        n = max(len(self.items), len(other.items))
        a = self.items + (None,) * (n - len(self.items))
        b = other.items + (None,) * (n - len(other.items))
        return TensorListValue([x if y is None else y if x is None else x + y
                                for x, y in zip(a, b)], self.element_shape, self.element_dtype)

    __radd__ = __add__

    def __repr__(self):
        return f"TensorListValue(len={len(self.items)})"


def _as_list(handle, what="input_handle"):
    if isinstance(handle, TensorListValue):
        return handle
    a = np.asarray(handle)
    if a.dtype == object and a.ndim == 0 and isinstance(a[()], TensorListValue):
        return a[()]
    raise errors.InvalidArgumentError(None, None, f"{what} is not a TensorList (got "
                                      f"{type(handle).__name__})")


def _shape_of(es):
    """A runtime element_shape input (-1 for unknown dims, -1 scalar for unknown rank)."""
    a = np.asarray(es).reshape(-1) if np.ndim(es) else np.asarray(es)
    if np.ndim(a) == 0:
        return None if int(a) == -1 else ()
    return tuple(None if int(d) < 0 else int(d) for d in a)


def _zeros(shape, dtype, index):
    if shape is None or any(d is None for d in shape):
        raise errors.InvalidArgumentError(
            None, None, f"Trying to read an uninitialized tensor at index {index} but the "
            f"element_shape {shape} is not fully defined; write the element first or give "
            "the TensorArray a full element_shape.")
    return np.zeros(shape, dtype)


def _materialize(lst, i, es, dtype):
    x = lst.items[i]
    if x is not None:
        return x
    shape = es if es is not None and all(d is not None for d in es) else lst.element_shape
    return _zeros(shape, dtype, i)


def _index(i, n, what="index"):
    i = int(i)
    if not 0 <= i < n:
        raise errors.InvalidArgumentError(
            None, None, f"Trying to access element {i} in a list with {n} elements "
            f"({what} out of range).")
    return i


# ---- kernels ------------------------------------------------------------------------------


def _np_dtype(dtype):
    """NumPy dtype of list elements; string elements are object arrays of bytes."""
    return np.dtype(object) if dtype == _dt.string else dtype.np_dtype


def _reserve(element_shape, num_elements, element_dtype=None, shape_type=None):
    n = int(num_elements)
    if n < 0:
        raise errors.InvalidArgumentError(None, None, f"num_elements must be >= 0, got {n}")
    return TensorListValue((None,) * n, _shape_of(element_shape), _np_dtype(element_dtype))


def _from_tensor(tensor, element_shape, element_dtype=None, shape_type=None):
    t = np.asarray(tensor)
    if t.ndim == 0:
        raise errors.InvalidArgumentError(None, None, "TensorListFromTensor: tensor must be at "
                                          "least a vector, but saw shape: []")
    return TensorListValue([t[i] if t.ndim > 1 else np.asarray(t[i]) for i in
                            range(t.shape[0])], t.shape[1:], t.dtype)


def _set_item(input_handle, index, item, element_dtype=None,
              resize_if_index_out_of_bounds=False):
    lst = _as_list(input_handle)
    items = list(lst.items)
    i = int(index)
    if resize_if_index_out_of_bounds and i >= len(items):
        items.extend([None] * (i + 1 - len(items)))
    if not 0 <= i < len(items):
        raise errors.InvalidArgumentError(
            None, None, f"Tried to write to index {i} but array size is: {len(items)}. Set "
            "dynamic_size=True on the TensorArray to let it grow.")
    item = np.asarray(item)
    es = lst.element_shape
    if es is not None and not _compatible(es, item.shape):
        raise errors.InvalidArgumentError(
            None, None, f"Could not write to TensorArray index {i} because the value shape is "
            f"{list(item.shape)} which is incompatible with the TensorArray's inferred element "
            f"shape: {list(es)} (consider setting infer_shape=False).")
    items[i] = item
    return TensorListValue(items, lst.element_shape, lst.element_dtype or item.dtype)


def _compatible(es, shape):
    return len(es) == len(shape) and all(a is None or a == b for a, b in zip(es, shape))


def _get_item(input_handle, index, element_shape, element_dtype=None):
    lst = _as_list(input_handle)
    i = _index(index, len(lst.items))
    return _materialize(lst, i, _shape_of(element_shape), _np_dtype(element_dtype))


def _stack(input_handle, element_shape, element_dtype=None, num_elements=-1):
    lst = _as_list(input_handle)
    es = _shape_of(element_shape)
    dt = _np_dtype(element_dtype)
    if not lst.items:
        shape = es if es is not None else lst.element_shape
        return np.zeros((0,) + tuple(_zeros(shape, dt, 0).shape), dt)
    return np.stack([_materialize(lst, i, es, dt) for i in range(len(lst.items))]).astype(
        dt, copy=False)


def _length(input_handle):
    return np.int32(len(_as_list(input_handle).items))


def _gather(input_handle, indices, element_shape, element_dtype=None):
    lst = _as_list(input_handle)
    es = _shape_of(element_shape)
    dt = _np_dtype(element_dtype)
    idx = np.asarray(indices).reshape(-1)
    if idx.size == 0:
        shape = es if es is not None else lst.element_shape
        return np.zeros((0,) + tuple(_zeros(shape, dt, 0).shape), dt)
    return np.stack([_materialize(lst, _index(i, len(lst.items)), es, dt) for i in idx])


def _scatter(input_handle, tensor, indices, element_dtype=None):
    lst = _as_list(input_handle)
    t = np.asarray(tensor)
    idx = np.asarray(indices).reshape(-1)
    if t.ndim == 0 or t.shape[0] != idx.size:
        raise errors.InvalidArgumentError(
            None, None, f"TensorListScatter: the first dimension of tensor ({list(t.shape)}) "
            f"must equal the number of indices ({idx.size}).")
    items = list(lst.items)
    for k, i in enumerate(idx.tolist()):
        if i < 0:
            raise errors.InvalidArgumentError(None, None, f"Trying to scatter to a negative "
                                              f"index {i}.")
        if i >= len(items):
            items.extend([None] * (i + 1 - len(items)))
        items[i] = t[k]
    return TensorListValue(items, lst.element_shape or t.shape[1:], lst.element_dtype or t.dtype)


def _concat(input_handle, element_shape, leading_dims, element_dtype=None, shape_type=None):
    lst = _as_list(input_handle)
    dt = _np_dtype(element_dtype)
    es = _shape_of(element_shape)
    lead = np.asarray(leading_dims).reshape(-1)
    parts = []
    for i, x in enumerate(lst.items):
        if x is None:
            if es is None or lead.size <= i:
                raise errors.InvalidArgumentError(
                    None, None, f"Trying to concat list with uninitialized element {i} whose "
                    "shape is not known.")
            x = np.zeros((int(lead[i]),) + tuple(es[1:]), dt)
        x = np.asarray(x)
        if x.ndim == 0:
            raise errors.InvalidArgumentError(None, None, "Concat saw a scalar shape at index "
                                              f"{i} but requires at least vectors.")
        parts.append(x)
    if not parts:
        tail = tuple(es[1:]) if es is not None and all(d is not None for d in es[1:]) else ()
        return np.zeros((0,) + tail, dt), np.zeros((0,), np.int64)
    return (np.concatenate(parts).astype(dt, copy=False),
            np.array([p.shape[0] for p in parts], np.int64))


def _split(tensor, element_shape, lengths, element_dtype=None, shape_type=None):
    t = np.asarray(tensor)
    ln = np.asarray(lengths).reshape(-1).astype(np.int64)
    if t.ndim == 0 or int(ln.sum()) != t.shape[0] or np.any(ln < 0):
        raise errors.InvalidArgumentError(
            None, None, f"TensorListSplit: the lengths {ln.tolist()} must be non-negative and "
            f"sum to the first dimension of tensor ({list(t.shape)}).")
    cuts = np.cumsum(ln)[:-1]
    return TensorListValue(np.split(t, cuts), (None,) + t.shape[1:], t.dtype)


# ---- shape rules ---------------------------------------------------------------------------


def _es_static(ic, i):
    """Static element shape from the constant element_shape input ``i`` (None = unknown)."""
    v = ic.values[i]
    if v is None:
        s = ic.shapes[i]
        if s is not None and len(s) == 1 and s[0] is not None:
            return (None,) * s[0]
        return None
    return _shape_of(v)


def _infer_scalar(ic):
    return ()


def _infer_get(ic):
    return _es_static(ic, 2)


def _infer_stack(ic):
    es = _es_static(ic, 1)
    n = ic.attrs.get("num_elements", -1)
    return None if es is None else ((None if n is None or n < 0 else n),) + tuple(es)


def _infer_gather(ic):
    es = _es_static(ic, 2)
    s = ic.shapes[1]
    n = s[0] if s else None
    return None if es is None else (n,) + tuple(es)


def _infer_concat(ic):
    es = _es_static(ic, 1)
    return [None if es is None else (None,) + tuple(es[1:]), (None,)]


# ---- gradients (written with ops so they trace) ---------------------------------------------


def _dt_of(op):
    return op.get_attr("element_dtype")


def _from_tensor_grad(op, g):
    t = op.inputs[0]
    es = array_ops.shape(t)[1:]
    return [tensor_list_stack(g, es, _dt_of(op)), None]


def _set_item_grad(op, g):
    item = op.inputs[2]
    g_item = tensor_list_get_item(g, op.inputs[1], array_ops.shape(item), _dt_of(op))
    g_prev = tensor_list_set_item(g, op.inputs[1], array_ops.zeros_like(item))
    return [g_prev, None, g_item]


def _get_item_grad(op, g):
    lst = op.inputs[0]
    n = tensor_list_length(lst)
    empty = tensor_list_reserve(array_ops.shape(op.outputs[0]), n, _dt_of(op))
    return [tensor_list_set_item(empty, op.inputs[1], g), None, None]


def _stack_grad(op, g):
    return [tensor_list_from_tensor(g, op.inputs[1]), None]


def _gather_grad(op, g):
    lst = op.inputs[0]
    empty = tensor_list_reserve(array_ops.shape(g)[1:], tensor_list_length(lst), _dt_of(op))
    return [tensor_list_scatter_into_existing_list(empty, g, op.inputs[1]), None, None]


def _scatter_grad(op, g):
    t, idx = op.inputs[1], op.inputs[2]
    g_t = tensor_list_gather(g, idx, array_ops.shape(t)[1:], _dt_of(op))
    g_prev = tensor_list_scatter_into_existing_list(g, array_ops.zeros_like(t), idx)
    return [g_prev, g_t, None]


def _concat_grad(op, g, g_lengths=None):
    es = array_ops.shape(op.outputs[0])
    return [tensor_list_split(g, es, op.outputs[1]), None, None]


def _split_grad(op, g):
    t = op.inputs[0]
    out, _ = tensor_list_concat_v2(g, array_ops.shape(t), op.inputs[2], t.dtype)
    return [out, None, None]


_ED = {"element_dtype": ()}
_EDS = {"element_dtype": (), "shape_type": INDEX}

RESERVE = defop("TensorListReserve", _reserve, inputs=("element_shape: shape_type",
                                                       "num_elements: int32"),
                outputs=("handle: variant",), types=_EDS, attrs={"element_dtype": None},
                infer=_infer_scalar, grad=NOT_DIFFERENTIABLE)
FROM_TENSOR = defop("TensorListFromTensor", _from_tensor, inputs=(
    "tensor: element_dtype", "element_shape: shape_type"), outputs=("output_handle: variant",),
    types=_EDS, infer=_infer_scalar, grad=_from_tensor_grad)
SET_ITEM = defop("TensorListSetItem", _set_item, inputs=(
    "input_handle: variant", "index: int32", "item: element_dtype"),
    outputs=("output_handle: variant",), types=_ED,
    attrs={"resize_if_index_out_of_bounds": False}, infer=_infer_scalar, grad=_set_item_grad)
GET_ITEM = defop("TensorListGetItem", _get_item, inputs=(
    "input_handle: variant", "index: int32", "element_shape: int32"),
    outputs=("item: element_dtype",), types=_ED, attrs={"element_dtype": None},
    infer=_infer_get, grad=_get_item_grad)
STACK = defop("TensorListStack", _stack, inputs=("input_handle: variant",
                                                 "element_shape: int32"),
              outputs=("tensor: element_dtype",), types=_ED,
              attrs={"element_dtype": None, "num_elements": -1}, infer=_infer_stack,
              grad=_stack_grad)
LENGTH = defop("TensorListLength", _length, inputs=("input_handle: variant",),
               outputs=("length: int32",), infer=_infer_scalar, grad=NOT_DIFFERENTIABLE)
GATHER = defop("TensorListGather", _gather, inputs=(
    "input_handle: variant", "indices: int32", "element_shape: int32"),
    outputs=("values: element_dtype",), types=_ED, attrs={"element_dtype": None},
    infer=_infer_gather, grad=_gather_grad)
SCATTER = defop("TensorListScatterIntoExistingList", _scatter, inputs=(
    "input_handle: variant", "tensor: element_dtype", "indices: int32"),
    outputs=("output_handle: variant",), types=_ED, infer=_infer_scalar, grad=_scatter_grad)
CONCAT = defop("TensorListConcatV2", _concat, inputs=(
    "input_handle: variant", "element_shape: shape_type", "leading_dims: int64"),
    outputs=("tensor: element_dtype", "lengths: int64"), types=_EDS,
    attrs={"element_dtype": None}, infer=_infer_concat, grad=_concat_grad)
SPLIT = defop("TensorListSplit", _split, inputs=(
    "tensor: element_dtype", "element_shape: shape_type", "lengths: int64"),
    outputs=("output_handle: variant",), types=_EDS, infer=_infer_scalar, grad=_split_grad)


# ---- wrappers (the raw-op layer used by TensorArray and gradient rules) ---------------------


def _shape_input(shape):
    """An element_shape argument: a TensorShape/list (None dims -> -1) or an int tensor."""
    from tensorflux._src.core.tensor_shape import TensorShape
    from tensorflux._src.framework.tensor import Tensor

    if isinstance(shape, Tensor):
        return array_ops.cast_int32(shape) if shape.dtype != _dt.int32 else shape
    if shape is None:
        return np.int32(-1)
    s = TensorShape(shape)
    if s.rank is None:
        return np.int32(-1)
    return np.array([-1 if d is None else d for d in s.as_list()], np.int32)


def _t(x, dtype=None):
    from tensorflux._src.framework.convert import convert_to_tensor

    return convert_to_tensor(x, dtype=dtype)


def tensor_list_reserve(element_shape, num_elements, element_dtype, name=None):
    dt = _dt.as_dtype(element_dtype)
    return execute(RESERVE, (_t(_shape_input(element_shape)), _t(num_elements, _dt.int32)),
                   {"element_dtype": dt}, name)


def tensor_list_from_tensor(tensor, element_shape, name=None):
    return execute(FROM_TENSOR, (_t(tensor), _t(_shape_input(element_shape))), None, name)


def tensor_list_set_item(input_handle, index, item, resize_if_index_out_of_bounds=False,
                         name=None):
    attrs = {"resize_if_index_out_of_bounds": True} if resize_if_index_out_of_bounds else None
    return execute(SET_ITEM, (input_handle, _t(index, _dt.int32), _t(item)), attrs, name)


def tensor_list_get_item(input_handle, index, element_shape, element_dtype, name=None):
    return execute(GET_ITEM, (input_handle, _t(index, _dt.int32),
                              _t(_shape_input(element_shape))),
                   {"element_dtype": _dt.as_dtype(element_dtype)}, name)


def tensor_list_stack(input_handle, element_shape, element_dtype, num_elements=-1, name=None):
    attrs = {"element_dtype": _dt.as_dtype(element_dtype)}
    if num_elements is not None and num_elements >= 0:
        attrs["num_elements"] = int(num_elements)
    return execute(STACK, (input_handle, _t(_shape_input(element_shape))), attrs, name)


def tensor_list_length(input_handle, name=None):
    return execute(LENGTH, (input_handle,), None, name)


def tensor_list_gather(input_handle, indices, element_shape, element_dtype, name=None):
    return execute(GATHER, (input_handle, _t(indices, _dt.int32),
                            _t(_shape_input(element_shape))),
                   {"element_dtype": _dt.as_dtype(element_dtype)}, name)


def tensor_list_scatter_into_existing_list(input_handle, tensor, indices, name=None):
    return execute(SCATTER, (input_handle, _t(tensor), _t(indices, _dt.int32)), None, name)


def tensor_list_concat_v2(input_handle, element_shape, leading_dims, element_dtype, name=None):
    return execute(CONCAT, (input_handle, _t(_shape_input(element_shape)),
                            _t(leading_dims, _dt.int64)),
                   {"element_dtype": _dt.as_dtype(element_dtype)}, name)


def tensor_list_split(tensor, element_shape, lengths, name=None):
    lengths = _t(lengths)
    if lengths.dtype != _dt.int64:
        from tensorflux._src.ops.math_ops import cast

        lengths = cast(lengths, _dt.int64)
    return execute(SPLIT, (_t(tensor), _t(_shape_input(element_shape)), lengths), None, name)
