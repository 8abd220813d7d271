"""tf.ragged functions: constant, range, map_flat_values, boolean_mask-free helpers."""

from __future__ import annotations

import builtins

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.convert import constant as _constant
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor
from tensorflux._src.ops.ragged_tensor import RaggedTensor, is_ragged  # noqa: F401


def _depth(x):
    if isinstance(x, (list, tuple)):
        ds = [_depth(c) for c in x]
        ds = [d for d in ds if d is not None]
        return 1 + max(ds) if ds else None
    return 0


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=_dt.int64):
    """Builds a RaggedTensor from nested Python lists (``tf.ragged.constant``).

    Example:
        >>> tf.ragged.constant([[1, 2], [3]]).row_lengths().numpy()
        array([2, 1])
    """
    if not isinstance(pylist, (list, tuple)):
        return _constant(pylist, dtype=dtype)
    depth = _depth(pylist)
    if depth is None:
        depth = 1 + (ragged_rank or 0)
    inner = len(inner_shape) if inner_shape is not None else 0
    if ragged_rank is None:
        ragged_rank = max(depth - 1 - inner, 1) if depth > 1 else 0
        if inner_shape is None and depth > 1:
            ragged_rank = depth - 1
    if ragged_rank < 1:
        return _constant(pylist, dtype=dtype)
    splits_list = []
    level = list(pylist)
    for _ in builtins.range(ragged_rank):
        splits = [0]
        nxt = []
        for row in level:
            if not isinstance(row, (list, tuple)):
                raise ValueError("all scalar values must have the same nesting depth")
            nxt.extend(row)
            splits.append(len(nxt))
        splits_list.append(np.asarray(splits, _dt.as_dtype(row_splits_dtype).np_dtype))
        level = nxt
    if level:
        values = _constant(level, dtype=dtype)
    else:
        shape = [0] + (list(inner_shape) if inner_shape is not None else
                       [0] * max(depth - 1 - ragged_rank, 0))
        values = _constant(np.zeros(shape, (_dt.as_dtype(dtype) if dtype is not None
                                            else _dt.float32).np_dtype))
    if inner_shape is not None:
        from tensorflux._src.ops import array_ops
        values = array_ops.reshape(values, [-1] + list(inner_shape))
    return RaggedTensor.from_nested_row_splits(values, splits_list, validate=False)


def constant_value(pylist, dtype=None, ragged_rank=None, inner_shape=None,
                   row_splits_dtype="int64"):
    """Like :func:`constant` (this implementation returns a RaggedTensor)."""
    return constant(pylist, dtype, ragged_rank, inner_shape, row_splits_dtype=row_splits_dtype)


def _ragged_range_kernel(starts, limits, deltas, Tsplits=_dt.int64):
    s, lim, d = np.broadcast_arrays(np.atleast_1d(starts), np.atleast_1d(limits),
                                    np.atleast_1d(deltas))
    rows = []
    for a, b, c in zip(s, lim, d):
        if c == 0:
            from tensorflux._src.core import errors
            raise errors.InvalidArgumentError(None, None, "Requires delta != 0")
        rows.append(np.arange(a, b, c, dtype=starts.dtype))
    splits = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(Tsplits.np_dtype)
    vals = np.concatenate(rows) if rows else np.zeros(0, starts.dtype)
    return splits, vals.astype(starts.dtype)


def _range_infer(ic):
    n = None
    for sh in ic.shapes:
        if sh is not None and len(sh) == 1 and sh[0] is not None and sh[0] != 1:
            n = sh[0]
    if all(sh == () for sh in ic.shapes):
        n = 1
    return [(None if n is None else n + 1,), (None,)]


RAGGED_RANGE = defop(
    "RaggedRange", _ragged_range_kernel, inputs=("starts: T", "limits: T", "deltas: T"),
    outputs=("rt_nested_splits: Tsplits", "rt_dense_values: T"),
    types={"T": (_dt.bfloat16, _dt.float32, _dt.float64, _dt.int32, _dt.int64),
           "Tsplits": u.INDEX},
    infer=_range_infer, grad=NOT_DIFFERENTIABLE)


def range(starts, limits=None, deltas=1, dtype=None, name=None,  # noqa: A001
          row_splits_dtype=_dt.int64):
    """A RaggedTensor whose row ``i`` is ``range(starts[i], limits[i], deltas[i])``
    (``tf.ragged.range``).

    Example:
        >>> tf.ragged.range([3, 0]).to_list()
        [[0, 1, 2], []]
    """
    if limits is None:
        starts, limits = 0, starts
    lim = tensor(limits, dtype=dtype)
    dt = lim.dtype
    st = tensor(starts, dtype=dt) if not isinstance(starts, int) else \
        tensor(np.asarray(starts, dt.as_numpy_dtype))
    de = tensor(deltas, dtype=dt) if not isinstance(deltas, int) else \
        tensor(np.asarray(deltas, dt.as_numpy_dtype))
    splits, vals = execute(RAGGED_RANGE, (st, lim, de),
                           {"Tsplits": _dt.as_dtype(row_splits_dtype)}, name)
    return RaggedTensor.from_row_splits(vals, splits, validate=False)


def map_flat_values(op, *args, **kwargs):
    """Applies ``op`` to the flat values of the ragged arguments
    (``tf.ragged.map_flat_values``).

    Example:
        >>> rt = tf.ragged.constant([[1, 2], [3]])
        >>> tf.ragged.map_flat_values(tf.negative, rt).to_list()
        [[-1, -2], [-3]]
    """
    template = []

    def sub(x):
        if isinstance(x, RaggedTensor):
            template.append(x)
            return x.flat_values
        if isinstance(x, (list, tuple)):
            return type(x)(sub(v) for v in x)
        if isinstance(x, dict):
            return {k: sub(v) for k, v in x.items()}
        return x

    a = sub(list(args))
    k = sub(kwargs)
    if not template:
        return op(*a, **k)
    out = op(*a, **k)
    return template[0].with_flat_values(out)


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """Row id of each value given row splits (``tf.ragged.row_splits_to_segment_ids``)."""
    from tensorflux._src.ops.ragged_tensor import ROWIDS_FROM_SPLITS, _splits_tensor
    out = execute(ROWIDS_FROM_SPLITS, (_splits_tensor(splits),), None, name)
    if out_type is not None and out.dtype != out_type:
        from tensorflux._src.ops import math_ops
        out = math_ops.cast(out, out_type)
    return out


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """Row splits for sorted segment ids (``tf.ragged.segment_ids_to_row_splits``)."""
    rt = RaggedTensor.from_value_rowids(
        tensor(np.zeros(np.asarray(tensor(segment_ids)._value).shape, np.int32)),
        segment_ids, nrows=num_segments)
    s = rt.row_splits
    if out_type is not None and s.dtype != out_type:
        from tensorflux._src.ops import math_ops
        s = math_ops.cast(s, out_type)
    return s
