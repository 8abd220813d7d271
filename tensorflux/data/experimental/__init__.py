"""``tf.data.experimental``."""

from tensorflux._src.data.experimental import (  # noqa: F401
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Counter,
    RandomDataset,
    assert_cardinality,
    bucket_by_sequence_length,
    cardinality,
    choose_from_datasets,
    dense_to_sparse_batch,
    enumerate_dataset,
    from_list,
    get_single_element,
    group_by_window,
    ignore_errors,
    load,
    map_and_batch,
    rebatch,
    sample_from_datasets,
    save,
    scan,
    shuffle_and_repeat,
    snapshot,
    take_while,
    unbatch,
    unique,
)
from tensorflux._src.data.iterator_base import AUTOTUNE  # noqa: F401
from tensorflux._src.data.readers import CsvDataset, make_csv_dataset  # noqa: F401
