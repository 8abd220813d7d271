"""Composite tf.linalg functions: norm, normalize, pinv (no primitives of their own)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops.linalg_decomp import svd
from tensorflux._src.ops.op_util import tensor


def _m():
    from tensorflux._src.ops import math_binary, math_compare, math_reduce, math_unary
    return math_unary, math_reduce, math_binary, math_compare


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _squeeze(x, axis):
    from tensorflux._src.ops.array_manip import squeeze
    return squeeze(x, list(axis) if axis is not None else None)


def norm(tensor_, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """Vector or matrix norm (``tf.norm`` / ``tf.linalg.norm``).

    ``ord`` is ``'euclidean'``/``'fro'``, 1, 2, ``np.inf`` or (vector norms) any p > 0.
    ``axis`` None (all elements as one vector), an int (vector norms), or a pair of ints
    (matrix norms).

    Example:
        >>> float(tf.norm([3., 4.]))
        5.0
        >>> float(tf.norm([[1., -2.], [3., 4.]], ord=1, axis=[0, 1]))
        6.0
    """
    mu, mr, mb, _ = _m()
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        axis = tuple(axis)
        if not _is_int(axis[0]) or not _is_int(axis[1]) or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        supported = ["euclidean", "fro", 1, 2, np.inf]
        ok = ord in ("euclidean", "fro") if isinstance(ord, str) else ord in (1, 2, np.inf)
        if not ok:
            raise ValueError(f"'ord' must be a supported matrix norm in {supported}, got {ord}")
    else:
        if not (_is_int(axis) or axis is None):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if isinstance(ord, str):
            if ord not in ("euclidean", "fro") or (ord == "fro" and axis is not None):
                raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        elif not np.isreal(ord) or ord <= 0:
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        if axis is not None:
            axis = (int(axis),)
    x = tensor(tensor_)
    if ord in ("fro", "euclidean") or (not isinstance(ord, str) and ord == 2):
        if is_matrix and not isinstance(ord, str):
            rank = x.shape.rank
            if rank is None:
                raise ValueError("The matrix 2-norm needs the rank of the input to be known")
            pos = [a % rank for a in axis]
            perm_before = [i for i in range(rank) if i not in pos] + pos
            perm_after = list(np.argsort(perm_before))
            permed = array_ops.transpose_(x, perm_before)
            s = svd(permed, compute_uv=False)
            mx = mr.reduce_max(mu.abs(s), axis=-1, keepdims=True)
            result = array_ops.transpose_(array_ops.expand_dims(mx, -1), perm_after)
        else:
            sq = math_ops.multiply(x, math_ops.conj(x))
            result = mu.sqrt(math_ops.reduce_sum(sq, None if axis is None else list(axis),
                                                 keepdims=True))
    else:
        result = mu.abs(x)
        if ord == 1:
            sum_axis = None if axis is None else axis[0]
            result = math_ops.reduce_sum(result, sum_axis, keepdims=True)
            if is_matrix:
                result = mr.reduce_max(result, axis[-1], keepdims=True)
        elif ord == np.inf:
            if is_matrix:
                result = math_ops.reduce_sum(result, axis[1], keepdims=True)
            max_axis = None if axis is None else axis[0]
            result = mr.reduce_max(result, max_axis, keepdims=True)
        else:
            p = float(ord)
            powered = mb.pow(result, tensor(p, dtype=result.dtype))
            summed = math_ops.reduce_sum(powered, None if axis is None else list(axis),
                                         keepdims=True)
            result = mb.pow(summed, tensor(1.0 / p, dtype=result.dtype))
    if not keepdims:
        result = _squeeze(result, axis)
    if name is not None:
        result = array_ops.identity(result, name=name)
    return result


def normalize(tensor_, ord="euclidean", axis=None, name=None):  # noqa: A002
    """Divides ``tensor`` by its norm along ``axis`` (``tf.linalg.normalize``).

    Returns:
        ``(normalized, norm)``, with ``norm`` keeping the reduced dimensions.

    Example:
        >>> t, n = tf.linalg.normalize([3., 4.])
        >>> t.numpy(), float(n[0])
        (array([0.6, 0.8], dtype=float32), 5.0)
    """
    x = tensor(tensor_)
    nrm = norm(x, ord=ord, axis=axis, keepdims=True)
    nrm = math_ops.cast(nrm, x.dtype)
    return math_ops.divide_no_check(x, nrm), nrm


def pinv(a, rcond=None, validate_args=False, name=None):
    """Moore-Penrose pseudo-inverse computed from the SVD; singular values below
    ``rcond * max(s)`` are treated as zero (``tf.linalg.pinv``).

    Example:
        >>> tf.linalg.pinv([[2., 0.], [0., 0.]]).numpy()
        array([[0.5, 0. ],
               [0. , 0. ]], dtype=float32)
    """
    _, mr, mb, mc = _m()
    x = tensor(a)
    real = x.dtype.real_dtype if x.dtype.is_complex else x.dtype
    dtype = real.np_dtype
    if rcond is None:
        s = x.shape.as_list()
        eps10 = 10.0 * float(np.finfo(dtype).eps)
        if s is not None and s[-1] is not None and s[-2] is not None:
            rcond = eps10 * max(s[-2], s[-1])
        else:
            if s is None:
                raise ValueError("pinv needs the rank of its input to be known")
            shp = array_ops.shape(x)
            big_dim = mb.maximum(array_ops.gather(shp, len(s) - 2),
                                 array_ops.gather(shp, len(s) - 1))
            rcond = math_ops.multiply(math_ops.cast(big_dim, real), eps10)
    sv, left, right = svd(x, full_matrices=False, compute_uv=True)
    rc = rcond if isinstance(rcond, Tensor) else tensor(np.asarray(rcond, dtype))
    cutoff = math_ops.multiply(rc, mr.reduce_max(sv, axis=-1))
    big = tensor(np.asarray(np.inf, dtype))
    sv = array_ops.where_v2(mc.greater(sv, array_ops.expand_dims(cutoff, -1)), sv,
                            array_ops.broadcast_to(big, array_ops.shape(sv)))
    if x.dtype.is_complex:
        sv = math_ops.cast(sv, x.dtype)
    scaled = math_ops.divide_no_check(right, array_ops.expand_dims(sv, -2))
    return matmul_adj(scaled, left, name)


def matmul_adj(x, y, name=None):
    return math_ops.matmul(x, y, adjoint_b=True, name=name)
