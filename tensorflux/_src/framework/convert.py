"""``tf.constant`` and ``tf.convert_to_tensor``: Python and NumPy values to tensors.

Dtype inference follows TensorFlow: Python ints become int32 (int64 when they do not
fit), Python floats float32, NumPy arrays keep their dtype, strings become ``tf.string``
(stored as NumPy object arrays of ``bytes``).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework.context import state
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor, Tensor

_conversion_registry: list = []  # (type, fn) from tf.register_tensor_conversion_function
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _to_bytes(x):
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x)
    if isinstance(x, np.str_):
        return str(x).encode("utf-8")
    raise TypeError(f"Expected a string, got {x!r} of type {type(x).__name__}")


def _string_array(value):
    a = np.asarray(value, dtype=object)
    if a.ndim == 0:
        out = np.empty((), dtype=object)
        out[()] = _to_bytes(a[()])
        return out
    flat = [_to_bytes(x) for x in a.reshape(-1)]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(a.shape)


def _infer_array(value):
    """NumPy array for a Python/NumPy value with TensorFlow's default dtypes."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SU":
            return _string_array(value)
        if value.dtype.kind == "O" and value.size and any(
                isinstance(x, (str, np.str_)) for x in value.reshape(-1)):
            return _infer_array(value.tolist())  # object array of str: encode as UTF-8
        return value
    if isinstance(value, np.generic):
        if isinstance(value, (np.bytes_, np.str_)):
            return _string_array(value)
        return np.asarray(value)
    t = type(value)
    if t is float:
        return np.asarray(value, np.float32)
    if t is int:
        return np.asarray(value, np.int32 if _INT32_MIN <= value <= _INT32_MAX else np.int64)
    if t is bool:
        return np.asarray(value, np.bool_)
    if t in (str, bytes):
        return _string_array(value)
    if t is complex:
        return np.asarray(value, np.complex128)
    a = np.asarray(value)
    k = a.dtype.kind
    if k == "f" and a.dtype == np.float64:
        return a.astype(np.float32)
    if k == "i":
        if a.size and (a.min() < _INT32_MIN or a.max() > _INT32_MAX):
            return a.astype(np.int64)
        return a.astype(np.int32)
    if k in "SU":  # from the Python value: NumPy's "S" dtype drops trailing NUL bytes
        return _string_array(value)
    if k == "O":
        flat = a.reshape(-1)
        if all(isinstance(x, (str, bytes, np.bytes_, np.str_)) for x in flat):
            return _string_array(a)
        if any(isinstance(x, Tensor) for x in flat):
            raise _TensorInList()
        raise TypeError(f"Can't convert {value!r} to a tensor: unsupported element types.")
    return a


class _TensorInList(Exception):
    pass


def _cast_value(a, dtype, value):
    """Convert NumPy value ``a`` to ``dtype``, refusing lossy conversions as TF does."""
    if dtype is _dt.string:
        if a.dtype.kind == "O":
            return a
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype string")
    npdt = dtype.np_dtype
    if a.dtype == npdt:
        return a
    if a.dtype.kind == "O":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    src_kind = a.dtype.kind
    dst_kind = np.dtype(npdt).kind if dtype is not _dt.bfloat16 else "f"
    if not isinstance(value, np.ndarray):
        # Python values: float -> int is lossy and refused; int -> float is fine.
        if src_kind in "fc" and dst_kind in "iub":
            if not np.all(np.asarray(a) == np.round(np.real(a))) or src_kind == "c":
                raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        if src_kind == "c" and dst_kind != "c":
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        if dst_kind in "iu" and a.size:
            info = np.iinfo(npdt)
            if a.min() < info.min or a.max() > info.max:
                raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}:"
                                " value out of range")
        if src_kind == "b" and dst_kind != "b":
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return a.astype(npdt)
    return a.astype(npdt)


def constant_value_array(value, dtype=None, shape=None, verify_shape=False):
    dtype = None if dtype is None else _dt.as_dtype(dtype)
    if isinstance(value, EagerTensor):
        a = value._value
        if dtype is not None and value.dtype is not dtype:
            a = np.asarray(a).astype(dtype.np_dtype)
    else:
        a = _infer_array(value)
        if dtype is not None:
            if (a.dtype == np.float32 and dtype in (_dt.float64, _dt.complex128)
                    and not isinstance(value, (np.ndarray, np.generic))):
                a = np.asarray(value, np.float64)  # Python floats: no float32 rounding
            a = _cast_value(a, dtype, value)
    if shape is not None:
        shape = tuple(TensorShape(shape).as_list())
        if tuple(np.shape(a)) != shape:
            if verify_shape:
                raise TypeError(f"Expected Tensor's shape: {shape}, but got {np.shape(a)}.")
            if np.size(a) == 1:
                a = np.full(shape, np.asarray(a).reshape(()), dtype=a.dtype)
            elif np.size(a) == int(np.prod(shape)):
                a = np.reshape(a, shape)
            else:
                raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried "
                                f"to convert {np.size(a)} values into shape {shape}.")
    return a


def constant(value, dtype=None, shape=None, name="Const"):
    """Creates a constant tensor (``tf.constant``).

    Example:
        >>> import tensorflux as tf
        >>> tf.constant([1, 2, 3]).dtype
        tf.int32
    """
    if isinstance(value, SymbolicTensor):
        raise TypeError(f"tf.constant needs a concrete value, got the symbolic tensor "
                        f"{value.name}; use tf.identity or tf.convert_to_tensor instead.")
    try:
        a = constant_value_array(value, dtype, shape)
    except _TensorInList:
        from tensorflux._src.ops.array_ops import stack_nested
        t = stack_nested(value)
        return t if dtype is None else _cast_tensor(t, _dt.as_dtype(dtype))
    g = state.graph
    if g is not None:
        return g.constant(a, name=name)
    return EagerTensor(a)


def _cast_tensor(t, dtype):
    if t.dtype is dtype:
        return t
    from tensorflux._src.ops.math_ops import cast
    return cast(t, dtype)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None, preferred_dtype=None):
    """Converts a value to a ``Tensor`` (``tf.convert_to_tensor``)."""
    t = type(value)
    if t is EagerTensor:
        if state.graph is not None:
            value = state.graph.capture(value)
        elif dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {_dt.as_dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    if t is SymbolicTensor:
        g = state.graph
        if g is not None and value.graph is not g:
            value = g.capture(value)
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {_dt.as_dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    if getattr(value, "_is_variable", False):
        v = value.value()
        if dtype is not None and v.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {_dt.as_dtype(dtype).name} for "
                             f"variable with dtype {v.dtype.name}")
        return v
    conv = getattr(value, "_as_tensor", None) or getattr(value, "__tf_tensor__", None)
    if conv is not None and not isinstance(value, type):
        return convert_to_tensor(conv(dtype=dtype, name=name) if conv.__name__ == "__tf_tensor__"
                                 else conv(), dtype=dtype)
    for typ, fn in _conversion_registry:
        if isinstance(value, typ):
            return fn(value, dtype=dtype, name=name, as_ref=False)
    hint = dtype_hint if dtype_hint is not None else preferred_dtype
    if dtype is None and hint is not None:
        try:
            return constant(value, dtype=hint)
        except (TypeError, ValueError):
            return constant(value)
    return constant(value, dtype=dtype)


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """Registers a function converting objects of ``base_type`` to tensors."""
    _conversion_registry.append((base_type, conversion_func))
