"""Spec rows for tf.linalg: einsum/tensordot/matvec, diagonal and band ops, solvers, norms."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)


def f32(*shape):
    return r.standard_normal(shape).astype(np.float32)


A23, B34, V3 = f32(2, 3), f32(3, 4), f32(3)
A3 = (f32(3, 3) + 3 * np.eye(3)).astype(np.float32)
AB3 = (f32(2, 3, 3) + 3 * np.eye(3)).astype(np.float32)
B32 = f32(3, 2)
BB32 = f32(2, 3, 2)
EYE3 = np.eye(3)


def spd(a):
    """A symmetric positive-definite matrix built from ``a`` (inside fn, so that finite
    differences stay valid)."""
    return tf.add(tf.matmul(a, a, transpose_b=True), EYE3)


def np_spd(a):
    return a @ np.swapaxes(a, -1, -2) + EYE3


def ein(eq):
    return lambda *xs: tf.einsum(eq, *xs)


def np_ein(eq):
    return lambda *xs: np.einsum(eq, *xs)


def np_tri_solve(a, b, lower=True, adjoint=False):
    t = np.tril(a) if lower else np.triu(a)
    if adjoint:
        t = np.swapaxes(t, -1, -2)
    return np.linalg.solve(t, np.broadcast_to(b, np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
                                              + b.shape[-2:])).astype(a.dtype)


def np_band(x, lo, up):
    i = np.arange(x.shape[-2])[:, None]
    j = np.arange(x.shape[-1])[None, :]
    m = np.ones(x.shape[-2:], bool)
    if lo >= 0:
        m &= (i - j) <= lo
    if up >= 0:
        m &= (j - i) <= up
    return np.where(m, x, 0).astype(x.dtype)


def np_set_diag(x, d, k=0):
    out = x.copy()
    n = d.shape[-1]
    i = np.arange(n)
    out[..., i + max(-k, 0), i + max(k, 0)] = d
    return out


def np_diag(d, k=0):
    n = d.shape[-1] + abs(k)
    out = np.zeros(d.shape[:-1] + (n, n), d.dtype)
    return np_set_diag(out, d, k)


def np_expm(a):
    out = np.eye(a.shape[-1])
    term = np.eye(a.shape[-1])
    for k in range(1, 40):
        term = term @ a / k
        out = out + term
    return out.astype(a.dtype)


SMALL3 = (0.3 * f32(3, 3)).astype(np.float32)

SPECS = [
    # ---- einsum ----
    OpSpec("linalg_einsum_matmul", ein("ij,jk->ik"), np_ein("ij,jk->ik"), [A23, B34]),
    OpSpec("linalg_einsum_implicit", ein("ij,jk"), np_ein("ij,jk"), [A23, B34]),
    OpSpec("linalg_einsum_batch_bcast", ein("...ij,...jk->...ik"),
           np_ein("...ij,...jk->...ik"), [f32(2, 2, 3), B34]),
    OpSpec("linalg_einsum_bcast_size1", ein("...ij,...jk->...ik"),
           np_ein("...ij,...jk->...ik"), [f32(1, 2, 3), f32(2, 3, 2)]),
    OpSpec("linalg_einsum_trace", ein("ii->"), np_ein("ii->"), [A3]),
    OpSpec("linalg_einsum_diag", ein("ii->i"), np_ein("ii->i"), [A3]),
    OpSpec("linalg_einsum_batch_diag", ein("...ii->...i"), np_ein("...ii->...i"), [AB3]),
    OpSpec("linalg_einsum_reduce", ein("ij->j"), np_ein("ij->j"), [A23]),
    OpSpec("linalg_einsum_outer", ein("i,j->ij"), np_ein("i,j->ij"), [V3, f32(2)]),
    OpSpec("linalg_einsum_ell_sum", ein("...ij->ij"), lambda x: x.sum(0), [f32(2, 2, 3)]),
    OpSpec("linalg_einsum_mid_ell", ein("i...j,j->i..."), np_ein("i...j,j->i..."),
           [f32(2, 2, 3), V3]),
    OpSpec("linalg_einsum_three", ein("ij,jk,kl->il"), np_ein("ij,jk,kl->il"),
           [A23, B34, f32(4, 2)]),
    OpSpec("linalg_einsum_transpose", ein("ijk->kji"), np_ein("ijk->kji"), [f32(2, 3, 2)]),
    OpSpec("linalg_einsum_int", ein("ij,jk->ik"), np_ein("ij,jk->ik"),
           [np.arange(6, dtype=np.int32).reshape(2, 3),
            np.arange(12, dtype=np.int32).reshape(3, 4)]),
    # ---- tensordot / matvec ----
    OpSpec("linalg_tensordot_int", lambda a, b: tf.tensordot(a, b, 1),
           lambda a, b: np.tensordot(a, b, 1), [A23, B34]),
    OpSpec("linalg_tensordot_pairs", lambda a, b: tf.tensordot(a, b, [[0, 2], [2, 0]]),
           lambda a, b: np.tensordot(a, b, [[0, 2], [2, 0]]), [f32(2, 3, 2), f32(2, 2, 2)]),
    OpSpec("linalg_tensordot_outer", lambda a, b: tf.tensordot(a, b, 0),
           lambda a, b: np.tensordot(a, b, 0), [V3, f32(2)]),
    OpSpec("linalg_matvec", tf.linalg.matvec, lambda a, b: a @ b, [A23, V3]),
    OpSpec("linalg_matvec_batch_t", lambda a, b: tf.linalg.matvec(a, b, transpose_a=True),
           lambda a, b: np.einsum("...ji,...j->...i", a, b), [AB3, V3]),
    # ---- diagonal / band ----
    OpSpec("linalg_trace", tf.linalg.trace, lambda x: np.trace(x, axis1=-2, axis2=-1), [AB3]),
    OpSpec("linalg_diag", tf.linalg.diag, np_diag, [f32(2, 3)]),
    OpSpec("linalg_diag_k", lambda d: tf.linalg.diag(d, k=1), lambda d: np_diag(d, 1), [V3]),
    OpSpec("linalg_diag_rect", lambda d: tf.linalg.diag(d, num_rows=3, num_cols=4),
           lambda d: np_set_diag(np.zeros((3, 4), np.float32), d), [V3]),
    OpSpec("linalg_diag_part", tf.linalg.diag_part,
           lambda x: np.diagonal(x, axis1=-2, axis2=-1), [AB3]),
    OpSpec("linalg_diag_part_rect_k", lambda x: tf.linalg.diag_part(x, k=-1),
           lambda x: np.diagonal(x, -1, -2, -1), [B34.T.copy()]),
    OpSpec("linalg_set_diag", tf.linalg.set_diag, np_set_diag, [AB3, f32(2, 3)]),
    OpSpec("linalg_set_diag_k", lambda x, d: tf.linalg.set_diag(x, d, k=1),
           lambda x, d: np_set_diag(x, d, 1), [B34, V3]),
    OpSpec("linalg_band_part_lower", lambda x: tf.linalg.band_part(x, -1, 0),
           lambda x: np_band(x, -1, 0), [AB3]),
    OpSpec("linalg_band_part_band", lambda x: tf.linalg.band_part(x, 1, 2),
           lambda x: np_band(x, 1, 2), [f32(4, 4)]),
    OpSpec("linalg_cross", tf.linalg.cross, np.cross, [f32(2, 3), f32(2, 3)]),
    OpSpec("linalg_cross_int", tf.linalg.cross, np.cross,
           [np.array([1, 2, 3], np.int32), np.array([4, 5, 7], np.int32)]),
    OpSpec("linalg_adjoint", tf.linalg.adjoint, lambda x: np.swapaxes(x, -1, -2), [AB3]),
    OpSpec("linalg_matrix_transpose", tf.linalg.matrix_transpose, lambda x: x.T, [A23]),
    # ---- solvers ----
    OpSpec("linalg_solve", tf.linalg.solve, np.linalg.solve, [A3, B32], atol=1e-4),
    OpSpec("linalg_solve_adjoint", lambda a, b: tf.linalg.solve(a, b, adjoint=True),
           lambda a, b: np.linalg.solve(np.swapaxes(a, -1, -2), b), [AB3, BB32], atol=1e-4),
    OpSpec("linalg_triangular_solve", tf.linalg.triangular_solve, np_tri_solve, [A3, B32],
           atol=1e-4),
    OpSpec("linalg_triangular_solve_upper_adj",
           lambda a, b: tf.linalg.triangular_solve(a, b, lower=False, adjoint=True),
           lambda a, b: np_tri_solve(a, b, False, True), [AB3, BB32], atol=1e-4),
    OpSpec("linalg_triangular_solve_bcast", tf.linalg.triangular_solve, np_tri_solve,
           [A3, BB32], atol=1e-4),
    OpSpec("linalg_cholesky_solve",
           lambda a, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(spd(a)), b),
           lambda a, b: np.linalg.solve(np_spd(a), b).astype(np.float32), [A3, B32],
           atol=1e-4),
    OpSpec("linalg_lstsq_over", tf.linalg.lstsq,
           lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], [f32(4, 3), f32(4, 2)],
           atol=1e-4),
    OpSpec("linalg_lstsq_under_l2", lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.1),
           lambda a, b: (a.T @ np.linalg.solve(a @ a.T + 0.1 * np.eye(2), b)).astype(a.dtype),
           [f32(2, 3), f32(2, 2)], atol=1e-4),
    OpSpec("linalg_lstsq_over_l2_batch", lambda a, b: tf.linalg.lstsq(a, b, 0.5),
           lambda a, b: np.linalg.solve(np.swapaxes(a, -1, -2) @ a + 0.5 * np.eye(2),
                                        np.swapaxes(a, -1, -2) @ b).astype(a.dtype),
           [f32(2, 3, 2), f32(2, 3, 1)], atol=1e-4),
    OpSpec("linalg_lstsq_slow", lambda a, b: tf.linalg.lstsq(a, b, fast=False),
           lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], [f32(4, 3), f32(4, 2)],
           atol=1e-4, grad=False),
    OpSpec("linalg_expm", tf.linalg.expm, np_expm, [SMALL3], atol=1e-4),
    OpSpec("linalg_expm_batch", tf.linalg.expm,
           lambda a: np.stack([np_expm(m) for m in a]), [(0.3 * f32(2, 2, 2))], atol=1e-4),
]
