"""dtypes and TensorShape behave as TensorFlow's."""

import numpy as np
import pytest

import tensorflux as tf


def test_dtype_properties_and_enums():
    assert tf.float32.as_datatype_enum == 1 and tf.int64.as_datatype_enum == 9
    assert tf.bfloat16.as_datatype_enum == 14 and tf.string.as_datatype_enum == 7
    assert tf.float16.is_floating and not tf.int8.is_floating
    assert tf.uint32.is_unsigned and tf.uint32.is_integer
    assert tf.complex64.real_dtype == tf.float32 and tf.complex128.is_complex
    assert tf.int8.min == -128 and tf.uint16.max == 65535
    assert tf.float64.size == 8 and tf.bool.as_numpy_dtype is np.bool_


@pytest.mark.parametrize("value,expected", [
    (np.float32, tf.float32), ("int16", tf.int16), (np.dtype("uint64"), tf.uint64),
    (3, tf.int32), (tf.half, tf.float16), ("double", tf.float64), (bool, tf.bool),
    (np.complex64, tf.complex64),
])
def test_as_dtype(value, expected):
    assert tf.as_dtype(value) is expected


def test_as_dtype_rejects_garbage():
    with pytest.raises(TypeError):
        tf.as_dtype("not-a-type")


def test_bfloat16_roundtrip():
    t = tf.constant([1.5, 2.25], dtype=tf.bfloat16)
    assert t.dtype == tf.bfloat16
    np.testing.assert_array_equal(np.asarray(t, np.float32), [1.5, 2.25])


def test_every_dtype_builds_a_tensor():
    for dt in [tf.bool, tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.uint32,
               tf.uint64, tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.complex64,
               tf.complex128]:
        assert tf.constant([1, 0], dtype=dt).dtype == dt
    assert tf.constant(["a", "bc"]).dtype == tf.string


def test_tensor_shape_unknown_dims():
    s = tf.TensorShape([None, 3])
    assert s.rank == 2 and s[0] is None and s[1] == 3
    assert s.as_list() == [None, 3]
    assert not s.is_fully_defined()
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert s.merge_with([2, None]).as_list() == [2, 3]
    with pytest.raises(ValueError):
        s.merge_with([2, 4])
    assert tf.TensorShape(None).rank is None
    assert tf.TensorShape(None).is_compatible_with([1, 2, 3])
    assert tf.TensorShape([1, 2]).concatenate([3]) == tf.TensorShape([1, 2, 3])
    assert tf.TensorShape([2, 3]).num_elements() == 6
    assert s.most_specific_compatible_shape([4, 3]).as_list() == [None, 3]
    assert str(tf.TensorShape([None, 3])) == "(None, 3)"
    assert tf.TensorShape([1, 2]) == [1, 2]
