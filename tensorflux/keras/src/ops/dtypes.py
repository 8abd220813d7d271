"""Keras 3's dtype promotion (``keras.backend.result_type``), TensorFlow-backend flavour.

A JAX-like lattice: Python ``int``/``float`` are *weak* types that adopt the other operand's
precision; ``int64``/``float64`` are kept (Keras's TensorFlow backend), ``uint64`` and
``complex128`` narrow to ``uint32``/``complex64`` as in Keras.
"""

from __future__ import annotations

import functools

import numpy as np

from tensorflux.keras.src import backend

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
WEAK_TYPES = ("int", "float")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED_DTYPES = (FLOAT_TYPES + INT_TYPES + BOOL_TYPES + COMPLEX_TYPES + ("string",))
BIT64_TO_BIT32_DTYPE = {"uint64": "uint32", "complex128": "complex64"}


def _lattice():
    (b1,) = BOOL_TYPES
    u1, u2, u4, u8, i1, i2, i4, i8 = INT_TYPES
    bf, f2, f4, f8 = FLOAT_TYPES
    i_, f_ = WEAK_TYPES
    c64, c128 = COMPLEX_TYPES
    return {b1: [i_], u1: [i2, u2], u2: [i4, u4], u4: [i8, u8], u8: [f_], i_: [u1, i1, c64],
            i1: [i2], i2: [i4], i4: [i8], i8: [f_], f_: [bf, f2], bf: [f4], f2: [f4],
            f4: [f8, c64], f8: [c128], c64: [c128], c128: []}


def _upper_bounds():
    lattice = _lattice()
    bounds = {node: {node} for node in lattice}
    for n in lattice:
        while True:
            new = set().union(*(lattice[b] for b in bounds[n]))
            if new.issubset(bounds[n]):
                break
            bounds[n] |= new
    return bounds


UPPER_BOUNDS = _upper_bounds()


@functools.lru_cache(512)
def _least_upper_bound(*nodes):
    n = set(nodes)
    for d in n:
        if d not in UPPER_BOUNDS:
            raise ValueError(f"dtype={d!r} is not a valid dtype for Keras type promotion.")
    common = set.intersection(*(UPPER_BOUNDS[d] for d in n))
    lub = (common & n) or {c for c in common if common.issubset(UPPER_BOUNDS[c])}
    if len(lub) != 1:
        raise ValueError(f"Input dtypes {tuple(nodes)} have no available implicit dtype "
                         "promotion path. Try explicitly casting inputs to the desired "
                         "output type.")
    return lub.pop()


def standardize_dtype(dtype):
    """'float32'-style name of a str, Python type, NumPy or tensorflux dtype."""
    if dtype is None:
        return backend.floatx()
    if dtype is int:
        return "int64"
    if dtype is float:
        return "float32"
    if dtype is bool:
        return "bool"
    if dtype is complex:
        return "complex128"
    if dtype is str:
        return "string"
    if isinstance(dtype, str) and dtype in ("int", "float"):
        return {"int": "int64", "float": "float32"}[dtype]
    if hasattr(dtype, "name") and not isinstance(dtype, (str, np.dtype)):
        name = dtype.name
    elif isinstance(dtype, str):
        name = np.dtype(dtype).name if dtype not in ("bfloat16", "string") else dtype
    else:
        name = np.dtype(dtype).name
    return {"double": "float64", "half": "float16"}.get(name, name)


def _dtype_and_weak(value):
    return standardize_dtype(value), value is int or value is float


def _respect_weak(dtype, weak):
    if not weak or dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid value for argument `dtype`: {dtype}")


def _resolve_weak(dtype, precision):
    ind = "f" if dtype == "bfloat16" else dtype[:1]
    if ind == "b":
        return "bool"
    if ind == "i":
        return f"int{precision}"
    if ind == "u":
        return f"uint{precision}"
    return f"float{precision}"


def result_type(*dtypes):
    """The dtype Keras's promotion rules give ``dtypes`` (``keras.backend.result_type``)."""
    if not dtypes:
        return backend.floatx()
    args = [backend.floatx() if d is None else d for d in dtypes]
    kinds, weaks = zip(*(_dtype_and_weak(a) for a in args))
    if len(kinds) == 1:
        out, out_weak = kinds[0], weaks[0]
    elif len(set(kinds)) == 1 and not all(weaks):
        out, out_weak = kinds[0], False
    elif all(weaks):
        out, out_weak = _least_upper_bound(*set(kinds)), True
    else:
        out = _least_upper_bound(*{_respect_weak(d, w) for d, w in zip(kinds, weaks)})
        out_weak = out in WEAK_TYPES
    if out != "bool" and out_weak:
        out = _resolve_weak(out, backend.floatx()[-2:])
    return BIT64_TO_BIT32_DTYPE.get(out, out)


def dtype_of(x):
    """dtype name of a tensor/array, or the Python type of a scalar (weak type)."""
    if isinstance(x, bool):
        return bool
    if isinstance(x, (int, float, complex)):
        return type(x)
    d = getattr(x, "dtype", None)
    if d is None:
        return standardize_dtype(np.asarray(x).dtype) if not isinstance(x, (list, tuple)) \
            else standardize_dtype(_list_dtype(x))
    return standardize_dtype(d)


def _list_dtype(x):
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        return "float32"
    if arr.dtype == np.int64:
        return "int32"
    return arr.dtype


def is_float(dtype):
    d = standardize_dtype(dtype)
    return d in FLOAT_TYPES


def is_int(dtype):
    return standardize_dtype(dtype) in INT_TYPES
