"""``tf.sparse``: SparseTensor operations (explicit re-exports)."""

from tensorflux._src.ops.sparse_math import (  # noqa: F401
    add,
    concat,
    expand_dims,
    retain,
    transpose,
)
from tensorflux._src.ops.sparse_ops import (  # noqa: F401
    from_dense,
    reduce_sum,
    reorder,
    reshape,
    sparse_dense_matmul,
    to_dense,
)
from tensorflux._src.ops.sparse_tensor import SparseTensor  # noqa: F401

matmul = sparse_dense_matmul
