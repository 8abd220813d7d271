"""Spec rows for binary arithmetic, comparison, logical and bitwise math ops."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(11)
A = r.uniform(-2, 2, (2, 3)).astype(np.float32)
B = r.uniform(0.5, 2, (3,)).astype(np.float32)
P = r.uniform(0.5, 2, (2, 3)).astype(np.float32)
IA = np.array([[7, -7, 9], [-9, 4, 0]], np.int32)
IB = np.array([2, 3, -4], np.int32)
BA = np.array([True, True, False, False])
BB = np.array([True, False, True, False])
U8 = np.array([12, 5, 255], np.uint8)


def B2(name, fn, ref, x, y, **kw):
    return OpSpec(name, fn, ref, [x, y], **kw)


def _trunc_div(x, y):
    return (np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype)


SPECS = [
    B2("math_divide", tf.math.divide, np.true_divide, A, B),
    B2("math_truediv_int32", tf.math.truediv, lambda x, y: x / y.astype(np.float64), IA, IB),
    B2("math_truediv_int16", tf.math.truediv,
       lambda x, y: (x.astype(np.float32) / y.astype(np.float32)), IA.astype(np.int16),
       IB.astype(np.int16)),
    B2("math_realdiv", tf.realdiv, np.true_divide, A, B),
    B2("math_floordiv", tf.math.floordiv, np.floor_divide, IA, IB),
    B2("math_floormod", tf.math.floormod, np.mod, IA, IB),
    B2("math_floormod_float", tf.math.floormod, np.mod, A.astype(np.float64), B.astype(np.float64),
       grad=[1]),
    B2("math_truncatediv", tf.math.truncatediv, _trunc_div, IA, IB),
    B2("math_truncatemod", tf.math.truncatemod, np.fmod, IA, IB),
    B2("math_truncatemod_float", tf.math.truncatemod, np.fmod, A, B),
    B2("math_mod", tf.math.mod, np.mod, IA, IB),
    B2("math_pow", tf.math.pow, np.power, P, A),
    B2("math_pow_int", tf.math.pow, np.power, IA, np.abs(IB)),
    B2("math_pow_negbase", tf.math.pow, np.power, A.astype(np.float64), np.float64(2.0), grad=[0]),
    B2("math_maximum", tf.math.maximum, np.maximum, A, B),
    B2("math_minimum", tf.math.minimum, np.minimum, A, B),
    B2("math_maximum_int", tf.math.maximum, np.maximum, IA, IB),
    B2("math_squared_difference", tf.math.squared_difference, lambda x, y: (x - y) ** 2, A, B),
    B2("math_atan2", tf.math.atan2, np.arctan2, A, P),
    B2("math_divide_no_nan", tf.math.divide_no_nan,
       lambda x, y: np.where(y == 0, 0, x / np.where(y == 0, 1, y)),
       A.astype(np.float64), np.array([0.0, 2.0, -1.5]), grad=[0]),
    B2("math_divide_no_nan_grad", tf.math.divide_no_nan, np.true_divide, A, B),
    B2("math_multiply_no_nan", tf.math.multiply_no_nan,
       lambda x, y: np.where(y == 0, 0, x * y).astype(np.float32),
       np.array([np.inf, 2.0, 3.0], np.float32), np.array([0.0, 2.0, -1.5], np.float32),
       grad=False),
    B2("math_multiply_no_nan_grad", tf.math.multiply_no_nan, np.multiply, A, B),
    B2("math_complex", tf.complex, lambda x, y: (x + 1j * y).astype(np.complex64), A, P),
    B2("math_equal", tf.math.equal, np.equal, IA, IB),
    B2("math_equal_float", tf.math.equal, np.equal, A, A[0]),
    B2("math_not_equal", tf.math.not_equal, np.not_equal, IA, IB),
    B2("math_less", tf.math.less, np.less, A, B),
    B2("math_less_equal", tf.math.less_equal, np.less_equal, IA, IB),
    B2("math_greater", tf.math.greater, np.greater, A, B),
    B2("math_greater_equal", tf.math.greater_equal, np.greater_equal, IA, IB),
    B2("math_logical_and", tf.math.logical_and, np.logical_and, BA, BB),
    B2("math_logical_or", tf.math.logical_or, np.logical_or, BA, BB),
    B2("math_logical_xor", tf.math.logical_xor, np.logical_xor, BA, BB),
    B2("math_bitwise_and", tf.bitwise.bitwise_and, np.bitwise_and, IA, IB),
    B2("math_bitwise_or", tf.bitwise.bitwise_or, np.bitwise_or, IA, IB),
    B2("math_bitwise_xor", tf.bitwise.bitwise_xor, np.bitwise_xor, U8, U8[::-1].copy()),
    B2("math_left_shift", tf.bitwise.left_shift, np.left_shift, IA, np.array([1, 2, 3],
                                                                              np.int32)),
    B2("math_right_shift", tf.bitwise.right_shift, np.right_shift, IA,
       np.array([1, 2, 3], np.int32)),
    OpSpec("math_polyval", lambda x: tf.math.polyval([2.0, -1.0, 0.5], x),
           lambda x: 2 * x * x - x + 0.5, [A]),
    OpSpec("math_scalar_mul", lambda x: tf.math.scalar_mul(3.0, x), lambda x: 3 * x, [A]),
    # Python operators on tensors
    B2("math_op_add", lambda x, y: x + y, np.add, A, B),
    B2("math_op_radd", lambda x, y: 2.0 + x - y, lambda x, y: 2 + x - y, A, B),
    B2("math_op_mul_div", lambda x, y: (x * y) / y, lambda x, y: (x * y) / y, A, B),
    B2("math_op_rdiv", lambda x, y: 1.0 / y, lambda x, y: 1 / y * np.ones_like(y), A, B,
       grad=[1]),
    B2("math_op_int_div", lambda x, y: x / y, lambda x, y: x / y.astype(np.float64), IA, IB),
    B2("math_op_floordiv_mod", lambda x, y: (x // y, x % y),
       lambda x, y: (x // y, x % y), IA, IB),
    B2("math_op_pow", lambda x, y: x ** y + 2.0 ** y, lambda x, y: x ** y + 2.0 ** y, P, A),
    B2("math_op_matmul", lambda x, y: x @ tf.transpose(y) if hasattr(tf, "transpose")
       else x @ tf.reshape(y, [3, 2]), None, A, A),
    B2("math_op_neg_abs", lambda x, y: -x + abs(y), lambda x, y: -x + abs(y), A, B),
    B2("math_op_compare", lambda x, y: (x < y, x <= y, x > y, x >= y),
       lambda x, y: (x < y, x <= y, x > y, x >= y), A, B),
    B2("math_op_eq", lambda x, y: (x == y, x != y), lambda x, y: (x == y, x != y), IA, IB),
    B2("math_op_bool_logic", lambda x, y: (x & y, x | y, x ^ y, ~x),
       lambda x, y: (x & y, x | y, x ^ y, ~x), BA, BB),
    B2("math_op_int_bits", lambda x, y: (x & y, x | y, x ^ y, ~x),
       lambda x, y: (x & y, x | y, x ^ y, ~x), IA, IB),
]
