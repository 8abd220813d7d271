"""Helpers shared by the ``keras.ops.numpy`` modules (argument conversion, dtype rules)."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import convert_to_tensor

result_type = kdt.result_type


def _t(x, dtype=None):
    return convert_to_tensor(x, dtype)


def _arg(x):
    """Keep Python scalars (weak types) as they are; everything else becomes a tensor."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return _t(x)


def _dt(x):
    return kdt.dtype_of(x)


def _name(x):
    return x.dtype.name


def _float_dtype(dtype):
    """The float dtype Keras computes float-valued functions of ``dtype`` in."""
    dtype = kdt.standardize_dtype(dtype)
    if dtype == "int64":
        return backend.floatx()
    return result_type(dtype, float)


def _axes(axis):
    if isinstance(axis, (list, tuple)):
        return list(axis)
    return axis


def _promote(x1, x2, *extra):
    x1, x2 = _arg(x1), _arg(x2)
    dtype = result_type(_dt(x1), _dt(x2), *extra)
    return _t(x1, dtype), _t(x2, dtype), dtype


# Used by several of the numpy_* modules (public: re-exported by numpy.py).
def moveaxis(x, source, destination):
    x = _t(x)
    r = len(x.shape)
    src = [s % r for s in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [d % r for d in (destination if isinstance(destination, (list, tuple))
                           else [destination])]
    order = [i for i in range(r) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tf.transpose(x, order)


def nonzero(x):
    x = _t(x)
    idx = tf.where(tf.not_equal(x, tf.zeros_like(x)))
    return tuple(tf.cast(idx[:, i], "int32") for i in range(len(x.shape)))
