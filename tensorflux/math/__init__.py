"""tf.math: elementwise math, reductions, segment ops and special functions."""

from tensorflux._src.ops.math_binary import (  # noqa: F401
    atan2, complex, div_no_nan as divide_no_nan, divide, maximum, minimum, mod,
    multiply_no_nan, polyval, pow, realdiv, scalar_mul, squared_difference, truediv,
    truncatediv, truncatemod)
from tensorflux._src.ops.math_clip import accumulate_n, l2_normalize  # noqa: F401
from tensorflux._src.ops.math_compare import (  # noqa: F401
    equal, greater, greater_equal, less, less_equal, logical_and, logical_or, logical_xor,
    not_equal)
from tensorflux._src.ops.math_misc import (  # noqa: F401
    is_non_decreasing, is_strictly_increasing, lbeta, zero_fraction)
from tensorflux._src.ops.math_ops import (  # noqa: F401
    add, add_n, conj, floordiv, floormod, multiply, negative, reduce_sum, subtract,
    unsorted_segment_sum)
from tensorflux._src.ops.math_reduce import (  # noqa: F401
    argmax, argmin, count_nonzero, cumprod, cumsum, cumulative_logsumexp, reduce_all,
    reduce_any, reduce_euclidean_norm, reduce_logsumexp, reduce_max, reduce_mean, reduce_min,
    reduce_prod, reduce_std, reduce_variance)
from tensorflux._src.ops.math_segment import (  # noqa: F401
    bincount, segment_max, segment_mean, segment_min, segment_prod, segment_sum,
    unsorted_segment_max, unsorted_segment_mean, unsorted_segment_min, unsorted_segment_prod,
    unsorted_segment_sqrt_n)
from tensorflux._src.ops.math_special import (  # noqa: F401
    digamma, erf, erfc, erfinv, igamma, igammac, lgamma, ndtri, polygamma, xdivy, xlog1py,
    xlogy, zeta)
from tensorflux._src.ops.math_unary import (  # noqa: F401
    abs, acos, acosh, angle, asin, asinh, atan, atanh, ceil, cos, cosh, exp, expm1, floor,
    imag, is_finite, is_inf, is_nan, log, log1p, log_sigmoid, logical_not, real, reciprocal,
    reciprocal_no_nan, rint, round, rsqrt, sigmoid, sign, sin, sinh, softplus, softsign, sqrt,
    square, tan, tanh)
