"""``tf.data.Dataset``: the base class, sources and element-wise transformations."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.data import codec, structure
from tensorflux._src.data.iterator_base import AUTOTUNE, INFINITE, UNKNOWN, Ctx, It, ListIt
from tensorflux._src.data.tracing import PythonFunction, TracedFunction
from tensorflux._src.framework.function import TensorSpec


def _int(x, name):
    if hasattr(x, "numpy"):
        x = x.numpy()
    try:
        v = int(x)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be an integer scalar, got {x!r}") from None
    if np.ndim(x) != 0:
        raise ValueError(f"`{name}` must be a scalar, got shape {np.shape(x)}")
    return v


class DatasetSpec:
    """Type of a dataset element (``tf.data.DatasetSpec``), e.g. the windows of ``window``."""

    n_components = 1

    def __init__(self, element_spec):
        self.element_spec = element_spec

    def component_specs(self):
        raise TypeError("A function over dataset-valued elements cannot be traced; use "
                        "flat_map or interleave.")

    def from_components(self, comps):
        return comps[0]

    def __eq__(self, other):
        return type(other) is DatasetSpec and other.element_spec == self.element_spec

    def __hash__(self):
        return hash(("ds", repr(self.element_spec)))

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape([]))"


class DatasetV2:
    """A potentially large set of elements (``tf.data.Dataset``).

    Example:
        >>> ds = tf.data.Dataset.range(5).map(lambda x: x * 2).batch(2)
        >>> [b.tolist() for b in ds.as_numpy_iterator()]
        [[0, 2], [4, 6], [8]]
    """

    _inputs: tuple = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "_make_it" in cls.__dict__:   # name/register iterators for the profiler
            from tensorflux._src.data.stages import wrap_make_it
            cls._make_it = wrap_make_it(cls.__dict__["_make_it"])

    # --- what subclasses provide --------------------------------------------------------
    @property
    def element_spec(self):
        return self._spec

    def _make_it(self, ctx) -> It:
        raise NotImplementedError

    def _cardinality(self) -> int:
        return UNKNOWN

    # --- iteration ----------------------------------------------------------------------
    def __iter__(self):
        from tensorflux._src.data.iterator_ops import OwnedIterator, in_trace, symbolic_iterator
        if in_trace():
            return symbolic_iterator(self)
        return OwnedIterator(self)

    def _root_ctx(self):
        return Ctx(self.options())

    def __len__(self):
        from tensorflux._src.framework.context import executing_eagerly
        if not executing_eagerly():
            raise TypeError("`tf.data.Dataset` only supports `len` in eager mode. Use "
                            "`tf.data.Dataset.cardinality()` instead.")
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    def cardinality(self):
        """Number of elements; ``INFINITE_CARDINALITY`` (-1) or ``UNKNOWN_CARDINALITY`` (-2)."""
        from tensorflux._src.framework.tensor import EagerTensor
        return EagerTensor(np.int64(self._cardinality()))

    def as_numpy_iterator(self):
        """Iterates the elements as NumPy values (``bytes`` for strings)."""
        for s in structure.flat_specs(self.element_spec):
            if not isinstance(s, (TensorSpec, structure.RaggedTensorSpec,
                                  structure.SparseTensorSpec)):
                raise TypeError(f"Dataset.as_numpy_iterator() is not supported for datasets "
                                f"that produce values of type {type(s).__name__}")
        return _NumpyIterator(self)

    def __repr__(self):
        return f"<{type(self).__name__} element_spec={self.element_spec!r}>"

    # --- options ------------------------------------------------------------------------
    def options(self):
        from tensorflux._src.data.options import Options
        opts = Options()
        for d in self._inputs:
            opts = opts.merge(d.options())
        own = getattr(self, "_own_options", None)
        return opts.merge(own) if own is not None else opts

    def with_options(self, options, name=None):
        """Attach ``tf.data.Options`` (merged with those already set)."""
        from tensorflux._src.data.options import Options
        if not isinstance(options, Options):
            raise TypeError(f"`options` must be a tf.data.Options, got {type(options).__name__}")
        return _OptionsDataset(self, options)

    # --- sources ------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per slice along the first dimension of every component."""
        spec, comps = structure.normalize(tensors)
        if not comps:
            raise ValueError("Invalid `tensors`: `tensors` must not be empty.")
        if not structure.is_dense(spec):   # SparseTensor / RaggedTensor components
            from tensorflux._src.data import composite
            sl = composite.Slicer(composite.layout(spec), comps)
            return _ElementsDataset([sl.row(i) for i in range(sl.n)],
                                    structure.unbatch_spec(spec), "TensorSlice")
        n = None
        for c, s in zip(comps, structure.flat_specs(spec)):
            if c.ndim == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1; got a "
                                 f"scalar {s}.")
            if n is not None and c.shape[0] != n:
                raise errors.InvalidArgumentError(
                    None, None, f"Dimensions {c.shape[0]} and {n} are not compatible: all "
                    "components of from_tensor_slices must have the same first dimension.")
            n = c.shape[0]
        return _SliceDataset(comps, structure.unbatch_spec(spec), n)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with exactly one element, ``tensors``."""
        spec, comps = structure.normalize(tensors)
        return _ElementsDataset([comps], spec)

    @staticmethod
    def range(*args, output_type=_dt.int64, name=None):
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars."""
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid arguments to range: {args}")
        vals = [_int(a, "range argument") for a in args]
        start, stop, step = (0, vals[0], 1) if len(vals) == 1 else (
            vals[0], vals[1], vals[2] if len(vals) == 3 else 1)
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        return _RangeDataset(start, stop, step, _dt.as_dtype(output_type))

    @staticmethod
    def counter(start=0, step=1, dtype=_dt.int64, name=None):
        """``start, start + step, ...`` forever (infinite cardinality)."""
        return _RangeDataset(_int(start, "start"), None, _int(step, "step"),
                             _dt.as_dtype(dtype), "Counter")

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None):
        """Uniformly distributed int64 scalars forever (a checkpointable seeded RNG)."""
        from tensorflux._src.data.sources import RandomDataset
        return RandomDataset(seed, bool(rerandomize_each_iteration))

    def get_single_element(self, name=None):
        """The only element of the dataset (InvalidArgumentError otherwise)."""
        from tensorflux._src.data.experimental import _single
        return _single(self)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements yielded by a Python generator (``output_signature`` or the old
        ``output_types``/``output_shapes``)."""
        from tensorflux._src.data.sources import from_generator
        return from_generator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def zip(*datasets, name=None):
        """Combine datasets element-wise into tuples (or the given nested structure)."""
        if len(datasets) == 1 and not isinstance(datasets[0], DatasetV2):
            datasets = datasets[0]
        return _ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        from tensorflux._src.data.readers import list_files
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None,
                             stop_on_empty_dataset=False, rerandomize_each_iteration=None):
        from tensorflux._src.data.sampling import sample_from_datasets
        return sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        from tensorflux._src.data.sampling import choose_from_datasets
        return choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def load(path, element_spec=None, compression=None, reader_func=None):
        from tensorflux._src.data.persist import load
        return load(path, element_spec, compression, reader_func)

    # --- transformations ----------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` (traced once) to every element; in parallel with
        ``num_parallel_calls`` (an int or ``tf.data.AUTOTUNE``)."""
        fn = TracedFunction(map_func, self.element_spec, "map")
        if num_parallel_calls is None:
            return _MapDataset(self, fn)
        from tensorflux._src.data.parallel import ParallelMapDataset
        return ParallelMapDataset(self, fn, _parallelism(num_parallel_calls), deterministic)

    def filter(self, predicate, name=None):
        fn = TracedFunction(predicate, self.element_spec, "filter")
        s = fn.output_spec
        if not (isinstance(s, TensorSpec) and s.dtype is _dt.bool and s.shape.rank == 0):
            raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                             f"tensor, but its return type was {s}.")
        return _FilterDataset(self, fn)

    def flat_map(self, map_func, name=None):
        return _FlatMapDataset(self, PythonFunction(map_func, self.element_spec, "flat_map"))

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        from tensorflux._src.data.parallel import InterleaveDataset
        fn = PythonFunction(map_func, self.element_spec, "interleave")
        if cycle_length is None or cycle_length == AUTOTUNE:
            from tensorflux._src.data.iterator_base import _cores
            cycle_length = _cores()
        block_length = 1 if block_length is None else _int(block_length, "block_length")
        if _int(cycle_length, "cycle_length") < 1 or block_length < 1:
            raise ValueError("`cycle_length` and `block_length` must be positive.")
        par = None if num_parallel_calls is None else _parallelism(num_parallel_calls)
        return InterleaveDataset(self, fn, int(cycle_length), block_length, par, deterministic)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        from tensorflux._src.data.batching import BatchDataset
        return BatchDataset(self, _positive(batch_size, "batch_size"), bool(drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        from tensorflux._src.data.batching import PaddedBatchDataset
        return PaddedBatchDataset(self, _positive(batch_size, "batch_size"), padded_shapes,
                                  padding_values, bool(drop_remainder))

    def ragged_batch(self, batch_size, drop_remainder=False, row_splits_dtype=_dt.int64,
                     name=None):
        from tensorflux._src.data.batching import RaggedBatchDataset
        return RaggedBatchDataset(self, _positive(batch_size, "batch_size"),
                                  bool(drop_remainder), _dt.as_dtype(row_splits_dtype))

    def sparse_batch(self, batch_size, row_shape, name=None):
        """Batches elements of varying shape into a ``tf.SparseTensor`` whose rows have dense
        shape ``row_shape`` (-1: the largest in the batch)."""
        from tensorflux._src.data.batching import SparseBatchDataset
        return SparseBatchDataset(self, _positive(batch_size, "batch_size"), row_shape)

    def unbatch(self, name=None):
        from tensorflux._src.data.batching import UnbatchDataset
        return UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        return self.unbatch().batch(batch_size, drop_remainder)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        from tensorflux._src.data.batching import WindowDataset
        size = _positive(size, "size")
        shift = size if shift is None else _positive(shift, "shift")
        return WindowDataset(self, size, shift, _positive(stride, "stride"),
                             bool(drop_remainder))

    def group_by_window(self, key_func, reduce_func, window_size=None,
                        window_size_func=None, name=None):
        from tensorflux._src.data.batching import GroupByWindowDataset
        return GroupByWindowDataset(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None):
        from tensorflux._src.data.batching import bucket_by_sequence_length
        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                         bucket_batch_sizes, padded_shapes, padding_values,
                                         pad_to_bucket_boundary, no_padding, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        from tensorflux._src.data.shuffle import ShuffleDataset
        n = _int(buffer_size, "buffer_size")
        if n == AUTOTUNE:
            raise ValueError("buffer_size cannot be AUTOTUNE for shuffle")
        if n < 1:
            raise errors.InvalidArgumentError(
                None, None, f"buffer_size must be greater than zero, got {n}.")
        return ShuffleDataset(self, n, seed, True if reshuffle_each_iteration is None
                              else bool(reshuffle_each_iteration))

    def repeat(self, count=None, name=None):
        count = -1 if count is None else _int(count, "count")
        return _RepeatDataset(self, count)

    def take(self, count, name=None):
        return _TakeDataset(self, _int(count, "count"))

    def skip(self, count, name=None):
        return _SkipDataset(self, _int(count, "count"))

    def take_while(self, predicate, name=None):
        fn = TracedFunction(predicate, self.element_spec, "take_while")
        return _TakeWhileDataset(self, fn)

    def shard(self, num_shards, index, name=None):
        n, i = _int(num_shards, "num_shards"), _int(index, "index")
        if n < 1:
            raise errors.InvalidArgumentError(None, None, f"num_shards must be > 0, got {n}")
        if not 0 <= i < n:
            raise errors.InvalidArgumentError(
                None, None, f"index must be between 0 and {n - 1} (num_shards - 1), got {i}")
        return _ShardDataset(self, n, i)

    def concatenate(self, dataset, name=None):
        return _ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None):
        return DatasetV2.zip((DatasetV2.range(_int(start, "start"), np.iinfo(np.int64).max),
                              self))

    def cache(self, filename="", name=None):
        from tensorflux._src.data.persist import CacheDataset
        return CacheDataset(self, str(filename.numpy().decode() if hasattr(filename, "numpy")
                                      else filename))

    def prefetch(self, buffer_size, name=None):
        from tensorflux._src.data.parallel import PrefetchDataset
        n = _int(buffer_size, "buffer_size")
        if n < -1:
            raise ValueError(f"buffer_size must be >= 0 or AUTOTUNE, got {n}")
        return PrefetchDataset(self, n)

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a dataset."""
        out = transformation_func(self)
        if not isinstance(out, DatasetV2):
            raise TypeError(f"`transformation_func` must return a `tf.data.Dataset` object. "
                            f"Got {type(out).__name__}.")
        return out

    def scan(self, initial_state, scan_func, name=None):
        from tensorflux._src.data.sampling import ScanDataset
        return ScanDataset(self, initial_state, scan_func)

    def unique(self, name=None):
        for s in structure.flat_specs(self.element_spec):
            if not isinstance(self.element_spec, TensorSpec) or s.dtype not in (
                    _dt.int32, _dt.int64, _dt.string):
                raise TypeError("Dataset.unique() only supports datasets with 1 component of "
                                "type tf.int32, tf.int64 or tf.string, got "
                                f"{self.element_spec}.")
        return _UniqueDataset(self)

    def ignore_errors(self, log_warning=False, name=None):
        return _IgnoreErrorsDataset(self, log_warning)

    def assert_cardinality(self, expected_cardinality):
        return _AssertCardinalityDataset(self, _int(expected_cardinality,
                                                    "expected_cardinality"))

    def reduce(self, initial_state, reduce_func, name=None):
        """Reduce all elements with ``reduce_func(state, element)`` (traced once)."""
        from tensorflux._src.data.iterator_ops import reduce_dataset
        return reduce_dataset(self, initial_state, reduce_func)

    def save(self, path, compression=None, shard_func=None, checkpoint_args=None):
        from tensorflux._src.data.persist import save
        return save(self, path, compression, shard_func)

    def snapshot(self, path, compression="AUTO", reader_func=None, shard_func=None, name=None):
        from tensorflux._src.data.persist import SnapshotDataset
        return SnapshotDataset(self, str(path))


Dataset = DatasetV2


def _positive(x, name):
    v = _int(x, name)
    if v < 1:
        raise errors.InvalidArgumentError(None, None, f"{name} must be greater than zero, "
                                                      f"got {v}.")
    return v


def _parallelism(n):
    v = _int(n, "num_parallel_calls")
    if v != AUTOTUNE and v < 1:
        raise ValueError(f"num_parallel_calls must be a positive integer or tf.data.AUTOTUNE, "
                         f"got {v}")
    return v


class _NumpyIterator:
    def __init__(self, ds):
        self._it = iter(ds)

    def __iter__(self):
        return self

    def __next__(self):
        elem = next(self._it)
        return nest.map_structure(_to_numpy, elem)

    next = __next__


def _to_numpy(x):
    if getattr(x, "_is_composite_tensor", False):
        from tensorflux._src.ops.ragged_tensor import RaggedTensor
        if isinstance(x, RaggedTensor):
            return x  # as TensorFlow: ragged values come back as RaggedTensorValue-likes
        return x
    if isinstance(x, DatasetV2):
        return x
    return x.numpy()


class UnaryDataset(DatasetV2):
    def __init__(self, input_dataset, spec=None):
        self._input = input_dataset
        self._inputs = (input_dataset,)
        self._spec = input_dataset.element_spec if spec is None else spec

    def _cardinality(self):
        return self._input._cardinality()


class _OptionsDataset(UnaryDataset):
    _tf_stage = None

    def __init__(self, input_dataset, options):
        super().__init__(input_dataset)
        self._own_options = options

    def _make_it(self, ctx):
        return self._input._make_it(ctx)


# --- sources ----------------------------------------------------------------------------
class _SliceIt(It):
    def __init__(self, comps, n):
        self.comps, self.n, self.i = comps, n, 0

    def next(self):
        i = self.i
        if i >= self.n:
            raise StopIteration
        self.i = i + 1
        return tuple(c[i, ...] if c.dtype.hasobject else c[i] for c in self.comps)

    def save(self):
        return {"i": self.i}

    def restore(self, st):
        self.i = int(st["i"])


class _SliceDataset(DatasetV2):
    _tf_stage = "TensorSlice"

    def __init__(self, comps, spec, n):
        self._comps, self._spec, self._n = comps, spec, n

    def _make_it(self, ctx):
        return _SliceIt(self._comps, self._n)

    def _cardinality(self):
        return self._n


class _ElementsDataset(DatasetV2):
    """A fixed list of elements (from_tensors, windows)."""

    _tf_stage = "FromTensor"

    def __init__(self, elems, spec, stage=None):
        self._elems, self._spec = list(elems), spec
        if stage is not None:
            self._tf_stage = stage

    def _make_it(self, ctx):
        return ListIt(self._elems)

    def _cardinality(self):
        return len(self._elems)


class _RangeIt(It):
    def __init__(self, start, stop, step, np_dtype):
        self.cur, self.stop, self.step, self.dt = start, stop, step, np_dtype
        if stop is None:   # Dataset.counter
            self.stop = float("inf") if step > 0 else float("-inf")

    def next(self):
        c = self.cur
        if (self.step > 0 and c >= self.stop) or (self.step < 0 and c <= self.stop):
            raise StopIteration
        self.cur = c + self.step
        return (self.dt(c),)

    def save(self):
        return {"cur": self.cur}

    def restore(self, st):
        self.cur = int(st["cur"])


class _RangeDataset(DatasetV2):
    def __init__(self, start, stop, step, dtype, stage="Range"):
        self._args = (start, stop, step)
        self._dtype = dtype
        self._spec = TensorSpec([], dtype)
        self._tf_stage = stage

    def _make_it(self, ctx):
        return _RangeIt(*self._args, self._dtype.np_dtype.type)

    def _cardinality(self):
        start, stop, step = self._args
        if stop is None:
            return INFINITE
        return max(0, len(range(start, stop, step)))


class _ZipIt(It):
    def __init__(self, its):
        self.its = its

    def next(self):
        out = []
        for it in self.its:
            out.extend(it.next())
        return tuple(out)

    def save(self):
        return {str(i): it.save() for i, it in enumerate(self.its)}

    def restore(self, st):
        for i, it in enumerate(self.its):
            it.restore(st[str(i)])

    def close(self):
        for it in self.its:
            it.close()


class _ZipDataset(DatasetV2):
    def __init__(self, datasets):
        flat = nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, DatasetV2):
                raise TypeError(f"Invalid input to `zip`. Inputs are expected to be (nested) "
                                f"structures of `tf.data.Dataset` objects. Python `list` is "
                                f"not supported and you should use `tuple` instead. Got "
                                f"{type(d).__name__}.")
        if not flat:
            raise ValueError("Invalid input to `zip`. Expected at least one dataset.")
        self._datasets = flat
        self._inputs = tuple(flat)
        self._spec = nest.pack_sequence_as(datasets, [d.element_spec for d in flat])

    def _make_it(self, ctx):
        return _ZipIt([d._make_it(ctx) for d in self._datasets])

    def _cardinality(self):
        cs = [d._cardinality() for d in self._datasets]
        finite = [c for c in cs if c >= 0]
        if finite:
            return min(finite) if UNKNOWN not in cs else UNKNOWN
        return UNKNOWN if UNKNOWN in cs else INFINITE


class _ConcatIt(It):
    def __init__(self, ds, ctx):
        self.ds, self.ctx, self.k = ds, ctx, 0
        self.it = ds[0]._make_it(ctx)

    def next(self):
        while True:
            try:
                return self.it.next()
            except StopIteration:
                if self.k + 1 >= len(self.ds):
                    raise
                self.it.close()
                self.k += 1
                self.it = self.ds[self.k]._make_it(self.ctx)

    def save(self):
        return {"k": self.k, "it": self.it.save()}

    def restore(self, st):
        self.k = int(st["k"])
        self.it.close()
        self.it = self.ds[self.k]._make_it(self.ctx)
        self.it.restore(st["it"])

    def close(self):
        self.it.close()


class _ConcatenateDataset(DatasetV2):
    def __init__(self, a, b):
        if not isinstance(b, DatasetV2):
            raise TypeError(f"`dataset` must be a tf.data.Dataset, got {type(b).__name__}")
        try:
            self._spec = structure.relax(a.element_spec, b.element_spec)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Incompatible dataset elements:\n  {a.element_spec} vs. "
                            f"  {b.element_spec}\n({e})") from None
        self._inputs = (a, b)

    def _make_it(self, ctx):
        return _ConcatIt(self._inputs, ctx)

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


# --- element-wise -----------------------------------------------------------------------
class _FnIt(It):
    """Pulls from ``inp`` and applies ``step(elem)``; subclasses override ``next``.

    ``_counters`` names the integer attributes saved and restored with the input's state.
    """

    _counters = ()

    def __init__(self, inp):
        self.inp = inp

    def save(self):
        st = {"in": self.inp.save()}
        for k in self._counters:
            st[k] = getattr(self, k)
        return st

    def restore(self, st):
        self.inp.restore(st["in"])
        for k in self._counters:
            setattr(self, k, int(st[k]))

    def close(self):
        self.inp.close()


class _MapIt(_FnIt):
    def __init__(self, inp, fn):
        super().__init__(inp)
        self.fn = fn

    def next(self):
        return self.fn(self.inp.next())


class _MapDataset(UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset, fn.output_spec)
        self._fn = fn

    def _make_it(self, ctx):
        return _MapIt(self._input._make_it(ctx), self._fn)


class _FilterIt(_FnIt):
    def __init__(self, inp, fn):
        super().__init__(inp)
        self.fn = fn

    def next(self):
        while True:
            e = self.inp.next()
            if bool(self.fn(e)[0]):
                return e


class _FilterDataset(UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset)
        self._fn = fn

    def _make_it(self, ctx):
        return _FilterIt(self._input._make_it(ctx), self._fn)

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


class _TakeWhileIt(_FnIt):
    def __init__(self, inp, fn):
        super().__init__(inp)
        self.fn, self.done = fn, False

    def next(self):
        if self.done:
            raise StopIteration
        e = self.inp.next()
        if not bool(self.fn(e)[0]):
            self.done = True
            raise StopIteration
        return e

    def save(self):
        return {"in": self.inp.save(), "done": int(self.done)}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.done = bool(st["done"])


class _TakeWhileDataset(_FilterDataset):
    def _make_it(self, ctx):
        return _TakeWhileIt(self._input._make_it(ctx), self._fn)

    def _cardinality(self):
        return UNKNOWN


class _FlatMapIt(_FnIt):
    def __init__(self, inp, fn, ctx):
        super().__init__(inp)
        self.fn, self.ctx = fn, ctx
        self.cur = None
        self.cur_elem = None

    def next(self):
        while True:
            if self.cur is None:
                e = self.inp.next()
                self.cur_elem = e
                self.cur = self.fn(e)._make_it(self.ctx)
            try:
                return self.cur.next()
            except StopIteration:
                self.cur.close()
                self.cur = None

    def next_many(self, n):
        return self._bulk(n, False)

    def next_records(self, n):
        return self._bulk(n, True)

    def _bulk(self, n, records):
        out = []
        while len(out) < n:
            if self.cur is None:
                try:
                    e = self.inp.next()
                except StopIteration:
                    break
                self.cur_elem = e
                self.cur = self.fn(e)._make_it(self.ctx)
            got = _bulk_pull(self.cur, n - len(out), records, out)
            if got is None:
                return None
            if got:
                out += got
            else:
                self.cur.close()
                self.cur = None
        return out

    def save(self):
        st = {"in": self.inp.save(), "has": int(self.cur is not None)}
        if self.cur is not None:
            st["elem"] = save_elem(self.fn.input_spec, self.cur_elem)
            st["cur"] = self.cur.save()
        return st

    def restore(self, st):
        self.inp.restore(st["in"])
        self.cur = None
        if int(st["has"]):
            self.cur_elem = load_elem(self.fn.input_spec, st["elem"])
            self.cur = self.fn(self.cur_elem)._make_it(self.ctx)
            self.cur.restore(st["cur"])

    def close(self):
        if self.cur is not None:
            self.cur.close()
        self.inp.close()


def _bulk_pull(it, k, records, out):
    """``it.next_records(k)`` or ``it.next_many(k)``; ``None`` only when records are asked
    for, ``it`` has none and nothing was pulled yet (``out`` empty): the caller then falls
    back to elements. Later, raw records are made from scalar-string elements."""
    if not records:
        return it.next_many(k)
    got = it.next_records(k)
    if got is None and out:
        got = [e[0][()] for e in it.next_many(k)]
    return got


class _FlatMapDataset(UnaryDataset):
    def __init__(self, input_dataset, fn):
        # The output spec comes from the dataset the function builds for the first element
        # type: probe with a spec-shaped zero element is not possible for unknown shapes, so
        # the spec is taken lazily from the first produced dataset unless given.
        super().__init__(input_dataset, None)
        self._fn = fn
        self._spec = _probe_spec(input_dataset, fn)

    def _make_it(self, ctx):
        return _FlatMapIt(self._input._make_it(ctx), self._fn, ctx)

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


def save_elem(spec, comps) -> dict:
    """One element as state; dataset-valued components (windows) are saved by value."""
    d, k = {}, 0
    for s in structure.flat_specs(spec):
        n = 1 if isinstance(s, (TensorSpec, DatasetSpec)) else s.n_components
        for c in comps[k:k + n]:
            if isinstance(s, DatasetSpec):
                if not isinstance(c, _ElementsDataset):
                    raise errors.UnimplementedError(
                        None, None, "Only window() datasets can be saved as elements.")
                d[f"c{k}"] = codec.pack_elements(c._elems)
            else:
                d[f"c{k}"] = codec.as_array(c)
            k += 1
    return d


def load_elem(spec, d) -> tuple:
    out = []
    for s in structure.flat_specs(spec):
        n = 1 if isinstance(s, (TensorSpec, DatasetSpec)) else s.n_components
        for _ in range(n):
            v = d[f"c{len(out)}"]
            out.append(_ElementsDataset(codec.unpack_elements(v), s.element_spec)
                       if isinstance(s, DatasetSpec) else v)
    return tuple(out)


def _probe_spec(input_dataset, fn):
    """Element spec of the datasets ``fn`` returns, from the first input element."""
    it = input_dataset._make_it(Ctx(None))
    try:
        e = it.next()
    except StopIteration:
        return None
    finally:
        it.close()
    return fn(e).element_spec


class _RepeatIt(It):
    def __init__(self, ds, count, ctx):
        self.ds, self.count, self.ctx, self.epoch = ds, count, ctx, 0
        self.it = ds._make_it(ctx) if count != 0 else None
        self.fresh = True

    def next(self):
        while self.it is not None:
            try:
                e = self.it.next()
                self.fresh = False
                return e
            except StopIteration:
                self._next_epoch()
        raise StopIteration

    def _next_epoch(self):
        self.it.close()
        self.epoch += 1
        if (self.count >= 0 and self.epoch >= self.count) or self.fresh:
            self.it = None  # finished (or the input is empty: avoid spinning)
            return
        self.it = self.ds._make_it(self.ctx)
        self.fresh = True

    def next_many(self, n):
        return self._bulk(n, False)

    def next_records(self, n):
        return self._bulk(n, True)

    def _bulk(self, n, records):
        out = []
        while len(out) < n and self.it is not None:
            got = _bulk_pull(self.it, n - len(out), records, out)
            if got is None:
                return None
            if got:
                self.fresh = False
                out += got
            else:
                self._next_epoch()
        return out

    def save(self):
        st = {"epoch": self.epoch, "fresh": int(self.fresh), "done": int(self.it is None)}
        if self.it is not None:
            st["it"] = self.it.save()
        return st

    def restore(self, st):
        self.epoch, self.fresh = int(st["epoch"]), bool(st["fresh"])
        if self.it is not None:
            self.it.close()
        self.it = None
        if not int(st["done"]):
            self.it = self.ds._make_it(self.ctx)
            self.it.restore(st["it"])

    def close(self):
        if self.it is not None:
            self.it.close()


class _RepeatDataset(UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = count

    def _make_it(self, ctx):
        return _RepeatIt(self._input, self._count, ctx)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return 0 if n == 0 else INFINITE
        if n in (INFINITE, UNKNOWN):
            return n if self._count != 0 else 0
        return n * self._count


class _TakeIt(_FnIt):
    _counters = ("left",)

    def __init__(self, inp, n):
        super().__init__(inp)
        self.left = n

    def next(self):
        if self.left == 0:
            raise StopIteration
        e = self.inp.next()
        if self.left > 0:
            self.left -= 1
        return e


class _TakeDataset(UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = count

    def _make_it(self, ctx):
        return _TakeIt(self._input._make_it(ctx), self._count)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE:
            return self._count
        if n == UNKNOWN:
            return UNKNOWN
        return min(n, self._count)


class _SkipIt(_FnIt):
    _counters = ("left",)

    def __init__(self, inp, n):
        super().__init__(inp)
        self.left = n

    def next(self):
        while self.left != 0:
            self.inp.next()
            self.left -= 1
        return self.inp.next()


class _SkipDataset(_TakeDataset):
    def _make_it(self, ctx):
        return _SkipIt(self._input._make_it(ctx), self._count)

    def _cardinality(self):
        n = self._input._cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class _ShardIt(_FnIt):
    _counters = ("pos",)

    def __init__(self, inp, n, index):
        super().__init__(inp)
        self.n, self.index, self.pos = n, index, 0

    def next(self):
        while True:
            e = self.inp.next()
            p = self.pos
            self.pos += 1
            if p % self.n == self.index:
                return e


class _ShardDataset(UnaryDataset):
    def __init__(self, input_dataset, n, index):
        super().__init__(input_dataset)
        self._n, self._index = n, index

    def _make_it(self, ctx):
        return _ShardIt(self._input._make_it(ctx), self._n, self._index)

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        return c // self._n + (1 if self._index < c % self._n else 0)


class _UniqueIt(_FnIt):
    def __init__(self, inp):
        super().__init__(inp)
        self.seen = set()

    def next(self):
        while True:
            e = self.inp.next()
            v = e[0].item() if hasattr(e[0], "item") else e[0]
            if v not in self.seen:
                self.seen.add(v)
                return e

    def save(self):
        vals = list(self.seen)
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        if vals and not isinstance(vals[0], bytes):
            arr = np.array(vals, np.int64)
        return {"in": self.inp.save(), "seen": arr}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.seen = set(np.asarray(st["seen"]).tolist())


class _UniqueDataset(UnaryDataset):
    def _make_it(self, ctx):
        return _UniqueIt(self._input._make_it(ctx))

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


class _IgnoreErrorsIt(_FnIt):
    def __init__(self, inp, log):
        super().__init__(inp)
        self.log = log

    def next(self):
        while True:
            try:
                return self.inp.next()
            except errors.OpError as e:
                if self.log:
                    import logging
                    logging.getLogger("tensorflux").warning(
                        "Error raised during tf.data pipeline, ignoring it: %s", e.message)


class _IgnoreErrorsDataset(UnaryDataset):
    def __init__(self, input_dataset, log_warning):
        super().__init__(input_dataset)
        self._log = log_warning

    def _make_it(self, ctx):
        return _IgnoreErrorsIt(self._input._make_it(ctx), self._log)

    def _cardinality(self):
        return UNKNOWN if self._input._cardinality() != INFINITE else INFINITE


class _AssertCardIt(_FnIt):
    _counters = ("seen",)

    def __init__(self, inp, n):
        super().__init__(inp)
        self.n, self.seen = n, 0

    def next(self):
        try:
            e = self.inp.next()
        except StopIteration:
            if self.n >= 0 and self.seen < self.n:
                raise errors.FailedPreconditionError(
                    None, None, f"Input dataset was expected to contain {self.n} elements but "
                    f"contained only {self.seen} elements.") from None
            raise
        self.seen += 1
        if self.n == INFINITE:
            return e
        if self.seen > self.n:
            raise errors.FailedPreconditionError(
                None, None, f"Input dataset was expected to contain {self.n} elements but "
                f"contained at least {self.seen} elements.")
        return e


class _AssertCardinalityDataset(UnaryDataset):
    def __init__(self, input_dataset, n):
        super().__init__(input_dataset)
        self._n = n

    def _make_it(self, ctx):
        return _AssertCardIt(self._input._make_it(ctx), self._n)

    def _cardinality(self):
        return self._n


def spec_shape(spec):
    return spec.shape if isinstance(spec, TensorSpec) else TensorShape(None)
