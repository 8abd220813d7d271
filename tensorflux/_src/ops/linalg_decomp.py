"""Matrix functions and decompositions of tf.linalg: inv, det, slogdet, logdet, cholesky,
qr, svd, eigh/eigvalsh, eig/eigvals.

Raw ops: MatrixInverse, MatrixDeterminant, LogMatrixDeterminant, Cholesky, Qr, Svd,
SelfAdjointEigV2, Eig. All are batched over leading dimensions; gradients follow
TensorFlow's linalg_grad.py.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops.linalg_diag import (
    adjoint, band_part, matrix_diag, matrix_diag_part, matrix_set_diag)
from tensorflux._src.ops.math_ops import matmul, multiply, negative
from tensorflux._src.ops.op_util import tensor

LINALG = (_dt.float32, _dt.float64, _dt.complex64, _dt.complex128)


# ---- shape helpers --------------------------------------------------------------------------


def _rank2(s, op):
    if s is not None and len(s) < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {len(s)} for '{op}' "
                         f"(input shape: {list(s)})")


def square_infer(ic, i=0, op="op"):
    """Shape rule for ops on square matrices: returns the input shape."""
    s = ic.shapes[i]
    _rank2(s, op)
    if s is not None and s[-1] is not None and s[-2] is not None and s[-1] != s[-2]:
        raise ValueError(f"Dimensions must be equal, but are {s[-2]} and {s[-1]} for '{op}': "
                         f"input must be a square matrix (or batch of them), got shape "
                         f"{list(s)}")
    return s


def _require_square(a, what="Input matrix"):
    if a.ndim < 2:
        raise InvalidArgumentError(None, None, f"{what} must be at least rank 2, got shape "
                                               f"{list(a.shape)}")
    if a.shape[-1] != a.shape[-2]:
        raise InvalidArgumentError(None, None, f"{what} must be square, got shape "
                                               f"{list(a.shape)}")


def _lower_hermitian(a):
    """The Hermitian matrix defined by the lower triangle of ``a`` (what the LAPACK routines
    used by TensorFlow read)."""
    lo = np.tril(a)
    return lo + np.conj(np.swapaxes(np.tril(a, -1), -1, -2))


def _half(x):
    return multiply(x, 0.5)


def _eye_like(x):
    """A batch of identity matrices shaped like the square matrices ``x``."""
    d = matrix_diag_part(x)
    return matrix_set_diag(array_ops.zeros_like(x), array_ops.ones_like(d))


def _expand2(x):
    return array_ops.expand_dims(array_ops.expand_dims(x, -1), -1)


# ---- MatrixInverse ----------------------------------------------------------------------------


def _inverse_kernel(a, adjoint=False):
    _require_square(a)
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    try:
        return np.linalg.inv(a).astype(a.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(None, None, "Input is not invertible.") from None


def _inverse_grad(op, g):
    ainv = op.outputs[0]
    adj = op.get_attr("adjoint")
    return [negative(matmul(ainv, matmul(g, ainv, adjoint_a=adj, adjoint_b=not adj),
                            adjoint_a=not adj))]


MATRIX_INVERSE = defop(
    "MatrixInverse", _inverse_kernel, inputs=("input: T",), outputs=("output: T",),
    types={"T": LINALG}, attrs={"adjoint": False},
    infer=lambda ic: square_infer(ic, op="MatrixInverse"), grad=_inverse_grad)


def inv(input, adjoint=False, name=None):  # noqa: A002
    """Inverse (or inverse of the adjoint) of each square matrix (``tf.linalg.inv``).

    Example:
        >>> tf.linalg.inv([[2., 0.], [0., 4.]]).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    return execute(MATRIX_INVERSE, (tensor(input),), {"adjoint": True} if adjoint else None,
                   name)


# ---- MatrixDeterminant / LogMatrixDeterminant -----------------------------------------------


def _det_kernel(a):
    _require_square(a)
    return np.asarray(np.linalg.det(a)).astype(a.dtype, copy=False)


def _det_infer(ic):
    s = square_infer(ic, op="MatrixDeterminant")
    return None if s is None else tuple(s[:-2])


def _det_grad(op, g):
    a, c = op.inputs[0], op.outputs[0]
    a_adj_inv = inv(a, adjoint=True)
    return [multiply(_expand2(multiply(g, c)), a_adj_inv)]


MATRIX_DETERMINANT = defop(
    "MatrixDeterminant", _det_kernel, inputs=("input: T",), outputs=("output: T",),
    types={"T": LINALG}, infer=_det_infer, grad=_det_grad)


def det(input, name=None):  # noqa: A002
    """Determinant of each square matrix (``tf.linalg.det``).

    Example:
        >>> tf.linalg.det([[1., 2.], [3., 4.]]).numpy()
        -2.0
    """
    return execute(MATRIX_DETERMINANT, (tensor(input),), None, name)


def _slogdet_kernel(a):
    _require_square(a)
    sign, logabs = np.linalg.slogdet(a)
    return (np.asarray(sign).astype(a.dtype, copy=False),
            np.asarray(logabs).astype(a.dtype, copy=False))


def _slogdet_infer(ic):
    s = square_infer(ic, op="LogMatrixDeterminant")
    b = None if s is None else tuple(s[:-2])
    return [b, b]


def _slogdet_grad(op, g_sign, g_log):
    a = op.inputs[0]
    return [multiply(_expand2(g_log), inv(a, adjoint=True))]


LOG_MATRIX_DETERMINANT = defop(
    "LogMatrixDeterminant", _slogdet_kernel, inputs=("input: T",),
    outputs=("sign: T", "log_abs_determinant: T"), types={"T": LINALG},
    infer=_slogdet_infer, grad=_slogdet_grad)


def slogdet(input, name=None):  # noqa: A002
    """Sign and log of the absolute value of the determinant (``tf.linalg.slogdet``).

    Returns:
        A tuple ``(sign, log_abs_determinant)``.

    Example:
        >>> sign, logdet = tf.linalg.slogdet([[1., 2.], [3., 4.]])
        >>> float(sign), round(float(logdet), 4)
        (-1.0, 0.6931)
    """
    return execute(LOG_MATRIX_DETERMINANT, (tensor(input),), None, name)


def logdet(matrix, name=None):
    """Log of the determinant of Hermitian positive-definite matrices (``tf.linalg.logdet``).

    Example:
        >>> round(float(tf.linalg.logdet([[2., 0.], [0., 3.]])), 4)
        1.7918
    """
    x = tensor(matrix)
    out = slogdet(x, name=name)[1]
    if x.dtype.is_complex:
        from tensorflux._src.ops.math_unary import real
        out = real(out)
    return out


# ---- Cholesky ---------------------------------------------------------------------------------


def _cholesky_kernel(a):
    _require_square(a)
    try:
        return np.linalg.cholesky(_lower_hermitian(a)).astype(a.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(None, None, "Cholesky decomposition was not successful. "
                                               "The input might not be valid.") from None


def _cholesky_grad(op, g):
    from tensorflux._src.ops.linalg_solve import triangular_solve

    lo = op.outputs[0]
    l_inverse = triangular_solve(lo, _eye_like(lo))
    middle = matmul(lo, g, adjoint_a=True)
    middle = matrix_set_diag(middle, _half(matrix_diag_part(middle)))
    middle = band_part(middle, -1, 0)
    grad_a = matmul(matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    grad_a = math_ops.add(grad_a, adjoint(grad_a))
    return [_half(grad_a)]


CHOLESKY = defop("Cholesky", _cholesky_kernel, inputs=("input: T",), outputs=("output: T",),
                 types={"T": LINALG}, infer=lambda ic: square_infer(ic, op="Cholesky"),
                 grad=_cholesky_grad)


def cholesky(input, name=None):  # noqa: A002
    """Cholesky factor ``L`` (lower triangular, ``A = L L^H``) of Hermitian positive-definite
    matrices; only the lower triangle of the input is read (``tf.linalg.cholesky``).

    Example:
        >>> tf.linalg.cholesky([[4., 2.], [2., 5.]]).numpy()
        array([[2., 0.],
               [1., 2.]], dtype=float32)
    """
    return execute(CHOLESKY, (tensor(input),), None, name)


# ---- Qr ---------------------------------------------------------------------------------------


def _qr_kernel(a, full_matrices=False):
    if a.ndim < 2:
        raise InvalidArgumentError(None, None, f"input must be at least rank 2, got shape "
                                               f"{list(a.shape)}")
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)


def _qr_infer(ic):
    s = ic.shapes[0]
    _rank2(s, "Qr")
    if s is None:
        return [None, None]
    b, m, n = tuple(s[:-2]), s[-2], s[-1]
    k = None if m is None or n is None else min(m, n)
    if ic.attrs.get("full_matrices"):
        return [b + (m, m), b + (m, n)]
    return [b + (m, k), b + (k, n)]


def _tri_solve_right(x, r):
    """``x @ inv(r)^H`` for upper-triangular ``r``."""
    from tensorflux._src.ops.linalg_solve import triangular_solve
    return adjoint(triangular_solve(r, adjoint(x), lower=False, adjoint=False))


def _qr_grad_square_deep(q, r, dq, dr):
    qdq = matmul(q, dq, adjoint_a=True)
    qdq_ = math_ops.subtract(qdq, adjoint(qdq))
    rdr = matmul(r, dr, adjoint_b=True)
    rdr_ = math_ops.subtract(rdr, adjoint(rdr))
    tril = band_part(math_ops.add(qdq_, rdr_), -1, 0)
    grad_a = matmul(q, math_ops.add(dr, _tri_solve_right(tril, r)))
    grad_b = _tri_solve_right(math_ops.subtract(dq, matmul(q, qdq)), r)
    ret = math_ops.add(grad_a, grad_b)
    if q.dtype.is_complex:
        from tensorflux._src.ops.math_unary import real
        m = math_ops.subtract(rdr, adjoint(qdq))
        eyem = matrix_set_diag(array_ops.zeros_like(m), matrix_diag_part(m))
        correction = math_ops.subtract(eyem, math_ops.cast(real(eyem), q.dtype))
        ret = math_ops.add(ret, _tri_solve_right(matmul(q, adjoint(correction)), r))
    return ret


def _qr_grad(op, dq, dr):
    q, r = op.outputs
    sq, sr = q.shape.as_list(), r.shape.as_list()
    if sq is None or sr is None or None in (sq[-2], sq[-1], sr[-2], sr[-1]):
        raise NotImplementedError("QrGrad not implemented with dynamic shapes.")
    if sr[-2] > sr[-1] and sq[-2] == sq[-1]:
        raise NotImplementedError("QrGrad not implemented when nrows > ncols and "
                                  "full_matrices is true.")
    num_rows, num_cols = sq[-2], sr[-1]
    if num_rows >= num_cols:
        return [_qr_grad_square_deep(q, r, dq, dr)]
    a = op.inputs[0]
    rest = num_cols - num_rows
    _, y = array_ops.split(a, [num_rows, rest], axis=-1)
    u, _ = array_ops.split(r, [num_rows, rest], axis=-1)
    du, dv = array_ops.split(dr, [num_rows, rest], axis=-1)
    dy = matmul(q, dv)
    dx = _qr_grad_square_deep(q, u, math_ops.add(dq, matmul(y, dv, adjoint_b=True)), du)
    return [array_ops.concat([dx, dy], axis=-1)]


QR = defop("Qr", _qr_kernel, inputs=("input: T",), outputs=("q: T", "r: T"),
           types={"T": LINALG}, attrs={"full_matrices": False}, infer=_qr_infer,
           grad=_qr_grad)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """QR decomposition ``A = Q R`` of each innermost matrix (``tf.linalg.qr``).

    Returns:
        ``(q, r)``; with ``full_matrices=False`` q is ``[..., M, P]`` and r ``[..., P, N]``
        where ``P = min(M, N)``.

    Example:
        >>> q, r = tf.linalg.qr([[3., 1.], [4., 2.]])
        >>> q.shape, r.shape
        (TensorShape([2, 2]), TensorShape([2, 2]))
    """
    return execute(QR, (tensor(input),), {"full_matrices": True} if full_matrices else None,
                   name)


# ---- Svd --------------------------------------------------------------------------------------


def _svd_kernel(a, compute_uv=True, full_matrices=False):
    if a.ndim < 2:
        raise InvalidArgumentError(None, None, f"input must be at least rank 2, got shape "
                                               f"{list(a.shape)}")
    if not compute_uv:
        s = np.linalg.svd(a, compute_uv=False)
        e = np.zeros((0,), a.dtype)
        return s.astype(a.dtype), e, e
    uu, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    v = np.conj(np.swapaxes(vh, -1, -2))
    return s.astype(a.dtype), uu.astype(a.dtype, copy=False), v.astype(a.dtype, copy=False)


def _svd_infer(ic):
    s = ic.shapes[0]
    _rank2(s, "Svd")
    if s is None:
        return [None, None, None]
    b, m, n = tuple(s[:-2]), s[-2], s[-1]
    k = None if m is None or n is None else min(m, n)
    if not ic.attrs.get("compute_uv", True):
        return [b + (k,), (0,), (0,)]
    if ic.attrs.get("full_matrices"):
        return [b + (k,), b + (m, m), b + (n, n)]
    return [b + (k,), b + (m, k), b + (n, k)]


def _safe_reciprocal(x, epsilon=1e-20):
    return math_ops.divide_no_check(x, math_ops.add(multiply(x, x), epsilon))


def _svd_grad(op, grad_s, grad_u, grad_v):
    a = op.inputs[0]
    grad_s_mat = matrix_diag(grad_s)
    if not op.get_attr("compute_uv"):
        _, uu, v = svd(a, full_matrices=False, compute_uv=True)
        return [matmul(uu, matmul(grad_s_mat, v, adjoint_b=True))]
    full_matrices = op.get_attr("full_matrices")
    sa = a.shape.as_list()
    m, n = (None, None) if sa is None else (sa[-2], sa[-1])
    if m is None or n is None:
        raise NotImplementedError("SVD gradient has not been implemented for input with "
                                  "unknown inner matrix shape.")
    s, uu, v = op.outputs
    use_adjoint = False
    if m > n:
        use_adjoint = True
        m, n = n, m
        uu, v = v, uu
        grad_u, grad_v = grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError("svd gradient is not implemented for abs(m - n) > 1 when "
                                  "full_matrices is True")
    s_mat = matrix_diag(s)
    s_2 = multiply(s, s)
    f = matrix_set_diag(
        _safe_reciprocal(math_ops.subtract(array_ops.expand_dims(s_2, -2),
                                           array_ops.expand_dims(s_2, -1))),
        array_ops.zeros_like(s))
    s_inv_mat = matrix_diag(_safe_reciprocal(s))
    vn = v.shape.as_list()[-1]
    if vn > m:
        v1, v2 = array_ops.split(v, [m, vn - m], axis=-1)
        grad_v1, grad_v2 = array_ops.split(grad_v, [m, vn - m], axis=-1)
    else:
        v1, grad_v1, v2, grad_v2 = v, grad_v, None, None
    u_gu = matmul(uu, grad_u, adjoint_a=True)
    v_gv = matmul(v1, grad_v1, adjoint_a=True)
    f_u = multiply(f, u_gu)
    f_v = multiply(f, v_gv)
    term1_nouv = math_ops.add_n([
        grad_s_mat, matmul(math_ops.add(f_u, adjoint(f_u)), s_mat),
        matmul(s_mat, math_ops.add(f_v, adjoint(f_v)))])
    term1 = matmul(uu, matmul(term1_nouv, v1, adjoint_b=True))
    if m == n:
        grad_a = term1
    else:
        gv1t = adjoint(grad_v1)
        gv1t_v1 = matmul(gv1t, v1)
        term2_nous = math_ops.subtract(gv1t, matmul(gv1t_v1, v1, adjoint_b=True))
        if full_matrices and v2 is not None:
            v1t_gv2 = matmul(v1, grad_v2, adjoint_a=True)
            term2_nous = math_ops.subtract(term2_nous, matmul(v1t_gv2, v2, adjoint_b=True))
        term2 = matmul(matmul(uu, s_inv_mat), term2_nous)
        grad_a = math_ops.add(term1, term2)
    if a.dtype.is_complex:
        eye_ = _eye_like(v_gv)
        lm = multiply(eye_, v_gv)
        term3_nouv = matmul(s_inv_mat, math_ops.subtract(adjoint(lm), lm))
        term3 = _half(matmul(uu, matmul(term3_nouv, v1, adjoint_b=True)))
        grad_a = math_ops.add(grad_a, term3)
    if use_adjoint:
        grad_a = adjoint(grad_a)
    return [grad_a]


SVD = defop("Svd", _svd_kernel, inputs=("input: T",), outputs=("s: T", "u: T", "v: T"),
            types={"T": LINALG}, attrs={"compute_uv": True, "full_matrices": False},
            infer=_svd_infer, grad=_svd_grad)


def svd(tensor_, full_matrices=False, compute_uv=True, name=None):
    """Singular value decomposition ``A = U diag(S) V^H`` (``tf.linalg.svd``).

    Returns:
        ``s`` if ``compute_uv`` is False, else ``(s, u, v)``; note that ``v`` is returned
        as is, not transposed, and singular values come first, in descending order.

    Example:
        >>> s = tf.linalg.svd([[3., 0.], [0., 4.]], compute_uv=False)
        >>> s.numpy()
        array([4., 3.], dtype=float32)
    """
    x = tensor(tensor_)
    attrs = {}
    if not compute_uv:
        attrs["compute_uv"] = False
    if full_matrices:
        attrs["full_matrices"] = True
    s, uu, v = execute(SVD, (x,), attrs or None, name)
    if x.dtype.is_complex:
        from tensorflux._src.ops.math_unary import real
        s = real(s)
    return (s, uu, v) if compute_uv else s


# ---- SelfAdjointEigV2 -------------------------------------------------------------------------


def _eigh_kernel(a, compute_v=True):
    _require_square(a)
    if not compute_v:
        e = np.linalg.eigvalsh(a, UPLO="L")
        return e.astype(a.dtype), np.zeros((0,), a.dtype)
    e, v = np.linalg.eigh(a, UPLO="L")
    return e.astype(a.dtype), v.astype(a.dtype, copy=False)


def _eigh_infer(ic):
    s = square_infer(ic, op="SelfAdjointEigV2")
    if s is None:
        return [None, None if ic.attrs.get("compute_v", True) else (0,)]
    n = s[-1] if s[-1] is not None else s[-2]
    return [tuple(s[:-2]) + (n,), tuple(s[:-2]) + (n, n) if ic.attrs.get("compute_v", True)
            else (0,)]


def _eigh_grad(op, grad_e, grad_v):
    e = op.outputs[0]
    if op.get_attr("compute_v"):
        v = op.outputs[1]
        f = matrix_set_diag(
            _safe_reciprocal(math_ops.subtract(array_ops.expand_dims(e, -2),
                                               array_ops.expand_dims(e, -1))),
            array_ops.zeros_like(e))
        inner = math_ops.add(matrix_diag(grad_e),
                             multiply(f, matmul(v, grad_v, adjoint_a=True)))
        grad_a = matmul(v, matmul(inner, v, adjoint_b=True))
    else:
        _, v = eigh(op.inputs[0])
        grad_a = matmul(v, matmul(matrix_diag(grad_e), v, adjoint_b=True))
    grad_a = band_part(math_ops.add(grad_a, adjoint(grad_a)), -1, 0)
    grad_a = matrix_set_diag(grad_a, _half(matrix_diag_part(grad_a)))
    return [grad_a]


SELF_ADJOINT_EIG = defop(
    "SelfAdjointEigV2", _eigh_kernel, inputs=("input: T",), outputs=("e: T", "v: T"),
    types={"T": LINALG}, attrs={"compute_v": True}, infer=_eigh_infer, grad=_eigh_grad)


def eigh(tensor_, name=None):
    """Eigen-decomposition of Hermitian matrices; only the lower triangle is read
    (``tf.linalg.eigh``).

    Returns:
        ``(e, v)``: eigenvalues in ascending order and eigenvectors as columns of ``v``.

    Example:
        >>> e, v = tf.linalg.eigh([[2., 0.], [0., 1.]])
        >>> e.numpy()
        array([1., 2.], dtype=float32)
    """
    return execute(SELF_ADJOINT_EIG, (tensor(tensor_),), None, name)


def eigvalsh(tensor_, name=None):
    """Eigenvalues of Hermitian matrices, ascending (``tf.linalg.eigvalsh``).

    Example:
        >>> tf.linalg.eigvalsh([[2., 1.], [1., 2.]]).numpy()
        array([1., 3.], dtype=float32)
    """
    return execute(SELF_ADJOINT_EIG, (tensor(tensor_),), {"compute_v": False}, name)[0]


# ---- Eig --------------------------------------------------------------------------------------


def _eig_kernel(a, Tout=_dt.complex64, compute_v=True):
    _require_square(a)
    ct = Tout.np_dtype
    if not compute_v:
        return np.linalg.eigvals(a).astype(ct), np.zeros((0,), ct)
    e, v = np.linalg.eig(a)
    return e.astype(ct), v.astype(ct)


def _eig_infer(ic):
    s = square_infer(ic, op="Eig")
    cv = ic.attrs.get("compute_v", True)
    if s is None:
        return [None, None if cv else (0,)]
    n = s[-1] if s[-1] is not None else s[-2]
    return [tuple(s[:-2]) + (n,), tuple(s[:-2]) + (n, n) if cv else (0,)]


EIG = defop("Eig", _eig_kernel, inputs=("input: T",), outputs=("e: Tout", "v: Tout"),
            types={"T": LINALG, "Tout": (_dt.complex64, _dt.complex128)},
            attrs={"compute_v": True}, infer=_eig_infer, grad=NOT_DIFFERENTIABLE)


def _eig_tout(x):
    return _dt.complex128 if x.dtype in (_dt.float64, _dt.complex128) else _dt.complex64


def eig(tensor_, name=None):
    """Eigen-decomposition of general square matrices (``tf.linalg.eig``); complex results.
    Not differentiable here.

    Example:
        >>> e, v = tf.linalg.eig([[2., 0.], [0., 1.]])
        >>> e.dtype
        tf.complex64
    """
    x = tensor(tensor_)
    return execute(EIG, (x,), {"Tout": _eig_tout(x)}, name)


def eigvals(tensor_, name=None):
    """Eigenvalues of general square matrices (``tf.linalg.eigvals``); complex results.

    Example:
        >>> tf.linalg.eigvals([[2., 0.], [0., 1.]]).numpy()
        array([2.+0.j, 1.+0.j], dtype=complex64)
    """
    x = tensor(tensor_)
    return execute(EIG, (x,), {"Tout": _eig_tout(x), "compute_v": False}, name)[0]
