"""Top-level tf.* names from the linalg family (explicit re-exports)."""

from tensorflux._src.ops.linalg_einsum import einsum, tensordot
from tensorflux._src.ops.linalg_norm import norm

__all__: list = ["einsum", "norm", "tensordot"]
