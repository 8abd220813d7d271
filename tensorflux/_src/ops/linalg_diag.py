"""Diagonal and band ops of tf.linalg: diag, diag_part, set_diag, band_part, trace, cross,
matrix_transpose/adjoint.

Raw ops: MatrixDiagV3, MatrixDiagPartV3, MatrixSetDiagV3, MatrixBandPart, Cross. The
diagonal ops support one diagonal ``k`` (a scalar, or a pair ``(k, k)``).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_ALIGNS = ("RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT")


def _one_k(k):
    """The single diagonal offset from a ``k`` value (scalar or equal pair)."""
    a = np.asarray(k).reshape(-1)
    if a.size == 1 or (a.size == 2 and a[0] == a[1]):
        return int(a[0])
    raise InvalidArgumentError(
        None, None, f"k must be a single diagonal offset (a scalar, or a pair with k[0] == k[1]); "
        f"got k = {a.tolist()}. Bands of several diagonals are not supported.")


def _diag_len(rows, cols, k):
    return max(0, min(rows + min(k, 0), cols - max(k, 0)))


def _diag_index(rows, cols, k):
    n = _diag_len(rows, cols, k)
    i = np.arange(n)
    return i + max(-k, 0), i + max(k, 0)


# ---- MatrixDiagV3 ---------------------------------------------------------------------------


def _diag_sizes(n, k, num_rows, num_cols):
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    if num_rows == -1 and num_cols == -1:
        rows = cols = max(min_rows, min_cols)
    elif num_rows == -1:
        rows, cols = min_rows, num_cols
    elif num_cols == -1:
        rows, cols = num_rows, min_cols
    else:
        rows, cols = num_rows, num_cols
    return rows, cols


def _matrix_diag_kernel(diagonal, k, num_rows, num_cols, padding_value, align="RIGHT_LEFT"):
    k = _one_k(k)
    d = np.asarray(diagonal)
    if d.ndim < 1:
        raise InvalidArgumentError(None, None, "diagonal must be at least 1-dim, got a scalar")
    n = d.shape[-1]
    rows, cols = _diag_sizes(n, k, int(num_rows), int(num_cols))
    if _diag_len(rows, cols, k) != n:
        raise InvalidArgumentError(
            None, None, f"The number of diagonal elements ({n}) does not fit a {rows}x{cols} "
            f"matrix at diagonal offset k={k}")
    out = np.full(d.shape[:-1] + (rows, cols), padding_value, dtype=d.dtype)
    r, c = _diag_index(rows, cols, k)
    out[..., r, c] = d
    return out


def _matrix_diag_infer(ic):
    s = ic.shapes[0]
    kv, rv, cv = ic.values[1], ic.values[2], ic.values[3]
    if s is None:
        return None
    if len(s) < 1:
        raise ValueError("diagonal must be at least 1-dim, got a scalar")
    if kv is None or rv is None or cv is None:
        return tuple(s[:-1]) + (None, None)
    k = _one_k(kv)
    n = s[-1]
    if n is None:
        rows = None if int(rv) == -1 else int(rv)
        cols = None if int(cv) == -1 else int(cv)
        return tuple(s[:-1]) + (rows, cols)
    return tuple(s[:-1]) + _diag_sizes(n, k, int(rv), int(cv))


def _matrix_diag_grad(op, g):
    return [matrix_diag_part(g, k=op.inputs[1]), None, None, None, None]


MATRIX_DIAG = defop(
    "MatrixDiagV3", _matrix_diag_kernel,
    inputs=("diagonal: T", "k: int32", "num_rows: int32", "num_cols: int32",
            "padding_value: T"),
    outputs=("output: T",), types={"T": ()}, attrs={"align": "RIGHT_LEFT"},
    infer=_matrix_diag_infer, grad=_matrix_diag_grad)


def _int32(v):
    return v if isinstance(v, Tensor) else tensor(np.asarray(v, np.int32))


def _check_align(align):
    if align not in _ALIGNS:
        raise ValueError(f"align must be one of {list(_ALIGNS)}, got {align!r}")
    return None if align == "RIGHT_LEFT" else {"align": align}


def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT"):
    """Builds a batch of matrices with ``diagonal`` on the ``k``-th diagonal
    (``tf.linalg.diag``).

    Example:
        >>> tf.linalg.diag([1., 2.]).numpy()
        array([[1., 0.],
               [0., 2.]], dtype=float32)
    """
    d = tensor(diagonal)
    pad = padding_value if isinstance(padding_value, Tensor) else tensor(padding_value,
                                                                         dtype=d.dtype)
    return execute(MATRIX_DIAG, (d, _int32(k), _int32(num_rows), _int32(num_cols), pad),
                   _check_align(align), None if name == "diag" else name)


# ---- MatrixDiagPartV3 -----------------------------------------------------------------------


def _diag_part_kernel(x, k, padding_value, align="RIGHT_LEFT"):
    k = _one_k(k)
    if x.ndim < 2:
        raise InvalidArgumentError(None, None, f"input must be at least 2-dim, got shape "
                                               f"{list(x.shape)}")
    rows, cols = x.shape[-2:]
    if not (-rows < k < cols) and rows and cols:
        raise InvalidArgumentError(None, None, f"The diagonal offset k={k} is out of bounds "
                                               f"for a {rows}x{cols} matrix")
    return np.diagonal(x, offset=k, axis1=-2, axis2=-1).copy()


def _diag_part_infer(ic):
    s, kv = ic.shapes[0], ic.values[1]
    if s is None:
        return None
    if len(s) < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {len(s)} for "
                         f"MatrixDiagPartV3 (input shape {list(s)})")
    rows, cols = s[-2], s[-1]
    if kv is None or rows is None or cols is None:
        return tuple(s[:-2]) + (None,)
    return tuple(s[:-2]) + (_diag_len(rows, cols, _one_k(kv)),)


def _diag_part_grad(op, g):
    x, k = op.inputs[0], op.inputs[1]
    return [matrix_set_diag(array_ops.zeros_like(x), g, k=k), None, None]


MATRIX_DIAG_PART = defop(
    "MatrixDiagPartV3", _diag_part_kernel, inputs=("input: T", "k: int32", "padding_value: T"),
    outputs=("diagonal: T",), types={"T": ()}, attrs={"align": "RIGHT_LEFT"},
    infer=_diag_part_infer, grad=_diag_part_grad)


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0,  # noqa: A002
                     align="RIGHT_LEFT"):
    """Returns the ``k``-th diagonal of each innermost matrix (``tf.linalg.diag_part``).

    Example:
        >>> tf.linalg.diag_part([[1., 2.], [3., 4.]]).numpy()
        array([1., 4.], dtype=float32)
    """
    x = tensor(input)
    pad = padding_value if isinstance(padding_value, Tensor) else tensor(padding_value,
                                                                         dtype=x.dtype)
    return execute(MATRIX_DIAG_PART, (x, _int32(k), pad), _check_align(align),
                   None if name == "diag_part" else name)


# ---- MatrixSetDiagV3 ------------------------------------------------------------------------


def _set_diag_kernel(x, diagonal, k, align="RIGHT_LEFT"):
    k = _one_k(k)
    rows, cols = x.shape[-2:]
    n = _diag_len(rows, cols, k)
    d = np.asarray(diagonal)
    if d.shape != x.shape[:-2] + (n,):
        raise InvalidArgumentError(
            None, None, f"diagonal must have shape {list(x.shape[:-2]) + [n]} to set diagonal "
            f"k={k} of input of shape {list(x.shape)}, got {list(d.shape)}")
    out = np.array(x, copy=True)
    r, c = _diag_index(rows, cols, k)
    out[..., r, c] = d
    return out


def _set_diag_infer(ic):
    s, d = ic.shapes[0], ic.shapes[1]
    if s is not None and len(s) < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {len(s)} for "
                         f"MatrixSetDiagV3 (input shape {list(s)})")
    if s is not None and d is not None and ic.values[2] is not None:
        rows, cols = s[-2], s[-1]
        if rows is not None and cols is not None and d[-1] is not None:
            n = _diag_len(rows, cols, _one_k(ic.values[2]))
            if d[-1] != n:
                raise ValueError(f"Dimensions must be equal, but are {n} and {d[-1]}: the "
                                 f"diagonal of input {list(s)} has {n} elements, got "
                                 f"diagonal of shape {list(d)}")
    return s


def _set_diag_grad(op, g):
    k = op.inputs[2]
    diag = matrix_diag_part(g, k=k)
    return [matrix_set_diag(g, array_ops.zeros_like(diag), k=k), diag, None]


MATRIX_SET_DIAG = defop(
    "MatrixSetDiagV3", _set_diag_kernel, inputs=("input: T", "diagonal: T", "k: int32"),
    outputs=("output: T",), types={"T": ()}, attrs={"align": "RIGHT_LEFT"},
    infer=_set_diag_infer, grad=_set_diag_grad)


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002
    """Replaces the ``k``-th diagonal of each innermost matrix (``tf.linalg.set_diag``).

    Example:
        >>> tf.linalg.set_diag(tf.zeros([2, 2]), [1., 2.]).numpy()
        array([[1., 0.],
               [0., 2.]], dtype=float32)
    """
    x = tensor(input)
    d = diagonal if isinstance(diagonal, Tensor) else tensor(diagonal, dtype=x.dtype)
    return execute(MATRIX_SET_DIAG, (x, d, _int32(k)), _check_align(align),
                   None if name == "set_diag" else name)


# ---- MatrixBandPart -------------------------------------------------------------------------


def _band_part_kernel(x, num_lower, num_upper):
    if x.ndim < 2:
        raise InvalidArgumentError(None, None, f"input must be at least rank 2, got shape "
                                               f"{list(x.shape)}")
    rows, cols = x.shape[-2:]
    lo, up = int(num_lower), int(num_upper)
    if lo > rows:
        raise InvalidArgumentError(None, None, f"num_lower must be negative or less or equal "
                                               f"to number of rows ({rows}) got: {lo}")
    if up > cols:
        raise InvalidArgumentError(None, None, f"num_upper must be negative or less or equal "
                                               f"to number of columns ({cols}) got: {up}")
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    mask = np.ones((rows, cols), bool)
    if lo >= 0:
        mask &= (i - j) <= lo
    if up >= 0:
        mask &= (j - i) <= up
    return np.where(mask, x, np.zeros((), x.dtype))


def _band_part_infer(ic):
    s = ic.shapes[0]
    if s is not None and len(s) < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {len(s)} for "
                         f"MatrixBandPart (input shape {list(s)})")
    return s


MATRIX_BAND_PART = defop(
    "MatrixBandPart", _band_part_kernel,
    inputs=("input: T", "num_lower: Tindex", "num_upper: Tindex"), outputs=("band: T",),
    types={"T": (), "Tindex": u.INDEX}, infer=_band_part_infer,
    grad=lambda op, g: [band_part(g, op.inputs[1], op.inputs[2]), None, None])


def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keeps a central band of each innermost matrix, zeroing everything else
    (``tf.linalg.band_part``). A negative ``num_lower``/``num_upper`` keeps the whole
    lower/upper triangle.

    Example:
        >>> tf.linalg.band_part(tf.ones([3, 3]), -1, 0).numpy()  # lower triangle
        array([[1., 0., 0.],
               [1., 1., 0.],
               [1., 1., 1.]], dtype=float32)
    """
    x = tensor(input)
    lo = num_lower if isinstance(num_lower, Tensor) else tensor(np.int64(num_lower))
    up = num_upper if isinstance(num_upper, Tensor) else tensor(np.asarray(num_upper,
                                                                           lo.dtype.np_dtype))
    if up.dtype != lo.dtype:
        up = math_ops.cast(up, lo.dtype)
    return execute(MATRIX_BAND_PART, (x, lo, up), None, name)


# ---- trace / transpose ----------------------------------------------------------------------


def trace(x, name=None):
    """Sum of the main diagonal of each innermost matrix (``tf.linalg.trace``).

    Example:
        >>> tf.linalg.trace([[1., 2.], [3., 4.]]).numpy()
        5.0
    """
    return math_ops.reduce_sum(matrix_diag_part(tensor(x)), axis=-1, name=name)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the two innermost dimensions (``tf.linalg.matrix_transpose``).

    Example:
        >>> tf.linalg.matrix_transpose(tf.zeros([4, 2, 3])).shape
        TensorShape([4, 3, 2])
    """
    x = tensor(a)
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2. Received "
                         f"`a` = {x!r} with shape: {x.shape}")
    return array_ops.matrix_transpose(x, conjugate=conjugate)


def adjoint(matrix, name=None):
    """Conjugate transpose of the innermost matrices (``tf.linalg.adjoint``).

    Example:
        >>> tf.linalg.adjoint([[1., 2.], [3., 4.]]).numpy()
        array([[1., 3.],
               [2., 4.]], dtype=float32)
    """
    return matrix_transpose(matrix, conjugate=True)


# ---- Cross ------------------------------------------------------------------------------------


def _cross_kernel(a, b):
    if a.shape != b.shape or a.ndim < 1 or a.shape[-1] != 3:
        raise InvalidArgumentError(
            None, None, f"Cross requires inputs of the same shape with innermost dimension 3, "
            f"got {list(a.shape)} and {list(b.shape)}")
    return np.cross(a, b).astype(a.dtype, copy=False)


def _cross_infer(ic):
    a, b = ic.shapes
    if a is None or b is None:
        return a if b is None else b
    if len(a) != len(b):
        raise ValueError(f"Shapes must be equal rank, but are {len(a)} and {len(b)} for Cross "
                         f"(shapes {list(a)} and {list(b)})")
    out = []
    for x, y in zip(a, b):
        if x is not None and y is not None and x != y:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y} for Cross "
                             f"(shapes {list(a)} and {list(b)})")
        out.append(x if x is not None else y)
    if not out or (out[-1] is not None and out[-1] != 3):
        raise ValueError(f"Dimension must be 3 but is {out[-1] if out else 'missing'} for Cross "
                         f"(shapes {list(a)} and {list(b)})")
    return tuple(out)


CROSS = defop("Cross", _cross_kernel, inputs=("a: T", "b: T"), outputs=("product: T",),
              types={"T": u.REAL}, infer=_cross_infer,
              grad=lambda op, g: [cross(op.inputs[1], g), cross(g, op.inputs[0])])


def cross(a, b, name=None):
    """Pairwise cross product of 3-element vectors (``tf.linalg.cross``).

    Example:
        >>> tf.linalg.cross([1., 0., 0.], [0., 1., 0.]).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    a, b = u.binary_args(a, b)
    return execute(CROSS, (a, b), None, name)
