"""Keras 3 image preprocessing and augmentation layers (NHWC or NCHW, batched or single).

Random layers draw from a ``tf.random.Generator`` (seeded by ``seed``, so the same seed gives
the same augmentations; the bit stream differs from Keras's) and act only when ``training``
(Keras 3's default for a direct call is ``training=True``; models pass False at inference).
Rotation/zoom/translation use :func:`affine_transform`, Keras's affine sampling (fill modes
reflect/wrap/nearest/constant, bilinear/nearest interpolation) built from gathers.
"""

from __future__ import annotations

import math

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.layers.preprocessing_base import PreprocessingLayer, validate_choice

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomCrop", "RandomRotation",
           "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
           "affine_transform"]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _fold(i, n, fill_mode):
    """Integer coordinates outside [0, n) mapped as the fill mode does; plus validity."""
    if fill_mode == "reflect":  # (d c b a | a b c d | d c b a)
        m = tf.math.floormod(i, 2 * n)
        return tf.where(m < n, m, 2 * n - 1 - m), None
    if fill_mode == "wrap":
        return tf.math.floormod(i, n), None
    if fill_mode == "nearest":
        return tf.clip_by_value(i, 0, n - 1), None
    valid = tf.logical_and(i >= 0, i < n)
    return tf.clip_by_value(i, 0, n - 1), valid


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0):
    """Keras's ``ops.image.affine_transform`` for NHWC ``images`` and [B, 8] ``transform``:
    output pixel (y, x) samples the input at (b0 x + b1 y + b2, a0 x + a1 y + a2)."""
    validate_choice(interpolation, _INTERPOLATIONS, "affine_transform", "interpolation")
    validate_choice(fill_mode, _FILL_MODES, "affine_transform", "fill_mode")
    dtype = images.dtype
    x = tf.cast(images, tf.float32)
    shape = tf.shape(x, out_type=tf.int64)
    b, h, w, c = shape[0], shape[1], shape[2], shape[3]
    t = tf.cast(transform, tf.float32)
    ys, xs = tf.meshgrid(tf.cast(tf.range(h), tf.float32), tf.cast(tf.range(w), tf.float32),
                         indexing="ij")
    def coef(k):
        return t[:, k][:, None, None]
    x_in = coef(0) * xs + coef(1) * ys + coef(2)
    y_in = coef(3) * xs + coef(4) * ys + coef(5)
    flat = tf.reshape(x, tf.stack([-1, c]))
    base = tf.range(b, dtype=tf.int64)[:, None, None] * h * w

    def sample(yi, xi):
        yy, vy = _fold(yi, h, fill_mode)
        xx, vx = _fold(xi, w, fill_mode)
        vals = tf.gather(flat, base + yy * w + xx)
        if fill_mode == "constant":
            valid = tf.logical_and(vy, vx)[..., None]
            vals = tf.where(valid, vals, tf.cast(fill_value, tf.float32))
        return vals

    if interpolation == "nearest":
        out = sample(tf.cast(tf.floor(y_in + 0.5), tf.int64),
                     tf.cast(tf.floor(x_in + 0.5), tf.int64))
    else:
        y0, x0 = tf.floor(y_in), tf.floor(x_in)
        wy, wx = (y_in - y0)[..., None], (x_in - x0)[..., None]
        y0, x0 = tf.cast(y0, tf.int64), tf.cast(x0, tf.int64)
        top = sample(y0, x0) * (1 - wx) + sample(y0, x0 + 1) * wx
        bottom = sample(y0 + 1, x0) * (1 - wx) + sample(y0 + 1, x0 + 1) * wx
        out = top * (1 - wy) + bottom * wy
    return tf.cast(out, dtype)


def _set_factor(factor, bounds=(-1, 1), what="factor"):
    msg = (f"The `{what}` argument should be a number (or a list of two numbers) in the range "
           f"[{bounds[0]}, {bounds[1]}]. Received: {what}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(msg)


class _ImageLayer(PreprocessingLayer):
    """Base: data_format handling, NHWC batching, the seeded generator, ``training``."""

    def __init__(self, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format) \
            if hasattr(backend, "standardize_data_format") else (data_format or
                                                                 "channels_last")
        self.seed = seed
        self.__dict__["_generator"] = None

    def _rng(self):
        if self._generator is None:
            with tf.init_scope():
                gen = tf.random.Generator.from_seed(self.seed) if self.seed is not None \
                    else tf.random.Generator.from_non_deterministic_state()
            self.__dict__["_generator"] = gen
        return self._generator

    def _uniform(self, shape, minval, maxval):
        return self._rng().uniform(shape, minval=minval, maxval=maxval, dtype=tf.float32)

    def _to_nhwc(self, x):
        """(NHWC batch, undo function)."""
        rank = x.shape.rank
        if rank not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received "
                             f"inputs.shape={tuple(x.shape.as_list())}")
        if rank == 3:
            x = x[None]
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, 2, 3, 1])

        def undo(y):
            if self.data_format == "channels_first":
                y = tf.transpose(y, [0, 3, 1, 2])
            return y[0] if rank == 3 else y
        return x, undo

    def _hw_axes(self, ndim):
        return (ndim - 2, ndim - 1) if self.data_format == "channels_first" else \
            (ndim - 3, ndim - 2)

    def call(self, inputs, training=True):
        x = tf.cast(tf.convert_to_tensor(inputs), self.compute_dtype)
        if not training:
            return x
        nhwc, undo = self._to_nhwc(x)
        return undo(self._augment(nhwc))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config


def _crop_to_aspect(x, height, width):
    """Center crop of NHWC ``x`` to the aspect ratio height:width (Keras's resize rule)."""
    shape = x.shape.as_list()
    h, w = shape[1], shape[2]
    if h is None or w is None:
        dyn = tf.shape(x)
        h, w = dyn[1], dyn[2]
        ch = tf.maximum(tf.minimum(h, tf.cast(tf.cast(w * height, tf.float32) / width,
                                              tf.int32)), 1)
        cw = tf.maximum(tf.minimum(w, tf.cast(tf.cast(h * width, tf.float32) / height,
                                              tf.int32)), 1)
        hs, ws = (h - ch) // 2, (w - cw) // 2
        return x[:, hs:hs + ch, ws:ws + cw, :]
    ch = max(min(h, int(float(w * height) / width)), 1)
    cw = max(min(w, int(float(h * width) / height)), 1)
    hs, ws = int(float(h - ch) / 2), int(float(w - cw) / 2)
    return x[:, hs:hs + ch, ws:ws + cw, :]


def _pad_to_aspect(x, height, width, fill_value):
    shape = x.shape.as_list()
    h, w = shape[1], shape[2]
    ph = max(h, int(float(w * height) / width))
    pw = max(w, int(float(h * width) / height))
    top, left = (ph - h) // 2, (pw - w) // 2
    return tf.pad(x, [[0, 0], [top, ph - h - top], [left, pw - w - left], [0, 0]],
                  constant_values=fill_value)


class Resizing(_ImageLayer):
    """Resizes images to ``(height, width)`` (optionally cropping/padding to aspect ratio)."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        validate_choice(interpolation, ("bilinear", "nearest"), "Resizing", "interpolation")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can "
                             "be `True`.")
        if antialias:
            raise ValueError("`antialias=True` is not supported by tensorflux's Resizing yet; "
                             "use antialias=False.")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = antialias

    def call(self, inputs):
        x, undo = self._to_nhwc(tf.cast(tf.convert_to_tensor(inputs), self.compute_dtype))
        if self.crop_to_aspect_ratio:
            x = _crop_to_aspect(x, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            x = _pad_to_aspect(x, self.height, self.width, self.fill_value)
        y = tf.image.resize(x, [self.height, self.width], method=self.interpolation)
        return undo(tf.cast(y, self.compute_dtype))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        hax, wax = self._hw_axes(len(shape))
        shape[hax], shape[wax] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "antialias": self.antialias})
        return config


class CenterCrop(_ImageLayer):
    """Crops the central ``height x width`` region (resizes when the image is smaller)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def call(self, inputs):
        x, undo = self._to_nhwc(tf.cast(tf.convert_to_tensor(inputs), self.compute_dtype))
        h, w = x.shape.as_list()[1:3]
        if h is not None and w is not None and h >= self.height and w >= self.width:
            hs, ws = (h - self.height) // 2, (w - self.width) // 2
            return undo(x[:, hs:hs + self.height, ws:ws + self.width, :])
        x = _crop_to_aspect(x, self.height, self.width)
        return undo(tf.cast(tf.image.resize(x, [self.height, self.width]), self.compute_dtype))

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class RandomFlip(_ImageLayer):
    """Flips each image horizontally and/or vertically with probability 1/2."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        validate_choice(mode, ("horizontal", "vertical", "horizontal_and_vertical"),
                        "RandomFlip", "mode")
        self.mode = mode

    def _augment(self, x):
        n = tf.shape(x)[0]
        shape = tf.stack([n, 1, 1, 1])
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = tf.where(self._uniform(shape, 0.0, 1.0) <= 0.5, tf.reverse(x, [2]), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = tf.where(self._uniform(shape, 0.0, 1.0) <= 0.5, tf.reverse(x, [1]), x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config


class RandomCrop(_ImageLayer):
    """Random ``height x width`` crop when training (one offset per batch, as Keras 3)."""

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        if seed is None:
            seed = int(np.random.randint(0, 1_000_000_000))
        super().__init__(data_format=data_format, seed=seed, name=name, **kwargs)
        self.height, self.width = height, width

    def _augment(self, x):
        h, w = x.shape.as_list()[1:3]
        if h is None or w is None:
            raise ValueError(f"RandomCrop requires the input to have a fully defined height "
                             f"and width. Received: images.shape={tuple(x.shape.as_list())}")
        if h > self.height and w > self.width:
            hs = tf.cast(self._uniform([], 0.0, float(h - self.height + 1)), tf.int32)
            ws = tf.cast(self._uniform([], 0.0, float(w - self.width + 1)), tf.int32)
            return x[:, hs:hs + self.height, ws:ws + self.width, :]
        x = _crop_to_aspect(x, self.height, self.width)
        return tf.cast(tf.image.resize(x, [self.height, self.width]), self.compute_dtype)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config


class _AffineLayer(_ImageLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        validate_choice(fill_mode, _FILL_MODES, type(self).__name__, "fill_mode")
        validate_choice(interpolation, _INTERPOLATIONS, type(self).__name__, "interpolation")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _augment(self, x):
        shape = tf.shape(x)
        n = shape[0]
        h, w = tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
        return affine_transform(x, self._matrix(n, h, w), self.interpolation, self.fill_mode,
                                self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config


def _rows(*cols):
    return tf.stack([tf.reshape(c, [-1]) for c in cols], axis=1)


class RandomRotation(_AffineLayer):
    """Rotates by a random angle in ``factor * 2pi`` about the image center."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _set_factor(factor)

    def _matrix(self, n, h, w):
        angle = self._uniform(tf.reshape(n, [1]), self.factor[0] * 360.0,
                              self.factor[1] * 360.0) * (math.pi / 180.0)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        cos, sin = tf.cos(angle), tf.sin(angle)
        zero = tf.zeros_like(angle)
        return _rows(cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos,
                     zero, zero)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


def _zoom_factor(factor, what):
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"`{what}` should be a float or a tuple of 2 floats. Received: "
                             f"{what}={factor}")
        lower, upper = sorted(factor)
        vals = (lower, upper)
    else:
        vals = (-abs(factor), abs(factor))
    for v in vals:
        if v > 1.0 or v <= -1.0:
            raise ValueError(f"The `{what}` argument should be a number (or a list of two "
                             f"numbers) in the range (-1.0, 1.0]. Received: {what}={factor}")
    return vals


class RandomZoom(_AffineLayer):
    """Zooms by random factors ``1 + [lower, upper]`` (positive = zoom out)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _zoom_factor(height_factor, "height_factor")
        if width_factor is not None:
            self.width_lower, self.width_upper = _zoom_factor(width_factor, "width_factor")

    def _matrix(self, n, h, w):
        shape = tf.reshape(n, [1])
        hz = self._uniform(shape, 1.0 + self.height_lower, 1.0 + self.height_upper)
        wz = hz if self.width_factor is None else \
            self._uniform(shape, 1.0 + self.width_lower, 1.0 + self.width_upper)
        zero = tf.zeros_like(hz)
        return _rows(wz, zero, (w - 1.0) / 2.0 * (1.0 - wz), zero, hz,
                     (h - 1.0) / 2.0 * (1.0 - hz), zero, zero)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomTranslation(_AffineLayer):
    """Shifts by random fractions ``height_factor`` / ``width_factor`` of the image size."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _zoom_factor(height_factor, "height_factor")
        self.width_lower, self.width_upper = _zoom_factor(width_factor, "width_factor")

    def _matrix(self, n, h, w):
        shape = tf.reshape(n, [1])
        dy = self._uniform(shape, self.height_lower, self.height_upper) * h
        dx = self._uniform(shape, self.width_lower, self.width_upper) * w
        one, zero = tf.ones_like(dx), tf.zeros_like(dx)
        return _rows(one, zero, -dx, zero, one, -dy, zero, zero)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomContrast(_ImageLayer):
    """Scales the distance to the per-image mean by a random factor in
    ``[1 - factor[0], 1 + factor[1]]``, clipped to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _set_factor(factor, (0, 1))
        self.value_range = value_range

    def _augment(self, x):
        f = self._uniform(tf.stack([tf.shape(x)[0], 1, 1, 1]), 1.0 - self.factor[0],
                          1.0 + self.factor[1])
        mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        out = (x - mean) * tf.cast(f, x.dtype) + mean
        return tf.clip_by_value(out, tf.cast(self.value_range[0], x.dtype),
                                tf.cast(self.value_range[1], x.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config


class RandomBrightness(_ImageLayer):
    """Adds a random delta ``factor * (value_range span)`` per image, clipped to the range."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _set_factor(factor)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(f"The `value_range` argument should be a list of two numbers. "
                             f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def _augment(self, x):
        delta = self._uniform(tf.stack([tf.shape(x)[0], 1, 1, 1]), self.factor[0],
                              self.factor[1]) * (self.value_range[1] - self.value_range[0])
        return tf.clip_by_value(x + tf.cast(delta, x.dtype),
                                tf.cast(self.value_range[0], x.dtype),
                                tf.cast(self.value_range[1], x.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
