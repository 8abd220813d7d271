"""NumPy samplers and shape rules shared by the stateful and stateless random ops.

Every sampler takes a ``numpy.random.Generator`` and returns an array with exactly the
requested TensorFlow dtype. The bit streams differ from TensorFlow's Philox kernels; the
distributions (and the exclusive upper bound of uniform draws) match.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.framework.tensor import Tensor

# ---- shapes ----------------------------------------------------------------------------------


def kernel_shape(shape, what="shape"):
    """Validate a shape input (a 1-D int vector of non-negative sizes) -> tuple."""
    a = np.asarray(shape)
    if a.ndim > 1:
        raise InvalidArgumentError(
            None, None, f"{what} must be a vector of {{int32,int64}}, got shape {list(a.shape)}")
    dims = tuple(int(d) for d in a.reshape(-1))
    for d in dims:
        if d < 0:
            raise InvalidArgumentError(None, None, f"Dimension {d} must be >= 0 in {what} "
                                       f"{list(dims)}")
    return dims


def infer_shape_input(ic, i=0):
    """Static output shape from the shape input ``i`` (its value if constant)."""
    v = ic.values[i]
    if v is not None:
        a = np.asarray(v)
        if a.ndim > 1:
            raise ValueError(f"Shape must be rank 1 but is rank {a.ndim}")
        dims = tuple(int(d) for d in a.reshape(-1))
        if any(d < -1 for d in dims):
            raise ValueError(f"Dimension {min(dims)} must be >= 0")
        return tuple(None if d == -1 else d for d in dims)
    s = ic.shapes[i]
    if s is not None and len(s) == 1 and s[0] is not None:
        return (None,) * s[0]
    return None


def infer_shape_plus(ic, i, j):
    """Shape input ``i`` followed by the shape of input ``j`` (gamma, poisson)."""
    head = infer_shape_input(ic, i)
    tail = ic.shapes[j]
    if head is None or tail is None:
        return None
    return head + tuple(tail)


def shape_tensor(shape):
    """Converts a ``shape`` argument (list, TensorShape, tensor) to an int tensor."""
    from tensorflux._src.core.tensor_shape import TensorShape
    from tensorflux._src.ops import array_ops
    from tensorflux._src.ops.op_util import tensor

    if isinstance(shape, Tensor) or getattr(shape, "_is_variable", False):
        t = tensor(shape)
        if t.dtype not in (_dt.int32, _dt.int64):
            raise TypeError(f"shape must be an int32 or int64 tensor, got {t.dtype.name}")
        return t
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Cannot sample with a partially known shape {shape}")
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape):
        return array_ops.stack([array_ops.cast_int32(d) for d in shape])
    a = np.asarray(shape)
    if a.dtype.kind not in "iu" and a.size:
        raise TypeError(f"shape must contain integers, got {shape!r}")
    a = a.astype(np.int64 if a.size and np.abs(a).max() > 2**31 - 1 else np.int32).reshape(-1)
    return tensor(a)


# ---- samplers --------------------------------------------------------------------------------

_MANT = {"float16": 11, "bfloat16": 8}


def uniform01(gen, size, dtype):
    """Uniform floats in [0, 1) of TensorFlow dtype ``dtype``."""
    npdt = dtype.np_dtype
    if dtype is _dt.float32 or dtype is _dt.float64:
        return gen.random(size, dtype=npdt)
    bits = _MANT[dtype.name]
    k = gen.integers(0, 2**bits, size=size, dtype=np.int64)
    return (k * (2.0 ** -bits)).astype(npdt)


def standard_normal(gen, size, dtype):
    npdt = dtype.np_dtype
    if dtype is _dt.float32 or dtype is _dt.float64:
        return gen.standard_normal(size, dtype=npdt)
    return gen.standard_normal(size, dtype=np.float32).astype(npdt)


def truncated_normal(gen, size, dtype):
    """Standard normal samples with anything beyond 2 standard deviations redrawn."""
    work = np.float64 if dtype is _dt.float64 else np.float32
    x = gen.standard_normal(size, dtype=work)
    bad = np.abs(x) > 2.0
    while bad.any():
        x[bad] = gen.standard_normal(int(bad.sum()), dtype=work)
        bad = np.abs(x) > 2.0
    return x.astype(dtype.np_dtype)


def uniform_int(gen, size, minval, maxval, npdt):
    lo, hi = np.asarray(minval), np.asarray(maxval)
    if lo.ndim or hi.ndim:
        which = "minval" if lo.ndim else "maxval"
        raise InvalidArgumentError(None, None, f"{which} must be 0-D, got shape "
                                   f"{list((lo if lo.ndim else hi).shape)}")
    if int(np.prod(size, dtype=np.int64)) == 0:
        return np.zeros(size, npdt)
    lo, hi = int(lo), int(hi)
    if not lo < hi:
        raise InvalidArgumentError(None, None, f"Need minval < maxval: {lo} >= {hi}")
    return gen.integers(lo, hi, size=size, dtype=npdt)


def full_int(gen, size, npdt):
    """Integers covering the full range of ``npdt``."""
    npdt = np.dtype(npdt)
    n = int(np.prod(size, dtype=np.int64))
    raw = gen.bit_generator.random_raw(n) if n else np.zeros(0, np.uint64)
    raw = np.asarray(raw, np.uint64)
    if npdt.itemsize == 4:
        raw = (raw & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return raw.view(npdt).reshape(size)


def multinomial(gen, logits, num_samples, npdt):
    """Samples class indices from unnormalized log-probabilities ``logits`` [batch, classes]."""
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise InvalidArgumentError(None, None, f"logits should be a matrix, got shape "
                                   f"{list(logits.shape)}")
    n = int(num_samples)
    if n < 0:
        raise InvalidArgumentError(None, None, f"num_samples should be nonnegative, got {n}")
    batch, classes = logits.shape
    if classes <= 0 and batch > 0:
        raise InvalidArgumentError(None, None, f"num_classes should be positive, got {classes}")
    out = np.zeros((batch, n), dtype=npdt)
    if batch == 0 or n == 0:
        return out
    x = logits.astype(np.float64)
    finite_max = np.where(np.isfinite(x), x, -np.inf).max(axis=1, keepdims=True)
    finite_max = np.where(np.isfinite(finite_max), finite_max, 0.0)
    p = np.exp(x - finite_max)
    p = np.where(np.isnan(p), 0.0, p)
    cdf = np.cumsum(p, axis=1)
    u = gen.random((batch, n)) * cdf[:, -1:]
    for b in range(batch):
        out[b] = np.minimum(np.searchsorted(cdf[b], u[b], side="right"), classes - 1)
    return out


def shuffle(gen, value):
    value = np.asarray(value)
    if value.ndim == 0 or value.shape[0] <= 1:
        return value.copy()
    return value[gen.permutation(value.shape[0])]


def gamma(gen, shape, alpha, dtype):
    """Gamma(alpha, 1) samples of shape ``shape + alpha.shape`` (NaN where alpha <= 0)."""
    alpha = np.asarray(alpha, np.float64)
    full = tuple(shape) + alpha.shape
    a = np.broadcast_to(alpha, full)
    ok = a > 0
    x = gen.standard_gamma(np.where(ok, a, 1.0))
    npdt = dtype.np_dtype
    tiny = float(np.finfo(np.float32 if dtype is _dt.bfloat16 else npdt).tiny)
    x = np.where(ok, np.maximum(x, tiny), np.nan)
    return x.astype(npdt)


def poisson(gen, shape, lam, npdt):
    lam = np.asarray(lam, np.float64)
    full = tuple(shape) + lam.shape
    a = np.broadcast_to(lam, full)
    ok = a >= 0
    x = gen.poisson(np.where(ok, a, 0.0)).astype(np.float64)
    if np.dtype(npdt).kind == "f" or str(npdt) == "bfloat16":
        x = np.where(ok, x, np.nan)
    return x.astype(npdt)


def binomial(gen, shape, counts, probs, npdt):
    shape = tuple(shape)
    c = np.asarray(counts, np.float64)
    p = np.asarray(probs, np.float64)
    try:
        c = np.broadcast_to(c, shape)
        p = np.broadcast_to(p, shape)
    except ValueError:
        raise InvalidArgumentError(
            None, None, f"counts {list(np.shape(counts))} and probs {list(np.shape(probs))} must "
            f"broadcast to shape {list(shape)}") from None
    ok = (c >= 0) & (p >= 0) & (p <= 1)
    x = gen.binomial(np.where(ok, c, 0).astype(np.int64), np.where(ok, p, 0.0))
    x = x.astype(np.float64)
    if np.dtype(npdt).kind == "f" or str(npdt) == "bfloat16":
        x = np.where(ok, x, np.nan)
    return x.astype(npdt)
