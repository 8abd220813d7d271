"""Tensors: construction, conversion, NumPy interop, errors, device and repr."""

import numpy as np
import pytest

import tensorflux as tf


def test_constant_dtype_inference_matches_tensorflow():
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant(2**40).dtype == tf.int64
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant([1.0, 2.0]).dtype == tf.float32
    assert tf.constant(np.array([1.0])).dtype == tf.float64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant(b"x").dtype == tf.string
    assert tf.constant(1j).dtype == tf.complex128


def test_constant_with_shape_broadcasts_scalars():
    t = tf.constant(7, shape=[2, 3])
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 7, np.int32))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(),
                                  [[1, 2], [3, 4]])


def test_numpy_interop_and_repr():
    t = tf.constant([[1.0, 2.0]])
    assert isinstance(t.numpy(), np.ndarray)
    assert np.asarray(t).dtype == np.float32
    assert tf.constant(3.0).numpy() == np.float32(3.0)
    assert repr(tf.constant(3.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=3.0>"
    assert "shape=(1, 2)" in repr(t)
    assert t.device.endswith("CPU:0")
    assert t.shape == [1, 2] and t.ndim == 2


def test_bool_len_iter_index():
    assert bool(tf.constant(True)) and not bool(tf.constant(0))
    with pytest.raises(ValueError):
        bool(tf.constant([1, 2]))
    assert len(tf.constant([1, 2, 3])) == 3
    assert [int(x) for x in tf.constant([4, 5])] == [4, 5]
    assert [0, 1, 2][tf.constant(1)] == 1


def test_no_silent_dtype_promotion():
    with pytest.raises(tf.errors.InvalidArgumentError, match="AddV2"):
        tf.add(tf.constant(1), tf.constant(1.0))
    with pytest.raises(TypeError):
        tf.add(tf.constant(1), 1.5)
    # Python numbers adopt the tensor's dtype.
    assert tf.add(tf.constant(1.5, tf.float64), 2).dtype == tf.float64


def test_graph_mode_dtype_mismatch_is_a_type_error():
    @tf.function
    def f(a, b):
        return tf.add(a, b)

    with pytest.raises(TypeError, match="does not match type int32"):
        f(tf.constant(1), tf.constant(2.0))


def test_convert_to_tensor():
    t = tf.convert_to_tensor([1, 2])
    assert t.dtype == tf.int32
    assert tf.convert_to_tensor(t) is t
    assert tf.convert_to_tensor(1, dtype=tf.float32).dtype == tf.float32
    with pytest.raises(ValueError):
        tf.convert_to_tensor(tf.constant(1), dtype=tf.float32)
    assert tf.convert_to_tensor(1.0, dtype_hint=tf.float64).dtype == tf.float64
    v = tf.Variable([1.0])
    assert tf.convert_to_tensor(v).dtype == tf.float32


def test_tensor_unhashable_but_ref_works():
    t = tf.constant(1)
    with pytest.raises(TypeError):
        hash(t)
    d = {t.ref(): 1}
    assert d[t.ref()] == 1 and t.ref().deref() is t


def test_errors_name_op_and_user_line():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    msg = str(e.value)
    assert "MatMul" in msg and "test_core_tensor.py" in msg
    assert "[2, 3]" in msg


def test_error_classes_have_codes():
    assert tf.errors.InvalidArgumentError.error_code == 3
    assert issubclass(tf.errors.OutOfRangeError, tf.errors.OpError)
    assert tf.errors.exception_type_from_error_code(15) is tf.errors.DataLossError
