"""``RandomGammaGrad``: the derivative of a Gamma(alpha, 1) sample with respect to alpha.

Implicit reparameterization (Figurnov et al., 2018): holding the CDF value fixed,
``dx/dalpha = -(dP(alpha, x)/dalpha) / p(x; alpha)`` where ``P`` is the regularized lower
incomplete gamma function and ``p`` the Gamma density. ``dP/dalpha`` is taken by a
central difference of ``P``, computed with SciPy when available and otherwise with the
series / continued-fraction expansions in pure NumPy.
"""

from __future__ import annotations

import math

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def _gammainc_numpy(a, x):
    """Regularized lower incomplete gamma P(a, x) for a > 0, x >= 0 (NumPy only)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.zeros(a.shape)
    pos = x > 0
    log_pre = np.where(pos, a * np.log(np.where(pos, x, 1.0)) - x - _lgamma(a), -np.inf)
    ser = pos & (x < a + 1)
    if ser.any():
        aa, xx = a[ser], x[ser]
        ap = aa.copy()
        term = 1.0 / aa
        total = term.copy()
        for _ in range(500):
            ap += 1.0
            term *= xx / ap
            total += term
            if np.all(np.abs(term) < np.abs(total) * 1e-16):
                break
        out[ser] = total * np.exp(log_pre[ser])
    cf = pos & ~ser
    if cf.any():
        aa, xx = a[cf], x[cf]
        tiny = 1e-300
        b = xx + 1.0 - aa
        c = np.full(aa.shape, 1.0 / tiny)
        d = 1.0 / b
        h = d.copy()
        for i in range(1, 500):
            an = -i * (i - aa)
            b = b + 2.0
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1.0 / d
            delta = d * c
            h *= delta
            if np.all(np.abs(delta - 1.0) < 1e-16):
                break
        out[cf] = 1.0 - np.exp(log_pre[cf]) * h
    return out


def gammainc(a, x):
    """P(a, x) with SciPy if it is installed, else the NumPy fallback."""
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - depends on the environment
        return _gammainc_numpy(a, x)
    return special.gammainc(a, x)


def _gamma_grad_kernel(alpha, sample):
    dt = np.result_type(alpha, sample)
    a = np.asarray(alpha, np.float64)
    x = np.asarray(sample, np.float64)
    a, x = np.broadcast_arrays(a, x)
    h = 1e-5 * np.maximum(a, 1.0)
    h = np.minimum(h, a * 0.5)
    dp = (gammainc(a + h, x) - gammainc(a - h, x)) / (2.0 * h)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_pdf = (a - 1.0) * np.log(x) - x - _lgamma(a)
        res = -dp * np.exp(-log_pdf)
    res = np.where(np.isfinite(res) & (x > 0), res, 0.0)
    return res.astype(dt)


RANDOM_GAMMA_GRAD = defop(
    "RandomGammaGrad", _gamma_grad_kernel, inputs=("alpha: T", "sample: T"),
    outputs=("output: T",), types={"T": (_dt.float32, _dt.float64)},
    infer=u.infer_broadcast, grad=NOT_DIFFERENTIABLE)


def random_gamma_grad(alpha, sample, name=None):
    """d sample / d alpha for Gamma(alpha, 1) samples (``tf.raw_ops.RandomGammaGrad``)."""
    return execute(RANDOM_GAMMA_GRAD, (tensor(alpha), tensor(sample)), None, name)


def gamma_sample_grad(shape, alpha, sample, g):
    """Gradient wrt ``alpha`` of a loss with upstream gradient ``g`` on ``sample``."""
    if alpha.dtype is _dt.float16:
        a32 = math_ops.cast(alpha, _dt.float32)
        partial = math_ops.cast(random_gamma_grad(a32, math_ops.cast(sample, _dt.float32)),
                                _dt.float16)
    else:
        partial = random_gamma_grad(alpha, sample)
    return math_ops.sum_to(math_ops.multiply(g, partial), alpha)
