"""Keras 3.15 color augmentation layers: AutoContrast, Equalization, Solarization,
RandomGrayscale, RandomInvert, RandomPosterization, RandomHue, RandomSaturation,
RandomSharpness, RandomColorDegeneration, MixUp.

Each follows Keras's arithmetic (value-range mapping, clipping, per-image factors). Random
draws come from the layer's seeded ``tf.random.Generator`` (same seed -> same output; the bit
stream differs from Keras's SeedGenerator). Like Keras, AutoContrast always applies; the others
act only in training calls (``training=True`` is the default of a direct call).
"""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src.layers.preprocessing_image import _ImageLayer
from tensorflux.keras.src.ops import image as kimage

__all__ = ["AutoContrast", "Equalization", "Solarization", "RandomGrayscale", "RandomInvert",
           "RandomPosterization", "RandomHue", "RandomSaturation", "RandomSharpness",
           "RandomColorDegeneration", "MixUp"]


def _value_range(value_range):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError("The `value_range` argument should be a list of two numbers. "
                         f"Received: value_range={value_range}")
    return sorted(value_range)


def _factor(factor, bounds, use_abs=True):
    """Keras's BaseImagePreprocessingLayer._set_factor: ``(lower, upper)``."""
    msg = (f"The `factor` argument should be a number (or a list of two numbers) in the range "
           f"[{bounds[0]}, {bounds[1]}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(msg)


def _rescale(x, source, target):
    """Keras's ``_transform_value_range``."""
    if source[0] == target[0] and source[1] == target[1]:
        return x
    x = (x - float(source[0])) / (float(source[1]) - float(source[0]))
    return x * (float(target[1]) - float(target[0])) + float(target[0])


class _ColorLayer(_ImageLayer):
    """Images are brought to NHWC; ``_augment(x)`` sees a float batch."""

    _always = False    # applies in inference calls too (AutoContrast, Equalization)
    _config_seed = True

    def _batch_uniform(self, x, lo, hi, rank=4):
        shape = [tf.shape(x)[0]] + [1] * (rank - 1)
        return self._uniform(tf.stack(shape), lo, hi)

    def call(self, inputs, training=True):
        x = tf.cast(tf.convert_to_tensor(inputs), self.compute_dtype)
        if not (training or self._always):
            return x
        nhwc, undo = self._to_nhwc(x)
        return undo(tf.cast(self._augment(nhwc), self.compute_dtype))

    def get_config(self):
        config = super().get_config()
        for key in ("factor", "value_range"):
            if key in self.__dict__:
                config[key] = getattr(self, key)
        if self._config_seed:
            config["seed"] = self.seed
        return config


class AutoContrast(_ColorLayer):
    """Stretches each image's per-channel values to the full ``value_range``."""

    _always = True
    _config_seed = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _value_range(value_range)

    def _augment(self, x):
        img = _rescale(x, self.value_range, (0, 255))
        low = tf.reduce_min(img, axis=[1, 2], keepdims=True)
        high = tf.reduce_max(img, axis=[1, 2], keepdims=True)
        scale = 255.0 / (high - low)
        out = tf.clip_by_value(img * scale - low * scale, 0.0, 255.0)
        out = _rescale(out, (0, 255), self.value_range)
        return tf.where(tf.math.is_nan(out), x, out)


class Equalization(_ColorLayer):
    """Histogram equalization per channel (the histogram spans the whole batch, as Keras)."""

    _config_seed = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = _value_range(value_range)

    def _channel(self, c):
        c = _rescale(c, self.value_range, (0, 255))
        n = self.bins
        idx = tf.clip_by_value(tf.cast(c * (n - 1) / 255.0, tf.int32), 0, n - 1)
        hist = tf.math.bincount(tf.reshape(idx, [-1]), minlength=n, maxlength=n)
        cdf = tf.cast(tf.cumsum(hist), tf.float32)
        cdf_min = tf.reduce_min(tf.where(cdf > 0, cdf, tf.fill(tf.shape(cdf), 3.0e38)))
        denom = cdf[-1] - cdf_min
        denom = tf.where(tf.equal(denom, 0.0), tf.ones_like(denom), denom)
        table = tf.clip_by_value(tf.round((cdf - cdf_min) * 255.0 / denom), 0.0, 255.0)
        lut = tf.cast(tf.clip_by_value(c / 255.0 * (n - 1), 0.0, float(n - 1)), tf.int32)
        eq = tf.gather(table, lut)
        nonzero = tf.math.count_nonzero(hist)
        eq = tf.where(nonzero <= 1, c, eq)
        return _rescale(eq, (0, 255), self.value_range)

    def _augment(self, x):
        return tf.stack([self._channel(c) for c in tf.unstack(x, axis=-1)], axis=-1)

    def get_config(self):
        config = super().get_config()
        config["bins"] = self.bins
        return config


class Solarization(_ColorLayer):
    """Adds a random amount, then inverts pixels above a random threshold (in 0..255)."""

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._check(addition_factor, "addition_factor")
        self.threshold_factor = self._check(threshold_factor, "threshold_factor")
        self.value_range = _value_range(value_range)

    @staticmethod
    def _check(factor, name):
        msg = (f"The `addition_factor` and `threshold_factor` arguments should be a number (or a "
               f"list of two numbers) in the range [0, 1]. Received: {name}={factor}")
        vals = list(factor) if isinstance(factor, (tuple, list)) else [0, factor]
        if len(vals) != 2 or any(not isinstance(v, (int, float)) or v < 0 or v > 1
                                 for v in vals):
            raise ValueError(msg)
        return tuple(sorted(vals))

    def _augment(self, x):
        # Keras draws U(lower, upper * 255) for both.
        add = self._batch_uniform(x, self.addition_factor[0], self.addition_factor[1] * 255)
        thr = self._batch_uniform(x, self.threshold_factor[0], self.threshold_factor[1] * 255)
        img = tf.clip_by_value(_rescale(x, self.value_range, (0, 255)) + add, 0.0, 255.0)
        img = tf.where(img < thr, img, 255.0 - img)
        return _rescale(img, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor})
        return config


class RandomGrayscale(_ColorLayer):
    """Converts each image to grayscale (kept with 3 channels) with probability ``factor``."""

    _config_seed = False

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def _augment(self, x):
        apply = self._batch_uniform(x, 0.0, 1.0) < self.factor
        gray = kimage.rgb_to_grayscale(x, data_format="channels_last")
        return tf.where(apply, gray * tf.ones_like(x), x)


class RandomInvert(_ColorLayer):
    """``value_range[1] - x`` for each image with a random probability drawn from ``factor``."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor(factor, (0, 1))
        self.value_range = value_range

    def _augment(self, x):
        prob = self._batch_uniform(x, self.factor[0], self.factor[1])
        apply = self._batch_uniform(x, 0.0, 1.0) < prob
        return tf.where(apply, float(self.value_range[1]) - x, x)


class RandomPosterization(_ColorLayer):
    """Keeps the top ``bits`` bits (``bits`` drawn from ``factor`` in 1..8) of 8-bit values."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor(factor, (1, 8))
        self.value_range = _value_range(value_range)

    def _augment(self, x):
        lo, hi = self.factor
        if lo != hi:   # Keras's randint: [lo, hi)
            bits = tf.floor(self._batch_uniform(x, float(lo), float(hi)))
        else:
            bits = tf.fill(tf.stack([tf.shape(x)[0], 1, 1, 1]), float(lo))
        step = tf.pow(2.0, 8.0 - bits)
        img = tf.floor(_rescale(x, self.value_range, (0, 255)))   # the cast to uint8
        img = tf.floor(img / step) * step
        return _rescale(img, (0, 255), self.value_range)


class RandomHue(_ColorLayer):
    """Rotates the hue by ``±factor / 2`` of a turn (random sign and amount per image)."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor(factor, (0, 1))
        self.value_range = value_range

    def _augment(self, x):
        sign = tf.where(self._batch_uniform(x, 0.0, 1.0, 3) > 0.5, -1.0, 1.0)
        shift = sign * self._batch_uniform(x, self.factor[0], self.factor[1], 3) * 0.5
        hsv = kimage.rgb_to_hsv(_rescale(x, self.value_range, (0, 1)))
        h = hsv[..., 0] + shift
        h = tf.where(h > 1.0, h - 1.0, h)
        h = tf.where(h < 0.0, h + 1.0, h)
        rgb = kimage.hsv_to_rgb(tf.stack([h, hsv[..., 1], hsv[..., 2]], axis=-1))
        return _rescale(tf.clip_by_value(rgb, 0.0, 1.0), (0, 1), self.value_range)


class RandomSaturation(_ColorLayer):
    """Scales the HSV saturation by ``f / (1 - f)`` with ``f`` drawn from ``factor``."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor(factor, (-1, 1))
        self.value_range = _value_range(value_range)

    def _augment(self, x):
        f = self._batch_uniform(x, self.factor[0], self.factor[1], 3)
        f = f / (1.0 - f + 1e-7)
        hsv = kimage.rgb_to_hsv(x)
        s = tf.clip_by_value(hsv[..., 1] * f, float(self.value_range[0]),
                             float(self.value_range[1]))
        return kimage.hsv_to_rgb(tf.stack([hsv[..., 0], s, hsv[..., 2]], axis=-1))


class RandomSharpness(_ColorLayer):
    """Blends each image with its 3x3 smoothed version by ``1 - 2 f`` (``f`` from factor)."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor(factor, (0, 1))
        self.value_range = _value_range(value_range)

    def _augment(self, x):
        f = self._batch_uniform(x, self.factor[0], self.factor[1]) * 2.0
        a, b = 1.0 / 13.0, 5.0 / 13.0
        k = tf.constant([[a, a, a], [a, b, a], [a, a, a]], tf.float32)
        k = tf.tile(tf.reshape(k, [3, 3, 1, 1]), tf.stack([1, 1, tf.shape(x)[-1], 1]))
        smooth = tf.nn.depthwise_conv2d(x, tf.cast(k, x.dtype), [1, 1, 1, 1], "SAME")
        out = x + (1.0 - f) * (smooth - x)
        return tf.clip_by_value(out, float(self.value_range[0]), float(self.value_range[1]))


class RandomColorDegeneration(_ColorLayer):
    """Blends each image toward its grayscale version by a factor drawn from ``factor``."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor(factor, (-1, 1))
        self.value_range = _value_range(value_range)

    def _augment(self, x):
        f = self._batch_uniform(x, self.factor[0], self.factor[1])
        gray = kimage.rgb_to_grayscale(x, data_format="channels_last")
        out = x + f * (gray - x)
        return tf.clip_by_value(out, float(self.value_range[0]), float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                             f"(batch of images). Received: input_shape={input_shape}")
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError("Input images must have 3 channels, but received images with "
                             f"{channels} channels.")
        return tuple(input_shape)


class MixUp(_ColorLayer):
    """Mixes each image with another of the batch: ``w x + (1 - w) x[perm]``,
    ``w ~ Beta(alpha, alpha)``. (Labels/boxes in dict inputs are not supported yet.)"""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.alpha = alpha

    def _augment(self, x):
        n = tf.shape(x)[0]
        perm = tf.argsort(self._uniform(tf.reshape(n, [1]), 0.0, 1.0))
        # Beta(a, a) = G1 / (G1 + G2): two gamma draws seeded from the layer's generator.
        seeds = self._rng().make_seeds(2)
        g1, g2 = (tf.random.stateless_gamma(tf.reshape(n, [1]), seeds[:, i], self.alpha)
                  for i in range(2))
        w = tf.reshape(g1 / (g1 + g2), [-1, 1, 1, 1])
        return w * x + (1.0 - w) * tf.gather(x, perm)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
