"""tf.sparse ops on ``SparseTensor``: TensorFlow's Sparse* primitives and composites."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor
from tensorflux._src.ops.sparse_tensor import SparseTensor, _int64

_ND = NOT_DIFFERENTIABLE


def _a():
    from tensorflux._src.ops import array_ops
    return array_ops


def _m():
    from tensorflux._src.ops import math_ops
    return math_ops


def _st(x):
    if not isinstance(x, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(x).__name__}")
    return x


def _idx_tuple(indices):
    return tuple(np.asarray(indices, np.int64).T)


def _check_in_range(indices, shape, what="indices"):
    shape = np.asarray(shape).reshape(-1)
    if indices.size and (np.any(indices < 0) or np.any(indices >= shape)):
        bad = int(np.nonzero(np.any((indices < 0) | (indices >= shape), axis=1))[0][0])
        raise errors.InvalidArgumentError(
            None, None, f"{what}[{bad}] = {indices[bad].tolist()} is out of bounds: need "
            f"0 <= index < {shape.tolist()}")


def _shape_from_value(ic, i):
    v = ic.values[i]
    if v is not None:
        return tuple(int(d) for d in np.asarray(v).reshape(-1))
    s = ic.shapes[i]
    return None if not s or s[0] is None else (None,) * s[0]


# ---- to_dense -------------------------------------------------------------------------------

def _to_dense_kernel(indices, output_shape, values, default_value, validate_indices=True):
    shape = tuple(int(d) for d in np.asarray(output_shape).reshape(-1))
    idx = np.asarray(indices)
    idx = idx.reshape(-1, 1) if idx.ndim < 2 else idx
    _check_in_range(idx, shape)
    if validate_indices and len(idx) > 1:
        flat = np.ravel_multi_index(idx.T, shape) if shape else np.zeros(len(idx))
        if np.any(np.diff(flat) <= 0):
            raise errors.InvalidArgumentError(
                None, None, "indices are not in lexicographic order or contain repeats; "
                "call tf.sparse.reorder first")
    out = np.full(shape, default_value, dtype=values.dtype)
    out[_idx_tuple(idx)] = values
    return out


def _to_dense_grad(op, g):
    indices = op.inputs[0]
    gv = _a().gather_nd_(g, indices)
    gd = _m().subtract(_m().reduce_sum(g), _m().reduce_sum(gv))
    return [None, None, gv, gd]


SPARSE_TO_DENSE = defop(
    "SparseToDense", _to_dense_kernel,
    inputs=("sparse_indices: Tindices", "output_shape: Tindices", "sparse_values: T",
            "default_value: T"), outputs=("dense: T",),
    types={"T": (), "Tindices": u.INDEX}, attrs={"validate_indices": True},
    infer=lambda ic: _shape_from_value(ic, 1), grad=_to_dense_grad)


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """Converts a SparseTensor to a dense tensor (``tf.sparse.to_dense``).

    Example:
        >>> st = tf.SparseTensor([[0, 1]], [5], [2, 2])
        >>> tf.sparse.to_dense(st).numpy().tolist()
        [[0, 5], [0, 0]]
    """
    sp = _st(sp_input)
    v = sp.values
    if default_value is None:
        d = tensor(b"") if v.dtype is _dt.string else _a().zeros([], v.dtype)
    else:
        d = tensor(default_value, dtype=v.dtype)
    return execute(SPARSE_TO_DENSE, (sp.indices, sp.dense_shape, v, d),
                   None if validate_indices else {"validate_indices": False}, name)


# ---- from_dense -----------------------------------------------------------------------------

def _nonzero_indices(x):
    return np.argwhere(np.asarray(x) != (b"" if x.dtype.kind == "O" else 0)).astype(np.int64)


DENSE_NONZERO_INDICES = defop(
    "DenseToSparseIndices", _nonzero_indices, inputs=("input: T",), outputs=("index: int64",),
    types={"T": ()}, grad=_ND,
    infer=lambda ic: (None, None if ic.shapes[0] is None else len(ic.shapes[0])))


def from_dense(tensor_, name=None):
    """The SparseTensor of the non-zero entries of a dense tensor (``tf.sparse.from_dense``).

    Example:
        >>> tf.sparse.from_dense([0, 3, 0]).indices.numpy().tolist()
        [[1]]
    """
    t = tensor(tensor_)
    idx = execute(DENSE_NONZERO_INDICES, (t,), None, name)
    vals = _a().gather_nd_(t, idx)
    return SparseTensor(idx, vals, _a().shape(t, out_type=_dt.int64))


# ---- sparse_dense_matmul --------------------------------------------------------------------

def _spmm_kernel(a_indices, a_values, a_shape, b, adjoint_a=False, adjoint_b=False):
    shape = tuple(int(d) for d in a_shape)
    _check_in_range(np.asarray(a_indices), shape, "a_indices")
    a = np.zeros(shape, a_values.dtype)
    np.add.at(a, _idx_tuple(a_indices), a_values)
    if adjoint_a:
        a = np.conj(a.T)
    if adjoint_b:
        b = np.conj(b.T)
    if a.shape[1] != b.shape[0]:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot multiply A and B because inner dimension does not match: "
            f"{a.shape[1]} vs. {b.shape[0]}")
    return (a @ b).astype(a_values.dtype)


def _spmm_infer(ic):
    ash = _shape_from_value(ic, 2)
    b = ic.shapes[3]
    m = None if ash is None else (ash[1] if ic.attrs["adjoint_a"] else ash[0])
    n = None if b is None else (b[0] if ic.attrs["adjoint_b"] else b[1])
    return (m, n)


def _spmm_grad(op, g):
    ai, av, ash, b = op.inputs
    adj_a, adj_b = op.get_attr("adjoint_a"), op.get_attr("adjoint_b")
    a = SparseTensor(ai, av, ash)
    # d/dB of A B (with flags): A^T g (then transposed back when adjoint_b).
    gb = sparse_dense_matmul(a, g, adjoint_a=not adj_a)
    if adj_b:
        gb = _a().transpose_(gb, [1, 0])
    # d/dvalues: sum over k of g[i,k] * B[j,k] at each (i, j) (swapped when adjoint_a).
    rows = _a().gather(ai, 0, axis=1)
    cols = _a().gather(ai, 1, axis=1)
    if adj_a:
        rows, cols = cols, rows
    bb = _a().transpose_(b, [1, 0]) if adj_b else b
    gv = _m().reduce_sum(_m().multiply(_a().gather(g, rows), _a().gather(bb, cols)), 1)
    return [None, gv, None, gb]


SPARSE_DENSE_MATMUL = defop(
    "SparseTensorDenseMatMul", _spmm_kernel,
    inputs=("a_indices: Tindices", "a_values: T", "a_shape: int64", "b: T"),
    outputs=("product: T",), types={"T": u.NUMERIC, "Tindices": u.INDEX},
    attrs={"adjoint_a": False, "adjoint_b": False}, infer=_spmm_infer, grad=_spmm_grad)


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """Multiplies a rank-2 SparseTensor by a dense matrix (``tf.sparse.sparse_dense_matmul``).

    Example:
        >>> st = tf.SparseTensor([[0, 1]], [2.0], [2, 2])
        >>> tf.sparse.sparse_dense_matmul(st, [[1.0], [3.0]]).numpy().tolist()
        [[6.0], [0.0]]
    """
    if isinstance(b, SparseTensor) and not isinstance(sp_a, SparseTensor):
        out = sparse_dense_matmul(b, sp_a, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a)
        return _a().transpose_(out, [1, 0])
    sp = _st(sp_a)
    b = tensor(b, dtype=sp.dtype)
    attrs = {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)}
    return execute(SPARSE_DENSE_MATMUL, (sp.indices, sp.values, sp.dense_shape, b), attrs, name)


# ---- reduce_sum -----------------------------------------------------------------------------

def _sparse_reduce_sum_kernel(indices, values, shape, axes, keep_dims=False):
    dense = np.zeros(tuple(int(d) for d in shape), values.dtype)
    _check_in_range(np.asarray(indices), shape)
    np.add.at(dense, _idx_tuple(indices), values)
    r = dense.ndim
    ax = tuple(sorted({int(a) % r for a in np.asarray(axes).reshape(-1)}))
    return np.sum(dense, axis=ax, keepdims=keep_dims).astype(values.dtype)


def _sparse_reduce_infer(ic):
    s = _shape_from_value(ic, 2)
    axes = ic.values[3]
    keep = ic.attrs["keep_dims"]
    if s is None or axes is None:
        return None if not keep or s is None else (None,) * len(s)
    r = len(s)
    ax = {int(a) % r for a in np.asarray(axes).reshape(-1)}
    if keep:
        return tuple(1 if i in ax else d for i, d in enumerate(s))
    return tuple(d for i, d in enumerate(s) if i not in ax)


def _sparse_reduce_grad(op, g):
    indices, _, shape, axes = op.inputs
    a, m = _a(), _m()
    shp = m.cast(shape, _dt.int32)
    rank = a.size(shp)
    ax = a.reshape(m.floormod(m.cast(axes, _dt.int32), rank), [-1, 1])
    kshape = a.tensor_scatter_nd_update(shp, ax, a.ones_like(a.reshape(ax, [-1])))
    dense_g = a.broadcast_to(a.reshape(g, kshape), shp)
    return [None, a.gather_nd_(dense_g, indices), None, None]


SPARSE_REDUCE_SUM = defop(
    "SparseReduceSum", _sparse_reduce_sum_kernel,
    inputs=("input_indices: int64", "input_values: T", "input_shape: int64",
            "reduction_axes: int32"), outputs=("output: T",), types={"T": u.NUMERIC},
    attrs={"keep_dims": False}, infer=_sparse_reduce_infer, grad=_sparse_reduce_grad)


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Sums a SparseTensor across axes into a dense tensor (``tf.sparse.reduce_sum``).

    Example:
        >>> st = tf.SparseTensor([[0, 0], [1, 1]], [1, 2], [2, 2])
        >>> tf.sparse.reduce_sum(st, axis=1).numpy().tolist()
        [1, 2]
    """
    sp = _st(sp_input)
    if output_is_sparse:
        return from_dense(reduce_sum(sp, axis, keepdims))
    if axis is None:
        r = sp.shape.rank
        axes = np.arange(r, dtype=np.int32) if r is not None else None
        if axes is None:
            raise ValueError("reduce_sum over all axes needs a known rank")
    else:
        axes = np.asarray(axis, np.int32) if not isinstance(axis, Tensor) else axis
    return execute(SPARSE_REDUCE_SUM, (sp.indices, sp.values, sp.dense_shape,
                                       tensor(axes, dtype=_dt.int32)),
                   {"keep_dims": True} if keepdims else None, name)


# ---- reorder / reshape ----------------------------------------------------------------------

def _reorder_kernel(indices, values, shape):
    shp = tuple(int(d) for d in shape)
    if len(indices) == 0:
        return indices, values
    order = np.lexsort(tuple(np.asarray(indices).T[::-1])) if shp else np.arange(len(indices))
    return indices[order], values[order]


def _reorder_grad(op, gi, gv):
    indices, values, shape = op.inputs
    n = _a().size(values, out_type=_dt.int64)
    pos = _a().range(tensor(np.int64(0)), n)
    _, perm = execute(SPARSE_REORDER, (indices, pos, shape))
    return [None, _m().unsorted_segment_sum(gv, perm, n), None]


SPARSE_REORDER = defop(
    "SparseReorder", _reorder_kernel,
    inputs=("input_indices: int64", "input_values: T", "input_shape: int64"),
    outputs=("output_indices: int64", "output_values: T"), types={"T": ()},
    infer=lambda ic: [ic.shapes[0], ic.shapes[1]], grad=_reorder_grad)


def reorder(sp_input, name=None):
    """Sorts the entries into row-major order (``tf.sparse.reorder``)."""
    sp = _st(sp_input)
    i, v = execute(SPARSE_REORDER, (sp.indices, sp.values, sp.dense_shape), None, name)
    return SparseTensor(i, v, sp.dense_shape)


def _reshape_kernel(indices, shape, new_shape):
    shape = np.asarray(shape, np.int64)
    new = np.asarray(new_shape, np.int64).copy()
    total = int(np.prod(shape))
    if np.sum(new == -1) > 1:
        raise errors.InvalidArgumentError(None, None, "only one output dimension may be -1")
    if np.any(new == -1):
        known = int(np.prod(new[new != -1]))
        if known == 0 or total % known:
            raise errors.InvalidArgumentError(
                None, None, f"Input to reshape is a SparseTensor with {total} dense values, "
                f"but the requested shape {new.tolist()} is not compatible")
        new[new == -1] = total // known
    if int(np.prod(new)) != total:
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {total} dense values, but the "
            f"requested shape has {int(np.prod(new))}")
    if len(indices) == 0:
        return np.zeros((0, len(new)), np.int64), new
    flat = np.ravel_multi_index(np.asarray(indices).T, tuple(shape))
    return np.stack(np.unravel_index(flat, tuple(new)), 1).astype(np.int64), new


SPARSE_RESHAPE = defop(
    "SparseReshape", _reshape_kernel,
    inputs=("input_indices: int64", "input_shape: int64", "new_shape: int64"),
    outputs=("output_indices: int64", "output_shape: int64"),
    infer=lambda ic: [(ic.shapes[0][0] if ic.shapes[0] else None,
                       ic.shapes[2][0] if ic.shapes[2] else None), ic.shapes[2]], grad=_ND)


def reshape(sp_input, shape, name=None):
    """Reshapes a SparseTensor; one dimension may be -1 (``tf.sparse.reshape``)."""
    sp = _st(sp_input)
    i, s = execute(SPARSE_RESHAPE, (sp.indices, sp.dense_shape, _int64(shape)), None, name)
    return SparseTensor(i, sp.values, s)
