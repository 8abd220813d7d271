"""TensorFlow's dtypes (``tf.float32``, ``tf.as_dtype``) mapped onto NumPy dtypes.

Every DType carries the TensorFlow ``DataType`` enum value (used in serialized
graphs), its NumPy dtype and the predicates TensorFlow exposes. bfloat16 comes
from ``ml_dtypes`` and is loaded only when first used, so ``import tensorflux``
stays fast.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DType", "as_dtype", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
    "uint32", "uint64", "float16", "half", "bfloat16", "float32", "float64", "double",
    "complex64", "complex128", "string", "resource", "variant", "qint8", "quint8", "qint32",
]


class DType:
    """A tensor element type, as ``tf.dtypes.DType``.

    Example:
        >>> import tensorflux as tf
        >>> tf.float32.is_floating, tf.float32.size
        (True, 4)
    """

    __slots__ = ("_name", "_enum", "_np_name", "_np", "_kind")

    def __init__(self, name: str, enum: int, np_name: str | None, kind: str):
        self._name = name
        self._enum = enum
        self._np_name = np_name
        self._np = None if np_name in (None, "bfloat16") else np.dtype(np_name)
        # b: bool, i: signed, u: unsigned, f: float, c: complex, s: string, o: other
        self._kind = kind

    # identity -------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def as_datatype_enum(self) -> int:
        return self._enum

    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        return f"<dtype: '{self._name}'>"

    def __reduce__(self):
        return as_dtype, (self._name,)

    def __eq__(self, other) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return self._enum

    # numpy ----------------------------------------------------------------
    @property
    def as_numpy_dtype(self):
        return self.np_dtype.type

    @property
    def np_dtype(self) -> np.dtype:
        if self._np is None:
            if self._np_name == "bfloat16":
                import ml_dtypes

                self._np = np.dtype(ml_dtypes.bfloat16)
                _NP_TO_DTYPE[self._np] = self
            else:
                raise TypeError(f"{self!r} has no NumPy equivalent")
        return self._np

    # predicates -------------------------------------------------------------
    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        if self is complex64:
            return float32
        if self is complex128:
            return float64
        return self

    @property
    def is_bool(self) -> bool:
        return self._kind == "b"

    @property
    def is_integer(self) -> bool:
        return self._kind in "iu" and not self.is_quantized

    @property
    def is_unsigned(self) -> bool:
        return self._kind == "u"

    @property
    def is_floating(self) -> bool:
        return self._kind == "f"

    @property
    def is_complex(self) -> bool:
        return self._kind == "c"

    @property
    def is_numeric(self) -> bool:
        return self._kind in "iufc"

    @property
    def is_quantized(self) -> bool:
        return self._name.startswith(("qint", "quint"))

    @property
    def size(self) -> int:
        if self._kind in "so":
            return 1
        return self.np_dtype.itemsize

    @property
    def min(self):
        if self._kind == "f":
            return self.np_dtype.type(-np.inf) if self is bfloat16 else np.finfo(self.np_dtype).min
        if self._kind in "iu":
            return np.iinfo(self.np_dtype).min
        if self._kind == "b":
            return False
        raise TypeError(f"Cannot find minimum value of {self!r}.")

    @property
    def max(self):
        if self._kind == "f":
            if self is bfloat16:
                import ml_dtypes

                return ml_dtypes.finfo(ml_dtypes.bfloat16).max
            return np.finfo(self.np_dtype).max
        if self._kind in "iu":
            return np.iinfo(self.np_dtype).max
        if self._kind == "b":
            return True
        raise TypeError(f"Cannot find maximum value of {self!r}.")

    @property
    def limits(self):
        return self.min, self.max

    def is_compatible_with(self, other) -> bool:
        return self == as_dtype(other)


def _make(name, enum, np_name, kind):
    return DType(name, enum, np_name, kind)


float32 = _make("float32", 1, "float32", "f")
float64 = _make("float64", 2, "float64", "f")
int32 = _make("int32", 3, "int32", "i")
uint8 = _make("uint8", 4, "uint8", "u")
int16 = _make("int16", 5, "int16", "i")
int8 = _make("int8", 6, "int8", "i")
string = _make("string", 7, None, "s")
complex64 = _make("complex64", 8, "complex64", "c")
int64 = _make("int64", 9, "int64", "i")
bool = _make("bool", 10, "bool", "b")  # noqa: A001 - TensorFlow's public name
qint8 = _make("qint8", 11, "int8", "i")
quint8 = _make("quint8", 12, "uint8", "u")
qint32 = _make("qint32", 13, "int32", "i")
bfloat16 = _make("bfloat16", 14, "bfloat16", "f")
uint16 = _make("uint16", 17, "uint16", "u")
complex128 = _make("complex128", 18, "complex128", "c")
float16 = _make("float16", 19, "float16", "f")
resource = _make("resource", 20, None, "o")
variant = _make("variant", 21, None, "o")
uint32 = _make("uint32", 22, "uint32", "u")
uint64 = _make("uint64", 23, "uint64", "u")
half = float16
double = float64

_ALL = [float32, float64, int32, uint8, int16, int8, string, complex64, int64, bool, qint8,
        quint8, qint32, bfloat16, uint16, complex128, float16, resource, variant, uint32, uint64]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update({"half": float16, "double": float64, "float": float32})
_BY_ENUM = {d.as_datatype_enum: d for d in _ALL}
_NP_TO_DTYPE = {d._np: d for d in _ALL if d._np is not None and not d.is_quantized}
_NP_TO_DTYPE[np.dtype(object)] = string
_NP_TO_DTYPE[np.dtype("S")] = string
_PY_TO_DTYPE = {float: float32, int: int32, complex: complex128, str: string, bytes: string}

FLOATING = (float16, bfloat16, float32, float64)
COMPLEX = (complex64, complex128)
INTEGER = (int8, int16, int32, int64, uint8, uint16, uint32, uint64)
REAL = FLOATING + INTEGER
NUMERIC = REAL + COMPLEX
FLOAT_AND_COMPLEX = FLOATING + COMPLEX
ALL_TYPES = NUMERIC + (bool, string)


def as_dtype(type_value) -> DType:
    """Converts a DType, NumPy dtype, name or enum value to a ``DType`` (``tf.as_dtype``).

    Example:
        >>> import numpy as np, tensorflux as tf
        >>> tf.as_dtype(np.float32) is tf.float32
        True
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, np.dtype):
        d = _NP_TO_DTYPE.get(type_value)
        if d is not None:
            return d
        if type_value.kind in "SUO":
            return string
        if type_value.name == "bfloat16":
            return bfloat16
    if isinstance(type_value, str):
        d = _BY_NAME.get(type_value)
        if d is not None:
            return d
    if isinstance(type_value, int) and not isinstance(type_value, type(True)):  # noqa: UP003
        d = _BY_ENUM.get(type_value)
        if d is not None:
            return d
    if isinstance(type_value, type):
        if type_value in _PY_TO_DTYPE:
            return _PY_TO_DTYPE[type_value]
        if type_value is type(True):  # noqa: UP003 - `bool` is tf.bool here
            return bool
    if hasattr(type_value, "dtype") and not isinstance(type_value, type):
        return as_dtype(type_value.dtype)
    try:
        return as_dtype(np.dtype(type_value))
    except (TypeError, ValueError):
        pass
    raise TypeError(
        f"Cannot convert {type_value!r} to a dtype. Expected a tf.DType, a NumPy dtype, "
        f"or a name such as 'float32'.")


def from_numpy(np_dtype: np.dtype) -> DType:
    """Fast path used by the dispatcher: NumPy dtype -> DType."""
    d = _NP_TO_DTYPE.get(np_dtype)
    return d if d is not None else as_dtype(np_dtype)
