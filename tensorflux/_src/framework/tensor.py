"""``tf.Tensor``: eager tensors (a NumPy value) and symbolic tensors (a graph edge).

Operators (``+``, ``@``, ``[]`` ...) are installed onto ``Tensor`` by the op
modules that implement them, as TensorFlow does, so this file stays free of
op logic.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.tensor_shape import TensorShape

_from_numpy = _dt.from_numpy
_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation on a symbolic tensor that needs its value."""


class Tensor:
    """A multi-dimensional array with a dtype and a shape (``tf.Tensor``).

    Example:
        >>> import tensorflux as tf
        >>> t = tf.constant([[1.0, 2.0]])
        >>> t.shape, t.dtype
        (TensorShape([1, 2]), tf.float32)
    """

    __slots__ = ()
    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_priority__ = 100
    OVERLOADABLE_OPERATORS = frozenset()

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self):
        return self.shape.rank

    def ref(self):
        return _Reference(self)

    experimental_ref = ref

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class _Reference:
    """A hashable reference to a tensor or variable (``tensor.ref()``)."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Reference) and other._obj is self._obj

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"


class EagerTensor(Tensor):
    """A tensor with a concrete value (a NumPy array or NumPy scalar)."""

    # _keras_mask: Keras attaches a layer output's mask here (as TensorFlow's Keras does).
    __slots__ = ("_value", "__weakref__", "_keras_mask")

    def __init__(self, value):
        self._value = value

    @property
    def dtype(self):
        v = self._value
        return _from_numpy(v.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    @property
    def device(self) -> str:
        return _CPU

    @property
    def backing_device(self) -> str:
        return _CPU

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    @property
    def op(self):
        raise AttributeError("Tensor.op is undefined when eager execution is enabled.")

    @property
    def graph(self):
        raise AttributeError("Tensor.graph is undefined when eager execution is enabled.")

    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for rank 0), as TensorFlow returns."""
        v = self._value
        if type(v) is np.ndarray:
            if v.ndim == 0:
                return v[()]
            return v
        return v

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._value)
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len is not well defined for a rank-0 tensor")
        return self._value.shape[0]

    def __iter__(self):
        v = self._value
        if v.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(v.shape[0]):
            yield EagerTensor(v[i])

    def __bool__(self):
        v = self._value
        if v.size != 1:
            raise ValueError(
                "The truth value of a tensor with more than one element is ambiguous. "
                "Use tf.reduce_any or tf.reduce_all.")
        return bool(v.reshape(())) if hasattr(v, "reshape") else bool(v)

    def __index__(self):
        v = self._value
        if v.dtype.kind not in "iu" or v.ndim != 0:
            raise TypeError(f"Only integer scalar tensors can be used as an index, got {self!r}")
        return int(v)

    def __int__(self):
        return int(self._value)

    def __float__(self):
        return float(self._value)

    def __complex__(self):
        return complex(self._value)

    def __format__(self, spec):
        if self._value.ndim == 0:
            return format(self.numpy(), spec)
        return format(str(self), spec)

    def __reduce__(self):
        from tensorflux._src.framework.convert import constant
        return constant, (self.numpy(),)

    def __repr__(self):
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_repr(self._value)}>")

    def __str__(self):
        return f"tf.Tensor({_numpy_str(self._value)}, shape={self.shape}, dtype={self.dtype.name})"

    def set_shape(self, shape):
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied "
                             f"shape {TensorShape(shape)}.")

    def _rank(self):
        return self._value.ndim


def _numpy_repr(v):
    a = np.asarray(v)
    if a.dtype.kind == "O":
        return repr(a) if a.ndim else repr(a[()])
    if a.ndim == 0:
        return str(a[()])
    return repr(a)


def _numpy_str(v):
    a = np.asarray(v)
    return str(a)


class SymbolicTensor(Tensor):
    """An output of an operation in a traced graph (``tf.function``)."""

    __slots__ = ("_op", "_index", "_shape", "_dtype", "__weakref__", "_keras_mask")

    def __init__(self, op, index, shape, dtype):
        self._op = op
        self._index = index
        self._shape = TensorShape(shape)
        self._dtype = dtype

    @property
    def op(self):
        return self._op

    @property
    def value_index(self):
        return self._index

    @property
    def graph(self):
        return self._op.graph

    @property
    def name(self):
        return f"{self._op.name}:{self._index}"

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def device(self):
        return self._op.device

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(shape)

    def consumers(self):
        return [op for op in self._op.graph.get_operations() if any(t is self for t in op.inputs)]

    def numpy(self):
        raise NotImplementedError(
            f"Cannot convert the symbolic tensor {self.name} to a NumPy array: it has no value "
            "while tf.function traces. Return it from the function to get its value.")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({self.name}) to a numpy array. This error "
            "may indicate that you're trying to pass a Tensor to a NumPy call, which is not "
            "supported inside tf.function.")

    def __bool__(self):
        raise OperatorNotAllowedInGraphError(
            f"Using a symbolic `tf.Tensor` ({self.name}) as a Python `bool` is not allowed "
            "inside tf.function. Use tf.cond for data-dependent branches.")

    def __iter__(self):
        d = self._shape[0] if self._shape.rank else None
        if self._shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if d is None:
            raise OperatorNotAllowedInGraphError(
                f"Iterating over a symbolic `tf.Tensor` ({self.name}) with an unknown first "
                "dimension is not allowed inside tf.function. Use tf.map_fn or tf.while_loop.")
        from tensorflux._src.ops.array_ops import unstack
        return iter(unstack(self, num=d))

    def __len__(self):
        d = self._shape[0] if self._shape.rank else None
        if d is None:
            raise TypeError(f"len is not well defined for the symbolic Tensor {self.name} "
                            "whose first dimension is unknown. Use tf.shape(x)[0].")
        return d

    def __index__(self):
        raise TypeError(f"Symbolic tensor {self.name} cannot be used as a Python index.")

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    def _rank(self):
        return self._shape.rank


def is_tensor(x) -> bool:
    """True for tensors and tensor-like composites (``tf.is_tensor``)."""
    return isinstance(x, Tensor) or getattr(x, "_is_composite_tensor", False)


