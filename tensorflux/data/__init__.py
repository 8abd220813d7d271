"""``tf.data``: input pipelines (Dataset, Options, AUTOTUNE, experimental)."""

from tensorflux._src.data.dataset_ops import Dataset, DatasetSpec, DatasetV2  # noqa: F401
from tensorflux._src.data.iterator_base import AUTOTUNE, INFINITE, UNKNOWN
from tensorflux._src.data.iterator_ops import Iterator  # noqa: F401
from tensorflux._src.data.options import Options, ThreadingOptions  # noqa: F401
from tensorflux._src.data.readers import (  # noqa: F401
    FixedLengthRecordDataset,
    TextLineDataset,
    TFRecordDataset,
)
from tensorflux._src.data.structure import RaggedTensorSpec, SparseTensorSpec  # noqa: F401
from tensorflux.data import experimental  # noqa: F401

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN
