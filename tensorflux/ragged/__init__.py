"""``tf.ragged``: ragged tensors (explicit re-exports)."""

from tensorflux._src.ops.ragged_ops import (  # noqa: F401
    constant,
    constant_value,
    map_flat_values,
    range,
    row_splits_to_segment_ids,
    segment_ids_to_row_splits,
)
from tensorflux._src.ops.ragged_tensor import RaggedTensor, is_ragged  # noqa: F401
