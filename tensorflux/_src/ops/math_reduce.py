"""Reductions (mean/max/min/prod/all/any/euclidean norm), argmax/argmin and scans."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.math_ops import _reduce, _reduced_shape_for_grad, reduce_sum
from tensorflux._src.ops.op_util import tensor


def _axes(axis):
    return tuple(np.asarray(axis).reshape(-1).tolist())


def _array_ops():
    from tensorflux._src.ops import array_ops
    return array_ops


# ---- kernels -----------------------------------------------------------------------------------


def _mean_kernel(x, axis, keep_dims=False):
    ax = _axes(axis)
    if x.dtype.kind in "iu":
        s = np.sum(x, axis=ax, keepdims=keep_dims, dtype=x.dtype)
        n = int(np.prod([x.shape[a] for a in ax])) if ax else 1
        if n == 0:
            return np.zeros_like(s)
        return (np.sign(s) * (np.abs(s) // n)).astype(x.dtype)  # truncating, like C++
    with np.errstate(all="ignore"):
        return np.asarray(np.mean(x, axis=ax, keepdims=keep_dims)).astype(x.dtype, copy=False)


def _lowest(dt):
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


def _highest(dt):
    return np.inf if dt.kind == "f" else np.iinfo(dt).max


def _max_kernel(x, axis, keep_dims=False):
    return np.max(x, axis=_axes(axis), keepdims=keep_dims, initial=_lowest(x.dtype))


def _min_kernel(x, axis, keep_dims=False):
    return np.min(x, axis=_axes(axis), keepdims=keep_dims, initial=_highest(x.dtype))


def _prod_kernel(x, axis, keep_dims=False):
    return np.prod(x, axis=_axes(axis), keepdims=keep_dims, dtype=x.dtype)


def _all_kernel(x, axis, keep_dims=False):
    return np.all(x, axis=_axes(axis), keepdims=keep_dims)


def _any_kernel(x, axis, keep_dims=False):
    return np.any(x, axis=_axes(axis), keepdims=keep_dims)


def _euclidean_kernel(x, axis, keep_dims=False):
    sq = np.abs(x) ** 2 if x.dtype.kind == "c" else x * x
    out = np.sqrt(np.sum(sq, axis=_axes(axis), keepdims=keep_dims))
    if x.dtype.kind in "iu":
        return np.asarray(out).astype(x.dtype)
    return np.asarray(out).astype(x.dtype)


# ---- gradients ---------------------------------------------------------------------------------


def _broadcast_back(op, g):
    """Reshape the output gradient to keep-dims form and broadcast it over the input."""
    a = _array_ops()
    x, axis = op.inputs
    if not op.get_attr("keep_dims"):
        g = a.reshape(g, _reduced_shape_for_grad(x, axis))
    return a.broadcast_to(g, a.shape(x))


def _mean_grad(op, g):
    a = _array_ops()
    x, y = op.inputs[0], op.outputs[0]
    sg = _broadcast_back(op, g)
    sx, sy = u.static_shape(x), u.static_shape(y)
    if sx is not None and sy is not None:
        factor = max(int(np.prod(sx)) // max(int(np.prod(sy)), 1), 1)
        return [mo.divide_no_check(sg, mo.cast(factor, sg.dtype)), None]
    factor = mo.floordiv(a.size(x), _max2(a.size(y), 1))
    return [mo.divide_no_check(sg, mo.cast(_max2(factor, 1), sg.dtype)), None]


def _max2(a, b):
    from tensorflux._src.ops.math_binary import maximum
    return maximum(a, b)


def _minmax_grad(op, g):
    from tensorflux._src.ops.math_compare import equal
    a = _array_ops()
    x, axis = op.inputs
    y = op.outputs[0]
    shape = _reduced_shape_for_grad(x, axis)
    y = a.reshape(y, shape)
    g = a.reshape(g, shape)
    indicators = mo.cast(equal(y, x), g.dtype)
    num_selected = a.reshape(reduce_sum(indicators, axis), shape)
    return [mo.multiply(mo.divide_no_check(indicators, num_selected), g), None]


def _prod_grad(op, g):
    a = _array_ops()
    from tensorflux._src.framework.graph import constant_value
    x, axis = op.inputs
    gb = _broadcast_back(op, g)
    sx = u.static_shape(x)
    av = constant_value(axis)
    if sx is None or av is None:
        # Without static shapes fall back to y / x (exact away from zeros).
        y = a.reshape(op.outputs[0], _reduced_shape_for_grad(x, axis))
        return [mo.multiply(gb, mo.divide_no_check(y, x)), None]
    r = len(sx)
    red = sorted({int(v) % r for v in np.asarray(av).reshape(-1)}) if r else []
    other = [i for i in range(r) if i not in red]
    perm = red + other
    inv = list(np.argsort(perm))
    rn = int(np.prod([sx[i] for i in red])) if red else 1
    on = int(np.prod([sx[i] for i in other])) if other else 1
    permuted = a.transpose_(x, perm)
    pshape = [sx[i] for i in perm]
    reshaped = a.reshape(permuted, [rn, on])
    left = cumprod(reshaped, axis=0, exclusive=True)
    right = cumprod(reshaped, axis=0, exclusive=True, reverse=True)
    y = a.reshape(mo.multiply(mo._conj(left), mo._conj(right)), pshape)
    return [mo.multiply(gb, a.transpose_(y, inv)), None]


def _euclidean_grad(op, g):
    a = _array_ops()
    x, axis = op.inputs
    y = op.outputs[0]
    if not op.get_attr("keep_dims"):
        shape = _reduced_shape_for_grad(x, axis)
        y = a.reshape(y, shape)
        g = a.reshape(g, shape)
    return [mo.multiply(mo.divide_no_check(x, y), g), None]


def _red(name, kernel, types, grad):
    return defop(name, kernel, inputs=("input: T", "reduction_indices: Tidx"),
                 outputs=("output: T",), types={"T": types, "Tidx": u.INDEX},
                 attrs={"keep_dims": False}, infer=u.infer_reduce, grad=grad)


MEAN = _red("Mean", _mean_kernel, u.NUMERIC, _mean_grad)
MAX = _red("Max", _max_kernel, u.REAL, _minmax_grad)
MIN = _red("Min", _min_kernel, u.REAL, _minmax_grad)
PROD = _red("Prod", _prod_kernel, u.NUMERIC, _prod_grad)
EUCLIDEAN_NORM = _red("EuclideanNorm", _euclidean_kernel, u.NUMERIC, _euclidean_grad)
ALL = defop("All", _all_kernel, inputs=("input: bool", "reduction_indices: Tidx"),
            outputs=("output: bool",), types={"Tidx": u.INDEX}, attrs={"keep_dims": False},
            infer=u.infer_reduce, grad=NOT_DIFFERENTIABLE)
ANY = defop("Any", _any_kernel, inputs=("input: bool", "reduction_indices: Tidx"),
            outputs=("output: bool",), types={"Tidx": u.INDEX}, attrs={"keep_dims": False},
            infer=u.infer_reduce, grad=NOT_DIFFERENTIABLE)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis`` (all axes if None); integer means stay integers
    (``tf.math.reduce_mean``).

    Example:
        >>> tf.reduce_mean(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0).numpy().tolist()
        [2.0, 3.0]
    """
    return _reduce(MEAN, input_tensor, axis, keepdims, name)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Maximum over ``axis`` (``tf.math.reduce_max``).

    Example:
        >>> tf.reduce_max(tf.constant([[1, 5], [3, 4]]), axis=1).numpy().tolist()
        [5, 4]
    """
    return _reduce(MAX, input_tensor, axis, keepdims, name)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Minimum over ``axis`` (``tf.math.reduce_min``).

    Example:
        >>> tf.reduce_min(tf.constant([[1, 5], [3, 4]]), axis=1).numpy().tolist()
        [1, 3]
    """
    return _reduce(MIN, input_tensor, axis, keepdims, name)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product over ``axis`` (``tf.math.reduce_prod``).

    Example:
        >>> tf.reduce_prod(tf.constant([[1, 2], [3, 4]]), axis=1).numpy().tolist()
        [2, 12]
    """
    return _reduce(PROD, input_tensor, axis, keepdims, name)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND over ``axis`` (``tf.math.reduce_all``).

    Example:
        >>> bool(tf.reduce_all(tf.constant([True, False])))
        False
    """
    return _reduce(ALL, input_tensor, axis, keepdims, name)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR over ``axis`` (``tf.math.reduce_any``).

    Example:
        >>> bool(tf.reduce_any(tf.constant([True, False])))
        True
    """
    return _reduce(ANY, input_tensor, axis, keepdims, name)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(sum(x ** 2))`` over ``axis`` (``tf.math.reduce_euclidean_norm``).

    Example:
        >>> float(tf.math.reduce_euclidean_norm(tf.constant([3.0, 4.0])))
        5.0
    """
    return _reduce(EUCLIDEAN_NORM, input_tensor, axis, keepdims, name)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(sum(exp(x)))`` over ``axis``, computed stably (``tf.math.reduce_logsumexp``).

    Example:
        >>> round(float(tf.reduce_logsumexp(tf.constant([0.0, 0.0]))), 4)
        0.6931
    """
    from tensorflux._src.ops.math_unary import exp, is_finite, log
    a = _array_ops()
    x = tensor(input_tensor)
    raw_max = reduce_max(x, axis, keepdims=True)
    my_max = a.stop_gradient(a.where_v2(is_finite(raw_max), raw_max, a.zeros_like(raw_max)))
    result = log(reduce_sum(exp(mo.subtract(x, my_max)), axis, keepdims=keepdims))
    if not keepdims:
        my_max = a.reshape(my_max, a.shape(result))
    return mo.add(result, my_max)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Variance over ``axis`` (``tf.math.reduce_variance``).

    Example:
        >>> float(tf.math.reduce_variance(tf.constant([1.0, 3.0])))
        1.0
    """
    from tensorflux._src.ops.math_unary import abs as abs_, square
    x = tensor(input_tensor)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise TypeError(f"Input must be either real or complex. Received integer type "
                        f"{x.dtype.name}.")
    means = reduce_mean(x, axis, keepdims=True)
    d = mo.subtract(x, means)
    sq = square(abs_(d)) if x.dtype.is_complex else square(d)
    return reduce_mean(sq, axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Standard deviation over ``axis`` (``tf.math.reduce_std``).

    Example:
        >>> float(tf.math.reduce_std(tf.constant([1.0, 3.0])))
        1.0
    """
    from tensorflux._src.ops.math_unary import sqrt
    return sqrt(reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=_dt.int64, name=None):
    """Number of non-zero elements over ``axis`` (``tf.math.count_nonzero``).

    Example:
        >>> int(tf.math.count_nonzero(tf.constant([0, 1, 2])))
        2
    """
    from tensorflux._src.ops.math_compare import not_equal
    x = tensor(input)
    zero = "" if x.dtype is _dt.string else (False if x.dtype is _dt.bool else 0)
    nz = mo.cast(not_equal(x, zero), _dt.int64)
    return mo.cast(reduce_sum(nz, axis, keepdims=bool(keepdims)), dtype)


# ---- argmax / argmin ---------------------------------------------------------------------------


def _arg_kernel(fn):
    def kernel(x, dimension, output_type=_dt.int64):
        return np.asarray(fn(x, axis=int(dimension))).astype(output_type.np_dtype)
    return kernel


def _arg_infer(ic):
    s = ic.shapes[0]
    d = ic.values[1]
    if s is None:
        return None
    if d is None:
        return (None,) * (len(s) - 1) if s else None
    r = len(s)
    d = int(np.asarray(d).reshape(()))
    if not -r <= d < r:
        raise ValueError(f"Expected dimension in the range [{-r}, {r}), but got {d}")
    d %= r
    return tuple(s[:d]) + tuple(s[d + 1:])


def _argop(name, fn):
    return defop(name, _arg_kernel(fn), inputs=("input: T", "dimension: Tidx"),
                 outputs=("output: output_type",),
                 types={"T": u.REAL + (_dt.bool,), "Tidx": u.INDEX,
                        "output_type": (_dt.int16, _dt.uint16, _dt.int32, _dt.int64)},
                 attrs={"output_type": _dt.int64}, infer=_arg_infer, grad=NOT_DIFFERENTIABLE)


ARG_MAX = _argop("ArgMax", np.argmax)
ARG_MIN = _argop("ArgMin", np.argmin)


def _arg(opdef, input, axis, output_type, name):
    x = tensor(input)
    if axis is None:
        axis = 0
    out = _dt.as_dtype(output_type)
    ax = axis if isinstance(axis, Tensor) else tensor(np.asarray(axis, np.int32))
    return execute(opdef, (x, ax), {"output_type": out}, name)


def argmax(input, axis=None, output_type=_dt.int64, name=None):
    """Index of the largest value along ``axis`` (0 if None) (``tf.math.argmax``).

    Example:
        >>> tf.math.argmax(tf.constant([[1, 9], [8, 2]]), axis=1).numpy().tolist()
        [1, 0]
    """
    return _arg(ARG_MAX, input, axis, output_type, name)


def argmin(input, axis=None, output_type=_dt.int64, name=None):
    """Index of the smallest value along ``axis`` (0 if None) (``tf.math.argmin``).

    Example:
        >>> tf.math.argmin(tf.constant([[1, 9], [8, 2]]), axis=1).numpy().tolist()
        [0, 1]
    """
    return _arg(ARG_MIN, input, axis, output_type, name)


# ---- scans -------------------------------------------------------------------------------------


def _scan_kernel(fn, ident):
    def kernel(x, axis, exclusive=False, reverse=False):
        x = np.asarray(x)
        r = x.ndim
        a = int(axis)
        if not -r <= a < r:
            from tensorflux._src.core.errors import InvalidArgumentError
            raise InvalidArgumentError(None, None, f"Expected scan axis in the range [{-r}, "
                                       f"{r}), but got {a}")
        a %= r
        if reverse:
            x = np.flip(x, a)
        with np.errstate(all="ignore"):
            out = fn(x, a)
        if exclusive:
            pad = np.full_like(np.take(out, [0], axis=a), ident(x.dtype))
            out = np.concatenate([pad, np.take(out, range(out.shape[a] - 1), axis=a)], axis=a)
        if reverse:
            out = np.flip(out, a)
        return np.ascontiguousarray(out).astype(x.dtype)
    return kernel


def _cumsum_grad(op, g):
    axis = op.inputs[1]
    return [cumsum(g, axis, exclusive=op.get_attr("exclusive"),
                   reverse=not op.get_attr("reverse")), None]


def _cumprod_grad(op, g):
    x, axis = op.inputs
    ex, rev = op.get_attr("exclusive"), op.get_attr("reverse")
    prod = cumprod(x, axis, exclusive=ex, reverse=rev)
    out = cumsum(mo.multiply(prod, g), axis, exclusive=ex, reverse=not rev)
    return [mo.divide_no_check(out, x), None]


def _cumlse_grad(op, g):
    from tensorflux._src.ops.math_compare import greater, less
    from tensorflux._src.ops.math_unary import exp, log
    a = _array_ops()
    x, axis = op.inputs
    result = op.outputs[0]
    ex, rev = op.get_attr("exclusive"), op.get_attr("reverse")
    low = mo.multiply(a.ones_like(g), float(np.finfo(g.dtype.as_numpy_dtype).min))
    safe = a.where_v2(greater(g, 0), g, a.ones_like(g))
    log_pos = a.where_v2(greater(g, 0), log(safe), low)
    safe_n = a.where_v2(less(g, 0), mo.negative(g), a.ones_like(g))
    log_neg = a.where_v2(less(g, 0), log(safe_n), low)
    out_pos = exp(mo.add(cumulative_logsumexp(mo.subtract(log_pos, result), axis,
                                              exclusive=ex, reverse=not rev), x))
    out_neg = exp(mo.add(cumulative_logsumexp(mo.subtract(log_neg, result), axis,
                                              exclusive=ex, reverse=not rev), x))
    return [mo.subtract(out_pos, out_neg), None]


def _scan(name, kernel, types, grad):
    return defop(name, kernel, inputs=("x: T", "axis: Tidx"), outputs=("out: T",),
                 types={"T": types, "Tidx": u.INDEX},
                 attrs={"exclusive": False, "reverse": False}, infer=u.infer_same, grad=grad)


CUMSUM = _scan("Cumsum", _scan_kernel(lambda x, a: np.cumsum(x, axis=a, dtype=x.dtype),
                                      lambda dt: 0), u.NUMERIC, _cumsum_grad)
CUMPROD = _scan("Cumprod", _scan_kernel(lambda x, a: np.cumprod(x, axis=a, dtype=x.dtype),
                                        lambda dt: 1), u.NUMERIC, _cumprod_grad)
CUMULATIVE_LOGSUMEXP = _scan(
    "CumulativeLogsumexp", _scan_kernel(lambda x, a: np.logaddexp.accumulate(x, axis=a),
                                        lambda dt: -np.inf), u.FLOAT, _cumlse_grad)


def _scan_call(opdef, x, axis, exclusive, reverse, name):
    x = tensor(x)
    ax = axis if isinstance(axis, Tensor) else tensor(np.asarray(axis, np.int32))
    attrs = None
    if exclusive or reverse:
        attrs = {"exclusive": bool(exclusive), "reverse": bool(reverse)}
    return execute(opdef, (x, ax), attrs, name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along ``axis`` (``tf.math.cumsum``).

    Example:
        >>> tf.math.cumsum(tf.constant([1, 2, 3]), exclusive=True).numpy().tolist()
        [0, 1, 3]
    """
    return _scan_call(CUMSUM, x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along ``axis`` (``tf.math.cumprod``).

    Example:
        >>> tf.math.cumprod(tf.constant([1, 2, 3]), reverse=True).numpy().tolist()
        [6, 6, 3]
    """
    return _scan_call(CUMPROD, x, axis, exclusive, reverse, name)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative ``log(sum(exp(x)))`` along ``axis`` (``tf.math.cumulative_logsumexp``).

    Example:
        >>> tf.math.cumulative_logsumexp(tf.constant([0.0, 0.0])).numpy().round(4).tolist()
        [0.0, 0.6931]
    """
    return _scan_call(CUMULATIVE_LOGSUMEXP, x, axis, exclusive, reverse, name)
