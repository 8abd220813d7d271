"""Top-level tf.* names from the strings family (explicit re-exports)."""

from tensorflux._src.ops.string_ops import as_string

__all__: list = ["as_string"]
