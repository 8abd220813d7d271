"""The tiled max-pool gradient fast path agrees with the general path, ties included."""

import numpy as np
import pytest

from tensorflux._src.ops import nn_pool


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_tiled_maxpool_grad_matches_general_path_with_ties(fmt):
    r = np.random.default_rng(0)
    x = np.maximum(r.standard_normal((2, 4, 6, 3)), 0).astype(np.float32)  # many zero ties
    x[0, :2, :2, 0] = 1.0                                                  # a 4-way tie
    if fmt == "NCHW":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    kw = dict(ksize=[1, 2, 2, 1] if fmt == "NHWC" else [1, 1, 2, 2],
              strides=[1, 2, 2, 1] if fmt == "NHWC" else [1, 1, 2, 2], data_format=fmt)
    y = nn_pool._max_pool(x, **kw)
    g = r.standard_normal(y.shape).astype(np.float32)
    fast = nn_pool._max_pool_grad(x, y, g, **kw)
    # Same windows through the general (padded, overlapping-capable) path: SAME padding on an
    # exactly divisible input adds no padding but skips the tiled fast path's reshape.
    xc = x if fmt == "NHWC" else x.transpose(0, 2, 3, 1)
    yc = y if fmt == "NHWC" else y.transpose(0, 2, 3, 1)
    gc = g if fmt == "NHWC" else g.transpose(0, 2, 3, 1)
    ref = np.zeros_like(xc)
    for n, i, j, c in np.ndindex(*yc.shape):
        win = xc[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c].reshape(-1)
        a = int(np.argmax(win == yc[n, i, j, c]))   # first maximum, as TensorFlow
        ref[n, 2 * i + a // 2, 2 * j + a % 2, c] += gc[n, i, j, c]
    if fmt == "NCHW":
        ref = ref.transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(fast, ref)
