"""Spec rows for the core ops in math_ops.py and array_ops.py."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(42)
A = r.standard_normal((2, 3)).astype(np.float32)
B = r.standard_normal((3, 4)).astype(np.float32)
V = r.standard_normal((3,)).astype(np.float32)
I3 = np.array([2, 0, 1, 2], np.int32)

SPECS = [
    OpSpec("add", tf.add, np.add, [A, V]),
    OpSpec("add_int", tf.add, np.add, [np.arange(6, dtype=np.int32).reshape(2, 3),
                                       np.int32(3)]),
    OpSpec("subtract", tf.subtract, np.subtract, [A, V]),
    OpSpec("multiply", tf.multiply, np.multiply, [A, V]),
    OpSpec("negative", tf.negative, np.negative, [A]),
    OpSpec("matmul", tf.matmul, np.matmul, [A, B]),
    OpSpec("matmul_ta", lambda a, b: tf.matmul(a, b, transpose_a=True),
           lambda a, b: a.T @ b, [A.T.copy(), B]),
    OpSpec("matmul_tb", lambda a, b: tf.matmul(a, b, transpose_b=True),
           lambda a, b: a @ b.T, [A, A]),
    OpSpec("matmul_batched", tf.matmul, np.matmul,
           [r.standard_normal((2, 2, 3)).astype(np.float32), B]),
    OpSpec("reduce_sum_all", tf.reduce_sum, np.sum, [A]),
    OpSpec("reduce_sum_axis", lambda x: tf.reduce_sum(x, axis=1, keepdims=True),
           lambda x: np.sum(x, axis=1, keepdims=True), [A]),
    OpSpec("cast", lambda x: tf.cast(x, tf.int32), lambda x: np.trunc(x).astype(np.int32), [A]),
    OpSpec("cast_f64", lambda x: tf.cast(x, tf.float64), lambda x: x.astype(np.float64), [A]),
    OpSpec("add_n", lambda a, b: tf.add_n([a, b, a]), lambda a, b: a + b + a, [A, A * 2]),
    OpSpec("reshape", lambda x: tf.reshape(x, [3, -1]), lambda x: x.reshape(3, -1), [A]),
    OpSpec("expand_dims", lambda x: tf.expand_dims(x, 1), lambda x: x[:, None], [A]),
    OpSpec("concat", lambda a, b: tf.concat([a, b], 0), lambda a, b: np.concatenate([a, b]),
           [A, A + 1]),
    OpSpec("stack", lambda a, b: tf.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1),
           [A, A + 1]),
    OpSpec("unstack", lambda a: tf.unstack(a, axis=1), lambda a: list(np.moveaxis(a, 1, 0)),
           [A], unknown_shapes=False),
    OpSpec("split", lambda a: tf.split(a, [1, 2], axis=1), lambda a: np.split(a, [1], axis=1),
           [A]),
    OpSpec("gather", lambda p, i: tf.gather(p, i), lambda p, i: p[i], [B, I3]),
    OpSpec("gather_axis1", lambda p, i: tf.gather(p, i, axis=1), lambda p, i: p[:, i],
           [B, I3], grad=False),
    OpSpec("identity", tf.identity, lambda x: x, [A]),
    OpSpec("stop_gradient", tf.stop_gradient, lambda x: x, [A], grad=False),
    OpSpec("shape", lambda x: tf.shape(x), lambda x: np.array(x.shape, np.int32), [A]),
    OpSpec("size", lambda x: tf.size(x), lambda x: np.int32(x.size), [A]),
    OpSpec("rank", lambda x: tf.rank(x), lambda x: np.int32(x.ndim), [A]),
    OpSpec("fill", lambda v: tf.fill([2, 3], v), lambda v: np.full((2, 3), v), [np.float32(2)]),
    OpSpec("zeros_like", tf.zeros_like, np.zeros_like, [A], grad=False),
    OpSpec("ones_like", tf.ones_like, np.ones_like, [A], grad=False),
    OpSpec("one_hot", lambda i: tf.one_hot(i, 3), lambda i: np.eye(3, dtype=np.float32)[i],
           [I3]),
    OpSpec("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3]),
           lambda x: np.broadcast_to(x, (2, 3)), [V]),
    OpSpec("range", lambda n: tf.range(n), lambda n: np.arange(n, dtype=np.int32),
           [np.int32(5)], static_shape_exact=False),
    OpSpec("unsorted_segment_sum", lambda d, i: tf.unsorted_segment_sum(d, i, 3),
           lambda d, i: np.stack([d[i == k].sum(0) for k in range(3)]), [B.T.copy(), I3]),
]


def _print_then_identity(x):
    import os
    tf.print("value:", x, output_stream="file://" + os.devnull)
    return tf.identity(x)


SPECS.append(OpSpec("print", _print_then_identity, lambda x: x, [A], grad=False))
