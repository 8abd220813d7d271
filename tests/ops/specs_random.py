"""Spec rows for tf.random: stateful ops (no value reference), stateless ops and Generator."""

import math

import numpy as np

import tensorflux as tf
from tensorflux._src.ops.random_gamma_grad import random_gamma_grad
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)
LOGITS = r.standard_normal((2, 3)).astype(np.float32)
SEED = np.array([3, 4], np.int32)
F = np.float32


def _rand(name, fn, inputs=(), **kw):
    """A row for a random (stateful) op: no value check, graph values differ."""
    kw.setdefault("grad", False)
    return OpSpec(name, fn, None, list(inputs), graph_value=False, **kw)


def _philox(seed):
    """Reference generator for a [2] seed: NumPy Philox keyed (seed0), counter (0, 0, seed1, 0)
    (the documented mapping of StatelessRandomGetKeyCounter)."""
    s0, s1 = (int(v) & (2**64 - 1) for v in seed)
    bg = np.random.Philox(key=np.array([s0, 0], np.uint64),
                          counter=np.array([0, 0, s1, 0], np.uint64))
    return np.random.Generator(bg)


def _ref_uniform(seed, lo, hi):
    u = _philox(seed).random((2, 3), dtype=np.float32)
    return (u * (hi - lo) + lo).astype(np.float32)


def _ref_normal(seed, mean, std):
    return (_philox(seed).standard_normal((3, 2), dtype=np.float32) * std + mean).astype(F)


def _ref_gamma_grad(a, x):
    """-(dP/da) / pdf with P by trapezoid quadrature and a central difference in a."""
    out = np.zeros(np.broadcast(a, x).shape)
    for i, (ai, xi) in enumerate(zip(np.broadcast_to(a, out.shape).ravel(),
                                     np.broadcast_to(x, out.shape).ravel())):
        ai, xi = float(ai), float(xi)
        t = np.linspace(0.0, xi, 200001)

        def p(aa, t=t):
            f = t ** (aa - 1.0) * np.exp(-t)
            return float(np.sum((f[1:] + f[:-1]) * 0.5 * np.diff(t))) / math.gamma(aa)

        h = 1e-4
        dp = (p(ai + h) - p(ai - h)) / (2 * h)
        pdf = xi ** (ai - 1.0) * math.exp(-xi) / math.gamma(ai)
        out.ravel()[i] = -dp / pdf
    return out.astype(np.asarray(a).dtype)


_gen = tf.random.Generator.from_seed(11)

SPECS = [
    # ---- stateful ops ----------------------------------------------------------------------
    _rand("random_uniform", lambda: tf.random.uniform([2, 3])),
    _rand("random_uniform_range", lambda lo, hi: tf.random.uniform([2, 3], lo, hi, seed=1),
          [F(-2.0), F(3.0)]),
    _rand("random_uniform_f64", lambda: tf.random.uniform([4], dtype=tf.float64, seed=2)),
    _rand("random_uniform_f16", lambda: tf.random.uniform([4], dtype=tf.float16)),
    _rand("random_uniform_int", lambda: tf.random.uniform([5], maxval=10, dtype=tf.int32)),
    _rand("random_uniform_int64", lambda lo, hi: tf.random.uniform([3, 1], lo, hi,
                                                                  dtype=tf.int64),
          [np.int64(-5), np.int64(5)]),
    _rand("random_normal", lambda m, s: tf.random.normal([3, 2], m, s), [F(1.0), F(2.0)]),
    _rand("random_truncated_normal", lambda m: tf.random.truncated_normal([4], m, seed=4),
          [F(0.5)]),
    _rand("random_categorical", lambda lg: tf.random.categorical(lg, 4), [LOGITS]),
    _rand("random_categorical_int32_f64",
          lambda lg: tf.random.categorical(lg, 2, dtype=tf.int32), [LOGITS.astype(np.float64)]),
    _rand("random_shuffle", lambda x: tf.random.shuffle(x),
          [np.arange(10, dtype=np.int32).reshape(5, 2)]),
    _rand("random_gamma", lambda a: tf.random.gamma([4], a), [np.array([0.5, 2.0], F)]),
    _rand("random_gamma_beta", lambda a, b: tf.random.gamma([3], a, b, dtype=tf.float64),
          [np.array([1.5], np.float64), np.array([[1.0], [2.0]], np.float64)]),
    _rand("random_poisson", lambda lam: tf.random.poisson([3], lam), [np.array([1.0, 9.0], F)]),
    _rand("random_poisson_int", lambda lam: tf.random.poisson([2], lam, dtype=tf.int64),
          [np.array([[1.0, 9.0]], F)]),
    OpSpec("random_gamma_grad", random_gamma_grad, _ref_gamma_grad,
           [np.array([2.0, 3.0, 2.0]), np.array([0.5, 2.0, 4.0])], grad=False, atol=1e-5,
           rtol=1e-4),
    # ---- stateless ops ---------------------------------------------------------------------
    OpSpec("stateless_uniform", lambda s, lo, hi: tf.random.stateless_uniform([2, 3], s, lo, hi,
                                                                     dtype=lo.dtype),
           _ref_uniform, [SEED, F(-1.0), F(2.0)], rtol=1e-6),
    OpSpec("stateless_normal", lambda s, m, sd: tf.random.stateless_normal([3, 2], s, m, sd, m.dtype),
           _ref_normal, [SEED, F(0.5), F(2.0)]),
    OpSpec("stateless_normal_f64_int64seed",
           lambda s: tf.random.stateless_normal([2], s, dtype=tf.float64),
           None, [np.array([-1, 2**40], np.int64)]),
    OpSpec("stateless_truncated_normal",
           lambda s, m: tf.random.stateless_truncated_normal([5], s, m, dtype=m.dtype), None, [SEED, F(1.0)]),
    OpSpec("stateless_uniform_int",
           lambda s, lo, hi: tf.random.stateless_uniform([4], s, lo, hi, dtype=tf.int32), None,
           [SEED, np.int32(-3), np.int32(3)]),
    OpSpec("stateless_uniform_full_int",
           lambda s: tf.random.stateless_uniform([3], s, dtype=tf.uint64, minval=None), None,
           [SEED]),
    OpSpec("stateless_categorical", lambda lg, s: tf.random.stateless_categorical(lg, 5, s),
           None, [LOGITS, SEED]),
    OpSpec("stateless_gamma", lambda s, a: tf.random.stateless_gamma([3], s, a), None,
           [SEED, np.array([0.5, 3.0], F)], grad=False),
    OpSpec("stateless_gamma_beta",
           lambda s, a, b: tf.random.stateless_gamma([2], s, tf.cast(a, b.dtype), b, b.dtype),
           None,
           [SEED, np.array([2.0], F), np.array([[1.0], [3.0]], F)], grad=[2]),
    OpSpec("stateless_poisson", lambda s, lam: tf.random.stateless_poisson([3], s, lam), None,
           [SEED, np.array([2.0, 7.0], F)], grad=False),
    OpSpec("stateless_binomial",
           lambda s, c, p: tf.random.stateless_binomial([2, 3], s, c, p), None,
           [SEED, F(10.0), np.array([0.1, 0.5, 0.9], F)], grad=False),
    OpSpec("random_split", lambda s: tf.random.split(s, 3), None, [SEED]),
    OpSpec("random_fold_in", lambda s: tf.random.fold_in(s, 5), None, [SEED]),
    OpSpec("stateless_shuffle", lambda x, s: tf.random.experimental.stateless_shuffle(x, s),
           lambda x, s: x[_philox(s).permutation(x.shape[0])],
           [np.arange(12, dtype=np.int32).reshape(6, 2), SEED]),
    OpSpec("index_shuffle",
           lambda i, s, m: tf.random.experimental.index_shuffle(i, s, m), None,
           [np.arange(8, dtype=np.int64), np.array([1, 2, 3], np.int32), np.int64(9)]),
    # ---- Generator (its state variable advances: values differ between calls) -------------
    _rand("generator_normal", lambda m: _gen.normal([2, 2], mean=m), [F(1.0)]),
    _rand("generator_uniform_int", lambda: _gen.uniform([3], 0, 7, dtype=tf.int64)),
    _rand("generator_truncated_normal", lambda: _gen.truncated_normal([3])),
    _rand("generator_full_int", lambda: _gen.uniform_full_int([2], dtype=tf.int32)),
]
