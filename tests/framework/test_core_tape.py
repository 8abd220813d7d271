"""GradientTape: watching, persistence, higher order, jacobians, IndexedSlices."""

import numpy as np
import pytest

import tensorflux as tf


def test_watch_and_gradient():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(tf.multiply(x, x))
    np.testing.assert_allclose(g.gradient(y, x).numpy(), [2.0, 4.0])


def test_unwatched_constant_has_no_gradient():
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        y = tf.multiply(x, x)
    assert g.gradient(y, x) is None
    with tf.GradientTape() as g:
        y = tf.multiply(x, x)
    z = g.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert float(z) == 0.0


def test_variables_are_watched_automatically():
    v = tf.Variable(3.0)
    frozen = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as g:
        y = tf.multiply(v, frozen)
    gv, gf = g.gradient(y, [v, frozen])
    assert float(gv) == 2.0 and gf is None
    with tf.GradientTape(watch_accessed_variables=False) as g:
        y = tf.multiply(v, v)
    assert g.gradient(y, v) is None
    assert [w.name for w in tf.GradientTape().watched_variables()] == []


def test_non_persistent_tape_used_twice_raises():
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.multiply(x, x)
    g.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        g.gradient(y, x)


def test_persistent_tape():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.multiply(x, x)
        z = tf.multiply(y, x)
    assert float(g.gradient(y, x)) == 4.0
    assert float(g.gradient(z, x)) == 12.0


def test_stop_recording_and_stop_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        with g.stop_recording():
            a = tf.multiply(x, x)
        b = tf.multiply(tf.stop_gradient(tf.multiply(x, x)), x)
        y = tf.add(a, b)
    assert float(g.gradient(y, x)) == 9.0


def test_second_order_nested_tapes():
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.multiply(tf.multiply(x, x), x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == 27.0 and float(d2y) == 18.0


def test_second_order_inside_function():
    @tf.function
    def f(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.multiply(tf.multiply(x, x), x)
            dy = inner.gradient(y, x)
        return outer.gradient(dy, x)

    assert float(f(tf.constant(2.0))) == 12.0


def test_jacobian_and_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    w = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.matmul(x, w)
    j = g.jacobian(y, x)
    assert j.shape == [2, 3, 2, 2]
    expected = np.einsum("ac,bd->abcd", np.eye(2), w.numpy().T)
    np.testing.assert_allclose(j.numpy(), expected)
    bj = g.batch_jacobian(y, x)
    assert bj.shape == [2, 3, 2]
    np.testing.assert_allclose(bj.numpy()[0], w.numpy().T)


def test_output_gradients():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.multiply(x, x)
    gr = g.gradient(y, x, output_gradients=tf.constant([10.0, 1.0]))
    np.testing.assert_allclose(gr.numpy(), [20.0, 4.0])


def test_gather_gradient_is_indexed_slices():
    table = tf.Variable(np.arange(12, dtype=np.float32).reshape(6, 2))
    with tf.GradientTape() as g:
        rows = tf.gather(table, [1, 3, 1])
        loss = tf.reduce_sum(rows)
    grad = g.gradient(loss, table)
    assert isinstance(grad, tf.IndexedSlices)
    dense = tf.convert_to_tensor(grad).numpy()
    expected = np.zeros((6, 2), np.float32)
    expected[1] = 2
    expected[3] = 1
    np.testing.assert_array_equal(dense, expected)


def test_gradient_of_integer_target_raises():
    x = tf.constant(1)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.add(x, x)
    with pytest.raises(ValueError, match="floating"):
        g.gradient(y, x)


def test_custom_gradient():
    @tf.custom_gradient
    def scaled(x):
        def grad(dy):
            return tf.multiply(dy, 100.0)
        return tf.identity(x), grad

    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = scaled(x)
    assert float(g.gradient(y, x)) == 100.0


def test_tf_gradients_inside_function():
    @tf.function
    def f(x):
        y = tf.multiply(x, x)
        return tf.gradients(y, x)[0]

    assert float(f(tf.constant(5.0))) == 10.0
    with pytest.raises(RuntimeError, match="GradientTape"):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))
