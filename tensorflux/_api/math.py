"""Top-level tf.* names from the math family (explicit re-exports).

Importing this module also installs the Python operators on Tensor and Variable.
"""

from tensorflux._src.ops import operators  # noqa: F401 - installs + - * / ... on tensors
from tensorflux._src.ops.debugging import (  # noqa: F401
    Assert, assert_equal, assert_greater, assert_less, assert_rank)
from tensorflux._src.ops.math_binary import (  # noqa: F401
    atan2, complex, divide, maximum, minimum, pow, realdiv, scalar_mul, truediv, truncatediv,
    truncatemod)
from tensorflux._src.ops.math_clip import (  # noqa: F401
    clip_by_global_norm, clip_by_norm, clip_by_value)
from tensorflux._src.ops.math_compare import (  # noqa: F401
    equal, greater, greater_equal, less, less_equal, logical_and, logical_or, not_equal)
from tensorflux._src.ops.math_ops import (  # noqa: F401
    add, add_n, cast, floordiv, multiply, negative, reduce_sum, subtract)
from tensorflux._src.ops.math_reduce import (  # noqa: F401
    argmax, argmin, cumsum, reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
    reduce_min, reduce_prod)
from tensorflux._src.ops.math_unary import (  # noqa: F401
    abs, acos, acosh, asin, asinh, atan, atanh, cos, cosh, exp, floor, logical_not, round,
    sigmoid, sign, sin, sinh, sqrt, square, tan, tanh)

__all__ = [
    "Assert", "assert_equal", "assert_greater", "assert_less", "assert_rank",
    "atan2", "complex", "divide", "maximum", "minimum", "pow", "realdiv", "scalar_mul",
    "truediv", "truncatediv", "truncatemod",
    "clip_by_global_norm", "clip_by_norm", "clip_by_value",
    "equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
    "not_equal",
    "add", "add_n", "cast", "floordiv", "multiply", "negative", "reduce_sum", "subtract",
    "argmax", "argmin", "cumsum", "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod",
    "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "floor",
    "logical_not", "round", "sigmoid", "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh",
]
