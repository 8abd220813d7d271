"""Batching and slicing of ``SparseTensor`` / ``RaggedTensor`` components (TF's semantics).

An element is a flat tuple of component arrays; a leaf spans ``n`` of them:
a SparseTensor ``(indices[nnz, r], values[nnz], dense_shape[r])``, a RaggedTensor
``(flat_values, splits_innermost, ..., splits_outermost)`` (ragged_rank 0: just the dense
values, as TensorFlow's ``RaggedTensorSpec(ragged_rank=0)``), a dense tensor one array.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors
from tensorflux._src.data import structure
from tensorflux._src.framework.function import TensorSpec


def layout(element_spec):
    """``[(spec, first component, number of components)]`` for every leaf."""
    out, k = [], 0
    for s in structure.flat_specs(element_spec):
        n = 1 if isinstance(s, TensorSpec) else s.n_components
        out.append((s, k, n))
        k += n
    return out


# --- slicing (from_tensor_slices, unbatch) ----------------------------------------------
def _sparse_rows(comps):
    ind, val, shape = (np.asarray(c) for c in comps)
    if shape.shape[0] == 0:
        raise ValueError("Unbatching a sparse tensor is only supported for rank >= 1.")
    n = int(shape[0])
    order = np.argsort(ind[:, 0], kind="stable")
    bounds = np.searchsorted(ind[order, 0], np.arange(n + 1))
    inner = ind[:, 1:]
    rest = shape[1:]

    def row(i):
        sel = order[bounds[i]:bounds[i + 1]]
        return (inner[sel], val[sel], rest)
    return n, row


def _ragged_rows(comps):
    values, splits = comps[0], comps[1:]
    outer = splits[-1]
    n = len(outer) - 1

    def row(i):
        lo, hi = int(outer[i]), int(outer[i + 1])
        new = []
        for sp in reversed(splits[:-1]):        # from the second-outermost level inwards
            new.append(sp[lo:hi + 1] - sp[lo])
            lo, hi = int(sp[lo]), int(sp[hi])
        return (values[lo:hi],) + tuple(reversed(new))
    return n, row


def _dense_rows(comps):
    c = comps[0]
    if c.ndim == 0:
        raise ValueError("Unbatching a tensor is only supported for rank >= 1.")
    if c.dtype.hasobject:
        return c.shape[0], lambda i: (c[i, ...],)
    return c.shape[0], lambda i: (c[i],)


class Slicer:
    """Rows of one batched element: ``n`` and ``row(i)`` (a component tuple)."""

    def __init__(self, lay, comps):
        self.parts = []
        sizes = []
        for s, k, m in lay:
            part = comps[k:k + m]
            if isinstance(s, structure.SparseTensorSpec):
                n, row = _sparse_rows(part)
            elif isinstance(s, structure.RaggedTensorSpec) and s.ragged_rank > 0:
                n, row = _ragged_rows(part)
            else:
                n, row = _dense_rows(part)
            sizes.append(n)
            self.parts.append(row)
        if len(set(sizes)) > 1:
            raise errors.InvalidArgumentError(
                None, None, f"Input element must have the same batch size in each component. "
                f"Component sizes: {sizes}")
        self.n = sizes[0] if sizes else 0

    def row(self, i):
        out = ()
        for r in self.parts:
            out += r(i)
        return out


def unbatch_spec(s):
    dims = s.shape.as_list() if s.shape.rank is not None else None
    if dims is not None and not dims:
        raise ValueError("Cannot unbatch an input with scalar components.")
    inner = dims[1:] if dims is not None else None
    if isinstance(s, structure.SparseTensorSpec):
        return structure.SparseTensorSpec(inner, s.dtype)
    if isinstance(s, structure.RaggedTensorSpec):
        if s.ragged_rank == 0:
            return TensorSpec(inner, s.dtype)
        return structure.RaggedTensorSpec(inner, s.dtype, s.ragged_rank - 1,
                                          s.row_splits_dtype)
    return TensorSpec(inner, s.dtype)


# --- batching ---------------------------------------------------------------------------
def batch_spec(s, n):
    dims = [n] + (s.shape.as_list() if s.shape.rank is not None else [])
    if s.shape.rank is None:
        dims = None
    if isinstance(s, structure.SparseTensorSpec):
        return structure.SparseTensorSpec(dims, s.dtype)
    return structure.RaggedTensorSpec(dims, s.dtype, s.ragged_rank + 1, s.row_splits_dtype)


def batch_sparse(parts):
    """SparseTensors of equal rank -> one of rank + 1 (dense shape: the max of each dim)."""
    ranks = {len(p[2]) for p in parts}
    if len(ranks) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot batch SparseTensors of different ranks {sorted(ranks)}; all "
            "elements of a batch must have the same rank.")
    r = ranks.pop()
    ind = [np.concatenate([np.full((len(p[0]), 1), i, np.int64),
                           np.asarray(p[0], np.int64).reshape(-1, r)], axis=1)
           for i, p in enumerate(parts)]
    shape = np.max(np.stack([np.asarray(p[2], np.int64) for p in parts]), axis=0) if r else \
        np.zeros([0], np.int64)
    return (np.concatenate(ind), np.concatenate([np.asarray(p[1]) for p in parts]),
            np.concatenate([[len(parts)], shape]).astype(np.int64))


def batch_ragged(parts, splits_dtype):
    """RaggedTensors of ragged_rank k (k = 0: dense rows) -> one of ragged_rank k + 1."""
    values = [np.asarray(p[0]) for p in parts]
    inner = {v.shape[1:] for v in values}
    if len(inner) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot batch ragged elements whose uniform inner dimensions differ: "
            f"{sorted(inner)}.")
    k = len(parts[0]) - 1
    if k == 0:
        nrows = [len(v) for v in values]
        out_splits = []
    else:
        nrows = [len(p[-1]) - 1 for p in parts]
        out_splits = []
        for lev in range(1, k + 1):                # innermost first
            acc, chunks = 0, [np.zeros([1], splits_dtype)]
            for p in parts:
                sp = np.asarray(p[lev], splits_dtype)
                chunks.append(sp[1:] + acc)
                acc += int(sp[-1])
            out_splits.append(np.concatenate(chunks))
    outer = np.concatenate([[0], np.cumsum(nrows)]).astype(splits_dtype)
    return (np.concatenate(values),) + tuple(out_splits) + (outer,)


class Batcher:
    """Stacks a list of elements leaf by leaf (dense: ``stack``; composites as above)."""

    def __init__(self, lay, stack):
        self.lay, self.stack = lay, stack

    def __call__(self, elems):
        out = []
        for s, k, m in self.lay:
            if isinstance(s, structure.SparseTensorSpec):
                out.extend(batch_sparse([e[k:k + 3] for e in elems]))
            elif isinstance(s, structure.RaggedTensorSpec):
                out.extend(batch_ragged([e[k:k + m] for e in elems],
                                        s.row_splits_dtype.np_dtype))
            else:
                out.append(self.stack(elems, k))
        return tuple(out)
