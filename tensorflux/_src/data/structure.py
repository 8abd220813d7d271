"""Element structures: type specs, and values <-> flat lists of NumPy component arrays.

Inside a pipeline an element is a tuple of NumPy arrays (the components of every leaf of
``element_spec``, in ``tf.nest`` order). Tensors are built only at the consumer boundary.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import nest
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework.function import TensorSpec
from tensorflux._src.framework.tensor import EagerTensor, Tensor


class SparseTensorSpec:
    """Type of a ``tf.SparseTensor`` element (``tf.SparseTensorSpec``)."""

    def __init__(self, shape=None, dtype=_dt.float32):
        self._shape = TensorShape(shape)
        self._dtype = _dt.as_dtype(dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    n_components = 3

    def component_specs(self):
        r = self._shape.rank
        return [TensorSpec([None, r], _dt.int64), TensorSpec([None], self._dtype),
                TensorSpec([r], _dt.int64)]

    def from_components(self, comps):
        from tensorflux._src.ops.sparse_tensor import SparseTensor
        return SparseTensor(*comps)

    def __eq__(self, other):
        return (type(other) is SparseTensorSpec and self._shape == other.shape and
                self._dtype == other.dtype)

    def __hash__(self):
        return hash(("sparse", self._shape, self._dtype))

    def __repr__(self):
        dims = self._shape.as_list() if self._shape.rank is not None else None
        return f"SparseTensorSpec(TensorShape({dims}), {self._dtype!r})"


class RaggedTensorSpec:
    """Type of a ``tf.RaggedTensor`` element (``tf.RaggedTensorSpec``)."""

    def __init__(self, shape=None, dtype=_dt.float32, ragged_rank=None,
                 row_splits_dtype=_dt.int64, flat_values_spec=None):
        self._shape = TensorShape(shape)
        self._dtype = _dt.as_dtype(dtype)
        rank = self._shape.rank
        if ragged_rank is None:
            ragged_rank = (rank - 1) if rank is not None else 1
        if ragged_rank < 0 or (rank is not None and ragged_rank >= max(rank, 1)):
            raise ValueError(f"ragged_rank must be non-negative and less than the rank "
                             f"({rank}); got ragged_rank={ragged_rank}.")
        self._ragged_rank = ragged_rank
        self._row_splits_dtype = _dt.as_dtype(row_splits_dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: self._row_splits_dtype)

    @property
    def n_components(self):
        return 1 + self._ragged_rank

    def component_specs(self):
        dims = self._shape.as_list() if self._shape.rank is not None else None
        if self._ragged_rank == 0:   # TensorFlow's ragged_rank 0: a dense tensor
            return [TensorSpec(dims, self._dtype)]
        inner = [None] + (dims[self._ragged_rank + 1:] if dims is not None else [])
        return ([TensorSpec(inner, self._dtype)] +
                [TensorSpec([None], self._row_splits_dtype)] * self._ragged_rank)

    def from_components(self, comps):
        from tensorflux._src.ops.ragged_tensor import RaggedTensor
        v = comps[0]
        for splits in comps[1:]:   # innermost splits first (tf.nest component order)
            v = RaggedTensor.from_row_splits(v, splits, validate=False)
        return v

    def __eq__(self, other):
        return (type(other) is RaggedTensorSpec and self._shape == other.shape and
                self._dtype == other.dtype and self._ragged_rank == other.ragged_rank)

    def __hash__(self):
        return hash(("ragged", self._shape, self._dtype, self._ragged_rank))

    def __repr__(self):
        dims = self._shape.as_list() if self._shape.rank is not None else None
        return (f"RaggedTensorSpec(TensorShape({dims}), {self._dtype!r}, {self._ragged_rank}, "
                f"{self._row_splits_dtype!r})")


def _n(spec):
    return 1 if isinstance(spec, TensorSpec) else spec.n_components


def is_spec(x):
    return isinstance(x, (TensorSpec, SparseTensorSpec, RaggedTensorSpec))


def flat_specs(element_spec):
    return nest.flatten(element_spec)


def is_dense(element_spec):
    return all(isinstance(s, TensorSpec) for s in flat_specs(element_spec))


def component_specs(element_spec):
    out = []
    for s in flat_specs(element_spec):
        out.extend([s] if isinstance(s, TensorSpec) else s.component_specs())
    return out


def _array(x, dtype=None):
    if isinstance(x, EagerTensor):
        v = x._value
        return v if isinstance(v, np.ndarray) else np.asarray(v)
    if isinstance(x, Tensor):
        from tensorflux._src.framework.graph import constant_value
        v = constant_value(x)
        if v is None:
            raise TypeError(
                f"A dataset built inside tf.function can only use constant tensors; {x!r} "
                "depends on the function's inputs. Build the dataset outside the function "
                "and pass it (or an iterator over it) in as an argument.")
        return np.asarray(v)
    from tensorflux._src.framework.convert import convert_to_tensor
    from tensorflux._src.framework.variables import init_scope
    with init_scope():   # build elements eagerly even while a function is being traced
        return _array(convert_to_tensor(x, dtype=dtype))


def _leaf_spec_and_components(x):
    if getattr(x, "_is_composite_tensor", False):
        from tensorflux._src.ops.ragged_tensor import RaggedTensor
        from tensorflux._src.ops.sparse_tensor import SparseTensor
        comps = [_array(c) for c in nest.flatten(x, expand_composites=True)]
        if isinstance(x, SparseTensor):
            return SparseTensorSpec(x.shape, x.dtype), comps
        if isinstance(x, RaggedTensor):
            rr = len(comps) - 1
            return RaggedTensorSpec(x.shape, x.dtype, rr,
                                    _dt.as_dtype(comps[-1].dtype)), comps
        raise TypeError(f"tf.data does not support elements of type {type(x).__name__}")
    a = _array(x)
    return TensorSpec(a.shape, _dt.as_dtype(a.dtype)), [a]


def _lists_to_arrays(value):
    """TensorFlow converts a (nested) list to one tensor, not a structure."""
    if isinstance(value, list):
        return _array(value)
    if isinstance(value, dict):
        return type(value)((k, _lists_to_arrays(v)) for k, v in value.items())
    if isinstance(value, tuple):
        items = [_lists_to_arrays(v) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)
    return value


def normalize(value):
    """(element_spec, flat component arrays) of a nested value of tensors / array-likes."""
    value = _lists_to_arrays(value)
    leaves = nest.flatten(value)
    specs, comps = [], []
    for leaf in leaves:
        s, c = _leaf_spec_and_components(leaf)
        specs.append(s)
        comps.extend(c)
    return nest.pack_sequence_as(value, specs), tuple(comps)


def to_components(value, element_spec):
    """Flat arrays of ``value`` checked against ``element_spec`` (for generators)."""
    specs = flat_specs(element_spec)
    try:
        leaves = _flatten_up_to(element_spec, value)
    except (TypeError, ValueError, KeyError) as e:
        raise TypeError(f"The element {value!r} does not match the expected structure "
                        f"{element_spec}: {e}") from None
    if len(leaves) != len(specs):
        raise TypeError(f"`generator` yielded an element that did not match the expected "
                        f"structure. The expected structure was {element_spec}, but the "
                        f"yielded element was {value!r}.")
    comps = []
    for leaf, s in zip(leaves, specs):
        if isinstance(s, TensorSpec):
            try:
                a = np.asarray(_array(leaf, dtype=s.dtype))
            except (TypeError, ValueError) as e:
                raise TypeError(f"`generator` yielded an element of type {type(leaf).__name__} "
                                f"where an element of type {s.dtype.name} was expected: "
                                f"{e}") from None
            if _dt.as_dtype(a.dtype) != s.dtype:
                a = a.astype(s.dtype.np_dtype) if s.dtype is not _dt.string else a
            if not s.shape.is_compatible_with(TensorShape(a.shape)):
                raise ValueError(f"`generator` yielded an element of shape {list(a.shape)} "
                                 f"where an element of shape {s.shape} was expected.")
            comps.append(a)
        else:
            _, c = _leaf_spec_and_components(leaf)
            comps.extend(c)
    return tuple(comps)


def _flatten_up_to(spec, value):
    if not nest.is_nested(spec):
        return [value]
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise TypeError("dictionary keys differ")
        keys = nest._sorted_keys(spec)
        parts = [(spec[k], value[k]) for k in keys]
    else:
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise TypeError(f"expected a sequence of length {len(spec)}")
        parts = list(zip(spec, value))
    out = []
    for s, v in parts:
        out.extend(_flatten_up_to(s, v))
    return out


def from_components(element_spec, comps):
    """Nested EagerTensors (and composites) from flat component arrays."""
    specs = flat_specs(element_spec)
    if len(specs) == len(comps):
        if len(specs) == 1 and isinstance(specs[0], TensorSpec):
            return (EagerTensor(comps[0]) if not isinstance(element_spec, (tuple, list, dict))
                    else nest.pack_sequence_as(element_spec, [EagerTensor(comps[0])]))
        if all(type(s) is TensorSpec for s in specs):
            return nest.pack_sequence_as(element_spec, [EagerTensor(c) for c in comps])
    leaves, i = [], 0
    for s in specs:
        k = _n(s)
        part = [EagerTensor(c) if isinstance(c, (np.ndarray, np.generic)) else c
                for c in comps[i:i + k]]
        i += k
        leaves.append(part[0] if isinstance(s, TensorSpec) else s.from_components(part))
    return nest.pack_sequence_as(element_spec, leaves)


def from_symbolic(element_spec, tensors):
    """Rebuild a nested value from (symbolic) component tensors."""
    leaves, i = [], 0
    for s in flat_specs(element_spec):
        k = _n(s)
        part = tensors[i:i + k]
        i += k
        leaves.append(part[0] if isinstance(s, TensorSpec) else s.from_components(part))
    return nest.pack_sequence_as(element_spec, leaves)


def spec_of_output(out):
    """Element spec of a traced function's (symbolic) output structure."""
    def leaf(x):
        if getattr(x, "_is_composite_tensor", False):
            from tensorflux._src.ops.ragged_tensor import RaggedTensor
            if isinstance(x, RaggedTensor):
                comps = nest.flatten(x, expand_composites=True)
                return RaggedTensorSpec(x.shape, x.dtype, len(comps) - 1, comps[-1].dtype)
            return SparseTensorSpec(x.shape, x.dtype)
        return TensorSpec(x.shape, x.dtype)
    return nest.map_structure(leaf, out)


def batch_spec(element_spec, batch_size):
    """Spec of a batch of elements (static batch dim when known)."""
    def leaf(s):
        if not isinstance(s, TensorSpec):
            from tensorflux._src.data.composite import batch_spec as composite
            return composite(s, batch_size)
        return TensorSpec(TensorShape([batch_size]).concatenate(s.shape), s.dtype)
    return nest.map_structure(leaf, element_spec)


def unbatch_spec(element_spec):
    def leaf(s):
        if not isinstance(s, TensorSpec):
            from tensorflux._src.data.composite import unbatch_spec as composite
            return composite(s)
        if s.shape.rank == 0:
            raise ValueError("Cannot unbatch an input with scalar components.")
        dims = s.shape.as_list() if s.shape.rank is not None else None
        return TensorSpec(dims[1:] if dims is not None else None, s.dtype)
    return nest.map_structure(leaf, element_spec)


def relax(a, b):
    """Most specific spec compatible with both (shapes may become unknown)."""
    nest.assert_same_structure(a, b)

    def leaf(x, y):
        if x.dtype != y.dtype:
            raise TypeError(f"Incompatible element types: {x.dtype.name} vs {y.dtype.name}")
        if isinstance(x, TensorSpec):
            return TensorSpec(x.shape.most_specific_compatible_shape(y.shape), x.dtype)
        return x
    return nest.map_structure(leaf, a, b)


def describe(element_spec):
    return repr(element_spec)
