"""More tf.sparse ops: add, concat, transpose, retain, expand_dims, elementwise multiply."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor
from tensorflux._src.ops.sparse_ops import (
    _a,
    _check_in_range,
    _idx_tuple,
    _m,
    _shape_from_value,
    _st,
    reorder,
)
from tensorflux._src.ops.sparse_tensor import SparseTensor

_ND = NOT_DIFFERENTIABLE


# ---- sparse + sparse --------------------------------------------------------------------------

def _merge(a_indices, b_indices):
    """Sorted union of two index sets: (sum_indices, position of each a row, of each b row)."""
    keys = {}
    for t in list(map(tuple, np.asarray(a_indices).tolist())) + \
            list(map(tuple, np.asarray(b_indices).tolist())):
        keys.setdefault(t, None)
    order = sorted(keys)
    pos = {k: i for i, k in enumerate(order)}
    ap = np.asarray([pos[tuple(t)] for t in np.asarray(a_indices).tolist()], np.int64)
    bp = np.asarray([pos[tuple(t)] for t in np.asarray(b_indices).tolist()], np.int64)
    rank = np.asarray(a_indices).shape[1]
    return np.asarray(order, np.int64).reshape(-1, rank), ap, bp


def _sparse_add_kernel(ai, av, ash, bi, bv, bsh, thresh):
    if not np.array_equal(ash, bsh):
        raise errors.InvalidArgumentError(
            None, None, f"Operands do not have the same ranks or shapes: {ash.tolist()} vs. "
            f"{bsh.tolist()}")
    idx, ap, bp = _merge(ai, bi)
    vals = np.zeros(len(idx), av.dtype)
    np.add.at(vals, ap, av)
    np.add.at(vals, bp, bv)
    keep = np.abs(vals) >= thresh if av.dtype.kind != "c" else np.abs(vals) >= abs(thresh)
    if np.ndim(thresh) == 0 and thresh == 0:
        keep = np.ones(len(vals), bool)
    return idx[keep], vals[keep], np.asarray(ash, np.int64)


def _sparse_add_grad(op, gi, gv, gs):
    ai, _, _, bi, _, _, _ = op.inputs
    ga, gb = execute(SPARSE_ADD_GRAD, (gv, ai, bi, op.outputs[0]))
    return [None, ga, None, None, gb, None, None]


SPARSE_ADD = defop(
    "SparseAdd", _sparse_add_kernel,
    inputs=("a_indices: int64", "a_values: T", "a_shape: int64", "b_indices: int64",
            "b_values: T", "b_shape: int64", "thresh: Treal"),
    outputs=("sum_indices: int64", "sum_values: T", "sum_shape: int64"),
    types={"T": u.NUMERIC, "Treal": u.REAL},
    infer=lambda ic: [(None, ic.shapes[0][1] if ic.shapes[0] else None), (None,),
                      ic.shapes[2]], grad=_sparse_add_grad)


def _sparse_add_grad_kernel(g, ai, bi, si):
    pos = {tuple(t): k for k, t in enumerate(np.asarray(si).tolist())}
    ga = np.asarray([g[pos[tuple(t)]] if tuple(t) in pos else 0
                     for t in np.asarray(ai).tolist()], g.dtype)
    gb = np.asarray([g[pos[tuple(t)]] if tuple(t) in pos else 0
                     for t in np.asarray(bi).tolist()], g.dtype)
    return ga, gb


SPARSE_ADD_GRAD = defop(
    "SparseAddGrad", _sparse_add_grad_kernel,
    inputs=("backprop_val_grad: T", "a_indices: int64", "b_indices: int64",
            "sum_indices: int64"), outputs=("a_val_grad: T", "b_val_grad: T"),
    types={"T": u.NUMERIC},
    infer=lambda ic: [(ic.shapes[1][0] if ic.shapes[1] else None,),
                      (ic.shapes[2][0] if ic.shapes[2] else None,)], grad=_ND)


def _sparse_dense_add_kernel(ai, av, ash, b):
    _check_in_range(np.asarray(ai), ash)
    out = np.array(b, copy=True)
    np.add.at(out, _idx_tuple(ai), av)
    return out


SPARSE_DENSE_ADD = defop(
    "SparseTensorDenseAdd", _sparse_dense_add_kernel,
    inputs=("a_indices: Tindices", "a_values: T", "a_shape: Tindices", "b: T"),
    outputs=("output: T",), types={"T": u.NUMERIC, "Tindices": u.INDEX},
    infer=lambda ic: ic.shapes[3],
    grad=lambda op, g: [None, _a().gather_nd_(g, op.inputs[0]), None, g])


def add(a, b, threshold=0, name=None):
    """Adds two SparseTensors, or a SparseTensor and a dense tensor (``tf.sparse.add``).

    Sparse + sparse gives a SparseTensor (entries with ``|sum| < threshold`` dropped);
    with a dense operand the result is dense.

    Example:
        >>> a = tf.SparseTensor([[0, 0]], [1.0], [2, 2])
        >>> tf.sparse.add(a, a).values.numpy().tolist()
        [2.0]
    """
    if isinstance(a, SparseTensor) and isinstance(b, SparseTensor):
        thr = tensor(threshold, dtype=_dt.float32 if a.dtype is _dt.complex64 else (
            _dt.float64 if a.dtype is _dt.complex128 else a.dtype)) \
            if not hasattr(threshold, "dtype") else tensor(threshold)
        i, v, s = execute(SPARSE_ADD, (a.indices, a.values, a.dense_shape, b.indices,
                                       b.values, b.dense_shape, thr), None, name)
        return SparseTensor(i, v, s)
    if isinstance(b, SparseTensor):
        a, b = b, a
    sp = _st(a)
    d = tensor(b, dtype=sp.dtype)
    return execute(SPARSE_DENSE_ADD, (sp.indices, sp.values, sp.dense_shape, d), None, name)


# ---- concat -----------------------------------------------------------------------------------

def _sparse_concat_kernel(indices, values, shapes, concat_dim=0, N=1):
    shapes = [np.asarray(s, np.int64) for s in shapes]
    r = len(shapes[0])
    ax = concat_dim % r
    out_shape = shapes[0].copy()
    out_shape[ax] = sum(int(s[ax]) for s in shapes)
    off = 0
    idx, vals = [], []
    for i, v, s in zip(indices, values, shapes):
        if len(s) != r or np.any(np.delete(s, ax) != np.delete(shapes[0], ax)):
            raise errors.InvalidArgumentError(
                None, None, f"All SparseTensors must have the same shape except along "
                f"concat_dim: {shapes[0].tolist()} vs. {s.tolist()}")
        i = np.array(i, np.int64, copy=True).reshape(-1, r)
        i[:, ax] += off
        off += int(s[ax])
        idx.append(i)
        vals.append(v)
    idx = np.concatenate(idx, 0)
    vals = np.concatenate(vals, 0)
    order = np.lexsort(tuple(idx.T[::-1])) if len(idx) else np.arange(0)
    return idx[order], vals[order], out_shape


def _sparse_concat_grad(op, gi, gv, gs):
    n = op.get_attr("N")
    ins = op.inputs
    # The forward pass sorts; recover each input's positions by concatenating positions.
    a, m = _a(), _m()
    sizes = [a.size(v, out_type=_dt.int64) for v in ins[n:2 * n]]
    total = m.add_n(sizes) if n > 1 else sizes[0]
    pos = a.range(tensor(np.int64(0)), total)
    parts, start = [], tensor(np.int64(0))
    for k in range(n):
        parts.append(a.gather(pos, a.range(start, m.add(start, sizes[k]))))
        start = m.add(start, sizes[k])
    _, perm, _ = execute(SPARSE_CONCAT, (list(ins[:n]), parts, list(ins[2 * n:])),
                         {"concat_dim": op.get_attr("concat_dim"), "N": n})
    flat_g = m.unsorted_segment_sum(gv, perm, total)
    grads = []
    start = tensor(np.int64(0))
    for k in range(n):
        grads.append(a.gather(flat_g, a.range(start, m.add(start, sizes[k]))))
        start = m.add(start, sizes[k])
    return [None] * n + grads + [None] * n


SPARSE_CONCAT = defop(
    "SparseConcat", _sparse_concat_kernel,
    inputs=("indices: N*int64", "values: N*T", "shapes: N*int64"),
    outputs=("output_indices: int64", "output_values: T", "output_shape: int64"),
    types={"T": ()}, attrs={"concat_dim": 0},
    infer=lambda ic: [(None, None), (None,), ic.shapes[2][0]], grad=_sparse_concat_grad)


def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """Concatenates SparseTensors along ``axis`` (``tf.sparse.concat``)."""
    sps = [_st(s) for s in sp_inputs]
    if expand_nonconcat_dims:
        raise NotImplementedError("expand_nonconcat_dims=True is not supported")
    if len(sps) == 1:
        return sps[0]
    i, v, s = execute(SPARSE_CONCAT, ([x.indices for x in sps], [x.values for x in sps],
                                      [x.dense_shape for x in sps]),
                      {"concat_dim": int(axis), "N": len(sps)}, name)
    return SparseTensor(i, v, s)


# ---- composites -------------------------------------------------------------------------------

def transpose(sp_input, perm=None, name=None):
    """Permutes the dimensions of a SparseTensor (``tf.sparse.transpose``)."""
    sp = _st(sp_input)
    a = _a()
    if perm is None:
        r = sp.shape.rank
        perm = list(range(r - 1, -1, -1))
    perm = tensor(np.asarray(perm, np.int32)) if not hasattr(perm, "dtype") else perm
    idx = a.gather(sp.indices, perm, axis=1)
    shape = a.gather(sp.dense_shape, perm)
    return reorder(SparseTensor(idx, sp.values, shape))


def retain(sp_input, to_retain):
    """Keeps the entries where ``to_retain`` is True (``tf.sparse.retain``; eager mask)."""
    sp = _st(sp_input)
    keep = tensor(to_retain, dtype=_dt.bool)
    if not isinstance(keep, EagerTensor):
        raise NotImplementedError("tf.sparse.retain needs a concrete to_retain mask")
    where = tensor(np.nonzero(np.asarray(keep._value))[0].astype(np.int64))
    return SparseTensor(_a().gather(sp.indices, where), _a().gather(sp.values, where),
                        sp.dense_shape)


def expand_dims(sp_input, axis=None, name=None):
    """Inserts a dimension of size 1 (``tf.sparse.expand_dims``)."""
    sp = _st(sp_input)
    a = _a()
    r = sp.shape.rank
    if r is None:
        raise ValueError("tf.sparse.expand_dims needs a known rank")
    ax = int(axis if axis is not None else -1)
    if not -r - 1 <= ax <= r:
        raise ValueError(f"axis {ax} out of range for a SparseTensor of rank {r}")
    ax = ax % (r + 1)
    zeros = a.zeros_like(a.gather(sp.indices, [0], axis=1))
    cols = [a.gather(sp.indices, list(range(0, ax)), axis=1), zeros,
            a.gather(sp.indices, list(range(ax, r)), axis=1)]
    idx = a.concat(cols, 1)
    shape = a.concat([a.gather(sp.dense_shape, list(range(0, ax))),
                      tensor(np.ones(1, np.int64)),
                      a.gather(sp.dense_shape, list(range(ax, r)))], 0)
    return SparseTensor(idx, sp.values, shape)


def _cwise_mul_kernel(sp_indices, sp_values, sp_shape, dense):
    shape = tuple(int(d) for d in sp_shape)
    d = np.broadcast_to(dense, shape)
    return (sp_values * d[_idx_tuple(sp_indices)]).astype(sp_values.dtype)


def _cwise_mul_grad(op, g):
    si, sv, ss, d = op.inputs
    a, m = _a(), _m()
    dense_full = a.broadcast_to(d, m.cast(ss, _dt.int32))
    gv = m.multiply(g, a.gather_nd_(dense_full, si))
    gd_full = execute(
        _sp_dense(), (si, a.reshape(ss, [-1]), m.multiply(g, sv), a.zeros([], g.dtype)),
        {"validate_indices": False})
    return [None, gv, None, m.sum_to(gd_full, d)]


def _sp_dense():
    from tensorflux._src.ops.sparse_ops import SPARSE_TO_DENSE
    return SPARSE_TO_DENSE


SPARSE_DENSE_CWISE_MUL = defop(
    "SparseDenseCwiseMul", _cwise_mul_kernel,
    inputs=("sp_indices: int64", "sp_values: T", "sp_shape: int64", "dense: T"),
    outputs=("output: T",), types={"T": u.NUMERIC}, infer=lambda ic: ic.shapes[1],
    grad=_cwise_mul_grad)


def sparse_dense_cwise_mul(sp, dense, name=None):
    """``SparseTensor * dense`` (dense broadcast to the sparse shape): a SparseTensor."""
    sp = _st(sp)
    d = tensor(dense, dtype=sp.dtype)
    v = execute(SPARSE_DENSE_CWISE_MUL, (sp.indices, sp.values, sp.dense_shape, d), None, name)
    return SparseTensor(sp.indices, v, sp.dense_shape)


_ = _shape_from_value
