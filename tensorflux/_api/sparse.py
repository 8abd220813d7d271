"""Top-level tf.* names from the sparse family (explicit re-exports)."""

from tensorflux._src.ops.sparse_tensor import SparseTensor, SparseTensorValue

__all__: list = ["SparseTensor", "SparseTensorValue"]
