"""Focused tf.linalg tests: errors, conventions and behaviour the spec table cannot express."""

import numpy as np
import pytest

import tensorflux as tf

rng = np.random.default_rng(3)


def test_svd_order_and_v_not_transposed():
    a = rng.standard_normal((2, 4, 3))
    s, u, v = tf.linalg.svd(a)
    assert s.shape == (2, 3) and u.shape == (2, 4, 3) and v.shape == (2, 3, 3)
    rec = np.matmul(u.numpy() * s.numpy()[..., None, :], np.swapaxes(v.numpy(), -1, -2))
    np.testing.assert_allclose(rec, a, atol=1e-10)
    s_only = tf.linalg.svd(a, compute_uv=False)
    np.testing.assert_allclose(s_only.numpy(), s.numpy())
    s, u, v = tf.linalg.svd(a, full_matrices=True)
    assert u.shape == (2, 4, 4) and v.shape == (2, 3, 3)


def test_complex_inverse_det_svd():
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)) + 3 * np.eye(3)
    a = a.astype(np.complex64)
    np.testing.assert_allclose(tf.linalg.inv(a).numpy(), np.linalg.inv(a), atol=1e-5)
    np.testing.assert_allclose(tf.linalg.det(a).numpy(), np.linalg.det(a), rtol=1e-5)
    s = tf.linalg.svd(a, compute_uv=False)
    assert s.dtype == tf.float32
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-5)
    x = tf.linalg.solve(a, np.ones((3, 1), np.complex64), adjoint=True)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a.conj().T, np.ones((3, 1))),
                               atol=1e-5)


def test_eig_dtypes():
    e, v = tf.linalg.eig(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    assert e.dtype == tf.complex128 and v.dtype == tf.complex128
    np.testing.assert_allclose(sorted(e.numpy().imag), [-1.0, 1.0])
    assert tf.linalg.eigvals(np.eye(2, dtype=np.float32)).dtype == tf.complex64


def test_singular_inverse_raises():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(np.zeros((2, 2), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.solve(np.zeros((2, 2), np.float32), np.ones((2, 1), np.float32))


def test_cholesky_not_positive_definite():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cholesky decomposition"):
        tf.linalg.cholesky(-np.eye(2, dtype=np.float32))


def test_non_square_errors():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
        tf.linalg.det(a)
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.function(tf.linalg.inv).get_concrete_function(tf.TensorSpec([2, 3], tf.float32))


def test_solve_shape_mismatch():
    with pytest.raises(tf.errors.InvalidArgumentError, match="same number of rows"):
        tf.linalg.solve(np.eye(2, dtype=np.float32), np.ones((3, 1), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.triangular_solve(np.eye(2, dtype=np.float32), np.ones((3, 1), np.float32))


def test_int_matrix_rejected():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not in the list of allowed"):
        tf.linalg.inv(np.eye(2, dtype=np.int32))


def test_einsum_errors():
    a = tf.ones([2, 3])
    with pytest.raises(ValueError, match="2 input subscripts"):
        tf.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="Invalid character"):
        tf.einsum("i1->i", a)
    with pytest.raises(ValueError, match="does not appear"):
        tf.einsum("ij->k", a)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.einsum("ij,jk->ik", a, tf.ones([4, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float"):
        tf.einsum("ij,jk->ik", a, tf.ones([3, 2], tf.float64))
    with pytest.raises(ValueError, match="Expected dimension"):
        tf.function(lambda x, y: tf.einsum("ij,jk->ik", x, y)).get_concrete_function(
            tf.TensorSpec([2, 3]), tf.TensorSpec([4, 2]))


def test_einsum_shape_inference_unknown_batch():
    f = tf.function(lambda x, y: tf.einsum("...ij,jk->...ik", x, y))
    cf = f.get_concrete_function(tf.TensorSpec([None, 5, 2, 3]), tf.TensorSpec([3, 4]))
    assert cf.outputs[0].shape.as_list() == [None, 5, 2, 4]


def test_tensordot_errors():
    with pytest.raises(ValueError, match="Different number of contraction axes"):
        tf.tensordot(tf.ones([2, 3]), tf.ones([3, 2]), [[0, 1], [0]])
    with pytest.raises(ValueError, match="at least 0"):
        tf.tensordot(tf.ones([2, 3]), tf.ones([3, 2]), -1)


def test_norm_errors_and_keepdims():
    x = tf.ones([2, 3])
    with pytest.raises(ValueError, match="supported matrix norm"):
        tf.norm(x, ord=3, axis=[0, 1])
    with pytest.raises(ValueError, match="'axis' must be"):
        tf.norm(x, axis=[0, 0])
    with pytest.raises(ValueError, match="supported vector norm"):
        tf.norm(x, ord=-1)
    assert tf.norm(x, keepdims=True).shape == (1, 1)
    assert tf.norm(x, axis=1, keepdims=True).shape == (2, 1)
    np.testing.assert_allclose(tf.norm(x).numpy(), np.sqrt(6), rtol=1e-6)


def test_band_part_bounds():
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_lower"):
        tf.linalg.band_part(tf.ones([2, 2]), 3, 0)


def test_diag_multi_band_unsupported():
    with pytest.raises(tf.errors.InvalidArgumentError, match="single diagonal"):
        tf.linalg.diag_part(tf.ones([3, 3]), k=(-1, 1))


def test_second_order_gradient_of_inverse():
    x = tf.constant(np.array([[2.0, 0.5], [0.3, 1.5]]))
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.reduce_sum(tf.linalg.inv(x))
        g = t1.gradient(y, x)
        z = tf.reduce_sum(g)
    h = t2.gradient(z, x).numpy()

    def gsum(a):
        inv = np.linalg.inv(a)
        return np.sum(-inv.T @ np.ones((2, 2)) @ inv.T)

    eps = 1e-6
    num = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            d = np.zeros((2, 2))
            d[i, j] = eps
            num[i, j] = (gsum(x.numpy() + d) - gsum(x.numpy() - d)) / (2 * eps)
    np.testing.assert_allclose(h, num, rtol=1e-5, atol=1e-6)


def test_einsum_gradient_in_function():
    a = tf.constant(rng.standard_normal((1, 2, 3)))
    b = tf.constant(rng.standard_normal((4, 3, 2)))

    @tf.function
    def grads(a, b):
        with tf.GradientTape() as t:
            t.watch([a, b])
            y = tf.reduce_sum(tf.einsum("...ij,...jk->...ik", a, b))
        return t.gradient(y, [a, b])

    ga, gb = grads(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    ref_ga = np.broadcast_to(b.numpy().sum((0, 2))[None, None, :], (1, 2, 3))
    np.testing.assert_allclose(ga.numpy(), ref_ga, rtol=1e-10)
    ref_gb = np.broadcast_to(a.numpy().sum((0, 1))[None, :, None], (4, 3, 2))
    np.testing.assert_allclose(gb.numpy(), ref_gb, rtol=1e-10)


def test_lstsq_slow_has_no_gradient():
    a = tf.constant(rng.standard_normal((3, 2)))
    b = tf.constant(rng.standard_normal((3, 1)))
    with tf.GradientTape() as t:
        t.watch(a)
        y = tf.reduce_sum(tf.linalg.lstsq(a, b, fast=False))
    with pytest.raises(ValueError, match="fast=False"):
        t.gradient(y, a)


def test_namespace_and_top_level():
    for n in ("einsum", "norm", "tensordot"):
        assert callable(getattr(tf, n))
    for n in ("matmul", "matvec", "inv", "det", "slogdet", "logdet", "cholesky",
              "cholesky_solve", "qr", "svd", "eigh", "eigvalsh", "eig", "eigvals", "solve",
              "triangular_solve", "lstsq", "norm", "trace", "diag", "diag_part", "set_diag",
              "band_part", "tensordot", "matrix_transpose", "adjoint", "eye", "cross",
              "normalize", "l2_normalize", "pinv", "expm", "einsum"):
        assert callable(getattr(tf.linalg, n)), n
