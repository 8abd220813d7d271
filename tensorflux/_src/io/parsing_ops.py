"""``tf.io.parse_example`` and friends: feature specs and the ``ParseExampleV2`` op.

The op takes TensorFlow's inputs (serialized, names, sparse/dense/ragged keys, dense defaults)
and returns the flat list of output arrays; the Python wrappers turn them into tensors,
``SparseTensor``s and ``RaggedTensor``s. Ragged partitions are applied inside the kernel (one
row-splits output per ragged dimension), so parsing traces into ``tf.function`` as one node.
"""

import collections
import math
import operator

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor, Tensor
from tensorflux._src.io import example_wire as w
from tensorflux._src.ops.op_util import tensor

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "SparseFeature",
           "RaggedFeature", "parse_example", "parse_single_example"]

_KIND = {_dt.string: 1, _dt.float32: 2, _dt.int64: 3}
_NP = {1: np.dtype(object), 2: np.dtype(np.float32), 3: np.dtype(np.int64)}


# ---- feature specs (TensorFlow's namedtuples) ------------------------------------------------

class FixedLenFeature(collections.namedtuple(
        "FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A fixed-size input feature: a dense tensor of ``shape``."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A variable-length input feature, parsed into a ``SparseTensor``."""


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A list of fixed-size items, padded to the longest list in the batch."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class SparseFeature(collections.namedtuple(
        "SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A ``SparseTensor`` built from an index feature and a value feature."""

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


class RaggedFeature(collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"])):
    """A feature parsed into a ``RaggedTensor`` (optionally with extra ragged dimensions)."""

    RowSplits = collections.namedtuple("RowSplits", ["key"])
    RowLengths = collections.namedtuple("RowLengths", ["key"])
    RowStarts = collections.namedtuple("RowStarts", ["key"])
    RowLimits = collections.namedtuple("RowLimits", ["key"])
    ValueRowIds = collections.namedtuple("ValueRowIds", ["key"])
    UniformRowLength = collections.namedtuple("UniformRowLength", ["length"])

    def __new__(cls, dtype, value_key=None, partitions=(), row_splits_dtype=_dt.int32,
                validate=False):
        return super().__new__(cls, _dt.as_dtype(dtype), value_key, tuple(partitions),
                               _dt.as_dtype(row_splits_dtype), validate)


_PARTITION_KIND = {"RowSplits": "row_splits", "RowLengths": "row_lengths",
                   "RowStarts": "row_starts", "RowLimits": "row_limits",
                   "ValueRowIds": "value_rowids", "UniformRowLength": "uniform_row_length"}


# ---- the kernel --------------------------------------------------------------------------------

def _fail(names, i, key, msg):
    name = "<unknown>"
    if names is not None and names.size:
        n = names.reshape(-1)[i]
        name = n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
    return errors.InvalidArgumentError(None, None, f"Name: {name}, Key: {key}, Index: {i}.  {msg}")


def _bad_proto(rec):
    shown = rec[:64].decode("latin-1").encode("unicode_escape").decode("ascii")
    return errors.InvalidArgumentError(
        None, None, f"Could not parse example input, value: '{shown}'")


def _decode_all(recs):
    maps = []
    for rec in recs:
        if not isinstance(rec, bytes):
            rec = bytes(rec)
        try:
            maps.append(w.example_features(rec))
        except (w.WireError, IndexError):
            raise _bad_proto(rec) from None
    return maps


def _values(recs, maps, i, key, bkey, kind, names):
    """Decoded values of feature ``key`` in record ``i``, ``None`` when missing."""
    entry = maps[i].get(bkey)
    if entry is None or entry[0] == 0:
        return None
    k, s, e = entry
    if k != kind:
        raise _fail(names, i, key, f"Data types don't match. Data type: {w.KIND_NAMES[k]} but "
                    f"expected type: {w.KIND_NAMES[kind]}")
    try:
        return w.decode(recs[i], k, s, e)
    except (w.WireError, IndexError):
        raise _bad_proto(recs[i]) from None


def _shape_str(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _dense(recs, maps, key, kind, shape, default, names, batch_shape):
    bkey = key.encode()
    b = len(recs)
    if shape and shape[0] == -1:  # FixedLenSequenceFeature: items padded to the longest
        inner = shape[1:]
        per = math.prod(inner)
        rows = []
        for i in range(b):
            v = _values(recs, maps, i, key, bkey, kind, names)
            v = np.zeros(0, _NP[kind]) if v is None else v
            if per == 0 or v.size % per:
                raise _fail(names, i, key, f"Number of {w.KIND_NAMES[kind]} values is not a "
                            f"multiple of {per} for a FixedLenSequenceFeature of shape "
                            f"{_shape_str(inner)}.  Values size: {v.size}")
            rows.append(v)
        m = max((r.size // per for r in rows), default=0)
        out = np.empty((b, m * per), _NP[kind])
        out[...] = default.reshape(()) if default.size else (b"" if kind == 1 else 0)
        for i, r in enumerate(rows):
            out[i, :r.size] = r
        return out.reshape(batch_shape + (m,) + tuple(inner))
    size = math.prod(shape)
    out = np.empty((b, size), _NP[kind])
    for i in range(b):
        v = _values(recs, maps, i, key, bkey, kind, names)
        if v is None:
            if not default.size and size:
                raise errors.InvalidArgumentError(
                    None, None, f"Name: <unknown>, Feature: {key} (data type: "
                    f"{w.KIND_NAMES[kind]}) is required but could not be found.")
            out[i] = default.reshape(-1)
            continue
        if v.size != size:
            raise _fail(names, i, key, f"Number of {w.KIND_NAMES[kind]} values != expected.  "
                        f"Values size: {v.size} but output shape: {_shape_str(shape)}")
        out[i] = v
    return out.reshape(batch_shape + tuple(shape))


def _lists(recs, maps, key, kind, names):
    bkey = key.encode()
    out = []
    for i in range(len(recs)):
        v = _values(recs, maps, i, key, bkey, kind, names)
        out.append(np.zeros(0, _NP[kind]) if v is None else v)
    return out


def _concat(rows, kind):
    return np.concatenate(rows) if rows else np.zeros(0, _NP[kind])


def _sparse(recs, maps, key, kind, names, scalar):
    rows = _lists(recs, maps, key, kind, names)
    lens = np.array([r.size for r in rows], np.int64)
    values = _concat(rows, kind)
    pos = np.arange(values.size, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    maxlen = int(lens.max()) if lens.size else 0
    if scalar:
        return pos.reshape(-1, 1), values, np.array([maxlen], np.int64)
    rowid = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    return np.stack([rowid, pos], 1), values, np.array([len(rows), maxlen], np.int64)


def _partition_splits(kind, arg, n, rows_of, i, key, names):
    """Row splits over ``n`` items for one example's partition."""
    if kind == "uniform_row_length":
        length = int(arg)
        if length <= 0 or n % length:
            raise _fail(names, i, key, f"UniformRowLength({length}) does not divide {n} values")
        return np.arange(0, n + 1, length, dtype=np.int64)
    p = rows_of(arg)
    if kind == "row_splits":
        s = p
    elif kind == "row_lengths":
        s = np.concatenate([[0], np.cumsum(p)])
    elif kind == "row_starts":
        s = np.concatenate([p, [n]])
    elif kind == "row_limits":
        s = np.concatenate([[0], p])
    else:  # value_rowids
        nrows = int(p[-1]) + 1 if p.size else 0
        s = np.concatenate([[0], np.cumsum(np.bincount(p, minlength=nrows))])
    s = s.astype(np.int64)
    if s.size == 0 or s[0] != 0 or s[-1] != n or np.any(np.diff(s) < 0):
        raise _fail(names, i, arg, f"partition '{kind}' of feature {key} is inconsistent with "
                    f"its {n} values (row splits {s.tolist()})")
    return s


def _ragged(recs, maps, key, kind, partitions, split_dtype, names, scalar):
    rows = _lists(recs, maps, key, kind, names)
    cache = {}

    def rows_of_for(i):
        def rows_of(pkey):
            if pkey not in cache:
                cache[pkey] = _lists(recs, maps, pkey, 3, names)
            return cache[pkey][i]
        return rows_of

    # per example: splits per partition level (outermost first)
    levels = [[] for _ in partitions]
    for i, v in enumerate(rows):
        n = v.size
        for lvl in range(len(partitions) - 1, -1, -1):
            pk, parg = partitions[lvl]
            s = _partition_splits(pk, parg, n, rows_of_for(i), i, key, names)
            levels[lvl].append(s)
            n = s.size - 1
    values = _concat(rows, kind)
    out_splits = []
    if not scalar:
        tops = [levels[0][i].size - 1 if partitions else rows[i].size for i in range(len(rows))]
        out_splits.append(np.concatenate([[0], np.cumsum(tops)]).astype(np.int64))
    for lvl in range(len(partitions)):
        parts, off = [np.zeros(1, np.int64)], 0
        for s in levels[lvl]:
            parts.append(s[1:] + off)
            off += int(s[-1])
        out_splits.append(np.concatenate(parts))
    return values, [s.astype(split_dtype) for s in out_splits]


_LAYOUTS = {}   # id(dense spec list) -> (spec list, {record length: _dense_layout(...)})


def _dense_layout(rec, dense):
    """``(cols, ref, plan)`` of one record: the indices of its structural bytes (tags,
    lengths, keys: everything but value payloads), their values, and where each dense
    feature's packed payload lies. ``None`` when a feature needs the general path."""
    try:
        fmap = w.example_features(rec)
    except (w.WireError, IndexError, TypeError):
        return None
    regions = w.value_regions(rec, fmap)
    if regions is None:
        return None
    plan = []
    for key, kind, shape, _ in dense:
        entry = fmap.get(key.encode())
        if entry is None or entry[0] != kind or kind == 1 or (shape and shape[0] == -1):
            return None
        s, e = regions[key.encode()][0]
        size = math.prod(shape)
        if e - s != (4 if kind == 2 else 1) * size:  # int64: one byte per value (0..127)
            return None
        plan.append((s, e, kind, shape))
    mask = np.ones(len(rec), bool)
    for spans in regions.values():
        for s, e in spans:
            mask[s:e] = False
    cols = np.flatnonzero(mask)
    return cols, np.frombuffer(rec, np.uint8)[cols], plan


def _fast_dense(recs, dense):
    """All records share one byte layout: slice every dense feature out of a 2-D uint8 view.

    A record's wire walk reads only its structural bytes, so records whose structural bytes
    equal a reference record's have its layout: the layout learnt from an earlier batch (per
    record length) is checked first, then the one of ``recs[0]``. Returns ``None`` when the
    layout differs anywhere (the general path then runs)."""
    r0 = recs[0]
    n0 = len(r0)
    if type(r0) is not bytes or list(map(len, recs)).count(n0) != len(recs):
        return None
    try:
        joined = b"".join(recs)
    except TypeError:
        return None
    arr = np.frombuffer(joined, np.uint8).reshape(len(recs), n0)
    ent = _LAYOUTS.get(id(dense))
    if ent is None or ent[0] is not dense:
        if len(_LAYOUTS) >= 64:
            _LAYOUTS.clear()
        ent = _LAYOUTS[id(dense)] = (dense, {})
    layouts = ent[1]
    lay = layouts.get(n0)
    if lay is None or not (arr[:, lay[0]] == lay[1]).all():
        lay = _dense_layout(r0, dense)
        if lay is None or not (arr[:, lay[0]] == lay[1]).all():
            return None
        if len(layouts) >= 8:
            layouts.clear()
        layouts[n0] = lay
    out = []
    for s, e, kind, shape in lay[2]:
        block = arr[:, s:e]
        if kind == 2:
            out.append(np.ascontiguousarray(block).view("<f4").reshape((len(recs),) + shape))
        else:
            if block.size and block.max() >= 0x80:
                return None
            out.append(block.astype(np.int64).reshape((len(recs),) + shape))
    return out


class _SinglePlan:
    """The single-record fast path for one dense spec (dense numeric features only).

    ``parse(rec)`` walks a canonical record once (``_canonical_features``) and remembers its
    *layout*: the byte spans holding tags, lengths and keys, and where each wanted feature's
    packed payload lies. A later record of the same length whose layout bytes are equal has
    the same wire structure (a walk only reads those bytes; payloads are skipped by length),
    so its features are read at the remembered offsets without walking it. Returns ``None``
    for anything else (missing keys, other layouts, wrong sizes; the general path runs).
    """

    __slots__ = ("feats", "layouts", "hits", "misses")

    def __init__(self, fast):
        self.feats = fast            # [(key bytes, kind, shape, size)]
        self.layouts = {}            # record length -> (ref bytes, layout spans, reads)
        self.hits = self.misses = 0

    def parse(self, rec):
        lay = self.layouts.get(len(rec))
        if lay is not None:
            ref, spans, reads = lay
            for a, b in spans:
                if rec[a:b] != ref[a:b]:
                    break
            else:
                self.hits += 1
                return _read_at(rec, reads)
        fmap = w._canonical_features(rec)
        if fmap is None:
            return None
        out = []
        for bkey, kind, shape, size in self.feats:
            entry = fmap.get(bkey)
            if entry is None or entry[0] != kind:
                return None
            try:
                v = w.decode(rec, kind, entry[1], entry[2])
            except (w.WireError, IndexError):
                return None
            if v.size != size:
                return None
            out.append(v.reshape(shape).copy() if kind == 2 else v.reshape(shape))
        self.misses += 1
        if self.misses < 64 or self.hits > self.misses:   # stop learning if layouts vary
            self._learn(rec, fmap)
        return tuple(out)

    def _learn(self, rec, fmap):
        payload = {}    # list start -> payload span, for single packed runs
        for kind, ls, le in fmap.values():
            if kind in (2, 3) and le - ls >= 2 and rec[ls] == 0x0A:
                n, pos = w.varint(rec, ls + 1)
                if pos + n == le:
                    payload[ls] = (pos, le)
        reads = []
        for bkey, kind, shape, size in self.feats:
            span = payload.get(fmap[bkey][1])
            if span is None or (kind == 2 and span[1] - span[0] != 4 * size):
                return
            reads.append((kind, span[0], span[1], shape, size))
        spans, at = [], 0
        for a, b in sorted(payload.values()):
            if a > at:
                spans.append((at, a))
            at = b
        if at < len(rec):
            spans.append((at, len(rec)))
        if len(self.layouts) >= 8:
            self.layouts.clear()
        self.layouts[len(rec)] = (rec, tuple(spans), tuple(reads))


def _read_at(rec, reads):
    """The wanted features of a record whose layout matched (same values as ``decode``)."""
    out = []
    for kind, a, b, shape, size in reads:
        if kind == 2:
            out.append(np.frombuffer(rec, "<f4", size, a).reshape(shape).copy())
            continue
        try:
            v = (np.array([rec[a]], np.int64) if b - a == 1
                 else w._varints(np.frombuffer(rec, np.uint8, b - a, a)))
        except (w.WireError, IndexError):
            return None
        if v.size != size:
            return None
        out.append(v.reshape(shape))
    return tuple(out)


def _keys(a):
    return [k.decode() if isinstance(k, bytes) else str(k) for k in a.reshape(-1)]


_SPECS = {}


def _dense_specs(dense_keys, Tdense, dense_shapes, dense_defaults):
    """``(dense, fast)``: ``[(key, kind, shape, default)]`` and the single-record fast plan
    (a ``_SinglePlan``, ``None`` when a feature needs the general path). Cached per constant
    key array (a traced parse passes the same key/default arrays every call)."""
    ent = _SPECS.get(id(dense_keys))
    if (ent is not None and ent[0] is dense_keys and (ent[1] is Tdense or ent[1] == Tdense)
            and (ent[2] is dense_shapes or ent[2] == dense_shapes)
            and len(ent[3]) == len(dense_defaults)
            and all(map(operator.is_, ent[3], dense_defaults))):
        return ent[4]
    dense = [(k, _KIND[_dt.as_dtype(t)], tuple(int(d) for d in s), d)
             for k, t, s, d in zip(_keys(dense_keys), Tdense, dense_shapes, dense_defaults)]
    fast = [(k.encode(), kind, shape, math.prod(shape)) for k, kind, shape, _ in dense]
    if any(kind == 1 or (shape and shape[0] == -1) for _, kind, shape, _ in fast):
        fast = None
    else:
        fast = _SinglePlan(fast)
    if len(_SPECS) > 64:
        _SPECS.clear()
    _SPECS[id(dense_keys)] = (dense_keys, Tdense, dense_shapes, list(dense_defaults),
                              (dense, fast))
    return dense, fast


def _parse_kernel(serialized, names, sparse_keys, dense_keys, ragged_keys, dense_defaults,
                  Tdense=(), dense_shapes=(), num_sparse=0, sparse_types=(),
                  ragged_value_types=(), ragged_split_types=(), ragged_partitions=(), **_):
    scalar = serialized.ndim == 0
    dense, fast_specs = _dense_specs(dense_keys, Tdense, dense_shapes, dense_defaults)
    if scalar and fast_specs is not None and not num_sparse and not len(ragged_keys):
        rec = serialized[()]
        if type(rec) is bytes:
            fast = fast_specs.parse(rec)
            if fast is not None:
                return fast
    batch_shape = () if scalar else (serialized.shape[0],)
    flat = serialized.reshape(-1).tolist()
    keys = _keys
    if not num_sparse and not len(ragged_keys):
        if len(flat) > 1:
            fast = _fast_dense(flat, dense)
            if fast is not None:
                return tuple(fast)
    recs = [r if isinstance(r, bytes) else bytes(r) for r in flat]
    maps = _decode_all(recs)
    sp_i, sp_v, sp_s = [], [], []
    for k, t in zip(keys(sparse_keys), sparse_types):
        i, v, s = _sparse(recs, maps, k, _KIND[_dt.as_dtype(t)], names, scalar)
        sp_i.append(i)
        sp_v.append(v)
        sp_s.append(s)
    dense_out = [_dense(recs, maps, k, kind, s, d, names, batch_shape) for k, kind, s, d in dense]
    rg_v, rg_s = [], []
    for k, t, st, parts in zip(keys(ragged_keys), ragged_value_types, ragged_split_types,
                               ragged_partitions):
        v, splits = _ragged(recs, maps, k, _KIND[_dt.as_dtype(t)], parts,
                            _dt.as_dtype(st).as_numpy_dtype, names, scalar)
        rg_v.append(v)
        rg_s.extend(splits)
    return tuple(sp_i + sp_v + sp_s + dense_out + rg_v + rg_s)


def _out_specs(attrs, batch):
    """(shape, dtype) of every output; ``batch`` is () for scalar input, (B,) otherwise."""
    ns, b1 = attrs["num_sparse"], len(batch)
    out = [((None, b1 + 1), _dt.int64)] * ns
    out += [((None,), _dt.as_dtype(t)) for t in attrs["sparse_types"]]
    out += [((b1 + 1,), _dt.int64)] * ns
    for t, s in zip(attrs["Tdense"], attrs["dense_shapes"]):
        s = tuple(None if d == -1 else int(d) for d in s)
        out.append((tuple(batch) + s, _dt.as_dtype(t)))
    out += [((None,), _dt.as_dtype(t)) for t in attrs["ragged_value_types"]]
    for st, parts in zip(attrs["ragged_split_types"], attrs["ragged_partitions"]):
        if b1:
            n = batch[0]
            out.append(((None if n is None else n + 1,), _dt.as_dtype(st)))
        out += [((None,), _dt.as_dtype(st))] * len(parts)
    return out


def serialized_batch_shape(ic):
    """Static batch shape of a parse op's ``serialized`` input: ``()`` or ``(n,)``."""
    shape = ic.shapes[0]
    if shape is None or len(shape) > 1:
        if shape is not None:
            raise ValueError(f"serialized must be a scalar or a vector, got shape {list(shape)}")
        shape = (None,)
    return tuple(shape)


def _parse_infer(ic):
    return _out_specs(ic.attrs, serialized_batch_shape(ic))


PARSE_EXAMPLE_V2 = defop(
    "ParseExampleV2", _parse_kernel,
    inputs=("serialized: string", "names: string", "sparse_keys: string", "dense_keys: string",
            "ragged_keys: string", "dense_defaults: list"),
    outputs=("output: num_outputs*T",), types={"T": ()},
    attrs={"Tdense": (), "dense_shapes": (), "num_sparse": 0, "sparse_types": (),
           "ragged_value_types": (), "ragged_split_types": (), "ragged_partitions": (),
           "num_outputs": 0},
    infer=_parse_infer, grad=NOT_DIFFERENTIABLE,
    doc="Parses serialized tf.train.Example protos (scalar or vector) into tensors.")


# ---- Python API ------------------------------------------------------------------------------

_ALLOWED = "float, int64, string"


def _check_dtype(dtype, attr):
    dt = _dt.as_dtype(dtype)
    if dt not in _KIND:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr '{attr}' of {dt.name} is not in the list of allowed "
            f"values: {_ALLOWED}")
    return dt


def _shape_tuple(shape):
    if shape is None:
        return ()
    if isinstance(shape, int):
        return (shape,)
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return tuple(int(d) for d in shape)


def _default_array(value, dt, shape, key):
    npdt = _NP[_KIND[dt]]
    if value is None:
        return np.zeros(0, npdt)
    if hasattr(value, "numpy"):
        value = value.numpy()
    if dt is _dt.string:
        a = np.empty(np.shape(value), object)
        a[...] = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s,
                              otypes=[object])(np.asarray(value, object)) if np.ndim(value) \
            else (value.encode() if isinstance(value, str) else value)
    else:
        a = np.asarray(value, npdt)
    size = math.prod(shape)
    if a.size != size:
        raise ValueError(f"Cannot reshape a tensor with {a.size} elements to shape "
                         f"{list(shape)} (default_value of feature {key!r}); give a default "
                         f"with the full shape {list(shape)} (scalars are not broadcast)")
    return a.reshape(shape)


class _Plan:
    """Feature specs split into the op's sparse/dense/ragged groups."""

    def __init__(self, features):
        if not features:
            raise ValueError("Missing: features was empty; give at least one feature spec")
        self.sparse, self.dense, self.ragged, self.sparse_features = [], [], [], []
        self.keys = list(features)
        self.op_inputs = None
        for key in sorted(features):
            spec = features[key]
            if isinstance(spec, VarLenFeature):
                self._add_sparse(key, spec.dtype)
            elif isinstance(spec, SparseFeature):
                keys = spec.index_key if isinstance(spec.index_key, (list, tuple)) \
                    else [spec.index_key]
                for ik in keys:
                    self._add_sparse(ik, _dt.int64)
                self._add_sparse(spec.value_key, spec.dtype)
                self.sparse_features.append((key, spec))
            elif isinstance(spec, FixedLenFeature):
                dt = _check_dtype(spec.dtype, "Tdense")
                shape = _shape_tuple(spec.shape)
                self.dense.append((key, dt, shape,
                                   _default_array(spec.default_value, dt, shape, key)))
            elif isinstance(spec, FixedLenSequenceFeature):
                if not spec.allow_missing:
                    raise ValueError("Unsupported: FixedLenSequenceFeature requires "
                                     "allow_missing to be True.")
                dt = _check_dtype(spec.dtype, "Tdense")
                dflt = (np.zeros(0, _NP[_KIND[dt]]) if spec.default_value is None
                        else _default_array(spec.default_value, dt, (), key))
                self.dense.append((key, dt, (-1,) + _shape_tuple(spec.shape), dflt))
            elif isinstance(spec, RaggedFeature):
                dt = _check_dtype(spec.dtype, "ragged_value_types")
                parts = []
                for p in spec.partitions:
                    kind = _PARTITION_KIND.get(type(p).__name__)
                    if kind is None:
                        raise TypeError(f"Unsupported partition {p!r} in RaggedFeature {key!r}")
                    parts.append((kind, str(p[0])))
                self.ragged.append((key, spec.value_key or key, dt, spec.row_splits_dtype,
                                    tuple(parts)))
            else:
                raise TypeError(f"Unsupported feature spec for {key!r}: {spec!r}; use "
                                "FixedLenFeature, VarLenFeature, FixedLenSequenceFeature, "
                                "SparseFeature or RaggedFeature")
        dense_keys = {d[0] for d in self.dense}
        sparse_keys = {s[0] for s in self.sparse}
        ragged_keys = {r[1] for r in self.ragged}
        if dense_keys & ragged_keys:
            raise ValueError(f"Dense and ragged keys must not intersect; dense_keys: "
                             f"{sorted(dense_keys)}, ragged_keys: {sorted(ragged_keys)}")
        if sparse_keys & ragged_keys:
            raise ValueError(f"Ragged and sparse keys must not intersect; ragged_keys: "
                             f"{sorted(ragged_keys)}, sparse_keys: {sorted(sparse_keys)}")

    def _add_sparse(self, key, dtype):
        dt = _check_dtype(dtype, "sparse_types")
        if all(k != key for k, _ in self.sparse):
            self.sparse.append((key, dt))


def _str_vec(items):
    a = np.empty(len(items), object)
    a[:] = [s.encode() for s in items]
    return EagerTensor(a)


def _op_inputs(plan):
    """The op's constant inputs and attrs for a plan (computed once per plan)."""
    attrs = {"Tdense": tuple(d[1] for d in plan.dense),
             "dense_shapes": tuple(d[2] for d in plan.dense),
             "num_sparse": len(plan.sparse), "sparse_types": tuple(s[1] for s in plan.sparse),
             "ragged_value_types": tuple(r[2] for r in plan.ragged),
             "ragged_split_types": tuple(r[3] for r in plan.ragged),
             "ragged_partitions": tuple(r[4] for r in plan.ragged)}
    keys = (_str_vec([s[0] for s in plan.sparse]), _str_vec([d[0] for d in plan.dense]),
            _str_vec([r[1] for r in plan.ragged]))
    defaults = [EagerTensor(d[3]) for d in plan.dense]
    return attrs, keys, defaults, _str_vec([])


def _run(plan, serialized, names):
    ser = serialized if isinstance(serialized, Tensor) else tensor(serialized,
                                                                   dtype_hint=_dt.string)
    if ser.dtype is not _dt.string:
        raise TypeError(f"serialized must be a string tensor, got {ser.dtype.name}")
    if plan.op_inputs is None:
        inputs = _op_inputs(plan)
        plan.attrs_by_rank = tuple(dict(inputs[0], num_outputs=len(_out_specs(inputs[0], b)))
                                   for b in ((), (None,)))
        plan.op_inputs = inputs
    _, keys, defaults, no_names = plan.op_inputs
    rank = ser.shape.rank
    attrs = dict(plan.attrs_by_rank[0 if rank == 0 else 1])
    names_t = no_names if names is None else tensor(names, dtype_hint=_dt.string)
    outs = execute(PARSE_EXAMPLE_V2, (ser, names_t) + keys + (defaults,), attrs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    return list(outs), rank == 0


def _assemble(plan, outs, scalar):
    if not plan.sparse and not plan.ragged:
        return {k: outs[i] for i, (k, *_) in enumerate(plan.dense)} if \
            len(plan.keys) == len(plan.dense) else {k: outs[[d[0] for d in plan.dense].index(k)]
                                                    for k in plan.keys}
    from tensorflux._src.ops.ragged_tensor import RaggedTensor
    from tensorflux._src.ops.sparse_tensor import SparseTensor

    ns = len(plan.sparse)
    result = {}
    sparse = {}
    for j, (k, _) in enumerate(plan.sparse):
        sparse[k] = SparseTensor(outs[j], outs[ns + j], outs[2 * ns + j])
    pos = 3 * ns
    for k, *_ in plan.dense:
        result[k] = outs[pos]
        pos += 1
    values = outs[pos:pos + len(plan.ragged)]
    pos += len(plan.ragged)
    for (k, _, _, _, parts), v in zip(plan.ragged, values):
        nsplits = len(parts) + (0 if scalar else 1)
        splits = outs[pos:pos + nsplits]
        pos += nsplits
        result[k] = RaggedTensor.from_nested_row_splits(v, splits, validate=False) \
            if splits else v
    for k, spec in plan.sparse_features:
        result[k] = _merge_sparse(sparse, spec, scalar)
    return {k: result[k] if k in result else sparse[k] for k in plan.keys}


def _idx_keys(spec):
    return list(spec.index_key) if isinstance(spec.index_key, (list, tuple)) else [spec.index_key]


def _merge_sparse(sparse, spec, scalar):
    """SparseFeature: indices from the index feature(s), values from the value feature."""
    from tensorflux._src.ops import array_ops
    from tensorflux._src.ops.sparse_tensor import SparseTensor

    vals = sparse[spec.value_key]
    idx = [sparse[k] for k in _idx_keys(spec)]
    sizes = list(spec.size) if isinstance(spec.size, (list, tuple)) else [spec.size]
    cols = [array_ops.reshape(s.values, [-1, 1]) for s in idx]
    if scalar:
        indices = array_ops.concat(cols, 1)
        shape = np.array(sizes, np.int64)
    else:
        rows = array_ops.reshape(vals.indices[:, 0], [-1, 1])
        indices = array_ops.concat([rows] + cols, 1)
        shape = array_ops.concat([vals.dense_shape[:1], np.array(sizes, np.int64)], 0)
    st = SparseTensor(indices, vals.values, shape)
    if not spec.already_sorted:
        from tensorflux._src.ops import sparse_ops

        st = sparse_ops.reorder(st)
    return st


_PLANS = {}


def _plan(features):
    """A cached ``_Plan`` for a features dict (specs are compared by value)."""
    try:
        key = tuple((k, type(v).__name__, repr(v)) for k, v in features.items())
    except AttributeError:
        raise TypeError(f"features must be a dict of feature specs, got {features!r}") from None
    plan = _PLANS.get(key)
    if plan is None:
        plan = _Plan(features)
        if len(_PLANS) > 256:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def parse_example(serialized, features, example_names=None, name=None):
    """Parses a batch (vector) of serialized ``Example`` protos (``tf.io.parse_example``)."""
    plan = _plan(features)
    outs, scalar = _run(plan, serialized, example_names)
    return _assemble(plan, outs, scalar)


def parse_single_example(serialized, features, example_names=None, name=None):
    """Parses one serialized ``Example`` (a scalar string) (``tf.io.parse_single_example``)."""
    plan = _plan(features)
    ser = serialized if isinstance(serialized, Tensor) else tensor(serialized,
                                                                   dtype_hint=_dt.string)
    if ser.shape.rank not in (0, None):
        raise ValueError(f"Input serialized must be a scalar; got shape {ser.shape}")
    outs, _ = _run(plan, ser, example_names)
    return _assemble(plan, outs, True)
