"""Spec rows for tf.RaggedTensor and tf.ragged (ragged_tensor.py, ragged_ops.py)."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

V = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)
S = np.array([0, 2, 2, 5], np.int64)
DENSE = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [3.0, 4.0, 5.0]], np.float32)


def _to_dense(v, s, default=0.0, width=None):
    rows = [v[s[i]:s[i + 1]] for i in range(len(s) - 1)]
    w = max(len(r) for r in rows) if width is None else width
    out = np.full((len(rows), w), default, v.dtype)
    for i, r in enumerate(rows):
        out[i, :min(len(r), w)] = r[:w]
    return out


def _rt(v, s):
    return tf.RaggedTensor.from_row_splits(v, s)


SPECS = [
    OpSpec("ragged_to_tensor", lambda v, s: _rt(v, s).to_tensor(),
           lambda v, s: _to_dense(v, s), [V, S], static_shape_exact=False),
    OpSpec("ragged_to_tensor_shape",
           lambda v, s: _rt(v, s).to_tensor(default_value=-1.0, shape=[3, 2]),
           lambda v, s: _to_dense(v, s, -1.0, 2), [V, S]),
    OpSpec("ragged_row_lengths", lambda v, s: _rt(v, s).row_lengths(),
           lambda v, s: np.diff(s), [V, S]),
    OpSpec("ragged_value_rowids", lambda v, s: _rt(v, s).value_rowids(),
           lambda v, s: np.array([0, 0, 2, 2, 2], np.int64), [V, S],
           static_shape_exact=False),
    OpSpec("ragged_from_row_lengths",
           lambda v, n: tf.RaggedTensor.from_row_lengths(v, n).to_tensor(),
           lambda v, n: _to_dense(v, S), [V, np.array([2, 0, 3], np.int64)],
           static_shape_exact=False),
    OpSpec("ragged_from_value_rowids",
           lambda v, r: tf.RaggedTensor.from_value_rowids(v, r, nrows=3).row_splits,
           lambda v, r: S, [V, np.array([0, 0, 2, 2, 2], np.int64)]),
    OpSpec("ragged_from_tensor", lambda d: tf.RaggedTensor.from_tensor(d, padding=0.0).values,
           lambda d: np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32), [DENSE],
           static_shape_exact=False, grad=False),
    OpSpec("ragged_from_tensor_lengths",
           lambda d: tf.RaggedTensor.from_tensor(d, lengths=[2, 0, 3]).values,
           lambda d: np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32), [DENSE],
           static_shape_exact=False),
    OpSpec("ragged_range", lambda n: [tf.ragged.range(n).flat_values,
                                      tf.ragged.range(n).row_splits],
           lambda n: [np.array([0, 1, 2, 0], np.int32), np.array([0, 3, 3, 4], np.int64)],
           [np.array([3, 0, 1], np.int32)], static_shape_exact=False),
]
