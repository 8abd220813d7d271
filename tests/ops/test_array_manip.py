"""Focused tests for array manipulation, scatter/gather, sort and misc ops: errors, edge
cases and behaviour the spec table cannot express."""

import numpy as np
import pytest

import tensorflux as tf


def test_squeeze_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Can not squeeze dim"):
        tf.squeeze(tf.zeros([2, 1]), axis=0)
    with pytest.raises(ValueError, match="Can not squeeze dim"):
        tf.function(lambda x: tf.squeeze(x, axis=0))(tf.zeros([2, 1]))
    assert tf.squeeze(tf.zeros([1, 2, 1]), axis=-1).shape == (1, 2)


def test_tile_reverse_roll_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiples"):
        tf.tile(tf.zeros([2, 2]), [2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than once"):
        tf.reverse(tf.zeros([2, 2]), [0, -2])
    np.testing.assert_array_equal(tf.roll(tf.range(5), -1, 0).numpy(), [1, 2, 3, 4, 0])


def test_transpose_and_matrix_like():
    x = tf.constant(np.arange(6).reshape(2, 3))
    assert tf.transpose(x).shape == (3, 2)
    c = tf.constant(np.array([[1 + 2j, 3j]]))
    np.testing.assert_array_equal(tf.transpose(c, conjugate=True).numpy(),
                                  np.array([[1 - 2j], [-3j]]))
    with pytest.raises(ValueError, match="permutation"):
        tf.function(lambda t: tf.transpose(t, [0, 0]))(x)


def test_repeat_dynamic_repeats_in_graph():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32),
                                  tf.TensorSpec([None], tf.int32)])
    def f(x, r):
        return tf.repeat(x, r)
    out = f(tf.constant([1, 2, 3]), tf.constant([2, 0, 1]))
    np.testing.assert_array_equal(out.numpy(), [1, 1, 3])


def test_gather_nd_scatter_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into param"):
        tf.gather_nd(tf.zeros([2, 2]), [[0, 2]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into shape"):
        tf.scatter_nd([[4]], [1.0], [3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into shape"):
        tf.tensor_scatter_nd_add(tf.zeros([3]), [[-1]], [1.0])
    np.testing.assert_array_equal(tf.scatter_nd([[1], [1]], [2, 3], [3]).numpy(), [0, 5, 0])


def test_gather_nd_batch_dims_gradient():
    p = tf.constant(np.arange(12, dtype=np.float64).reshape(2, 3, 2))
    i = tf.constant([[[1]], [[2]]])
    with tf.GradientTape() as tape:
        tape.watch(p)
        y = tf.reduce_sum(tf.gather_nd(p, i, batch_dims=1))
    g = tape.gradient(y, p).numpy()
    expect = np.zeros((2, 3, 2))
    expect[0, 1] = 1
    expect[1, 2] = 1
    np.testing.assert_array_equal(g, expect)


def test_where_forms():
    np.testing.assert_array_equal(tf.where([[True, False], [False, True]]).numpy(),
                                  [[0, 0], [1, 1]])
    assert tf.where([True]).dtype == tf.int64
    with pytest.raises(ValueError, match="both be non-None"):
        tf.where([True], 1.0)
    np.testing.assert_array_equal(tf.where([True, False], [1, 2], [[3, 4], [5, 6]]).numpy(),
                                  [[1, 4], [1, 6]])


def test_boolean_mask_errors_and_multidim():
    x = tf.constant(np.arange(24).reshape(2, 3, 4))
    m = np.array([[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(tf.boolean_mask(x, m).numpy(), np.arange(24).reshape(
        2, 3, 4)[m])
    with pytest.raises(ValueError, match="scalar"):
        tf.boolean_mask(x, True)
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(x, [True, False, True])


def test_sort_unique_searchsorted_errors():
    with pytest.raises(ValueError, match="direction"):
        tf.sort([1, 2], direction="UP")
    with pytest.raises(tf.errors.InvalidArgumentError, match="1D"):
        tf.unique(tf.zeros([2, 2]))
    with pytest.raises(ValueError, match="side"):
        tf.searchsorted([1, 2], [1], side="middle")
    y, idx = tf.unique(tf.constant(["b", "a", "b"]))
    assert y.numpy().tolist() == [b"b", b"a"] and idx.numpy().tolist() == [0, 1, 0]


def test_sort_gradient_through_top_k():
    x = tf.constant([3.0, 1.0, 2.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.sort(x) * tf.constant([1.0, 2.0, 3.0], tf.float64))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [3.0, 1.0, 2.0])


def test_pad_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="less than the dimension"):
        tf.pad(tf.zeros([2]), [[2, 0]], mode="REFLECT")
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        tf.pad(tf.zeros([2]), [[-1, 0]])
    with pytest.raises(ValueError, match="mode"):
        tf.pad(tf.zeros([2]), [[1, 0]], mode="WRAP")
    np.testing.assert_array_equal(tf.pad(tf.constant([b"a"]), [[1, 0]]).numpy().tolist(),
                                  [b"", b"a"])


def test_ensure_shape_and_broadcast_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not compatible"):
        tf.ensure_shape(tf.zeros([2, 3]), [2, 4])
    with pytest.raises(ValueError, match="not compatible"):
        tf.function(lambda x: tf.ensure_shape(x, [3]))(tf.zeros([2]))

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
    def f(x):
        y = tf.ensure_shape(x, [None, 3])
        assert y.shape.as_list() == [None, 3]
        return y
    f(tf.zeros([1, 3]))
    assert tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3])) == [2, 3]
    with pytest.raises(ValueError, match="Incompatible shapes"):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.broadcast_dynamic_shape([2], [3])


def test_bitcast_sequence_mask_linspace_eye():
    with pytest.raises(tf.errors.InvalidArgumentError, match="last dimension"):
        tf.bitcast(tf.zeros([3], tf.int32), tf.float64)
    assert tf.bitcast(tf.constant(1.0), tf.int32).numpy() == 1065353216
    np.testing.assert_array_equal(tf.sequence_mask([2], 3, dtype=tf.int32).numpy(), [[1, 1, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="num > 0"):
        tf.linspace(0.0, 1.0, 0)
    np.testing.assert_array_equal(tf.eye(2, 3, dtype=tf.int32).numpy(), np.eye(2, 3))
    assert tf.eye(2, batch_shape=[2, 3]).shape == (2, 3, 2, 2)


def test_identity_n_mixed_dtypes_in_graph():
    @tf.function
    def f(a, b):
        return tf.identity_n([a, b])
    a, b = f(tf.constant(1.5), tf.constant([1, 2]))
    assert a.dtype == tf.float32 and b.dtype == tf.int32


def test_meshgrid_errors():
    with pytest.raises(ValueError, match="indexing"):
        tf.meshgrid([1], [2], indexing="ab")
    with pytest.raises(TypeError, match="invalid keyword"):
        tf.meshgrid([1], [2], foo=1)
