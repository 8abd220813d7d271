"""Segment reductions (sorted and unsorted) and ``bincount``."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.math_ops import unsorted_segment_sum
from tensorflux._src.ops.op_util import tensor


def _a():
    from tensorflux._src.ops import array_ops
    return array_ops


# ---- kernels -----------------------------------------------------------------------------------


def _lowest(dt):
    if dt.kind == "f":
        return -np.inf
    if dt.kind == "c":
        return 0
    return np.iinfo(dt).min


def _highest(dt):
    if dt.kind == "f":
        return np.inf
    if dt.kind == "c":
        return 0
    return np.iinfo(dt).max


_UFUNC = {"sum": (np.add, lambda dt: 0), "prod": (np.multiply, lambda dt: 1),
          "max": (np.maximum, _lowest), "min": (np.minimum, _highest)}


def _reduce_into(data, ids, n, kind):
    ufunc, ident = _UFUNC[kind]
    data = np.asarray(data)
    ids = np.asarray(ids)
    out = np.full((n,) + data.shape[ids.ndim:], ident(data.dtype), dtype=data.dtype)
    valid = (ids >= 0) & (ids < n)
    if not np.all(valid):
        ufunc.at(out, ids[valid], data[valid])
    else:
        ufunc.at(out, ids, data)
    return out


def _check_sorted_ids(data, ids):
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise InvalidArgumentError(None, None, f"segment_ids should be a vector, got shape "
                                   f"{list(ids.shape)}")
    if np.ndim(data) < 1 or ids.shape[0] != np.shape(data)[0]:
        raise InvalidArgumentError(
            None, None, f"segment_ids should be the same size as dimension 0 of input: "
            f"segment_ids has {ids.shape[0]} elements, data has shape {list(np.shape(data))}")
    if ids.size and ids[0] < 0:
        raise InvalidArgumentError(None, None, "segment ids must be >= 0")
    if ids.size > 1 and np.any(np.diff(ids) < 0):
        k = int(np.argmax(np.diff(ids) < 0)) + 1
        raise InvalidArgumentError(None, None, f"segment ids are not increasing: "
                                   f"segment_ids[{k}] = {int(ids[k])} < segment_ids[{k - 1}] "
                                   f"= {int(ids[k - 1])}")
    return int(ids[-1]) + 1 if ids.size else 0


def _sorted_kernel(kind):
    def kernel(data, segment_ids):
        n = _check_sorted_ids(data, segment_ids)
        if kind == "mean":
            s = _reduce_into(data, segment_ids, n, "sum")
            c = np.bincount(np.asarray(segment_ids), minlength=n).reshape(
                (n,) + (1,) * (np.ndim(data) - 1))
            if data.dtype.kind in "iu":
                return (np.sign(s) * (np.abs(s) // np.maximum(c, 1))).astype(data.dtype)
            return (s / np.maximum(c, 1)).astype(data.dtype)
        out = _reduce_into(data, segment_ids, n, kind)
        if kind in ("max", "min"):  # empty segments are 0 for the sorted ops
            c = np.bincount(np.asarray(segment_ids), minlength=n).reshape(
                (n,) + (1,) * (np.ndim(data) - 1))
            out = np.where(c == 0, np.zeros_like(out), out)
        return out
    return kernel


def _unsorted_kernel(kind):
    def kernel(data, segment_ids, num_segments):
        n = int(num_segments)
        ids = np.asarray(segment_ids)
        if np.shape(data)[:ids.ndim] != ids.shape:
            raise InvalidArgumentError(
                None, None, f"data.shape = {list(np.shape(data))} does not start with "
                f"segment_ids.shape = {list(ids.shape)}")
        if ids.size and ids.max() >= n:
            raise InvalidArgumentError(
                None, None, f"segment_ids[{int(np.argmax(ids.reshape(-1) >= n))}] = "
                f"{int(ids.max())} is out of range [0, {n})")
        return _reduce_into(data, ids, n, kind)
    return kernel


def _sorted_infer(ic):
    d = ic.shapes[0]
    ids = ic.values[1]
    if d is None:
        return None
    n = None if ids is None else (int(np.asarray(ids)[-1]) + 1 if np.size(ids) else 0)
    return (n,) + tuple(d[1:])


_useg_infer = mo._useg_infer


# ---- gradients ---------------------------------------------------------------------------------


def _gather_drop_negatives(params, ids, zero_clipped_indices=None, is_positive=None):
    """Gather rows of ``params`` at ``ids``, with zeros where ``ids < 0`` (TF's helper)."""
    from tensorflux._src.ops.math_compare import greater_equal
    a = _a()
    if zero_clipped_indices is None:
        zero_clipped_indices = a.where_v2(greater_equal(ids, 0), ids, a.zeros_like(ids))
    gathered = a.gather(params, zero_clipped_indices)
    if is_positive is None:
        is_positive = greater_equal(ids, 0)
        extra = a.rank(gathered) - a.rank(is_positive)
        is_positive = a.reshape(is_positive, a.concat(
            [a.shape(is_positive), a.ones(a.expand_dims(extra, 0), _dt.int32)], 0))
        is_positive = mo.multiply(mo.cast(is_positive, _dt.int32),
                                  a.ones_like(gathered, dtype=_dt.int32))
        is_positive = mo.cast(is_positive, _dt.bool)
    return a.where_v2(is_positive, gathered, a.zeros_like(gathered)), zero_clipped_indices, \
        is_positive


def _segment_sum_grad(op, g):
    return [_a().gather(g, op.inputs[1]), None]


def _segment_mean_grad(op, g):
    a = _a()
    data, ids = op.inputs
    ones = a.ones(a.shape(ids), g.dtype)
    counts = segment_sum(ones, ids)
    shape = a.concat([a.shape(counts), a.ones(a.expand_dims(a.rank(data) - 1, 0),
                                              _dt.int32)], 0)
    scaled = mo.divide_no_check(g, a.reshape(counts, shape))
    return [a.gather(scaled, ids), None]


def _segment_minmax_grad(op, g):
    from tensorflux._src.ops.math_compare import equal
    a = _a()
    data, ids = op.inputs
    gathered_out = a.gather(op.outputs[0], ids)
    is_selected = equal(data, gathered_out)
    num_selected = segment_sum(mo.cast(is_selected, g.dtype), ids)
    weighted = mo.divide_no_check(g, num_selected)
    gathered = a.gather(weighted, ids)
    return [a.where_v2(is_selected, gathered, a.zeros_like(gathered)), None]


def _prod_partials(data, ids, out, seg_sum, seg_prod, gather):
    from tensorflux._src.ops.math_compare import equal, greater
    a = _a()
    is_zero = equal(data, mo.cast(0, data.dtype))
    num_zeros = seg_sum(mo.cast(is_zero, _dt.int32))
    non_zero = a.where_v2(is_zero, a.ones_like(data), data)
    non_zero_prod = seg_prod(non_zero)
    prod_by_el = mo.divide_no_check(gather(out), non_zero)
    partial = a.where_v2(is_zero, gather(non_zero_prod), prod_by_el)
    return num_zeros, partial, greater


def _segment_prod_grad(op, g):
    a = _a()
    data, ids = op.inputs
    num_zeros, partial, greater = _prod_partials(
        data, ids, op.outputs[0], lambda t: segment_sum(t, ids),
        lambda t: segment_prod(t, ids), lambda t: a.gather(t, ids))
    g = a.where_v2(greater(num_zeros, 1), a.zeros_like(g), g)
    return [mo.multiply(a.gather(g, ids), partial), None]


def _useg_minmax_grad(op, g):
    from tensorflux._src.ops.math_compare import equal, logical_and
    data, ids, n = op.inputs
    gathered_out, clipped, is_pos = _gather_drop_negatives(op.outputs[0], ids)
    is_selected = logical_and(equal(data, gathered_out), is_pos)
    num_selected = unsorted_segment_sum(mo.cast(is_selected, g.dtype), ids, n)
    weighted = mo.divide_no_check(g, num_selected)
    gathered, _, _ = _gather_drop_negatives(weighted, None, clipped, is_pos)
    a = _a()
    return [a.where_v2(is_selected, gathered, a.zeros_like(gathered)), None, None]


def _useg_prod_grad(op, g):
    a = _a()
    data, ids, n = op.inputs
    num_zeros, partial, greater = _prod_partials(
        data, ids, op.outputs[0], lambda t: unsorted_segment_sum(t, ids, n),
        lambda t: unsorted_segment_prod(t, ids, n),
        lambda t: _gather_drop_negatives(t, ids)[0])
    g = a.where_v2(greater(num_zeros, 1), a.zeros_like(g), g)
    return [mo.multiply(_gather_drop_negatives(g, ids)[0], partial), None, None]


# ---- declarations ------------------------------------------------------------------------------


def _sorted(name, kind, types, grad):
    return defop(name, _sorted_kernel(kind), inputs=("data: T", "segment_ids: Tindices"),
                 outputs=("output: T",), types={"T": types, "Tindices": u.INDEX},
                 infer=_sorted_infer, grad=grad)


def _unsorted(name, kind, types, grad):
    return defop(name, _unsorted_kernel(kind),
                 inputs=("data: T", "segment_ids: Tindices", "num_segments: Tnumsegments"),
                 outputs=("output: T",), types={"T": types, "Tindices": u.INDEX,
                                                "Tnumsegments": u.INDEX},
                 infer=_useg_infer, grad=grad)


SEGMENT_SUM = _sorted("SegmentSum", "sum", u.NUMERIC, _segment_sum_grad)
SEGMENT_MEAN = _sorted("SegmentMean", "mean", u.NUMERIC, _segment_mean_grad)
SEGMENT_PROD = _sorted("SegmentProd", "prod", u.NUMERIC, _segment_prod_grad)
SEGMENT_MAX = _sorted("SegmentMax", "max", u.REAL, _segment_minmax_grad)
SEGMENT_MIN = _sorted("SegmentMin", "min", u.REAL, _segment_minmax_grad)
UNSORTED_SEGMENT_MAX = _unsorted("UnsortedSegmentMax", "max", u.REAL, _useg_minmax_grad)
UNSORTED_SEGMENT_MIN = _unsorted("UnsortedSegmentMin", "min", u.REAL, _useg_minmax_grad)
UNSORTED_SEGMENT_PROD = _unsorted("UnsortedSegmentProd", "prod", u.NUMERIC, _useg_prod_grad)


def _seg(opdef, data, segment_ids, name):
    return execute(opdef, (tensor(data), tensor(segment_ids)), None, name)


def _useg(opdef, data, segment_ids, num_segments, name):
    return execute(opdef, (tensor(data), tensor(segment_ids), tensor(num_segments)), None, name)


def segment_sum(data, segment_ids, name=None):
    """Sums rows of ``data`` that share a (sorted) segment id (``tf.math.segment_sum``).

    Example:
        >>> tf.math.segment_sum(tf.constant([1, 2, 3]), tf.constant([0, 0, 1])).numpy().tolist()
        [3, 3]
    """
    return _seg(SEGMENT_SUM, data, segment_ids, name)


def segment_mean(data, segment_ids, name=None):
    """Mean of rows per sorted segment id (``tf.math.segment_mean``).

    Example:
        >>> tf.math.segment_mean(tf.constant([1.0, 3.0, 3.0]), tf.constant([0, 0, 1])).numpy()
        array([2., 3.], dtype=float32)
    """
    return _seg(SEGMENT_MEAN, data, segment_ids, name)


def segment_prod(data, segment_ids, name=None):
    """Product of rows per sorted segment id (``tf.math.segment_prod``).

    Example:
        >>> tf.math.segment_prod(tf.constant([2, 3, 4]), tf.constant([0, 0, 1])).numpy().tolist()
        [6, 4]
    """
    return _seg(SEGMENT_PROD, data, segment_ids, name)


def segment_max(data, segment_ids, name=None):
    """Maximum of rows per sorted segment id (``tf.math.segment_max``).

    Example:
        >>> tf.math.segment_max(tf.constant([2, 3, 4]), tf.constant([0, 0, 1])).numpy().tolist()
        [3, 4]
    """
    return _seg(SEGMENT_MAX, data, segment_ids, name)


def segment_min(data, segment_ids, name=None):
    """Minimum of rows per sorted segment id (``tf.math.segment_min``).

    Example:
        >>> tf.math.segment_min(tf.constant([2, 3, 4]), tf.constant([0, 0, 1])).numpy().tolist()
        [2, 4]
    """
    return _seg(SEGMENT_MIN, data, segment_ids, name)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Maximum per segment id; empty segments get the dtype's lowest value
    (``tf.math.unsorted_segment_max``).

    Example:
        >>> tf.math.unsorted_segment_max(tf.constant([1, 5, 2]), tf.constant([1, 0, 1]), 2
        ...                              ).numpy().tolist()
        [5, 2]
    """
    return _useg(UNSORTED_SEGMENT_MAX, data, segment_ids, num_segments, name)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Minimum per segment id; empty segments get the dtype's largest value
    (``tf.math.unsorted_segment_min``).

    Example:
        >>> tf.math.unsorted_segment_min(tf.constant([1, 5, 2]), tf.constant([1, 0, 1]), 2
        ...                              ).numpy().tolist()
        [5, 1]
    """
    return _useg(UNSORTED_SEGMENT_MIN, data, segment_ids, num_segments, name)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Product per segment id; empty segments are 1 (``tf.math.unsorted_segment_prod``).

    Example:
        >>> tf.math.unsorted_segment_prod(tf.constant([2, 5, 3]), tf.constant([1, 0, 1]), 2
        ...                               ).numpy().tolist()
        [5, 6]
    """
    return _useg(UNSORTED_SEGMENT_PROD, data, segment_ids, num_segments, name)


def _segment_counts(data, segment_ids, num_segments):
    a = _a()
    ids = tensor(segment_ids)
    data = tensor(data)
    ones = a.ones(a.shape(ids), data.dtype)
    n = unsorted_segment_sum(ones, ids, num_segments)
    rank_diff = a.rank(data) - a.rank(ids)
    shape = a.concat([a.shape(n), a.ones(a.expand_dims(rank_diff, 0), _dt.int32)], 0)
    return a.reshape(n, shape)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Mean per segment id; empty segments are 0 (``tf.math.unsorted_segment_mean``).

    Example:
        >>> tf.math.unsorted_segment_mean(tf.constant([1.0, 5.0, 3.0]), tf.constant([1, 0, 1]),
        ...                               2).numpy().tolist()
        [5.0, 2.0]
    """
    from tensorflux._src.ops.math_binary import maximum
    data = tensor(data)
    n = _segment_counts(data, segment_ids, num_segments)
    s = unsorted_segment_sum(data, segment_ids, num_segments)
    return mo.divide_no_check(s, maximum(n, mo.cast(1, n.dtype)))


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sum per segment divided by ``sqrt(count)`` (``tf.math.unsorted_segment_sqrt_n``).

    Example:
        >>> tf.math.unsorted_segment_sqrt_n(tf.constant([3.0, 1.0]), tf.constant([0, 0]), 1
        ...                                 ).numpy().round(4).tolist()
        [2.8284]
    """
    from tensorflux._src.ops.math_binary import maximum
    from tensorflux._src.ops.math_unary import sqrt
    data = tensor(data)
    n = _segment_counts(data, segment_ids, num_segments)
    s = unsorted_segment_sum(data, segment_ids, num_segments)
    return mo.divide_no_check(s, sqrt(maximum(n, mo.cast(1, n.dtype))))


# ---- bincount ----------------------------------------------------------------------------------


def _bincount_kernel(arr, size, weights):
    arr = np.asarray(arr).reshape(-1)
    n = int(size)
    if n < 0:
        raise InvalidArgumentError(None, None, f"size ({n}) must be non-negative")
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(None, None, "Input arr must be non-negative!")
    keep = arr < n
    w = np.asarray(weights).reshape(-1)
    if w.size:
        out = np.bincount(arr[keep], weights=w[keep], minlength=n)[:n]
        return out.astype(weights.dtype)
    return np.bincount(arr[keep], minlength=n)[:n].astype(weights.dtype)


BINCOUNT = defop("Bincount", _bincount_kernel, inputs=("arr: int32", "size: int32",
                                                      "weights: T"),
                 outputs=("bins: T",), types={"T": (_dt.int32, _dt.int64, _dt.float32,
                                                    _dt.float64)},
                 infer=lambda ic: (None if ic.values[1] is None else int(ic.values[1]),),
                 grad=NOT_DIFFERENTIABLE)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dt.int32, name=None,
             axis=None, binary_output=False):
    """Counts occurrences of each value in an int array (``tf.math.bincount``).

    The output has length ``max(arr) + 1`` (at least ``minlength``, at most ``maxlength``).
    With ``weights`` each occurrence adds its weight and the output takes their dtype.

    Example:
        >>> tf.math.bincount(tf.constant([1, 1, 3])).numpy().tolist()
        [0, 2, 0, 1]
    """
    from tensorflux._src.ops.math_binary import maximum, minimum
    from tensorflux._src.ops.math_reduce import reduce_max
    a = _a()
    arr = tensor(arr)
    if axis not in (None, 0, -1):
        raise ValueError(f"Unsupported axis value {axis}. Only 0 and -1 are currently "
                         "supported.")
    if arr.dtype is not _dt.int32:
        arr = mo.cast(arr, _dt.int32)
    flat = a.reshape(arr, [-1])
    size = mo.add(reduce_max(a.concat([flat, tensor(np.array([-1], np.int32))], 0)), 1)
    if minlength is not None:
        size = maximum(size, tensor(minlength, dtype=_dt.int32))
    if maxlength is not None:
        size = minimum(size, tensor(maxlength, dtype=_dt.int32))
    if weights is not None:
        w = a.reshape(tensor(weights), [-1])
        out_dt = w.dtype
    else:
        out_dt = _dt.as_dtype(dtype)
        w = tensor(np.zeros((0,), out_dt.as_numpy_dtype))
    if binary_output and weights is None:
        w = tensor(np.zeros((0,), out_dt.as_numpy_dtype))
    out = execute(BINCOUNT, (flat, size, w), None, name)
    if binary_output:
        out = mo.cast(mo.cast(out, _dt.bool), out_dt)
    return out
