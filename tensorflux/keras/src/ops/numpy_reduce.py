"""``keras.ops.numpy``: reductions and array creation."""

from __future__ import annotations

import builtins

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast
from tensorflux.keras.src.ops.numpy_common import (_axes, _dt, _float_dtype, _name,
                                                    _t, moveaxis, result_type)


# --- reductions ------------------------------------------------------------------------------
def _sum_dtype(dtype):
    if dtype in ("bool", "int8", "int16"):
        return "int32"
    if dtype in ("uint8", "uint16"):
        return "uint32"
    return dtype


def sum(x, axis=None, keepdims=False):  # noqa: A001
    x = _t(x)
    return tf.reduce_sum(cast(x, _sum_dtype(_name(x))), axis=_axes(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = _t(x)
    dtype = _sum_dtype(_name(x)) if dtype is None else kdt.standardize_dtype(dtype)
    return tf.reduce_prod(cast(x, dtype), axis=_axes(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    x = _t(x)
    ori = _name(x)
    compute = result_type(ori, "float32")
    out_dtype = compute if ("int" in ori or ori == "bool") else ori
    out = tf.reduce_mean(cast(x, compute), axis=_axes(axis), keepdims=keepdims)
    return cast(out, out_dtype)


def _minmax(reduce, empty_name):
    def op(x, axis=None, keepdims=False, initial=None):
        x = _t(x)
        dtype = _name(x)
        xb = cast(x, "int32") if dtype == "bool" else x
        out = reduce(xb, axis=_axes(axis), keepdims=keepdims)
        if initial is not None:
            fn = tf.maximum if empty_name == "max" else tf.minimum
            out = fn(out, tf.cast(initial, out.dtype))
        return cast(out, dtype)
    return op


max = _minmax(tf.reduce_max, "max")  # noqa: A001
min = _minmax(tf.reduce_min, "min")  # noqa: A001
amax = max
amin = min


def all(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_all(cast(x, "bool"), axis=_axes(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_any(cast(x, "bool"), axis=_axes(axis), keepdims=keepdims)


def _var(x, axis, keepdims):
    x = _t(x)
    compute = result_type(_name(x), "float32")
    out_dtype = result_type(_name(x), float)
    xc = cast(x, compute)
    m = tf.reduce_mean(xc, axis=_axes(axis), keepdims=True)
    v = tf.reduce_mean(tf.square(xc - m), axis=_axes(axis), keepdims=keepdims)
    return v, out_dtype


def var(x, axis=None, keepdims=False):
    v, dtype = _var(x, axis, keepdims)
    return cast(v, dtype)


def std(x, axis=None, keepdims=False):
    v, dtype = _var(x, axis, keepdims)
    return cast(tf.sqrt(v), dtype)


def _arg_reduce(fn, flip):
    def op(x, axis=None, keepdims=False):
        x = _t(x)
        if _name(x) == "bool":
            x = cast(x, "int32")
        if axis is None:
            out = fn(tf.reshape(x, [-1]), axis=0, output_type="int32")
            if keepdims:
                out = tf.reshape(out, [1] * len(x.shape))
            return out
        out = fn(x, axis=axis, output_type="int32")
        return tf.expand_dims(out, axis) if keepdims else out
    return op


argmax = _arg_reduce(tf.argmax, False)
argmin = _arg_reduce(tf.argmin, True)


def count_nonzero(x, axis=None):
    x = _t(x)
    return cast(tf.reduce_sum(cast(tf.not_equal(x, tf.zeros_like(x)), "int32"),
                              axis=_axes(axis)), "int32")


def ptp(x, axis=None, keepdims=False):
    x = _t(x)
    return tf.reduce_max(x, axis=_axes(axis), keepdims=keepdims) - tf.reduce_min(
        x, axis=_axes(axis), keepdims=keepdims)


def average(x, axis=None, weights=None):
    x = _t(x)
    if weights is None:
        return mean(x, axis=axis)
    weights = _t(weights)
    dtype = result_type(_name(x), _name(weights), float)
    x, weights = cast(x, dtype), cast(weights, dtype)
    if axis is not None and len(weights.shape) == 1 and len(x.shape) > 1:
        shp = [1] * len(x.shape)
        shp[axis] = -1
        weights = tf.reshape(weights, shp)
    weights = tf.broadcast_to(weights, tf.shape(x))
    return tf.reduce_sum(x * weights, axis=axis) / tf.reduce_sum(weights, axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    x = _t(x)
    return tf.math.reduce_logsumexp(cast(x, _float_dtype(_name(x))), axis=_axes(axis),
                                    keepdims=keepdims)


def _cumulative(fn):
    def op(x, axis=None, dtype=None):
        x = _t(x)
        if dtype is None:
            dtype = "int32" if _name(x) == "bool" else _name(x)
        x = cast(x, kdt.standardize_dtype(dtype))
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        return fn(x, axis=axis)
    return op


cumsum = _cumulative(tf.math.cumsum)
cumprod = _cumulative(tf.math.cumprod)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    x = _t(x)
    dtype = _float_dtype(_name(x))
    x = cast(x, dtype)
    q = cast(_t(q), dtype)
    rank = len(x.shape)
    if axis is None:
        flat = tf.reshape(x, [-1])
        axes = None
    else:
        axes = [a % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
        keep = [i for i in range(rank) if i not in axes]
        perm = keep + axes
        moved = tf.transpose(x, perm)
        kshape = [x.shape[i] for i in keep]
        flat = tf.reshape(moved, kshape + [-1])
    s = tf.sort(flat, axis=-1)
    n = tf.cast(tf.shape(s)[-1], dtype)
    pos = q * (n - 1)
    if method == "linear":
        lo = tf.floor(pos)
        hi = tf.math.ceil(pos)
    elif method == "lower":
        lo = hi = tf.floor(pos)
    elif method == "higher":
        lo = hi = tf.math.ceil(pos)
    elif method == "nearest":
        lo = hi = tf.round(pos)
    elif method == "midpoint":
        lo, hi = tf.floor(pos), tf.math.ceil(pos)
    else:
        raise ValueError(f"Invalid `method`: {method!r}. Expected one of 'linear', 'lower', "
                         "'higher', 'midpoint', 'nearest'.")
    vlo = tf.gather(s, tf.cast(lo, "int32"), axis=-1)
    vhi = tf.gather(s, tf.cast(hi, "int32"), axis=-1)
    if method == "midpoint":
        out = (vlo + vhi) / tf.cast(2.0, dtype)
    else:
        out = vlo + (vhi - vlo) * (pos - lo)
    # out: kept dims + q dims; NumPy puts q dims first.
    qr = len(q.shape)
    kr = len(out.shape) - qr
    if qr:
        out = tf.transpose(out, list(range(kr, kr + qr)) + list(range(kr)))
    if keepdims:
        if axes is None:
            out = tf.reshape(out, list(q.shape) + [1] * rank)
        else:
            shp = list(q.shape) + [1 if i in axes else x.shape[i] for i in range(rank)]
            out = tf.reshape(out, shp)
    return out


def percentile(x, q, axis=None, method="linear", keepdims=False):
    q = _t(q)
    return quantile(x, cast(q, _float_dtype(_name(q))) / 100.0, axis=axis, method=method,
                    keepdims=keepdims)


def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


# --- creation --------------------------------------------------------------------------------
def arange(start, stop=None, step=None, dtype=None):
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        types = [_dt(v) for v in (start, stop, step)]
        dtype = result_type(*types)
    dtype = kdt.standardize_dtype(dtype)
    n = int(np.ceil((float(_py(stop)) - float(_py(start))) / float(_py(step))))
    vals = np.asarray(_py(start), np.float64) + np.arange(builtins.max(n, 0)) * float(_py(step))
    return tf.constant(vals.astype(tf.as_dtype(dtype).as_numpy_dtype), dtype=dtype)


def _py(v):
    return v.numpy() if tf.is_tensor(v) else v


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if dtype is None:
        dtype = result_type(_dt(start), _dt(stop), float)
    dtype = kdt.standardize_dtype(dtype)
    start = cast(_t(start), "float64")
    stop = cast(_t(stop), "float64")
    div = (num - 1) if endpoint else num
    step = (stop - start) / float(div) if div > 0 else stop - start
    idx = tf.cast(tf.range(num), "float64")
    shp = [num] + [1] * len(start.shape)
    vals = start + tf.reshape(idx, shp) * step
    if endpoint and num > 1:
        vals = tf.concat([vals[:-1], tf.expand_dims(stop, 0)], axis=0)
    if axis != 0:
        vals = moveaxis(vals, 0, axis)
    if kdt.is_int(dtype):
        vals = tf.floor(vals)
    vals = cast(vals, dtype)
    return (vals, cast(step, dtype)) if retstep else vals


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    if dtype is None:
        dtype = result_type(_dt(start), _dt(stop), float)
    dtype = kdt.standardize_dtype(dtype)
    exps = linspace(start, stop, num, endpoint=endpoint, dtype="float64", axis=axis)
    return cast(tf.pow(tf.cast(base, "float64"), exps), dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    if dtype is None:
        dtype = result_type(_dt(start), _dt(stop), float)
    dtype = kdt.standardize_dtype(dtype)
    lstart = tf.math.log(cast(_t(start), "float64"))
    lstop = tf.math.log(cast(_t(stop), "float64"))
    out = tf.exp(linspace(lstart, lstop, num, endpoint=endpoint, dtype="float64", axis=axis))
    return cast(out, dtype)


def _creation_dtype(dtype):
    return kdt.standardize_dtype(dtype) if dtype is not None else backend.floatx()


def zeros(shape, dtype=None):
    return tf.zeros(shape, _creation_dtype(dtype))


def ones(shape, dtype=None):
    return tf.ones(shape, _creation_dtype(dtype))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    return tf.broadcast_to(_t(fill_value, _creation_dtype(dtype)), shape)


def _like_dtype(x, dtype):
    return kdt.standardize_dtype(dtype) if dtype is not None else _name(_t(x))


def zeros_like(x, dtype=None):
    return tf.zeros(tf.shape(_t(x)), _like_dtype(x, dtype))


def ones_like(x, dtype=None):
    return tf.ones(tf.shape(_t(x)), _like_dtype(x, dtype))


def empty_like(x, dtype=None):
    return zeros_like(x, dtype)


def full_like(x, fill_value, dtype=None):
    x = _t(x)
    dtype = _like_dtype(x, dtype)
    return tf.broadcast_to(_t(fill_value, dtype), tf.shape(x))


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    dtype = _creation_dtype(dtype)
    return tf.constant(np.eye(N, M, k, dtype=tf.as_dtype(dtype).as_numpy_dtype), dtype=dtype)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    dtype = _creation_dtype(dtype)
    return tf.constant(np.tri(N, M, k, dtype=tf.as_dtype(dtype).as_numpy_dtype), dtype=dtype)


def _tri_mask(x, k, lower):
    n, m = x.shape[-2], x.shape[-1]
    mask = np.tri(n, m, k, dtype=bool)
    if not lower:
        mask = ~np.tri(n, m, k - 1, dtype=bool)
    return tf.constant(mask)


def tril(x, k=0):
    x = _t(x)
    return tf.where(_tri_mask(x, k, True), x, tf.zeros_like(x))


def triu(x, k=0):
    x = _t(x)
    return tf.where(_tri_mask(x, k, False), x, tf.zeros_like(x))


def diagonal(x, offset=0, axis1=0, axis2=1):
    x = _t(x)
    rank = len(x.shape)
    axis1, axis2 = axis1 % rank, axis2 % rank
    rest = [i for i in range(rank) if i not in (axis1, axis2)]
    x = tf.transpose(x, rest + [axis1, axis2])
    n, m = x.shape[-2], x.shape[-1]
    rows = np.arange(n)
    cols = rows + offset
    keep = (cols >= 0) & (cols < m) & (rows >= 0)
    if offset < 0:
        rows = np.arange(-offset, n)
        cols = rows + offset
        keep = (cols < m)
    rows, cols = rows[keep], cols[keep]
    flat = tf.reshape(x, [-1, n * m]) if rest else tf.reshape(x, [1, n * m])
    out = tf.gather(flat, tf.constant(rows * m + cols, "int32"), axis=1)
    return tf.reshape(out, [x.shape[i] for i in range(len(rest))] + [len(rows)])


def diag(x, k=0):
    x = _t(x)
    if len(x.shape) == 1:
        n = x.shape[0] + builtins.abs(k)
        idx = np.arange(x.shape[0])
        pos = np.stack([idx + builtins.max(-k, 0), idx + builtins.max(k, 0)], axis=-1)
        return tf.scatter_nd(tf.constant(pos, "int32"), x, [n, n])
    if len(x.shape) == 2:
        return diagonal(x, offset=k)
    raise ValueError(f"`x` must be 1d or 2d. Received: x.shape={x.shape}")


def diagflat(x, k=0):
    return diag(tf.reshape(_t(x), [-1]), k)


def trace(x, offset=0, axis1=0, axis2=1):
    x = _t(x)
    d = diagonal(x, offset, axis1, axis2)
    return tf.reduce_sum(cast(d, _sum_dtype(_name(x))), axis=-1)


def meshgrid(*x, indexing="xy"):
    return tf.meshgrid(*[_t(v) for v in x], indexing=indexing)


def array(x, dtype=None):
    return _t(x, dtype)


def vander(x, N=None, increasing=False):
    x = _t(x)
    N = x.shape[0] if N is None else N
    powers = tf.range(N) if increasing else tf.range(N - 1, -1, -1)
    dtype = _name(x)
    if dtype == "bool":
        x, dtype = cast(x, "int32"), "int32"
    return tf.pow(tf.expand_dims(x, -1), tf.cast(powers, dtype))
