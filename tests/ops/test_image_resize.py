"""Resize gradients (adjoint tests: float32 outputs defeat finite differences) and errors."""

import numpy as np
import pytest

import tensorflux as tf


@pytest.mark.parametrize("method,size", [("bilinear", [5, 3]), ("bilinear", [2, 7]),
                                         ("nearest", [5, 3]), ("nearest", [2, 2])])
def test_resize_gradient_is_adjoint(method, size):
    r = np.random.default_rng(0)
    x = tf.constant(r.uniform(size=(2, 3, 4, 2)).astype(np.float32))
    w = tf.constant(r.standard_normal((2, *size, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.resize(x, size, method=method)
        loss = tf.reduce_sum(tf.multiply(y, w))
    g = tape.gradient(loss, x).numpy()
    # <resize(x), w> is linear in x, so its gradient satisfies <g, x> == <resize(x), w>.
    np.testing.assert_allclose(np.sum(g * x.numpy()), loss.numpy(), rtol=1e-4)
    gg = tf.function(lambda a: tf.reduce_sum(tf.multiply(tf.image.resize(a, size, method), w)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss2 = gg(x)
    np.testing.assert_allclose(tape.gradient(loss2, x).numpy(), g, rtol=1e-5, atol=1e-6)


def test_resize_errors():
    with pytest.raises(ValueError):
        tf.image.resize(tf.ones([2, 2]), [3, 3])
    with pytest.raises(ValueError):
        tf.image.crop_to_bounding_box(tf.ones([1, 3, 3, 1]), 2, 0, 2, 2)


def test_sparse_convert_to_tensor_raises():
    st = tf.SparseTensor([[0, 0]], [1.0], [2, 2])
    with pytest.raises(TypeError):
        tf.convert_to_tensor(st)


def test_sparse_to_dense_out_of_range():
    st = tf.SparseTensor([[5, 0]], [1.0], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.sparse.to_dense(st)


def test_ragged_constant_and_list():
    rt = tf.ragged.constant([[1, 2], [], [3]])
    assert rt.to_list() == [[1, 2], [], [3]]
    assert rt.shape.as_list() == [3, None]
    assert rt[2].numpy().tolist() == [3]
    nested = tf.ragged.constant([[[1], [2, 3]], [[4]]])
    assert nested.ragged_rank == 2 and nested.to_list() == [[[1], [2, 3]], [[4]]]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.RaggedTensor.from_row_splits([1, 2], [0, 3])


def test_strings_errors():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.strings.to_number(["abc"])
    with pytest.raises(ValueError):
        tf.strings.length("a", unit="BAD")
