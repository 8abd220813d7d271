"""N-d gather/scatter (gather_nd, scatter_nd, tensor_scatter_nd_*), where and boolean_mask."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop, get
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.graph import constant_value
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops
from tensorflux._src.ops import math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.array_manip import _idx, _val
from tensorflux._src.ops.op_util import tensor

# ---- gather_nd / scatter_nd ---------------------------------------------------------------------


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of ``params`` addressed by the last axis of ``indices``; the first
    ``batch_dims`` dimensions are batch dimensions (``tf.gather_nd``).

    Example:
        >>> import tensorflux as tf
        >>> tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[1, 0], [0, 1]]).numpy().tolist()
        [3, 2]
    """
    p = tensor(_val(params))
    i = _idx(indices)
    if isinstance(batch_dims, Tensor):
        batch_dims = int(constant_value(batch_dims))
    b = int(batch_dims)
    if b < 0:
        r = i.shape.rank
        if r is None:
            raise ValueError("batch_dims must be non-negative when indices has unknown rank")
        b += r
    return execute(array_ops.GATHER_ND, (p, i), {"batch_dims": b} if b else None, name)


def full_nd_indices(indices, batch_dims):
    """Batched gather_nd indices ``[B..., M..., k]`` -> equivalent unbatched indices
    ``[B..., M..., b + k]`` (the batch coordinates prepended)."""
    r = indices.shape.rank
    if r is None:
        raise ValueError("the gradient of gather_nd with batch_dims needs indices of known "
                         "rank")
    b = batch_dims
    si = array_ops.shape(indices, out_type=indices.dtype)
    bshape = si[:b]
    ranges = [array_ops.range(tensor(np.zeros((), indices.dtype.np_dtype)), bshape[j],
                              tensor(np.ones((), indices.dtype.np_dtype))) for j in range(b)]
    from tensorflux._src.ops.array_manip import meshgrid
    grids = array_ops.stack(meshgrid(*ranges, indexing="ij"), axis=-1)
    grids = array_ops.reshape(grids, array_ops.concat(
        [bshape, np.ones([r - 1 - b], indices.dtype.np_dtype), [b]], 0))
    grids = array_ops.broadcast_to(grids, array_ops.concat([si[:-1], [b]], 0))
    return array_ops.concat([grids, indices], -1)


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (duplicates sum)
    (``tf.scatter_nd``).

    Example:
        >>> import tensorflux as tf
        >>> tf.scatter_nd([[1], [3]], [9, 10], [5]).numpy().tolist()
        [0, 9, 0, 10, 0]
    """
    i = _idx(indices)
    shp = shape if isinstance(shape, Tensor) else array_ops._shape_arg(shape)
    s = math_ops.cast(shp, i.dtype) if isinstance(shp, Tensor) else tensor(
        np.asarray(shp).astype(i.dtype.np_dtype))
    return execute(array_ops.SCATTER_ND, (i, tensor(_val(updates)), s), None, name)


def _scatter_kernel(fn):
    def kernel(tensor_, indices, updates):
        out = np.array(tensor_, copy=True)
        idx = np.asarray(indices)
        array_ops.check_nd_indices(idx, out.shape, "shape")
        fn(out, tuple(np.moveaxis(idx, -1, 0)), updates)
        return out
    return kernel


def _scatter_infer(ic):
    s, i, upd = ic.shapes
    if s is not None and i is not None and upd is not None and i[-1] is not None:
        want = tuple(i[:-1]) + tuple(s[i[-1]:])
        if len(want) != len(upd) or any(a is not None and b is not None and a != b
                                         for a, b in zip(want, upd)):
            raise ValueError(f"Dimensions [0,{len(i) - 1}) of indices[shape={list(i)}] = "
                             f"{list(i[:-1])} must match dimensions [0,{len(upd) - len(s) + i[-1]}"
                             f") of updates[shape={list(upd)}]: updates must have shape "
                             f"{list(want)}")
    return s


def _add_grad(op, g):
    return [g, None, array_ops.gather_nd_(g, op.inputs[1])]


def _sub_grad(op, g):
    return [g, None, math_ops.negative(array_ops.gather_nd_(g, op.inputs[1]))]


def _minmax_grad(op, g):
    x, indices, y = op.inputs
    out = op.outputs[0]
    equal = get("Equal")
    x_ind = math_ops.cast(execute(equal, (x, out)), g.dtype)
    y_out = array_ops.gather_nd_(out, indices)
    y_ind = math_ops.cast(execute(equal, (y, y_out)), g.dtype)
    ys_ind = array_ops.scatter_nd_(indices, y_ind, array_ops.shape(x, out_type=indices.dtype))
    ind = math_ops.add(x_ind, ys_ind)
    gx = math_ops.divide_no_check(math_ops.multiply(g, x_ind), ind)
    gy = math_ops.multiply(array_ops.gather_nd_(math_ops.divide_no_check(g, ind), indices),
                           y_ind)
    return [gx, None, gy]


def _def_scatter(name, fn, grad):
    return defop(name, _scatter_kernel(fn), inputs=("tensor: T", "indices: Tindices",
                                                    "updates: T"),
                 outputs=("output: T",), types={"T": (), "Tindices": u.INDEX},
                 infer=_scatter_infer, grad=grad)


TENSOR_SCATTER_ADD = _def_scatter("TensorScatterAdd", np.add.at, _add_grad)
TENSOR_SCATTER_SUB = _def_scatter("TensorScatterSub", np.subtract.at, _sub_grad)
TENSOR_SCATTER_MIN = _def_scatter("TensorScatterMin", np.minimum.at, _minmax_grad)
TENSOR_SCATTER_MAX = _def_scatter("TensorScatterMax", np.maximum.at, _minmax_grad)


def _scatter_call(op, tensor_, indices, updates, name):
    t = tensor(_val(tensor_))
    upd = _val(updates)
    upd = upd if isinstance(upd, Tensor) else tensor(upd, dtype=t.dtype)
    return execute(op, (t, _idx(indices), upd), None, name)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` written at ``indices``
    (``tf.tensor_scatter_nd_update``).

    Example:
        >>> import tensorflux as tf
        >>> tf.tensor_scatter_nd_update([1, 2, 3], [[0]], [9]).numpy().tolist()
        [9, 2, 3]
    """
    return _scatter_call(array_ops.TENSOR_SCATTER_UPDATE, tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` added at ``indices``
    (``tf.tensor_scatter_nd_add``).

    Example:
        >>> import tensorflux as tf
        >>> tf.tensor_scatter_nd_add([1, 2, 3], [[0], [0]], [5, 5]).numpy().tolist()
        [11, 2, 3]
    """
    return _scatter_call(TENSOR_SCATTER_ADD, tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` subtracted at ``indices``
    (``tf.tensor_scatter_nd_sub``).

    Example:
        >>> import tensorflux as tf
        >>> tf.tensor_scatter_nd_sub([1, 2, 3], [[2]], [3]).numpy().tolist()
        [1, 2, 0]
    """
    return _scatter_call(TENSOR_SCATTER_SUB, tensor, indices, updates, name)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """Elementwise minimum of ``tensor`` and ``updates`` at ``indices``
    (``tf.tensor_scatter_nd_min``).

    Example:
        >>> import tensorflux as tf
        >>> tf.tensor_scatter_nd_min([1, 2, 3], [[2]], [0]).numpy().tolist()
        [1, 2, 0]
    """
    return _scatter_call(TENSOR_SCATTER_MIN, tensor, indices, updates, name)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """Elementwise maximum of ``tensor`` and ``updates`` at ``indices``
    (``tf.tensor_scatter_nd_max``).

    Example:
        >>> import tensorflux as tf
        >>> tf.tensor_scatter_nd_max([1, 2, 3], [[0]], [7]).numpy().tolist()
        [7, 2, 3]
    """
    return _scatter_call(TENSOR_SCATTER_MAX, tensor, indices, updates, name)


# ---- where / boolean_mask -----------------------------------------------------------------------


def _where_infer(ic):
    s = ic.shapes[0]
    return (None, None if s is None else len(s))


WHERE = defop("Where", lambda x: np.argwhere(np.asarray(x)).astype(np.int64),
              inputs=("input: T",), outputs=("index: int64",),
              types={"T": u.NUMERIC + (_dt.bool,)}, infer=_where_infer,
              grad=NOT_DIFFERENTIABLE)


def where(condition, x=None, y=None, name=None):
    """With only ``condition``: the coordinates (int64, ``[num_true, rank]``) of its true
    elements; with ``x`` and ``y``: elements of ``x`` where ``condition`` is true, else of
    ``y``, all three broadcast together (``tf.where``).

    Example:
        >>> import tensorflux as tf
        >>> tf.where([True, False, True]).numpy().tolist()
        [[0], [2]]
        >>> tf.where([True, False], 1.0, 0.0).numpy().tolist()
        [1.0, 0.0]
    """
    if x is None and y is None:
        return execute(WHERE, (tensor(_val(condition)),), None, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return array_ops.where_v2(tensor(_val(condition)), _val(x), _val(y), name=name)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """Keeps the entries of ``tensor`` where ``mask`` is true; ``mask`` covers the dimensions
    ``axis .. axis + mask.ndim`` (``tf.boolean_mask``).

    Example:
        >>> import tensorflux as tf
        >>> tf.boolean_mask(tf.constant([[1, 2], [3, 4]]), [True, False]).numpy().tolist()
        [[1, 2]]
    """
    t = u.tensor(_val(tensor))
    m = u.tensor(_val(mask), dtype=_dt.bool) if not isinstance(mask, Tensor) else mask
    nm = m.shape.rank
    if nm == 0:
        raise ValueError("mask cannot be scalar.")
    if nm is None:
        raise ValueError("Number of mask dimensions must be specified, even if some "
                         "dimensions are None.  E.g. shape=[None] is ok, but shape=None is "
                         "not.")
    axis = 0 if axis is None else int(axis)
    r = t.shape.rank
    if r is not None:
        if axis < 0:
            axis += r
        sub = t.shape[axis:axis + nm]
        if not sub.is_compatible_with(m.shape):
            raise ValueError(f"Shapes {sub} and {m.shape} are incompatible")
    elif axis < 0:
        raise ValueError("boolean_mask with a negative axis needs a tensor of known rank")
    st = t.shape.as_tuple()
    sub = None if st is None else st[axis:axis + nm]
    if sub is not None and all(d is not None for d in sub):
        lead = int(np.prod(sub)) if sub else 1
    else:
        lead = -1
    sh = array_ops.shape(t)
    t = array_ops.reshape(t, array_ops.concat([sh[:axis], [lead], sh[axis + nm:]], 0))
    m = array_ops.reshape(m, [-1])
    idx = array_ops.reshape(where(m), [-1])
    return array_ops.gather(t, idx, axis=axis, name=None if name == "boolean_mask" else name)
