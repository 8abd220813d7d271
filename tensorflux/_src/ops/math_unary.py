"""Elementwise unary math ops (``tf.math.abs``, ``exp``, ``sin``, ``sigmoid`` ...).

Each op is one ``defop`` (TensorFlow's raw-op name, NumPy kernel, same-shape rule and
gradient written with tensorflux ops) plus its public wrapper.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

FC = u.FLOAT_COMPLEX
SIGNED = u.FLOAT + (_dt.int8, _dt.int16, _dt.int32, _dt.int64) + u.FLOAT_COMPLEX[4:]
_mul, _neg, _conj = mo.multiply, mo.negative, mo._conj


def _quiet(f):
    """A kernel that evaluates ``f`` without NumPy floating-point warnings."""
    def kernel(x):
        with np.errstate(all="ignore"):
            return f(x)
    kernel.__name__ = getattr(f, "__name__", "kernel")
    return kernel


def _unary(name, kernel, types, grad, out="y: T", quiet=True):
    return defop(name, _quiet(kernel) if quiet else kernel, inputs=("x: T",), outputs=(out,),
                 types={"T": types}, infer=u.infer_same, grad=grad)


def _div(a, b):
    return mo.divide_no_check(a, b)


def _y(op):
    return op.outputs[0]


def _x(op):
    return op.inputs[0]


def _one(x):
    from tensorflux._src.ops import array_ops
    return array_ops.ones_like(x)


# ---- sign-like, rounding --------------------------------------------------------------------

ABS = _unary("Abs", np.abs, u.FLOAT + (_dt.int8, _dt.int16, _dt.int32, _dt.int64),
             lambda op, g: [_mul(g, sign(_x(op)))])


def _complex_abs_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    from tensorflux._src.ops import array_ops
    z = array_ops.zeros_like(g)
    return [mo.multiply(_div_no_nan(complex(g, z), complex(y, array_ops.zeros_like(y))), x)]


def _div_no_nan(x, y):
    from tensorflux._src.ops.math_binary import div_no_nan
    return div_no_nan(x, y)


COMPLEX_ABS = defop("ComplexAbs", lambda x, Tout=None: np.abs(x), inputs=("x: T",),
                    outputs=("y: Tout",),
                    types={"T": u.FLOAT_COMPLEX[4:], "Tout": (_dt.float32, _dt.float64)},
                    infer=u.infer_same, grad=_complex_abs_grad)


def abs(x, name=None):  # noqa: A001
    """Absolute value; the magnitude for complex inputs (``tf.math.abs``).

    Example:
        >>> tf.math.abs(tf.constant([-1.5, 2.0])).numpy().tolist()
        [1.5, 2.0]
    """
    x = tensor(x)
    if x.dtype.is_complex:
        out = _dt.float32 if x.dtype is _dt.complex64 else _dt.float64
        return execute(COMPLEX_ABS, (x,), {"Tout": out}, name)
    return execute(ABS, (x,), None, name)


def _zeros_grad(op, g):
    from tensorflux._src.ops import array_ops
    return [array_ops.zeros_like(_x(op))]


SIGN = _unary("Sign", np.sign, SIGNED, _zeros_grad)
FLOOR = _unary("Floor", np.floor, u.FLOAT, lambda op, g: [None])
CEIL = _unary("Ceil", np.ceil, u.FLOAT, lambda op, g: [None])
ROUND = _unary("Round", lambda x: np.round(x) if x.dtype.kind in "fc" else x, SIGNED,
               lambda op, g: [None])
RINT = _unary("Rint", np.rint, u.FLOAT, lambda op, g: [None])


def sign(x, name=None):
    """Elementwise sign: -1, 0 or 1 (``x/|x|`` for complex) (``tf.math.sign``).

    Example:
        >>> tf.math.sign(tf.constant([-2.0, 0.0, 3.0])).numpy().tolist()
        [-1.0, 0.0, 1.0]
    """
    return execute(SIGN, (tensor(x),), None, name)


def floor(x, name=None):
    """Largest integer not greater than x (``tf.math.floor``).

    Example:
        >>> tf.math.floor(tf.constant([1.5, -1.5])).numpy().tolist()
        [1.0, -2.0]
    """
    return execute(FLOOR, (tensor(x),), None, name)


def ceil(x, name=None):
    """Smallest integer not less than x (``tf.math.ceil``).

    Example:
        >>> tf.math.ceil(tf.constant([1.2, -1.5])).numpy().tolist()
        [2.0, -1.0]
    """
    return execute(CEIL, (tensor(x),), None, name)


def round(x, name=None):  # noqa: A001
    """Rounds half to even, like TensorFlow's Round (``tf.math.round``).

    Example:
        >>> tf.math.round(tf.constant([0.5, 1.5, 2.5, -0.5])).numpy().tolist()
        [0.0, 2.0, 2.0, -0.0]
    """
    x = tensor(x)
    if x.dtype.is_integer:
        return x
    return execute(ROUND, (x,), None, name)


def rint(x, name=None):
    """Rounds to the nearest integer, halves to even (``tf.math.rint``).

    Example:
        >>> tf.math.rint(tf.constant([1.5, 2.5])).numpy().tolist()
        [2.0, 2.0]
    """
    return execute(RINT, (tensor(x),), None, name)


# ---- powers, exp/log --------------------------------------------------------------------------

SQRT = _unary("Sqrt", np.sqrt, FC, lambda op, g: [_div(_mul(g, 0.5), _conj(_y(op)))])
RSQRT = _unary("Rsqrt", lambda x: (1 / np.sqrt(x)).astype(x.dtype), FC,
               lambda op, g: [_mul(_mul(g, -0.5), _conj(_mul(_mul(_y(op), _y(op)), _y(op))))])
SQUARE = _unary("Square", np.square, u.NUMERIC,
                lambda op, g: [_mul(g, _mul(_conj(_x(op)), 2))])
RECIPROCAL = _unary("Reciprocal", lambda x: np.reciprocal(x) if x.dtype.kind in "fc"
                    else (1 // x).astype(x.dtype), u.NUMERIC,
                    lambda op, g: [_mul(_neg(g), _conj(_mul(_y(op), _y(op))))])
EXP = _unary("Exp", np.exp, FC, lambda op, g: [_mul(g, _conj(_y(op)))])
EXPM1 = _unary("Expm1", np.expm1, FC, lambda op, g: [_mul(g, _conj(exp(_x(op))))])
LOG = _unary("Log", np.log, FC, lambda op, g: [_div(g, _conj(_x(op)))])
LOG1P = _unary("Log1p", np.log1p, FC, lambda op, g: [_div(g, _conj(mo.add(_x(op), 1)))])


def sqrt(x, name=None):
    """Elementwise square root (``tf.math.sqrt``).

    Example:
        >>> tf.math.sqrt(tf.constant([4.0, 9.0])).numpy().tolist()
        [2.0, 3.0]
    """
    return execute(SQRT, (tensor(x),), None, name)


def rsqrt(x, name=None):
    """Elementwise ``1 / sqrt(x)`` (``tf.math.rsqrt``).

    Example:
        >>> tf.math.rsqrt(tf.constant([4.0])).numpy().tolist()
        [0.5]
    """
    return execute(RSQRT, (tensor(x),), None, name)


def square(x, name=None):
    """Elementwise ``x * x`` (``tf.math.square``).

    Example:
        >>> tf.math.square(tf.constant([2, -3])).numpy().tolist()
        [4, 9]
    """
    return execute(SQUARE, (tensor(x),), None, name)


def reciprocal(x, name=None):
    """Elementwise ``1 / x`` (``tf.math.reciprocal``).

    Example:
        >>> tf.math.reciprocal(tf.constant([2.0, 4.0])).numpy().tolist()
        [0.5, 0.25]
    """
    return execute(RECIPROCAL, (tensor(x),), None, name)


def reciprocal_no_nan(x, name=None):
    """``1 / x`` with 0 where ``x == 0`` (``tf.math.reciprocal_no_nan``).

    Example:
        >>> tf.math.reciprocal_no_nan(tf.constant([2.0, 0.0])).numpy().tolist()
        [0.5, 0.0]
    """
    x = tensor(x)
    return _div_no_nan(_one(x), x)


def exp(x, name=None):
    """Elementwise ``e ** x`` (``tf.math.exp``).

    Example:
        >>> tf.math.exp(tf.constant([0.0])).numpy().tolist()
        [1.0]
    """
    return execute(EXP, (tensor(x),), None, name)


def expm1(x, name=None):
    """Elementwise ``exp(x) - 1``, accurate near 0 (``tf.math.expm1``).

    Example:
        >>> tf.math.expm1(tf.constant([0.0])).numpy().tolist()
        [0.0]
    """
    return execute(EXPM1, (tensor(x),), None, name)


def log(x, name=None):
    """Elementwise natural logarithm (``tf.math.log``).

    Example:
        >>> tf.math.log(tf.constant([1.0])).numpy().tolist()
        [0.0]
    """
    return execute(LOG, (tensor(x),), None, name)


def log1p(x, name=None):
    """Elementwise ``log(1 + x)``, accurate near 0 (``tf.math.log1p``).

    Example:
        >>> tf.math.log1p(tf.constant([0.0])).numpy().tolist()
        [0.0]
    """
    return execute(LOG1P, (tensor(x),), None, name)


# ---- trigonometric and hyperbolic -------------------------------------------------------------


def _sq(t):
    return mo.multiply(t, t)


def _one_minus_sq(x):
    return mo.subtract(_one(x), _sq(x))


SIN = _unary("Sin", np.sin, FC, lambda op, g: [_mul(g, _conj(cos(_x(op))))])
COS = _unary("Cos", np.cos, FC, lambda op, g: [_mul(_neg(g), _conj(sin(_x(op))))])
TAN = _unary("Tan", np.tan, FC, lambda op, g: [_div(g, _conj(_sq(cos(_x(op)))))])
ASIN = _unary("Asin", np.arcsin, FC,
              lambda op, g: [_div(g, _conj(sqrt(_one_minus_sq(_x(op)))))])
ACOS = _unary("Acos", np.arccos, FC,
              lambda op, g: [_neg(_div(g, _conj(sqrt(_one_minus_sq(_x(op))))))])
ATAN = _unary("Atan", np.arctan, FC,
              lambda op, g: [_div(g, _conj(mo.add(_one(_x(op)), _sq(_x(op)))))])
SINH = _unary("Sinh", np.sinh, FC, lambda op, g: [_mul(g, _conj(cosh(_x(op))))])
COSH = _unary("Cosh", np.cosh, FC, lambda op, g: [_mul(g, _conj(sinh(_x(op))))])
TANH = _unary("Tanh", np.tanh, FC,
              lambda op, g: [_mul(g, _conj(_one_minus_sq(_y(op))))])
ASINH = _unary("Asinh", np.arcsinh, FC, lambda op, g: [_div(g, _conj(cosh(_y(op))))])
ACOSH = _unary("Acosh", np.arccosh, FC, lambda op, g: [_div(g, _conj(sinh(_y(op))))])
ATANH = _unary("Atanh", np.arctanh, FC,
               lambda op, g: [_div(g, _conj(_one_minus_sq(_x(op))))])


def _wrap(opdef, fname, doc):
    def f(x, name=None):
        return execute(opdef, (tensor(x),), None, name)
    f.__name__ = f.__qualname__ = fname
    f.__doc__ = doc
    return f


def _doc(what, fname, value, result):
    return (f"{what} (``tf.math.{fname}``).\n\n    Example:\n        >>> tf.math.{fname}("
            f"tf.constant([{value}])).numpy().round(4).tolist()\n        [{result}]\n    ")


sin = _wrap(SIN, "sin", _doc("Elementwise sine", "sin", "0.0", "0.0"))
cos = _wrap(COS, "cos", _doc("Elementwise cosine", "cos", "0.0", "1.0"))
tan = _wrap(TAN, "tan", _doc("Elementwise tangent", "tan", "0.0", "0.0"))
asin = _wrap(ASIN, "asin", _doc("Elementwise arcsine", "asin", "1.0", "1.5708"))
acos = _wrap(ACOS, "acos", _doc("Elementwise arccosine", "acos", "1.0", "0.0"))
atan = _wrap(ATAN, "atan", _doc("Elementwise arctangent", "atan", "1.0", "0.7854"))
sinh = _wrap(SINH, "sinh", _doc("Elementwise hyperbolic sine", "sinh", "0.0", "0.0"))
cosh = _wrap(COSH, "cosh", _doc("Elementwise hyperbolic cosine", "cosh", "0.0", "1.0"))
tanh = _wrap(TANH, "tanh", _doc("Elementwise hyperbolic tangent", "tanh", "0.0", "0.0"))
asinh = _wrap(ASINH, "asinh", _doc("Elementwise inverse hyperbolic sine", "asinh", "0.0",
                                   "0.0"))
acosh = _wrap(ACOSH, "acosh", _doc("Elementwise inverse hyperbolic cosine", "acosh", "1.0",
                                   "0.0"))
atanh = _wrap(ATANH, "atanh", _doc("Elementwise inverse hyperbolic tangent", "atanh", "0.0",
                                   "0.0"))


# ---- logistic family --------------------------------------------------------------------------


def _sigmoid_kernel(x):
    if x.dtype.kind == "c":
        return (1 / (1 + np.exp(-x))).astype(x.dtype)
    # exp(-|x|) never overflows; pick the stable branch by sign.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


SIGMOID = _unary("Sigmoid", _sigmoid_kernel, FC,
                 lambda op, g: [_mul(g, _conj(_mul(_y(op), mo.subtract(_one(_y(op)), _y(op)))))])


def _softplus_kernel(x):
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


SOFTPLUS = _unary("Softplus", _softplus_kernel, u.FLOAT,
                  lambda op, g: [_mul(g, sigmoid(_x(op)))], out="activations: T")
SOFTSIGN = _unary("Softsign", lambda x: (x / (1 + np.abs(x))).astype(x.dtype), u.FLOAT,
                  lambda op, g: [_div(g, _sq(mo.add(_one(_x(op)), abs(_x(op)))))],
                  out="activations: T")


def sigmoid(x, name=None):
    """Elementwise logistic function ``1 / (1 + exp(-x))`` (``tf.math.sigmoid``).

    Example:
        >>> tf.math.sigmoid(tf.constant([0.0])).numpy().tolist()
        [0.5]
    """
    return execute(SIGMOID, (tensor(x),), None, name)


def log_sigmoid(x, name=None):
    """Elementwise ``log(sigmoid(x))`` computed as ``-softplus(-x)`` (``tf.math.log_sigmoid``).

    Example:
        >>> round(float(tf.math.log_sigmoid(tf.constant(0.0))), 4)
        -0.6931
    """
    return mo.negative(softplus(mo.negative(tensor(x))))


def softplus(features, name=None):
    """Elementwise ``log(exp(x) + 1)`` (``tf.math.softplus``).

    Example:
        >>> round(float(tf.math.softplus(tf.constant(0.0))), 4)
        0.6931
    """
    return execute(SOFTPLUS, (tensor(features),), None, name)


def softsign(features, name=None):
    """Elementwise ``x / (|x| + 1)`` (``tf.nn.softsign``).

    Example:
        >>> tf.nn.softsign(tf.constant([1.0])).numpy().tolist()
        [0.5]
    """
    return execute(SOFTSIGN, (tensor(features),), None, name)


# ---- predicates, logical, complex parts --------------------------------------------------------

IS_NAN = _unary("IsNan", np.isnan, u.FLOAT, NOT_DIFFERENTIABLE, out="y: bool")
IS_INF = _unary("IsInf", np.isinf, u.FLOAT, NOT_DIFFERENTIABLE, out="y: bool")
IS_FINITE = _unary("IsFinite", np.isfinite, u.FLOAT, NOT_DIFFERENTIABLE, out="y: bool")
LOGICAL_NOT = defop("LogicalNot", np.logical_not, inputs=("x: bool",), outputs=("y: bool",),
                    infer=u.infer_same, grad=NOT_DIFFERENTIABLE)
INVERT = defop("Invert", np.invert, inputs=("x: T",), outputs=("y: T",),
               types={"T": u.INTEGER}, infer=u.infer_same, grad=NOT_DIFFERENTIABLE)


def is_nan(x, name=None):
    """True where ``x`` is NaN (``tf.math.is_nan``).

    Example:
        >>> tf.math.is_nan(tf.constant([1.0, float("nan")])).numpy().tolist()
        [False, True]
    """
    return execute(IS_NAN, (tensor(x),), None, name)


def is_inf(x, name=None):
    """True where ``x`` is +-inf (``tf.math.is_inf``).

    Example:
        >>> tf.math.is_inf(tf.constant([1.0, float("inf")])).numpy().tolist()
        [False, True]
    """
    return execute(IS_INF, (tensor(x),), None, name)


def is_finite(x, name=None):
    """True where ``x`` is neither NaN nor infinite (``tf.math.is_finite``).

    Example:
        >>> tf.math.is_finite(tf.constant([1.0, float("inf")])).numpy().tolist()
        [True, False]
    """
    return execute(IS_FINITE, (tensor(x),), None, name)


def logical_not(x, name=None):
    """Elementwise boolean NOT (``tf.math.logical_not``).

    Example:
        >>> tf.math.logical_not(tf.constant([True, False])).numpy().tolist()
        [False, True]
    """
    return execute(LOGICAL_NOT, (tensor(x),), None, name)


def invert(x, name=None):
    """Bitwise NOT of an integer tensor (``tf.bitwise.invert``).

    Example:
        >>> tf.bitwise.invert(tf.constant([0, 5], tf.int32)).numpy().tolist()
        [-1, -6]
    """
    return execute(INVERT, (tensor(x),), None, name)


_CPLX = u.FLOAT_COMPLEX[4:]
_ROUT = {"Tout": (_dt.float32, _dt.float64)}


def _real_of(dt):
    return _dt.float32 if dt is _dt.complex64 else _dt.float64


def _real_grad(op, g):
    from tensorflux._src.ops import array_ops
    return [complex(g, array_ops.zeros_like(g))]


def _imag_grad(op, g):
    from tensorflux._src.ops import array_ops
    return [complex(array_ops.zeros_like(g), g)]


def _angle_grad(op, g):
    # d angle / dz for z = a + ib is (-b + ia) / |z|^2 in TF's convention.
    from tensorflux._src.ops import array_ops
    x = op.inputs[0]
    re, im = real(x), imag(x)
    z = _div_no_nan(_one(x), complex(im, re))
    return [mo.multiply(mo.negative(complex(g, array_ops.zeros_like(g))), z)]


def _part(fn):
    return lambda x, Tout=None: np.asarray(fn(x)).astype(np.real(x).dtype)


_PART = dict(inputs=("input: T",), outputs=("output: Tout",), types={"T": _CPLX, **_ROUT},
             infer=u.infer_same)
REAL = defop("Real", _part(np.real), grad=_real_grad, **_PART)
IMAG = defop("Imag", _part(np.imag), grad=_imag_grad, **_PART)
ANGLE = defop("Angle", _part(np.angle), grad=_angle_grad, **_PART)


def real(input, name=None):
    """Real part of a complex tensor; real tensors pass through (``tf.math.real``).

    Example:
        >>> tf.math.real(tf.constant([1 + 2j])).numpy().tolist()
        [1.0]
    """
    x = tensor(input)
    if not x.dtype.is_complex:
        return x
    return execute(REAL, (x,), {"Tout": _real_of(x.dtype)}, name)


def imag(input, name=None):
    """Imaginary part; zeros for real tensors (``tf.math.imag``).

    Example:
        >>> tf.math.imag(tf.constant([1 + 2j])).numpy().tolist()
        [2.0]
    """
    from tensorflux._src.ops import array_ops
    x = tensor(input)
    if not x.dtype.is_complex:
        return array_ops.zeros_like(x)
    return execute(IMAG, (x,), {"Tout": _real_of(x.dtype)}, name)


def angle(input, name=None):
    """Argument of a complex tensor; ``pi`` for negative reals, else 0 (``tf.math.angle``).

    Example:
        >>> tf.math.angle(tf.constant([-1.0, 2.0])).numpy().round(4).tolist()
        [3.1416, 0.0]
    """
    from tensorflux._src.ops import array_ops
    x = tensor(input)
    if not x.dtype.is_complex:
        pi = mo.multiply(array_ops.ones_like(x), np.pi)
        return array_ops.where_v2(_less_zero(x), pi, array_ops.zeros_like(x))
    return execute(ANGLE, (x,), {"Tout": _real_of(x.dtype)}, name)


def _less_zero(x):
    from tensorflux._src.ops.math_binary import less
    return less(x, 0)


def complex(real, imag, name=None):  # noqa: A001 - TensorFlow's name
    from tensorflux._src.ops.math_binary import complex as c
    return c(real, imag, name=name)
