"""``tf.nest``: utilities for nested structures."""

from tensorflux._src.core.nest import (assert_same_structure, flatten, flatten_with_paths,
                                       is_nested, map_structure, map_structure_with_paths,
                                       pack_sequence_as)

__all__ = ["assert_same_structure", "flatten", "flatten_with_paths", "is_nested",
           "map_structure", "map_structure_with_paths", "pack_sequence_as"]
