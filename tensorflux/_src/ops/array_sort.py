"""Sorting and searching: sort/argsort (via TopKV2, as TensorFlow does), unique,
unique_with_counts, searchsorted (LowerBound/UpperBound)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops
from tensorflux._src.ops import math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.array_manip import _iae, _val, transpose
from tensorflux._src.ops.nn_misc import TOP_K  # TopKV2: declared once, by the nn family
from tensorflux._src.ops.op_util import tensor

# ---- sort / argsort ---------------------------------------------------------------------------


def _check_direction(direction):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Argument `direction` should be one of {{'ASCENDING', "
                         f"'DESCENDING'}}. Received: direction={direction}")


def _sort_or_argsort(values, axis, direction, return_argsort):
    _check_direction(direction)
    x = tensor(_val(values))
    r = x.shape.rank
    if r is None:
        raise ValueError("sort needs a tensor of known rank")
    if r == 0:
        raise ValueError("sort/argsort need a tensor of rank >= 1, got a scalar")
    a = int(axis)
    if not -r <= a < r:
        raise ValueError(f"axis={axis} is out of bounds for a tensor of rank {r}")
    a %= r
    perm = None
    if a != r - 1:
        perm = list(range(r))
        perm[a], perm[r - 1] = r - 1, a
        x = transpose(x, perm)
    ascending = direction == "ASCENDING"
    if ascending and x.dtype.is_unsigned:
        raise TypeError(f"ascending sort of unsigned dtype {x.dtype.name} is not supported; "
                        "cast to a signed type first")
    src = math_ops.negative(x) if ascending else x
    k = src.shape[-1]
    k = tensor(np.int32(k)) if k is not None else array_ops.shape(src)[-1]
    vals, idx = execute(TOP_K, (src, k), None)
    out = idx if return_argsort else (math_ops.negative(vals) if ascending else vals)
    if perm is not None:
        out = transpose(out, perm)
    return out


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorts a tensor along ``axis`` (``tf.sort``).

    Example:
        >>> import tensorflux as tf
        >>> tf.sort([3, 1, 2], direction="DESCENDING").numpy().tolist()
        [3, 2, 1]
    """
    return _sort_or_argsort(values, axis, direction, False)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort a tensor along ``axis``; the order is always stable here
    (``tf.argsort``).

    Example:
        >>> import tensorflux as tf
        >>> tf.argsort([3.0, 1.0, 2.0]).numpy().tolist()
        [1, 2, 0]
    """
    return _sort_or_argsort(values, axis, direction, True)


# ---- unique ------------------------------------------------------------------------------------


def _unique(x, counts, out_idx):
    x = np.asarray(x)
    if x.ndim != 1:
        raise _iae(f"unique expects a 1D vector, got shape {list(x.shape)}")
    if x.size == 0:
        y = x[:0]
        return (y, np.zeros(0, out_idx.np_dtype)) + ((np.zeros(0, out_idx.np_dtype),)
                                                     if counts else ())
    uniq, first, inv, cnt = np.unique(x, return_index=True, return_inverse=True,
                                      return_counts=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    y = uniq[order]
    idx = rank[np.asarray(inv).reshape(-1)].astype(out_idx.np_dtype)
    if counts:
        return y, idx, cnt[order].astype(out_idx.np_dtype)
    return y, idx


def _unique_infer(ic):
    s = ic.shapes[0]
    if s is not None and len(s) != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {len(s)} for Unique")
    return [(None,), (None,) if s is None else tuple(s)]


UNIQUE = defop("Unique", lambda x, out_idx=_dt.int32: _unique(x, False, out_idx),
               inputs=("x: T",), outputs=("y: T", "idx: out_idx"),
               types={"T": (), "out_idx": u.INDEX}, infer=_unique_infer,
               grad=NOT_DIFFERENTIABLE)
UNIQUE_WITH_COUNTS = defop(
    "UniqueWithCounts", lambda x, out_idx=_dt.int32: _unique(x, True, out_idx),
    inputs=("x: T",), outputs=("y: T", "idx: out_idx", "count: out_idx"),
    types={"T": (), "out_idx": u.INDEX},
    infer=lambda ic: _unique_infer(ic) + [(None,)], grad=NOT_DIFFERENTIABLE)


def unique(x, out_idx=_dt.int32, name=None):
    """The unique elements of a 1-D tensor in order of first occurrence, and for each element
    of ``x`` the index of its value in that list (``tf.unique``).

    Example:
        >>> import tensorflux as tf
        >>> y, idx = tf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8])
        >>> y.numpy().tolist(), idx.numpy().tolist()
        ([1, 2, 4, 7, 8], [0, 0, 1, 2, 2, 2, 3, 4, 4])
    """
    return execute(UNIQUE, (tensor(_val(x)),), {"out_idx": _dt.as_dtype(out_idx)}, name)


def unique_with_counts(x, out_idx=_dt.int32, name=None):
    """Like ``tf.unique``, also returning how often each unique value occurs
    (``tf.unique_with_counts``).

    Example:
        >>> import tensorflux as tf
        >>> y, idx, count = tf.unique_with_counts([1, 1, 2])
        >>> count.numpy().tolist()
        [2, 1]
    """
    return execute(UNIQUE_WITH_COUNTS, (tensor(_val(x)),),
                   {"out_idx": _dt.as_dtype(out_idx)}, name)


# ---- searchsorted --------------------------------------------------------------------------------


def _bound_kernel(side):
    def kernel(sorted_inputs, values, out_type=_dt.int32):
        s, v = np.asarray(sorted_inputs), np.asarray(values)
        if s.ndim != 2 or v.ndim != 2:
            raise _iae("sorted input argument must be a matrix, and values must be a matrix")
        if s.shape[0] != v.shape[0]:
            raise InvalidArgumentError(
                None, None, "Leading dim_size of both tensors must match: sorted_inputs "
                f"{list(s.shape)} vs values {list(v.shape)}")
        out = np.empty(v.shape, out_type.np_dtype)
        for i in range(s.shape[0]):
            out[i] = np.searchsorted(s[i], v[i], side=side)
        return out
    return kernel


def _bound_infer(ic):
    return ic.shapes[1]


LOWER_BOUND = defop("LowerBound", _bound_kernel("left"),
                    inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
                    types={"T": (), "out_type": u.INDEX}, infer=_bound_infer,
                    grad=NOT_DIFFERENTIABLE)
UPPER_BOUND = defop("UpperBound", _bound_kernel("right"),
                    inputs=("sorted_inputs: T", "values: T"), outputs=("output: out_type",),
                    types={"T": (), "out_type": u.INDEX}, infer=_bound_infer,
                    grad=NOT_DIFFERENTIABLE)


def searchsorted(sorted_sequence, values, side="left", out_type=_dt.int32, name=None):
    """Indices at which ``values`` would be inserted into the innermost dimension of
    ``sorted_sequence`` to keep it sorted (``tf.searchsorted``).

    Example:
        >>> import tensorflux as tf
        >>> tf.searchsorted([0.0, 1.0, 2.0], [1.0, 1.5], side="right").numpy().tolist()
        [2, 2]
    """
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: "
                         f"`side` = '{side}'.")
    s = tensor(_val(sorted_sequence))
    v = _val(values)
    v = v if isinstance(v, array_ops.Tensor) else tensor(v, dtype=s.dtype)
    vs = array_ops.shape(v)
    s2 = array_ops.reshape(s, array_ops.stack([-1, array_ops.shape(s)[-1]]))
    v2 = array_ops.reshape(v, array_ops.stack([-1, vs[-1]]))
    op = LOWER_BOUND if side == "left" else UPPER_BOUND
    out = execute(op, (s2, v2), {"out_type": _dt.as_dtype(out_type)})
    return array_ops.reshape(out, vs, name=name)
