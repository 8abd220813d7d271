"""``tf.data.experimental`` helpers that are thin wrappers over Dataset methods."""

from __future__ import annotations

from tensorflux._src.data.dataset_ops import DatasetV2
from tensorflux._src.data.iterator_base import AUTOTUNE, INFINITE, UNKNOWN

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


def cardinality(dataset):
    return dataset.cardinality()


def assert_cardinality(expected_cardinality):
    return lambda ds: ds.assert_cardinality(expected_cardinality)


def ignore_errors(log_warning=False):
    return lambda ds: ds.ignore_errors(log_warning)


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    n = num_parallel_calls if num_parallel_calls is not None else (
        AUTOTUNE if num_parallel_batches is not None else None)
    return lambda ds: ds.map(map_func, num_parallel_calls=n).batch(batch_size,
                                                                   drop_remainder)


def unbatch():
    return lambda ds: ds.unbatch()


def rebatch(batch_size, drop_remainder=False):
    return lambda ds: ds.rebatch(batch_size, drop_remainder)


def enumerate_dataset(start=0):
    return lambda ds: ds.enumerate(start)


def scan(initial_state, scan_func):
    return lambda ds: ds.scan(initial_state, scan_func)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)


def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes=None, padding_values=None,
                              pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    return lambda ds: ds.bucket_by_sequence_length(
        element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
        padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)


def unique():
    return lambda ds: ds.unique()


def take_while(predicate):
    return lambda ds: ds.take_while(predicate)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return DatasetV2.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return DatasetV2.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def dense_to_sparse_batch(batch_size, row_shape):
    return lambda ds: ds.sparse_batch(batch_size, row_shape)


def from_list(elements, name=None):
    """A dataset of the elements of a Python list (``tf.data.experimental.from_list``)."""
    from tensorflux._src.data.sources import from_list as _from_list
    return _from_list(elements)


def Counter(start=0, step=1, dtype=None):  # noqa: N802 (TensorFlow's name)
    from tensorflux._src.core import dtypes as _dt
    return DatasetV2.counter(start, step, _dt.int64 if dtype is None else dtype)


class RandomDataset:
    """``tf.data.experimental.RandomDataset(seed)`` (= ``Dataset.random``)."""

    def __new__(cls, seed=None, name=None):
        return DatasetV2.random(seed)


def save(dataset, path, compression=None, shard_func=None, checkpoint_args=None):
    return dataset.save(path, compression, shard_func)


def load(path, element_spec=None, compression=None, reader_func=None):
    return DatasetV2.load(path, element_spec, compression, reader_func)


def snapshot(path, compression="AUTO", reader_func=None, shard_func=None):
    return lambda ds: ds.snapshot(path)


def get_single_element(dataset):
    return dataset.get_single_element() if hasattr(dataset, "get_single_element") else \
        _single(dataset)


def _single(dataset):
    from tensorflux._src.core import errors
    it = iter(dataset)
    try:
        v = next(it)
    except StopIteration:
        raise errors.InvalidArgumentError(None, None, "Dataset was empty.") from None
    try:
        next(it)
    except StopIteration:
        return v
    raise errors.InvalidArgumentError(None, None, "Dataset had more than one element.")
