"""Focused tests for TensorFlow indexing (Tensor.__getitem__, strided_slice, slice)."""

import random

import numpy as np
import pytest

import tensorflux as tf

A = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(np.int32)


def _random_index(rng):
    items = []
    for _ in range(rng.randint(0, 5)):
        c = rng.random()
        if c < 0.3:
            items.append(rng.randint(-2, 1))
        elif c < 0.8:
            def bound():
                return rng.choice([None, rng.randint(-7, 7)])
            items.append(slice(bound(), bound(), rng.choice([None, 1, 2, -1, -2, 3])))
        elif c < 0.9:
            items.append(None)
        elif Ellipsis not in items:
            items.append(Ellipsis)
    return tuple(items)


def test_getitem_matches_numpy_eager_and_graph():
    rng = random.Random(0)
    t = tf.constant(A)
    for _ in range(300):
        idx = _random_index(rng)
        try:
            ref = A[idx]
        except IndexError:
            with pytest.raises((tf.errors.InvalidArgumentError, ValueError)):
                t[idx]
            continue
        out = t[idx]
        assert out.shape == ref.shape, idx
        np.testing.assert_array_equal(out.numpy(), ref, err_msg=str(idx))


def test_getitem_graph_unknown_shape():
    rng = random.Random(1)
    for _ in range(25):
        idx = _random_index(rng)
        try:
            ref = A[idx]
        except IndexError:
            continue
        g = tf.function(lambda x, idx=idx: x[idx],
                        input_signature=[tf.TensorSpec([None] * 4, tf.int32)])
        cf = g.get_concrete_function()
        assert cf.outputs[0].shape.is_compatible_with(ref.shape), idx
        np.testing.assert_array_equal(g(tf.constant(A)).numpy(), ref, err_msg=str(idx))


def test_newaxis_and_tensor_indices():
    t = tf.constant(A)
    assert tf.newaxis is None
    assert t[tf.newaxis].shape == (1, 2, 3, 4, 5)
    i = tf.constant(1, tf.int64)
    np.testing.assert_array_equal(t[i, :i, -1].numpy(), A[1, :1, -1])

    @tf.function
    def f(x, k):
        return x[k, 1:]
    out = f(t, tf.constant(1))
    np.testing.assert_array_equal(out.numpy(), A[1, 1:])
    cf = f.get_concrete_function(t, tf.constant(1))
    assert cf.outputs[0].shape == (2, 4, 5)


def test_index_errors():
    t = tf.constant(A)
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        t[2]
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        t[0, -4]
    with pytest.raises(TypeError, match="valid indices"):
        t[1.5]
    with pytest.raises(TypeError, match="valid indices"):
        t[tf.constant([0, 1])]
    with pytest.raises(TypeError, match="valid indices"):
        t[0, [0, 1]]
    with pytest.raises(TypeError, match="valid indices"):
        t[tf.constant(1.0)]
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="Multiple ellipses"):
        t[..., 0, ...]
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="Index out of range"):
        t[0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="out of bounds"):
        tf.function(lambda x: x[5])(t)


def test_bool_mask_index_and_list_index():
    t = tf.constant(A[0, 0])
    np.testing.assert_array_equal(t[t > 7].numpy(), A[0, 0][A[0, 0] > 7])
    # A Python list is a sequence of indices, as in TensorFlow: t[[1, 2]] == t[1, 2].
    assert t[[1, 2]].numpy() == A[0, 0][1, 2]


def test_strided_slice_api():
    t = tf.constant(A[0])
    out = tf.strided_slice(t, [0, 0, 1], [2, 2, 4], [1, 1, 2], shrink_axis_mask=2)
    np.testing.assert_array_equal(out.numpy(), A[0][0:2, 0, 1:4:2])
    out = tf.strided_slice(t, [1], [2], ellipsis_mask=0, new_axis_mask=0)
    np.testing.assert_array_equal(out.numpy(), A[0][1:2])
    out = tf.strided_slice(t, [0, 1], [0, 2], [1, 1], ellipsis_mask=1)
    np.testing.assert_array_equal(out.numpy(), A[0][..., 1:2])


def test_slice_api_and_errors():
    t = tf.constant(A[0])
    np.testing.assert_array_equal(tf.slice(t, [1, 1, 0], [-1, 2, -1]).numpy(), A[0][1:, 1:3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected size"):
        tf.slice(t, [1, 0, 0], [3, 1, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected begin"):
        tf.slice(t, [4, 0, 0], [0, 1, 1])


def test_variable_getitem_and_gradient():
    v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    out = v[1, ::-1]
    assert isinstance(out, tf.Tensor)
    np.testing.assert_array_equal(out.numpy(), [5.0, 4.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[:, 1:] * 2.0)
    g = tape.gradient(y, v)
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy(), [[0, 2, 2], [0, 2, 2]])
    assert tf.shape(v).numpy().tolist() == [2, 3]


def test_strided_slice_second_order():
    x = tf.constant(np.arange(5, dtype=np.float64))
    w = tf.constant(np.array([1.0, 2.0, 3.0]))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x[::2] * x[::2])
        g = inner.gradient(y, x)  # 2x at even positions
        z = tf.reduce_sum(g[::2] * w)
    gg = outer.gradient(z, x)
    np.testing.assert_allclose(gg.numpy(), [2.0, 0.0, 4.0, 0.0, 6.0])


def test_slice_gradient_in_graph_unknown_shape():
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float64)])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.slice(x, [1, 0], [1, -1]))
        return tape.gradient(y, x)
    np.testing.assert_array_equal(f(tf.ones([3, 2], tf.float64)).numpy(),
                                  [[0, 0], [1, 1], [0, 0]])
