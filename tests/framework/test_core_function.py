"""tf.function: tracing, caching, relaxation, side effects, captures, errors."""

import logging

import numpy as np
import pytest

import tensorflux as tf


def test_traces_once_per_signature():
    @tf.function
    def f(x):
        return tf.multiply(x, 2.0)

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant([1.0, 2.0]))
    assert f.experimental_get_tracing_count() == 2
    f(tf.constant(3.0, tf.float64))
    assert f.experimental_get_tracing_count() == 3


def test_shapes_relaxed_before_retracing():
    @tf.function
    def f(x):
        return tf.reduce_sum(x)

    f(tf.ones([2]))
    f(tf.ones([3]))
    f(tf.ones([4]))
    f(tf.ones([5]))
    assert f.experimental_get_tracing_count() == 2
    cf = f.get_concrete_function(tf.ones([7]))
    assert cf.graph.inputs[0].shape.as_list() == [None]


def test_python_values_retrace_and_warn(caplog):
    @tf.function
    def f(x, n):
        return tf.multiply(x, float(n))

    with caplog.at_level(logging.WARNING, logger="tensorflux"):
        for n in range(7):
            f(tf.constant(1.0), n)
    assert f.experimental_get_tracing_count() == 7
    assert any("retracing" in r.message and "changed value" in r.message
               for r in caplog.records)


def test_python_side_effects_run_at_trace_time_only():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return tf.add(x, 1.0)

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(calls) == 1


def test_input_signature():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        return tf.reduce_sum(x, axis=1)

    np.testing.assert_allclose(f(tf.ones([3, 2])).numpy(), [2, 2, 2])
    f(tf.ones([5, 2]))
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError):
        f(tf.ones([3, 3]))
    cf = f.get_concrete_function()
    assert cf.graph.inputs[0].shape.as_list() == [None, 2]


def test_nested_structures_and_kwargs():
    @tf.function
    def f(d, scale=2.0):
        return {"sum": tf.add(d["a"], d["b"]), "scaled": tf.multiply(d["a"], scale)}

    out = f({"a": tf.constant(1.0), "b": tf.constant(2.0)}, scale=3.0)
    assert float(out["sum"]) == 3.0 and float(out["scaled"]) == 3.0


def test_captures_eager_tensors_and_variables():
    c = tf.constant(10.0)
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        return tf.add(tf.multiply(x, c), v)

    assert float(f(tf.constant(2.0))) == 21.0
    v.assign(5.0)
    assert float(f(tf.constant(2.0))) == 25.0
    cf = f.get_concrete_function(tf.constant(2.0))
    assert v in [x for x in cf.variables]


def test_run_functions_eagerly():
    calls = []

    @tf.function
    def f(x):
        calls.append(tf.executing_eagerly())
        return x

    try:
        from tensorflux._src.framework.function import run_functions_eagerly
        run_functions_eagerly(True)
        f(tf.constant(1.0))
        f(tf.constant(1.0))
        assert calls == [True, True]
    finally:
        run_functions_eagerly(False)


def test_nested_function_is_inlined():
    @tf.function
    def inner(x):
        return tf.multiply(x, 3.0)

    @tf.function
    def outer(x):
        return tf.add(inner(x), 1.0)

    assert float(outer(tf.constant(2.0))) == 7.0


def test_method_decoration_binds_per_instance():
    class A:
        def __init__(self, k):
            self.k = k

        @tf.function
        def f(self, x):
            return tf.multiply(x, self.k)

    assert float(A(2.0).f(tf.constant(3.0))) == 6.0
    assert float(A(5.0).f(tf.constant(3.0))) == 15.0


def test_symbolic_tensor_misuse_errors():
    @tf.function(autograph=False)  # AutoGraph would convert the `if` into tf.cond
    def f(x):
        if x:
            return x
        return x

    with pytest.raises(TypeError, match="Python `bool`"):
        f(tf.constant(True))


def test_runtime_error_points_at_creating_line():
    @tf.function
    def f(p, i):
        return tf.gather(p, i)

    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        f(tf.ones([3]), tf.constant([5]))
    assert "GatherV2" in str(e.value) and "test_core_function.py" in str(e.value)


def test_gradient_through_function_call():
    w = tf.Variable([[1.0], [2.0]])

    @tf.function
    def model(x):
        return tf.reduce_sum(tf.matmul(x, w))

    x = tf.constant([[1.0, 1.0], [2.0, 3.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = model(x)
    gx, gw = g.gradient(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), [[1, 2], [1, 2]])
    np.testing.assert_allclose(gw.numpy(), [[3], [4]])


def test_second_order_through_function_call():
    @tf.function
    def cube(x):
        return tf.multiply(tf.multiply(x, x), x)

    x = tf.constant(2.0)
    with tf.GradientTape() as g2:
        g2.watch(x)
        with tf.GradientTape() as g1:
            g1.watch(x)
            y = cube(x)
        dy = g1.gradient(y, x)
    assert float(dy) == 12.0 and float(g2.gradient(dy, x)) == 12.0


def test_training_step_in_function_updates_variables():
    w = tf.Variable(np.array([[0.5], [-0.5]], np.float32))
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[1.0], [2.0]])

    @tf.function
    def step():
        with tf.GradientTape() as g:
            err = tf.subtract(tf.matmul(x, w), y)
            loss = tf.reduce_sum(tf.multiply(err, err))
        gw = g.gradient(loss, w)
        w.assign_sub(tf.multiply(gw, 0.01))
        return loss

    losses = [float(step()) for _ in range(50)]
    assert losses[-1] < losses[0] * 0.1
    assert step.experimental_get_tracing_count() == 1


def test_concrete_function_properties():
    @tf.function
    def f(x):
        return tf.multiply(x, 2.0)

    cf = f.get_concrete_function(tf.TensorSpec([2], tf.float32))
    assert cf.structured_outputs.shape == [2]
    np.testing.assert_allclose(cf(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])


def test_compiled_plan_runs_like_the_step_loop():
    """From its second run a plan runs as generated code: same values, same errors."""
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        v.assign_add(1.0)
        y = tf.debugging.check_numerics(tf.math.log(x), "log of x")
        return y * 2.0, tf.shape(x), tf.unstack(x)[0]

    ok = tf.constant([1.0, 2.0])
    first = [t.numpy() for t in f(ok)]
    plan = f.get_concrete_function(ok)._get_plan()
    assert plan._fast is None                      # the first run used the step loop
    second = [t.numpy() for t in f(ok)]
    assert plan._fast is not None
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert v.numpy() == 3.0                        # stateful ops ran once per call
    errors = []
    for run in (lambda: f(tf.constant([1.0, -1.0])),
                lambda: plan.run([tf.constant([1.0, -1.0])._value, v], plan.steps)):
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            run()
        errors.append(e.value.message)
    assert errors[0] == errors[1] and "log of x" in errors[0] and "CheckNumerics" in errors[0]
