"""Spec rows for tf.strings (string_ops.py, ragged_string_ops.py)."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec


def _s(*xs):
    a = np.empty(len(xs), dtype=object)
    a[:] = [x.encode() if isinstance(x, str) else x for x in xs]
    return a


W = _s("Hello", " ab c ", "héllo")
M = np.array([[b"a", b"b"], [b"c", b"d"]], dtype=object)


def _flat_rt(rt):
    return [rt.flat_values, rt.row_splits]


SPECS = [
    OpSpec("str_length", tf.strings.length, lambda x: np.array([len(v) for v in x], np.int32),
           [W]),
    OpSpec("str_length_utf8", lambda x: tf.strings.length(x, unit="UTF8_CHAR"),
           lambda x: np.array([len(v.decode()) for v in x], np.int32), [W]),
    OpSpec("str_lower", tf.strings.lower, lambda x: _s(*[v.lower() for v in x]), [W]),
    OpSpec("str_upper", tf.strings.upper, lambda x: _s(*[v.upper() for v in x]), [W]),
    OpSpec("str_strip", tf.strings.strip, lambda x: _s(*[v.strip() for v in x]), [W]),
    OpSpec("str_join", lambda a, b: tf.strings.join([a, b], separator="-"),
           lambda a, b: _s(*[x + b"-" + y for x, y in zip(a, b)]), [W, W]),
    OpSpec("str_reduce_join", lambda x: tf.strings.reduce_join(x, axis=1, separator=","),
           lambda x: _s("a,b", "c,d"), [M]),
    OpSpec("str_reduce_join_all", tf.strings.reduce_join, lambda x: np.array(b"abcd", object),
           [M]),
    OpSpec("str_regex_replace", lambda x: tf.strings.regex_replace(x, "l+", "L"),
           lambda x: _s("HeLo", " ab c ", "héLo"), [W]),
    OpSpec("str_regex_full_match", lambda x: tf.strings.regex_full_match(x, "H.*"),
           lambda x: np.array([True, False, False]), [W]),
    OpSpec("str_substr", lambda x: tf.strings.substr(x, 1, 2),
           lambda x: _s(*[v[1:3] for v in x]), [W]),
    OpSpec("str_to_number", tf.strings.to_number,
           lambda x: np.array([1.5, -2.0], np.float32), [_s("1.5", "-2")]),
    OpSpec("str_as_string", lambda x: tf.strings.as_string(x, precision=2),
           lambda x: _s("3.14", "2.00"), [np.array([3.14159, 2.0], np.float32)]),
    OpSpec("str_format", lambda x: tf.strings.format("v={}", x),
           lambda x: np.array(b"v=[1 2 3]", object), [np.array([1, 2, 3], np.int32)]),
    OpSpec("str_hash_fast", lambda x: tf.strings.to_hash_bucket_fast(x, 3),
           lambda x: np.array([0, 2, 2], np.int64), [_s("Hello", "TensorFlow", "2.x")]),
    OpSpec("str_hash_strong", lambda x: tf.strings.to_hash_bucket_strong(x, 3, [1, 2]),
           lambda x: np.array([2, 0], np.int64), [_s("Hello", "TF")]),
    OpSpec("str_split", lambda x: _flat_rt(tf.strings.split(x)),
           lambda x: [_s("Hello", "ab", "c", "héllo".encode()),
                      np.array([0, 1, 3, 4], np.int64)], [W], static_shape_exact=False),
    OpSpec("str_bytes_split", lambda x: _flat_rt(tf.strings.bytes_split(x)),
           lambda x: [_s("a", "b", "c"), np.array([0, 2, 3], np.int64)], [_s("ab", "c")],
           static_shape_exact=False),
    OpSpec("str_unicode_decode", lambda x: _flat_rt(tf.strings.unicode_decode(x, "UTF-8")),
           lambda x: [np.array([104, 233, 120], np.int32), np.array([0, 2, 3], np.int64)],
           [_s("hé", "x")], static_shape_exact=False),
    OpSpec("str_unicode_encode",
           lambda v, s: tf.strings.unicode_encode(tf.RaggedTensor.from_row_splits(v, s),
                                                  "UTF-8"),
           lambda v, s: _s("hé", "x"),
           [np.array([104, 233, 120], np.int32), np.array([0, 2, 3], np.int64)],
           unknown_shapes=False),
    OpSpec("str_ngrams", lambda x: tf.strings.ngrams(x, 2), lambda x: _s("a b", "b c"),
           [_s("a", "b", "c")], static_shape_exact=False),
]
