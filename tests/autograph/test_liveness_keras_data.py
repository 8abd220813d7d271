"""AutoGraph part 2: conversion where TF applies it (tf.data functions, Keras ``call`` and
step overrides), liveness of state variables, attribute/subscript state, return checks.
References: the same Python code run eagerly."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux._src.framework.tensor import OperatorNotAllowedInGraphError

from tests.autograph.test_control_flow import check, op_types


# ---- tf.data ----------------------------------------------------------------------------------


def shift(x):
    if x > 2:
        y = x * 2
    else:
        y = -x
    i = tf.constant(0, tf.int64)
    while i < x:
        y += 1
        i += 1
    return y


def test_dataset_map_converts_tensor_if_and_while():
    got = [int(v) for v in tf.data.Dataset.range(6).map(shift)]
    assert got == [int(shift(tf.constant(v, tf.int64))) for v in range(6)]


def test_dataset_filter_lambda_calls_converted_function():
    got = [int(v) for v in tf.data.Dataset.range(6).filter(lambda x: shift(x) > 3)]
    assert got == [v for v in range(6) if int(shift(tf.constant(v, tf.int64))) > 3]


def test_dataset_scan_and_reduce_convert():
    def step(s, x):
        if x % 2 == 0:
            s = s + x
        return s, s

    ds = tf.data.Dataset.range(7)
    got = [int(v) for v in ds.scan(tf.constant(0, tf.int64), step)]
    want, s = [], 0
    for x in range(7):
        s = s + x if x % 2 == 0 else s
        want.append(s)
    assert got == want
    assert int(ds.reduce(tf.constant(0, tf.int64), lambda s, x: step(s, x)[0])) == want[-1]


def test_dataset_lambda_is_converted():
    ds = tf.data.Dataset.from_tensor_slices(np.array([-2.0, 3.0, -1.0], np.float32))
    out = ds.map(lambda x: tf.abs(x) if x < 0 else x * 10)   # a conditional expression
    assert [float(v) for v in out] == [2.0, 30.0, 1.0]


# ---- Keras ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    yield
    keras.backend.clear_session(free_memory=False)   # later tests expect fresh layer names


class Gate(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="ones")

    def call(self, x):
        y = tf.matmul(x, self.w)
        if tf.reduce_sum(y) > 0:
            y = y * 2.0
        else:
            y = y * 0.5
        acc = tf.zeros_like(y)
        for _ in tf.range(3):
            acc += y / 3.0
        return acc


def _data():
    rs = np.random.RandomState(0)
    return rs.randn(32, 4).astype("float32"), rs.randn(32, 1).astype("float32")


def _fit(make, eager, spe=1):
    keras.utils.set_random_seed(0)
    m = make()
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", run_eagerly=eager,
              steps_per_execution=spe)
    h = m.fit(*_data(), epochs=2, batch_size=8, verbose=0)
    return h.history["loss"], [w.copy() for w in m.get_weights()]


def _same_as_eager(make, spe=1):
    (l1, w1), (l2, w2) = _fit(make, False, spe), _fit(make, True, spe)
    np.testing.assert_allclose(l1, l2, rtol=1e-5)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_layer_call_with_tensor_if_and_for_trains_with_fit():
    _same_as_eager(lambda: keras.Sequential([keras.Input((4,)), Gate()]))


def test_layer_call_converted_in_tf_function_and_functional_model():
    layer = Gate()
    x = tf.constant(_data()[0][:5])
    eager = layer(x).numpy()
    f = tf.function(lambda t: layer(t))
    np.testing.assert_allclose(f(x).numpy(), eager, rtol=1e-6)
    assert {"If", "While"} <= op_types(f.get_concrete_function(x).graph)
    inp = keras.Input((4,))
    model = keras.Model(inp, layer(inp))   # symbolic tracing converts too
    np.testing.assert_allclose(model.predict(x.numpy(), verbose=0), eager, rtol=1e-6)


class LoopStep(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = keras.layers.Dense(1, kernel_initializer="ones")

    def call(self, x):
        return self.d(x)

    def train_step(self, data):
        x, y = data
        i = tf.constant(0)
        n = tf.shape(x)[0] // 4
        total = tf.constant(0.0)
        while i < n:   # a tensor `while`: converted because Keras traces train_step
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((self(x, training=True) - y) ** 2)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            total += loss
            i += 1
        return {"loss": total / tf.cast(n, tf.float32)}


@pytest.mark.parametrize("spe", [1, 2])
def test_custom_train_step_with_tensor_while(spe):
    _same_as_eager(LoopStep, spe)


def test_builtin_layers_are_not_converted():
    from tensorflux._src.autograph import impl
    from tensorflux.keras.src.engine.layer import _traced_call

    d = keras.layers.Dense(2)
    assert impl.convert(d.call) == d.call   # tensorflux's own layers run as written
    g = Gate()
    assert _traced_call(g) == g.call   # eager: as written
    assert getattr(impl.convert(g.call), "__ag_converted__", False)
    assert impl.convert(g.call).__func__ is impl.convert(Gate().call).__func__  # per method


# ---- liveness ----------------------------------------------------------------------------


def dead_python_objects(n):
    msg = "start"
    tmp = None
    i = 0
    while i < n:
        msg = "in loop"  # noqa: F841 - a str: fine, it is dead after the loop
        tmp = [i, i]          # a list, also dead
        i += tmp[0] * 0 + 1
    return i


def test_dead_python_objects_in_tensor_loop():
    check(dead_python_objects, [(0,), (3,), (5,)])


def input_only_if(x):
    s = x
    if x > 0:
        s = s + 1          # s is read in the branch but dead after the `if`
        out = s * 2
    else:
        out = s - 1
    return out


def test_if_input_only_variable():
    check(input_only_if, [(3,), (-3,)], expect_ops=("If",))


def closure_reads_after_if(x):
    y = x * 0

    def get():
        return y           # reads y when called: y stays live
    if x > 0:
        y = x * 3
    return get()


def test_closure_keeps_variable_live():
    check(closure_reads_after_if, [(2,), (-2,)], expect_ops=("If",))


def test_dead_variable_not_an_output():
    def f(x):
        if x > 0:
            unused = "text"
            y = x + 1
        else:
            unused = 3  # noqa: F841
            y = x - 1
        return y
    code = tf.autograph.to_code(f)
    assert "('y',), 1)" in code and "'unused'" not in code.split("if_stmt")[1]
    check(f, [(1,), (-1,)], expect_ops=("If",))


def test_one_sided_return_raises_tf_error():
    def f(x):
        if x > 0:
            return x

    with pytest.raises(ValueError, match="the else branch must also have a return"):
        tf.function(f)(tf.constant(1))

    def g(x):
        if x > 0:
            return x
        return None

    with pytest.raises(ValueError, match="'retval_' is None at the end of the else branch"):
        tf.function(g)(tf.constant(1))

    assert f(-1) is None   # Python semantics are unchanged


def early_returns(x):
    if x > 5:
        return x * 10
    y = x + 1
    if y < 0:
        return -y
    if y > 2:
        y = y * 3
    else:
        return y
    return y + 100


def test_return_then_rest_becomes_else_branch():
    check(early_returns, [(6,), (-4,), (1,), (3,)], expect_ops=("If",))


# ---- attribute / subscript state --------------------------------------------------------------


class Acc:
    def __init__(self):
        self.total = tf.constant(0)

    def run(self, n):
        d = {"k": tf.constant(1)}
        for i in tf.range(n):
            self.total = self.total + i
            d["k"] = d["k"] * 2
        if n > 2:
            self.total = self.total * 10
        return self.total, d["k"]


def test_attribute_and_subscript_state():
    for n in (0, 3, 4):
        want = Acc().run(n)
        a = Acc()
        got = tf.function(a.run)(tf.constant(n))
        assert [int(v) for v in got] == [int(v) for v in want]
    code = tf.autograph.to_code(Acc.run)
    assert "('self.total', \"d['k']\")" in code


def test_attribute_of_object_made_in_loop_is_local():
    class Box:
        pass

    def f(n):
        i = tf.constant(0)
        s = tf.constant(0)
        while i < n:
            b = Box()
            b.v = i * 2        # `b` is not live into the loop: not state (TF's rule)
            s += b.v
            i += 1
        return s
    check(f, [(0,), (4,)])


def test_unconverted_still_fails():
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(OperatorNotAllowedInGraphError):
        tf.function(f, autograph=False)(tf.constant(1))
