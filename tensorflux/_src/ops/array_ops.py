"""Core array ops: shapes, reshape, concat/stack, gather, fill, one_hot, identity.

Further array ops (slicing, scatter, pad, tile, ...) live in array_*.py.
"""

from __future__ import annotations

import builtins

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework.context import state
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor, Tensor
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

# ---- identity / stop_gradient -------------------------------------------------------------------

IDENTITY = defop("Identity", lambda x: x, inputs=("input: T",), outputs=("output: T",),
                 types={"T": ()}, infer=u.infer_same, grad=lambda op, g: [g])
STOP_GRADIENT = defop("StopGradient", lambda x: x, inputs=("input: T",), outputs=("output: T",),
                      types={"T": ()}, infer=u.infer_same, grad=NOT_DIFFERENTIABLE)


def identity(input, name=None):  # noqa: A002 - TensorFlow's argument name
    """Returns a tensor with the same value (``tf.identity``)."""
    if getattr(input, "_is_variable", False):
        input = input.value()
    return execute(IDENTITY, (tensor(input),), None, name)


def stop_gradient(input, name=None):  # noqa: A002
    """Identity whose gradient is zero: blocks backpropagation (``tf.stop_gradient``)."""
    return execute(STOP_GRADIENT, (tensor(input),), None, name)


# ---- shape / size / rank ----------------------------------------------------------------------


def _shape_kernel(x, out_type=_dt.int32):
    return np.array(np.shape(x), dtype=out_type.np_dtype)


def _shape_infer(ic):
    s = ic.shapes[0]
    return (None,) if s is None else (len(s),)


SHAPE = defop("Shape", _shape_kernel, inputs=("input: T",), outputs=("output: out_type",),
              types={"T": (), "out_type": u.INDEX}, infer=_shape_infer, grad=NOT_DIFFERENTIABLE)
SIZE = defop("Size", lambda x, out_type=_dt.int32: np.array(np.size(x), out_type.np_dtype),
             inputs=("input: T",), outputs=("output: out_type",),
             types={"T": (), "out_type": u.INDEX}, infer=u.infer_scalar, grad=NOT_DIFFERENTIABLE)
RANK = defop("Rank", lambda x: np.array(np.ndim(x), np.int32), inputs=("input: T",),
             outputs=("output: int32",), types={"T": ()}, infer=u.infer_scalar,
             grad=NOT_DIFFERENTIABLE)


def shape(input, out_type=_dt.int32, name=None):  # noqa: A002
    """The dynamic shape of a tensor as a 1-D integer tensor (``tf.shape``)."""
    x = tensor(input)
    out_type = _dt.as_dtype(out_type)
    if state.graph is None:
        return EagerTensor(np.array(x._value.shape, dtype=out_type.np_dtype))
    s = x.shape
    if s.is_fully_defined():
        return state.graph.constant(np.array(s.as_list(), dtype=out_type.np_dtype))
    return execute(SHAPE, (x,), {"out_type": out_type}, name)


def shape_n(input, out_type=_dt.int32, name=None):  # noqa: A002
    return [shape(x, out_type) for x in input]


def size(input, out_type=_dt.int32, name=None):  # noqa: A002
    """Number of elements (``tf.size``)."""
    x = tensor(input)
    out_type = _dt.as_dtype(out_type)
    n = x.shape.num_elements()
    if n is not None:
        return tensor(np.array(n, dtype=out_type.np_dtype))
    return execute(SIZE, (x,), {"out_type": out_type}, name)


def rank(input, name=None):  # noqa: A002
    """Number of dimensions (``tf.rank``)."""
    x = tensor(input)
    r = x.shape.rank
    if r is not None:
        return tensor(np.array(r, dtype=np.int32))
    return execute(RANK, (x,), None, name)


# ---- reshape ---------------------------------------------------------------------------------


def _reshape_kernel(x, shape):
    return np.reshape(x, tuple(int(d) for d in np.asarray(shape).reshape(-1)))


def _reshape_infer(ic):
    s, target = ic.shapes[0], ic.values[1]
    if target is None:
        ts = ic.shapes[1]
        if ts is None or ts[0] is None:
            return None
        return (None,) * ts[0]
    target = [int(d) for d in np.asarray(target).reshape(-1)]
    if target.count(-1) > 1:
        raise ValueError(f"Reshape can only infer one dimension, got {target}")
    n = None
    if s is not None and all(d is not None for d in s):
        n = int(np.prod(s)) if s else 1
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1])) if len(target) > 1 else 1
        if n is not None:
            if known == 0 or n % known:
                raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {target}")
            return tuple(n // known if d == -1 else d for d in target)
        return tuple(None if d == -1 else d for d in target)
    if n is not None and n != int(np.prod(target)):
        raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {target} "
                         f"({int(np.prod(target))} elements)")
    return tuple(target)


def _reshape_grad(op, g):
    return [reshape(g, shape(op.inputs[0])), None]


RESHAPE = defop("Reshape", _reshape_kernel, inputs=("tensor: T", "shape: Tshape"),
                outputs=("output: T",), types={"T": (), "Tshape": u.INDEX},
                infer=_reshape_infer, grad=_reshape_grad)


def _shape_arg(shape_):
    if isinstance(shape_, Tensor):
        return shape_
    if isinstance(shape_, TensorShape):
        shape_ = [-1 if d is None else d for d in shape_.as_list()]
    if isinstance(shape_, (list, tuple)) and any(isinstance(d, Tensor) for d in shape_):
        return stack([cast_int32(d) for d in shape_])
    return np.asarray(shape_, dtype=np.int32).reshape(-1) if np.ndim(shape_) <= 1 else \
        np.asarray(shape_, np.int32)


def cast_int32(d):
    from tensorflux._src.ops.math_ops import cast
    return cast(d, _dt.int32) if isinstance(d, Tensor) else tensor(np.int32(d))


def reshape(tensor_, shape, name=None):
    """Reshapes a tensor; one dimension may be -1 (``tf.reshape``)."""
    x = tensor(tensor_)
    return execute(RESHAPE, (x, tensor(_shape_arg(shape))), None, name)


def _expand_dims_kernel(x, dim):
    return np.expand_dims(x, int(dim))


def _expand_dims_infer(ic):
    s, d = ic.shapes[0], ic.values[1]
    if s is None or d is None:
        return None
    d = int(np.asarray(d).reshape(()))
    r = len(s)
    if not -r - 1 <= d <= r:
        raise ValueError(f"Tried to expand dim index {d} for tensor with {r} dimensions.")
    d = d % (r + 1)
    return tuple(s[:d]) + (1,) + tuple(s[d:])


EXPAND_DIMS = defop("ExpandDims", _expand_dims_kernel, inputs=("input: T", "dim: Tdim"),
                    outputs=("output: T",), types={"T": (), "Tdim": u.INDEX},
                    infer=_expand_dims_infer, grad=_reshape_grad)


def expand_dims(input, axis, name=None):  # noqa: A002
    """Inserts a dimension of size 1 at ``axis`` (``tf.expand_dims``)."""
    return execute(EXPAND_DIMS, (tensor(input), tensor(np.int32(axis) if isinstance(axis, int)
                                                        else axis)), None, name)


# ---- fill / zeros / ones ----------------------------------------------------------------------


def _fill_kernel(dims, value):
    return np.full(tuple(int(d) for d in np.asarray(dims).reshape(-1)), value,
                   dtype=np.asarray(value).dtype)


def _fill_infer(ic):
    v = ic.values[0]
    if v is None:
        s = ic.shapes[0]
        return None if s is None or s[0] is None else (None,) * s[0]
    return tuple(int(d) for d in np.asarray(v).reshape(-1))


FILL = defop("Fill", _fill_kernel, inputs=("dims: index_type", "value: T"),
             outputs=("output: T",), types={"T": (), "index_type": u.INDEX},
             infer=_fill_infer, grad=lambda op, g: [None, _math().reduce_sum(g)])


def _math():
    from tensorflux._src.ops import math_ops
    return math_ops


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with ``value`` (``tf.fill``)."""
    return execute(FILL, (tensor(_shape_arg(dims)), tensor(value)), None, name)


def zeros(shape, dtype=_dt.float32, name=None):
    """A tensor of zeros (``tf.zeros``)."""
    dtype = _dt.as_dtype(dtype)
    zero = np.zeros((), dtype.np_dtype) if dtype is not _dt.string else np.array(b"", object)
    if state.graph is None and not isinstance(shape, Tensor):
        s = _shape_arg(shape)
        return EagerTensor(np.zeros(tuple(int(d) for d in np.asarray(s).reshape(-1)),
                                    dtype.np_dtype) if dtype is not _dt.string else
                           np.full(tuple(s), b"", object))
    return fill(shape, tensor(zero), name)


def ones(shape, dtype=_dt.float32, name=None):
    """A tensor of ones (``tf.ones``)."""
    dtype = _dt.as_dtype(dtype)
    if state.graph is None and not isinstance(shape, Tensor):
        s = _shape_arg(shape)
        return EagerTensor(np.ones(tuple(int(d) for d in np.asarray(s).reshape(-1)),
                                   dtype.np_dtype))
    return fill(shape, tensor(np.ones((), dtype.np_dtype)), name)


ZEROS_LIKE = defop("ZerosLike", np.zeros_like, inputs=("x: T",), types={"T": ()},
                   infer=u.infer_same, grad=NOT_DIFFERENTIABLE)
ONES_LIKE = defop("OnesLike", np.ones_like, inputs=("x: T",), types={"T": ()},
                  infer=u.infer_same, grad=NOT_DIFFERENTIABLE)


def zeros_like(input, dtype=None, name=None):  # noqa: A002
    """Zeros with the shape (and by default dtype) of ``input`` (``tf.zeros_like``)."""
    x = tensor(input)
    if dtype is not None and _dt.as_dtype(dtype) != x.dtype:
        return zeros(shape(x), dtype)
    return execute(ZEROS_LIKE, (x,), None, name)


def ones_like(input, dtype=None, name=None):  # noqa: A002
    """Ones with the shape (and by default dtype) of ``input`` (``tf.ones_like``)."""
    x = tensor(input)
    if dtype is not None and _dt.as_dtype(dtype) != x.dtype:
        return ones(shape(x), dtype)
    return execute(ONES_LIKE, (x,), None, name)


# ---- concat / stack / unstack ------------------------------------------------------------------


def _concat_kernel(values, axis):
    return np.concatenate(values, axis=int(axis))


def _concat_infer(ic):
    shapes, ax = ic.shapes[0], ic.values[1]
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    r = len(known[0])
    if r == 0:
        raise ValueError("Can't concatenate scalars (use tf.stack instead)")
    if ax is None:
        return (None,) * r
    a = int(np.asarray(ax).reshape(()))
    if not -r <= a < r:
        raise ValueError(f"ConcatOp : Expected concatenating dimensions in the range [{-r}, {r})"
                         f", but got {a}")
    a %= r
    out = list(known[0])
    total = 0
    for s in shapes:
        if s is None:
            total = None
            continue
        if len(s) != r:
            raise ValueError(f"Shape must be rank {r} but is rank {len(s)} for ConcatV2: "
                             f"{[list(x) if x is not None else None for x in shapes]}")
        for i in _pyrange(r):
            if i != a and s[i] is not None:
                if out[i] is None:
                    out[i] = s[i]
                elif out[i] != s[i]:
                    raise ValueError(
                        f"Dimension {i} in both shapes must be equal, but are {out[i]} and "
                        f"{s[i]}. Shapes are {list(known[0])} and {list(s)}.")
        if total is not None:
            total = None if s[a] is None else total + s[a]
    out[a] = total
    return tuple(out)


def _concat_grad(op, g):
    n = len(op.inputs) - 1
    axis = op.inputs[-1]
    sizes = [u.static_shape(x) for x in op.inputs[:n]]
    static = all(s is not None for s in sizes)
    if static:
        from tensorflux._src.framework.graph import constant_value
        a = constant_value(axis)
        if a is not None:
            a = int(a)
            r = len(sizes[0])
            a %= r
            splits = [s[a] for s in sizes]
            return list(split(g, splits, axis=a)) + [None]
    from tensorflux._src.ops.math_ops import floormod
    axis = floormod(axis, rank(op.inputs[0]) if axis.dtype == _dt.int32 else
                    _math().cast(rank(op.inputs[0]), axis.dtype))  # negative axes
    lens = stack([gather(shape(x), axis) for x in op.inputs[:n]])
    return list(split(g, lens, axis=axis, num=n)) + [None]


CONCAT = defop("ConcatV2", _concat_kernel, inputs=("values: N*T", "axis: Tidx"),
               outputs=("output: T",), types={"T": (), "Tidx": u.INDEX},
               infer=_concat_infer, grad=_concat_grad)


def concat(values, axis, name="concat"):
    """Concatenates tensors along ``axis`` (``tf.concat``)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        return identity(values[0])
    ts = _same_dtype(values)
    return execute(CONCAT, (ts, tensor(np.int32(axis) if isinstance(axis, int) else axis)),
                   None, None if name == "concat" else name)


def _same_dtype(values):
    first = next((v for v in values if isinstance(v, Tensor) or getattr(v, "_is_variable",
                                                                        False)), None)
    if first is None:
        return [tensor(v) for v in values]
    dt = tensor(first).dtype
    return [tensor(v) if isinstance(v, Tensor) or getattr(v, "_is_variable", False)
            else tensor(v, dtype=dt) for v in values]


def _pack_kernel(values, axis=0):
    return np.stack(values, axis=axis)


def _pack_infer(ic):
    shapes = ic.shapes[0]
    a = ic.attrs.get("axis", 0)
    base = None
    for s in shapes:
        if s is None:
            continue
        if base is None:
            base = list(s)
        elif len(s) != len(base):
            shown = [list(x) for x in shapes if x is not None]
            raise ValueError(f"Shapes of all inputs must match: {shown}")
        else:
            for i, (p, q) in enumerate(zip(base, s)):
                if p is not None and q is not None and p != q:
                    raise ValueError(f"Shapes of all inputs must match: values[0].shape = "
                                     f"{list(base)} != values[k].shape = {list(s)}")
                if p is None:
                    base[i] = q
    if base is None:
        return None
    r = len(base) + 1
    if not -r <= a < r:
        raise ValueError(f"axis = {a} not in [{-r}, {r})")
    a %= r
    return tuple(base[:a]) + (len(shapes),) + tuple(base[a:])


PACK = defop("Pack", _pack_kernel, inputs=("values: N*T",), outputs=("output: T",),
             types={"T": ()}, attrs={"axis": 0}, infer=_pack_infer,
             grad=lambda op, g: list(unstack(g, num=len(op.inputs), axis=op.get_attr("axis"))))


def stack(values, axis=0, name="stack"):
    """Stacks rank-R tensors into one rank-(R+1) tensor (``tf.stack``)."""
    ts = _same_dtype(values)
    return execute(PACK, (ts,), {"axis": int(axis)} if axis else None,
                   None if name == "stack" else name)


def stack_nested(value):
    """Convert nested lists that mix tensors and numbers by stacking (tf.constant fallback)."""
    if isinstance(value, (list, tuple)):
        return stack([stack_nested(v) for v in value])
    return tensor(value)


def _unpack_kernel(value, num=None, axis=0):
    return tuple(np.moveaxis(value, axis, 0)) if num else ()


def _unpack_infer(ic):
    s = ic.shapes[0]
    a = ic.attrs.get("axis", 0)
    n = ic.attrs["num"]
    if s is None:
        return [None] * n
    a %= len(s)
    out = tuple(s[:a]) + tuple(s[a + 1:])
    return [out] * n


def _unpack_grad(op, *grads):
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [stack(grads, axis=op.get_attr("axis"))]


UNPACK = defop("Unpack", _unpack_kernel, inputs=("value: T",), outputs=("output: num*T",),
               types={"T": ()}, attrs={"num": None, "axis": 0}, infer=_unpack_infer,
               grad=_unpack_grad)


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits a tensor into a list along ``axis`` (``tf.unstack``)."""
    x = tensor(value)
    s = x.shape
    if num is None:
        if s.rank is None:
            raise ValueError(f"Cannot infer argument `num` from shape {s}")
        num = s[axis]
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {s}")
    if s.rank is not None and not -s.rank <= axis < s.rank:
        raise ValueError(f"axis = {axis} not in [{-s.rank}, {s.rank})")
    res = execute(UNPACK, (x,), {"num": int(num), "axis": int(axis) % max(s.rank or 1, 1)},
                  None if name == "unstack" else name)
    return list(res)


# ---- split ------------------------------------------------------------------------------------


def _split_v_kernel(value, size_splits, axis, num_split=None):
    sizes = [int(v) for v in np.asarray(size_splits).reshape(-1)]
    a = int(axis)
    if -1 in sizes:
        i = sizes.index(-1)
        sizes[i] = value.shape[a] - (sum(sizes) + 1)
    if sum(sizes) != value.shape[a]:
        raise ValueError(f"Determined shape must either match input shape along split_dim "
                         f"exactly if fully specified, or be less than the size of the input "
                         f"along split_dim if not fully specified. Got {sizes} for dimension "
                         f"of size {value.shape[a]}")
    idx = np.cumsum(sizes)[:-1]
    return tuple(np.split(value, idx, axis=a))


def _split_v_infer(ic):
    s, sizes, ax = ic.shapes[0], ic.values[1], ic.values[2]
    n = ic.attrs["num_split"]
    if s is None or ax is None:
        return [None] * n
    a = int(ax) % len(s)
    out = []
    sz = None if sizes is None else [int(v) for v in np.asarray(sizes).reshape(-1)]
    if sz is not None and -1 in sz and s[a] is not None:
        sz[sz.index(-1)] = s[a] - (sum(sz) + 1)
    for i in _pyrange(n):
        d = None if sz is None or sz[i] == -1 else sz[i]
        out.append(tuple(s[:a]) + (d,) + tuple(s[a + 1:]))
    return out


def _split_v_grad(op, *grads):
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [concat(grads, op.inputs[2]), None, None]


SPLIT_V = defop("SplitV", _split_v_kernel, inputs=("value: T", "size_splits: Tlen",
                                                  "split_dim: int32"),
                outputs=("output: num_split*T",), types={"T": (), "Tlen": u.INDEX},
                attrs={"num_split": None}, infer=_split_v_infer, grad=_split_v_grad)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits a tensor into equal parts or parts of the given sizes (``tf.split``)."""
    x = tensor(value)
    ax = axis if isinstance(axis, Tensor) else tensor(np.int32(axis))
    if isinstance(num_or_size_splits, int):
        n = num_or_size_splits
        if state.graph is None or u.static_shape(x) is not None:
            a = int(axis) % x.shape.rank
            d = x.shape[a]
            if d % n:
                raise ValueError(f"Dimension {a} of size {d} cannot be split evenly into {n} "
                                 "parts; pass a list of sizes instead.")
            sizes = [d // n] * n
        else:
            from tensorflux._src.ops.math_ops import floordiv
            sizes = fill([n], floordiv(shape(x)[axis], n))
    else:
        sizes = num_or_size_splits
        if isinstance(sizes, Tensor):
            n = num if num is not None else sizes.shape[0]
            if n is None:
                raise ValueError("Cannot infer argument `num` from a size_splits tensor of "
                                 "unknown length; pass num.")
        else:
            n = len(sizes)
    st = sizes if isinstance(sizes, Tensor) else tensor(np.asarray(sizes, np.int32))
    return list(execute(SPLIT_V, (x, st, ax), {"num_split": int(n)},
                        None if name == "split" else name))


# ---- gather -----------------------------------------------------------------------------------


def _gather_kernel(params, indices, axis, batch_dims=0):
    a = int(axis)
    idx = np.asarray(indices)
    size = params.shape[a]
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        from tensorflux._src.core.errors import InvalidArgumentError
        bad = idx[(idx < 0) | (idx >= size)].reshape(-1)[0]
        raise InvalidArgumentError(None, None, f"indices[...] = {bad} is not in [0, {size})")
    if batch_dims == 0:
        return np.take(params, idx, axis=a)
    bd = batch_dims % idx.ndim if idx.ndim else 0
    # Batched gather: loop over the flattened batch (small batch dims in practice).
    bshape = params.shape[:bd]
    p = params.reshape((-1,) + params.shape[bd:])
    i = idx.reshape((-1,) + idx.shape[bd:])
    out = [np.take(p[k], i[k], axis=a - bd) for k in _pyrange(p.shape[0])]
    res = np.stack(out) if out else np.zeros((0,), params.dtype)
    return res.reshape(bshape + res.shape[1:])


def _gather_infer(ic):
    p, i, ax = ic.shapes[0], ic.shapes[1], ic.values[2]
    bd = ic.attrs.get("batch_dims", 0)
    if p is None or i is None or ax is None:
        return None
    a = int(ax) % len(p)
    if bd < 0:
        bd += len(i)
    return tuple(p[:a]) + tuple(i[bd:]) + tuple(p[a + 1:])


def _gather_grad(op, g):
    from tensorflux._src.framework.indexed_slices import IndexedSlices
    from tensorflux._src.framework.graph import constant_value

    params, indices, axis = op.inputs
    av = constant_value(axis)
    if op.get_attr("batch_dims") == 0 and av is not None and int(av) == 0:
        dense_shape = shape(params)
        size_i = size(indices)
        vals_shape = concat([reshape(size_i, [1]), shape(params)[1:]], 0)
        return [IndexedSlices(reshape(g, vals_shape), reshape(indices, reshape(size_i, [1])),
                              dense_shape), None, None]
    r = params.shape.rank
    if op.get_attr("batch_dims") == 0 and av is not None and r is not None:
        from tensorflux._src.ops.math_ops import unsorted_segment_sum
        a = int(av) % r
        sp = shape(params)
        vals = reshape(g, concat([sp[:a], [-1], sp[a + 1:]], 0))
        perm = [a] + list(_pyrange(a)) + list(_pyrange(a + 1, r))
        summed = unsorted_segment_sum(transpose_(vals, perm), reshape(indices, [-1]), sp[a])
        return [transpose_(summed, list(np.argsort(perm))), None, None]
    raise LookupError("Gradient of GatherV2 is implemented for axis=0 and batch_dims=0; "
                      "use tf.gather with axis=0 or transpose first.")


GATHER = defop("GatherV2", _gather_kernel, inputs=("params: Tparams", "indices: Tindices",
                                                   "axis: Taxis"),
               outputs=("output: Tparams",), types={"Tparams": (), "Tindices": u.INDEX,
                                                    "Taxis": u.INDEX},
               attrs={"batch_dims": 0}, infer=_gather_infer, grad=_gather_grad)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of ``params`` at ``indices`` along ``axis`` (``tf.gather``)."""
    if getattr(params, "_is_variable", False):
        params = params.value()
    p = tensor(params)
    i = tensor(indices)
    if axis is None:
        axis = batch_dims
    ax = axis if isinstance(axis, Tensor) else tensor(np.int32(axis))
    return execute(GATHER, (p, i, ax), {"batch_dims": int(batch_dims)} if batch_dims else None,
                   name)


# ---- one_hot ----------------------------------------------------------------------------------


def _one_hot_kernel(indices, depth, on_value, off_value, axis=-1):
    d = int(depth)
    idx = np.asarray(indices)
    out = (np.arange(d) == idx[..., None])
    res = np.where(out, on_value, off_value).astype(np.asarray(on_value).dtype)
    if axis != -1 and axis != idx.ndim:
        res = np.moveaxis(res, -1, axis)
    return res


def _one_hot_infer(ic):
    s, d = ic.shapes[0], ic.values[1]
    a = ic.attrs.get("axis", -1)
    if s is None:
        return None
    dd = None if d is None else int(d)
    if a == -1:
        return tuple(s) + (dd,)
    return tuple(s[:a]) + (dd,) + tuple(s[a:])


ONE_HOT = defop("OneHot", _one_hot_kernel, inputs=("indices: TI", "depth: int32",
                                                  "on_value: T", "off_value: T"),
                outputs=("output: T",), types={"T": (), "TI": (_dt.uint8,) + u.INDEX},
                attrs={"axis": -1}, infer=_one_hot_infer,
                grad=lambda op, g: [None, None, None, None])


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encoding of integer ``indices`` (``tf.one_hot``)."""
    if dtype is None:
        dtype = (tensor(on_value).dtype if on_value is not None else
                 tensor(off_value).dtype if off_value is not None else _dt.float32)
    dtype = _dt.as_dtype(dtype)
    on = tensor(1 if on_value is None else on_value, dtype=dtype) if not isinstance(
        on_value, Tensor) else on_value
    off = tensor(0 if off_value is None else off_value, dtype=dtype) if not isinstance(
        off_value, Tensor) else off_value
    return execute(ONE_HOT, (tensor(indices), tensor(depth, dtype=_dt.int32), on, off),
                   {"axis": int(axis)} if axis is not None and axis != -1 else None, name)


# ---- broadcast_to / where / range / scatter -----------------------------------------------------


def _broadcast_to_infer(ic):
    v = ic.values[1]
    if v is None:
        s = ic.shapes[1]
        return None if s is None or s[0] is None else (None,) * s[0]
    target = tuple(int(d) for d in np.asarray(v).reshape(-1))
    u.broadcast_shapes(ic.shapes[0], target)
    return target


def _broadcast_to_grad(op, g):
    from tensorflux._src.ops.math_ops import sum_to
    return [sum_to(g, op.inputs[0]), None]


BROADCAST_TO = defop("BroadcastTo", lambda x, s: np.broadcast_to(x, tuple(
    int(d) for d in np.asarray(s).reshape(-1))), inputs=("input: T", "shape: Tidx"),
    outputs=("output: T",), types={"T": (), "Tidx": u.INDEX}, infer=_broadcast_to_infer,
    grad=_broadcast_to_grad)


def broadcast_to(input, shape, name=None):  # noqa: A002
    """Broadcasts ``input`` to ``shape`` (``tf.broadcast_to``)."""
    return execute(BROADCAST_TO, (tensor(input), tensor(_shape_arg(shape))), None, name)


def _select_grad(op, g):
    from tensorflux._src.ops.math_ops import sum_to
    c, x, y = op.inputs
    z = zeros_like(g)
    return [None, sum_to(where_v2(c, g, z), x), sum_to(where_v2(c, z, g), y)]


SELECT_V2 = defop("SelectV2", np.where, inputs=("condition: bool", "t: T", "e: T"),
                  outputs=("output: T",), types={"T": ()},
                  infer=lambda ic: u.broadcast_shapes(u.broadcast_shapes(
                      ic.shapes[0], ic.shapes[1]), ic.shapes[2]), grad=_select_grad)


def where_v2(condition, x, y, name=None):
    from tensorflux._src.ops.op_util import binary_args
    x, y = binary_args(x, y)
    return execute(SELECT_V2, (tensor(condition), x, y), None, name)


def _range_kernel(start, limit, delta):
    if delta == 0:
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, "Requires delta != 0")
    return np.arange(start, limit, delta, dtype=np.asarray(start).dtype)


def _range_infer(ic):
    s, l_, d = ic.values
    if s is None or l_ is None or d is None:
        return (None,)
    return (len(np.arange(s, l_, d)),)


RANGE = defop("Range", _range_kernel, inputs=("start: Tidx", "limit: Tidx", "delta: Tidx"),
              outputs=("output: Tidx",), types={"Tidx": u.REAL}, infer=_range_infer,
              grad=NOT_DIFFERENTIABLE)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """A sequence of numbers from ``start`` to ``limit`` by ``delta`` (``tf.range``)."""
    if limit is None:
        start, limit = 0, start
    vals = [start, limit, delta]
    if dtype is None:
        dts = [tensor(v).dtype for v in vals]
        order = [_dt.int32, _dt.int64, _dt.float32, _dt.float64]
        dtype = max(dts, key=lambda d: order.index(d) if d in order else 0)
    dtype = _dt.as_dtype(dtype)
    from tensorflux._src.ops.math_ops import cast
    ts = [cast(v, dtype) if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in vals]
    return execute(RANGE, tuple(ts), None, None if name == "range" else name)


def _tsnu_kernel(tensor_, indices, updates):
    out = np.array(tensor_, copy=True)
    check_nd_indices(np.asarray(indices), out.shape, "shape")
    idx = tuple(np.moveaxis(np.asarray(indices), -1, 0))
    out[idx] = updates
    return out


def _tsnu_grad(op, g):
    from tensorflux._src.ops.math_ops import multiply
    _, indices, _ = op.inputs
    mask = execute(TENSOR_SCATTER_UPDATE, (ones_like(g), indices, zeros(shape(gather_nd_(
        g, indices)), g.dtype)))
    return [multiply(g, mask), None, gather_nd_(g, indices)]


TENSOR_SCATTER_UPDATE = defop(
    "TensorScatterUpdate", _tsnu_kernel, inputs=("tensor: T", "indices: Tindices",
                                                 "updates: T"),
    outputs=("output: T",), types={"T": (), "Tindices": u.INDEX}, infer=u.infer_same,
    grad=_tsnu_grad)


def tensor_scatter_nd_update(tensor_, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` written at ``indices``
    (``tf.tensor_scatter_nd_update``)."""
    t = tensor(tensor_)
    return execute(TENSOR_SCATTER_UPDATE, (t, tensor(indices), tensor(updates, dtype=t.dtype)
                                           if not isinstance(updates, Tensor) else updates),
                   None, name)


def check_nd_indices(idx, shp, what="param shape"):
    """Raise InvalidArgumentError for an index row of ``idx`` outside ``shp``."""
    k = idx.shape[-1] if idx.ndim else 0
    if k > len(shp):
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, "index innermost dimension length must be <= "
                                   f"params rank; saw: {k} vs. {len(shp)}")
    if not idx.size or not k:
        return
    bad = ((idx < 0) | (idx >= np.asarray(shp[:k]))).any(axis=-1)
    if bad.any():
        from tensorflux._src.core.errors import InvalidArgumentError
        pos = np.argwhere(bad)[0]
        row = idx[tuple(pos)].tolist()
        raise InvalidArgumentError(
            None, None, f"indices[{','.join(map(str, pos.tolist()))}] = "
            f"[{', '.join(map(str, row))}] does not index into {what} "
            f"[{','.join(map(str, shp))}]")


def _gather_nd_kernel(params, indices, batch_dims=0):
    idx = np.asarray(indices)
    params = np.asarray(params)
    if batch_dims:
        b = batch_dims
        k = idx.shape[-1]
        out_shape = idx.shape[:-1] + params.shape[b + k:]
        p = params.reshape((-1,) + params.shape[b:])
        i = idx.reshape((-1,) + idx.shape[b:])
        if p.shape[0] != i.shape[0]:
            from tensorflux._src.core.errors import InvalidArgumentError
            raise InvalidArgumentError(None, None, "params and indices must have the same "
                                       f"batch dimensions, got {list(params.shape[:b])} and "
                                       f"{list(idx.shape[:b])}")
        out = [_gather_nd_kernel(p[j], i[j]) for j in builtins.range(p.shape[0])]
        return np.stack(out).reshape(out_shape) if out else np.zeros(out_shape, params.dtype)
    check_nd_indices(idx, params.shape)
    if idx.shape[-1] == 0:
        return np.array(np.broadcast_to(params, idx.shape[:-1] + params.shape))
    return params[tuple(np.moveaxis(idx, -1, 0))]


def _gather_nd_infer(ic):
    p, i = ic.shapes
    b = ic.attrs.get("batch_dims", 0)
    if p is None or i is None or i[-1] is None:
        return None
    return tuple(i[:-1]) + tuple(p[b + i[-1]:])


def _gather_nd_grad(op, g):
    params, indices = op.inputs
    b = op.get_attr("batch_dims")
    if b:
        from tensorflux._src.ops.array_scatter import full_nd_indices
        indices = full_nd_indices(indices, b)
    return [scatter_nd_(indices, g, shape(params, out_type=indices.dtype)), None]


GATHER_ND = defop("GatherNd", _gather_nd_kernel, inputs=("params: Tparams",
                                                        "indices: Tindices"),
                  outputs=("output: Tparams",), types={"Tparams": (), "Tindices": u.INDEX},
                  attrs={"batch_dims": 0}, infer=_gather_nd_infer, grad=_gather_nd_grad)


def gather_nd_(params, indices, name=None):
    return execute(GATHER_ND, (tensor(params), tensor(indices)), None, name)


def _scatter_nd_kernel(indices, updates, shape):
    out = np.zeros(tuple(int(d) for d in np.asarray(shape).reshape(-1)), dtype=updates.dtype)
    check_nd_indices(np.asarray(indices), out.shape, "shape")
    np.add.at(out, tuple(np.moveaxis(np.asarray(indices), -1, 0)), updates)
    return out


SCATTER_ND = defop("ScatterNd", _scatter_nd_kernel, inputs=("indices: Tindices",
                                                           "updates: T", "shape: Tindices"),
                   outputs=("output: T",), types={"T": (), "Tindices": u.INDEX},
                   infer=lambda ic: _fill_infer(type(ic)([ic.shapes[2]], None, ic.attrs,
                                                         [ic.values[2]], ic.types)),
                   grad=lambda op, g: [None, gather_nd_(g, op.inputs[0]), None])


def scatter_nd_(indices, updates, shape, name=None):
    i = tensor(indices)
    return execute(SCATTER_ND, (i, tensor(updates), tensor(_shape_arg(shape), dtype=i.dtype)
                                if not isinstance(shape, Tensor) else shape), None, name)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    from tensorflux._src.ops import math_ops
    x = tensor(a)
    r = x.shape.rank
    perm = list(_pyrange(r - 2)) + [r - 1, r - 2]
    out = transpose_(x, perm)
    return math_ops.conj(out) if conjugate else out


_pyrange = builtins.range


def _transpose_infer(ic):
    s, p = ic.shapes[0], ic.values[1]
    if s is None:
        return None
    if p is None:
        return (None,) * len(s)
    p = [int(v) for v in np.asarray(p).reshape(-1)]
    if sorted(p) != list(_pyrange(len(s))):
        raise ValueError(f"transpose expects a permutation of {list(_pyrange(len(s)))}, "
                         f"got {p}")
    return tuple(s[i] for i in p)


def _transpose_grad(op, g):
    p = op.inputs[1]
    from tensorflux._src.ops.math_ops import cast
    inv = execute(INVERT_PERMUTATION, (cast(p, _dt.int32),))
    return [transpose_(g, inv), None]


TRANSPOSE = defop("Transpose", lambda x, perm: np.transpose(x, [int(v) for v in np.asarray(
    perm).reshape(-1)]), inputs=("x: T", "perm: Tperm"), outputs=("y: T",),
    types={"T": (), "Tperm": u.INDEX}, infer=_transpose_infer, grad=_transpose_grad)
INVERT_PERMUTATION = defop("InvertPermutation", lambda p: np.argsort(p).astype(p.dtype),
                           inputs=("x: T",), types={"T": u.INDEX}, infer=u.infer_same,
                           grad=NOT_DIFFERENTIABLE)


def transpose_(a, perm=None, name=None):
    x = tensor(a)
    if perm is None:
        r = x.shape.rank
        perm = list(_pyrange(r))[::-1]
    return execute(TRANSPOSE, (x, tensor(perm) if isinstance(perm, Tensor) else
                               tensor(np.asarray(perm, np.int32))), None, name)
