"""Special functions: erf, erfinv, ndtri, lgamma, digamma, polygamma, zeta, igamma, xlogy.

Kernels use ``scipy.special`` when it is installed (imported lazily) and otherwise a
pure-NumPy implementation, so NumPy stays the only hard dependency.
"""

from __future__ import annotations

import math

import numpy as np

from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import binary_args, tensor

_SCIPY = []


def _scipy(fname):
    if not _SCIPY:
        try:
            import scipy.special as sp
            _SCIPY.append(sp)
        except ImportError:  # pragma: no cover - depends on the environment
            _SCIPY.append(None)
    sp = _SCIPY[0]
    return getattr(sp, fname) if sp is not None else None


def _as(x, like):
    return np.asarray(x, dtype=np.asarray(like).dtype)


def _vec(f):
    vf = np.vectorize(f, otypes=[np.float64])
    return lambda x: vf(np.asarray(x, np.float64))


# ---- pure-NumPy fallbacks --------------------------------------------------------------------
_erf_np = _vec(math.erf)
_erfc_np = _vec(math.erfc)


def _lgamma_np(x):
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.inf)
    bad = (x <= 0) & (x == np.floor(x))
    out[~bad] = _vec(math.lgamma)(x[~bad])
    return out


def _digamma_np(x):
    x = np.array(x, np.float64, ndmin=0)
    res = np.zeros_like(x)
    refl = x < 0.5
    xr = np.where(refl, 1 - x, x)
    acc = np.zeros_like(x)
    while True:  # recurrence up to x >= 6
        small = xr < 6
        if not np.any(small):
            break
        acc -= np.where(small, 1 / np.where(small, xr, 1), 0)
        xr = np.where(small, xr + 1, xr)
    inv2 = 1 / (xr * xr)
    res = (np.log(xr) - 0.5 / xr - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
        1 / 240 - inv2 / 132)))) + acc)
    with np.errstate(all="ignore"):
        res = np.where(refl, res - np.pi / np.tan(np.pi * x), res)
        res = np.where((x <= 0) & (x == np.floor(x)), np.nan, res)
    return res


def _zeta_np(s, q):
    """Hurwitz zeta by direct summation plus the Euler-Maclaurin tail."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    n = 12
    total = np.zeros(s.shape)
    for k in range(n):
        total += (q + k) ** -s
    a = q + n
    total += a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    b2 = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6]
    fac = s * a ** (-s - 1)
    term_fact = 1.0
    for j, b in enumerate(b2):
        k = 2 * j + 2
        term_fact = math.factorial(k)
        total += b / term_fact * fac
        fac = fac * (s + k) * (s + k + 1) / (a * a)
    with np.errstate(all="ignore"):
        return np.where(s == 1, np.inf, np.where(s < 1, np.nan, total))


def _erfinv_np(y):
    y = np.asarray(y, np.float64)
    a = 0.147
    ln = np.log(np.maximum(1 - y * y, 1e-300))
    t = 2 / (np.pi * a) + ln / 2
    x = np.sign(y) * np.sqrt(np.sqrt(t * t - ln / a) - t)
    inner = np.abs(y) < 1
    for _ in range(4):  # Newton steps on erf(x) - y
        err = _erf_np(x) - y
        x = np.where(inner, x - err / (2 / np.sqrt(np.pi) * np.exp(-x * x)), x)
    return np.where(np.abs(y) == 1, np.sign(y) * np.inf, np.where(np.abs(y) > 1, np.nan, x))


def _igamma_np(a, x):
    """Regularized lower incomplete gamma P(a, x): series for x < a + 1, else Lentz's
    continued fraction for Q."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.zeros(a.shape)
    with np.errstate(all="ignore"):
        lg = _lgamma_np(a)
        series = x < a + 1
        term = 1 / a
        s = term.copy()
        for n in range(1, 500):
            term = term * x / (a + n)
            s = s + term
        p_series = s * np.exp(-x + a * np.log(x) - lg)
        b = x + 1 - a
        c = np.full(a.shape, 1e300)
        d = 1 / b
        h = d.copy()
        for i in range(1, 300):
            an = -i * (i - a)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < 1e-300, 1e-300, d)
            c = b + an / c
            c = np.where(np.abs(c) < 1e-300, 1e-300, c)
            d = 1 / d
            h = h * d * c
        q_cf = np.exp(-x + a * np.log(x) - lg) * h
        out = np.where(series, p_series, 1 - q_cf)
        out = np.where(x == 0, 0.0, out)
        out = np.where((a <= 0) | (x < 0), np.nan, out)
    return out


def _special(sname, fallback):
    def kernel(*args):
        f = _scipy(sname)
        with np.errstate(all="ignore"):
            out = f(*args) if f is not None else fallback(*args)
        return _as(out, args[-1])
    return kernel


def _erfinv_kernel(x):
    return _special("erfinv", _erfinv_np)(x)


def _ndtri_kernel(p):
    f = _scipy("ndtri")
    with np.errstate(all="ignore"):
        out = f(p) if f is not None else np.sqrt(2.0) * _erfinv_np(2 * np.asarray(
            p, np.float64) - 1)
    return _as(out, p)


def _polygamma_np(n, x):
    n = np.asarray(n, np.float64)
    fact = _vec(lambda v: math.gamma(v + 1) if v >= 0 else np.nan)(n)
    sgn = np.where(np.mod(n, 2) == 0, -1.0, 1.0)
    res = sgn * fact * _zeta_np(n + 1, x)
    return np.where(n == 0, _digamma_np(x), res)


# ---- op declarations ---------------------------------------------------------------------------
_sq = lambda t: mo.multiply(t, t)  # noqa: E731
_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)


def _unary(name, kernel, grad):
    return defop(name, kernel, inputs=("x: T",), outputs=("y: T",), types={"T": u.FLOAT},
                 infer=u.infer_same, grad=grad)


def _erf_grad(op, g):
    from tensorflux._src.ops.math_unary import exp
    x = op.inputs[0]
    return [mo.multiply(g, mo.multiply(exp(mo.negative(_sq(x))), _TWO_OVER_SQRT_PI))]


ERF = _unary("Erf", _special("erf", _erf_np), _erf_grad)
ERFC = _unary("Erfc", _special("erfc", _erfc_np),
              lambda op, g: [mo.negative(_erf_grad(op, g)[0])])


def _erfinv_grad(op, g):
    from tensorflux._src.ops.math_unary import exp
    return [mo.multiply(g, mo.multiply(exp(_sq(op.outputs[0])), np.sqrt(np.pi) / 2))]


def _ndtri_grad(op, g):
    from tensorflux._src.ops.math_unary import exp
    return [mo.multiply(g, mo.multiply(exp(mo.multiply(_sq(op.outputs[0]), 0.5)),
                                       np.sqrt(2 * np.pi)))]


ERFINV = _unary("Erfinv", _erfinv_kernel, _erfinv_grad)
NDTRI = _unary("Ndtri", _ndtri_kernel, _ndtri_grad)
LGAMMA = _unary("Lgamma", _special("gammaln", _lgamma_np),
                lambda op, g: [mo.multiply(g, digamma(op.inputs[0]))])


def _digamma_grad(op, g):
    x = op.inputs[0]
    from tensorflux._src.ops import array_ops
    return [mo.multiply(g, polygamma(array_ops.ones_like(x), x))]


DIGAMMA = _unary("Digamma", _special("psi", _digamma_np), _digamma_grad)


def _binary(name, kernel, grad, a="x", b="y", out="z"):
    return defop(name, kernel, inputs=(f"{a}: T", f"{b}: T"), outputs=(f"{out}: T",),
                 types={"T": u.FLOAT}, infer=u.infer_broadcast, grad=grad)


def _zeta_grad(op, g):
    x, q = op.inputs
    return [None, mo.sum_to(mo.multiply(g, mo.negative(mo.multiply(x, zeta(mo.add(x, 1), q)))),
                            q)]


def _polygamma_grad(op, g):
    a, x = op.inputs
    return [None, mo.sum_to(mo.multiply(g, polygamma(mo.add(a, 1), x)), x)]


ZETA = _binary("Zeta", _special("zeta", _zeta_np), _zeta_grad, a="x", b="q")
POLYGAMMA = _binary("Polygamma", _special("polygamma", _polygamma_np), _polygamma_grad,
                    a="a", b="x")


def _igamma_grad_x(a, x, g, sign):
    from tensorflux._src.ops.math_unary import exp, log
    lg = lgamma(a)
    d = exp(mo.subtract(mo.subtract(mo.multiply(mo.subtract(a, 1), log(x)), x), lg))
    return mo.sum_to(mo.multiply(g, d if sign > 0 else mo.negative(d)), x)


def _igammac_np(a, x):
    return 1 - _igamma_np(a, x)


IGAMMA = _binary("Igamma", _special("gammainc", _igamma_np),
                 lambda op, g: [None, _igamma_grad_x(*op.inputs, g, 1)], a="a", b="x")
IGAMMAC = _binary("Igammac", _special("gammaincc", _igammac_np),
                  lambda op, g: [None, _igamma_grad_x(*op.inputs, g, -1)], a="a", b="x")


def _xlogy_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros_like(x), x * np.log(y)).astype(x.dtype)


def _xlog1py_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros_like(x), x * np.log1p(y)).astype(x.dtype)


def _xdivy_kernel(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros_like(x), x / y).astype(x.dtype)


def _nonzero(x):
    from tensorflux._src.ops.math_binary import not_equal
    return mo.cast(not_equal(x, 0), x.dtype)


def _xlogy_grad(op, g):
    from tensorflux._src.ops.math_unary import log
    x, y = op.inputs
    gx = mo.multiply(mo.multiply(_nonzero(x), log(y)), g)
    return [mo.sum_to(gx, x), mo.sum_to(mo.multiply(xdivy(x, y), g), y)]


def _xlog1py_grad(op, g):
    from tensorflux._src.ops.math_unary import log1p
    x, y = op.inputs
    gx = mo.multiply(mo.multiply(_nonzero(x), log1p(y)), g)
    return [mo.sum_to(gx, x), mo.sum_to(mo.multiply(xdivy(x, mo.add(y, 1)), g), y)]


def _xdivy_grad(op, g):
    x, y = op.inputs
    gx = mo.multiply(mo.multiply(_nonzero(x), mo.divide_no_check(1, y)), g)
    gy = mo.multiply(xdivy(mo.negative(x), _sq(y)), g)
    return [mo.sum_to(gx, x), mo.sum_to(gy, y)]


XLOGY = defop("Xlogy", _xlogy_kernel, inputs=("x: T", "y: T"), outputs=("z: T",),
              types={"T": u.FLOAT_COMPLEX}, infer=u.infer_broadcast, grad=_xlogy_grad)
XLOG1PY = defop("Xlog1py", _xlog1py_kernel, inputs=("x: T", "y: T"), outputs=("z: T",),
                types={"T": u.FLOAT_COMPLEX}, infer=u.infer_broadcast, grad=_xlog1py_grad)
XDIVY = defop("Xdivy", _xdivy_kernel, inputs=("x: T", "y: T"), outputs=("z: T",),
              types={"T": u.FLOAT_COMPLEX}, infer=u.infer_broadcast, grad=_xdivy_grad)


# ---- wrappers ----------------------------------------------------------------------------------


def erf(x, name=None):
    """Gauss error function (``tf.math.erf``).

    Example:
        >>> round(float(tf.math.erf(tf.constant(0.5))), 4)
        0.5205
    """
    return execute(ERF, (tensor(x),), None, name)


def erfc(x, name=None):
    """Complementary error function ``1 - erf(x)`` (``tf.math.erfc``).

    Example:
        >>> round(float(tf.math.erfc(tf.constant(0.5))), 4)
        0.4795
    """
    return execute(ERFC, (tensor(x),), None, name)


def erfinv(x, name=None):
    """Inverse of ``erf`` on (-1, 1) (``tf.math.erfinv``).

    Example:
        >>> round(float(tf.math.erfinv(tf.constant(0.5205))), 3)
        0.5
    """
    return execute(ERFINV, (tensor(x),), None, name)


def ndtri(x, name=None):
    """Inverse of the standard normal CDF (``tf.math.ndtri``).

    Example:
        >>> round(float(tf.math.ndtri(tf.constant(0.5))), 4)
        0.0
    """
    return execute(NDTRI, (tensor(x),), None, name)


def lgamma(x, name=None):
    """Log of the absolute value of the Gamma function (``tf.math.lgamma``).

    Example:
        >>> round(float(tf.math.lgamma(tf.constant(5.0))), 4)
        3.1781
    """
    return execute(LGAMMA, (tensor(x),), None, name)


def digamma(x, name=None):
    """Derivative of ``lgamma`` (``tf.math.digamma``).

    Example:
        >>> round(float(tf.math.digamma(tf.constant(1.0))), 4)
        -0.5772
    """
    return execute(DIGAMMA, (tensor(x),), None, name)


def zeta(x, q, name=None):
    """Hurwitz zeta function ``sum_n (q + n) ** -x`` (``tf.math.zeta``).

    Example:
        >>> round(float(tf.math.zeta(tf.constant(2.0), tf.constant(1.0))), 4)
        1.6449
    """
    x, q = binary_args(x, q)
    return execute(ZETA, (x, q), None, name)


def polygamma(a, x, name=None):
    """The ``a``-th derivative of ``digamma`` (``tf.math.polygamma``).

    Example:
        >>> round(float(tf.math.polygamma(tf.constant(1.0), tf.constant(1.0))), 4)
        1.6449
    """
    a, x = binary_args(a, x)
    return execute(POLYGAMMA, (a, x), None, name)


def igamma(a, x, name=None):
    """Regularized lower incomplete Gamma function ``P(a, x)`` (``tf.math.igamma``).

    Example:
        >>> round(float(tf.math.igamma(tf.constant(1.0), tf.constant(1.0))), 4)
        0.6321
    """
    a, x = binary_args(a, x)
    return execute(IGAMMA, (a, x), None, name)


def igammac(a, x, name=None):
    """Regularized upper incomplete Gamma function ``Q(a, x)`` (``tf.math.igammac``).

    Example:
        >>> round(float(tf.math.igammac(tf.constant(1.0), tf.constant(1.0))), 4)
        0.3679
    """
    a, x = binary_args(a, x)
    return execute(IGAMMAC, (a, x), None, name)


def xlogy(x, y, name=None):
    """``x * log(y)``, 0 where ``x == 0`` (``tf.math.xlogy``).

    Example:
        >>> tf.math.xlogy(tf.constant([0.0, 1.0]), tf.constant([0.0, 1.0])).numpy().tolist()
        [0.0, 0.0]
    """
    x, y = binary_args(x, y)
    return execute(XLOGY, (x, y), None, name)


def xlog1py(x, y, name=None):
    """``x * log1p(y)``, 0 where ``x == 0`` (``tf.math.xlog1py``).

    Example:
        >>> tf.math.xlog1py(tf.constant([0.0]), tf.constant([-1.0])).numpy().tolist()
        [0.0]
    """
    x, y = binary_args(x, y)
    return execute(XLOG1PY, (x, y), None, name)


def xdivy(x, y, name=None):
    """``x / y``, 0 where ``x == 0`` (``tf.math.xdivy``).

    Example:
        >>> tf.math.xdivy(tf.constant([0.0, 1.0]), tf.constant([0.0, 2.0])).numpy().tolist()
        [0.0, 0.5]
    """
    x, y = binary_args(x, y)
    return execute(XDIVY, (x, y), None, name)
