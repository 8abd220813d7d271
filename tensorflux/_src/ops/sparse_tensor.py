"""``tf.SparseTensor``: ``indices`` (int64 [N, rank]), ``values`` [N], ``dense_shape``."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework.convert import register_tensor_conversion_function
from tensorflux._src.framework.indexed_slices import static_dense_shape
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops.op_util import tensor


class SparseTensor:
    """A sparse tensor in coordinate format (``tf.sparse.SparseTensor``).

    Example:
        >>> st = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0],
        ...                      dense_shape=[3, 4])
        >>> tf.sparse.to_dense(st).numpy()[1, 2]
        2.0
    """

    _is_composite_tensor = True

    def __init__(self, indices, values, dense_shape):
        self._indices = _int64(indices)
        self._values = tensor(values)
        self._dense_shape = _int64(dense_shape)
        ir, vr, sr = (self._indices.shape.rank, self._values.shape.rank,
                      self._dense_shape.shape.rank)
        if ir is not None and ir != 2:
            raise ValueError(f"Shape {self._indices.shape} must have rank 2")
        if vr is not None and vr != 1:
            raise ValueError(f"Shape {self._values.shape} must have rank 1")
        if sr is not None and sr != 1:
            raise ValueError(f"Shape {self._dense_shape.shape} must have rank 1")

    @classmethod
    def from_value(cls, sparse_tensor_value):
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        return cls(sparse_tensor_value.indices, sparse_tensor_value.values,
                   sparse_tensor_value.dense_shape)

    indices = property(lambda self: self._indices)
    values = property(lambda self: self._values)
    dense_shape = property(lambda self: self._dense_shape)

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self):
        return static_dense_shape(self._dense_shape)

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self.shape.rank

    def _to_components(self):
        return [self._indices, self._values, self._dense_shape]

    def with_values(self, new_values):
        return SparseTensor(self._indices, new_values, self._dense_shape)

    def __repr__(self):
        return (f"SparseTensor(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={self._dense_shape!r})")

    def __mul__(self, other):
        from tensorflux._src.ops.sparse_math import sparse_dense_cwise_mul
        return sparse_dense_cwise_mul(self, other)

    __rmul__ = __mul__

    def __neg__(self):
        from tensorflux._src.ops import math_ops
        return self.with_values(math_ops.negative(self._values))

    def __add__(self, other):
        from tensorflux._src.ops.sparse_math import add
        return add(self, other)


def _int64(x):
    if isinstance(x, Tensor):
        t = tensor(x)
        if t.dtype is not _dt.int64:
            from tensorflux._src.ops import math_ops
            t = math_ops.cast(t, _dt.int64)
        return t
    return tensor(np.asarray(x, np.int64) if not hasattr(x, "_is_variable") else x,
                  dtype=_dt.int64)


def _refuse_conversion(value, dtype=None, name=None, as_ref=False):
    raise TypeError(f"Failed to convert elements of {value!r} to Tensor. Consider casting "
                    "elements to a supported type. A SparseTensor must be converted with "
                    "tf.sparse.to_dense first.")


register_tensor_conversion_function(SparseTensor, _refuse_conversion)
SparseTensorValue = SparseTensor
