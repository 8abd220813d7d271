"""``keras.ops.image``: resize, color conversions, padding/cropping, patches."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast, convert_to_tensor

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _to_last(images, data_format):
    if data_format == "channels_first":
        return tf.transpose(images, (0, 2, 3, 1) if len(images.shape) == 4 else (1, 2, 0))
    return images


def _from_last(images, data_format):
    if data_format == "channels_first":
        return tf.transpose(images, (0, 3, 1, 2) if len(images.shape) == 4 else (2, 0, 1))
    return images


def _check_rank(images, name="images"):
    if len(images.shape) not in (3, 4):
        raise ValueError(f"Invalid {name} rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received: {name}.shape={tuple(images.shape)}")


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to ``size = (height, width)`` (``tf.image.resize`` semantics: float32
    output except for ``nearest``)."""
    data_format = backend.standardize_data_format(data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if len(size) != 2:
        raise ValueError("Argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size}")
    size = tuple(int(s) for s in size)
    images = convert_to_tensor(images)
    _check_rank(images)
    images = _to_last(images, data_format)
    th, tw = size
    h, w = images.shape[-3], images.shape[-2]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(np.float32(w * th) / np.float32(tw))), 1)
        cw = max(min(w, int(np.float32(h * tw) / np.float32(th))), 1)
        hs, ws = int(np.float32(h - ch) / 2), int(np.float32(w - cw) / 2)
        images = images[..., hs:hs + ch, ws:ws + cw, :]
    elif pad_to_aspect_ratio:
        ph = max(h, int(np.float32(w * th) / np.float32(tw)))
        pw = max(w, int(np.float32(h * tw) / np.float32(th)))
        hs, ws = int(np.float32(ph - h) / 2), int(np.float32(pw - w) / 2)
        pads = [[0, 0]] * (len(images.shape) - 3) + [[hs, hs], [ws, ws], [0, 0]]
        images = tf.pad(images, pads, constant_values=tf.cast(fill_value, images.dtype))
    out = tf.image.resize(images, size, method=interpolation, antialias=antialias)
    return _from_last(out, data_format)


def rgb_to_grayscale(images, data_format=None):
    data_format = backend.standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    axis = -3 if data_format == "channels_first" else -1
    if images.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={tuple(images.shape)}")
    if images.shape[axis] == 1:
        return tf.identity(images)
    ori = images.dtype.name
    x = cast(images, kdt.result_type(ori, float))
    weights = tf.constant([0.2989, 0.5870, 0.1140], dtype=x.dtype)
    gray = tf.expand_dims(tf.tensordot(x, weights, axes=[[len(x.shape) + axis], [0]]), axis)
    return cast(gray, ori)


def _float_images(images):
    images = convert_to_tensor(images)
    _check_rank(images)
    if not kdt.is_float(images.dtype.name):
        raise ValueError("Invalid images dtype: expected float dtype. "
                         f"Received: images.dtype={images.dtype.name}")
    return images


def rgb_to_hsv(images, data_format=None):
    data_format = backend.standardize_data_format(data_format)
    x = _to_last(_float_images(images), data_format)
    r, g, b = tf.unstack(x, axis=-1)
    v = tf.reduce_max(x, axis=-1)
    mn = tf.reduce_min(x, axis=-1)
    delta = v - mn
    safe_v = tf.where(v > 0, v, tf.ones_like(v))
    s = tf.where(v > 0, delta / safe_v, tf.zeros_like(v))
    safe_d = tf.where(delta > 0, delta, tf.ones_like(delta))
    h = tf.where(tf.equal(v, r), (g - b) / safe_d,
                 tf.where(tf.equal(v, g), 2.0 + (b - r) / safe_d, 4.0 + (r - g) / safe_d))
    h = tf.where(delta > 0, h / 6.0, tf.zeros_like(h))
    h = h - tf.floor(h)
    return _from_last(tf.stack([h, s, v], axis=-1), data_format)


def hsv_to_rgb(images, data_format=None):
    data_format = backend.standardize_data_format(data_format)
    x = _to_last(_float_images(images), data_format)
    h, s, v = tf.unstack(x, axis=-1)
    dh = h * 6.0

    def channel(shift):
        k = tf.math.floormod(dh + shift, 6.0)
        return v - v * s * tf.clip_by_value(tf.minimum(k, 4.0 - k), 0.0, 1.0)

    return _from_last(tf.stack([channel(5.0), channel(3.0), channel(1.0)], axis=-1),
                      data_format)


def _box(images, data_format, top, left, bottom, right, th, tw, pad):
    h, w = images.shape[-3], images.shape[-2]
    verb = "padding" if pad else "cropping"
    if th is None:
        if top is None or bottom is None:
            raise ValueError(f"Must specify either `target_height` or both `top_{verb}` and "
                             f"`bottom_{verb}`.")
        th = h + top + bottom if pad else h - top - bottom
    if tw is None:
        if left is None or right is None:
            raise ValueError(f"Must specify either `target_width` or both `left_{verb}` and "
                             f"`right_{verb}`.")
        tw = w + left + right if pad else w - left - right
    top = (th - h - bottom if pad else h - th - bottom) if top is None else top
    left = (tw - w - right if pad else w - tw - right) if left is None else left
    if min(top, left, th, tw) < 0:
        raise ValueError(f"Invalid {verb}: the image does not fit the requested box "
                         f"(top={top}, left={left}, target={th}x{tw}, image={h}x{w}).")
    return top, left, th, tw


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    data_format = backend.standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    x = _to_last(images, data_format)
    top, left, th, tw = _box(x, data_format, top_padding, left_padding, bottom_padding,
                             right_padding, target_height, target_width, True)
    h, w = x.shape[-3], x.shape[-2]
    pads = [[0, 0]] * (len(x.shape) - 3) + [[top, th - h - top], [left, tw - w - left], [0, 0]]
    return _from_last(tf.pad(x, pads), data_format)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    data_format = backend.standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    x = _to_last(images, data_format)
    top, left, th, tw = _box(x, data_format, top_cropping, left_cropping, bottom_cropping,
                             right_cropping, target_height, target_width, False)
    return _from_last(x[..., top:top + th, left:left + tw, :], data_format)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of ``size`` flattened into the channel axis (Keras's order: row, col, chan)."""
    data_format = backend.standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    unbatched = len(images.shape) == 3
    x = _to_last(images, data_format)
    if unbatched:
        x = tf.expand_dims(x, 0)
    kh, kw = (size, size) if isinstance(size, int) else size
    strides = (kh, kw) if strides is None else ((strides, strides) if isinstance(strides, int)
                                               else strides)
    c = x.shape[-1]
    # an identity kernel turns each patch into channels (as Keras's conv-based version)
    eye = np.eye(kh * kw * c, dtype=np.float32).reshape(kh, kw, c, kh * kw * c)
    kernel = tf.constant(eye.astype(x.dtype.as_numpy_dtype if kdt.is_float(x.dtype.name)
                                    else np.float32))
    xf = x if kdt.is_float(x.dtype.name) else cast(x, "float32")
    d = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) else dilation_rate
    out = tf.nn.convolution(xf, kernel, strides=list(strides), padding=padding.upper(),
                            dilations=list(d))
    out = cast(out, x.dtype.name)
    if unbatched:
        out = tf.squeeze(out, 0)
    return _from_last(out, data_format)
