"""Spec rows for tf.image (image_ops.py, image_resize.py)."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(3)
IMG = r.uniform(size=(1, 3, 4, 2)).astype(np.float32)
RGB = r.uniform(size=(2, 2, 3)).astype(np.float32)


def _bilinear_ref(x, oh, ow):
    n, h, w, c = x.shape

    def coords(nin, nout):
        o = (np.arange(nout) + 0.5) * nin / nout - 0.5
        lo = np.floor(o)
        return (np.clip(lo, 0, nin - 1).astype(int), np.clip(lo + 1, 0, nin - 1).astype(int),
                o - lo)

    y0, y1, fy = coords(h, oh)
    x0, x1, fx = coords(w, ow)
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            a = (1 - fx[j]) * x[:, y0[i], x0[j]] + fx[j] * x[:, y0[i], x1[j]]
            b = (1 - fx[j]) * x[:, y1[i], x0[j]] + fx[j] * x[:, y1[i], x1[j]]
            out[:, i, j] = (1 - fy[i]) * a + fy[i] * b
    return out.astype(np.float32)


def _nearest_ref(x, oh, ow):
    h, w = x.shape[1:3]
    yi = np.minimum(np.floor((np.arange(oh) + 0.5) * h / oh), h - 1).astype(int)
    xi = np.minimum(np.floor((np.arange(ow) + 0.5) * w / ow), w - 1).astype(int)
    return x[:, yi][:, :, xi]


def _resize_grad(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.resize(x, [5, 3])
    return tape.gradient(y, x)


SPECS = [
    OpSpec("image_resize_bilinear_grad", _resize_grad, None, [IMG], grad=False),
    OpSpec("image_resize_bilinear", lambda x: tf.image.resize(x, [5, 3]),
           lambda x: _bilinear_ref(x, 5, 3), [IMG], grad=False),
    OpSpec("image_resize_nearest", lambda x: tf.image.resize(x, [5, 7], method="nearest"),
           lambda x: _nearest_ref(x, 5, 7), [IMG]),
    OpSpec("image_resize_nearest_down", lambda x: tf.image.resize(x, [2, 2], "nearest"),
           lambda x: _nearest_ref(x, 2, 2), [IMG]),
    OpSpec("image_flip_lr", tf.image.flip_left_right, lambda x: x[:, :, ::-1], [IMG], unknown_shapes=False),
    OpSpec("image_flip_ud", tf.image.flip_up_down, lambda x: x[:, ::-1], [IMG], unknown_shapes=False),
    OpSpec("image_transpose", tf.image.transpose, lambda x: x.transpose(0, 2, 1, 3), [IMG]),
    OpSpec("image_rot90", lambda x: tf.image.rot90(x[0]), lambda x: np.rot90(x[0]), [IMG], unknown_shapes=False),
    OpSpec("image_crop", lambda x: tf.image.crop_to_bounding_box(x, 1, 1, 2, 2),
           lambda x: x[:, 1:3, 1:3], [IMG], unknown_shapes=False),
    OpSpec("image_pad", lambda x: tf.image.pad_to_bounding_box(x, 1, 2, 5, 7),
           lambda x: np.pad(x, [(0, 0), (1, 1), (2, 1), (0, 0)]), [IMG], unknown_shapes=False),
    OpSpec("image_central_crop", lambda x: tf.image.central_crop(x, 0.5),
           lambda x: x[:, 0:3, 1:3], [IMG], unknown_shapes=False),
    OpSpec("image_convert_u8", lambda x: tf.image.convert_image_dtype(x, tf.uint8),
           lambda x: (x * 255.5).astype(np.uint8), [IMG]),
    OpSpec("image_convert_from_u8", lambda x: tf.image.convert_image_dtype(x, tf.float32),
           lambda x: (x.astype(np.float32) * np.float32(1 / 255)),
           [np.array([[0, 128, 255]], np.uint8)]),
    OpSpec("image_convert_saturate",
           lambda x: tf.image.convert_image_dtype(x, tf.uint8, saturate=True),
           lambda x: np.clip(x * 255.5, 0, 255).astype(np.uint8),
           [np.array([-0.5, 0.5, 1.5], np.float32)]),
    OpSpec("image_grayscale", tf.image.rgb_to_grayscale,
           lambda x: (x @ np.array([0.2989, 0.587, 0.114], np.float32))[..., None], [RGB]),
    OpSpec("image_gray_to_rgb", tf.image.grayscale_to_rgb,
           lambda x: np.repeat(x, 3, -1), [IMG[..., :1]]),
    OpSpec("image_brightness", lambda x: tf.image.adjust_brightness(x, 0.25),
           lambda x: x + np.float32(0.25), [IMG]),
    OpSpec("image_contrast", lambda x: tf.image.adjust_contrast(x, 1.5),
           lambda x: (x - x.mean((1, 2), keepdims=True)) * 1.5 + x.mean((1, 2), keepdims=True),
           [IMG], grad=False),
    OpSpec("image_gradients", tf.image.image_gradients,
           lambda x: [np.concatenate([np.diff(x, axis=1), np.zeros_like(x[:, :1])], 1),
                      np.concatenate([np.diff(x, axis=2), np.zeros_like(x[:, :, :1])], 2)],
           [IMG], unknown_shapes=False),
]
