"""Spec rows for gather/scatter, where/boolean_mask, sort/unique/searchsorted, padding and the
other array ops (array_scatter.py, array_sort.py, array_misc.py, core ops of array_ops.py)."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(11)
X = r.standard_normal((2, 3, 4)).astype(np.float32)
M = r.standard_normal((3, 4)).astype(np.float32)
V = r.permutation(6).astype(np.float32) - 2.5
IDX2 = np.array([[1, 0], [2, 3], [0, 0]], np.int32)


def _np_gather_nd_batched(p, i):
    return np.stack([p[b][tuple(np.moveaxis(i[b], -1, 0))] for b in range(p.shape[0])])


def _np_scatter(t, i, u, fn):
    out = t.copy()
    fn(out, tuple(np.moveaxis(i, -1, 0)), u)
    return out


def _np_unique(x):
    y, first, inv, cnt = np.unique(x, return_index=True, return_inverse=True,
                                   return_counts=True)
    order = np.argsort(first)
    rank = np.argsort(order)
    return y[order], rank[inv].astype(np.int32), cnt[order].astype(np.int32)


def _np_reverse_sequence(x, lens):
    out = x.copy()
    for b, n in enumerate(lens):
        out[b, :n] = x[b, :n][::-1]
    return out


SPECS = [
    # gather_nd / scatter_nd / tensor_scatter_nd_*
    OpSpec("gather_nd", lambda p, i: tf.gather_nd(p, i),
           lambda p, i: p[tuple(i.T)], [M, IDX2]),
    OpSpec("gather_nd_slices", lambda p, i: tf.gather_nd(p, i),
           lambda p, i: p[i[:, 0]], [X, np.array([[1], [0], [1]], np.int32)]),
    OpSpec("gather_nd_batch_dims", lambda p, i: tf.gather_nd(p, i, batch_dims=1),
           _np_gather_nd_batched, [X, np.array([[[0, 1], [2, 3]], [[1, 1], [0, 2]]],
                                                 np.int32)]),
    OpSpec("scatter_nd", lambda i, u: tf.scatter_nd(i, u, [3, 4]),
           lambda i, u: _np_scatter(np.zeros((3, 4), np.float32), i, u, np.add.at),
           [np.array([[1, 0], [2, 3], [1, 0]], np.int32), V[:3]]),
    OpSpec("tensor_scatter_nd_update", lambda t, i, u: tf.tensor_scatter_nd_update(t, i, u),
           lambda t, i, u: _np_scatter(t, i, u, lambda o, k, v: o.__setitem__(k, v)),
           [M, IDX2, V[:3]]),
    OpSpec("tensor_scatter_nd_add", lambda t, i, u: tf.tensor_scatter_nd_add(t, i, u),
           lambda t, i, u: _np_scatter(t, i, u, np.add.at),
           [M, np.array([[1, 0], [2, 3], [1, 0]], np.int32), V[:3]]),
    OpSpec("tensor_scatter_nd_sub", lambda t, i, u: tf.tensor_scatter_nd_sub(t, i, u),
           lambda t, i, u: _np_scatter(t, i, u, np.subtract.at), [M, IDX2, V[:3]]),
    OpSpec("tensor_scatter_nd_min", lambda t, i, u: tf.tensor_scatter_nd_min(t, i, u),
           lambda t, i, u: _np_scatter(t, i, u, np.minimum.at), [M, IDX2, V[:3]]),
    OpSpec("tensor_scatter_nd_max", lambda t, i, u: tf.tensor_scatter_nd_max(t, i, u),
           lambda t, i, u: _np_scatter(t, i, u, np.maximum.at), [M, IDX2, V[3:]]),
    OpSpec("tensor_scatter_nd_add_rows", lambda t, i, u: tf.tensor_scatter_nd_add(t, i, u),
           lambda t, i, u: _np_scatter(t, i, u, np.add.at),
           [M, np.array([[2], [0]], np.int32), M[:2] * 2]),
    # where / boolean_mask / select
    OpSpec("where_coords", lambda c: tf.where(c), lambda c: np.argwhere(c).astype(np.int64),
           [M > 0], static_shape_exact=False),
    OpSpec("where_select", lambda c, x, y: tf.where(c, x, y), np.where,
           [M > 0, M, np.float32(0.5)]),
    OpSpec("where_broadcast", lambda c, x, y: tf.where(c, x, y), np.where,
           [np.array([True, False, True, False]), M, M[:1] * 3]),
    OpSpec("select_v2_int", lambda c, x, y: tf.where(c, x, y), np.where,
           [M > 0, np.arange(12, dtype=np.int32).reshape(3, 4), np.int32(-1)]),
    OpSpec("boolean_mask", lambda x, m: tf.boolean_mask(x, m), lambda x, m: x[m],
           [M, M > 0], static_shape_exact=False),
    OpSpec("boolean_mask_axis", lambda x, m: tf.boolean_mask(x, m, axis=1),
           lambda x, m: x[:, m], [X, np.array([True, False, True])],
           static_shape_exact=False),
    OpSpec("getitem_bool_mask", lambda x: x[x > 0], lambda x: x[x > 0], [M],
           static_shape_exact=False),
    # sort / unique / searchsorted
    OpSpec("sort", lambda x: tf.sort(x), np.sort, [M]),
    OpSpec("sort_desc_axis0", lambda x: tf.sort(x, axis=0, direction="DESCENDING"),
           lambda x: -np.sort(-x, axis=0), [M]),
    OpSpec("sort_int", lambda x: tf.sort(x), np.sort,
           [np.array([3, 1, 2, 1], np.int32)]),
    OpSpec("argsort", lambda x: tf.argsort(x), lambda x: np.argsort(x, kind="stable")
           .astype(np.int32), [np.array([2.0, 1.0, 2.0, 0.5, 1.0], np.float32)]),
    OpSpec("argsort_desc_stable", lambda x: tf.argsort(x, direction="DESCENDING", stable=True),
           lambda x: np.argsort(-x, kind="stable").astype(np.int32),
           [np.array([2.0, 1.0, 2.0, 0.5, 1.0], np.float32)]),
    OpSpec("unique", lambda x: tf.unique(x), lambda x: _np_unique(x)[:2],
           [np.array([4, 1, 4, 2, 1, 7], np.int32)], static_shape_exact=False),
    OpSpec("unique_with_counts", lambda x: tf.unique_with_counts(x, out_idx=tf.int64),
           lambda x: tuple(a.astype(np.int64) if i else a for i, a in
                           enumerate(_np_unique(x))),
           [np.array([1.5, 1.5, 0.5, 2.0, 0.5], np.float32)], static_shape_exact=False,
           grad=False),
    OpSpec("searchsorted_left", lambda s, v: tf.searchsorted(s, v),
           lambda s, v: np.searchsorted(s, v).astype(np.int32),
           [np.array([0.0, 1.0, 2.0, 3.0], np.float32), np.array([1.0, 2.5, -1.0], np.float32)]),
    OpSpec("searchsorted_right_2d", lambda s, v: tf.searchsorted(s, v, side="right",
                                                                 out_type=tf.int64),
           lambda s, v: np.stack([np.searchsorted(s[i], v[i], side="right")
                                  for i in range(2)]).astype(np.int64),
           [np.sort(M[:2], axis=1), M[1:]]),
    # pad
    OpSpec("pad", lambda x: tf.pad(x, [[1, 0], [2, 1]]), lambda x: np.pad(x, [[1, 0], [2, 1]]),
           [M]),
    OpSpec("pad_constant_values", lambda x, c: tf.pad(x, [[0, 1], [1, 1]], constant_values=c),
           lambda x, c: np.pad(x, [[0, 1], [1, 1]], constant_values=c), [M, np.float32(2.0)],
           grad=False),
    OpSpec("pad_constant_values_grad", lambda x: tf.pad(x, [[0, 1], [1, 1]], constant_values=2.0),
           lambda x: np.pad(x, [[0, 1], [1, 1]], constant_values=2.0), [M]),
    OpSpec("pad_reflect", lambda x: tf.pad(x, [[2, 1], [1, 3]], mode="REFLECT"),
           lambda x: np.pad(x, [[2, 1], [1, 3]], mode="reflect"), [M]),
    OpSpec("pad_symmetric", lambda x: tf.pad(x, [[3, 1], [0, 4]], mode="symmetric"),
           lambda x: np.pad(x, [[3, 1], [0, 4]], mode="symmetric"), [M]),
    OpSpec("mirror_pad_grad_grad",
           lambda x: tf.pad(tf.pad(x, [[1, 2]], mode="REFLECT") * 1.0, [[0, 0]]),
           lambda x: np.pad(x, [[1, 2]], mode="reflect"), [V]),
    # misc
    OpSpec("bitcast", lambda x: tf.bitcast(x, tf.int32),
           lambda x: x.view(np.int32), [M], grad=False),
    OpSpec("bitcast_split", lambda x: tf.bitcast(x, tf.uint8),
           lambda x: x.view(np.uint8).reshape(3, 4, 4), [M], grad=False),
    OpSpec("bitcast_merge", lambda x: tf.bitcast(x, tf.float64),
           lambda x: x.view(np.float64).reshape(3, 2), [M.reshape(3, 2, 2)], grad=False),
    OpSpec("reverse_sequence", lambda x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
           _np_reverse_sequence, [M, np.array([2, 4, 0], np.int32)]),
    OpSpec("sequence_mask", lambda n: tf.sequence_mask(n, 5),
           lambda n: np.arange(5) < n[:, None], [np.array([1, 3, 0], np.int32)]),
    OpSpec("sequence_mask_default_maxlen", lambda n: tf.sequence_mask(n, dtype=tf.float32),
           lambda n: (np.arange(n.max()) < n[..., None]).astype(np.float32),
           [np.array([[1, 3], [2, 0]], np.int64)], static_shape_exact=False),
    OpSpec("ensure_shape", lambda x: tf.ensure_shape(x, [None, 4]), lambda x: x, [M]),
    OpSpec("broadcast_dynamic_shape", tf.broadcast_dynamic_shape,
           lambda a, b: np.array(np.broadcast_shapes(tuple(a), tuple(b)), np.int32),
           [np.array([1, 2, 3], np.int32), np.array([5, 1, 3], np.int32)],
           static_shape_exact=False),
    OpSpec("identity_n", lambda a, b: tf.identity_n([a, b]), lambda a, b: [a, b],
           [M, np.array([1, 2], np.int32)]),
    OpSpec("concat_neg_axis", lambda a, b: tf.concat([a, b], -1),
           lambda a, b: np.concatenate([a, b], -1), [M, M[:, :2]]),
    OpSpec("split_neg_axis", lambda a: tf.split(a, [1, -1], axis=-1),
           lambda a: np.split(a, [1], axis=-1), [M]),
    OpSpec("split_even", lambda a: tf.split(a, 2, axis=1), lambda a: np.split(a, 2, axis=1),
           [M], unknown_shapes=False),
]
