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
    def __init__(self, input_dataset, path):
        super().__init__(input_dataset, os.path.join(path, "snapshot"))


# --- save / load ------------------------------------------------------------------------
def _spec_to_json(spec):
    if isinstance(spec, dict):
        return {"dict": {k: _spec_to_json(v) for k, v in spec.items()}}
    if isinstance(spec, (tuple, list)):
        return {"tuple" if isinstance(spec, tuple) else "list": [_spec_to_json(s) for s in spec]}
    if isinstance(spec, TensorSpec):
        return {"tensor": {"shape": spec.shape.as_list() if spec.shape.rank is not None
                           else None, "dtype": spec.dtype.name}}
    raise TypeError(f"Dataset.save supports dense tensor elements only, got {spec}")


def _spec_from_json(j):
    if "dict" in j:
        return {k: _spec_from_json(v) for k, v in j["dict"].items()}
    if "tuple" in j:
        return tuple(_spec_from_json(v) for v in j["tuple"])
    if "list" in j:
        return [_spec_from_json(v) for v in j["list"]]
    t = j["tensor"]
    return TensorSpec(t["shape"], _dt.as_dtype(t["dtype"]))


def save(ds, path, compression=None):
    """Write every element of ``ds`` under directory ``path`` (``Dataset.save``)."""
    path = os.fspath(path)
    os.makedirs(path, exist_ok=True)
    spec_json = json.dumps(_spec_to_json(ds.element_spec))
    it = ds._make_it(ds._root_ctx())
    elems = []
    try:
        while True:
            elems.append(it.next())
    except StopIteration:
        pass
    finally:
        it.close()
    _write_file(os.path.join(path, "shard_00000" + _SUFFIX), elems)
    tmp = os.path.join(path, f".element_spec.json.tmp{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(spec_json)
    os.replace(tmp, os.path.join(path, "element_spec.json"))


def load(path, element_spec=None, compression=None):
    path = os.fspath(path)
    spec_file = os.path.join(path, "element_spec.json")
    if not os.path.exists(spec_file):
        raise errors.NotFoundError(None, None, f"No saved dataset found at {path!r} (missing "
                                               "element_spec.json); write one with "
                                               "Dataset.save.")
    with open(spec_file) as f:
        spec = _spec_from_json(json.load(f))
    if element_spec is not None:
        nest.assert_same_structure(spec, element_spec)
        spec = element_spec
    ncomp = len(structure.component_specs(spec))
    elems = []
    for name in sorted(os.listdir(path)):
        if name.startswith("shard_") and name.endswith(_SUFFIX):
            elems.extend(read_elements(os.path.join(path, name), ncomp))
    from tensorflux._src.data.dataset_ops import _ElementsDataset
    return _ElementsDataset(elems, spec)


__all__ = ["CacheDataset", "SnapshotDataset", "save", "load", "DatasetV2"]
