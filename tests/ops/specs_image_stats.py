"""Spec rows for the composite image statistics (per_image_standardization, gamma, TV, PSNR)."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(3)
IMG = r.uniform(0.1, 0.9, (2, 3, 4, 2)).astype(np.float32)
IMG2 = r.uniform(0.1, 0.9, (2, 3, 4, 2)).astype(np.float32)


def _std_ref(x):
    n = np.prod(x.shape[-3:])
    m = x.mean(axis=(1, 2, 3), keepdims=True)
    s = x.std(axis=(1, 2, 3), keepdims=True)
    return ((x - m) / np.maximum(s, 1 / np.sqrt(n))).astype(np.float32)


def _tv_ref(x):
    return (np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3)) +
            np.abs(np.diff(x, axis=2)).sum(axis=(1, 2, 3))).astype(np.float32)


def _psnr_ref(a, b):
    mse = ((a - b) ** 2).mean(axis=(1, 2, 3))
    return (20 * np.log10(1.0) - 10 * np.log10(mse)).astype(np.float32)


SPECS = [
    OpSpec("image_per_image_standardization", tf.image.per_image_standardization, _std_ref,
           [IMG], atol=1e-4, rtol=1e-4),
    OpSpec("image_adjust_gamma", lambda x: tf.image.adjust_gamma(x, 2.0, 1.5),
           lambda x: (1.5 * x ** 2).astype(np.float32), [IMG], atol=1e-5),
    OpSpec("image_total_variation", tf.image.total_variation, _tv_ref, [IMG], atol=1e-4),
    OpSpec("image_psnr", lambda a, b: tf.image.psnr(a, b, 1.0), _psnr_ref, [IMG, IMG2],
           atol=1e-3, rtol=1e-4),
]
