"""``tf.dtypes``: the DType class, dtype constants and dtype conversions."""

from tensorflux._src.core.dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128,
                                         double, float16, float32, float64, half, int8, int16,
                                         int32, int64, qint8, qint32, quint8, resource, string,
                                         uint8, uint16, uint32, uint64, variant)
from tensorflux._src.ops.math_ops import cast

__all__ = ["DType", "as_dtype", "bfloat16", "bool", "cast", "complex64", "complex128", "double",
           "float16", "float32", "float64", "half", "int8", "int16", "int32", "int64", "qint8",
           "qint32", "quint8", "resource", "string", "uint8", "uint16", "uint32", "uint64",
           "variant"]
