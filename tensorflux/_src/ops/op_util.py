"""Helpers shared by the op families: argument conversion and common shape rules."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework.context import state
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor

_TENSOR_TYPES = (EagerTensor, SymbolicTensor)


def tensor(x, dtype=None, dtype_hint=None):
    """Fast ``convert_to_tensor`` for op arguments."""
    if type(x) is EagerTensor and state.graph is None and dtype is None:
        return x
    return convert_to_tensor(x, dtype=dtype, dtype_hint=dtype_hint)


def _like(value, other):
    """Convert a non-tensor ``value`` to the dtype of tensor ``other`` (TF's binary rule)."""
    t = type(value)
    if (t is float or t is int) and type(other) is EagerTensor and state.graph is None:
        npdt = other._value.dtype
        k = npdt.kind
        if k == "f" or k == "c" or (t is int and k in "iu"):
            try:
                return EagerTensor(npdt.type(value))
            except OverflowError:
                pass
    return convert_to_tensor(value, dtype=other.dtype)


def binary_args(x, y):
    """Convert the two operands of a binary op; Python values take the other's dtype."""
    tx, ty = type(x), type(y)
    if tx in _TENSOR_TYPES or getattr(x, "_is_variable", False):
        x = tensor(x)
        y = tensor(y) if (ty in _TENSOR_TYPES or getattr(y, "_is_variable", False)) \
            else _like(y, x)
    elif ty in _TENSOR_TYPES or getattr(y, "_is_variable", False):
        y = tensor(y)
        x = _like(x, y)
    else:
        x = convert_to_tensor(x)
        y = _like(y, x)
    return x, y


def axis_list(axis, rank):
    """Normalize an axis argument (int, list, tensor or None) to a sorted tuple."""
    if axis is None:
        return tuple(range(rank))
    a = np.asarray(axis._value if type(axis) is EagerTensor else axis).reshape(-1)
    out = []
    for v in a.tolist():
        if not -rank <= v < max(rank, 1):
            raise ValueError(f"axis {v} is out of bounds for a tensor of rank {rank}")
        out.append(v % rank if rank else 0)
    return tuple(sorted(set(out)))


# ---- shape rules ---------------------------------------------------------------------------
def broadcast_shapes(a, b):
    """Static broadcast of two shape tuples (None = unknown dim or rank)."""
    if a is None or b is None:
        return None
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            raise ValueError(f"Incompatible shapes: {list(a)} vs. {list(b)}: dimensions must be "
                             f"equal, but are {x} and {y}")
    return tuple(out)


def infer_broadcast(ic):
    return broadcast_shapes(ic.shapes[0], ic.shapes[1])


def infer_same(ic):
    return ic.shapes[0]


def infer_scalar(ic):
    return ()


def infer_reduce(ic):
    """Shape rule for reductions with inputs (input, axis) and attr keep_dims."""
    s = ic.shapes[0]
    axes = ic.values[1]
    keep = ic.attrs.get("keep_dims", False)
    if s is None:
        return None
    if axes is None:
        return (None,) * len(s) if keep else None
    r = len(s)
    ax = {int(a) % r if r else 0 for a in np.asarray(axes).reshape(-1)}
    for a in np.asarray(axes).reshape(-1):
        if r and not -r <= int(a) < r:
            raise ValueError(f"Invalid reduction dimension {int(a)} for input with {r} dimensions")
    if keep:
        return tuple(1 if i in ax else d for i, d in enumerate(s))
    return tuple(d for i, d in enumerate(s) if i not in ax)


def static_shape(t):
    """The shape of ``t`` as a tuple if fully known now, else None."""
    s = t.shape.as_tuple()
    if s is None or any(d is None for d in s):
        return None
    return s


FLOAT = _dt.FLOATING
FLOAT_COMPLEX = _dt.FLOAT_AND_COMPLEX
NUMERIC = _dt.NUMERIC
REAL = _dt.REAL
INTEGER = _dt.INTEGER
ALL = _dt.ALL_TYPES
INDEX = (_dt.int32, _dt.int64)
