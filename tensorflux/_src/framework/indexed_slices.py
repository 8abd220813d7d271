"""``tf.IndexedSlices``: a sparse set of rows of a dense tensor, used for the gradients of
gathers and embedding lookups so that large tables are never materialized densely."""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.tensor import Tensor


class IndexedSlices:
    """Rows ``values[i]`` at ``indices[i]`` of a tensor of shape ``dense_shape``
    (``tf.IndexedSlices``)."""

    _is_composite_tensor = True

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    values = property(lambda self: self._values)
    indices = property(lambda self: self._indices)
    dense_shape = property(lambda self: self._dense_shape)

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self):
        return static_dense_shape(self._dense_shape)

    @property
    def device(self):
        return self._values.device

    def _to_components(self):
        return [self._values, self._indices] + ([self._dense_shape]
                                                if self._dense_shape is not None else [])

    def _as_tensor(self):
        from tensorflux._src.ops import array_ops, math_ops

        if self._dense_shape is None:
            raise ValueError("Cannot convert IndexedSlices with unknown dense_shape to a tensor")
        return math_ops.unsorted_segment_sum(self._values, self._indices,
                                             array_ops.gather(self._dense_shape, 0))

    def __neg__(self):
        from tensorflux._src.ops import math_ops
        return IndexedSlices(math_ops.negative(self._values), self._indices, self._dense_shape)

    def __repr__(self):
        return (f"IndexedSlices(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={self._dense_shape!r})")


def static_dense_shape(dense_shape):
    """The static ``TensorShape`` described by a dense_shape vector (tensor, list or None):
    its values when known now, else as many unknown dims as its static length."""
    from tensorflux._src.core.tensor_shape import TensorShape
    from tensorflux._src.framework.graph import constant_value

    if dense_shape is None:
        return TensorShape(None)
    v = constant_value(dense_shape) if isinstance(dense_shape, Tensor) else dense_shape
    if v is not None:
        return TensorShape([int(d) for d in np.asarray(v).reshape(-1)])
    n = dense_shape.shape.as_tuple()
    return TensorShape(None if n is None or n[0] is None else [None] * n[0])


def aggregate_gradients(grads):
    """Sum a list of gradients: dense ones with AddN, IndexedSlices by concatenation."""
    if len(grads) == 1:
        return grads[0]
    from tensorflux._src.framework.convert import convert_to_tensor
    from tensorflux._src.ops import array_ops, math_ops

    if all(isinstance(g, IndexedSlices) for g in grads):
        return IndexedSlices(array_ops.concat([g.values for g in grads], 0),
                             array_ops.concat([g.indices for g in grads], 0),
                             grads[0].dense_shape)
    dense = [convert_to_tensor(g) if isinstance(g, IndexedSlices) else g for g in grads]
    return math_ops.add_n(dense)
