"""Linear solvers and the matrix exponential of tf.linalg: solve, triangular_solve,
cholesky_solve, lstsq, expm.

Raw ops: MatrixSolve, MatrixTriangularSolve, MatrixSolveLs, MatrixExponential.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.linalg_decomp import LINALG, _eye_like, cholesky, square_infer
from tensorflux._src.ops.linalg_diag import adjoint, band_part
from tensorflux._src.ops.math_ops import matmul, negative
from tensorflux._src.ops.op_util import binary_args, tensor


def _adj(a):
    return np.conj(np.swapaxes(a, -1, -2))


def _check_rhs(a, b, op, broadcast):
    if a.ndim < 2 or b.ndim < 2:
        raise InvalidArgumentError(None, None, f"{op}: matrix and rhs must be at least rank 2, "
                                               f"got shapes {list(a.shape)} and "
                                               f"{list(b.shape)}")
    if a.shape[-2] != b.shape[-2]:
        raise InvalidArgumentError(
            None, None, f"Input matrix and right-hand side must have the same number of rows: "
            f"matrix shape {list(a.shape)}, rhs shape {list(b.shape)}")
    if not broadcast and a.shape[:-2] != b.shape[:-2]:
        raise InvalidArgumentError(
            None, None, f"All input tensors must have the same outer dimensions: matrix shape "
            f"{list(a.shape)}, rhs shape {list(b.shape)}")


def _solve_infer(ic, op, broadcast=False, square=True):
    a, b = ic.shapes[0], ic.shapes[1]
    if square:
        square_infer(ic, 0, op)
    if a is None or b is None:
        return None
    if len(b) < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {len(b)} for '{op}' "
                         f"(rhs shape: {list(b)})")
    if a[-2] is not None and b[-2] is not None and a[-2] != b[-2]:
        raise ValueError(f"Dimensions must be equal, but are {a[-2]} and {b[-2]} for '{op}' "
                         f"(matrix shape {list(a)}, rhs shape {list(b)})")
    if broadcast:
        batch = u.broadcast_shapes(a[:-2], b[:-2])
    else:
        if len(a) != len(b):
            raise ValueError(f"Shapes must be equal rank, but are {len(a)} and {len(b)} for "
                             f"'{op}' (matrix shape {list(a)}, rhs shape {list(b)})")
        batch = []
        for x, y in zip(a[:-2], b[:-2]):
            if x is not None and y is not None and x != y:
                raise ValueError(f"Dimensions must be equal, but are {x} and {y} for '{op}' "
                                 f"(matrix shape {list(a)}, rhs shape {list(b)})")
            batch.append(x if x is not None else y)
        batch = tuple(batch)
    rows = a[-1] if square or a[-1] is not None else None
    if square and rows is None:
        rows = a[-2] if a[-2] is not None else b[-2]
    return tuple(batch) + (rows, b[-1])


# ---- MatrixSolve --------------------------------------------------------------------------------


def _solve_kernel(matrix, rhs, adjoint=False):
    if matrix.ndim >= 2 and matrix.shape[-1] != matrix.shape[-2]:
        raise InvalidArgumentError(None, None, f"Input matrix must be square, got shape "
                                               f"{list(matrix.shape)}")
    _check_rhs(matrix, rhs, "MatrixSolve", False)
    a = _adj(matrix) if adjoint else matrix
    try:
        return np.linalg.solve(a, rhs).astype(matrix.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(None, None, "Input matrix is not invertible.") from None


def _solve_grad(op, g):
    a = op.inputs[0]
    adj = op.get_attr("adjoint")
    c = op.outputs[0]
    grad_b = solve(a, g, adjoint=not adj)
    if adj:
        grad_a = negative(matmul(c, grad_b, adjoint_b=True))
    else:
        grad_a = negative(matmul(grad_b, c, adjoint_b=True))
    return [grad_a, grad_b]


MATRIX_SOLVE = defop(
    "MatrixSolve", _solve_kernel, inputs=("matrix: T", "rhs: T"), outputs=("output: T",),
    types={"T": LINALG}, attrs={"adjoint": False},
    infer=lambda ic: _solve_infer(ic, "MatrixSolve"), grad=_solve_grad)


def solve(matrix, rhs, adjoint=False, name=None):
    """Solves ``matrix @ X = rhs`` (or ``adjoint(matrix) @ X = rhs``) for square matrices
    (``tf.linalg.solve``).

    Example:
        >>> tf.linalg.solve([[2., 0.], [0., 4.]], [[2.], [8.]]).numpy()
        array([[1.],
               [2.]], dtype=float32)
    """
    a, b = binary_args(matrix, rhs)
    return execute(MATRIX_SOLVE, (a, b), {"adjoint": True} if adjoint else None, name)


# ---- MatrixTriangularSolve ------------------------------------------------------------------


def _tri_solve_kernel(matrix, rhs, lower=True, adjoint=False):
    if matrix.ndim >= 2 and matrix.shape[-1] != matrix.shape[-2]:
        raise InvalidArgumentError(None, None, f"Input matrix must be square, got shape "
                                               f"{list(matrix.shape)}")
    _check_rhs(matrix, rhs, "MatrixTriangularSolve", True)
    tri = np.tril(matrix) if lower else np.triu(matrix)
    if adjoint:
        tri = _adj(tri)
        lower = not lower
    batch = np.broadcast_shapes(tri.shape[:-2], rhs.shape[:-2])
    tri = np.broadcast_to(tri, batch + tri.shape[-2:])
    b = np.broadcast_to(rhs, batch + rhs.shape[-2:])
    n = tri.shape[-1]
    x = np.zeros(b.shape, matrix.dtype)
    with np.errstate(all="ignore"):
        for i in (range(n) if lower else range(n - 1, -1, -1)):
            acc = b[..., i, :] - np.matmul(tri[..., i:i + 1, :], x)[..., 0, :]
            x[..., i, :] = acc / tri[..., i, i][..., None]
    return x


def _tri_solve_grad(op, g):
    a, b = op.inputs
    adj = op.get_attr("adjoint")
    lower = op.get_attr("lower")
    c = op.outputs[0]
    grad_b = triangular_solve(a, g, lower=lower, adjoint=not adj)
    if adj:
        grad_a = negative(matmul(c, grad_b, adjoint_b=True))
    else:
        grad_a = negative(matmul(grad_b, c, adjoint_b=True))
    grad_a = band_part(grad_a, -1, 0) if lower else band_part(grad_a, 0, -1)
    return [math_ops.sum_to(grad_a, a), math_ops.sum_to(grad_b, b)]


MATRIX_TRIANGULAR_SOLVE = defop(
    "MatrixTriangularSolve", _tri_solve_kernel, inputs=("matrix: T", "rhs: T"),
    outputs=("output: T",), types={"T": LINALG}, attrs={"lower": True, "adjoint": False},
    infer=lambda ic: _solve_infer(ic, "MatrixTriangularSolve", broadcast=True),
    grad=_tri_solve_grad)


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solves ``matrix @ X = rhs`` for triangular ``matrix``; only the lower (or upper, when
    ``lower=False``) triangle is read. Batch dimensions broadcast
    (``tf.linalg.triangular_solve``).

    Example:
        >>> tf.linalg.triangular_solve([[2., 0.], [1., 1.]], [[2.], [3.]]).numpy()
        array([[1.],
               [2.]], dtype=float32)
    """
    a, b = binary_args(matrix, rhs)
    attrs = {}
    if not lower:
        attrs["lower"] = False
    if adjoint:
        attrs["adjoint"] = True
    return execute(MATRIX_TRIANGULAR_SOLVE, (a, b), attrs or None, name)


def cholesky_solve(chol, rhs, name=None):
    """Solves ``A X = rhs`` given the Cholesky factor ``chol`` of ``A``
    (``tf.linalg.cholesky_solve``).

    Example:
        >>> chol = tf.linalg.cholesky([[4., 2.], [2., 5.]])
        >>> tf.linalg.cholesky_solve(chol, [[6.], [7.]]).numpy()
        array([[1.],
               [1.]], dtype=float32)
    """
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True, name=name)


# ---- MatrixSolveLs --------------------------------------------------------------------------


def _lstsq_kernel(matrix, rhs, l2_regularizer, fast=True):
    _check_rhs(matrix, rhs, "MatrixSolveLs", False)
    m, n = matrix.shape[-2:]
    lam = float(l2_regularizer)
    if lam < 0:
        raise InvalidArgumentError(None, None, f"l2_regularizer must be >= 0, got {lam}")
    ah = _adj(matrix)
    try:
        if not fast:
            a2 = matrix.reshape((-1, m, n))
            b2 = rhs.reshape((-1, m, rhs.shape[-1]))
            xs = [np.linalg.lstsq(a2[i], b2[i], rcond=None)[0] for i in range(a2.shape[0])]
            x = np.stack(xs) if xs else np.zeros((0, n, rhs.shape[-1]), matrix.dtype)
            return x.reshape(matrix.shape[:-2] + (n, rhs.shape[-1])).astype(matrix.dtype)
        if m >= n:
            gram = np.matmul(ah, matrix) + lam * np.eye(n, dtype=matrix.dtype)
            x = np.linalg.solve(gram, np.matmul(ah, rhs))
        else:
            gram = np.matmul(matrix, ah) + lam * np.eye(m, dtype=matrix.dtype)
            x = np.matmul(ah, np.linalg.solve(gram, rhs))
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(None, None, "Input matrix is rank deficient (its Gramian is "
                                               "not invertible); use a positive "
                                               "l2_regularizer or fast=False.") from None
    return x.astype(matrix.dtype, copy=False)


def _lstsq_infer(ic):
    a = ic.shapes[0]
    out = _solve_infer(ic, "MatrixSolveLs", square=False)
    if out is None:
        return None
    return out[:-2] + (a[-1], out[-1])


def _gramian_cholesky(a, l2, first_kind):
    gram = matmul(a, a, adjoint_a=first_kind, adjoint_b=not first_kind)
    gram = math_ops.add(gram, math_ops.multiply(_eye_like(gram), l2))
    return cholesky(gram)


def _lstsq_grad(op, g):
    if not op.get_attr("fast"):
        raise ValueError("Gradient not defined for fast=False")
    a, b = op.inputs[0], op.inputs[1]
    sa = a.shape.as_list()
    if sa is None or sa[-2] is None or sa[-1] is None:
        raise NotImplementedError("MatrixSolveLs gradient needs a statically known matrix "
                                  "shape")
    l2 = math_ops.cast(op.inputs[2], a.dtype)
    if sa[-2] >= sa[-1]:
        x = op.outputs[0]
        chol = _gramian_cholesky(a, l2, True)
        z = cholesky_solve(chol, g)
        xzt = matmul(x, z, adjoint_b=True)
        zx_sym = math_ops.add(xzt, array_ops.matrix_transpose(xzt))
        grad_a = math_ops.add(negative(matmul(a, zx_sym)), matmul(b, z, adjoint_b=True))
        grad_b = matmul(a, z)
        return [grad_a, grad_b, None]
    chol = _gramian_cholesky(a, l2, False)
    grad_b = cholesky_solve(chol, matmul(a, g))
    tmp = cholesky_solve(chol, b)
    a1 = negative(matmul(grad_b, matmul(tmp, a, adjoint_a=True)))
    a2 = math_ops.subtract(g, matmul(a, grad_b, adjoint_a=True))
    a2 = matmul(tmp, a2, adjoint_b=True)
    return [math_ops.add(a1, a2), grad_b, None]


MATRIX_SOLVE_LS = defop(
    "MatrixSolveLs", _lstsq_kernel, inputs=("matrix: T", "rhs: T", "l2_regularizer: double"),
    outputs=("output: T",), types={"T": LINALG}, attrs={"fast": True}, infer=_lstsq_infer,
    grad=_lstsq_grad)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Solves least-squares problems ``min ||matrix @ X - rhs||^2 + l2 ||X||^2``
    (``tf.linalg.lstsq``).

    Example:
        >>> tf.linalg.lstsq([[1., 0.], [0., 1.], [0., 0.]], [[1.], [2.], [3.]]).numpy()
        array([[1.],
               [2.]], dtype=float32)
    """
    a, b = binary_args(matrix, rhs)
    l2 = tensor(l2_regularizer, dtype=_dt.float64) if not isinstance(
        l2_regularizer, Tensor) else math_ops.cast(l2_regularizer, _dt.float64)
    return execute(MATRIX_SOLVE_LS, (a, b, l2), None if fast else {"fast": False}, name)


# ---- MatrixExponential ----------------------------------------------------------------------


def _expm_np(a):
    """Scaling and squaring with a degree-18 Taylor series (pure NumPy, batched)."""
    work = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    n = work.shape[-1]
    norm = np.max(np.sum(np.abs(work), axis=-2), axis=-1) if n else np.zeros(work.shape[:-2])
    s = int(max(0, np.ceil(np.log2(max(float(np.max(norm, initial=0.0)), 1e-300))) + 1))
    work = work / (2.0 ** s)
    eye = np.broadcast_to(np.eye(n, dtype=work.dtype), work.shape)
    out = eye.copy()
    term = eye.copy()
    for k in range(1, 19):
        term = np.matmul(term, work) / k
        out = out + term
    for _ in range(s):
        out = np.matmul(out, out)
    return out


def _expm_kernel(x):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise InvalidArgumentError(None, None, f"expm expects square matrices, got shape "
                                               f"{list(x.shape)}")
    try:
        import scipy.linalg as sla
        if x.ndim == 2:
            return np.asarray(sla.expm(x)).astype(x.dtype, copy=False)
    except ImportError:
        pass
    return _expm_np(x).astype(x.dtype)


def _expm_grad(op, g):
    a = op.inputs[0]
    ah = adjoint(a)
    top = array_ops.concat([ah, g], -1)
    bottom = array_ops.concat([array_ops.zeros_like(a), ah], -1)
    big = expm(array_ops.concat([top, bottom], -2))
    n = a.shape.as_list()[-1] if a.shape.rank is not None else None
    if n is not None:
        upper, _ = array_ops.split(big, [n, n], axis=-2)
        _, grad = array_ops.split(upper, [n, n], axis=-1)
        return [grad]
    r = a.shape.rank
    nn = array_ops.gather(array_ops.shape(a), r - 1)
    sizes = array_ops.stack([nn, nn])
    upper, _ = array_ops.split(big, sizes, axis=r - 2, num=2)
    _, grad = array_ops.split(upper, sizes, axis=r - 1, num=2)
    return [grad]


MATRIX_EXPONENTIAL = defop(
    "MatrixExponential", _expm_kernel, inputs=("input: T",), outputs=("output: T",),
    types={"T": LINALG}, infer=lambda ic: square_infer(ic, op="MatrixExponential"),
    grad=_expm_grad)


def expm(input, name=None):  # noqa: A002
    """Matrix exponential of each square matrix (``tf.linalg.expm``).

    Example:
        >>> tf.linalg.expm([[0., 0.], [0., 0.]]).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    return execute(MATRIX_EXPONENTIAL, (tensor(input),), None, name)
