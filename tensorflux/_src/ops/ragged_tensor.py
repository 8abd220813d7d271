"""``tf.RaggedTensor``: a tensor whose rows have different lengths.

A ragged tensor is a dense ``values`` tensor (or another RaggedTensor, for nested
raggedness) plus ``row_splits``: row ``i`` is ``values[row_splits[i]:row_splits[i+1]]``.
Its row-partition arithmetic runs in a few small primitive ops declared here; dense
conversion uses TensorFlow's ``RaggedTensorToTensor`` op, whose gradient is the
ragged-from-dense op (and vice versa), so gradients of any order flow to the values.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor, Tensor
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_ND = NOT_DIFFERENTIABLE
_IDX = {"Tsplits": u.INDEX}


def _vec(ic, i=0):
    s = ic.shapes[i]
    return s[0] if s else None


def _plus1(n):
    return None if n is None else n + 1


# ---- row partition primitives ------------------------------------------------------------------

def _lengths_to_splits(lengths):
    return np.concatenate([[0], np.cumsum(lengths)]).astype(lengths.dtype)


def _rowids_to_splits(rowids, nrows):
    n = int(nrows)
    if rowids.size and (rowids.min() < 0 or rowids.max() >= n or np.any(np.diff(rowids) < 0)):
        raise errors.InvalidArgumentError(
            None, None, f"value_rowids must be sorted and in [0, nrows={n}), got "
            f"{rowids.tolist()}")
    counts = np.bincount(rowids.astype(np.int64), minlength=n)
    return np.concatenate([[0], np.cumsum(counts)]).astype(rowids.dtype)


def _splits_to_rowids(splits):
    return np.repeat(np.arange(len(splits) - 1, dtype=splits.dtype), np.diff(splits))


SPLITS_FROM_LENGTHS = defop(
    "RaggedRowLengthsToSplits", _lengths_to_splits, inputs=("row_lengths: Tsplits",),
    outputs=("row_splits: Tsplits",), types=_IDX, grad=_ND,
    infer=lambda ic: (_plus1(_vec(ic)),))
SPLITS_FROM_ROWIDS = defop(
    "RaggedRowIdsToSplits", _rowids_to_splits, inputs=("value_rowids: Tsplits",
                                                       "nrows: Tsplits"),
    outputs=("row_splits: Tsplits",), types=_IDX, grad=_ND,
    infer=lambda ic: (None if ic.values[1] is None else int(ic.values[1]) + 1,))
ROWIDS_FROM_SPLITS = defop(
    "RaggedSplitsToRowIds", _splits_to_rowids, inputs=("row_splits: Tsplits",),
    outputs=("value_rowids: Tsplits",), types=_IDX, grad=_ND, infer=lambda ic: (None,))
ROW_LENGTHS = defop(
    "RaggedSplitsToRowLengths", lambda s: np.diff(s).astype(s.dtype),
    inputs=("row_splits: Tsplits",), outputs=("row_lengths: Tsplits",), types=_IDX, grad=_ND,
    infer=lambda ic: (None if _vec(ic) is None else max(_vec(ic) - 1, 0),))


def _to_tensor_kernel(shape, values, default_value, splits,
                      row_partition_types=("ROW_SPLITS",)):
    splits = np.asarray(splits[0]).astype(np.int64)
    nrows = len(splits) - 1
    lengths = np.diff(splits)
    inner = values.shape[1:]
    ncols = int(lengths.max()) if nrows and lengths.size else 0
    shape = np.asarray(shape).reshape(-1)
    if shape.size and shape[0] >= 0:
        nrows_out = int(shape[0])
    else:
        nrows_out = nrows
    if shape.size > 1 and shape[1] >= 0:
        ncols = int(shape[1])
    if shape.size > 2:
        inner = tuple(int(d) if d >= 0 else inner[i] for i, d in enumerate(shape[2:]))
    out = np.empty((nrows_out, ncols) + tuple(inner), dtype=values.dtype)
    out[...] = default_value
    iv = values[(slice(None),) + tuple(slice(0, d) for d in inner)]
    for r in range(min(nrows, nrows_out)):
        n = min(int(lengths[r]), ncols)
        out[r, :n] = iv[splits[r]:splits[r] + n]
    return out


def _to_tensor_infer(ic):
    vs = ic.shapes[1]
    shape = ic.values[0]
    n = ic.shapes[3][0][0] if ic.shapes[3] and ic.shapes[3][0] else None
    out = [None if n is None else max(n - 1, 0), None] + \
        (list(vs[1:]) if vs is not None else [])
    if vs is None and shape is None:
        return None
    if shape is not None:
        shape = np.asarray(shape).reshape(-1)
        if shape.size:
            if vs is None:
                out = [None] * len(shape)
            for i, d in enumerate(shape.tolist()):
                if d >= 0:
                    out[i] = int(d)
    return tuple(out)


def _to_tensor_grad(op, g):
    shape, values, default, splits = op.inputs
    from tensorflux._src.ops import math_ops

    lengths = execute(ROW_LENGTHS, (splits,))
    gv = execute(FROM_TENSOR, (g, lengths, _inner_shape(values)))[0]
    gd = None
    if default.shape.rank == 0:
        gd = math_ops.subtract(math_ops.reduce_sum(g), math_ops.reduce_sum(gv))
    return [None, gv, gd, None]


def _inner_shape(values):
    from tensorflux._src.ops import array_ops
    s = u.static_shape(values)
    if s is not None:
        return tensor(np.asarray(s[1:], np.int64))
    return math_cast(array_ops.gather(array_ops.shape(values),
                                      array_ops.range(1, array_ops.rank(values))))


def math_cast(x):
    from tensorflux._src.ops import math_ops
    return math_ops.cast(x, _dt.int64)


TO_TENSOR = defop(
    "RaggedTensorToTensor", _to_tensor_kernel,
    inputs=("shape: Tshape", "values: T", "default_value: T",
            "row_partition_tensors: num_row_partition_tensors*Tindex"),
    outputs=("result: T",), types={"T": (), "Tindex": u.INDEX, "Tshape": u.INDEX},
    attrs={"row_partition_types": ("ROW_SPLITS",)}, infer=_to_tensor_infer,
    grad=_to_tensor_grad)


def _from_tensor_kernel(t, lengths, inner_shape):
    """Rows ``t[i, :lengths[i]]`` concatenated; entries outside ``t`` (rows or columns cut
    off by a ``to_tensor(shape=...)``) read as zeros, which makes this the exact adjoint
    of RaggedTensorToTensor."""
    lengths = np.asarray(lengths).astype(np.int64)
    inner = tuple(int(d) for d in np.asarray(inner_shape).reshape(-1))
    t = t[(slice(None), slice(None)) + tuple(slice(0, d) for d in inner)]
    pad = [(0, max(len(lengths) - t.shape[0], 0)),
           (0, max(int(lengths.max(initial=0)) - t.shape[1], 0))] + \
        [(0, d - t.shape[2 + i]) for i, d in enumerate(inner)]
    if any(p[1] for p in pad):
        t = np.pad(t, pad)
    rows = [t[i, :int(n)] for i, n in enumerate(lengths)]
    vals = np.concatenate(rows, 0) if rows else np.zeros((0,) + t.shape[2:], t.dtype)
    return vals.astype(t.dtype, copy=False), _lengths_to_splits(lengths)


def _from_tensor_infer(ic):
    ts, inner = ic.shapes[0], ic.values[2]
    n = _vec(ic, 1)
    if inner is not None:
        in_s = tuple(int(d) for d in np.asarray(inner).reshape(-1))
    elif ts is not None:
        in_s = tuple(ts[2:])
    else:
        return [None, (_plus1(n),)]
    return [(None,) + in_s, (_plus1(n),)]


def _from_tensor_grad(op, gv, gs):
    t, lengths, _ = op.inputs
    from tensorflux._src.ops import array_ops
    splits = op.outputs[1]
    shape = math_cast(array_ops.shape(t))
    zero = array_ops.zeros([], gv.dtype)
    return [execute(TO_TENSOR, (shape, gv, zero, [splits]), None), None, None]


FROM_TENSOR = defop(
    "RaggedTensorFromTensor", _from_tensor_kernel,
    inputs=("tensor: T", "lengths: Tsplits", "inner_shape: int64"),
    outputs=("values: T", "row_splits: int64"), types={"T": (), "Tsplits": u.INDEX},
    infer=_from_tensor_infer, grad=_from_tensor_grad)


def _padding_lengths(t, padding):
    t = np.asarray(t)
    n, m = t.shape[:2]
    keep = t != padding
    keep = keep.reshape(n, m, -1).any(-1) if t.ndim > 2 else keep
    out = np.zeros(n, np.int64)
    for i in range(n):
        nz = np.nonzero(keep[i])[0]
        out[i] = nz[-1] + 1 if nz.size else 0
    return out


LENGTHS_FROM_PADDING = defop(
    "RaggedLengthsFromPadding", _padding_lengths, inputs=("tensor: T", "padding: T"),
    outputs=("lengths: int64",), types={"T": ()}, grad=_ND,
    infer=lambda ic: ((ic.shapes[0][0] if ic.shapes[0] else None),))


# ---- the RaggedTensor class --------------------------------------------------------------------

class RaggedTensor:
    """A tensor with ragged rows (``tf.RaggedTensor``).

    Example:
        >>> rt = tf.RaggedTensor.from_row_splits([1, 2, 3, 4], row_splits=[0, 3, 3, 4])
        >>> rt.to_list()
        [[1, 2, 3], [], [4]]
    """

    _is_composite_tensor = True

    def __init__(self, values, row_splits, internal=False):
        if not internal:
            raise ValueError("RaggedTensor constructor is private; please use one of the "
                             "factory methods instead (e.g., RaggedTensor.from_row_lengths())")
        self._values = values
        self._row_splits = row_splits

    # ---- factories ----
    @classmethod
    def _wrap_values(cls, values):
        return values if isinstance(values, RaggedTensor) else tensor(values)

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Rows ``values[row_splits[i]:row_splits[i+1]]``."""
        values = cls._wrap_values(values)
        splits = _splits_tensor(row_splits)
        if validate and isinstance(splits, EagerTensor):
            s = splits._value
            if s.ndim != 1 or s.size == 0 or s[0] != 0 or np.any(np.diff(s) < 0):
                raise errors.InvalidArgumentError(
                    None, None, f"row_splits must be a non-empty, sorted vector starting at 0; "
                    f"got {s.tolist()}")
            nv = _nvals(values)
            if nv is not None and int(s[-1]) != nv:
                raise errors.InvalidArgumentError(
                    None, None, f"Last row_split ({int(s[-1])}) must equal the number of "
                    f"values ({nv})")
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Row ``i`` has ``row_lengths[i]`` values."""
        lengths = _splits_tensor(row_lengths)
        return cls.from_row_splits(values, execute(SPLITS_FROM_LENGTHS, (lengths,)),
                                   validate=validate)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """Value ``j`` belongs to row ``value_rowids[j]``; ``nrows`` rows in all."""
        values = cls._wrap_values(values)
        rowids = _splits_tensor(value_rowids)
        if nrows is None:
            if isinstance(rowids, EagerTensor):
                v = rowids._value
                nrows = int(v[-1]) + 1 if v.size else 0
            else:
                raise ValueError("nrows must be given when value_rowids is symbolic")
        nrows = tensor(nrows, dtype=rowids.dtype) if isinstance(nrows, Tensor) else \
            tensor(np.asarray(nrows, rowids.dtype.as_numpy_dtype))
        return cls.from_row_splits(values, execute(SPLITS_FROM_ROWIDS, (rowids, nrows)),
                                   validate=validate)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        """Rows start at ``row_starts`` (the last row ends at ``len(values)``)."""
        starts = np.asarray(tensor(row_starts)._value)
        nv = _nvals(cls._wrap_values(values))
        return cls.from_row_splits(values, np.append(starts, nv).astype(np.int64))

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        out = flat_values
        for s in reversed(list(nested_row_splits)):
            out = cls.from_row_splits(out, s, validate=validate)
        return out

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None,
                                validate=True):
        out = flat_values
        for s in reversed(list(nested_row_lengths)):
            out = cls.from_row_lengths(out, s, validate=validate)
        return out

    @classmethod
    def from_tensor(cls, tensor_, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=_dt.int64):
        """Converts a dense tensor, dropping padding (``tf.RaggedTensor.from_tensor``).

        Example:
            >>> tf.RaggedTensor.from_tensor([[1, 0], [2, 3]], padding=0).to_list()
            [[1], [2, 3]]
        """
        from tensorflux._src.ops import array_ops, math_ops

        t = tensor(tensor_)
        if lengths is not None and padding is not None:
            raise ValueError("Specify argument `lengths` or `padding`, but not both.")
        if ragged_rank > 1:
            s = u.static_shape(t)
            if s is None:
                raise ValueError("from_tensor with ragged_rank > 1 needs a static shape")
            inner = cls.from_tensor(array_ops.reshape(t, (s[0] * s[1],) + s[2:]),
                                    ragged_rank=ragged_rank - 1)
            out = cls.from_row_splits(inner, np.arange(s[0] + 1, dtype=np.int64) * s[1])
            return out.with_row_splits_dtype(row_splits_dtype)
        if padding is not None:
            lens = execute(LENGTHS_FROM_PADDING, (t, tensor(padding, dtype=t.dtype)))
        elif lengths is not None:
            lens = math_ops.cast(tensor(lengths), _dt.int64)
        else:
            sh = array_ops.shape(t, out_type=_dt.int64)
            lens = array_ops.fill(array_ops.reshape(array_ops.gather(sh, 0), [1]),
                                  array_ops.gather(sh, 1))
        vals, splits = execute(FROM_TENSOR, (t, lens, _inner_shape_full(t)))
        return cls(vals, splits, internal=True).with_row_splits_dtype(row_splits_dtype)

    # ---- properties ----
    values = property(lambda self: self._values)
    row_splits = property(lambda self: self._row_splits)

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def ragged_rank(self):
        v = self._values
        return v.ragged_rank + 1 if isinstance(v, RaggedTensor) else 1

    @property
    def flat_values(self):
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def nested_row_splits(self):
        out, rt = [], self
        while isinstance(rt, RaggedTensor):
            out.append(rt._row_splits)
            rt = rt._values
        return tuple(out)

    @property
    def row_splits_dtype(self):
        return self._row_splits.dtype

    @property
    def shape(self):
        n = self._row_splits.shape.as_list()
        nrows = None if n is None or n[0] is None else n[0] - 1
        vs = self._values.shape
        inner = vs.as_list()[1:] if vs.rank is not None else None
        if inner is None:
            return TensorShape(None)
        return TensorShape([nrows, None] + inner)

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self.shape.rank

    def nrows(self, out_type=None, name=None):
        """Number of rows (a scalar tensor)."""
        from tensorflux._src.ops import array_ops, math_ops
        n = math_ops.subtract(array_ops.size(self._row_splits, out_type=self.row_splits_dtype),
                              tensor(np.asarray(1, self.row_splits_dtype.as_numpy_dtype)))
        return n if out_type is None else math_ops.cast(n, out_type)

    def row_lengths(self, axis=1, name=None):
        """Length of each row."""
        if axis != 1:
            if axis < 1:
                raise ValueError("axis must be >= 1")
            return self._values.row_lengths(axis - 1)
        return execute(ROW_LENGTHS, (self._row_splits,))

    def value_rowids(self, name=None):
        """Row index of each value."""
        return execute(ROWIDS_FROM_SPLITS, (self._row_splits,))

    def row_starts(self, name=None):
        from tensorflux._src.ops import array_ops
        return array_ops.gather(self._row_splits, array_ops.range(0, self.nrows()))

    def row_limits(self, name=None):
        from tensorflux._src.ops import array_ops
        one = tensor(np.asarray(1, self.row_splits_dtype.as_numpy_dtype))
        return array_ops.gather(self._row_splits, array_ops.range(
            one, array_ops.size(self._row_splits, out_type=self.row_splits_dtype)))

    def nested_row_lengths(self, name=None):
        out, rt = [], self
        while isinstance(rt, RaggedTensor):
            out.append(rt.row_lengths())
            rt = rt._values
        return tuple(out)

    def with_values(self, new_values):
        return RaggedTensor(new_values, self._row_splits, internal=True)

    def with_flat_values(self, new_values):
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(tensor(new_values))

    def with_row_splits_dtype(self, dtype):
        from tensorflux._src.ops import math_ops
        dtype = _dt.as_dtype(dtype)
        v = self._values
        if isinstance(v, RaggedTensor):
            v = v.with_row_splits_dtype(dtype)
        return RaggedTensor(v, math_ops.cast(self._row_splits, dtype), internal=True)

    # ---- conversions ----
    def to_tensor(self, default_value=None, name=None, shape=None):
        """Pads rows to a dense tensor (``RaggedTensor.to_tensor``).

        Example:
            >>> tf.ragged.constant([[1], [2, 3]]).to_tensor().numpy().tolist()
            [[1, 0], [2, 3]]
        """
        from tensorflux._src.ops import array_ops
        v = self._values
        if isinstance(v, RaggedTensor):
            inner_shape = None if shape is None else list(shape)[1:]
            v = v.to_tensor(default_value, shape=inner_shape)
        if default_value is None:
            default = array_ops.zeros([], v.dtype) if v.dtype is not _dt.string else \
                tensor(b"")
        else:
            default = tensor(default_value, dtype=v.dtype)
        if shape is None:
            sh = tensor(np.asarray(-1, self.row_splits_dtype.as_numpy_dtype))
        else:
            dims = [-1 if d is None else int(d) for d in TensorShape(shape).as_list()]
            sh = tensor(np.asarray(dims, self.row_splits_dtype.as_numpy_dtype))
        return execute(TO_TENSOR, (sh, v, default, [self._row_splits]), None, name)

    def to_list(self):
        """Nested Python lists (eager only)."""
        flat = self.flat_values
        if not isinstance(flat, EagerTensor):
            raise ValueError("RaggedTensor.to_list() is only supported in eager mode.")
        rows = np.asarray(flat._value).tolist()
        for s in reversed(self.nested_row_splits):
            s = np.asarray(s._value).tolist()
            rows = [rows[s[i]:s[i + 1]] for i in range(len(s) - 1)]
        return rows

    def numpy(self):
        """Object array of row arrays (as TensorFlow's RaggedTensor.numpy)."""
        v = self._values.numpy() if isinstance(self._values, RaggedTensor) else \
            np.asarray(self._values._value)
        s = np.asarray(self._row_splits._value)
        out = np.empty(len(s) - 1, dtype=object)
        out[:] = [v[s[i]:s[i + 1]] for i in range(len(s) - 1)]
        return out

    def _to_components(self):
        return [self._values, self._row_splits]

    def __getitem__(self, key):
        from tensorflux._src.ops import array_ops
        if not isinstance(key, (int, np.integer)):
            raise NotImplementedError("RaggedTensor indexing supports a single integer row")
        s = self._row_splits
        nr = self.shape.as_list()[0]
        k = int(key)
        if k < 0:
            if nr is None:
                raise ValueError("negative row index needs a static number of rows")
            k += nr
        start = array_ops.gather(s, k)
        limit = array_ops.gather(s, k + 1)
        idx = array_ops.range(start, limit)
        v = self._values
        if isinstance(v, RaggedTensor):
            from tensorflux._src.ops import math_ops
            one = tensor(np.asarray(1, s.dtype.as_numpy_dtype))
            sub = array_ops.gather(v._row_splits, array_ops.range(start, math_ops.add(limit, one)))
            if isinstance(v._values, RaggedTensor):
                raise NotImplementedError("indexing RaggedTensors of ragged_rank > 2")
            base = array_ops.gather(sub, 0)
            vals = array_ops.gather(v._values, array_ops.range(
                base, array_ops.gather(sub, math_ops.subtract(array_ops.size(
                    sub, out_type=s.dtype), one))))
            return RaggedTensor.from_row_splits(vals, math_ops.subtract(sub, base),
                                                validate=False)
        return array_ops.gather(v, idx)

    def __repr__(self):
        if isinstance(self.flat_values, EagerTensor):
            return f"<tf.RaggedTensor {self.to_list()}>"
        return (f"tf.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})")

    def __str__(self):
        return self.__repr__()

    def __len__(self):
        n = self.shape.as_list()[0]
        if n is None:
            raise TypeError("len is not well defined for a RaggedTensor with unknown nrows")
        return n


def _inner_shape_full(t):
    from tensorflux._src.ops import array_ops
    s = u.static_shape(t)
    if s is not None:
        return tensor(np.asarray(s[2:], np.int64))
    return math_cast(array_ops.gather(array_ops.shape(t), array_ops.range(2, array_ops.rank(t))))


def _splits_tensor(x):
    if isinstance(x, Tensor):
        t = tensor(x)
    else:
        a = np.asarray(x)
        t = tensor(a.astype(np.int64) if a.dtype.kind not in "iu" or a.dtype == np.int64
                   or a.dtype.kind == "u" else a.astype(np.int64))
    if t.dtype not in (_dt.int32, _dt.int64):
        raise ValueError(f"row partition tensors must be int32 or int64, got {t.dtype.name}")
    return t


def _nvals(values):
    if isinstance(values, RaggedTensor):
        n = values.shape.as_list()[0]
        return n
    s = values.shape.as_list()
    return None if s is None or not s else s[0]


def is_ragged(x):
    return isinstance(x, RaggedTensor)
