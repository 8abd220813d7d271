"""Control flow beyond the spec table: eager vs graph, gradients, variables, errors."""

import numpy as np
import pytest

import tensorflux as tf


def _both(fn, *args):
    return fn(*args), tf.function(fn)(*args)


def test_cond_eager_and_graph_agree():
    x = tf.constant([1.0, 2.0])
    for p in (True, False):
        e, g = _both(lambda p, x: tf.cond(p, lambda: x * 3.0, lambda: x - 1.0),
                     tf.constant(p), x)
        np.testing.assert_allclose(e.numpy(), g.numpy())


def test_cond_python_bool_and_constant_outputs():
    @tf.function
    def f(x):
        return tf.cond(x > 0.0, lambda: 1.0, lambda: 2.0)
    assert float(f(tf.constant(3.0))) == 1.0
    assert float(f(tf.constant(-3.0))) == 2.0
    assert float(tf.cond(True, lambda: tf.constant(5.0), lambda: tf.constant(6.0))) == 5.0


def test_cond_structure_mismatch_errors():
    @tf.function
    def f(x):
        return tf.cond(x > 0.0, lambda: (x, x), lambda: x)
    with pytest.raises(TypeError, match="must have the same number, type, and overall"):
        f(tf.constant(1.0))

    @tf.function
    def g(x):
        return tf.cond(x > 0.0, lambda: x, lambda: tf.constant(1))
    with pytest.raises(TypeError, match="different types"):
        g(tf.constant(1.0))
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        tf.cond(tf.constant(True), 1.0, lambda: 2.0)


def test_while_power_gradient_analytic_and_numeric():
    def power(x, n):
        return tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x),
                             (tf.constant(0), tf.ones_like(x)))[1]

    x = tf.constant(1.3, tf.float64)
    for f in (power, tf.function(power)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x, tf.constant(5))
        np.testing.assert_allclose(y.numpy(), 1.3 ** 5)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), 5 * 1.3 ** 4, rtol=1e-10)
    eps = 1e-6
    num = (power(x + eps, 5).numpy() - power(x - eps, 5).numpy()) / (2 * eps)

    @tf.function
    def grad_in_fn(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = power(x, tf.constant(5))
        return tape.gradient(y, x)
    np.testing.assert_allclose(grad_in_fn(x).numpy(), num, rtol=1e-6)


def test_maximum_iterations_stops_unbounded_loop():
    def f(x):
        return tf.while_loop(lambda i, y: True, lambda i, y: (i + 1, y + x),
                             [tf.constant(0), x], maximum_iterations=7)
    for out in _both(f, tf.constant(2.0)):
        assert isinstance(out, list)
        assert int(out[0]) == 7 and float(out[1]) == 16.0


def test_while_single_var_and_structure():
    out = tf.while_loop(lambda v: v < 10, lambda v: v * 2, [tf.constant(1)])
    assert isinstance(out, list) and int(out[0]) == 16
    r = tf.function(lambda x: tf.while_loop(
        lambda s: s["a"] < 100.0, lambda s: ({"a": s["a"] * 3.0, "b": s["b"] + 1},),
        ({"a": x, "b": tf.constant(0)},)))(tf.constant(2.0))
    assert float(r[0]["a"]) == 162.0 and int(r[0]["b"]) == 4


def test_while_shape_and_dtype_errors():
    @tf.function
    def grows(x):
        return tf.while_loop(lambda v: tf.size(v) < 5, lambda v: tf.concat([v, v], 0), [x])
    with pytest.raises(ValueError, match="shape_invariants"):
        grows(tf.constant([1.0]))

    @tf.function
    def grows_ok(x):
        return tf.while_loop(lambda v: tf.size(v) < 5, lambda v: tf.concat([v, v], 0), [x],
                             shape_invariants=[tf.TensorShape([None])])
    assert grows_ok(tf.constant([1.0]))[0].shape == (8,)

    @tf.function
    def bad_dtype(x):
        return tf.while_loop(lambda v: True, lambda v: tf.cast(v, tf.int32), [x],
                             maximum_iterations=2)
    with pytest.raises(TypeError, match="enters the loop with type"):
        bad_dtype(tf.constant(1.0))
    with pytest.raises(ValueError, match="'loop_vars' must be provided"):
        tf.while_loop(lambda: True, lambda: (), [])


def test_nested_cond_in_while_gradient():
    def f(x):
        def body(i, y):
            return i + 1, tf.cond(i % 2 == 0, lambda: y * x, lambda: y + x)
        return tf.while_loop(lambda i, y: i < 4, body, (tf.constant(0), x))[1]

    x = tf.constant(0.7, tf.float64)
    ref = lambda v: ((v * v + v) * v + v)  # noqa: E731
    for fn in (f, tf.function(f)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        np.testing.assert_allclose(y.numpy(), ref(0.7))
        num = (ref(0.7 + 1e-6) - ref(0.7 - 1e-6)) / 2e-6
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), num, rtol=1e-6)


def test_variable_read_and_assigned_in_while_body():
    v = tf.Variable(1.0)

    @tf.function
    def f(n):
        def body(i):
            v.assign(v * 2.0)
            return (i + 1,)
        tf.while_loop(lambda i: i < n, body, (tf.constant(0),))
        return v.read_value()
    assert float(f(tf.constant(3))) == 8.0
    assert float(v.numpy()) == 8.0
    assert float(f(tf.constant(2))) == 32.0


def test_variable_gradient_through_while_and_cond():
    w = tf.Variable(1.5, dtype=tf.float64)

    @tf.function
    def f(x):
        y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), (0, x))[1]
        return tf.cond(y > 0.0, lambda: y * w, lambda: y)

    x = tf.constant(2.0, tf.float64)
    with tf.GradientTape() as tape:
        y = f(x)
    # y = x * w**4
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), 4 * 2.0 * 1.5 ** 3)


def test_tensor_array_in_while_loop_gradient():
    def f(x):
        ta = tf.TensorArray(x.dtype, size=0, dynamic_size=True)

        def body(i, y, ta):
            y = y * x
            return i + 1, y, ta.write(i, y)
        _, _, ta = tf.while_loop(lambda i, y, ta: i < 3, body, (0, tf.ones_like(x), ta))
        return ta.stack()

    x = tf.constant([0.5, 2.0], tf.float64)
    for fn in (f, tf.function(f)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            s = fn(x)
            loss = tf.reduce_sum(s)
        np.testing.assert_allclose(s.numpy(), [[0.5, 2], [0.25, 4], [0.125, 8]])
        xv = x.numpy()
        np.testing.assert_allclose(tape.gradient(loss, x).numpy(), 1 + 2 * xv + 3 * xv ** 2)


def test_map_fn_nested_and_capture_gradient():
    w = tf.constant(3.0, tf.float64)

    def f(a, b, w):  # w is captured by the mapped fn
        return tf.map_fn(lambda e: e[0] * w + e[1], (a, b), fn_output_signature=tf.float64)

    a = tf.constant([1.0, 2.0], tf.float64)
    b = tf.constant([10.0, 20.0], tf.float64)
    for fn in (f, tf.function(f)):
        with tf.GradientTape() as tape:
            tape.watch([a, w])
            out = fn(a, b, w)
        np.testing.assert_allclose(out.numpy(), [13.0, 26.0])
        ga, gw = tape.gradient(out, [a, w])
        np.testing.assert_allclose(ga.numpy(), [3.0, 3.0])
        assert float(gw) == 3.0


def test_scan_cumsum_gradient():
    x = tf.constant([1.0, 2.0, 3.0], tf.float64)
    for fn in (lambda e: tf.scan(lambda a, v: a + v, e), tf.function(
            lambda e: tf.scan(lambda a, v: a + v, e))):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        np.testing.assert_allclose(y.numpy(), [1.0, 3.0, 6.0])
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), [3.0, 2.0, 1.0])


def test_switch_case_and_case():
    def sc(i):
        return tf.switch_case(i, {0: lambda: tf.constant(1.0), 1: lambda: tf.constant(2.0)})
    for i, want in ((0, 1.0), (1, 2.0), (9, 2.0)):
        e, g = _both(sc, tf.constant(i))
        assert float(e) == want and float(g) == want

    def c(x):
        return tf.case([(x < 0.0, lambda: -x), (x < 10.0, lambda: x * 2.0)],
                       default=lambda: x)
    for v, want in ((-2.0, 2.0), (3.0, 6.0), (20.0, 20.0)):
        e, g = _both(c, tf.constant(v))
        assert float(e) == want and float(g) == want
    with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive"):
        tf.case([(tf.constant(True), lambda: 1), (tf.constant(True), lambda: 2)],
                exclusive=True)
    with pytest.raises(ValueError, match="contiguous"):
        tf.switch_case(tf.constant(0), {0: lambda: 1, 2: lambda: 2})


def test_eager_tensor_array_semantics():
    ta = tf.TensorArray(tf.float32, size=2)
    ta.write(0, 1.0)  # eager arrays are written in place, as in TensorFlow
    ta.write(1, 2.0)
    assert float(ta.read(0)) == 1.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="twice"):
        ta.read(0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not resizeable"):
        ta.write(5, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="dtype"):
        tf.TensorArray(tf.float32, size=1).write(0, tf.constant(1))


def test_graph_tensor_array_write_out_of_range():
    @tf.function
    def f(x):
        return tf.TensorArray(tf.float32, size=1).write(3, x).stack()
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tried to write to index 3"):
        f(tf.constant(1.0))
