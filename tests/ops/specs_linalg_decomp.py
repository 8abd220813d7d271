"""Spec rows for tf.linalg decompositions, determinants, inverses and norms."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec
from tests.ops.specs_linalg import AB3, A3, EYE3, f32, np_spd, spd

A43, A34 = f32(4, 3), f32(3, 4)
A22 = np.array([[2.0, -1.0], [0.5, 3.0]], np.float32)


def sym(a):
    return tf.add(a, tf.linalg.matrix_transpose(a))


def np_sym(a):
    return a + np.swapaxes(a, -1, -2)


def svd_ref(full):
    def ref(a):
        uu, s, vh = np.linalg.svd(a, full_matrices=full)
        return [s, uu * uu, np.swapaxes(vh, -1, -2) ** 2]
    return ref


def svd_fn(full):
    def fn(a):
        s, uu, v = tf.linalg.svd(a, full_matrices=full)
        return [s, tf.multiply(uu, uu), tf.multiply(v, v)]
    return fn


def qr_ref(full):
    def ref(a):
        q, rr = np.linalg.qr(a, mode="complete" if full else "reduced")
        return [q, rr]
    return ref


def norm_ref(x, ord=None, axis=None, keepdims=False):
    return np.asarray(np.linalg.norm(x.astype(np.float64), ord=ord, axis=axis,
                                     keepdims=keepdims)).astype(x.dtype)


SPECS = [
    OpSpec("linalg_inv", tf.linalg.inv, np.linalg.inv, [A3], atol=1e-4),
    OpSpec("linalg_inv_adjoint_batch", lambda a: tf.linalg.inv(a, adjoint=True),
           lambda a: np.linalg.inv(np.swapaxes(a, -1, -2)), [AB3], atol=1e-4),
    OpSpec("linalg_det", tf.linalg.det, np.linalg.det, [A3], rtol=1e-4),
    OpSpec("linalg_det_batch", tf.linalg.det, np.linalg.det, [AB3], rtol=1e-4),
    OpSpec("linalg_slogdet", tf.linalg.slogdet,
           lambda a: [x.astype(a.dtype) for x in np.linalg.slogdet(a)], [AB3], atol=1e-4),
    OpSpec("linalg_logdet", lambda a: tf.linalg.logdet(spd(a)),
           lambda a: np.linalg.slogdet(np_spd(a))[1].astype(a.dtype), [A3], atol=1e-4),
    OpSpec("linalg_cholesky", lambda a: tf.linalg.cholesky(spd(a)),
           lambda a: np.linalg.cholesky(np_spd(a)).astype(a.dtype), [A3], atol=1e-4),
    OpSpec("linalg_cholesky_batch", lambda a: tf.linalg.cholesky(spd(a)),
           lambda a: np.linalg.cholesky(np_spd(a)).astype(a.dtype), [AB3], atol=1e-4),
    OpSpec("linalg_qr_square", tf.linalg.qr, qr_ref(False), [A3], atol=1e-4),
    OpSpec("linalg_qr_tall", tf.linalg.qr, qr_ref(False), [A43], atol=1e-4),
    OpSpec("linalg_qr_wide_batch", tf.linalg.qr, qr_ref(False), [f32(2, 2, 3)], atol=1e-4),
    OpSpec("linalg_qr_full_wide", lambda a: tf.linalg.qr(a, full_matrices=True),
           qr_ref(True), [A34], atol=1e-4),
    OpSpec("linalg_qr_full_tall", lambda a: tf.linalg.qr(a, full_matrices=True),
           qr_ref(True), [A43], atol=1e-4, grad=False),
    OpSpec("linalg_svd_values", lambda a: tf.linalg.svd(a, compute_uv=False),
           lambda a: np.linalg.svd(a, compute_uv=False), [A43], atol=1e-4),
    OpSpec("linalg_svd_raw", tf.linalg.svd,
           lambda a: [np.linalg.svd(a)[1], np.linalg.svd(a)[0],
                      np.swapaxes(np.linalg.svd(a)[2], -1, -2)], [AB3], atol=1e-4, grad=False),
    OpSpec("linalg_svd_square", svd_fn(False), svd_ref(False), [AB3], atol=1e-4),
    OpSpec("linalg_svd_tall", svd_fn(False), svd_ref(False), [A43], atol=1e-4),
    OpSpec("linalg_svd_wide", svd_fn(False), svd_ref(False), [A34], atol=1e-4),
    OpSpec("linalg_svd_full_wide", svd_fn(True), svd_ref(True), [A34], atol=1e-4),
    OpSpec("linalg_eigh", lambda a: [tf.linalg.eigh(sym(a))[0],
                                     tf.multiply(tf.linalg.eigh(sym(a))[1], tf.linalg.eigh(sym(a))[1])],
           lambda a: [np.linalg.eigh(np_sym(a))[0], np.linalg.eigh(np_sym(a))[1] ** 2],
           [AB3], atol=1e-4),
    OpSpec("linalg_eigh_raw", lambda a: tf.linalg.eigh(sym(a)),
           lambda a: list(np.linalg.eigh(np_sym(a))), [A3], atol=1e-4, grad=False),
    OpSpec("linalg_eigvalsh", lambda a: tf.linalg.eigvalsh(sym(a)),
           lambda a: np.linalg.eigvalsh(np_sym(a)), [A3], atol=1e-4),
    OpSpec("linalg_eig", tf.linalg.eig,
           lambda a: [x.astype(np.complex64) for x in np.linalg.eig(a)], [A22], atol=1e-4),
    OpSpec("linalg_eigvals", tf.linalg.eigvals,
           lambda a: np.linalg.eigvals(a).astype(np.complex64), [A22], atol=1e-4),
    OpSpec("linalg_pinv", tf.linalg.pinv, np.linalg.pinv, [A43], atol=1e-4),
    OpSpec("linalg_pinv_square", tf.linalg.pinv, np.linalg.pinv, [A3], atol=1e-4),
    # ---- norms ----
    OpSpec("linalg_norm_euclidean", tf.norm, lambda x: norm_ref(x.reshape(-1)), [AB3]),
    OpSpec("linalg_norm_axis", lambda x: tf.norm(x, axis=1),
           lambda x: norm_ref(x, axis=1), [AB3]),
    OpSpec("linalg_norm_fro_keep", lambda x: tf.norm(x, "fro", axis=[-2, -1], keepdims=True),
           lambda x: norm_ref(x, "fro", (-2, -1), True), [AB3]),
    OpSpec("linalg_norm_mat1", lambda x: tf.norm(x, 1, axis=[0, 1]),
           lambda x: norm_ref(x, 1, (0, 1)), [A3]),
    OpSpec("linalg_norm_matinf", lambda x: tf.norm(x, np.inf, axis=[1, 2]),
           lambda x: norm_ref(x, np.inf, (1, 2)), [AB3]),
    OpSpec("linalg_norm_mat2", lambda x: tf.norm(x, 2, axis=[1, 2]),
           lambda x: norm_ref(x, 2, (1, 2)), [AB3], atol=1e-4),
    OpSpec("linalg_norm_mat2_first_axes", lambda x: tf.norm(x, 2, axis=[0, 1]),
           lambda x: norm_ref(x, 2, (0, 1)), [f32(3, 2, 2)], atol=1e-4),
    OpSpec("linalg_norm_vec1", lambda x: tf.norm(x, 1, axis=-1),
           lambda x: norm_ref(x, 1, -1), [A43]),
    OpSpec("linalg_norm_vecinf", lambda x: tf.norm(x, np.inf, axis=0),
           lambda x: norm_ref(x, np.inf, 0), [A43]),
    OpSpec("linalg_norm_vec3", lambda x: tf.norm(x, 3, axis=1),
           lambda x: norm_ref(x, 3, 1), [A43], rtol=1e-4),
    OpSpec("linalg_normalize", lambda x: tf.linalg.normalize(x, axis=1),
           lambda x: [x / norm_ref(x, axis=1, keepdims=True),
                      norm_ref(x, axis=1, keepdims=True)], [A43]),
    OpSpec("linalg_eye_used", lambda a: tf.matmul(a, tf.linalg.eye(3, dtype=a.dtype)), lambda a: a @ EYE3.astype(
        np.float32), [A3]),
]
