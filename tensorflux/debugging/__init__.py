"""tf.debugging: assertions and numeric checks."""

from tensorflux._src.ops.debugging import (  # noqa: F401
    Assert, assert_all_finite, assert_equal, assert_greater, assert_greater_equal,
    assert_integer, assert_less, assert_less_equal, assert_near, assert_negative,
    assert_non_negative, assert_non_positive, assert_none_equal, assert_positive, assert_rank,
    assert_rank_at_least, assert_rank_in, assert_scalar, assert_shapes, assert_type,
    check_numerics, disable_check_numerics, enable_check_numerics)
from tensorflux._src.ops.math_misc import (  # noqa: F401
    is_non_decreasing, is_numeric_tensor, is_strictly_increasing)
