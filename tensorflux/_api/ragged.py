"""Top-level tf.* names from the ragged family (explicit re-exports)."""

from tensorflux._src.ops.ragged_tensor import RaggedTensor

__all__: list = ["RaggedTensor"]
