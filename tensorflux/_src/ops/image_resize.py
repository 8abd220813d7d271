"""tf.image.resize: ResizeBilinear / ResizeNearestNeighbor and their gradient ops (NHWC).

TensorFlow 2's ``tf.image.resize`` uses half-pixel centers: output pixel ``o`` samples the
input at ``(o + 0.5) * in / out - 0.5``.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_REAL = u.REAL


def _scale(n_in, n_out, align_corners):
    if align_corners and n_out > 1:
        return (n_in - 1) / (n_out - 1)
    return n_in / n_out


def _linear_weights(n_in, n_out, align_corners, half_pixel_centers):
    s = _scale(n_in, n_out, align_corners)
    o = np.arange(n_out, dtype=np.float64)
    x = (o + 0.5) * s - 0.5 if half_pixel_centers else o * s
    lo = np.floor(x)
    lerp = x - lo
    lo_i = np.clip(lo, 0, n_in - 1).astype(np.int64)
    hi_i = np.clip(np.ceil(x), 0, n_in - 1).astype(np.int64)
    return lo_i, hi_i, lerp


def _bilinear_kernel(images, size, align_corners=False, half_pixel_centers=False):
    oh, ow = (int(v) for v in size)
    _, h, w, _ = images.shape
    y0, y1, ly = _linear_weights(h, oh, align_corners, half_pixel_centers)
    x0, x1, lx = _linear_weights(w, ow, align_corners, half_pixel_centers)
    img = images.astype(np.float64)
    top = img[:, y0] * (1 - ly)[None, :, None, None] + img[:, y1] * ly[None, :, None, None]
    out = top[:, :, x0] * (1 - lx)[None, None, :, None] + top[:, :, x1] * lx[None, None, :, None]
    return out.astype(np.float32)


def _bilinear_grad_kernel(grads, original, align_corners=False, half_pixel_centers=False):
    n, h, w, c = original.shape
    oh, ow = grads.shape[1:3]
    y0, y1, ly = _linear_weights(h, oh, align_corners, half_pixel_centers)
    x0, x1, lx = _linear_weights(w, ow, align_corners, half_pixel_centers)
    wy = np.zeros((oh, h))
    np.add.at(wy, (np.arange(oh), y0), 1 - ly)
    np.add.at(wy, (np.arange(oh), y1), ly)
    wx = np.zeros((ow, w))
    np.add.at(wx, (np.arange(ow), x0), 1 - lx)
    np.add.at(wx, (np.arange(ow), x1), lx)
    out = np.einsum("nabc,ah,bw->nhwc", grads.astype(np.float64), wy, wx)
    return out.astype(original.dtype)


def _resize_infer(ic):
    s, size = ic.shapes[0], ic.values[1]
    hw = (None, None) if size is None else tuple(int(v) for v in np.asarray(size))
    if s is None:
        return (None,) + hw + (None,)
    if len(s) != 4:
        raise ValueError(f"input must be 4-dimensional, got shape {list(s)}")
    return (s[0],) + hw + (s[3],)


def _attrs(op):
    return {"align_corners": op.get_attr("align_corners"),
            "half_pixel_centers": op.get_attr("half_pixel_centers")}


def _bilinear_grad(op, g):
    return [execute(RESIZE_BILINEAR_GRAD, (g, op.inputs[0]), _attrs(op)), None]


_RATTRS = {"align_corners": False, "half_pixel_centers": False}
RESIZE_BILINEAR = defop(
    "ResizeBilinear", _bilinear_kernel, inputs=("images: T", "size: int32"),
    outputs=("resized_images: float32",), types={"T": _REAL}, attrs=_RATTRS,
    infer=_resize_infer, grad=_bilinear_grad)


def _hw(t):
    from tensorflux._src.ops import array_ops
    return array_ops.gather(array_ops.shape(t), [1, 2])


RESIZE_BILINEAR_GRAD = defop(
    "ResizeBilinearGrad", _bilinear_grad_kernel, inputs=("grads: float32",
                                                         "original_image: T"),
    outputs=("output: T",), types={"T": u.FLOAT}, attrs=_RATTRS,
    infer=lambda ic: ic.shapes[1], grad=lambda op, g: [
        execute(RESIZE_BILINEAR, (g, _hw(op.inputs[0])), _attrs(op)), None])


def _nearest_index(n_in, n_out, align_corners, half_pixel_centers):
    s = _scale(n_in, n_out, align_corners)
    o = np.arange(n_out, dtype=np.float64)
    if half_pixel_centers:
        x = np.floor((o + 0.5) * s)
    elif align_corners:
        x = np.round(o * s)
    else:
        x = np.floor(o * s)
    return np.clip(x, 0, n_in - 1).astype(np.int64)


def _nearest_kernel(images, size, align_corners=False, half_pixel_centers=False):
    oh, ow = (int(v) for v in size)
    _, h, w, _ = images.shape
    yi = _nearest_index(h, oh, align_corners, half_pixel_centers)
    xi = _nearest_index(w, ow, align_corners, half_pixel_centers)
    return images[:, yi][:, :, xi]


def _nearest_grad_kernel(grads, size, align_corners=False, half_pixel_centers=False):
    h, w = (int(v) for v in size)
    n, oh, ow, c = grads.shape
    yi = _nearest_index(h, oh, align_corners, half_pixel_centers)
    xi = _nearest_index(w, ow, align_corners, half_pixel_centers)
    out = np.zeros((n, h, w, c), grads.dtype)
    np.add.at(out, (slice(None), yi[:, None], xi[None, :]), grads)
    return out


RESIZE_NEAREST = defop(
    "ResizeNearestNeighbor", _nearest_kernel, inputs=("images: T", "size: int32"),
    outputs=("resized_images: T",), types={"T": _REAL}, attrs=_RATTRS, infer=_resize_infer,
    grad=lambda op, g: [execute(RESIZE_NEAREST_GRAD, (g, _hw(op.inputs[0])), _attrs(op)),
                        None])
RESIZE_NEAREST_GRAD = defop(
    "ResizeNearestNeighborGrad", _nearest_grad_kernel, inputs=("grads: T", "size: int32"),
    outputs=("output: T",), types={"T": _REAL}, attrs=_RATTRS, infer=_resize_infer,
    grad=lambda op, g: [execute(RESIZE_NEAREST, (g, _hw(op.inputs[0])), _attrs(op)), None])


class ResizeMethod:
    """The names of the ``tf.image.resize`` methods."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _as_batch(images):
    from tensorflux._src.ops import array_ops
    x = tensor(images)
    r = x.shape.rank
    if r == 3:
        return array_ops.expand_dims(x, 0), True
    if r != 4:
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    return x, False


def _unbatch(x, squeeze):
    from tensorflux._src.ops import array_ops
    if not squeeze:
        return x
    s = x.shape.as_list()
    return array_ops.reshape(x, s[1:] if None not in s[1:] else
                             array_ops.gather(array_ops.shape(x), [1, 2, 3]))


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resizes images (NHWC or HWC) to ``size`` = [new_height, new_width]
    (``tf.image.resize``). Bilinear results are float32; nearest keeps the dtype.

    Example:
        >>> tf.image.resize(tf.ones([4, 4, 1]), [2, 2]).shape
        TensorShape([2, 2, 1])
    """
    x, squeeze = _as_batch(images)
    if antialias:
        raise NotImplementedError("antialias=True is not supported")
    if isinstance(size, Tensor):
        size_t = tensor(size, dtype=_dt.int32)
    else:
        size = [int(v) for v in size]
        if len(size) != 2:
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        if preserve_aspect_ratio:
            s = x.shape.as_list()
            h, w = s[1], s[2]
            if h is None or w is None:
                raise ValueError("preserve_aspect_ratio needs static image dimensions")
            scale = min(size[0] / h, size[1] / w)
            size = [max(int(round(h * scale)), 1), max(int(round(w * scale)), 1)]
        if size[0] <= 0 or size[1] <= 0:
            raise ValueError("'size' must be positive")
        size_t = tensor(np.asarray(size, np.int32))
    attrs = {"half_pixel_centers": True}
    if method == ResizeMethod.BILINEAR:
        out = execute(RESIZE_BILINEAR, (x, size_t), attrs, name)
    elif method == ResizeMethod.NEAREST_NEIGHBOR:
        out = execute(RESIZE_NEAREST, (x, size_t), attrs, name)
    else:
        raise NotImplementedError(f"Resize method {method!r} is not implemented; use "
                                  "'bilinear' or 'nearest'")
    return _unbatch(out, squeeze)
