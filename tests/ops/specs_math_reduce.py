"""Spec rows for reductions, argmax/argmin, scans, segment ops, bincount and clipping."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(5)
X = r.standard_normal((2, 3, 2)).astype(np.float32)
M = r.standard_normal((3, 4)).astype(np.float32)
IM = np.array([[1, 2, 7], [4, -5, 6]], np.int32)
BM = np.array([[True, False, True], [True, True, True]])
PZ = np.array([[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]], np.float32)   # contains a zero
D = r.standard_normal((5, 2)).astype(np.float32)
SID = np.array([0, 0, 1, 3, 3], np.int32)
UID = np.array([2, 0, 1, -1, 0], np.int32)


def _seg(fn, data, ids, n, empty):
    out = []
    for k in range(n):
        rows = data[ids == k]
        out.append(fn(rows, axis=0) if len(rows) else np.full(data.shape[1:], empty,
                                                                data.dtype))
    return np.stack(out).astype(data.dtype)


def _excl_cumsum_rev(x):
    c = np.cumsum(x[::-1], axis=0)[::-1]
    return np.concatenate([c[1:], np.zeros_like(c[:1])])


def _global_clip(a, b, c):
    n = np.sqrt((a ** 2).sum() + (b ** 2).sum())
    s = c / max(n, c)
    return [a * s, b * s], np.float32(n)


SPECS = [
    OpSpec("math_reduce_mean", lambda x: tf.reduce_mean(x, axis=[0, 2]),
           lambda x: x.mean(axis=(0, 2)), [X]),
    OpSpec("math_reduce_mean_keep", lambda x: tf.reduce_mean(x, axis=1, keepdims=True),
           lambda x: x.mean(axis=1, keepdims=True), [X]),
    OpSpec("math_reduce_mean_int", lambda x: tf.reduce_mean(x, axis=1),
           lambda x: np.array([3, 1], np.int32), [IM]),
    OpSpec("math_reduce_max", lambda x: tf.reduce_max(x, axis=1), lambda x: x.max(axis=1), [X]),
    OpSpec("math_reduce_min", lambda x: tf.reduce_min(x, axis=-1, keepdims=True),
           lambda x: x.min(axis=-1, keepdims=True), [X]),
    OpSpec("math_reduce_max_all", tf.reduce_max, np.max, [IM]),
    OpSpec("math_reduce_prod", lambda x: tf.reduce_prod(x, axis=0), lambda x: x.prod(0), [PZ]),
    OpSpec("math_reduce_prod_all", tf.reduce_prod, np.prod, [PZ[:, ::2].copy()]),
    OpSpec("math_reduce_all", lambda x: tf.reduce_all(x, axis=1), lambda x: x.all(1), [BM]),
    OpSpec("math_reduce_any", tf.reduce_any, np.any, [BM]),
    OpSpec("math_reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=1),
           lambda x: np.log(np.exp(x).sum(1)), [X]),
    OpSpec("math_reduce_variance", lambda x: tf.math.reduce_variance(x, axis=0),
           lambda x: x.var(0), [M]),
    OpSpec("math_reduce_std", tf.math.reduce_std, np.std, [M]),
    OpSpec("math_reduce_euclidean_norm", lambda x: tf.math.reduce_euclidean_norm(x, axis=1),
           lambda x: np.sqrt((x * x).sum(1)), [M]),
    OpSpec("math_count_nonzero", lambda x: tf.math.count_nonzero(x, axis=1),
           lambda x: np.count_nonzero(x, axis=1).astype(np.int64), [IM]),
    OpSpec("math_argmax", lambda x: tf.math.argmax(x, axis=1), lambda x: x.argmax(1), [M]),
    OpSpec("math_argmin_int32", lambda x: tf.math.argmin(x, output_type=tf.int32),
           lambda x: x.argmin(0).astype(np.int32), [M]),
    OpSpec("math_cumsum", lambda x: tf.math.cumsum(x, axis=1), lambda x: np.cumsum(x, 1), [M]),
    OpSpec("math_cumsum_excl_rev", lambda x: tf.math.cumsum(x, exclusive=True, reverse=True),
           _excl_cumsum_rev, [M]),
    OpSpec("math_cumprod", lambda x: tf.math.cumprod(x, axis=1),
           lambda x: np.cumprod(x, 1), [P := r.uniform(0.5, 2, (2, 3)).astype(np.float32)]),
    OpSpec("math_cumprod_excl", lambda x: tf.math.cumprod(x, exclusive=True, reverse=True),
           lambda x: np.concatenate([np.cumprod(x[::-1], 0)[::-1][1:], np.ones_like(x[:1])]),
           [P]),
    OpSpec("math_cumulative_logsumexp", lambda x: tf.math.cumulative_logsumexp(x, axis=1),
           lambda x: np.logaddexp.accumulate(x, 1), [M]),
    OpSpec("math_cumulative_logsumexp_rev",
           lambda x: tf.math.cumulative_logsumexp(x, reverse=True),
           lambda x: np.logaddexp.accumulate(x[::-1], 0)[::-1], [M]),
    # segments
    OpSpec("math_segment_sum", tf.math.segment_sum,
           lambda d, i: _seg(np.sum, d, i, 4, 0), [D, SID],
           static_shape_exact=False),
    OpSpec("math_segment_mean", tf.math.segment_mean,
           lambda d, i: _seg(np.mean, d, i, 4, 0), [D, SID],
           static_shape_exact=False),
    OpSpec("math_segment_max", tf.math.segment_max,
           lambda d, i: _seg(np.max, d, i, 4, 0), [D, SID],
           static_shape_exact=False),
    OpSpec("math_segment_min", tf.math.segment_min,
           lambda d, i: _seg(np.min, d, i, 4, 0), [D, SID],
           static_shape_exact=False),
    OpSpec("math_segment_prod", tf.math.segment_prod,
           lambda d, i: _seg(np.prod, d, i, 4, 1), [D, SID],
           static_shape_exact=False),
    OpSpec("math_segment_prod_zero", tf.math.segment_prod,
           lambda d, i: _seg(np.prod, d, i, 4, 1),
           [np.array([1.5, 0.0, 2.0, 0.0, 3.0], np.float32), SID], static_shape_exact=False),
    OpSpec("math_unsorted_segment_max", lambda d, i: tf.math.unsorted_segment_max(d, i, 3),
           lambda d, i: _seg(np.max, d, i, 3, -np.inf),
           [D, UID]),
    OpSpec("math_unsorted_segment_min", lambda d, i: tf.math.unsorted_segment_min(d, i, 3),
           lambda d, i: _seg(np.min, d, i, 3, np.inf), [D, UID]),
    OpSpec("math_unsorted_segment_prod", lambda d, i: tf.math.unsorted_segment_prod(d, i, 3),
           lambda d, i: _seg(np.prod, d, i, 3, 1), [D, UID]),
    OpSpec("math_unsorted_segment_mean", lambda d, i: tf.math.unsorted_segment_mean(d, i, 3),
           lambda d, i: _seg(np.mean, d, i, 3, 0), [D, UID],
           static_shape_exact=False),
    OpSpec("math_unsorted_segment_sqrt_n",
           lambda d, i: tf.math.unsorted_segment_sqrt_n(d, i, 3),
           lambda d, i: _seg(lambda v, axis: v.sum(axis) / np.sqrt(len(v)), d, i, 3, 0),
           [D, UID], static_shape_exact=False),
    OpSpec("math_bincount", lambda a: tf.math.bincount(a),
           lambda a: np.bincount(a).astype(np.int32), [np.array([1, 1, 4, 2], np.int32)],
           static_shape_exact=False),
    OpSpec("math_bincount_weights",
           lambda a, w: tf.math.bincount(a, weights=w, minlength=6),
           lambda a, w: np.bincount(a, weights=w, minlength=6).astype(np.float32),
           [np.array([1, 1, 4, 2], np.int32), np.array([0.5, 1, 2, 3], np.float32)],
           static_shape_exact=False, grad=False),
    # clipping
    OpSpec("math_clip_by_value", lambda x: tf.clip_by_value(x, -0.5, 0.7),
           lambda x: np.clip(x, -0.5, 0.7), [M]),
    OpSpec("math_clip_by_norm", lambda x: tf.clip_by_norm(x, 1.0),
           lambda x: x / max(np.sqrt((x * x).sum()), 1.0), [M]),
    OpSpec("math_clip_by_norm_axes", lambda x: tf.clip_by_norm(x, 1.0, axes=[1]),
           lambda x: x / np.maximum(np.sqrt((x * x).sum(1, keepdims=True)), 1.0), [M]),
    OpSpec("math_clip_by_global_norm",
           lambda a, b: tf.clip_by_global_norm([a, None, b], 1.5)[0][::2] +
           [tf.clip_by_global_norm([a, b], 1.5)[1]],
           lambda a, b: _global_clip(a, b, 1.5)[0] + [_global_clip(a, b, 1.5)[1]], [M, D]),
    OpSpec("math_l2_normalize", lambda x: tf.math.l2_normalize(x, axis=1),
           lambda x: x / np.sqrt((x * x).sum(1, keepdims=True)), [M]),
    OpSpec("math_accumulate_n", lambda a, b: tf.math.accumulate_n([a, b, a]),
           lambda a, b: a + b + a, [M, M * 2]),
]
