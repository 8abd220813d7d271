"""Small tf.math composites: monotonicity tests, ``lbeta``, ``zero_fraction``."""

from __future__ import annotations

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops.op_util import tensor


def _diffs(x):
    from tensorflux._src.ops import array_ops
    flat = array_ops.reshape(tensor(x), [-1])
    n = array_ops.size(flat)
    head = array_ops.gather(flat, array_ops.range(0, mo.subtract(n, 1)))
    tail = array_ops.gather(flat, array_ops.range(1, n))
    return head, tail


def is_non_decreasing(x, name=None):
    """True if each element of flattened ``x`` is >= the previous one
    (``tf.math.is_non_decreasing``).

    Example:
        >>> bool(tf.math.is_non_decreasing(tf.constant([1, 1, 2])))
        True
    """
    from tensorflux._src.ops.math_compare import less_equal
    from tensorflux._src.ops.math_reduce import reduce_all
    head, tail = _diffs(x)
    return reduce_all(less_equal(head, tail))


def is_strictly_increasing(x, name=None):
    """True if each element of flattened ``x`` is > the previous one
    (``tf.math.is_strictly_increasing``).

    Example:
        >>> bool(tf.math.is_strictly_increasing(tf.constant([1, 1, 2])))
        False
    """
    from tensorflux._src.ops.math_compare import less
    from tensorflux._src.ops.math_reduce import reduce_all
    head, tail = _diffs(x)
    return reduce_all(less(head, tail))


def is_numeric_tensor(tensor_):
    """True for tensors of a numeric dtype (``tf.debugging.is_numeric_tensor``).

    Example:
        >>> tf.debugging.is_numeric_tensor(tf.constant(1.0))
        True
    """
    return isinstance(tensor_, Tensor) and tensor_.dtype in _dt.NUMERIC


def lbeta(x, name=None):
    """Log of the multivariate Beta function over the last axis (``tf.math.lbeta``).

    Example:
        >>> round(float(tf.math.lbeta(tf.constant([1.0, 1.0]))), 4)
        0.0
    """
    from tensorflux._src.ops.math_special import lgamma
    x = tensor(x)
    return mo.subtract(mo.reduce_sum(lgamma(x), -1), lgamma(mo.reduce_sum(x, -1)))


def zero_fraction(value, name=None):
    """Fraction of zeros in ``value`` as float32 (``tf.math.zero_fraction``).

    Example:
        >>> float(tf.math.zero_fraction(tf.constant([0, 1, 0, 2])))
        0.5
    """
    from tensorflux._src.ops.math_compare import equal
    from tensorflux._src.ops.math_reduce import reduce_mean
    v = tensor(value)
    return reduce_mean(mo.cast(equal(v, mo.cast(0, v.dtype)), _dt.float32))
