"""cache (memory and file), save/load and snapshot.

Files use tensorflux's own pickle-free format (not TensorFlow's snapshot/tensor-bundle
format): a sequence of frames ``<u64 length><codec.encode(component)>``; ``save`` adds an
``element_spec.json``. Whole files are written atomically.
"""

from __future__ import annotations

import json
import os
import struct

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.data import codec, structure
from tensorflux._src.data.dataset_ops import DatasetV2, UnaryDataset
from tensorflux._src.data.iterator_base import It, ListIt
from tensorflux._src.framework.function import TensorSpec

_SUFFIX = ".tfxcache"


def _write_elem(f, e):
    for c in e:
        b = codec.encode(c)
        f.write(struct.pack("<Q", len(b)))
        f.write(b)


def read_elements(path, ncomp):
    out = []
    if path.endswith(".gz"):
        import gzip
        try:
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (OSError, EOFError) as e:
            raise errors.DataLossError(None, None, f"Corrupted GZIP file {path}: {e}") from None
    else:
        with open(path, "rb") as f:
            data = f.read()
    pos, cur = 0, []
    while pos < len(data):
        if pos + 8 > len(data):
            raise errors.DataLossError(None, None, f"Truncated cache/snapshot file {path}")
        (n,) = struct.unpack_from("<Q", data, pos)
        cur.append(codec.decode(data[pos + 8:pos + 8 + n]))
        pos += 8 + n
        if len(cur) == ncomp:
            out.append(tuple(cur))
            cur = []
    if cur:
        raise errors.DataLossError(None, None, f"Truncated cache/snapshot file {path}")
    return out


class _CacheIt(It):
    """Reads the finished cache, or passes the input through while recording it."""

    def __init__(self, ds, ctx):
        self.ds, self.ctx = ds, ctx
        self.reader = None
        self.inp = None
        self.partial = []
        self._start()

    def _start(self):
        elems = self.ds._load()
        if elems is not None:
            self.reader = ListIt(elems)
        else:
            self.inp = self.ds._input._make_it(self.ctx)

    def next(self):
        if self.reader is not None:
            return self.reader.next()
        try:
            e = self.inp.next()
        except StopIteration:
            self.ds._store(self.partial)
            self.partial = []
            self.reader = ListIt([])
            raise
        self.partial.append(e)
        return e

    def save(self):
        if self.reader is not None:
            return {"mode": 1, "r": self.reader.save()}
        return {"mode": 0, "in": self.inp.save(), "part": codec.pack_elements(self.partial)}

    def restore(self, st):
        if int(st["mode"]) == 1:
            elems = self.ds._load()
            if elems is None:
                raise errors.FailedPreconditionError(
                    None, None, "The cache this iterator was reading is gone.")
            self.reader, self.inp = ListIt(elems), None
            self.reader.restore(st["r"])
        else:
            self.reader = None
            if self.inp is None:
                self.inp = self.ds._input._make_it(self.ctx)
            self.inp.restore(st["in"])
            self.partial = codec.unpack_elements(st["part"])

    def close(self):
        if self.inp is not None:
            self.inp.close()


class CacheDataset(UnaryDataset):
    def __init__(self, input_dataset, filename):
        super().__init__(input_dataset)
        self._filename = filename
        self._mem = None
        self._ncomp = len(structure.component_specs(self.element_spec))

    def _path(self):
        return self._filename + _SUFFIX

    def _load(self):
        if not self._filename:
            return self._mem
        if os.path.exists(self._path()):
            return read_elements(self._path(), self._ncomp)
        return None

    def _store(self, elems):
        if not self._filename:
            self._mem = elems
            return
        _write_file(self._path(), elems)

    @property
    def _tf_stage(self):
        return "Cache" if self._filename else "MemoryCache"

    def _make_it(self, ctx):
        return _CacheIt(self, ctx)


def _write_file(path, elems):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, f".{os.path.basename(path)}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        for e in elems:
            _write_elem(f, e)
    os.replace(tmp, path)


class SnapshotDataset(CacheDataset):
    _tf_stage = "Snapshot"

    def __init__(self, input_dataset, path):
        super().__init__(input_dataset, os.path.join(path, "snapshot"))


# --- save / load ------------------------------------------------------------------------
_COMPRESSIONS = {None: "", "": "", "GZIP": ".gz"}


def _spec_to_json(spec):
    if isinstance(spec, dict):
        return {"dict": {k: _spec_to_json(v) for k, v in spec.items()}}
    if isinstance(spec, (tuple, list)):
        return {"tuple" if isinstance(spec, tuple) else "list": [_spec_to_json(s) for s in spec]}
    shape = spec.shape.as_list() if spec.shape.rank is not None else None
    if isinstance(spec, TensorSpec):
        return {"tensor": {"shape": shape, "dtype": spec.dtype.name}}
    if isinstance(spec, structure.SparseTensorSpec):
        return {"sparse": {"shape": shape, "dtype": spec.dtype.name}}
    if isinstance(spec, structure.RaggedTensorSpec):
        return {"ragged": {"shape": shape, "dtype": spec.dtype.name,
                           "ragged_rank": spec.ragged_rank,
                           "row_splits_dtype": spec.row_splits_dtype.name}}
    raise TypeError(f"Dataset.save supports tensor, SparseTensor and RaggedTensor elements, "
                    f"got {spec}")


def _spec_from_json(j):
    if "dict" in j:
        return {k: _spec_from_json(v) for k, v in j["dict"].items()}
    if "tuple" in j:
        return tuple(_spec_from_json(v) for v in j["tuple"])
    if "list" in j:
        return [_spec_from_json(v) for v in j["list"]]
    if "sparse" in j:
        t = j["sparse"]
        return structure.SparseTensorSpec(t["shape"], _dt.as_dtype(t["dtype"]))
    if "ragged" in j:
        t = j["ragged"]
        return structure.RaggedTensorSpec(t["shape"], _dt.as_dtype(t["dtype"]),
                                          t["ragged_rank"], _dt.as_dtype(t["row_splits_dtype"]))
    t = j["tensor"]
    return TensorSpec(t["shape"], _dt.as_dtype(t["dtype"]))


def _compression(c):
    c = None if c is None else str(c).upper()
    if c == "SNAPPY":
        raise errors.UnimplementedError(None, None, "SNAPPY compression is not available in "
                                                    "tensorflux; use compression='GZIP'.")
    if c not in _COMPRESSIONS:
        raise errors.InvalidArgumentError(None, None, f"Compression type {c!r} is not "
                                                      "supported; use None or 'GZIP'.")
    return c or None


def _shard_fn(ds, shard_func):
    from tensorflux._src.data.tracing import TracedFunction
    fn = TracedFunction(shard_func, ds.element_spec, "shard_func")
    s = fn.output_spec
    if not (isinstance(s, TensorSpec) and s.dtype is _dt.int64 and s.shape.rank == 0):
        raise ValueError(f"shard_func must return a 0-dimension tensor containing an int64, "
                         f"got {s}.")
    return fn


def save(ds, path, compression=None, shard_func=None):
    """Write every element of ``ds`` under directory ``path`` (``Dataset.save``): one file per
    shard id (``shard_func(*element)``, default 0), streamed, GZIP-compressed if asked."""
    import gzip
    path = os.fspath(path)
    comp = _compression(compression)
    spec_json = _spec_to_json(ds.element_spec)
    shard_of = _shard_fn(ds, shard_func) if shard_func is not None else None
    os.makedirs(path, exist_ok=True)
    files, count = {}, 0
    it = ds._make_it(ds._root_ctx())
    try:
        while True:
            try:
                e = it.next()
            except StopIteration:
                break
            k = int(shard_of(e)[0]) if shard_of is not None else 0
            if k < 0:
                raise errors.InvalidArgumentError(
                    None, None, f"shard_func returned a negative shard id {k}; ids must be >= 0.")
            if k not in files:
                name = f"shard_{k:05d}{_SUFFIX}{_COMPRESSIONS[comp]}"
                tmp = os.path.join(path, f".{name}.tmp{os.getpid()}")
                files[k] = (name, tmp, gzip.open(tmp, "wb", compresslevel=6) if comp
                            else open(tmp, "wb"))
            _write_elem(files[k][2], e)
            count += 1
        for name in os.listdir(path):       # shards of an earlier save to the same path
            if name.startswith("shard_") and _SUFFIX in name:
                os.remove(os.path.join(path, name))
        for name, tmp, f in files.values():
            f.close()
            os.replace(tmp, os.path.join(path, name))
    finally:
        it.close()
        for _, tmp, f in files.values():
            f.close()
            if os.path.exists(tmp):
                os.remove(tmp)
    meta = json.dumps({"element_spec": spec_json, "compression": comp,
                       "num_elements": count, "num_shards": len(files)})
    tmp = os.path.join(path, f".dataset_spec.json.tmp{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(meta)
    os.replace(tmp, os.path.join(path, "dataset_spec.json"))


class _ShardFileIt(It):
    def __init__(self, paths, ncomp):
        self.paths, self.ncomp, self.k = paths, ncomp, 0
        self.cur = None

    def next(self):
        while True:
            if self.cur is None:
                if self.k >= len(self.paths):
                    raise StopIteration
                self.cur = ListIt(read_elements(self.paths[self.k], self.ncomp))
            try:
                return self.cur.next()
            except StopIteration:
                self.cur = None
                self.k += 1

    def save(self):
        return {"k": self.k, "i": self.cur.i if self.cur is not None else 0}

    def restore(self, st):
        self.k, self.cur = int(st["k"]), None
        if self.k < len(self.paths):
            self.cur = ListIt(read_elements(self.paths[self.k], self.ncomp))
            self.cur.restore({"i": st["i"]})


class _LoadDataset(DatasetV2):
    """The shard files of a saved dataset, read lazily (one or all of them)."""

    _tf_stage = "Load"

    def __init__(self, paths, spec, count):
        self._paths, self._spec, self._count = paths, spec, count

    def _make_it(self, ctx):
        return _ShardFileIt(self._paths, len(structure.component_specs(self._spec)))

    def _cardinality(self):
        return self._count


def load(path, element_spec=None, compression=None, reader_func=None):
    """A dataset written by ``save``; ``reader_func(datasets)`` gets a dataset of the
    per-shard datasets (default: the shards one after another, in shard-id order)."""
    path = os.fspath(path)
    _compression(compression)   # validated; the files say how they were written
    meta_file = os.path.join(path, "dataset_spec.json")
    if not os.path.exists(meta_file):
        raise errors.NotFoundError(None, None, f"No saved dataset found at {path!r} (missing "
                                               "dataset_spec.json); write one with "
                                               "Dataset.save.")
    with open(meta_file) as f:
        meta = json.load(f)
    spec = _spec_from_json(meta["element_spec"])
    if element_spec is not None:
        nest.assert_same_structure(spec, element_spec)
        spec = element_spec
    shards = sorted(n for n in os.listdir(path) if n.startswith("shard_") and _SUFFIX in n)
    paths = [os.path.join(path, n) for n in shards]
    if reader_func is None:
        return _LoadDataset(paths, spec, int(meta["num_elements"]))
    from tensorflux._src.data.dataset_ops import DatasetSpec
    from tensorflux._src.data.sources import _ElementsDataset
    shard_ds = [(_LoadDataset([p], spec, -2),) for p in paths]
    out = reader_func(_ElementsDataset(shard_ds, DatasetSpec(spec)))
    if not isinstance(out, DatasetV2):
        raise TypeError(f"`reader_func` must return a `tf.data.Dataset`, got "
                        f"{type(out).__name__}.")
    return out


__all__ = ["CacheDataset", "SnapshotDataset", "save", "load", "DatasetV2"]
