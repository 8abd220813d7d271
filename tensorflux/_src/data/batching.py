"""Batching: batch, padded_batch, ragged_batch, unbatch, window, group_by_window, buckets."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.data import codec, composite, structure
from tensorflux._src.data.dataset_ops import DatasetSpec, DatasetV2, UnaryDataset, _int
from tensorflux._src.data.iterator_base import INFINITE, UNKNOWN
from tensorflux._src.data.sources import _ElementsDataset
from tensorflux._src.data.tracing import PythonFunction, TracedFunction
from tensorflux._src.data.transforms import _FnIt
from tensorflux._src.framework.function import TensorSpec


def _pull(inp, n):
    return inp.next_many(n)


def _stack(elems, k):
    col = [e[k] for e in elems]
    if all(type(c) is np.ndarray and c.ndim == 0 and c.dtype == object for c in col):
        vals = [c[()] for c in col]  # scalar strings: one fill instead of np.stack
        if all(type(v) is bytes for v in vals):
            out = np.empty(len(vals), object)
            out[:] = vals
            return out
    try:
        out = np.stack(col)
        return out.astype(object) if out.dtype.kind in "SU" else out
    except ValueError:
        s0 = np.shape(col[0])
        i = next(i for i, c in enumerate(col) if np.shape(c) != s0)
        raise errors.InvalidArgumentError(
            None, None, f"Cannot batch tensors with different shapes in component {k}. First "
            f"element had shape {list(s0)} and element {i} had shape "
            f"{list(np.shape(col[i]))}.") from None


class _BatchIt(_FnIt):
    def __init__(self, inp, n, drop, ncomp, strings=False, batcher=None):
        super().__init__(inp)
        self.n, self.drop, self.ncomp = n, drop, ncomp
        self.strings = strings  # elements are scalar strings: ask for raw records
        self.batcher = batcher  # composite (sparse/ragged) leaves, else None

    def next(self):
        if self.strings:
            recs = self.inp.next_records(self.n)
            if recs is not None:
                if not recs or (self.drop and len(recs) < self.n):
                    raise StopIteration
                out = np.empty(len(recs), object)
                out[:] = recs
                return (out,)
        elems = _pull(self.inp, self.n)
        if not elems or (self.drop and len(elems) < self.n):
            raise StopIteration
        if self.batcher is not None:
            return self.batcher(elems)
        return tuple(_stack(elems, k) for k in range(self.ncomp))


def _batch_card(inp, n, drop):
    c = inp._cardinality()
    if c < 0:
        return c
    return c // n if drop else -(-c // n)


class BatchDataset(UnaryDataset):
    _tf_stage = "BatchV2"

    def __init__(self, input_dataset, n, drop):
        super().__init__(input_dataset, structure.batch_spec(
            input_dataset.element_spec, n if drop else None))
        self._n, self._drop = n, drop
        self._ncomp = len(structure.component_specs(input_dataset.element_spec))

    def _make_it(self, ctx):
        from tensorflux._src.data.fused import fused_iterator
        it = fused_iterator(self, ctx)   # map + batch -> MapAndBatch (option on by default)
        if it is not None:
            return it
        spec = self._input.element_spec
        strings = (type(spec) is TensorSpec and spec.dtype is _dt.string
                   and spec.shape.rank == 0)
        batcher = None
        if not structure.is_dense(spec):
            batcher = composite.Batcher(composite.layout(spec), _stack)
        return _BatchIt(self._input._make_it(ctx), self._n, self._drop, self._ncomp, strings,
                        batcher)

    def _cardinality(self):
        return _batch_card(self._input, self._n, self._drop)


def _shape_list(s, spec):
    if s is None:
        return spec.shape.as_list() if spec.shape.rank is not None else None
    if hasattr(s, "numpy"):
        s = s.numpy().tolist()
    if isinstance(s, TensorShape):
        return s.as_list() if s.rank is not None else None
    return [None if (d is None or d == -1) else int(d) for d in s]


class _PaddedBatchIt(_FnIt):
    def __init__(self, inp, n, drop, shapes, pads):
        super().__init__(inp)
        self.n, self.drop, self.shapes, self.pads = n, drop, shapes, pads

    def next(self):
        elems = _pull(self.inp, self.n)
        if not elems or (self.drop and len(elems) < self.n):
            raise StopIteration
        out = []
        for k, (shape, pad) in enumerate(zip(self.shapes, self.pads)):
            col = [np.asarray(e[k]) for e in elems]
            rank = col[0].ndim
            target = [max(c.shape[d] for c in col) for d in range(rank)]
            if shape is not None:
                for d, want in enumerate(shape):
                    if want is not None:
                        if target[d] > want:
                            raise errors.InvalidArgumentError(
                                None, None, f"Attempted to pad to a smaller size than the "
                                f"input element: component {k} dimension {d} has size "
                                f"{target[d]} > padded size {want}.")
                        target[d] = want
            buf = np.full([len(col)] + target, pad, dtype=col[0].dtype)
            for i, c in enumerate(col):
                buf[(i,) + tuple(slice(0, m) for m in c.shape)] = c
            out.append(buf)
        return tuple(out)


class PaddedBatchDataset(UnaryDataset):
    _tf_stage = "PaddedBatchV2"

    def __init__(self, input_dataset, n, padded_shapes, padding_values, drop):
        spec = input_dataset.element_spec
        specs = structure.flat_specs(spec)
        for s in specs:
            if not isinstance(s, TensorSpec):
                raise TypeError("padded_batch supports dense tensors only.")
        if padded_shapes is None:
            shapes = [None] * len(specs)
            for s in specs:
                if s.shape.rank is None:
                    raise ValueError("You must provide `padded_shapes` argument because "
                                     "component has unknown rank.")
        else:
            shapes = _flatten_like(spec, padded_shapes, "padded_shapes")
            shapes = [_shape_list(s, sp) for s, sp in zip(shapes, specs)]
            for s, sp in zip(shapes, specs):
                if s is not None and sp.shape.rank is not None and len(s) != sp.shape.rank:
                    raise ValueError(f"The padded shape {s} is not compatible with the shape "
                                     f"{sp.shape} of the corresponding input component.")
        if padding_values is None:
            pads = [b"" if s.dtype is _dt.string else 0 for s in specs]
        else:
            pads = _flatten_like(spec, padding_values, "padding_values")
            pads = [p.numpy() if hasattr(p, "numpy") else p for p in pads]
        out_specs = []
        for s, shp in zip(specs, shapes):
            dims = s.shape.as_list()
            if shp is not None:
                dims = [w if w is not None else None for w in shp]
            else:
                dims = [d if d is not None else None for d in dims]
            out_specs.append(TensorSpec([n if drop else None] + dims, s.dtype))
        super().__init__(input_dataset, nest.pack_sequence_as(spec, out_specs))
        self._n, self._drop, self._shapes, self._pads = n, drop, shapes, pads

    def _make_it(self, ctx):
        return _PaddedBatchIt(self._input._make_it(ctx), self._n, self._drop, self._shapes,
                              self._pads)

    def _cardinality(self):
        return _batch_card(self._input, self._n, self._drop)


def _flatten_like(spec, value, name):
    """Flatten ``value`` to the structure of ``spec``; one value broadcasts to all leaves."""
    if not nest.is_nested(spec):
        return [value]
    if not nest.is_nested(value) or (isinstance(value, (list, tuple)) and
                                     all(isinstance(v, (int, type(None))) for v in value)
                                     and not isinstance(spec, (list, tuple))):
        return [value] * len(nest.flatten(spec))
    from tensorflux._src.data.structure import _flatten_up_to
    try:
        return _flatten_up_to(spec, value)
    except (TypeError, KeyError) as e:
        raise ValueError(f"The structure of `{name}` does not match the element structure "
                         f"{spec}: {e}") from None


class _RaggedBatchIt(_FnIt):
    def __init__(self, inp, n, drop, specs, splits_dt):
        super().__init__(inp)
        self.n, self.drop, self.specs, self.sdt = n, drop, specs, splits_dt

    def next(self):
        elems = _pull(self.inp, self.n)
        if not elems or (self.drop and len(elems) < self.n):
            raise StopIteration
        out = []
        for k, s in enumerate(self.specs):
            col = [np.asarray(e[k]) for e in elems]
            if s.shape.rank == 0 or all(c.shape == col[0].shape for c in col) and \
                    s.shape.is_fully_defined():
                out.append(np.stack(col))
                continue
            lens = np.array([c.shape[0] for c in col], self.sdt)
            splits = np.concatenate([[0], np.cumsum(lens)]).astype(self.sdt)
            out.extend([np.concatenate(col) if col else col, splits])
        return tuple(out)


class RaggedBatchDataset(UnaryDataset):
    def __init__(self, input_dataset, n, drop, splits_dtype):
        spec = input_dataset.element_spec
        specs = structure.flat_specs(spec)
        out = []
        for s in specs:
            if not isinstance(s, TensorSpec):
                raise TypeError("ragged_batch supports dense tensor elements only.")
            if s.shape.rank == 0 or s.shape.is_fully_defined():
                out.append(TensorSpec([n if drop else None] + s.shape.as_list(), s.dtype))
            else:
                if s.shape.rank is None or any(d is None for d in s.shape.as_list()[1:]):
                    raise ValueError("ragged_batch supports elements whose only unknown "
                                     "dimension is the first one.")
                out.append(structure.RaggedTensorSpec(
                    [n if drop else None] + s.shape.as_list(), s.dtype, 1, splits_dtype))
        super().__init__(input_dataset, nest.pack_sequence_as(spec, out))
        self._args = (n, drop, specs, splits_dtype.np_dtype)

    def _make_it(self, ctx):
        return _RaggedBatchIt(self._input._make_it(ctx), *self._args)

    def _cardinality(self):
        return _batch_card(self._input, self._args[0], self._args[1])


class _UnbatchIt(_FnIt):
    def __init__(self, inp, lay):
        super().__init__(inp)
        self.lay = lay
        self.cur, self.rows, self.i, self.n = None, None, 0, 0

    def next(self):
        while self.i >= self.n:
            self.cur = self.inp.next()
            self.rows = composite.Slicer(self.lay, self.cur)
            self.n, self.i = self.rows.n, 0
        i = self.i
        self.i += 1
        return self.rows.row(i)

    def save(self):
        st = {"in": self.inp.save(), "i": self.i, "n": self.n}
        if self.cur is not None:
            st["cur"] = codec.pack_elements([self.cur])
        return st

    def restore(self, st):
        self.inp.restore(st["in"])
        self.i, self.n = int(st["i"]), int(st["n"])
        self.cur = codec.unpack_elements(st["cur"])[0] if "cur" in st else None
        self.rows = composite.Slicer(self.lay, self.cur) if self.cur is not None else None


class UnbatchDataset(UnaryDataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset, structure.unbatch_spec(input_dataset.element_spec))

    def _make_it(self, ctx):
        return _UnbatchIt(self._input._make_it(ctx),
                          composite.layout(self._input.element_spec))

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        # as TF: known when every component has the same static batch size
        firsts = {s.shape.as_list()[0] if s.shape.rank else None
                  for s in structure.flat_specs(self._input.element_spec)}
        k = firsts.pop() if len(firsts) == 1 else None
        return n * k if k is not None else (0 if n == 0 else UNKNOWN)


# --- window -----------------------------------------------------------------------------
class _WindowIt(_FnIt):
    def __init__(self, inp, size, shift, stride, drop, specs, spec):
        super().__init__(inp)
        self.size, self.shift, self.stride, self.drop = size, shift, stride, drop
        self.specs, self.spec = specs, spec
        self.buf = []          # upcoming input elements
        self.done = False
        self.skip = 0          # inputs to drop before the next window starts

    def next(self):
        need = (self.size - 1) * self.stride + 1
        while True:
            while self.skip and not self.done:
                try:
                    if self.buf:
                        self.buf.pop(0)
                    else:
                        self.inp.next()
                    self.skip -= 1
                except StopIteration:
                    self.done = True
            while len(self.buf) < need and not self.done:
                try:
                    self.buf.append(self.inp.next())
                except StopIteration:
                    self.done = True
            win = self.buf[:need:self.stride]
            if not win or (self.drop and len(win) < self.size):
                raise StopIteration
            drop_now = min(self.shift, len(self.buf))
            self.buf = self.buf[drop_now:]
            self.skip = self.shift - drop_now
            if self.done and not self.buf and self.skip == 0 and len(win) == 0:
                raise StopIteration
            return self._emit(win)

    def _emit(self, win):
        out, k = [], 0
        for s in self.specs:
            comps = [(e[k],) for e in win]
            out.append(_ElementsDataset(comps, s))
            k += 1
        return tuple(out)

    def save(self):
        return {"in": self.inp.save(), "buf": codec.pack_elements(self.buf),
                "done": int(self.done), "skip": self.skip}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.buf = codec.unpack_elements(st["buf"])
        self.done, self.skip = bool(st["done"]), int(st["skip"])


class WindowDataset(UnaryDataset):
    def __init__(self, input_dataset, size, shift, stride, drop):
        spec = input_dataset.element_spec
        specs = structure.flat_specs(spec)
        if not structure.is_dense(spec):
            raise TypeError("window supports dense tensor elements only.")
        super().__init__(input_dataset, nest.pack_sequence_as(
            spec, [DatasetSpec(s) for s in specs]))
        self._args = (size, shift, stride, drop, specs, spec)

    def _make_it(self, ctx):
        return _WindowIt(self._input._make_it(ctx), *self._args)

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        size, shift, stride, drop = self._args[:4]
        if drop:
            need = (size - 1) * stride + 1
            return 0 if c < need else (c - need) // shift + 1
        return -(-c // shift)


# --- group_by_window --------------------------------------------------------------------
class _GroupIt(_FnIt):
    def __init__(self, inp, key_fn, reduce_fn, size_fn, ctx, spec):
        super().__init__(inp)
        self.key_fn, self.reduce_fn, self.size_fn, self.ctx = key_fn, reduce_fn, size_fn, ctx
        self.groups = {}      # key -> list of elements (insertion order kept)
        self.sizes = {}
        self.cur = None
        self.flushing = False
        self.spec = spec

    def _window(self, key, elems):
        from tensorflux._src.framework.tensor import EagerTensor
        ds = _ElementsDataset(elems, self.spec)
        out = self.reduce_fn.fn(EagerTensor(np.int64(key)), ds)
        if not isinstance(out, DatasetV2):
            raise TypeError("`reduce_func` must return a `tf.data.Dataset` object.")
        return out._make_it(self.ctx)

    def next(self):
        while True:
            if self.cur is not None:
                try:
                    return self.cur.next()
                except StopIteration:
                    self.cur.close()
                    self.cur = None
            if self.flushing:
                if not self.groups:
                    raise StopIteration
                k = min(self.groups)    # TensorFlow flushes in key order (a std::map)
                self.cur = self._window(k, self.groups.pop(k))
                continue
            try:
                e = self.inp.next()
            except StopIteration:
                self.flushing = True
                continue
            k = int(np.asarray(self.key_fn(e)[0]))
            if k not in self.sizes:
                self.sizes[k] = (int(np.asarray(self.size_fn(
                    (np.int64(k),))[0])) if self.size_fn is not None else None)
            g = self.groups.setdefault(k, [])
            g.append(e)
            size = self.sizes[k] if self.size_fn is not None else self.window_size
            if len(g) >= size:
                self.cur = self._window(k, self.groups.pop(k))

    def save(self):
        if self.cur is not None:
            raise errors.UnimplementedError(
                None, None, "Saving a group_by_window iterator in the middle of a reduced "
                "window is not supported; save between windows.")
        st = {"in": self.inp.save(), "flush": int(self.flushing), "keys": np.array(
            list(self.groups), np.int64)}
        for k, g in self.groups.items():
            st[f"g{k}"] = codec.pack_elements(g)
        return st

    def restore(self, st):
        self.inp.restore(st["in"])
        self.flushing = bool(st["flush"])
        self.groups = {int(k): codec.unpack_elements(st[f"g{int(k)}"]) for k in st["keys"]}


class GroupByWindowDataset(UnaryDataset):
    def __init__(self, input_dataset, key_func, reduce_func, window_size, window_size_func):
        spec = input_dataset.element_spec
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` "
                             "argument must be specified.")
        self._key = TracedFunction(key_func, spec, "key_func")
        ks = self._key.output_spec
        if not (isinstance(ks, TensorSpec) and ks.dtype is _dt.int64 and ks.shape.rank == 0):
            raise ValueError(f"Invalid `key_func`. `key_func` must return a single tf.int64 "
                             f"scalar tensor but its return type is {ks}.")
        self._size_fn = (TracedFunction(window_size_func, TensorSpec([], _dt.int64),
                                        "window_size_func") if window_size_func else None)
        self._window_size = None if window_size is None else _int(window_size, "window_size")
        self._reduce = PythonFunction(reduce_func, None, "reduce_func")
        super().__init__(input_dataset, None)
        self._spec = self._probe(spec)

    def _probe(self, spec):
        from tensorflux._src.data.iterator_base import Ctx
        from tensorflux._src.framework.tensor import EagerTensor
        it = self._input._make_it(Ctx(None))
        try:
            e = it.next()
        except StopIteration:
            return None
        finally:
            it.close()
        return self._reduce.fn(EagerTensor(np.int64(0)),
                               _ElementsDataset([e], spec)).element_spec

    def _make_it(self, ctx):
        it = _GroupIt(self._input._make_it(ctx), self._key, self._reduce, self._size_fn, ctx,
                      self._input.element_spec)
        it.window_size = self._window_size
        return it

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


def bucket_by_sequence_length(ds, element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes=None, padding_values=None,
                              pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    """TensorFlow's bucketing: group by length bucket, then (padded) batch each bucket."""
    boundaries = [int(b) for b in bucket_boundaries]
    sizes = [int(b) for b in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise ValueError(f"len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1 but "
                         f"len(bucket_batch_sizes)={len(sizes)} and "
                         f"len(bucket_boundaries)={len(boundaries)}")
    if boundaries != sorted(boundaries):
        raise ValueError("bucket_boundaries must be sorted in increasing order.")
    length_fn = TracedFunction(element_length_func, ds.element_spec, "element_length_func")
    lo = np.array([np.iinfo(np.int32).min] + boundaries, np.int64)
    hi = np.array(boundaries + [np.iinfo(np.int32).max], np.int64)
    sizes_arr = np.array(sizes, np.int64)
    spec = ds.element_spec
    flat = structure.flat_specs(spec)
    pads = ([None] * len(flat) if padded_shapes is None
            else _flatten_like(spec, padded_shapes, "padded_shapes"))
    base_shapes = [_shape_list(p, s) or [] for s, p in zip(flat, pads)]

    def key_of(comps):
        n = int(np.asarray(length_fn(comps)[0]))
        return (np.int64(np.argmax((lo <= n) & (n < hi))),)

    def size_of(comps):
        return (sizes_arr[int(comps[0])],)

    def reduce_func(key, window):
        if no_padding:
            return window.batch(int(sizes_arr[int(key.numpy())]), drop_remainder=drop_remainder)
        shapes = padded_shapes
        if pad_to_bucket_boundary:   # as TF: every unknown dimension -> boundary - 1
            k = int(key.numpy())
            if k >= len(boundaries):
                raise errors.InvalidArgumentError(
                    None, None, "When pad_to_bucket_boundary=True, elements must have length "
                    "< max(bucket_boundaries).")
            shapes = [[boundaries[k] - 1 if d is None else d for d in dims]
                      for dims in base_shapes]
            shapes = nest.pack_sequence_as(spec, shapes)
        return window.padded_batch(int(sizes_arr[int(key.numpy())]), shapes, padding_values,
                                   drop_remainder=drop_remainder)

    g = GroupByWindowDataset.__new__(GroupByWindowDataset)
    g._key = _PyKey(key_of)
    g._size_fn = _PyKey(size_of)
    g._window_size = None
    g._reduce = PythonFunction(reduce_func, None, "reduce_func")
    UnaryDataset.__init__(g, ds, None)
    # TF's static spec: [None] + the padded shapes (unknown where padding is data-dependent)
    g._spec = nest.pack_sequence_as(spec, [
        TensorSpec([None] + (dims if no_padding or not pad_to_bucket_boundary
                             else [None] * len(dims)), s.dtype)
        for s, dims in zip(structure.flat_specs(spec), base_shapes)])
    return g


class _PyKey:
    """A key/size function already expressed on component arrays."""

    def __init__(self, f):
        self.f = f

    def __call__(self, comps):
        return self.f(comps)


__all__ = ["BatchDataset", "PaddedBatchDataset", "RaggedBatchDataset", "UnbatchDataset",
           "WindowDataset", "GroupByWindowDataset", "bucket_by_sequence_length", "UNKNOWN",
           "SparseBatchDataset"]


# --- sparse_batch (tf.data.experimental.dense_to_sparse_batch) ---------------------------
class _SparseBatchIt(_FnIt):
    def __init__(self, inp, n, row_shape):
        super().__init__(inp)
        self.n, self.row = n, row_shape

    def next(self):
        elems = _pull(self.inp, self.n)
        if not elems:
            raise StopIteration
        vals = [np.asarray(e[0]) for e in elems]
        shape = []
        for d, want in enumerate(self.row):
            big = max(v.shape[d] for v in vals)
            if want >= 0 and big > want:
                bad = next(list(v.shape) for v in vals if v.shape[d] == big)
                raise errors.InvalidArgumentError(
                    None, None, f"Input element had shape {bad} that exceeds the row shape "
                    f"{list(self.row)} in dimension {d}; make row_shape at least as large as "
                    "every element (or -1 to use the largest).")
            shape.append(big if want < 0 else want)
        rank = len(self.row)
        ind = [np.concatenate([np.full((v.size, 1), i, np.int64),
                               np.indices(v.shape).reshape(rank, -1).T.astype(np.int64)], 1)
               for i, v in enumerate(vals)]
        return (np.concatenate(ind), np.concatenate([v.reshape(-1) for v in vals]),
                np.array([len(vals)] + shape, np.int64))


class SparseBatchDataset(UnaryDataset):
    _tf_stage = "DenseToSparseBatch"

    def __init__(self, input_dataset, n, row_shape):
        spec = input_dataset.element_spec
        if not isinstance(spec, TensorSpec):
            raise TypeError(f"sparse_batch() needs elements that are single dense tensors, "
                            f"got {spec}.")
        if hasattr(row_shape, "numpy"):
            row_shape = row_shape.numpy().tolist()
        if isinstance(row_shape, TensorShape):
            row_shape = [-1 if d is None else d for d in row_shape.as_list()]
        row = [-1 if d is None else int(d) for d in row_shape]
        if spec.shape.rank is not None and spec.shape.rank != len(row):
            raise errors.InvalidArgumentError(
                None, None, f"Input element has rank {spec.shape.rank} but row_shape "
                f"{row} has rank {len(row)}; they must be equal.")
        super().__init__(input_dataset, structure.SparseTensorSpec(
            [None] + [None if d < 0 else d for d in row], spec.dtype))
        self._n, self._row = n, row

    def _make_it(self, ctx):
        return _SparseBatchIt(self._input._make_it(ctx), self._n, self._row)

    def _cardinality(self):
        return _batch_card(self._input, self._n, False)
