"""Clipping and norm helpers: clip_by_value, clip_by_norm, clip_by_global_norm, global_norm,
l2_normalize, accumulate_n (all composites of primitive ops, as in TensorFlow)."""

from __future__ import annotations

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework.indexed_slices import IndexedSlices
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops.math_binary import maximum, minimum
from tensorflux._src.ops.math_compare import greater
from tensorflux._src.ops.math_unary import rsqrt, sqrt, square
from tensorflux._src.ops.op_util import tensor


def _a():
    from tensorflux._src.ops import array_ops
    return array_ops


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamps every element of ``t`` to ``[clip_value_min, clip_value_max]``
    (``tf.clip_by_value``).

    Example:
        >>> tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1.0, 1.0).numpy().tolist()
        [-1.0, 0.5, 1.0]
    """
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clip_by_value(t.values, clip_value_min, clip_value_max),
                             t.indices, t.dense_shape)
    t = tensor(t)
    t_min = minimum(t, clip_value_max)
    out = maximum(t_min, clip_value_min)
    if out.shape.rank is not None and t.shape.rank is not None and \
            not out.shape.is_compatible_with(t.shape):
        raise ValueError(f"Clip value shapes must broadcast to t's shape: got {out.shape} "
                         f"for t of shape {t.shape}")
    return out


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales ``t`` so that its L2 norm (over ``axes``) is at most ``clip_norm``
    (``tf.clip_by_norm``).

    Example:
        >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy().round(2).tolist()
        [0.6, 0.8]
    """
    a = _a()
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clip_by_norm(t.values, clip_norm, axes), t.indices, t.dense_shape)
    t = tensor(t)
    clip_norm = tensor(clip_norm, dtype=t.dtype)
    l2sum = mo.reduce_sum(mo.multiply(t, t), axes, keepdims=True)
    pred = greater(l2sum, 0)
    l2sum_safe = a.where_v2(pred, l2sum, a.ones_like(l2sum))
    l2norm = a.where_v2(pred, sqrt(l2sum_safe), l2sum)
    intermediate = mo.multiply(t, clip_norm)
    return a.identity(mo.divide_no_check(intermediate, maximum(l2norm, clip_norm)))


def global_norm(t_list, name=None):
    """``sqrt(sum(||t||^2 for t in t_list))``; None entries are ignored (``tf.linalg.global_norm``).

    Example:
        >>> float(tf.linalg.global_norm([tf.constant([3.0]), tf.constant([4.0])]))
        5.0
    """
    if isinstance(t_list, (str, bytes)) or not hasattr(t_list, "__iter__"):
        raise TypeError(f"t_list should be a sequence of tensors, got {type(t_list).__name__}")
    vals = []
    for t in t_list:
        if t is None:
            continue
        if isinstance(t, IndexedSlices):
            t = t.values
        t = tensor(t)
        vals.append(mo.reduce_sum(square(t)))
    if not vals:
        return tensor(0.0)
    total = mo.add_n(vals) if len(vals) > 1 else vals[0]
    return sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor in ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``.

    Returns ``(list_clipped, global_norm)``; None entries stay None. If the global norm is
    infinite, every output is NaN (as in TensorFlow).

    Example:
        >>> ts, n = tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 1.0)
        >>> [t.numpy().round(2).tolist() for t in ts], float(n)
        ([[0.6], [0.8]], 5.0)
    """
    if isinstance(t_list, (str, bytes)) or not hasattr(t_list, "__iter__"):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received "
                        f"{type(t_list).__name__}.")
    t_list = list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list)
    use_norm = tensor(use_norm)
    dtype = use_norm.dtype
    clip = tensor(clip_norm, dtype=dtype)
    one = tensor(1.0, dtype=dtype)
    scale = mo.multiply(clip, minimum(mo.divide_no_check(one, use_norm),
                                      mo.divide_no_check(one, clip)))
    scale = mo.add(scale, mo.subtract(use_norm, use_norm))  # NaN when the norm is inf
    out = []
    for t in t_list:
        if t is None:
            out.append(None)
            continue
        if isinstance(t, IndexedSlices):
            s = mo.cast(scale, t.values.dtype)
            out.append(IndexedSlices(mo.multiply(t.values, s), t.indices, t.dense_shape))
            continue
        t = tensor(t)
        out.append(_a().identity(mo.multiply(t, mo.cast(scale, t.dtype))))
    return out, use_norm


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))`` (``tf.math.l2_normalize``).

    Example:
        >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy().round(2).tolist()
        [0.6, 0.8]
    """
    if dim is not None:
        axis = dim
    x = tensor(x)
    if x.dtype.is_complex:
        from tensorflux._src.ops.math_unary import imag, real
        sq = mo.add(square(real(x)), square(imag(x)))
        inv = rsqrt(maximum(mo.reduce_sum(sq, axis, keepdims=True), epsilon))
        return mo.multiply(x, mo.cast(inv, x.dtype))
    square_sum = mo.reduce_sum(square(x), axis, keepdims=True)
    inv = rsqrt(maximum(square_sum, tensor(epsilon, dtype=x.dtype)))
    return mo.multiply(x, inv)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """Sums a list of same-shaped tensors (``tf.math.accumulate_n``, same as ``add_n``).

    Example:
        >>> tf.math.accumulate_n([tf.constant([1, 2]), tf.constant([3, 4])]).numpy().tolist()
        [4, 6]
    """
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype "
                         "and shape")
    ts = [tensor(x) for x in inputs]
    if tensor_dtype is not None and any(t.dtype != _dt.as_dtype(tensor_dtype) for t in ts):
        raise TypeError(f"tensor_dtype is {tensor_dtype}, but input is of a different type")
    return mo.add_n(ts)
