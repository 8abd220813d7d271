"""Spec rows for tf.sparse (sparse_ops.py, sparse_math.py)."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

IDX = np.array([[0, 1], [1, 0], [1, 2]], np.int64)
VAL = np.array([1.0, -2.0, 3.0], np.float32)
SHAPE = [2, 3]
B = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
D = np.arange(6, dtype=np.float32).reshape(2, 3) / 3


def _dense(v):
    out = np.zeros(SHAPE, v.dtype)
    out[tuple(IDX.T)] = v
    return out


def _sp(v):
    return tf.SparseTensor(IDX, v, SHAPE)


def _parts(st):
    return [st.indices, st.values, st.dense_shape]


SPECS = [
    OpSpec("sparse_to_dense", lambda v: tf.sparse.to_dense(_sp(v)), _dense, [VAL]),
    OpSpec("sparse_to_dense_default", lambda v: tf.sparse.to_dense(_sp(v), 5.0),
           lambda v: np.where(_dense(v) == 0, 5, _dense(v)).astype(np.float32), [VAL]),
    OpSpec("sparse_from_dense", lambda x: _parts(tf.sparse.from_dense(x)),
           lambda x: [np.argwhere(x != 0), x[x != 0], np.array(x.shape, np.int64)],
           [_dense(VAL)], static_shape_exact=False, grad=False),
    OpSpec("sparse_dense_matmul", lambda v, b: tf.sparse.sparse_dense_matmul(_sp(v), b),
           lambda v, b: _dense(v) @ b, [VAL, B]),
    OpSpec("sparse_dense_matmul_adj",
           lambda v, b: tf.sparse.sparse_dense_matmul(_sp(v), b, adjoint_a=True,
                                                      adjoint_b=True),
           lambda v, b: _dense(v).T @ b.T, [VAL, D.T.copy()[:2]]),
    OpSpec("sparse_reduce_sum", lambda v: tf.sparse.reduce_sum(_sp(v), axis=1),
           lambda v: _dense(v).sum(1), [VAL]),
    OpSpec("sparse_reduce_sum_keep",
           lambda v: tf.sparse.reduce_sum(_sp(v), axis=0, keepdims=True),
           lambda v: _dense(v).sum(0, keepdims=True), [VAL]),
    OpSpec("sparse_reorder",
           lambda v: _parts(tf.sparse.reorder(tf.SparseTensor(IDX[::-1].copy(), v, SHAPE))),
           lambda v: [IDX, v[::-1], np.array(SHAPE, np.int64)], [VAL]),
    OpSpec("sparse_reshape", lambda v: tf.sparse.to_dense(tf.sparse.reshape(_sp(v), [3, -1])),
           lambda v: _dense(v).reshape(3, 2), [VAL], static_shape_exact=False),
    OpSpec("sparse_add", lambda a, b: tf.sparse.to_dense(tf.sparse.add(
        _sp(a), tf.SparseTensor([[0, 0], [1, 2]], b, SHAPE))),
        lambda a, b: _dense(a) + np.array([[b[0], 0, 0], [0, 0, b[1]]], np.float32),
        [VAL, np.array([4.0, 5.0], np.float32)], static_shape_exact=False),
    OpSpec("sparse_add_dense", lambda v, d: tf.sparse.add(_sp(v), d),
           lambda v, d: _dense(v) + d, [VAL, D]),
    OpSpec("sparse_concat", lambda a, b: tf.sparse.to_dense(tf.sparse.concat(1, [_sp(a),
                                                                                 _sp(b)])),
           lambda a, b: np.concatenate([_dense(a), _dense(b)], 1), [VAL, VAL * 2],
           static_shape_exact=False),
    OpSpec("sparse_transpose", lambda v: tf.sparse.to_dense(tf.sparse.transpose(_sp(v))),
           lambda v: _dense(v).T, [VAL], static_shape_exact=False),
    OpSpec("sparse_expand_dims",
           lambda v: tf.sparse.to_dense(tf.sparse.expand_dims(_sp(v), 1)),
           lambda v: _dense(v)[:, None], [VAL], static_shape_exact=False),
    OpSpec("sparse_mul_dense", lambda v, d: tf.sparse.to_dense(_sp(v) * d),
           lambda v, d: _dense(v) * d, [VAL, D]),
]
