"""``tf.io.parse_sequence_example`` / ``parse_single_sequence_example``: ``ParseSequenceExampleV2``.

Context features reuse ``parsing_ops``' dense/sparse/ragged helpers on the context map of
``example_wire.sequence_example``; feature lists are decoded step by step here. Outputs follow
TensorFlow's op: context sparse (indices, values, shapes), context dense, context ragged
(values, splits), feature-list sparse, feature-list dense values and lengths, feature-list ragged
(values, outer splits, inner splits).
"""

import math

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor, Tensor
from tensorflux._src.io import example_wire as w
from tensorflux._src.io import parsing_ops as p
from tensorflux._src.ops.op_util import tensor

__all__ = ["parse_sequence_example", "parse_single_sequence_example"]


def _name(names, i):
    if names is not None and names.size:
        n = names.reshape(-1)[i]
        return n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
    return "<unknown>"


def _decode_seq(recs, names):
    ctx, lists = [], []
    for i, rec in enumerate(recs):
        try:
            c, fl = w.sequence_example(rec)
        except (w.WireError, IndexError):
            raise errors.InvalidArgumentError(
                None, None, f"Invalid protocol message input, example id: {_name(names, i)}; "
                "the bytes are not a serialized tf.train.SequenceExample") from None
        ctx.append(c)
        lists.append(fl)
    return ctx, lists


def _steps(recs, lists, i, key, kind, names):
    """Decoded values per step of feature list ``key`` in record ``i`` (None when absent)."""
    steps = lists[i].get(key.encode())
    if steps is None:
        return None
    out = []
    for k, s, e in steps:
        if k == 0:
            out.append(np.zeros(0, p._NP[kind]))
            continue
        if k != kind:
            raise errors.InvalidArgumentError(
                None, None, f"Name: {_name(names, i)}, Feature list: {key}, Index: {len(out)}.  "
                f"Data types don't match. Expected type: {w.KIND_NAMES[kind]}, got "
                f"{w.KIND_NAMES[k]}")
        try:
            out.append(w.decode(recs[i], k, s, e))
        except (w.WireError, IndexError):
            raise p._bad_proto(recs[i]) from None
    return out


def _fl_dense(recs, lists, key, kind, shape, allow_missing, names, scalar):
    per = math.prod(shape)
    rows, lens = [], []
    for i in range(len(recs)):
        steps = _steps(recs, lists, i, key, kind, names)
        if steps is None:
            if not allow_missing:
                raise errors.InvalidArgumentError(
                    None, None, f"Name: {_name(names, i)}, Feature list '{key}' is required "
                    "but could not be found.  Did you mean to include it in "
                    "feature_list_dense_missing_assumed_empty or feature_list_dense_defaults?")
            steps = []
        for v in steps:
            if v.size != per:
                raise errors.InvalidArgumentError(
                    None, None, f"Name: {_name(names, i)}, Key: {key}, Index: {i}.  Number of "
                    f"values != expected.  values size: {v.size} but output shape: "
                    f"{p._shape_str(shape)}")
        rows.append(steps)
        lens.append(len(steps))
    m = max(lens, default=0)
    out = np.empty((len(recs), m * per), p._NP[kind])
    out[...] = b"" if kind == 1 else 0
    for i, steps in enumerate(rows):
        if steps:
            out[i, :len(steps) * per] = np.concatenate(steps)
    out = out.reshape((len(recs), m) + tuple(shape))
    lens = np.array(lens, np.int64)
    return (out[0], lens[0]) if scalar else (out, lens)


def _fl_sparse(recs, lists, key, kind, names, scalar):
    idx, vals, nsteps, maxlen = [], [], 0, 0
    for i in range(len(recs)):
        steps = _steps(recs, lists, i, key, kind, names) or []
        nsteps = max(nsteps, len(steps))
        for t, v in enumerate(steps):
            maxlen = max(maxlen, v.size)
            j = np.arange(v.size, dtype=np.int64)
            cols = [np.full(v.size, t, np.int64), j]
            if not scalar:
                cols.insert(0, np.full(v.size, i, np.int64))
            idx.append(np.stack(cols, 1))
            vals.append(v)
    rank = 2 if scalar else 3
    indices = np.concatenate(idx) if idx else np.zeros((0, rank), np.int64)
    shape = [nsteps, maxlen] if scalar else [len(recs), nsteps, maxlen]
    return indices, p._concat(vals, kind), np.array(shape, np.int64)


def _fl_ragged(recs, lists, key, kind, split_dtype, names):
    vals, inner, outer = [], [0], [0]
    for i in range(len(recs)):
        steps = _steps(recs, lists, i, key, kind, names) or []
        for v in steps:
            vals.append(v)
            inner.append(inner[-1] + v.size)
        outer.append(outer[-1] + len(steps))
    return (p._concat(vals, kind), np.array(outer, split_dtype),
            np.array(inner, split_dtype))


def _keys(a):
    return [k.decode() if isinstance(k, bytes) else str(k) for k in a.reshape(-1)]


def _kernel(serialized, debug_name, context_sparse_keys, context_dense_keys,
            context_ragged_keys, feature_list_sparse_keys, feature_list_dense_keys,
            feature_list_ragged_keys, feature_list_dense_missing_assumed_empty,
            context_dense_defaults, context_sparse_types=(), Tcontext_dense=(),
            context_dense_shapes=(), context_ragged_value_types=(),
            context_ragged_split_types=(), context_ragged_partitions=(),
            feature_list_sparse_types=(), feature_list_dense_types=(),
            feature_list_dense_shapes=(), feature_list_ragged_value_types=(),
            feature_list_ragged_split_types=(), **_):
    scalar = serialized.ndim == 0
    batch_shape = () if scalar else (serialized.shape[0],)
    names = debug_name
    recs = [r if isinstance(r, bytes) else bytes(r) for r in serialized.reshape(-1)]
    ctx, lists = _decode_seq(recs, names)
    kind = lambda t: p._KIND[_dt.as_dtype(t)]  # noqa: E731
    out = [[], [], []]
    for k, t in zip(_keys(context_sparse_keys), context_sparse_types):
        for o, v in zip(out, p._sparse(recs, ctx, k, kind(t), names, scalar)):
            o.append(v)
    out = out[0] + out[1] + out[2]
    for k, t, s, d in zip(_keys(context_dense_keys), Tcontext_dense, context_dense_shapes,
                          context_dense_defaults):
        out.append(p._dense(recs, ctx, k, kind(t), tuple(int(x) for x in s), d, names,
                            batch_shape))
    rv, rs = [], []
    for k, t, st, parts in zip(_keys(context_ragged_keys), context_ragged_value_types,
                               context_ragged_split_types, context_ragged_partitions):
        v, splits = p._ragged(recs, ctx, k, kind(t), parts, _dt.as_dtype(st).np_dtype, names,
                              scalar)
        rv.append(v)
        rs.extend(splits)
    out += rv + rs
    fs = [[], [], []]
    for k, t in zip(_keys(feature_list_sparse_keys), feature_list_sparse_types):
        for o, v in zip(fs, _fl_sparse(recs, lists, k, kind(t), names, scalar)):
            o.append(v)
    out += fs[0] + fs[1] + fs[2]
    dv, dl = [], []
    for k, t, s, missing in zip(_keys(feature_list_dense_keys), feature_list_dense_types,
                                feature_list_dense_shapes,
                                feature_list_dense_missing_assumed_empty.reshape(-1)):
        v, n = _fl_dense(recs, lists, k, kind(t), tuple(int(x) for x in s), bool(missing),
                         names, scalar)
        dv.append(v)
        dl.append(n)
    out += dv + dl
    fv, fo, fi = [], [], []
    for k, t, st in zip(_keys(feature_list_ragged_keys), feature_list_ragged_value_types,
                        feature_list_ragged_split_types):
        v, o, i = _fl_ragged(recs, lists, k, kind(t), _dt.as_dtype(st).np_dtype, names)
        fv.append(v)
        fo.append(o)
        fi.append(i)
    return tuple(out + fv + fo + fi)


def _out_specs(a, batch):
    b1 = len(batch)
    n = None if not b1 else batch[0]
    ns = len(a["context_sparse_types"])
    out = [((None, b1 + 1), _dt.int64)] * ns
    out += [((None,), _dt.as_dtype(t)) for t in a["context_sparse_types"]]
    out += [((b1 + 1,), _dt.int64)] * ns
    for t, s in zip(a["Tcontext_dense"], a["context_dense_shapes"]):
        out.append((tuple(batch) + tuple(int(d) for d in s), _dt.as_dtype(t)))
    out += [((None,), _dt.as_dtype(t)) for t in a["context_ragged_value_types"]]
    for st, parts in zip(a["context_ragged_split_types"], a["context_ragged_partitions"]):
        if b1:
            out.append(((None if n is None else n + 1,), _dt.as_dtype(st)))
        out += [((None,), _dt.as_dtype(st))] * len(parts)
    nf = len(a["feature_list_sparse_types"])
    out += [((None, b1 + 2), _dt.int64)] * nf
    out += [((None,), _dt.as_dtype(t)) for t in a["feature_list_sparse_types"]]
    out += [((b1 + 2,), _dt.int64)] * nf
    for t, s in zip(a["feature_list_dense_types"], a["feature_list_dense_shapes"]):
        out.append((tuple(batch) + (None,) + tuple(int(d) for d in s), _dt.as_dtype(t)))
    out += [(tuple(batch), _dt.int64)] * len(a["feature_list_dense_types"])
    out += [((None,), _dt.as_dtype(t)) for t in a["feature_list_ragged_value_types"]]
    for st in a["feature_list_ragged_split_types"]:
        out.append(((None if n is None else n + 1,) if b1 else (2,), _dt.as_dtype(st)))
    out += [((None,), _dt.as_dtype(st)) for st in a["feature_list_ragged_split_types"]]
    return out


def _infer(ic):
    return _out_specs(ic.attrs, p.serialized_batch_shape(ic))


PARSE_SEQUENCE_EXAMPLE_V2 = defop(
    "ParseSequenceExampleV2", _kernel,
    inputs=("serialized: string", "debug_name: string", "context_sparse_keys: string",
            "context_dense_keys: string", "context_ragged_keys: string",
            "feature_list_sparse_keys: string", "feature_list_dense_keys: string",
            "feature_list_ragged_keys: string", "feature_list_dense_missing_assumed_empty: bool",
            "context_dense_defaults: list"),
    outputs=("output: num_outputs*T",), types={"T": ()},
    attrs={"context_sparse_types": (), "Tcontext_dense": (), "context_dense_shapes": (),
           "context_ragged_value_types": (), "context_ragged_split_types": (),
           "context_ragged_partitions": (), "feature_list_sparse_types": (),
           "feature_list_dense_types": (), "feature_list_dense_shapes": (),
           "feature_list_ragged_value_types": (), "feature_list_ragged_split_types": (),
           "num_outputs": 0},
    infer=_infer, grad=NOT_DIFFERENTIABLE,
    doc="Parses serialized tf.train.SequenceExample protos (scalar or vector) into tensors.")


# ---- Python API ------------------------------------------------------------------------------

class _SeqPlan:
    """Context specs (a parsing_ops plan) and feature-list specs split by kind."""

    def __init__(self, context_features, sequence_features):
        if not (context_features or sequence_features):
            raise ValueError("Both `context_features` and `sequence_features` argument are "
                             "None, but at least one should have values.")
        context_features = dict(context_features or {})
        for k, spec in context_features.items():
            if not isinstance(spec, (p.VarLenFeature, p.FixedLenFeature, p.RaggedFeature)):
                raise ValueError(f"Unsupported {type(spec).__name__} {spec!r} for key {k!r}; "
                                 "context features must be VarLenFeature, FixedLenFeature or "
                                 "RaggedFeature")
        self.ctx = p._Plan(context_features) if context_features else None
        self.ctx_keys = list(context_features)
        self.sparse, self.dense, self.ragged = [], [], []
        self.seq_keys = list(sequence_features or {})
        for k in sorted(sequence_features or {}):
            spec = sequence_features[k]
            if isinstance(spec, p.VarLenFeature):
                self.sparse.append((k, p._check_dtype(spec.dtype, "feature_list_sparse_types")))
            elif isinstance(spec, p.FixedLenSequenceFeature):
                if spec.default_value is not None:
                    raise ValueError(f"Value feature_list.dense_defaults[{k}] must be None")
                dt = p._check_dtype(spec.dtype, "feature_list_dense_types")
                self.dense.append((k, dt, p._shape_tuple(spec.shape), bool(spec.allow_missing)))
            elif isinstance(spec, p.RaggedFeature):
                if spec.partitions:
                    raise ValueError(f"RaggedFeature {k!r}: partitions are not supported for "
                                     "sequence features yet; parse the flat feature lists and "
                                     "build the RaggedTensor with tf.RaggedTensor.from_*")
                dt = p._check_dtype(spec.dtype, "feature_list_ragged_value_types")
                self.ragged.append((k, spec.value_key or k, dt, spec.row_splits_dtype))
            else:
                raise ValueError(f"Unsupported {type(spec).__name__} {spec!r} for key {k!r}; "
                                 "sequence features must be VarLenFeature, "
                                 "FixedLenSequenceFeature or RaggedFeature")
        self.op_inputs = None

    def inputs(self):
        if self.op_inputs is None:
            c = self.ctx
            ca, ck, cd, no_names = p._op_inputs(c) if c else ({}, (p._str_vec([]),) * 3, [],
                                                               p._str_vec([]))
            attrs = {"context_sparse_types": ca.get("sparse_types", ()),
                     "Tcontext_dense": ca.get("Tdense", ()),
                     "context_dense_shapes": ca.get("dense_shapes", ()),
                     "context_ragged_value_types": ca.get("ragged_value_types", ()),
                     "context_ragged_split_types": ca.get("ragged_split_types", ()),
                     "context_ragged_partitions": ca.get("ragged_partitions", ()),
                     "feature_list_sparse_types": tuple(s[1] for s in self.sparse),
                     "feature_list_dense_types": tuple(d[1] for d in self.dense),
                     "feature_list_dense_shapes": tuple(d[2] for d in self.dense),
                     "feature_list_ragged_value_types": tuple(r[2] for r in self.ragged),
                     "feature_list_ragged_split_types": tuple(r[3] for r in self.ragged)}
            fk = (p._str_vec([s[0] for s in self.sparse]), p._str_vec([d[0] for d in self.dense]),
                  p._str_vec([r[1] for r in self.ragged]))
            missing = EagerTensor(np.array([d[3] for d in self.dense], bool))
            self.op_inputs = attrs, ck + fk + (missing,), cd, no_names
        return self.op_inputs


_PLANS = {}


def _plan(context_features, sequence_features):
    try:
        key = tuple((k, type(v).__name__, repr(v)) for d in (context_features or {},
                                                              sequence_features or {})
                    for k, v in d.items()) + (len(context_features or {}),)
    except AttributeError:
        raise TypeError("context_features and sequence_features must be dicts of feature "
                        "specs") from None
    plan = _PLANS.get(key)
    if plan is None:
        plan = _SeqPlan(context_features, sequence_features)
        if len(_PLANS) > 256:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _run(plan, serialized, names, want_rank):
    ser = serialized if isinstance(serialized, Tensor) else tensor(serialized,
                                                                   dtype_hint=_dt.string)
    if ser.dtype is not _dt.string:
        raise TypeError(f"serialized must be a string tensor, got {ser.dtype.name}")
    rank = ser.shape.rank
    if rank is not None and rank != want_rank:
        what = "a scalar" if want_rank == 0 else "a vector (1-D)"
        fn = "parse_single_sequence_example" if want_rank == 0 else "parse_sequence_example"
        raise ValueError(f"{fn}: serialized must be {what}, got shape {ser.shape}")
    attrs, keys, defaults, no_names = plan.inputs()
    attrs = dict(attrs, num_outputs=len(_out_specs(attrs, () if want_rank == 0 else (None,))))
    names_t = no_names if names is None else tensor(names, dtype_hint=_dt.string)
    outs = execute(PARSE_SEQUENCE_EXAMPLE_V2, (ser, names_t) + keys + (defaults,), attrs)
    return list(outs) if isinstance(outs, tuple) else [outs]


def _assemble(plan, outs, scalar):
    from tensorflux._src.ops.ragged_tensor import RaggedTensor
    from tensorflux._src.ops.sparse_tensor import SparseTensor

    ctx = {}
    if plan.ctx is not None:
        c = plan.ctx
        n = 3 * len(c.sparse) + len(c.dense) + len(c.ragged) + sum(
            len(r[4]) + (0 if scalar else 1) for r in c.ragged)
        ctx = p._assemble(c, outs[:n], scalar)
        outs = outs[n:]
    ns = len(plan.sparse)
    seq = {}
    for j, (k, _) in enumerate(plan.sparse):
        seq[k] = SparseTensor(outs[j], outs[ns + j], outs[2 * ns + j])
    pos = 3 * ns
    nd = len(plan.dense)
    lengths = {}
    for j, (k, *_) in enumerate(plan.dense):
        seq[k] = outs[pos + j]
        lengths[k] = outs[pos + nd + j]
    pos += 2 * nd
    nr = len(plan.ragged)
    for j, (k, *_) in enumerate(plan.ragged):
        v, outer, inner = outs[pos + j], outs[pos + nr + j], outs[pos + 2 * nr + j]
        rt = RaggedTensor.from_row_splits(v, inner, validate=False)
        seq[k] = rt if scalar else RaggedTensor.from_row_splits(rt, outer, validate=False)
    return ctx, {k: seq[k] for k in plan.seq_keys}, lengths


def parse_sequence_example(serialized, context_features=None, sequence_features=None,
                           example_names=None, name=None):
    """Parses a vector of serialized ``SequenceExample`` protos
    (``tf.io.parse_sequence_example``); returns ``(context, feature_lists, lengths)``."""
    plan = _plan(context_features, sequence_features)
    return _assemble(plan, _run(plan, serialized, example_names, 1), False)


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """Parses one serialized ``SequenceExample`` (``tf.io.parse_single_sequence_example``);
    returns ``(context, feature_lists)``."""
    plan = _plan(context_features, sequence_features)
    ctx, seq, _ = _assemble(plan, _run(plan, serialized, example_name, 0), True)
    return ctx, seq
