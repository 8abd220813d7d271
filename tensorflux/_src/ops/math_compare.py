"""Comparisons, logical and bitwise ops (``tf.math.equal``, ``tf.math.logical_and``,
``tf.bitwise.*``). Outputs are boolean or integer, so none is differentiable."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import binary_args


def _eq_infer(ic):
    try:
        return u.broadcast_shapes(ic.shapes[0], ic.shapes[1])
    except ValueError:
        if ic.attrs.get("incompatible_shape_error", True):
            raise
        return ()


def _eq_kernel(fn, result_if_incompatible):
    def kernel(x, y, incompatible_shape_error=True):
        if not incompatible_shape_error:
            try:
                np.broadcast_shapes(np.shape(x), np.shape(y))
            except ValueError:
                return np.bool_(result_if_incompatible)
        if x.dtype.kind == "O" or y.dtype.kind == "O":
            return np.asarray(fn(np.asarray(x, object), np.asarray(y, object)), dtype=bool)
        return fn(x, y)
    return kernel


_EQ_TYPES = u.NUMERIC + (_dt.bool, _dt.string)
EQUAL = defop("Equal", _eq_kernel(np.equal, False), inputs=("x: T", "y: T"),
              outputs=("z: bool",), types={"T": _EQ_TYPES},
              attrs={"incompatible_shape_error": True}, infer=_eq_infer,
              grad=NOT_DIFFERENTIABLE)
NOT_EQUAL = defop("NotEqual", _eq_kernel(np.not_equal, True), inputs=("x: T", "y: T"),
                  outputs=("z: bool",), types={"T": _EQ_TYPES},
                  attrs={"incompatible_shape_error": True}, infer=_eq_infer,
                  grad=NOT_DIFFERENTIABLE)


def _cmp(name, fn):
    return defop(name, fn, inputs=("x: T", "y: T"), outputs=("z: bool",),
                 types={"T": u.REAL}, infer=u.infer_broadcast, grad=NOT_DIFFERENTIABLE)


LESS = _cmp("Less", np.less)
LESS_EQUAL = _cmp("LessEqual", np.less_equal)
GREATER = _cmp("Greater", np.greater)
GREATER_EQUAL = _cmp("GreaterEqual", np.greater_equal)


def equal(x, y, name=None):
    """Elementwise ``x == y`` with broadcasting (``tf.math.equal``).

    Example:
        >>> tf.math.equal(tf.constant([1, 2]), 2).numpy().tolist()
        [False, True]
    """
    x, y = binary_args(x, y)
    return execute(EQUAL, (x, y), None, name)


def not_equal(x, y, name=None):
    """Elementwise ``x != y`` with broadcasting (``tf.math.not_equal``).

    Example:
        >>> tf.math.not_equal(tf.constant([1, 2]), 2).numpy().tolist()
        [True, False]
    """
    x, y = binary_args(x, y)
    return execute(NOT_EQUAL, (x, y), None, name)


def less(x, y, name=None):
    """Elementwise ``x < y`` (``tf.math.less``).

    Example:
        >>> tf.math.less(tf.constant([1, 3]), 2).numpy().tolist()
        [True, False]
    """
    x, y = binary_args(x, y)
    return execute(LESS, (x, y), None, name)


def less_equal(x, y, name=None):
    """Elementwise ``x <= y`` (``tf.math.less_equal``).

    Example:
        >>> tf.math.less_equal(tf.constant([1, 3]), 1).numpy().tolist()
        [True, False]
    """
    x, y = binary_args(x, y)
    return execute(LESS_EQUAL, (x, y), None, name)


def greater(x, y, name=None):
    """Elementwise ``x > y`` (``tf.math.greater``).

    Example:
        >>> tf.math.greater(tf.constant([1, 3]), 2).numpy().tolist()
        [False, True]
    """
    x, y = binary_args(x, y)
    return execute(GREATER, (x, y), None, name)


def greater_equal(x, y, name=None):
    """Elementwise ``x >= y`` (``tf.math.greater_equal``).

    Example:
        >>> tf.math.greater_equal(tf.constant([1, 3]), 3).numpy().tolist()
        [False, True]
    """
    x, y = binary_args(x, y)
    return execute(GREATER_EQUAL, (x, y), None, name)


# ---- logical -----------------------------------------------------------------------------------

LOGICAL_AND = defop("LogicalAnd", np.logical_and, inputs=("x: bool", "y: bool"),
                    outputs=("z: bool",), infer=u.infer_broadcast, grad=NOT_DIFFERENTIABLE)
LOGICAL_OR = defop("LogicalOr", np.logical_or, inputs=("x: bool", "y: bool"),
                   outputs=("z: bool",), infer=u.infer_broadcast, grad=NOT_DIFFERENTIABLE)


def _bool_args(x, y):
    x, y = binary_args(x, y)
    for t in (x, y):
        if t.dtype is not _dt.bool:
            from tensorflux._src.core.errors import InvalidArgumentError
            raise InvalidArgumentError(
                None, None, f"Logical ops take bool tensors, got {t.dtype.name}: compare or "
                "cast first (e.g. tf.cast(x, tf.bool)).")
    return x, y


def logical_and(x, y, name=None):
    """Elementwise boolean AND (``tf.math.logical_and``).

    Example:
        >>> tf.math.logical_and(tf.constant([True, True]), [True, False]).numpy().tolist()
        [True, False]
    """
    x, y = _bool_args(x, y)
    return execute(LOGICAL_AND, (x, y), None, name)


def logical_or(x, y, name=None):
    """Elementwise boolean OR (``tf.math.logical_or``).

    Example:
        >>> tf.math.logical_or(tf.constant([False, False]), [True, False]).numpy().tolist()
        [True, False]
    """
    x, y = _bool_args(x, y)
    return execute(LOGICAL_OR, (x, y), None, name)


def logical_xor(x, y, name="LogicalXor"):
    """Elementwise boolean XOR, built from AND/OR/NOT as TensorFlow does
    (``tf.math.logical_xor``).

    Example:
        >>> tf.math.logical_xor(tf.constant([True, True]), [True, False]).numpy().tolist()
        [False, True]
    """
    from tensorflux._src.ops.math_unary import logical_not
    x, y = _bool_args(x, y)
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)))


# ---- bitwise -----------------------------------------------------------------------------------


def _shift_kernel(fn):
    def kernel(x, y):
        bits = x.dtype.itemsize * 8
        yy = np.asarray(y)
        # TF: shifts outside [0, bits) are implementation defined; clamp like its kernel does.
        yc = np.clip(yy, 0, bits - 1).astype(x.dtype)
        out = fn(x, yc)
        return np.asarray(out, x.dtype) if np.ndim(out) else x.dtype.type(out)
    return kernel


def _bitop(name, fn):
    return defop(name, fn, inputs=("x: T", "y: T"), outputs=("z: T",),
                 types={"T": u.INTEGER}, infer=u.infer_broadcast, grad=NOT_DIFFERENTIABLE)


BITWISE_AND = _bitop("BitwiseAnd", np.bitwise_and)
BITWISE_OR = _bitop("BitwiseOr", np.bitwise_or)
BITWISE_XOR = _bitop("BitwiseXor", np.bitwise_xor)
LEFT_SHIFT = _bitop("LeftShift", _shift_kernel(np.left_shift))
RIGHT_SHIFT = _bitop("RightShift", _shift_kernel(np.right_shift))


def bitwise_and(x, y, name=None):
    """Elementwise bitwise AND of integers (``tf.bitwise.bitwise_and``).

    Example:
        >>> tf.bitwise.bitwise_and(tf.constant([12]), tf.constant([10])).numpy().tolist()
        [8]
    """
    x, y = binary_args(x, y)
    return execute(BITWISE_AND, (x, y), None, name)


def bitwise_or(x, y, name=None):
    """Elementwise bitwise OR (``tf.bitwise.bitwise_or``).

    Example:
        >>> tf.bitwise.bitwise_or(tf.constant([12]), tf.constant([10])).numpy().tolist()
        [14]
    """
    x, y = binary_args(x, y)
    return execute(BITWISE_OR, (x, y), None, name)


def bitwise_xor(x, y, name=None):
    """Elementwise bitwise XOR (``tf.bitwise.bitwise_xor``).

    Example:
        >>> tf.bitwise.bitwise_xor(tf.constant([12]), tf.constant([10])).numpy().tolist()
        [6]
    """
    x, y = binary_args(x, y)
    return execute(BITWISE_XOR, (x, y), None, name)


def left_shift(x, y, name=None):
    """Elementwise ``x << y`` (``tf.bitwise.left_shift``).

    Example:
        >>> tf.bitwise.left_shift(tf.constant([1]), tf.constant([3])).numpy().tolist()
        [8]
    """
    x, y = binary_args(x, y)
    return execute(LEFT_SHIFT, (x, y), None, name)


def right_shift(x, y, name=None):
    """Elementwise ``x >> y``, arithmetic for signed types (``tf.bitwise.right_shift``).

    Example:
        >>> tf.bitwise.right_shift(tf.constant([-8]), tf.constant([1])).numpy().tolist()
        [-4]
    """
    x, y = binary_args(x, y)
    return execute(RIGHT_SHIFT, (x, y), None, name)

