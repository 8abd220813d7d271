"""Focused tests for the math family: operators, asserts, errors and gradient edge cases."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework import context


def test_operators_follow_tf_semantics():
    a = tf.constant([1, 2, 3])
    b = tf.constant([2, 2, 2])
    assert (a / b).dtype == tf.float64
    assert (a // b).numpy().tolist() == [0, 1, 1]
    assert (-a % b).numpy().tolist() == [1, 0, 1]
    assert (a ** 2).numpy().tolist() == [1, 4, 9]
    assert (10 - a).numpy().tolist() == [9, 8, 7]
    assert (np.int32(2) * a).dtype == tf.int32
    assert (~tf.constant([True, False])).numpy().tolist() == [False, True]
    assert (~tf.constant(5)).numpy() == -6
    assert (tf.constant([True]) ^ tf.constant([True])).numpy().tolist() == [False]
    assert (a & 6).numpy().tolist() == [0, 2, 2]


def test_equality_operators():
    a = tf.constant([1.0, 2.0])
    assert (a == tf.constant([1.0, 3.0])).numpy().tolist() == [True, False]
    assert (a == None) is False  # noqa: E711
    assert (a != None) is True  # noqa: E711
    assert bool(a == tf.constant([1.0, 2.0, 3.0])) is False
    assert bool(a != tf.constant([1.0, 2.0, 3.0])) is True
    with pytest.raises(TypeError):
        hash(a)


def test_variable_operators_and_tape():
    v = tf.Variable([1.0, 2.0])
    assert (v + 1.0).numpy().tolist() == [2.0, 3.0]
    assert (2.0 * v).numpy().tolist() == [2.0, 4.0]
    assert (v @ tf.constant([[1.0], [1.0]])).numpy().tolist() == [3.0]
    assert (v == v).numpy().tolist() == [True, True]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v / 2.0)
    assert tape.gradient(y, v).numpy().tolist() == [1.0, 2.0]


def test_operators_in_function():
    @tf.function
    def f(x, y):
        return x * y + x / y - tf.cast(x > y, tf.float32)

    out = f(tf.constant([2.0]), tf.constant([4.0]))
    assert out.numpy().tolist() == [8.5]


def test_integer_division_by_zero():
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        tf.math.floordiv(tf.constant([1]), tf.constant([0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        tf.math.truncatemod(tf.constant([1]), tf.constant([0]))


def test_dtype_mismatch_is_an_error():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.math.maximum(tf.constant([1]), tf.constant([1.0]))


def test_reduce_max_ties_share_gradient():
    x = tf.constant([1.0, 3.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 0.5, 0.5]


def test_reduce_prod_gradient_with_zero():
    x = tf.constant([[2.0, 0.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_prod(x, axis=1)
    assert tape.gradient(y, x).numpy().tolist() == [[0.0, 6.0, 0.0]]


def test_maximum_gradient_ties_go_to_x():
    x, y = tf.constant(1.0), tf.constant(1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = tf.maximum(x, y)
    assert float(tape.gradient(z, x)) == 1.0 and float(tape.gradient(z, y)) == 0.0


def test_segment_ids_must_be_sorted():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing"):
        tf.math.segment_sum(tf.constant([1, 2, 3]), tf.constant([1, 0, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        tf.math.unsorted_segment_max(tf.constant([1, 2]), tf.constant([0, 5]), 2)


def test_bincount_lengths_and_argmax_dtype():
    arr = tf.constant([0, 3, 3, 7])
    assert tf.math.bincount(arr, maxlength=4).numpy().tolist() == [1, 0, 0, 2]
    assert tf.math.bincount(arr, minlength=9).shape == (9,)
    assert tf.math.argmax(tf.constant([1, 5, 2])).dtype == tf.int64
    assert tf.math.reduce_mean(tf.constant([1, 2])).numpy() == 1


def test_top_level_aliases():
    for name in ["reduce_mean", "reduce_max", "argmax", "cumsum", "maximum", "equal", "sqrt",
                 "truediv", "clip_by_value", "assert_equal", "Assert", "abs", "pow"]:
        assert hasattr(tf, name), name
    assert tf.math.divide_no_nan is not None and tf.bitwise.left_shift is not None


def test_eager_asserts_raise():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x == y"):
        tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="my message"):
        tf.debugging.assert_positive(tf.constant([1.0, -1.0]), message="my message")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Summarized data"):
        tf.debugging.Assert(tf.constant(False), ["shown", tf.constant([1, 2])])
    assert tf.debugging.assert_non_negative(tf.constant([0, 1])) is None


def test_graph_asserts_raise_when_run():
    @tf.function
    def f(x):
        tf.debugging.assert_less(x, 3.0, message="too big")
        return x + 1.0

    assert f(tf.constant([1.0])).numpy().tolist() == [2.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="too big"):
        f(tf.constant([5.0]))


def test_static_asserts():
    with pytest.raises(ValueError, match="rank 2"):
        tf.debugging.assert_rank(tf.constant([1, 2]), 2)
    with pytest.raises(TypeError):
        tf.debugging.assert_type(tf.constant(1), tf.float32)
    with pytest.raises(ValueError):
        tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", 3)), (tf.zeros([4]), ("N",))])


def test_check_numerics():
    with pytest.raises(tf.errors.InvalidArgumentError, match="bad value : Tensor had NaN"):
        tf.debugging.check_numerics(tf.constant([np.nan, 1.0]), "bad value")
    tf.debugging.enable_check_numerics()
    try:
        assert context.settings.check_numerics
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.math.log(tf.constant([-1.0]))
    finally:
        tf.debugging.disable_check_numerics()
    assert not context.settings.check_numerics
