"""tf.bitwise: bitwise operations on integer tensors."""

from tensorflux._src.ops.math_compare import (  # noqa: F401
    bitwise_and, bitwise_or, bitwise_xor, left_shift, right_shift)
from tensorflux._src.ops.math_unary import invert  # noqa: F401
