"""Stateful random ops: ``tf.random.uniform``, ``normal``, ``categorical``, ``shuffle``, ...

Each op takes TensorFlow's ``seed``/``seed2`` attrs (from :func:`random_seed.get_seed`)
plus a hidden ``_rng`` attr: the per-instance generator state (TF's kernel state), so
repeated eager calls with one seed continue a stream and each traced node keeps its
own stream across calls. Bit streams differ from TensorFlow's; distributions and the
seeding/determinism rules match.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops import random_kernels as rk
from tensorflux._src.ops.op_util import tensor
from tensorflux._src.ops.random_gamma_grad import gamma_sample_grad
from tensorflux._src.ops.random_seed import draw, op_attrs

_SEEDS = {"seed": 0, "seed2": 0, "_rng": None}
_HALF_UP = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)


def _uniform_kernel(shape, seed=0, seed2=0, dtype=_dt.float32, _rng=None):
    size = rk.kernel_shape(shape)
    return draw(_rng, seed, seed2, lambda g: rk.uniform01(g, size, dtype))


def _uniform_int_kernel(shape, minval, maxval, seed=0, seed2=0, _rng=None):
    size = rk.kernel_shape(shape)
    npdt = np.asarray(minval).dtype
    return draw(_rng, seed, seed2, lambda g: rk.uniform_int(g, size, minval, maxval, npdt))


def _normal_kernel(shape, seed=0, seed2=0, dtype=_dt.float32, _rng=None):
    size = rk.kernel_shape(shape)
    return draw(_rng, seed, seed2, lambda g: rk.standard_normal(g, size, dtype))


def _truncated_kernel(shape, seed=0, seed2=0, dtype=_dt.float32, _rng=None):
    size = rk.kernel_shape(shape)
    return draw(_rng, seed, seed2, lambda g: rk.truncated_normal(g, size, dtype))


def _infer_uniform_int(ic):
    for i, nm in ((1, "minval"), (2, "maxval")):
        s = ic.shapes[i]
        if s is not None and len(s) != 0:
            raise ValueError(f"Shape must be rank 0 but is rank {len(s)} for '{nm}'")
    return rk.infer_shape_input(ic)


RANDOM_UNIFORM = defop(
    "RandomUniform", _uniform_kernel, inputs=("shape: T",), outputs=("output: dtype",),
    types={"T": u.INDEX, "dtype": _HALF_UP}, attrs=dict(_SEEDS), infer=rk.infer_shape_input,
    grad=NOT_DIFFERENTIABLE, stateful=True)
RANDOM_UNIFORM_INT = defop(
    "RandomUniformInt", _uniform_int_kernel, inputs=("shape: T", "minval: Tout", "maxval: Tout"),
    outputs=("output: Tout",), types={"T": u.INDEX, "Tout": u.INDEX}, attrs=dict(_SEEDS),
    infer=_infer_uniform_int, grad=NOT_DIFFERENTIABLE, stateful=True)
RANDOM_STANDARD_NORMAL = defop(
    "RandomStandardNormal", _normal_kernel, inputs=("shape: T",), outputs=("output: dtype",),
    types={"T": u.INDEX, "dtype": _HALF_UP}, attrs=dict(_SEEDS), infer=rk.infer_shape_input,
    grad=NOT_DIFFERENTIABLE, stateful=True)
TRUNCATED_NORMAL = defop(
    "TruncatedNormal", _truncated_kernel, inputs=("shape: T",), outputs=("output: dtype",),
    types={"T": u.INDEX, "dtype": _HALF_UP}, attrs=dict(_SEEDS), infer=rk.infer_shape_input,
    grad=NOT_DIFFERENTIABLE, stateful=True)


def _float_dtype(dtype, what):
    dtype = _dt.as_dtype(dtype)
    if dtype not in _HALF_UP:
        raise ValueError(f"Invalid dtype {dtype!r} for {what}: expected one of "
                         f"{', '.join(d.name for d in _HALF_UP)}")
    return dtype


def uniform(shape, minval=0, maxval=None, dtype=_dt.float32, seed=None, name=None):
    """Draws samples from a uniform distribution on ``[minval, maxval)`` (``tf.random.uniform``).

    For floats the default range is ``[0, 1)``; integer dtypes require ``maxval``.

    Args:
        shape: 1-D integer tensor or Python list: the output shape.
        minval: lower bound (inclusive), a scalar of ``dtype``.
        maxval: upper bound (exclusive); defaults to 1 for floats.
        dtype: float16, bfloat16, float32, float64, int32 or int64.
        seed: the op seed (see ``tf.random.set_seed``).
        name: optional op name.

    Example:
        >>> import tensorflux as tf
        >>> x = tf.random.uniform([2, 3], minval=-1.0, maxval=1.0, seed=1)
        >>> x.shape, bool(tf.reduce_all(x < 1.0))
        (TensorShape([2, 3]), True)
    """
    dtype = _dt.as_dtype(dtype)
    accepted = _HALF_UP + (_dt.int32, _dt.int64)
    if dtype not in accepted:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
                         f"{', '.join('tf.' + d.name for d in accepted)}.")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    shape = rk.shape_tensor(shape)
    minval_is_zero = type(minval) is int and minval == 0
    maxval_is_one = type(maxval) is int and maxval == 1
    if not minval_is_zero or not maxval_is_one or dtype.is_integer:
        minval = tensor(minval, dtype=dtype)
        maxval = tensor(maxval, dtype=dtype)
    if dtype.is_integer:
        return execute(RANDOM_UNIFORM_INT, (shape, minval, maxval),
                       op_attrs("RandomUniformInt", seed), name)
    rnd = execute(RANDOM_UNIFORM, (shape,), op_attrs("RandomUniform", seed, {"dtype": dtype}),
                  None if not (minval_is_zero and maxval_is_one) else name)
    if minval_is_zero:
        if not maxval_is_one:
            rnd = math_ops.multiply(rnd, maxval, name=name)
        return rnd
    return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(maxval, minval)), minval,
                        name=name)


def random_uniform(shape, dtype=_dt.float32, seed=None):
    """Internal helper (e.g. for dropout): uniform ``[0, 1)`` floats of ``dtype``."""
    return execute(RANDOM_UNIFORM, (rk.shape_tensor(shape),),
                   op_attrs("RandomUniform", seed, {"dtype": _float_dtype(dtype, "uniform")}))


def normal(shape, mean=0.0, stddev=1.0, dtype=_dt.float32, seed=None, name=None):
    """Draws samples from a normal distribution (``tf.random.normal``).

    Args:
        shape: the output shape (1-D integer tensor or list).
        mean: the mean, a tensor broadcastable to the output.
        stddev: the standard deviation.
        dtype: a floating dtype.
        seed: the op seed (see ``tf.random.set_seed``).
        name: optional op name.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.normal([2, 2], mean=3.0, seed=1).shape
        TensorShape([2, 2])
    """
    dtype = _float_dtype(dtype, "normal")
    shape = rk.shape_tensor(shape)
    mean = tensor(mean, dtype=dtype)
    stddev = tensor(stddev, dtype=dtype)
    rnd = execute(RANDOM_STANDARD_NORMAL, (shape,),
                  op_attrs("RandomStandardNormal", seed, {"dtype": dtype}))
    return math_ops.add(math_ops.multiply(rnd, stddev), mean, name=name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dt.float32, seed=None, name=None):
    """Normal samples, redrawn when more than 2 stddevs from the mean
    (``tf.random.truncated_normal``).

    Example:
        >>> import tensorflux as tf
        >>> x = tf.random.truncated_normal([100], seed=3)
        >>> bool(tf.reduce_all(tf.abs(x) <= 2.0))
        True
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    shape = rk.shape_tensor(shape)
    mean = tensor(mean, dtype=dtype)
    stddev = tensor(stddev, dtype=dtype)
    rnd = execute(TRUNCATED_NORMAL, (shape,), op_attrs("TruncatedNormal", seed, {"dtype": dtype}))
    return math_ops.add(math_ops.multiply(rnd, stddev), mean, name=name)


# ---- categorical -----------------------------------------------------------------------------


def _multinomial_kernel(logits, num_samples, seed=0, seed2=0, output_dtype=_dt.int64,
                        _rng=None):
    npdt = output_dtype.np_dtype
    return draw(_rng, seed, seed2, lambda g: rk.multinomial(g, logits, num_samples, npdt))


def infer_multinomial(ic):
    s = ic.shapes[0]
    if s is not None and len(s) != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {len(s)} for 'logits'")
    ns = ic.shapes[1]
    if ns is not None and len(ns) != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {len(ns)} for 'num_samples'")
    v = ic.values[1]
    n = int(v) if v is not None else None
    return (None if s is None else s[0], n)


MULTINOMIAL = defop(
    "Multinomial", _multinomial_kernel, inputs=("logits: T", "num_samples: int32"),
    outputs=("output: output_dtype",), types={"T": u.REAL, "output_dtype": u.INDEX},
    attrs=dict(_SEEDS), infer=infer_multinomial, grad=NOT_DIFFERENTIABLE, stateful=True)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws samples from a categorical distribution (``tf.random.categorical``).

    Args:
        logits: ``[batch_size, num_classes]`` unnormalized log-probabilities.
        num_samples: the number of samples per row.
        dtype: the integer output dtype (default int64).
        seed: the op seed.
        name: optional op name.

    Returns:
        ``[batch_size, num_samples]`` class indices.

    Example:
        >>> import tensorflux as tf
        >>> s = tf.random.categorical(tf.math.log([[0.5, 0.5]]), 5, seed=1)
        >>> s.shape, s.dtype
        (TensorShape([1, 5]), tf.int64)
    """
    logits = tensor(logits)
    dtype = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    return execute(MULTINOMIAL, (logits, tensor(num_samples, dtype=_dt.int32)),
                   op_attrs("Multinomial", seed, {"output_dtype": dtype}), name)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """Deprecated alias of :func:`categorical` (``tf.compat.v1.random.multinomial``)."""
    return categorical(logits, num_samples, dtype=output_dtype, seed=seed, name=name)


# ---- shuffle ---------------------------------------------------------------------------------


def _shuffle_kernel(value, seed=0, seed2=0, _rng=None):
    return draw(_rng, seed, seed2, lambda g: rk.shuffle(g, value))


RANDOM_SHUFFLE = defop(
    "RandomShuffle", _shuffle_kernel, inputs=("value: T",), outputs=("output: T",),
    types={"T": ()}, attrs=dict(_SEEDS), infer=u.infer_same, grad=NOT_DIFFERENTIABLE,
    stateful=True)


def shuffle(value, seed=None, name=None):
    """Randomly shuffles a tensor along its first dimension (``tf.random.shuffle``).

    Example:
        >>> import tensorflux as tf
        >>> x = tf.random.shuffle(tf.range(5), seed=2)
        >>> sorted(x.numpy().tolist())
        [0, 1, 2, 3, 4]
    """
    return execute(RANDOM_SHUFFLE, (tensor(value),), op_attrs("RandomShuffle", seed), name)


# ---- gamma / poisson -------------------------------------------------------------------------


def _gamma_kernel(shape, alpha, seed=0, seed2=0, _rng=None):
    size = rk.kernel_shape(shape)
    dtype = _dt.from_numpy(np.asarray(alpha).dtype)
    return draw(_rng, seed, seed2, lambda g: rk.gamma(g, size, alpha, dtype))


def _gamma_grad(op, g):
    return [None, gamma_sample_grad(op.inputs[0], op.inputs[1], op.outputs[0], g)]


RANDOM_GAMMA = defop(
    "RandomGamma", _gamma_kernel, inputs=("shape: S", "alpha: T"), outputs=("output: T",),
    types={"S": u.INDEX, "T": (_dt.float16, _dt.float32, _dt.float64)}, attrs=dict(_SEEDS),
    infer=lambda ic: rk.infer_shape_plus(ic, 0, 1), grad=_gamma_grad, stateful=True)


def gamma(shape, alpha, beta=None, dtype=_dt.float32, seed=None, name=None):
    """Draws samples from Gamma(alpha, beta) distributions (``tf.random.gamma``).

    The output has shape ``shape + broadcast(alpha, beta).shape``; ``beta`` is the
    inverse scale (rate). Gradients flow to ``alpha`` (implicit reparameterization) and
    ``beta``.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.gamma([10], alpha=[0.5, 1.5], seed=1).shape
        TensorShape([10, 2])
    """
    dtype = _dt.as_dtype(dtype)
    if dtype not in (_dt.float16, _dt.float32, _dt.float64):
        raise ValueError(f"Invalid dtype {dtype!r} for gamma: expected float16, float32 or "
                         "float64")
    shape = rk.shape_tensor(shape)
    alpha = tensor(alpha, dtype=dtype)
    if beta is not None:
        beta = tensor(beta, dtype=dtype)
        from tensorflux._src.ops import array_ops
        alpha = math_ops.add(alpha, array_ops.zeros_like(beta))
    sample = execute(RANDOM_GAMMA, (shape, alpha), op_attrs("RandomGamma", seed),
                     name if beta is None else None)
    if beta is None:
        return sample
    return math_ops.divide_no_check(sample, beta, name=name)


def _poisson_kernel(shape, rate, seed=0, seed2=0, dtype=_dt.int64, _rng=None):
    size = rk.kernel_shape(shape)
    return draw(_rng, seed, seed2, lambda g: rk.poisson(g, size, rate, dtype.np_dtype))


_POISSON_TYPES = (_dt.float16, _dt.float32, _dt.float64, _dt.int32, _dt.int64)
RANDOM_POISSON_V2 = defop(
    "RandomPoissonV2", _poisson_kernel, inputs=("shape: S", "rate: R"), outputs=("output: dtype",),
    types={"S": u.INDEX, "R": _POISSON_TYPES, "dtype": _POISSON_TYPES}, attrs=dict(_SEEDS),
    infer=lambda ic: rk.infer_shape_plus(ic, 0, 1), grad=NOT_DIFFERENTIABLE, stateful=True)


def poisson(shape, lam, dtype=_dt.float32, seed=None, name=None):
    """Draws samples from Poisson distributions with rates ``lam`` (``tf.random.poisson``).

    The output has shape ``shape + lam.shape``.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.poisson([4], lam=[1.0, 5.0], seed=1).shape
        TensorShape([4, 2])
    """
    dtype = _dt.as_dtype(dtype)
    if dtype not in _POISSON_TYPES:
        raise ValueError(f"Invalid dtype {dtype!r} for poisson")
    shape = rk.shape_tensor(shape)
    lam = tensor(lam)
    return execute(RANDOM_POISSON_V2, (shape, lam),
                   op_attrs("RandomPoissonV2", seed, {"dtype": dtype}), name)
