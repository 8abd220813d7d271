"""Spec rows for tf.debugging ops (Assert, CheckNumerics) used on passing inputs."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)


def _checked(x):
    tf.debugging.assert_positive(x)
    tf.debugging.assert_less(x, 10.0)
    tf.debugging.Assert(tf.reduce_all(x > 0), [x])
    return tf.identity(x)


SPECS = [
    OpSpec("math_debug_assert", _checked, lambda x: x, [X]),
    OpSpec("math_debug_check_numerics", lambda x: tf.debugging.check_numerics(x, "bad x"),
           lambda x: x, [X]),
    OpSpec("math_debug_assert_all_finite",
           lambda x: tf.debugging.assert_all_finite(x * 2.0, "bad"), lambda x: x * 2, [X]),
]
