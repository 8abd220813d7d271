"""Keras spatial reshaping layers: ZeroPadding1D/2D/3D, Cropping1D/2D/3D and
UpSampling1D/2D/3D (``tf.pad``, strided slices, ``tf.repeat`` and ``tf.image.resize``)."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src.engine.layer import InputSpec, Layer
from tensorflux.keras.src.layers import conv_utils as cu

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
           "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D"]


def _pairs(value, rank, what):
    """Keras's padding/cropping argument as ``rank`` (before, after) pairs."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"`{what}` cannot be negative. Received: {what}={value}.")
        return ((value, value),) * rank
    if hasattr(value, "__len__"):
        if len(value) != rank:
            raise ValueError(f"`{what}` should have {rank} elements. Received: "
                             f"{what}={value}.")
        ordinal = ("1st", "2nd", "3rd")
        return tuple(cu.standardize_tuple(v, 2, f"{ordinal[i]} entry of {what}",
                                          allow_zero=True) for i, v in enumerate(value))
    raise ValueError(f"`{what}` should be either an int, a tuple of {rank} ints or a tuple "
                     f"of {rank} tuples of 2 ints. Received: {what}={value}.")


def _keep_static(y, shape):
    """``y`` with the static dims of ``shape`` (they can be lost with unknown input dims)."""
    if tuple(y.shape) == tuple(shape):
        return y
    return tf.ensure_shape(y, shape)


def _spatial_start(data_format):
    return 1 if data_format == "channels_last" else 2


class _Spatial(Layer):
    """A layer acting on ``rank`` spatial axes of a channels_last/first input."""

    def __init__(self, rank, data_format, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = cu.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _map_spatial(self, input_shape, fn):
        shape = list(input_shape)
        start = _spatial_start(self.data_format)
        for i in range(self.rank):
            if shape[start + i] is not None:
                shape[start + i] = fn(i, shape[start + i])
        return tuple(shape)


class _ZeroPadding(_Spatial):
    def call(self, inputs):
        pads = [[0, 0]] * (self.rank + 2)
        start = _spatial_start(self.data_format)
        for i, p in enumerate(self._pairs()):
            pads[start + i] = list(p)
        return tf.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        pairs = self._pairs()
        return self._map_spatial(input_shape, lambda i, n: n + pairs[i][0] + pairs[i][1])


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros: ``padding`` is an int or ``(before, after)``."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(1, data_format, **kwargs)
        self.padding = cu.standardize_tuple(padding, 2, "padding", allow_zero=True)

    def _pairs(self):
        return (self.padding,)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, data_format, **kwargs)
        self.padding = _pairs(padding, 2, "padding")

    def _pairs(self):
        return self.padding

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros."""

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)
        self.padding = _pairs(padding, 3, "padding")

    def _pairs(self):
        return self.padding

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class _Cropping(_Spatial):
    def _check(self, shape):
        start = _spatial_start(self.data_format)
        for i, (a, b) in enumerate(self._pairs()):
            n = shape[start + i]
            if n is not None and a + b >= n:
                raise ValueError("Values in `cropping` argument should be smaller than the "
                                 "corresponding spatial dimension of the input. Received: "
                                 f"input_shape={tuple(shape)}, cropping={self.cropping}")

    def call(self, inputs):
        self._check(list(inputs.shape))
        idx = [slice(None)] * (self.rank + 2)
        start = _spatial_start(self.data_format)
        for i, (a, b) in enumerate(self._pairs()):
            idx[start + i] = slice(a, -b if b else None)
        return inputs[tuple(idx)]

    def compute_output_shape(self, input_shape):
        self._check(list(input_shape))
        pairs = self._pairs()
        return self._map_spatial(input_shape, lambda i, n: n - pairs[i][0] - pairs[i][1])


class Cropping1D(_Cropping):
    """Crops the steps axis: ``cropping`` is an int or ``(start, end)``."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, None, **kwargs)
        self.data_format = "channels_last"
        self.cropping = cu.standardize_tuple(cropping, 2, "cropping", allow_zero=True)

    def _pairs(self):
        return (self.cropping,)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(_Cropping):
    """Crops rows and columns."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, data_format, **kwargs)
        self.cropping = _pairs(cropping, 2, "cropping")

    def _pairs(self):
        return self.cropping

    def get_config(self):
        config = super().get_config()
        return {**config, "cropping": self.cropping, "data_format": self.data_format}


class Cropping3D(_Cropping):
    """Crops the three spatial axes."""

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)
        self.cropping = _pairs(cropping, 3, "cropping")

    def _pairs(self):
        return self.cropping

    def get_config(self):
        config = super().get_config()
        return {**config, "cropping": self.cropping, "data_format": self.data_format}


class _UpSampling(_Spatial):
    def _sizes(self):
        return self.size

    def call(self, inputs):
        start = _spatial_start(self.data_format)
        x = inputs
        for i, s in enumerate(self._sizes()):
            if s != 1:
                x = tf.repeat(x, s, axis=start + i)
        return _keep_static(x, self.compute_output_shape(tuple(inputs.shape)))

    def compute_output_shape(self, input_shape):
        sizes = self._sizes()
        return self._map_spatial(input_shape, lambda i, n: n * sizes[i])


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(1, None, **kwargs)
        self.data_format = "channels_last"
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError("Argument `size` should be a positive integer. Received: "
                             f"size={size}")
        self.size = size

    def _sizes(self):
        return (self.size,)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(_UpSampling):
    """Repeats rows and columns (``"nearest"``) or resizes (``"bilinear"``, ...)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, data_format, **kwargs)
        self.size = cu.standardize_tuple(size, 2, "size")
        self.interpolation = interpolation.lower()
        allowed = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")
        if self.interpolation not in allowed:
            raise ValueError(f"`interpolation` must be one of {allowed}. Received: "
                             f"interpolation={interpolation!r}")

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        x = inputs
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, 2, 3, 1])
        shape = tf.shape(x)
        h, w = x.shape[1], x.shape[2]
        new = [h * self.size[0], w * self.size[1]] if h is not None and w is not None else \
            tf.stack([shape[1] * self.size[0], shape[2] * self.size[1]])
        x = tf.cast(tf.image.resize(x, new, method=self.interpolation), inputs.dtype)
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, 3, 1, 2])
        return _keep_static(x, self.compute_output_shape(tuple(inputs.shape)))

    def get_config(self):
        config = super().get_config()
        return {**config, "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeats the three spatial axes."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)
        self.size = cu.standardize_tuple(size, 3, "size")

    def get_config(self):
        config = super().get_config()
        return {**config, "size": self.size, "data_format": self.data_format}
