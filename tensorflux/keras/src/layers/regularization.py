"""Keras regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout and ActivityRegularization (noise only in training calls)."""

from __future__ import annotations

import math

import tensorflux as tf
from tensorflux.keras.src import backend, regularizers
from tensorflux.keras.src.engine.layer import InputSpec, Layer

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
           "GaussianDropout", "AlphaDropout", "ActivityRegularization"]


def _check_rate(rate, what="rate"):
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `{what}`. Expected a float "
                         f"value between 0 and 1. Received: {what}={rate}")


def _dropout(x, rate, noise_shape, seed):
    if rate >= 1:
        return tf.zeros_like(x)
    return tf.nn.dropout(x, rate, noise_shape=noise_shape, seed=seed)


class _Noise(Layer):
    """A layer that is the identity except in training calls."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=False):
        if training and self._active():
            return self._noisy(inputs)
        return inputs


class _SpatialDropout(_Noise):
    """Drops whole feature maps: one draw per (example, channel)."""

    def __init__(self, rate, seed=None, name=None, dtype=None, rank=1, data_format=None):
        super().__init__(name=name, dtype=dtype)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.rank = rank
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _active(self):
        return self.rate > 0

    def _noisy(self, inputs):
        s = tf.shape(inputs)
        ones = [1] * self.rank
        if self.data_format == "channels_last":
            noise = tf.stack([s[0]] + ones + [s[-1]])
        else:
            noise = tf.stack([s[0], s[1]] + ones)
        return _dropout(inputs, self.rate, noise, self.seed)

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    """Drops entire channels of a ``(batch, steps, channels)`` input."""

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, rank=1,
                         data_format="channels_last")


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2-D feature maps."""

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, rank=2,
                         data_format=data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3-D feature maps."""

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, rank=3,
                         data_format=data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class GaussianNoise(_Noise):
    """Adds zero-centered Gaussian noise of standard deviation ``stddev``."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(stddev, "stddev")
        self.stddev = stddev
        self.seed = seed

    def _active(self):
        return self.stddev > 0

    def _noisy(self, inputs):
        return inputs + tf.random.normal(tf.shape(inputs), 0.0, self.stddev,
                                         dtype=inputs.dtype, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and variance ``rate / (1 - rate)``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed

    def _active(self):
        return self.rate > 0

    def _noisy(self, inputs):
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * tf.random.normal(tf.shape(inputs), 1.0, stddev, dtype=inputs.dtype,
                                         seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_Noise):
    """Dropout that keeps the mean and variance of SELU activations."""

    _ALPHA = 1.6732632423543772
    _SCALE = 1.0507009873554805

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape

    def _active(self):
        return self.rate > 0

    def _noisy(self, inputs):
        shape = tf.shape(inputs)
        if self.noise_shape is not None:
            shape = tf.stack([shape[i] if v is None else v
                              for i, v in enumerate(self.noise_shape)])
        alpha_p = -self._ALPHA * self._SCALE
        kept = tf.cast(tf.random.uniform(shape, dtype=inputs.dtype, seed=self.seed)
                       >= self.rate, inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1 - kept)
        return a * x + b

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum|x| + l2 * sum x^2`` (per example) to the losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
