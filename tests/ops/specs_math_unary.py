"""Spec rows for the elementwise unary and special-function math ops."""

import math

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)
X = r.uniform(-2, 2, (2, 3)).astype(np.float32)          # any real
POS = r.uniform(0.3, 2.5, (2, 3)).astype(np.float32)      # positive
UNIT = r.uniform(-0.8, 0.8, (2, 3)).astype(np.float32)    # inside (-1, 1)
GT1 = r.uniform(1.2, 3.0, (2, 3)).astype(np.float32)      # > 1
PROB = r.uniform(0.1, 0.9, (2, 3)).astype(np.float32)     # inside (0, 1)
IN = np.array([[-3, 0, 5], [7, -1, 2]], np.int32)
C = (r.standard_normal((2, 2)) + 1j * r.standard_normal((2, 2))).astype(np.complex64)
HALF = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.4], np.float32)
SPECIAL = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], np.float32)

_verf = np.vectorize(math.erf)
_vlgamma = np.vectorize(math.lgamma)


def _digamma(x):
    return np.vectorize(lambda v: (math.lgamma(v + 1e-6) - math.lgamma(v - 1e-6)) / 2e-6)(x)


def _erfinv(y):
    # bisection on erf, independent of the kernel
    lo, hi = np.full(y.shape, -6.0), np.full(y.shape, 6.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        up = _verf(mid) < y
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    return ((lo + hi) / 2)


def _hurwitz(s, q):
    s, q = np.asarray(s, np.float64), np.asarray(q, np.float64)
    n = 100000
    head = sum((q + k) ** -s for k in range(n))
    return head + (q + n) ** (1 - s) / (s - 1) + 0.5 * (q + n) ** -s


def f32(fn):
    return lambda *a: np.asarray(fn(*a)).astype(np.float32)


def U(name, fn, ref, x, **kw):
    return OpSpec(name, fn, ref, [x], **kw)


SPECS = [
    U("math_abs", tf.math.abs, np.abs, X),
    U("math_abs_int", tf.math.abs, np.abs, IN),
    U("math_abs_complex", tf.math.abs, lambda c: np.abs(c).astype(np.float32), C),
    U("math_sign", tf.math.sign, np.sign, X),
    U("math_sign_int", tf.math.sign, np.sign, IN),
    U("math_floor", tf.math.floor, np.floor, X, grad=False),
    U("math_ceil", tf.math.ceil, np.ceil, X, grad=False),
    U("math_round_half_even", tf.math.round, lambda x: np.round(x), HALF, grad=False),
    U("math_rint", tf.math.rint, np.rint, HALF, grad=False),
    U("math_sqrt", tf.math.sqrt, np.sqrt, POS),
    U("math_rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), POS),
    U("math_square", tf.math.square, np.square, X),
    U("math_square_int", tf.math.square, np.square, IN),
    U("math_reciprocal", tf.math.reciprocal, lambda x: 1 / x, POS),
    U("math_reciprocal_no_nan", tf.math.reciprocal_no_nan,
      lambda x: np.where(x == 0, 0, 1 / np.where(x == 0, 1, x)).astype(np.float32),
      np.array([2.0, 0.0, -4.0], np.float32), grad=False),
    U("math_exp", tf.math.exp, np.exp, X),
    U("math_exp_complex", tf.math.exp, np.exp, C),
    U("math_expm1", tf.math.expm1, np.expm1, X),
    U("math_log", tf.math.log, np.log, POS),
    U("math_log1p", tf.math.log1p, np.log1p, POS),
    U("math_sin", tf.math.sin, np.sin, X),
    U("math_cos", tf.math.cos, np.cos, X),
    U("math_tan", tf.math.tan, np.tan, UNIT),
    U("math_asin", tf.math.asin, np.arcsin, UNIT),
    U("math_acos", tf.math.acos, np.arccos, UNIT),
    U("math_atan", tf.math.atan, np.arctan, X),
    U("math_sinh", tf.math.sinh, np.sinh, X),
    U("math_cosh", tf.math.cosh, np.cosh, X),
    U("math_tanh", tf.math.tanh, np.tanh, X),
    U("math_asinh", tf.math.asinh, np.arcsinh, X),
    U("math_acosh", tf.math.acosh, np.arccosh, GT1),
    U("math_atanh", tf.math.atanh, np.arctanh, UNIT),
    U("math_sigmoid", tf.math.sigmoid, lambda x: 1 / (1 + np.exp(-x)), X),
    U("math_log_sigmoid", tf.math.log_sigmoid, lambda x: -np.log1p(np.exp(-x)), X),
    U("math_softplus", tf.math.softplus, lambda x: np.log1p(np.exp(x)), X),
    U("math_softsign", tf.math.softsign, lambda x: x / (1 + np.abs(x)), X),
    U("math_erf", tf.math.erf, f32(_verf), X),
    U("math_erfc", tf.math.erfc, f32(lambda x: 1 - _verf(x)), X),
    U("math_erfinv", tf.math.erfinv, f32(_erfinv), UNIT, atol=1e-4),
    U("math_ndtri", tf.math.ndtri, f32(lambda p: np.sqrt(2) * _erfinv(2 * p - 1)), PROB,
      atol=1e-4),
    U("math_lgamma", tf.math.lgamma, f32(_vlgamma), POS),
    U("math_digamma", tf.math.digamma, f32(_digamma), POS, atol=1e-4),
    U("math_is_nan", tf.math.is_nan, np.isnan, SPECIAL),
    U("math_is_inf", tf.math.is_inf, np.isinf, SPECIAL),
    U("math_is_finite", tf.math.is_finite, np.isfinite, SPECIAL),
    U("math_logical_not", tf.math.logical_not, np.logical_not, np.array([True, False])),
    U("math_invert", tf.bitwise.invert, np.invert, IN),
    U("math_real", tf.math.real, lambda c: c.real, C),
    U("math_imag", tf.math.imag, lambda c: c.imag, C),
    U("math_angle", tf.math.angle, lambda c: np.angle(c).astype(np.float32), C),
    U("math_angle_real", tf.math.angle,
      lambda x: np.where(x < 0, np.pi, 0).astype(np.float32), X, grad=False),
    U("math_conj", tf.math.conj, np.conj, C),
    OpSpec("math_zeta", tf.math.zeta,
           _hurwitz,
           [np.array([2.0, 3.0]), np.array([1.0, 2.5])], atol=1e-4,
           grad=[1]),
    OpSpec("math_polygamma", tf.math.polygamma,
           lambda n, x: np.where(n == 1, _hurwitz(2.0, x), -2 * _hurwitz(3.0, x)),
           [np.array([1.0, 2.0]), np.array([1.5, 2.0])], atol=1e-4,
           grad=[1]),
    OpSpec("math_igamma", tf.math.igamma,
           (lambda a, x: np.array([1 - math.exp(-x[0]),
                                      1 - math.exp(-x[1]) * (1 + x[1])])),
           [np.array([1.0, 2.0]), np.array([0.7, 1.9])], grad=[1]),
    OpSpec("math_igammac", tf.math.igammac,
           (lambda a, x: np.array([math.exp(-x[0]), math.exp(-x[1]) * (1 + x[1])])),
           [np.array([1.0, 2.0]), np.array([0.7, 1.9])], grad=[1]),
    OpSpec("math_xlogy", tf.math.xlogy,
           lambda x, y: np.where(x == 0, 0, x * np.log(y)),
           [np.array([0.0, 1.5, -2.0]), POS[0].astype(np.float64)], grad=[1]),
    OpSpec("math_xlogy_grad", tf.math.xlogy, lambda x, y: x * np.log(y), [X, POS[0]]),
    OpSpec("math_xlog1py", tf.math.xlog1py,
           lambda x, y: np.where(x == 0, 0, x * np.log1p(y)),
           [np.array([0.0, 1.5, -2.0]), POS[0].astype(np.float64)], grad=[1]),
    OpSpec("math_xlog1py_grad", tf.math.xlog1py, lambda x, y: x * np.log1p(y), [X, POS[0]]),
    OpSpec("math_xdivy", tf.math.xdivy,
           lambda x, y: np.where(x == 0, 0, x / y),
           [np.array([0.0, 1.5, -2.0]), POS[0].astype(np.float64)], grad=[1]),
    OpSpec("math_xdivy_grad", tf.math.xdivy, lambda x, y: x / y, [X, POS[0]]),
]
