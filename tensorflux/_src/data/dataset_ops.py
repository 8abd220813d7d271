"""``tf.data.Dataset``: the base class (its methods build the datasets of ``sources``,
``transforms``, ``batching``, ``parallel``, ``shuffle``, ...)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.data import structure
from tensorflux._src.data.iterator_base import AUTOTUNE, INFINITE, UNKNOWN, Ctx, It
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
            return _sources._ElementsDataset([sl.row(i) for i in range(sl.n)],
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
        return _sources._SliceDataset(comps, structure.unbatch_spec(spec), n)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with exactly one element, ``tensors``."""
        spec, comps = structure.normalize(tensors)
        return _sources._ElementsDataset([comps], spec)

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
        return _sources._RangeDataset(start, stop, step, _dt.as_dtype(output_type))

    @staticmethod
    def counter(start=0, step=1, dtype=_dt.int64, name=None):
        """``start, start + step, ...`` forever (infinite cardinality)."""
        return _sources._RangeDataset(_int(start, "start"), None, _int(step, "step"),
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
        return _sources._ZipDataset(datasets)

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
            return _tr._MapDataset(self, fn)
        from tensorflux._src.data.parallel import ParallelMapDataset
        return ParallelMapDataset(self, fn, _parallelism(num_parallel_calls), deterministic)

    def filter(self, predicate, name=None):
        fn = TracedFunction(predicate, self.element_spec, "filter")
        s = fn.output_spec
        if not (isinstance(s, TensorSpec) and s.dtype is _dt.bool and s.shape.rank == 0):
            raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                             f"tensor, but its return type was {s}.")
        return _tr._FilterDataset(self, fn)

    def flat_map(self, map_func, name=None):
        return _tr._FlatMapDataset(self, PythonFunction(map_func, self.element_spec, "flat_map"))

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
        return _tr._RepeatDataset(self, count)

    def take(self, count, name=None):
        return _tr._TakeDataset(self, _int(count, "count"))

    def skip(self, count, name=None):
        return _tr._SkipDataset(self, _int(count, "count"))

    def take_while(self, predicate, name=None):
        fn = TracedFunction(predicate, self.element_spec, "take_while")
        return _tr._TakeWhileDataset(self, fn)

    def shard(self, num_shards, index, name=None):
        n, i = _int(num_shards, "num_shards"), _int(index, "index")
        if n < 1:
            raise errors.InvalidArgumentError(None, None, f"num_shards must be > 0, got {n}")
        if not 0 <= i < n:
            raise errors.InvalidArgumentError(
                None, None, f"index must be between 0 and {n - 1} (num_shards - 1), got {i}")
        return _tr._ShardDataset(self, n, i)

    def concatenate(self, dataset, name=None):
        return _sources._ConcatenateDataset(self, dataset)

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
        return _tr._UniqueDataset(self)

    def ignore_errors(self, log_warning=False, name=None):
        return _tr._IgnoreErrorsDataset(self, log_warning)

    def assert_cardinality(self, expected_cardinality):
        return _tr._AssertCardinalityDataset(self, _int(expected_cardinality,
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


# The concrete datasets subclass the classes above, so they are imported last.
from tensorflux._src.data import sources as _sources  # noqa: E402
from tensorflux._src.data import transforms as _tr  # noqa: E402
