"""``keras.ops.numpy``: NumPy-style ops with Keras 3's dtype promotion, on tensorflux ops.

Result dtypes follow ``keras.backend.result_type`` (TensorFlow backend: ``int64``/``float64``
are kept, Python scalars are weak types). Every function accepts tensors, variables, NumPy
arrays, lists and Python scalars.
"""

from __future__ import annotations

import builtins

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast, convert_to_tensor

result_type = kdt.result_type


def _t(x, dtype=None):
    return convert_to_tensor(x, dtype)


def _arg(x):
    """Keep Python scalars (weak types) as they are; everything else becomes a tensor."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return _t(x)


def _dt(x):
    return kdt.dtype_of(x)


def _name(x):
    return x.dtype.name


def _float_dtype(dtype):
    """The float dtype Keras computes float-valued functions of ``dtype`` in."""
    dtype = kdt.standardize_dtype(dtype)
    if dtype == "int64":
        return backend.floatx()
    return result_type(dtype, float)


def _axes(axis):
    if isinstance(axis, (list, tuple)):
        return list(axis)
    return axis


# --- element-wise, unary ---------------------------------------------------------------------
def _float_dtype64(dtype):
    """TF-backend rule of deg2rad/cbrt/hypot: int64 -> float64, other ints/bool -> floatx."""
    dtype = kdt.standardize_dtype(dtype)
    if dtype == "int64":
        return "float64"
    if not kdt.is_float(dtype):
        return backend.floatx()
    return dtype


def _unary_float64(fn):
    def op(x):
        x = _t(x)
        return fn(cast(x, _float_dtype64(_name(x))))
    return op


def _unary_float(fn):
    def op(x):
        x = _t(x)
        return fn(cast(x, _float_dtype(_name(x))))
    op.__name__ = fn.__name__ if hasattr(fn, "__name__") else "op"
    return op


def _cbrt(x):
    return tf.sign(x) * tf.pow(tf.abs(x), tf.cast(1.0 / 3.0, x.dtype))


def _sinc(x):
    pix = x * tf.cast(np.pi, x.dtype)
    safe = tf.where(tf.equal(x, 0), tf.ones_like(x), pix)
    return tf.where(tf.equal(x, 0), tf.ones_like(x), tf.sin(safe) / safe)


arccos = _unary_float(tf.math.acos)
arccosh = _unary_float(tf.math.acosh)
arcsin = _unary_float(tf.math.asin)
arcsinh = _unary_float(tf.math.asinh)
arctan = _unary_float(tf.math.atan)
arctanh = _unary_float(tf.math.atanh)
cos = _unary_float(tf.math.cos)
cosh = _unary_float(tf.math.cosh)
sin = _unary_float(tf.math.sin)
sinh = _unary_float(tf.math.sinh)
tan = _unary_float(tf.math.tan)
tanh = _unary_float(tf.math.tanh)
exp = _unary_float(tf.math.exp)
exp2 = _unary_float(lambda x: tf.pow(tf.cast(2.0, x.dtype), x))
expm1 = _unary_float(tf.math.expm1)
log = _unary_float(tf.math.log)
log10 = _unary_float(lambda x: tf.math.log(x) / tf.cast(np.log(10.0), x.dtype))
log1p = _unary_float(tf.math.log1p)
log2 = _unary_float(lambda x: tf.math.log(x) / tf.cast(np.log(2.0), x.dtype))
sqrt = _unary_float(tf.math.sqrt)
rsqrt = _unary_float(tf.math.rsqrt)
erf = _unary_float(tf.math.erf)
erfc = _unary_float(tf.math.erfc)
erfinv = _unary_float(tf.math.erfinv)
cbrt = _unary_float64(_cbrt)
sinc = _unary_float(_sinc)
deg2rad = _unary_float64(lambda x: x * tf.cast(np.pi / 180.0, x.dtype))
rad2deg = _unary_float64(lambda x: x * tf.cast(180.0 / np.pi, x.dtype))
reciprocal = _unary_float(tf.math.reciprocal)
floor = _unary_float(tf.math.floor)
ceil = _unary_float(tf.math.ceil)


def abs(x):  # noqa: A001
    x = _t(x)
    return x if _name(x) == "bool" or _name(x).startswith("uint") else tf.abs(x)


absolute = abs


def fabs(x):
    x = _t(x)
    return tf.abs(cast(x, _float_dtype(_name(x))))


def negative(x):
    return tf.negative(_t(x))


def square(x):
    x = _t(x)
    if _name(x) == "bool":
        x = cast(x, "int32")
    return tf.square(x)


def sign(x):
    x = _t(x)
    if _name(x) == "bool":
        return x
    if _name(x).startswith("uint"):
        return cast(tf.not_equal(x, 0), _name(x))
    return tf.sign(x)


def round(x, decimals=0):  # noqa: A001
    x = _t(x)
    dtype = _name(x)
    if decimals == 0:
        return x if kdt.is_int(dtype) or dtype == "bool" else tf.round(x)
    if kdt.is_int(dtype):
        if decimals > 0:
            return x
        factor = tf.cast(10.0 ** (-decimals), backend.floatx())
        return cast(tf.round(tf.cast(x, backend.floatx()) / factor) * factor, dtype)
    factor = tf.cast(10.0 ** decimals, dtype)
    return tf.round(x * factor) / factor


def trunc(x):
    x = _t(x)
    if kdt.is_int(_name(x)) or _name(x) == "bool":
        return x
    return tf.where(x < 0, tf.math.ceil(x), tf.math.floor(x))


def copy(x):
    return tf.identity(_t(x))


def conj(x):
    x = _t(x)
    return tf.math.conj(x) if "complex" in _name(x) else x


conjugate = conj


def real(x):
    x = _t(x)
    return tf.math.real(x) if "complex" in _name(x) else x


def imag(x):
    x = _t(x)
    return tf.math.imag(x) if "complex" in _name(x) else tf.zeros_like(x)


def angle(x):
    x = _t(x)
    if "complex" in _name(x):
        return tf.math.angle(x)
    x = cast(x, _float_dtype(_name(x)))
    return tf.where(x < 0, tf.cast(np.pi, x.dtype) * tf.ones_like(x), tf.zeros_like(x))


def isnan(x):
    x = _t(x)
    return tf.math.is_nan(x) if kdt.is_float(_name(x)) else tf.zeros(tf.shape(x), "bool")


def isinf(x):
    x = _t(x)
    return tf.math.is_inf(x) if kdt.is_float(_name(x)) else tf.zeros(tf.shape(x), "bool")


def isfinite(x):
    x = _t(x)
    return tf.math.is_finite(x) if kdt.is_float(_name(x)) else tf.ones(tf.shape(x), "bool")


def isneginf(x):
    x = _t(x)
    return tf.logical_and(isinf(x), x < 0) if kdt.is_float(_name(x)) else isinf(x)


def isposinf(x):
    x = _t(x)
    return tf.logical_and(isinf(x), x > 0) if kdt.is_float(_name(x)) else isinf(x)


def isreal(x):
    x = _t(x)
    if "complex" in _name(x):
        return tf.equal(tf.math.imag(x), 0)
    return tf.ones(tf.shape(x), "bool")


def signbit(x):
    x = _t(x)
    if _name(x) == "bool" or _name(x).startswith("uint"):
        return tf.zeros(tf.shape(x), "bool")
    if kdt.is_int(_name(x)):
        return x < 0
    bits = tf.bitcast(cast(x, "float32"), "int32") if _name(x) != "float64" else \
        tf.bitcast(x, "int64")
    return bits < 0


def logical_not(x):
    return tf.logical_not(cast(x, "bool"))


def bitwise_invert(x):
    x = _t(x)
    return tf.logical_not(x) if _name(x) == "bool" else tf.bitwise.invert(x)


bitwise_not = bitwise_invert


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = _t(x)
    dtype = _name(x)
    if not kdt.is_float(dtype):
        return x
    info = np.finfo(np.float32 if dtype == "bfloat16" else dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = tf.where(tf.math.is_nan(x), tf.cast(nan, dtype), x)
    x = tf.where(tf.logical_and(tf.math.is_inf(x), x > 0), tf.cast(posinf, dtype), x)
    return tf.where(tf.logical_and(tf.math.is_inf(x), x < 0), tf.cast(neginf, dtype), x)


# --- element-wise, binary --------------------------------------------------------------------
def _promote(x1, x2, *extra):
    x1, x2 = _arg(x1), _arg(x2)
    dtype = result_type(_dt(x1), _dt(x2), *extra)
    return _t(x1, dtype), _t(x2, dtype), dtype


def _binary(fn, *extra):
    def op(x1, x2):
        a, b, _ = _promote(x1, x2, *extra)
        return fn(a, b)
    return op


def _bool_to_int(fn):
    def wrapped(a, b):
        if _name(a) == "bool":
            return cast(fn(cast(a, "int32"), cast(b, "int32")), "bool")
        return fn(a, b)
    return wrapped


def _mod(a, b):
    if _name(a) == "bool":
        return cast(tf.math.floormod(cast(a, "int32"), cast(b, "int32")), "int32")
    return tf.math.floormod(a, b)


add = _binary(_bool_to_int(tf.add))
subtract = _binary(tf.subtract)
multiply = _binary(_bool_to_int(tf.multiply))
maximum = _binary(_bool_to_int(tf.maximum))
minimum = _binary(_bool_to_int(tf.minimum))
fmax = maximum
fmin = minimum
arctan2 = _binary(tf.math.atan2, float)


def hypot(x1, x2):
    a, b, dtype = _promote(x1, x2)
    a, b = cast(a, _float_dtype64(dtype)), cast(b, _float_dtype64(dtype))
    return tf.sqrt(a * a + b * b)


logaddexp = _binary(lambda a, b: tf.maximum(a, b) + tf.math.log1p(tf.exp(-tf.abs(a - b))),
                    float)
logaddexp2 = _binary(
    lambda a, b: tf.maximum(a, b) + tf.math.log1p(tf.pow(tf.cast(2.0, a.dtype),
                                                         -tf.abs(a - b)))
    / tf.cast(np.log(2.0), a.dtype), float)


def divide(x1, x2):
    x1, x2 = _arg(x1), _arg(x2)
    dtype = result_type(_dt(x1), _dt(x2), float)
    return tf.math.truediv(_t(x1, dtype), _t(x2, dtype))


true_divide = divide


def divide_no_nan(x1, x2):
    x1, x2 = _arg(x1), _arg(x2)
    dtype = result_type(_dt(x1), _dt(x2), float)
    return tf.math.divide_no_nan(_t(x1, dtype), _t(x2, dtype))


def floor_divide(x1, x2):
    a, b, dtype = _promote(x1, x2)
    if dtype == "bool":
        return cast(tf.math.floordiv(cast(a, "int32"), cast(b, "int32")), "int32")
    return tf.math.floordiv(a, b)


def mod(x1, x2):
    a, b, _ = _promote(x1, x2)
    return _mod(a, b)


def fmod(x1, x2):
    a, b, dtype = _promote(x1, x2)
    if dtype == "bool":
        a, b = cast(a, "int32"), cast(b, "int32")
    if kdt.is_int(_name(a)):
        return tf.math.truncatemod(a, b)
    return a - b * trunc(a / b)


def power(x1, x2):
    a, b, dtype = _promote(x1, x2)
    if dtype == "bool":
        return cast(tf.pow(cast(a, "int32"), cast(b, "int32")), "int32")
    return tf.pow(a, b)


def heaviside(x1, x2):
    a, b, dtype = _promote(x1, x2)
    if dtype in ("int8", "int16", "int32", "uint8", "uint16", "uint32", "bool"):
        dtype = backend.floatx()
    elif dtype == "int64":
        dtype = "float64"
    a, b = cast(a, dtype), cast(b, dtype)
    return tf.where(a < 0, tf.zeros_like(a), tf.where(a > 0, tf.ones_like(a), b))


def copysign(x1, x2):
    a, b, dtype = _promote(x1, x2, float)
    return tf.abs(a) * tf.where(signbit(b), -tf.ones_like(a), tf.ones_like(a))


def ldexp(x1, x2):
    x1 = _t(x1)
    x2 = _t(x2)
    if not kdt.is_int(_name(x2)):
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2={_name(x2)}")
    dtype = result_type(_name(x1), _name(x2), float)
    return cast(x1, dtype) * tf.pow(tf.cast(2.0, dtype), cast(x2, dtype))


def gcd(x1, x2):
    a, b, _ = _promote(x1, x2)
    a, b = tf.abs(a), tf.abs(b)

    def body(a, b):
        nz = tf.not_equal(b, 0)
        safe = tf.where(nz, b, tf.ones_like(b))
        return tf.where(nz, b, a), tf.where(nz, tf.math.floormod(a, safe), tf.zeros_like(b))

    return tf.while_loop(lambda a, b: tf.reduce_any(tf.not_equal(b, 0)), body, (a, b))[0]


def lcm(x1, x2):
    a, b, _ = _promote(x1, x2)
    g = gcd(a, b)
    safe = tf.where(tf.equal(g, 0), tf.ones_like(g), g)
    return tf.where(tf.equal(g, 0), tf.zeros_like(g), tf.abs(a // safe * b))


def nextafter(x1, x2):
    a, b, dtype = _promote(x1, x2, float)
    a64, b64 = cast(a, "float64"), cast(b, "float64")
    info = np.finfo(np.float32 if dtype != "float64" else np.float64)
    step = tf.maximum(tf.abs(a64) * float(info.eps) / 2.0, float(info.smallest_subnormal))
    return cast(tf.where(b64 > a64, a64 + step, tf.where(b64 < a64, a64 - step, a64)), dtype)


def _compare(fn):
    def op(x1, x2):
        a, b, dtype = _promote(x1, x2)
        if dtype == "bool" and fn not in (tf.equal, tf.not_equal):
            a, b = cast(a, "int32"), cast(b, "int32")
        return fn(a, b)
    return op


equal = _compare(tf.equal)
not_equal = _compare(tf.not_equal)
greater = _compare(tf.greater)
greater_equal = _compare(tf.greater_equal)
less = _compare(tf.less)
less_equal = _compare(tf.less_equal)


def _logical(fn):
    def op(x1, x2):
        return fn(cast(x1, "bool"), cast(x2, "bool"))
    return op


logical_and = _logical(tf.logical_and)
logical_or = _logical(tf.logical_or)
logical_xor = _logical(tf.math.logical_xor)


def _bitwise(fn, bool_fn):
    def op(x, y):
        a, b, dtype = _promote(x, y)
        return bool_fn(a, b) if dtype == "bool" else fn(a, b)
    return op


bitwise_and = _bitwise(tf.bitwise.bitwise_and, tf.logical_and)
bitwise_or = _bitwise(tf.bitwise.bitwise_or, tf.logical_or)
bitwise_xor = _bitwise(tf.bitwise.bitwise_xor, tf.math.logical_xor)


def bitwise_left_shift(x, y):
    a, b, _ = _promote(x, y)
    return tf.bitwise.left_shift(a, b)


def bitwise_right_shift(x, y):
    a, b, _ = _promote(x, y)
    return tf.bitwise.right_shift(a, b)


left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b, dtype = _promote(x1, x2)
    if not kdt.is_float(dtype):
        return tf.equal(a, b)
    close = tf.logical_or(tf.equal(a, b), tf.abs(a - b) <= tf.cast(atol, dtype)
                          + tf.cast(rtol, dtype) * tf.abs(b))
    if equal_nan:
        close = tf.logical_or(close, tf.logical_and(tf.math.is_nan(a), tf.math.is_nan(b)))
    return close


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return tf.reduce_all(isclose(x1, x2, rtol, atol, equal_nan))


def where(condition, x1=None, x2=None):
    condition = cast(condition, "bool")
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should have "
                         "non-None value.")
    a, b, _ = _promote(x1, x2)
    return tf.where(condition, a, b)


def clip(x, x_min, x_max):
    x = _t(x)
    dtype = _name(x)
    if dtype == "bool":
        x, dtype = cast(x, "int32"), "int32"
    return tf.clip_by_value(x, tf.cast(x_min, dtype), tf.cast(x_max, dtype))


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


# --- shape manipulation ----------------------------------------------------------------------
def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = [newshape]
    return tf.reshape(_t(x), newshape)


def ravel(x):
    return tf.reshape(_t(x), [-1])


def transpose(x, axes=None):
    x = _t(x)
    return tf.transpose(x, axes) if axes is not None else tf.transpose(x)


def expand_dims(x, axis):
    x = _t(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    out_rank = len(x.shape) + len(axes)
    for a in sorted(a % out_rank for a in axes):
        x = tf.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    x = _t(x)
    if axis is None:
        return tf.squeeze(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if x.shape[a] is not None and x.shape[a] != 1:
            raise ValueError(f"Cannot squeeze axis {a}, because the dimension is not 1.")
    return tf.squeeze(x, axis=list(axes))


def _same_dtype(xs):
    xs = [_arg(x) for x in xs]
    dtype = result_type(*[_dt(x) for x in xs])
    return [_t(x, dtype) for x in xs]


def stack(x, axis=0):
    return tf.stack(_same_dtype(x), axis=axis)


def concatenate(xs, axis=0):
    xs = _same_dtype(xs)
    if axis is None:
        return tf.concat([tf.reshape(x, [-1]) for x in xs], axis=0)
    return tf.concat(xs, axis=axis)


def append(x1, x2, axis=None):
    x1, x2 = _same_dtype([x1, x2])
    if axis is None:
        return tf.concat([tf.reshape(x1, [-1]), tf.reshape(x2, [-1])], axis=0)
    return tf.concat([x1, x2], axis=axis)


def _atleast(x, n):
    x = _t(x)
    r = len(x.shape)
    if r >= n:
        return x
    if n == 2:
        return tf.reshape(x, [1] * (2 - r) + list(x.shape))
    if r == 0:
        return tf.reshape(x, [1, 1, 1])
    if r == 1:
        return tf.reshape(x, [1, x.shape[0], 1])
    return tf.expand_dims(x, -1)


def hstack(xs):
    xs = _same_dtype(xs)
    axis = 0 if len(xs[0].shape) == 1 else 1
    return tf.concat(xs, axis=axis)


def vstack(xs):
    return tf.concat([_atleast(x, 2) for x in _same_dtype(xs)], axis=0)


def dstack(xs):
    return tf.concat([_atleast(x, 3) for x in _same_dtype(xs)], axis=2)


def split(x, indices_or_sections, axis=0):
    x = _t(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(f"array split does not result in an equal division: {n} "
                             f"elements into {indices_or_sections} sections.")
        return tf.split(x, indices_or_sections, axis=axis)
    bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    sizes = [builtins.max(min_(b, n) - min_(a, n), 0) for a, b in zip(bounds[:-1], bounds[1:])]
    return tf.split(x, sizes, axis=axis)


def min_(a, b):
    return a if a < b else b


def array_split(x, indices_or_sections, axis=0):
    x = _t(x)
    n = x.shape[axis]
    k = int(indices_or_sections)
    base, extra = divmod(n, k)
    sizes = [base + 1] * extra + [base] * (k - extra)
    return tf.split(x, sizes, axis=axis)


def hsplit(x, indices_or_sections):
    x = _t(x)
    return split(x, indices_or_sections, axis=0 if len(x.shape) == 1 else 1)


def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=2)


def tile(x, repeats):
    x = _t(x)
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    r = len(x.shape)
    if len(reps) < r:
        reps = [1] * (r - len(reps)) + reps
    elif len(reps) > r:
        x = tf.reshape(x, [1] * (len(reps) - r) + list(x.shape))
    return tf.tile(x, reps)


def repeat(x, repeats, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.repeat(x, repeats, axis=axis)


def flip(x, axis=None):
    x = _t(x)
    if axis is None:
        axis = list(range(len(x.shape)))
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return tf.reverse(x, axes)


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return tf.reshape(tf.roll(tf.reshape(x, [-1]), shift, 0), tf.shape(x))
    return tf.roll(x, shift, axis)


def rot90(array, k=1, axes=(0, 1)):
    x = _t(array)
    k = k % 4
    a0, a1 = axes
    for _ in range(k):
        x = swapaxes(flip(x, a1), a0, a1)
    return x


def swapaxes(x, axis1, axis2):
    x = _t(x)
    perm = list(range(len(x.shape)))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return tf.transpose(x, perm)


def moveaxis(x, source, destination):
    x = _t(x)
    r = len(x.shape)
    src = [s % r for s in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [d % r for d in (destination if isinstance(destination, (list, tuple))
                           else [destination])]
    order = [i for i in range(r) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tf.transpose(x, order)


def broadcast_to(x, shape):
    return tf.broadcast_to(_t(x), shape)


def ndim(x):
    return len(_t(x).shape)


def size(x):
    return int(np.prod(_t(x).shape.as_list()))


def pad(x, pad_width, mode="constant", constant_values=None):
    x = _t(x)
    pw = np.asarray(pad_width, dtype=np.int64)
    if pw.ndim == 0:
        pw = np.full((len(x.shape), 2), int(pw))
    elif pw.ndim == 1:
        pw = np.tile(pw.reshape(1, -1) if pw.size == 2 else pw.reshape(-1, 1),
                     (len(x.shape), 1 if pw.size == 2 else 2))
    elif pw.shape[0] == 1 and len(x.shape) > 1:
        pw = np.tile(pw, (len(x.shape), 1))
    mode = mode.lower()
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when `mode == "
                         f"'constant'`. Received: mode={mode}")
    if mode == "constant":
        cv = 0 if constant_values is None else constant_values
        return tf.pad(x, pw.tolist(), constant_values=tf.cast(cv, x.dtype))
    if mode in ("reflect", "symmetric"):
        return tf.pad(x, pw.tolist(), mode=mode.upper())
    if mode == "edge":
        for ax in range(len(x.shape)):
            before, after = int(pw[ax][0]), int(pw[ax][1])
            n = x.shape[ax]
            idx = np.concatenate([np.zeros(before, int), np.arange(n), np.full(after, n - 1)])
            x = tf.gather(x, tf.constant(idx, "int32"), axis=ax)
        return x
    if mode == "wrap":
        for ax in range(len(x.shape)):
            before, after = int(pw[ax][0]), int(pw[ax][1])
            n = x.shape[ax]
            idx = np.arange(-before, n + after) % n
            x = tf.gather(x, tf.constant(idx, "int32"), axis=ax)
        return x
    raise ValueError(f"Unsupported pad mode {mode!r}: expected 'constant', 'edge', 'reflect', "
                     "'symmetric' or 'wrap'.")


def take(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices)
    if not kdt.is_int(_name(indices)):
        indices = cast(indices, "int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    n = tf.cast(tf.shape(x)[axis], indices.dtype)
    indices = tf.where(indices < 0, indices + n, indices)
    return tf.gather(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    x = _t(x)
    indices = cast(_t(indices), "int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
        indices = tf.reshape(indices, [-1])
    r = len(x.shape)
    axis = axis % r
    n = x.shape[axis]
    indices = tf.where(indices < 0, indices + n, indices)
    # broadcast the non-axis dims of x and indices
    xs, is_ = list(x.shape), list(indices.shape)
    bshape = [builtins.max(a, b) for a, b in zip(xs, is_)]
    xb = tf.broadcast_to(x, [d if i != axis else xs[i] for i, d in enumerate(bshape)])
    ib = tf.broadcast_to(indices, [d if i != axis else is_[i] for i, d in enumerate(bshape)])
    perm = [i for i in range(r) if i != axis] + [axis]
    inv = np.argsort(perm).tolist()
    out = tf.gather(tf.transpose(xb, perm), tf.transpose(ib, perm), batch_dims=r - 1)
    return tf.transpose(out, inv)


def sort(x, axis=-1):
    x = _t(x)
    if _name(x) == "bool":
        return cast(tf.sort(cast(x, "int32"), axis=axis), "bool")
    return tf.sort(x, axis=axis)


def argsort(x, axis=-1):
    x = _t(x)
    if _name(x) == "bool":
        x = cast(x, "int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.argsort(x, axis=axis, stable=True)


def argpartition(x, kth, axis=-1):
    return argsort(x, axis=axis)


def nonzero(x):
    x = _t(x)
    idx = tf.where(tf.not_equal(x, tf.zeros_like(x)))
    return tuple(tf.cast(idx[:, i], "int32") for i in range(len(x.shape)))


def searchsorted(sorted_sequence, values, side="left"):
    seq, vals, _ = _promote(_t(sorted_sequence), _t(values))
    if len(seq.shape) != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences.")
    out = tf.searchsorted(seq, tf.reshape(vals, [-1]), side=side, out_type="int32")
    return tf.reshape(out, tf.shape(vals))


def digitize(x, bins):
    x = _t(x)
    bins = _t(bins)
    return searchsorted(bins, x, side="right")


def bincount(x, weights=None, minlength=0, sparse=False):
    x = _t(x)
    if weights is None:
        dtype = "int32"
    else:
        weights = _t(weights)
        dtype = result_type(_name(weights), "int32") if _name(weights) != "bool" else "int32"
    length = builtins.max(int(minlength), int(tf.reduce_max(x).numpy()) + 1 if
                          int(np.prod(x.shape.as_list())) else 0)
    if len(x.shape) == 2:
        rows = []
        for i in range(x.shape[0]):
            w = None if weights is None else weights[i]
            rows.append(_bincount1(x[i], w, length, dtype))
        return tf.stack(rows)
    return _bincount1(x, weights, length, dtype)


def _bincount1(x, w, length, dtype):
    vals = tf.ones_like(x, dtype) if w is None else cast(w, dtype)
    return tf.math.unsorted_segment_sum(vals, cast(x, "int32"), length)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):  # noqa: A002
    if axis is not None:
        raise NotImplementedError("unique(axis=...) is not supported yet.")
    x = tf.reshape(_t(x), [-1])
    vals, inv = tf.unique(x)
    if sorted:
        order = tf.argsort(vals, stable=True)
        rank = tf.scatter_nd(tf.expand_dims(order, -1), tf.range(tf.shape(order)[0]),
                             tf.shape(order))
        vals = tf.gather(vals, order)
        inv = tf.gather(rank, inv)
    out = [vals]
    n = tf.shape(vals)[0]
    if return_index:
        pos = tf.range(tf.shape(x)[0])
        out.append(tf.math.unsorted_segment_min(pos, inv, n))
    if return_inverse:
        out.append(inv)
    if return_counts:
        out.append(tf.math.unsorted_segment_sum(tf.ones_like(inv), inv, n))
    if size is not None:
        k = int(n.numpy()) if hasattr(n, "numpy") else int(n)
        fv = 0 if fill_value is None else fill_value
        out[0] = tf.concat([vals[:size], tf.fill([builtins.max(size - k, 0)],
                                                 tf.cast(fv, vals.dtype))], 0)[:size]
    return out[0] if len(out) == 1 else tuple(out)


def isin(x1, x2, assume_unique=False, invert=False):
    a, b, _ = _promote(x1, x2)
    res = tf.reduce_any(tf.equal(tf.expand_dims(a, -1), tf.reshape(b, [-1])), axis=-1)
    return tf.logical_not(res) if invert else res


def unravel_index(indices, shape):
    indices = _t(indices)
    out, rem = [], indices
    for dim in reversed(shape):
        out.append(tf.math.floormod(rem, dim))
        rem = tf.math.floordiv(rem, dim)
    return tuple(reversed(out))


def diff(a, n=1, axis=-1):
    x = _t(a)
    for _ in range(n):
        r = len(x.shape)
        ax = axis % r
        hi = [slice(None)] * r
        lo = [slice(None)] * r
        hi[ax] = slice(1, None)
        lo[ax] = slice(None, -1)
        x = (x[tuple(hi)] != x[tuple(lo)]) if _name(x) == "bool" else x[tuple(hi)] - x[tuple(lo)]
    return x


def select(condlist, choicelist, default=0):
    choices = _same_dtype(list(choicelist) + [default])
    out = choices[-1]
    for c, v in reversed(list(zip(condlist, choices[:-1]))):
        out = tf.where(cast(c, "bool"), v, out)
    return out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = _t(y)
    y = cast(y, _float_dtype(_name(y)))
    r = len(y.shape)
    ax = axis % r
    hi = [slice(None)] * r
    lo = [slice(None)] * r
    hi[ax] = slice(1, None)
    lo[ax] = slice(None, -1)
    if x is None:
        d = tf.cast(dx, y.dtype)
    else:
        d = diff(cast(_t(x), y.dtype), axis=axis)
    return tf.reduce_sum(d * (y[tuple(hi)] + y[tuple(lo)]) / tf.cast(2.0, y.dtype), axis=ax)


# --- linear algebra-ish ----------------------------------------------------------------------
def _matmul_dtype(a, b):
    dtype = result_type(_name(a), _name(b))
    return dtype


def matmul(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = _matmul_dtype(x1, x2)
    compute = dtype
    if dtype == "bool" or dtype in ("int8", "int16", "uint8", "uint16"):
        compute = "int32"
    out_dtype = "int32" if dtype == "bool" else dtype
    if dtype in ("int8", "uint8"):
        out_dtype = "int32"
    a, b = cast(x1, compute), cast(x2, compute)
    squeeze_a = squeeze_b = False
    if len(a.shape) == 1:
        a, squeeze_a = tf.expand_dims(a, 0), True
    if len(b.shape) == 1:
        b, squeeze_b = tf.expand_dims(b, -1), True
    if len(a.shape) != len(b.shape) or len(a.shape) > 2:
        batch = tf.broadcast_static_shape(a.shape[:-2], b.shape[:-2]).as_list() \
            if hasattr(tf, "broadcast_static_shape") else None
        if batch is not None:
            a = tf.broadcast_to(a, batch + list(a.shape[-2:]))
            b = tf.broadcast_to(b, batch + list(b.shape[-2:]))
    out = tf.linalg.matmul(a, b)
    if squeeze_a:
        out = tf.squeeze(out, -2)
    if squeeze_b:
        out = tf.squeeze(out, -1)
    return cast(out, out_dtype)


def dot(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if len(x1.shape) == 0 or len(x2.shape) == 0:
        return multiply(x1, x2)
    if len(x2.shape) <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=[[len(x1.shape) - 1], [len(x2.shape) - 2]])


def tensordot(x1, x2, axes=2):
    a, b, dtype = _promote(_t(x1), _t(x2))
    compute = "int32" if dtype == "bool" else dtype
    return tf.tensordot(cast(a, compute), cast(b, compute), axes)


def inner(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if len(x1.shape) == 0 or len(x2.shape) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=[[len(x1.shape) - 1], [len(x2.shape) - 1]])


def outer(x1, x2):
    a, b, _ = _promote(x1, x2)
    return multiply(tf.reshape(a, [-1, 1]), tf.reshape(b, [1, -1]))


def vdot(x1, x2):
    a, b, _ = _promote(x1, x2)
    return tensordot(tf.reshape(conj(a), [-1]), tf.reshape(b, [-1]), axes=1)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b, _ = _promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] == 2:
        a = tf.concat([a, tf.zeros_like(a[..., :1])], -1)
    if b.shape[-1] == 2:
        b = tf.concat([b, tf.zeros_like(b[..., :1])], -1)
    a0, a1, a2 = tf.unstack(a, axis=-1)
    b0, b1, b2 = tf.unstack(b, axis=-1)
    out = tf.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(out, -1, axisc)


def kron(x1, x2):
    a, b, _ = _promote(x1, x2)
    ra, rb = len(a.shape), len(b.shape)
    r = builtins.max(ra, rb)
    a = tf.reshape(a, [1] * (r - ra) + list(a.shape))
    b = tf.reshape(b, [1] * (r - rb) + list(b.shape))
    ea = tf.reshape(a, [d for s in a.shape for d in (s, 1)])
    eb = tf.reshape(b, [d for s in b.shape for d in (1, s)])
    return tf.reshape(ea * eb, [p * q for p, q in zip(a.shape, b.shape)])


def einsum(subscripts, *operands, **kwargs):
    ops = _same_dtype(operands)
    dtype = _name(ops[0])
    compute = "int32" if dtype == "bool" or dtype in ("int8", "int16", "uint8", "uint16") \
        else dtype
    out = tf.einsum(subscripts, *[cast(o, compute) for o in ops])
    return cast(out, "int32" if dtype == "bool" else dtype) if compute != dtype else out


def correlate(x1, x2, mode="valid"):
    a, b, dtype = _promote(x1, x2)
    dtype = _float_dtype(dtype)
    a, b = cast(a, dtype), cast(b, dtype)
    n, m = a.shape[0], b.shape[0]
    if mode == "valid":
        pad_l = pad_r = 0
    elif mode == "same":
        pad_l, pad_r = (m - 1) // 2 + (0 if m % 2 else 1) - (0 if m % 2 else 1), 0
        pad_l = m // 2
        pad_r = m - 1 - pad_l
    elif mode == "full":
        pad_l = pad_r = m - 1
    else:
        raise ValueError(f"Invalid mode {mode!r}: expected 'valid', 'same' or 'full'.")
    ap = tf.pad(a, [[pad_l, pad_r]])
    out_len = n + pad_l + pad_r - m + 1
    idx = np.arange(out_len)[:, None] + np.arange(m)[None, :]
    return tf.reduce_sum(tf.gather(ap, tf.constant(idx, "int32")) * b, axis=-1)


def histogram(x, bins=10, range=None):  # noqa: A002
    x = _t(x)
    dtype = _float_dtype(_name(x))
    x = cast(tf.reshape(x, [-1]), dtype)
    lo, hi = (tf.reduce_min(x), tf.reduce_max(x)) if range is None else \
        (tf.cast(range[0], dtype), tf.cast(range[1], dtype))
    edges = linspace(lo, hi, bins + 1, dtype=dtype)
    idx = tf.clip_by_value(tf.cast(tf.floor((x - lo) / (hi - lo) * bins), "int32"), 0, bins - 1)
    inside = tf.logical_and(x >= lo, x <= hi)
    counts = tf.math.unsorted_segment_sum(tf.cast(inside, dtype), idx, bins)
    return counts, edges


# --- window functions ------------------------------------------------------------------------
def _window(fn):
    def op(x):
        n = int(x)
        return tf.constant(fn(n).astype(np.float32))
    return op


bartlett = _window(np.bartlett)
blackman = _window(np.blackman)
hamming = _window(np.hamming)
hanning = _window(np.hanning)


def kaiser(x, beta):
    return tf.constant(np.kaiser(int(x), float(beta)).astype(np.float32))
