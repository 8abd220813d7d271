"""Spec rows for control flow: If, Case, While (+ WhileGrad) and the TensorList ops."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)
X = r.standard_normal((3,)).astype(np.float32)
Y = r.standard_normal((3,)).astype(np.float32)
M = r.standard_normal((4, 3)).astype(np.float32)
T = np.array(True)
F = np.array(False)
_VAR = tf.Variable(np.array([0.5, -1.0, 2.0], np.float32), name="spec_cf_var")


def _cond(p, x, y):
    return tf.cond(p, lambda: tf.multiply(x, y), lambda: tf.add(x, tf.multiply(y, y)))


def _cond_ref(p, x, y):
    return x * y if p else x + y * y


def _cond_struct(p, x, y):
    out = tf.cond(p, lambda: {"a": tf.multiply(x, 2.0), "b": (y, tf.reduce_sum(x))},
                  lambda: {"a": tf.add(x, y), "b": (tf.negative(y), tf.reduce_sum(y))})
    return [out["a"], out["b"][0], out["b"][1]]


def _cond_struct_ref(p, x, y):
    if p:
        return [x * 2, y, np.sum(x)]
    return [x + y, -y, np.sum(y)]


def _cond_var(p, x):
    return tf.cond(p, lambda: tf.multiply(x, tf.cast(_VAR, x.dtype)), lambda: x)


def _switch(i, x):
    return tf.switch_case(i, [lambda: tf.multiply(x, x), lambda: tf.add(x, 1.0)],
                          default=lambda: tf.negative(x))


def _switch_ref(i, x):
    return [x * x, x + 1, -x][int(i) if 0 <= int(i) < 2 else 2]


def _power(x):
    i, y = tf.while_loop(lambda i, y: True, lambda i, y: (tf.add(i, 1), tf.multiply(y, x)),
                         (tf.constant(0), tf.ones_like(x)), maximum_iterations=3)
    return [i, y]


def _while_cond(n, x):
    # while i < n: y = sin(y) * x  (the loop condition reads a captured tensor)
    def body(i, y):
        return i + 1, tf.sin(y) * x
    return tf.while_loop(lambda i, y: i < n, body, (tf.constant(0), x))[1]


def _while_cond_ref(n, x):
    y = x
    for _ in range(int(n)):
        y = np.sin(y) * x
    return y


def _while_cond_in_body(x):
    def body(i, y):
        y = tf.cond(tf.equal(i % 2, 0), lambda: y * x, lambda: y + x)
        return i + 1, y
    return tf.while_loop(lambda i, y: True, body, (tf.constant(0), x), maximum_iterations=3)[1]


def _ta_roundtrip(m):
    ta = tf.TensorArray(m.dtype, size=4, clear_after_read=False).unstack(m)
    return [ta.read(2), ta.stack(), ta.size()]


def _ta_write(x, y):
    ta = tf.TensorArray(x.dtype, size=2)
    ta = ta.write(0, x * 2.0)
    ta = ta.write(1, y)
    return ta.stack()


def _ta_gather_scatter(m):
    ta = tf.TensorArray(m.dtype, size=4).scatter([3, 0, 1, 2], m)
    return ta.gather([1, 3])


def _ta_concat_split(m):
    ta = tf.TensorArray(m.dtype, size=2, clear_after_read=False).split(m, [1, 3])
    return [ta.read(1), ta.concat()]


SPECS = [
    OpSpec("cf_cond_true", _cond, _cond_ref, [T, X, Y]),
    OpSpec("cf_cond_false", _cond, _cond_ref, [F, X, Y]),
    OpSpec("cf_cond_struct", _cond_struct, _cond_struct_ref, [F, X, Y]),
    OpSpec("cf_cond_struct_true", _cond_struct, _cond_struct_ref, [T, X, Y]),
    OpSpec("cf_cond_variable", _cond_var, lambda p, x: x * _VAR.numpy() if p else x, [T, X]),
    OpSpec("cf_switch_case_0", _switch, _switch_ref, [np.int32(0), X]),
    OpSpec("cf_switch_case_default", _switch, _switch_ref, [np.int32(7), X]),
    OpSpec("cf_while_power", _power, lambda x: [np.int32(3), x ** 3], [X]),
    OpSpec("cf_while_cond_capture", _while_cond, _while_cond_ref, [np.int32(3), X]),
    OpSpec("cf_while_nested_cond", _while_cond_in_body,
           lambda x: (x * x + x) * x, [X]),
    OpSpec("cf_map_fn", lambda m: tf.map_fn(lambda row: tf.reduce_sum(row * row), m),
           lambda m: np.sum(m * m, axis=1), [M]),
    OpSpec("cf_map_fn_signature",
           lambda m: tf.map_fn(lambda row: tf.cast(tf.reduce_sum(row), tf.float64), m,
                               fn_output_signature=tf.float64),
           lambda m: np.sum(m, axis=1).astype(np.float64), [M], grad=False),
    OpSpec("cf_scan", lambda m: tf.scan(lambda a, x: a + x, m), lambda m: np.cumsum(m, 0), [M]),
    OpSpec("cf_scan_reverse_init",
           lambda m, y: tf.scan(lambda a, x: a * 0.5 + x, m, initializer=y, reverse=True),
           lambda m, y: np.stack(_scan_rev(m, y)), [M, Y]),
    OpSpec("cf_foldl", lambda m: tf.foldl(lambda a, x: a * x, m), lambda m: np.prod(m, 0), [M]),
    OpSpec("cf_foldr", lambda m, y: tf.foldr(lambda a, x: tf.sin(a) + x, m, initializer=y),
           lambda m, y: _foldr_ref(m, y), [M, Y]),
    OpSpec("cf_tensor_array_roundtrip", _ta_roundtrip,
           lambda m: [m[2], m, np.int32(4)], [M]),
    OpSpec("cf_tensor_array_write", _ta_write, lambda x, y: np.stack([x * 2, y]), [X, Y]),
    OpSpec("cf_tensor_array_gather_scatter", _ta_gather_scatter,
           lambda m: np.stack([m[2], m[0]]), [M]),
    OpSpec("cf_tensor_array_concat_split", _ta_concat_split, lambda m: [m[1:], m], [M],
           static_shape_exact=False),
]


def _scan_rev(m, y):
    out = [None] * len(m)
    a = y
    for k in range(len(m) - 1, -1, -1):
        a = a * 0.5 + m[k]
        out[k] = a
    return out


def _foldr_ref(m, y):
    a = y
    for k in range(len(m) - 1, -1, -1):
        a = np.sin(a) + m[k]
    return a
