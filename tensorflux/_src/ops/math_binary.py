"""Elementwise binary arithmetic: division variants, pow, maximum/minimum, atan2, complex.

Comparisons, logical and bitwise ops live in ``math_compare.py``.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.math_compare import (  # noqa: F401 - re-exported for callers
    equal, greater, greater_equal, less, less_equal, logical_and, logical_or, logical_xor,
    not_equal)
from tensorflux._src.ops.op_util import binary_args

sum_to = mo.sum_to
_mul, _div, _neg = mo.multiply, mo.divide_no_check, mo.negative


def _zeros(x):
    from tensorflux._src.ops import array_ops
    return array_ops.zeros_like(x)


def _where(c, x, y):
    from tensorflux._src.ops import array_ops
    return array_ops.where_v2(c, x, y)


def _binop(name, kernel, types, grad, out="z: T"):
    return defop(name, kernel, inputs=("x: T", "y: T"), outputs=(out,), types={"T": types},
                 infer=u.infer_broadcast, grad=grad)


def _check_int_zero(x, y):
    if x.dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise InvalidArgumentError(None, None, "Integer division by zero")


# ---- division -------------------------------------------------------------------------------

_INT_TO_FLOAT = {_dt.int8: _dt.float32, _dt.uint8: _dt.float32, _dt.int16: _dt.float32,
                 _dt.uint16: _dt.float32, _dt.int32: _dt.float64, _dt.uint32: _dt.float64,
                 _dt.int64: _dt.float64, _dt.uint64: _dt.float64}


def truediv(x, y, name=None):
    """Python-3 division: integers are cast to float first (``tf.math.truediv``).

    int8/int16/uint8/uint16 become float32 and int32/int64 become float64, then ``RealDiv``.

    Example:
        >>> tf.math.truediv(tf.constant([3, 4]), tf.constant([2, 2])).numpy().tolist()
        [1.5, 2.0]
    """
    x, y = binary_args(x, y)
    dt = _INT_TO_FLOAT.get(x.dtype)
    if dt is not None:
        if y.dtype is not x.dtype:
            raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                            f"{y.dtype!r}.")
        x, y = mo.cast(x, dt), mo.cast(y, dt)
    return execute(mo.REAL_DIV, (x, y), None, name)


def divide(x, y, name=None):
    """Computes ``x / y`` with Python-3 semantics (``tf.math.divide``).

    Example:
        >>> tf.math.divide(tf.constant([1.0, 3.0]), 2.0).numpy().tolist()
        [0.5, 1.5]
    """
    return truediv(x, y, name=name)


def realdiv(x, y, name=None):
    """Division without casting; integer inputs divide as integers (``tf.realdiv``).

    Example:
        >>> tf.realdiv(tf.constant([1.0]), tf.constant([4.0])).numpy().tolist()
        [0.25]
    """
    x, y = binary_args(x, y)
    return execute(mo.REAL_DIV, (x, y), None, name)


def _truncatediv_kernel(x, y):
    _check_int_zero(x, y)
    if x.dtype.kind in "iu":
        q = np.abs(x) // np.abs(y)
        return (np.sign(x) * np.sign(y) * q).astype(x.dtype)
    with np.errstate(all="ignore"):
        return np.trunc(x / y).astype(x.dtype)


def _truncatemod_kernel(x, y):
    _check_int_zero(x, y)
    with np.errstate(all="ignore"):
        return np.fmod(x, y)


def _truncatemod_grad(op, g):
    x, y = op.inputs
    return [sum_to(g, x), sum_to(_mul(g, _neg(truncatediv(x, y))), y)]


TRUNCATE_DIV = _binop("TruncateDiv", _truncatediv_kernel, u.REAL, lambda op, g: [None, None])
TRUNCATE_MOD = _binop("TruncateMod", _truncatemod_kernel, u.REAL, _truncatemod_grad)


def truncatediv(x, y, name=None):
    """Division rounding toward zero, like C (``tf.math.truncatediv``).

    Example:
        >>> tf.math.truncatediv(tf.constant([-7]), tf.constant([2])).numpy().tolist()
        [-3]
    """
    x, y = binary_args(x, y)
    return execute(TRUNCATE_DIV, (x, y), None, name)


def truncatemod(x, y, name=None):
    """Remainder with the sign of the dividend, like C ``fmod`` (``tf.math.truncatemod``).

    Example:
        >>> tf.math.truncatemod(tf.constant([-7]), tf.constant([2])).numpy().tolist()
        [-1]
    """
    x, y = binary_args(x, y)
    return execute(TRUNCATE_MOD, (x, y), None, name)


def mod(x, y, name=None):
    """Alias of ``floormod``: remainder with the sign of the divisor (``tf.math.mod``).

    Example:
        >>> tf.math.mod(tf.constant([-7]), tf.constant([3])).numpy().tolist()
        [2]
    """
    return mo.floormod(x, y, name=name)


def _div_no_nan_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros_like(x), x / np.where(y == 0, np.ones_like(y), y)) \
            .astype(x.dtype)


def _div_no_nan_grad(op, g):
    x, y = op.inputs
    gx = div_no_nan(g, y)
    gy = _mul(g, div_no_nan(div_no_nan(_neg(x), y), y))
    return [sum_to(gx, x), sum_to(gy, y)]


def _mul_no_nan_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros_like(x * y), x * y).astype(x.dtype)


def _mul_no_nan_grad(op, g):
    x, y = op.inputs
    return [sum_to(multiply_no_nan(g, y), x), sum_to(multiply_no_nan(x, g), y)]


DIV_NO_NAN = _binop("DivNoNan", _div_no_nan_kernel, u.FLOAT_COMPLEX, _div_no_nan_grad)
MUL_NO_NAN = _binop("MulNoNan", _mul_no_nan_kernel, u.FLOAT_COMPLEX, _mul_no_nan_grad)


def div_no_nan(x, y, name=None):
    """``x / y`` with 0 wherever ``y == 0`` (``tf.math.divide_no_nan``).

    Example:
        >>> tf.math.divide_no_nan(tf.constant([1.0, 1.0]), tf.constant([0.0, 2.0])).numpy()
        array([0. , 0.5], dtype=float32)
    """
    x, y = binary_args(x, y)
    dt = _INT_TO_FLOAT.get(x.dtype)
    if dt is not None:
        x, y = mo.cast(x, dt), mo.cast(y, dt)
    return execute(DIV_NO_NAN, (x, y), None, name)


divide_no_nan = div_no_nan


def multiply_no_nan(x, y, name=None):
    """``x * y`` with 0 wherever ``y == 0``, even if ``x`` is NaN or inf
    (``tf.math.multiply_no_nan``).

    Example:
        >>> tf.math.multiply_no_nan(tf.constant([float("inf")]), tf.constant([0.0])).numpy()
        array([0.], dtype=float32)
    """
    x, y = binary_args(x, y)
    return execute(MUL_NO_NAN, (x, y), None, name)


# ---- pow, max/min, squared difference, atan2 ----------------------------------------------------


def _pow_kernel(x, y):
    if x.dtype.kind in "iu" and np.any(np.asarray(y) < 0):
        raise InvalidArgumentError(None, None, "Integers to negative integer powers are not "
                                   "allowed")
    with np.errstate(all="ignore"):
        return np.power(x, y)


def _pow_grad(op, g):
    from tensorflux._src.ops.math_unary import log
    x, y = op.inputs
    z = op.outputs[0]
    gx = _mul(_mul(g, mo._conj(y)), mo._conj(pow(x, mo.subtract(y, 1))))
    if x.dtype.is_complex:
        log_x = _where(equal(x, 0), _zeros(x), log(x))
    else:
        mask = greater(x, 0)
        safe_x = _where(mask, x, _ones(x))
        log_x = _where(mask, log(safe_x), _zeros(x))
    gy = _mul(_mul(g, mo._conj(z)), mo._conj(log_x))
    return [sum_to(gx, x), sum_to(gy, y)]


def _ones(x):
    from tensorflux._src.ops import array_ops
    return array_ops.ones_like(x)


POW = _binop("Pow", _pow_kernel, u.NUMERIC, _pow_grad)


def pow(x, y, name=None):  # noqa: A001
    """Elementwise ``x ** y`` (``tf.math.pow``).

    Example:
        >>> tf.math.pow(tf.constant([2, 3]), tf.constant([3, 2])).numpy().tolist()
        [8, 9]
    """
    x, y = binary_args(x, y)
    return execute(POW, (x, y), None, name)


def _maxmin_grad(selector):
    def grad(op, g):
        x, y = op.inputs
        xmask = selector(x, y)
        z = _zeros(g)
        return [sum_to(_where(xmask, g, z), x), sum_to(_where(xmask, z, g), y)]
    return grad


MAXIMUM = _binop("Maximum", np.maximum, u.REAL, _maxmin_grad(lambda x, y: greater_equal(x, y)))
MINIMUM = _binop("Minimum", np.minimum, u.REAL, _maxmin_grad(lambda x, y: less_equal(x, y)))


def maximum(x, y, name=None):
    """Elementwise maximum with broadcasting (``tf.math.maximum``).

    Example:
        >>> tf.math.maximum(tf.constant([1.0, 5.0]), 3.0).numpy().tolist()
        [3.0, 5.0]
    """
    x, y = binary_args(x, y)
    return execute(MAXIMUM, (x, y), None, name)


def minimum(x, y, name=None):
    """Elementwise minimum with broadcasting (``tf.math.minimum``).

    Example:
        >>> tf.math.minimum(tf.constant([1.0, 5.0]), 3.0).numpy().tolist()
        [1.0, 3.0]
    """
    x, y = binary_args(x, y)
    return execute(MINIMUM, (x, y), None, name)


def _sqdiff_kernel(x, y):
    d = x - y
    return (d * np.conj(d)) if d.dtype.kind == "c" else d * d


def _sqdiff_grad(op, g):
    x, y = op.inputs
    d = _mul(_mul(g, 2.0 if g.dtype.is_floating or g.dtype.is_complex else 2),
             mo.subtract(x, y))
    return [sum_to(d, x), sum_to(_neg(d), y)]


SQUARED_DIFFERENCE = _binop("SquaredDifference", _sqdiff_kernel, u.NUMERIC, _sqdiff_grad)


def squared_difference(x, y, name=None):
    """Elementwise ``(x - y) * (x - y)`` (``tf.math.squared_difference``).

    Example:
        >>> tf.math.squared_difference(tf.constant([1, 4]), tf.constant([3, 1])).numpy().tolist()
        [4, 9]
    """
    x, y = binary_args(x, y)
    return execute(SQUARED_DIFFERENCE, (x, y), None, name)


def _atan2_grad(op, g):
    y, x = op.inputs
    inv = _div(g, mo.add(_mul(x, x), _mul(y, y)))
    return [sum_to(_mul(x, inv), y), sum_to(_mul(_neg(y), inv), x)]


ATAN2 = defop("Atan2", np.arctan2, inputs=("y: T", "x: T"), outputs=("z: T",),
              types={"T": u.FLOAT}, infer=u.infer_broadcast, grad=_atan2_grad)


def atan2(y, x, name=None):
    """Elementwise arctangent of ``y / x`` using the signs of both (``tf.math.atan2``).

    Example:
        >>> round(float(tf.math.atan2(tf.constant(1.0), tf.constant(-1.0))), 4)
        2.3562
    """
    y, x = binary_args(y, x)
    return execute(ATAN2, (y, x), None, name)


# ---- complex --------------------------------------------------------------------------------


def _complex_kernel(re, im, Tout=_dt.complex64):
    out = np.empty(np.broadcast_shapes(np.shape(re), np.shape(im)), Tout.np_dtype)
    out.real = re
    out.imag = im
    return out if out.ndim else out[()]


def _complex_grad(op, g):
    from tensorflux._src.ops.math_unary import imag, real
    x, y = op.inputs
    return [sum_to(real(g), x), sum_to(imag(g), y)]


COMPLEX = defop("Complex", _complex_kernel, inputs=("real: T", "imag: T"),
                outputs=("out: Tout",), types={"T": (_dt.float32, _dt.float64),
                                               "Tout": (_dt.complex64, _dt.complex128)},
                attrs={"Tout": _dt.complex64}, infer=u.infer_broadcast, grad=_complex_grad)


def complex(real, imag, name=None):  # noqa: A001
    """Builds a complex tensor from real and imaginary parts (``tf.complex``).

    Example:
        >>> tf.complex(tf.constant([1.0]), tf.constant([2.0])).numpy().tolist()
        [(1+2j)]
    """
    real, imag = binary_args(real, imag)
    if real.dtype is _dt.float64:
        out = _dt.complex128
    elif real.dtype is _dt.float32:
        out = _dt.complex64
    else:
        raise TypeError(f"real and imag must be float32 or float64, got {real.dtype.name}")
    return execute(COMPLEX, (real, imag), {"Tout": out}, name)


# ---- polyval, scalar_mul ----------------------------------------------------------------------


def polyval(coeffs, x, name=None):
    """Evaluates the polynomial ``coeffs[0] * x**(n-1) + ... + coeffs[-1]`` by Horner's rule
    (``tf.math.polyval``).

    Example:
        >>> float(tf.math.polyval([2.0, 0.0, 1.0], tf.constant(3.0)))
        19.0
    """
    from tensorflux._src.framework.convert import convert_to_tensor
    from tensorflux._src.ops import array_ops

    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Argument coeffs must be list type, found {type(coeffs)}.")
    x = convert_to_tensor(x)
    if not coeffs:
        return array_ops.zeros_like(x)
    coeffs = [convert_to_tensor(c, dtype=x.dtype) for c in coeffs]
    p = coeffs[0]
    for c in coeffs[1:]:
        p = mo.add(c, mo.multiply(p, x))
    return p


def scalar_mul(scalar, x, name=None):
    """Multiplies a tensor by a scalar (``tf.math.scalar_mul``).

    Example:
        >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy().tolist()
        [2.0, 4.0]
    """
    from tensorflux._src.framework.convert import convert_to_tensor
    from tensorflux._src.framework.indexed_slices import IndexedSlices

    base = x.values if isinstance(x, IndexedSlices) else x
    s = convert_to_tensor(scalar, dtype=getattr(base, "dtype", None))
    if s.shape.rank not in (0, None):
        raise ValueError(f"Only scalar multiply works, got shape {s.shape}")
    if isinstance(x, IndexedSlices):
        return IndexedSlices(mo.multiply(s, x.values), x.indices, x.dense_shape)
    return mo.multiply(s, x)

