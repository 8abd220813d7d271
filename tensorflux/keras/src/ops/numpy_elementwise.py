"""``keras.ops.numpy``: element-wise unary and binary ops."""

from __future__ import annotations


import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast
from tensorflux.keras.src.ops.numpy_common import (_arg, _dt, _float_dtype, _name,
                                                    _promote, _t, nonzero, result_type)


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
