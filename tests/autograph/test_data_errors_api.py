"""AutoGraph: dataset loops inside tf.function, error messages, and the tf.autograph API."""

import traceback

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework.tensor import OperatorNotAllowedInGraphError
from tests.autograph.test_control_flow import op_types

DATA = np.arange(12, dtype=np.float32).reshape(6, 2)


def test_for_over_dataset_sum_equals_eager():
    ds = tf.data.Dataset.from_tensor_slices(DATA).map(lambda x: x * 2.0)

    def total(ds):
        s = tf.zeros([2])
        n = 0
        for x in ds:
            s += x
            n += 1
        return s, n

    eager = total(ds)
    f = tf.function(total)
    got = f(ds)
    np.testing.assert_allclose(got[0].numpy(), eager[0].numpy())
    np.testing.assert_allclose(got[0].numpy(), DATA.sum(0) * 2)
    assert int(got[1]) == 6
    types = op_types(f.get_concrete_function(ds).graph)
    assert {"While", "IteratorGetNextAsOptional", "OptionalHasValue", "OptionalGetValue"} <= types
    # Each call of the graph iterates the dataset anew.
    np.testing.assert_allclose(f(ds)[0].numpy(), DATA.sum(0) * 2)
    assert f.experimental_get_tracing_count() == 1


def test_dataset_loop_with_break_and_tuple_elements():
    ds = tf.data.Dataset.from_tensor_slices((DATA[:, 0], DATA[:, 1]))

    @tf.function
    def f(ds, limit):
        acc = 0.0
        for a, b in ds:
            if a > limit:
                break
            acc += a * b
        return acc

    for limit in [-1.0, 3.0, 100.0]:
        want = sum(a * b for a, b in DATA if a <= limit) if limit < 100 else (DATA[:, 0] *
                                                                              DATA[:, 1]).sum()
        if limit == 3.0:
            want = DATA[0, 0] * DATA[0, 1] + DATA[1, 0] * DATA[1, 1]
        assert float(f(ds, tf.constant(limit))) == pytest.approx(want)


def test_for_over_iter_of_dataset():
    ds = tf.data.Dataset.range(5)

    @tf.function
    def f():
        it = iter(ds)
        first = next(it)
        rest = tf.constant(0, tf.int64)
        for x in it:
            rest += x
        return first, rest

    first, rest = f()
    assert int(first) == 0 and int(rest) == 10


def test_training_loop_over_dataset_in_function():
    rng = np.random.RandomState(0)
    x = rng.randn(64, 3).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    w = tf.Variable(tf.zeros([3]))
    b = tf.Variable(0.0)

    def loss_fn(xb, yb):
        return tf.reduce_mean((tf.reduce_sum(xb * w, axis=1) + b - yb) ** 2)

    @tf.function
    def train_epoch(ds):
        total = 0.0
        steps = 0
        for xb, yb in ds:
            with tf.GradientTape() as tape:
                loss = loss_fn(xb, yb)
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            total += loss
            steps += 1
        return total / tf.cast(steps, tf.float32)

    # Reference: the same SGD steps in NumPy.
    wr, br = np.zeros(3, np.float32), np.float32(0.0)
    for _ in range(3):
        losses = []
        for i in range(0, 64, 16):
            xb, yb = x[i:i + 16], y[i:i + 16]
            err = xb @ wr + br - yb
            losses.append(np.mean(err ** 2))
            wr = wr - 0.1 * (2 * xb.T @ err / 16)
            br = br - 0.1 * (2 * err.mean())
        got = float(train_epoch(ds))
        assert got == pytest.approx(np.mean(losses), rel=1e-4)
    np.testing.assert_allclose(w.numpy(), wr, rtol=1e-4, atol=1e-5)
    assert train_epoch.experimental_get_tracing_count() == 1


def test_undefined_in_one_branch_error():
    @tf.function
    def f(x):
        if x > 0:
            y = x
        return y

    with pytest.raises(UnboundLocalError, match="'y' must also be initialized in the else"):
        f(tf.constant(1.0))


def test_loop_dtype_change_error():
    @tf.function
    def f(n):
        s = 0
        for i in tf.range(n):
            s = tf.cast(i, tf.float32) * 0.5
        return s

    with pytest.raises(TypeError, match="'s' has dtype int32 before the loop, but dtype float32"):
        f(tf.constant(3))


def test_loop_shape_change_error_and_set_loop_options():
    def grow(x, n):
        for _ in tf.range(n):
            x = tf.concat([x, x], 0)
        return x

    with pytest.raises(ValueError, match=r"'x' has shape \(1,\) before the loop.*set_loop_opt"):
        tf.function(grow)(tf.constant([1.0]), tf.constant(3))

    @tf.function
    def grow_ok(x, n):
        for _ in tf.range(n):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(x, tf.TensorShape([None]))])
            x = tf.concat([x, x], 0)
        return x

    assert grow_ok(tf.constant([1.0]), tf.constant(3)).shape == (8,)
    assert grow_ok(tf.constant([1.0]), tf.constant(2)).shape == (4,)


def test_maximum_iterations_option():
    @tf.function
    def f(x):
        while x > 0:
            tf.autograph.experimental.set_loop_options(maximum_iterations=3)
            x = x - 1
        return x

    assert int(f(tf.constant(10))) == 7


def test_error_points_at_user_source_line():
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = tf.reshape(x, [3, 5])  # the failing line
        else:
            y = x
        return y

    with pytest.raises(Exception) as info:
        f(tf.constant([1.0, 2.0]))
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(fr.filename == __file__ and "the failing line" in (fr.line or "")
               for fr in frames)


def test_assert_and_print_on_tensors(capfd):
    @tf.function
    def f(x):
        assert x < 10, "x too large"
        print("value:", x)
        return x + 1

    assert int(f(tf.constant(3))) == 4
    assert "value: 3" in capfd.readouterr().out
    with pytest.raises(tf.errors.InvalidArgumentError, match="x too large"):
        f(tf.constant(30))
    assert "Assert" in op_types(f.get_concrete_function(tf.constant(1)).graph)


def test_len_of_dynamic_tensor():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return len(x)

    assert int(f(tf.constant([1.0, 2.0, 3.0]))) == 3


def test_to_graph_and_to_code():
    def f(x):
        while x < 10:
            x = x * 2
        return x

    code = tf.autograph.to_code(f)
    assert "ag__.while_stmt" in code
    g = tf.autograph.to_graph(f)
    assert g(3) == 12  # Python values keep Python semantics
    assert float(tf.function(g)(tf.constant(3.0))) == 12.0


def test_do_not_convert():
    @tf.autograph.experimental.do_not_convert
    def raw(x):
        if x > 0:
            return x
        return -x

    @tf.function
    def f(x):
        return raw(x)

    with pytest.raises(OperatorNotAllowedInGraphError):
        f(tf.constant(1.0))
    assert tf.autograph.experimental.Feature.ALL.value == "ALL"
    tf.autograph.set_verbosity(0)
