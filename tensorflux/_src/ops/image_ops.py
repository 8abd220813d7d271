"""tf.image basics (NHWC or HWC): flips, crops, padding, color conversions, adjustments.

Geometric ops are composites of array ops (so they differentiate through them);
``AdjustContrastv2`` is TensorFlow's primitive.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor


def _a():
    from tensorflux._src.ops import array_ops
    return array_ops


def _m():
    from tensorflux._src.ops import math_ops
    return math_ops


def _rank(x):
    r = x.shape.rank
    if r not in (3, 4):
        raise ValueError(f"'image' (shape {x.shape}) must have either 3 or 4 dimensions.")
    return r


def _static_hw(x):
    s = x.shape.as_list()
    r = len(s)
    h, w = s[r - 3], s[r - 2]
    if h is None or w is None:
        raise ValueError("this image op needs static height and width")
    return h, w


def _reverse(x, axis):
    """Reverse along ``axis`` with a gather (differentiable)."""
    n = x.shape.as_list()[axis]
    if n is None:
        raise ValueError("flip needs a static size along the flipped axis")
    return _a().gather(x, tensor(np.arange(n - 1, -1, -1, dtype=np.int32)), axis=axis)


def flip_left_right(image):
    """Flips images horizontally (``tf.image.flip_left_right``).

    Example:
        >>> tf.image.flip_left_right([[[1], [2]]]).numpy().ravel().tolist()
        [2, 1]
    """
    x = tensor(image)
    return _reverse(x, _rank(x) - 2)


def flip_up_down(image):
    """Flips images vertically (``tf.image.flip_up_down``)."""
    x = tensor(image)
    return _reverse(x, _rank(x) - 3)


def _random_flip(image, seed, axis_fn):
    x = tensor(image)
    r = _rank(x)
    rng = np.random.default_rng(seed)
    if r == 3:
        return axis_fn(x) if rng.uniform() < 0.5 else x
    n = x.shape.as_list()[0]
    flipped = axis_fn(x)
    mask = rng.uniform(size=n) < 0.5
    cond = tensor(mask.reshape(n, 1, 1, 1) & np.ones((1,) + tuple(x.shape.as_list()[1:]),
                                                       bool))
    return _a().where_v2(cond, flipped, x)


def random_flip_left_right(image, seed=None):
    """Randomly flips each image horizontally with probability 1/2 (NumPy generator seeded
    by ``seed``; not TensorFlow's random stream)."""
    return _random_flip(image, seed, flip_left_right)


def random_flip_up_down(image, seed=None):
    """Randomly flips each image vertically with probability 1/2 (see random_flip_left_right)."""
    return _random_flip(image, seed, flip_up_down)


def transpose(image, name=None):
    """Swaps height and width (``tf.image.transpose``)."""
    x = tensor(image)
    perm = [1, 0, 2] if _rank(x) == 3 else [0, 2, 1, 3]
    return _a().transpose_(x, perm)


def rot90(image, k=1, name=None):
    """Rotates images counter-clockwise by ``k`` quarter turns (``tf.image.rot90``)."""
    x = tensor(image)
    k = int(k) % 4
    if k == 0:
        return x
    if k == 1:
        return flip_up_down(transpose(x))
    if k == 2:
        return flip_up_down(flip_left_right(x))
    return transpose(flip_up_down(x))


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Crops the box at (offset_height, offset_width) of size target_height x target_width
    (``tf.image.crop_to_bounding_box``)."""
    x = tensor(image)
    r = _rank(x)
    h, w = _static_hw(x)
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height,
                                       target_width))
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0.")
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    if oh + th > h:
        raise ValueError("height must be >= target + offset.")
    if ow + tw > w:
        raise ValueError("width must be >= target + offset.")
    a = _a()
    x = a.gather(x, tensor(np.arange(oh, oh + th, dtype=np.int32)), axis=r - 3)
    return a.gather(x, tensor(np.arange(ow, ow + tw, dtype=np.int32)), axis=r - 2)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Zero-pads an image so that it sits at the offset in a target-size canvas
    (``tf.image.pad_to_bounding_box``)."""
    x = tensor(image)
    r = _rank(x)
    h, w = _static_hw(x)
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height,
                                       target_width))
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0")
    if th < h + oh:
        raise ValueError("target_height must be >= offset_height + height")
    if tw < w + ow:
        raise ValueError("target_width must be >= offset_width + width")
    s = x.shape.as_list()
    a = _a()
    # Scatter the pixels into the canvas: move H, W first, scatter, move back.
    perm = [r - 3, r - 2] + [i for i in range(r) if i not in (r - 3, r - 2)]
    xt = a.transpose_(x, perm)
    rest = [s[i] for i in perm[2:]]
    if any(d is None for d in rest):
        rest_shape = a.gather(a.shape(xt), list(range(2, r)))
        shape = a.concat([tensor(np.asarray([th, tw], np.int32)), rest_shape], 0)
    else:
        shape = tensor(np.asarray([th, tw] + rest, np.int32))
    coords = np.stack(np.meshgrid(np.arange(h) + oh, np.arange(w) + ow, indexing="ij"), -1)
    canvas = a.scatter_nd_(tensor(coords.astype(np.int32)), xt, shape)
    inv = list(np.argsort(perm))
    return a.transpose_(canvas, inv)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centrally crops and/or zero-pads to the target size
    (``tf.image.resize_with_crop_or_pad``)."""
    x = tensor(image)
    h, w = _static_hw(x)
    th, tw = int(target_height), int(target_width)
    if th <= 0 or tw <= 0:
        raise ValueError("target_height and target_width must be > 0")
    off_ch = max((h - th) // 2, 0)
    off_cw = max((w - tw) // 2, 0)
    off_ph = max((th - h) // 2, 0)
    off_pw = max((tw - w) // 2, 0)
    ch, cw = min(th, h), min(tw, w)
    x = crop_to_bounding_box(x, off_ch, off_cw, ch, cw)
    if (ch, cw) != (th, tw):
        x = pad_to_bounding_box(x, off_ph, off_pw, th, tw)
    return x


def central_crop(image, central_fraction):
    """Keeps the central ``central_fraction`` of each image (``tf.image.central_crop``)."""
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    x = tensor(image)
    if central_fraction == 1.0:
        return x
    h, w = _static_hw(x)
    sh = int((h - h * central_fraction) / 2)
    sw = int((w - w * central_fraction) / 2)
    return crop_to_bounding_box(x, sh, sw, h - 2 * sh, w - 2 * sw)


# ---- dtype conversion -------------------------------------------------------------------------

def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts pixel values between dtypes, rescaling (``tf.image.convert_image_dtype``):
    integers span [0, MAX], floats [0, 1].

    Example:
        >>> tf.image.convert_image_dtype(tf.constant([255], tf.uint8), tf.float32).numpy()
        array([1.], dtype=float32)
    """
    x = tensor(image)
    dtype = _dt.as_dtype(dtype)
    m = _m()
    if not (dtype.is_floating or dtype.is_integer):
        raise AttributeError("dtype must be either floating point or integer")
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise AttributeError("image dtype must be either floating point or integer")
    if x.dtype is dtype:
        return x
    if x.dtype.is_integer and dtype.is_integer:
        src_max, dst_max = x.dtype.max, dtype.max
        if src_max > dst_max:
            scale = (src_max + 1) // (dst_max + 1)
            return m.cast(m.floordiv(x, tensor(np.asarray(scale, x.dtype.as_numpy_dtype))),
                          dtype)
        scale = (dst_max + 1) // (src_max + 1)
        return m.multiply(m.cast(x, dtype), tensor(np.asarray(scale, dtype.as_numpy_dtype)))
    if x.dtype.is_floating and dtype.is_floating:
        return m.cast(x, dtype)
    if x.dtype.is_integer:
        scale = 1.0 / x.dtype.max
        return m.multiply(m.cast(x, dtype), tensor(np.asarray(scale, dtype.as_numpy_dtype)))
    scale = dtype.max + 0.5
    scaled = m.multiply(x, tensor(np.asarray(scale, x.dtype.as_numpy_dtype)))
    if saturate:
        scaled = execute(_CLIP, (scaled,), {"lo": float(dtype.min), "hi": float(dtype.max)})
    return m.cast(scaled, dtype)


def _clip_kernel(x, lo=0.0, hi=1.0):
    return np.clip(x, lo, hi).astype(x.dtype)


# Only used before a cast to an integer dtype, through which no gradient flows.
_CLIP = defop("ClipByValueScalar", _clip_kernel, inputs=("x: T",), types={"T": u.REAL},
              attrs={"lo": 0.0, "hi": 1.0}, infer=u.infer_same, grad=NOT_DIFFERENTIABLE)


# ---- color ------------------------------------------------------------------------------------

def rgb_to_grayscale(images, name=None):
    """Weighted sum of RGB channels with weights (0.2989, 0.587, 0.114), keeping a channel
    axis of size 1 (``tf.image.rgb_to_grayscale``)."""
    x = tensor(images)
    orig = x.dtype
    f = convert_image_dtype(x, _dt.float32) if not orig.is_floating else x
    w = tensor(np.asarray([[0.2989], [0.587], [0.114]], f.dtype.as_numpy_dtype))
    gray = _m().matmul(f, w) if f.shape.rank == 2 else _matmul_last(f, w)
    return convert_image_dtype(gray, orig) if not orig.is_floating else gray


def _matmul_last(x, w):
    a = _a()
    s = x.shape.as_list()
    if any(d is None for d in s):
        flat = a.reshape(x, [-1, 3])
        out = _m().matmul(flat, w)
        shp = a.concat([a.gather(a.shape(x), list(range(len(s) - 1))),
                        tensor(np.ones(1, np.int32))], 0)
        return a.reshape(out, shp)
    out = _m().matmul(a.reshape(x, [-1, s[-1]]), w)
    return a.reshape(out, s[:-1] + [1])


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel three times (``tf.image.grayscale_to_rgb``)."""
    x = tensor(images)
    r = x.shape.rank
    return _a().gather(x, tensor(np.zeros(3, np.int32)), axis=r - 1)


def adjust_brightness(image, delta):
    """Adds ``delta`` to every pixel (in [0, 1] float space) (``tf.image.adjust_brightness``)."""
    x = tensor(image)
    orig = x.dtype
    f = convert_image_dtype(x, _dt.float32) if not orig.is_floating else x
    out = _m().add(f, tensor(delta, dtype=f.dtype) if hasattr(delta, "dtype") else
                   tensor(np.asarray(delta, f.dtype.as_numpy_dtype)))
    return convert_image_dtype(out, orig, saturate=True) if not orig.is_floating else out


def _adjust_contrast_kernel(images, contrast_factor):
    mean = np.mean(images, axis=(-3, -2), keepdims=True, dtype=np.float64)
    out = (images - mean) * contrast_factor + mean
    return out.astype(images.dtype)


def _adjust_contrast_grad(op, g):
    x, f = op.inputs
    m, a = _m(), _a()
    r = x.shape.rank
    hw = m.cast(m.multiply(a.gather(a.shape(x), r - 3), a.gather(a.shape(x), r - 2)), g.dtype)
    gsum = m.reduce_sum(g, [r - 3, r - 2], keepdims=True)
    gmean = m.divide_no_check(gsum, hw)
    gx = m.add(m.multiply(m.subtract(g, gmean), f), gmean)
    mean = m.divide_no_check(m.reduce_sum(x, [r - 3, r - 2], keepdims=True), hw)
    gf = m.reduce_sum(m.multiply(g, m.subtract(x, mean)))
    return [gx, gf]


ADJUST_CONTRAST = defop("AdjustContrastv2", _adjust_contrast_kernel,
                        inputs=("images: T", "contrast_factor: float32"),
                        outputs=("output: T",), types={"T": (_dt.float16, _dt.float32)},
                        infer=u.infer_same, grad=_adjust_contrast_grad)


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean`` per image and channel
    (``tf.image.adjust_contrast``)."""
    x = tensor(images)
    orig = x.dtype
    f = convert_image_dtype(x, _dt.float32) if orig not in (_dt.float16, _dt.float32) else x
    cf = tensor(contrast_factor, dtype=_dt.float32) if hasattr(contrast_factor, "dtype") else \
        tensor(np.float32(contrast_factor))
    out = execute(ADJUST_CONTRAST, (f, cf))
    return convert_image_dtype(out, orig, saturate=True) if out.dtype is not orig else out


def image_gradients(image):
    """Forward differences ``(dy, dx)`` with a zero last row/column
    (``tf.image.image_gradients``; 4-D input)."""
    x = tensor(image)
    if x.shape.rank != 4:
        raise ValueError("image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{x.shape}.")
    h, w = _static_hw(x)
    a, m = _a(), _m()
    down = a.gather(x, tensor(np.minimum(np.arange(1, h + 1), h - 1).astype(np.int32)), axis=1)
    dy = m.subtract(down, x)
    dy = m.multiply(dy, tensor(np.asarray((np.arange(h) < h - 1).reshape(1, h, 1, 1),
                                          x.dtype.as_numpy_dtype)))
    right = a.gather(x, tensor(np.minimum(np.arange(1, w + 1), w - 1).astype(np.int32)), axis=2)
    dx = m.subtract(right, x)
    dx = m.multiply(dx, tensor(np.asarray((np.arange(w) < w - 1).reshape(1, 1, w, 1),
                                          x.dtype.as_numpy_dtype)))
    return dy, dx
