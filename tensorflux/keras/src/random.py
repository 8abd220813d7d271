"""``keras.random``: seeded random ops and ``SeedGenerator`` on tensorflux's stateless RNG.

Seeds follow Keras 3: an int gives the same values on every call, a ``SeedGenerator`` gives a
new seed on each call (its ``state`` variable advances, also inside ``tf.function``), ``None``
draws from a global ``SeedGenerator``. Streams are not bit-equal to Keras's.
"""

from __future__ import annotations

import random as _pyrandom

import numpy as np

import tensorflux as tf
from tensorflux._src.framework.variables import init_scope
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast, convert_to_tensor


class SeedGenerator:
    """A stateful seed source: ``next()`` returns a ``[2]`` int64 seed and advances."""

    _keras_module = "keras.random"

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            kwargs.pop("backend", None)
            kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if seed is None:
            seed = _pyrandom.randint(1, int(1e9))
        if not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self._initial_seed = int(seed)
        self.name = name or backend.unique_object_name("seed_generator")
        with init_scope(), tf.name_scope(self.name):
            self.state = tf.Variable(np.array([int(seed), 0], np.int64), trainable=False,
                                     name="seed_generator_state")

    def next(self, ordered=True):
        value = tf.identity(self.state)
        self.state.assign_add(tf.constant([0, 1], tf.int64))
        return value

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_GLOBAL = None


def global_seed_generator():
    global _GLOBAL
    if _GLOBAL is None:
        _GLOBAL = SeedGenerator()
    return _GLOBAL


def make_default_seed():
    return _pyrandom.randint(1, int(1e9))


def draw_seed(seed):
    """A ``[2]`` int64 seed tensor from an int, a ``SeedGenerator`` or ``None``."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (bool, float)):
        raise ValueError(f"Argument `seed` must be an int, a SeedGenerator or None. Received: "
                         f"seed={seed}")
    if isinstance(seed, (int, np.integer)):
        return tf.constant([int(seed), 0], tf.int64)
    if seed is None:
        return global_seed_generator().next()
    if tf.is_tensor(seed):
        return cast(seed, "int64")
    raise ValueError("Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")


def _float_dtype(dtype):
    dtype = kdt.standardize_dtype(dtype)
    if not kdt.is_float(dtype):
        raise ValueError(f"dtype must be a floating point type. Received: dtype={dtype}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype)
    return tf.random.stateless_normal(shape, draw_seed(seed), mean=mean, stddev=stddev,
                                      dtype=dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype)
    return tf.random.stateless_uniform(shape, draw_seed(seed), minval=minval, maxval=maxval,
                                       dtype=dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype)
    return tf.random.stateless_truncated_normal(shape, draw_seed(seed), mean=mean,
                                                stddev=stddev, dtype=dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    dtype = kdt.standardize_dtype(dtype)
    if not kdt.is_int(dtype):
        raise ValueError(f"dtype must be an integer type. Received: dtype={dtype}")
    compute = "int64" if dtype in ("int64", "uint32", "uint64") else "int32"
    out = tf.random.stateless_uniform(shape, draw_seed(seed), minval=minval, maxval=maxval,
                                      dtype=compute)
    return cast(out, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    logits = convert_to_tensor(logits)
    if len(logits.shape) != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits={tuple(logits.shape)}")
    out = tf.random.stateless_categorical(logits, num_samples, draw_seed(seed), dtype="int64")
    return cast(out, dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero entries with probability ``rate``, scale the rest by ``1 / (1 - rate)``."""
    x = convert_to_tensor(inputs)
    if not 0 <= float(rate) < 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                         f"value between 0 and 1. Received: rate={rate}")
    shape = tf.shape(x) if noise_shape is None else [
        x.shape[i] if d is None else d for i, d in enumerate(noise_shape)]
    keep = tf.random.stateless_uniform(shape, draw_seed(seed), dtype=x.dtype) >= rate
    scale = tf.cast(1.0 / (1.0 - float(rate)), x.dtype)
    return tf.where(keep, x * scale, tf.zeros_like(x))


def shuffle(x, axis=0, seed=None):
    x = convert_to_tensor(x)
    n = tf.shape(x)[axis]
    keys = tf.random.stateless_uniform(tf.reshape(n, [1]), draw_seed(seed))
    return tf.gather(x, tf.argsort(keys), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    dtype = _float_dtype(dtype)
    return tf.random.stateless_gamma(shape, draw_seed(seed), alpha=alpha, dtype=dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    dtype = _float_dtype(dtype)
    counts = tf.cast(convert_to_tensor(counts), "float32")
    probabilities = tf.cast(convert_to_tensor(probabilities), "float32")
    out = tf.random.stateless_binomial(shape, draw_seed(seed), counts=counts,
                                       probs=probabilities, output_dtype="float32")
    return cast(out, dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    dtype = _float_dtype(dtype)
    seed = draw_seed(seed)
    seed2 = seed + tf.constant([0, 1 << 30], tf.int64)
    ga = tf.random.stateless_gamma(shape, seed, alpha=alpha, dtype=dtype)
    gb = tf.random.stateless_gamma(shape, seed2, alpha=beta, dtype=dtype)
    return ga / (ga + gb)
