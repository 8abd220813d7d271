"""Per-image statistics and tone curves: standardization, gamma, total variation, PSNR.

Composite functions over math ops (no OpDefs), so gradients come for free.
"""

from __future__ import annotations

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.ops import math_binary, math_ops, math_reduce, math_unary
from tensorflux._src.ops.image_ops import convert_image_dtype
from tensorflux._src.ops.op_util import tensor


def per_image_standardization(image):
    """Scales each image to zero mean and unit variance: ``(x - mean) / adjusted_stddev`` with
    ``adjusted_stddev = max(stddev, 1/sqrt(num_pixels))`` (``tf.image.per_image_standardization``).

    Example:
        >>> import tensorflux as tf
        >>> out = tf.image.per_image_standardization(tf.ones([2, 2, 1]))
        >>> float(tf.reduce_max(tf.abs(out)))
        0.0
    """
    x = tensor(image)
    if not x.dtype.is_floating:
        x = math_ops.cast(x, _dt.float32)
    axes = [-1, -2, -3]
    n = math_ops.cast(math_reduce.reduce_prod(_tail_shape(x)), x.dtype)
    mean = math_reduce.reduce_mean(x, axis=axes, keepdims=True)
    std = math_reduce.reduce_std(x, axis=axes, keepdims=True)
    floor = math_unary.rsqrt(n)
    return math_binary.divide(math_ops.subtract(x, mean), math_binary.maximum(std, floor))


def _tail_shape(x):
    from tensorflux._src.ops import array_ops
    return array_ops.shape(x)[-3:]


def adjust_gamma(image, gamma=1, gain=1):
    """Gamma correction ``gain * image ** gamma`` (``tf.image.adjust_gamma``)."""
    x = tensor(image)
    orig = x.dtype
    if not orig.is_floating:
        x = convert_image_dtype(x, _dt.float32)
    out = math_ops.multiply(math_binary.pow(x, math_ops.cast(tensor(gamma), x.dtype)),
                            math_ops.cast(tensor(gain), x.dtype))
    return out if orig.is_floating else convert_image_dtype(out, orig, saturate=True)


def total_variation(images, name=None):
    """Sum of absolute differences of neighbouring pixels, per image
    (``tf.image.total_variation``)."""
    x = tensor(images)
    batched = x.shape.rank == 4
    dh = math_ops.subtract(x[..., 1:, :, :], x[..., :-1, :, :])
    dw = math_ops.subtract(x[..., :, 1:, :], x[..., :, :-1, :])
    axes = [1, 2, 3] if batched else None
    return math_ops.add(math_ops.reduce_sum(math_unary.abs(dh), axes),
                        math_ops.reduce_sum(math_unary.abs(dw), axes))


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio in dB per image (``tf.image.psnr``)."""
    a = tensor(a)
    b = tensor(b)
    if not a.dtype.is_floating:
        a = math_ops.cast(a, _dt.float32)
        b = math_ops.cast(b, _dt.float32)
    mv = math_ops.cast(tensor(max_val), a.dtype)
    d = math_ops.subtract(a, b)
    mse = math_reduce.reduce_mean(math_ops.multiply(d, d), axis=[-3, -2, -1])
    ten = math_ops.cast(tensor(10.0), a.dtype)
    log10 = math_unary.log(ten)
    num = math_ops.multiply(math_ops.multiply(ten, math_unary.log(mv)), 2.0)
    return math_binary.divide(math_ops.subtract(num, math_ops.multiply(ten, math_unary.log(mse))),
                              log10)
