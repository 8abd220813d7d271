"""Normalization: batch_normalization, fused_batch_norm (FusedBatchNormV3), moments,
weighted_moments, normalize_moments and local response normalization (l2_normalize is
the math family's tf.math.l2_normalize, re-exported by tf.nn)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import math_ops as M
from tensorflux._src.ops import math_reduce, math_unary
from tensorflux._src.ops import nn_util as nu
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import binary_args, tensor

# ---- FusedBatchNormV3 -------------------------------------------------------------------------


def _red_axes(x, data_format):
    return (0, 1, 2, 3)[:x.ndim - 1] if nu.channels_last(data_format) else tuple(
        i for i in range(x.ndim) if i != 1)


def _bshape(x, data_format):
    return (-1,) if nu.channels_last(data_format) else (1, -1) + (1,) * (x.ndim - 2)


def _fbn_kernel(x, scale, offset, mean, variance, epsilon=0.0001, exponential_avg_factor=1.0,
                data_format="NHWC", is_training=True):
    ax = _red_axes(x, data_format)
    bs = _bshape(x, data_format)
    xf = x.astype(np.float64 if x.dtype == np.float64 else np.float32, copy=False)
    if is_training:
        m = xf.mean(axis=ax)
        v = xf.var(axis=ax)
        n = xf.size // max(m.size, 1)
        vu = v * (n / max(n - 1, 1))
        f = exponential_avg_factor
        if f != 1.0:
            bm = (1 - f) * mean + f * m
            bv = (1 - f) * variance + f * vu
        else:
            bm, bv = m, vu
    else:
        m, v = mean.astype(xf.dtype), variance.astype(xf.dtype)
        bm, bv = mean, variance
    inv = 1.0 / np.sqrt(v + epsilon)
    # (x - mean) * (inv * scale) + offset, in one buffer: three passes, no temporaries
    y = np.subtract(xf, m.reshape(bs))
    y *= (inv * scale).reshape(bs)
    y += offset.reshape(bs)
    ud = scale.dtype
    return (y.astype(x.dtype, copy=False), np.asarray(bm, ud), np.asarray(bv, ud),
            m.astype(ud), np.asarray(v, ud), np.zeros((0,), ud))


def _fbn_infer(ic):
    x = ic.shapes[0]
    c = None
    if x is not None:
        c = x[-1] if nu.channels_last(ic.attrs["data_format"]) else x[1]
    if c is None and ic.shapes[1] is not None:
        c = ic.shapes[1][0]
    return [x, (c,), (c,), (c,), (c,), (0,)]


def _fbn_grad_kernel(dy, x, scale, r1, r2, r3, epsilon=0.0001, data_format="NHWC",
                     is_training=True):
    ax = _red_axes(x, data_format)
    bs = _bshape(x, data_format)
    ft = np.float64 if x.dtype == np.float64 else np.float32
    dyf, xf = dy.astype(ft), x.astype(ft)
    inv = 1.0 / np.sqrt(r2.astype(ft) + epsilon)
    xhat = (xf - r1.reshape(bs)) * inv.reshape(bs)
    doff = dyf.sum(axis=ax)
    dscale = (dyf * xhat).sum(axis=ax)
    if is_training:
        n = xf.size // max(doff.size, 1)
        dx = (scale * inv).reshape(bs) / n * (n * dyf - doff.reshape(bs)
                                               - xhat * dscale.reshape(bs))
    else:
        dx = dyf * (scale * inv).reshape(bs)
    ud = scale.dtype
    return (dx.astype(x.dtype), dscale.astype(ud), doff.astype(ud), np.zeros((0,), ud),
            np.zeros((0,), ud))


def _fbn_attrs(op):
    return {k: op.get_attr(k) for k in ("epsilon", "data_format", "is_training")}


def _fbn_grad(op, dy, *_):
    x, scale = op.inputs[0], op.inputs[1]
    tr = op.get_attr("is_training")
    r1 = op.outputs[3] if tr else op.inputs[3]
    r2 = op.outputs[4] if tr else op.inputs[4]
    dx, ds, do, _, _ = execute(FBN_GRAD, (dy, x, scale, r1, r2, op.outputs[5]), _fbn_attrs(op))
    return [dx, ds, do, None, None]


def _fbn_grad_grad(op, *grads):
    raise LookupError("Second derivatives of FusedBatchNormV3 (FusedBatchNormGradV3's "
                      "gradient) are not implemented; use tf.nn.batch_normalization with "
                      "tf.nn.moments when you need them.")


FBN = defop("FusedBatchNormV3", _fbn_kernel,
            inputs=("x: T", "scale: U", "offset: U", "mean: U", "variance: U"),
            outputs=("y: T", "batch_mean: U", "batch_variance: U", "reserve_space_1: U",
                     "reserve_space_2: U", "reserve_space_3: U"),
            types={"T": (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64),
                   "U": (_dt.float32, _dt.float64)},
            attrs={"epsilon": 0.0001, "exponential_avg_factor": 1.0, "data_format": "NHWC",
                   "is_training": True}, infer=_fbn_infer, grad=_fbn_grad)
FBN_GRAD = defop("FusedBatchNormGradV3", _fbn_grad_kernel,
                 inputs=("y_backprop: T", "x: T", "scale: U",
                         "reserve_space_1: U", "reserve_space_2: U", "reserve_space_3: U"),
                 outputs=("x_backprop: T", "scale_backprop: U", "offset_backprop: U",
                          "reserve_space_4: U", "reserve_space_5: U"),
                 types={"T": (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64),
                        "U": (_dt.float32, _dt.float64)},
                 attrs={"epsilon": 0.0001, "data_format": "NHWC", "is_training": True},
                 infer=lambda ic: [ic.shapes[1], ic.shapes[2], ic.shapes[2], (0,), (0,)],
                 grad=_fbn_grad_grad)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization of a 4-D (or 5-D) tensor, fused (``FusedBatchNormV3``).

    Returns ``(y, batch_mean, batch_variance)``; in training the variance is Bessel-corrected
    and blended with ``variance`` by ``exponential_avg_factor``.

    Example:
      >>> y, m, v = tf.nn.fused_batch_norm(tf.ones([2, 2, 2, 3]), tf.ones([3]), tf.zeros([3]))
      >>> y.shape
      TensorShape([2, 2, 2, 3])
    """
    x = tensor(x)
    scale = tensor(scale)
    offset = tensor(offset, dtype=scale.dtype)
    if mean is None or variance is None:
        if not is_training or exponential_avg_factor != 1.0:
            raise ValueError("mean and variance are required when is_training=False or "
                             "exponential_avg_factor != 1")
        mean = A.zeros_like(scale)
        variance = A.ones_like(scale)
    df = {"NDHWC": "NDHWC", "NCDHW": "NCDHW"}.get(data_format, data_format)
    if df not in ("NHWC", "NCHW", "NDHWC", "NCDHW"):
        raise ValueError(f"data_format must be NHWC or NCHW, got {data_format!r}")
    at = {"epsilon": max(float(epsilon), 1.001e-5), "exponential_avg_factor":
          float(exponential_avg_factor), "data_format": df, "is_training": bool(is_training)}
    y, bm, bv, _, _, _ = execute(FBN, (x, scale, offset, tensor(mean, dtype=scale.dtype),
                                       tensor(variance, dtype=scale.dtype)), at, name)
    return y, bm, bv


# ---- composite normalization ------------------------------------------------------------------


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset``.

    Example:
      >>> tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0).numpy()
      array([-1.,  1.], dtype=float32)
    """
    x = tensor(x)
    dt = x.dtype
    variance = tensor(variance, dtype=dt)
    inv = math_unary.rsqrt(M.add(variance, np.asarray(variance_epsilon, dt.as_numpy_dtype)))
    if scale is not None:
        inv = M.multiply(inv, tensor(scale, dtype=dt))
    shift = M.negative(M.multiply(tensor(mean, dtype=dt), inv))
    if offset is not None:
        shift = M.add(tensor(offset, dtype=dt), shift)
    return M.add(M.multiply(x, inv), shift, name=name)


def _axes(axes):
    return [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]


def _squeeze_axes(t, x, axes):
    s = t.shape.as_list() if t.shape.rank is not None else None
    r = x.shape.rank
    if s is not None and all(d is not None for d in s):
        return A.reshape(t, [d for i, d in enumerate(s) if i not in {a % r for a in axes}])
    keep = [i for i in range(r) if i not in {a % r for a in axes}]
    return A.reshape(t, A.gather(A.shape(t), np.asarray(keep, np.int32)))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """Mean and variance of ``x`` over ``axes``.

    Example:
      >>> m, v = tf.nn.moments(tf.constant([1.0, 3.0]), [0])
      >>> float(m), float(v)
      (2.0, 1.0)
    """
    x = tensor(x)
    axes = _axes(axes)
    y = M.cast(x, _dt.float32) if x.dtype == _dt.float16 else x
    mean = math_reduce.reduce_mean(y, axes, keepdims=True)
    d = M.subtract(y, A.stop_gradient(mean))
    var = math_reduce.reduce_mean(M.multiply(d, d), axes, keepdims=True)
    if not keepdims:
        mean = _squeeze_axes(mean, x, axes)
        var = _squeeze_axes(var, x, axes)
    if x.dtype == _dt.float16:
        return M.cast(mean, _dt.float16), M.cast(var, _dt.float16)
    return mean, var


def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None):
    """Frequency-weighted mean and variance of ``x`` over ``axes``."""
    x = tensor(x)
    w = M.cast(tensor(frequency_weights, dtype_hint=x.dtype), x.dtype)
    axes = _axes(axes)
    wx = M.reduce_sum(M.multiply(w, x), axes, keepdims=True)
    bw = A.broadcast_to(w, A.shape(M.multiply(w, x))) if w.shape != x.shape else w
    sw = M.reduce_sum(bw, axes, keepdims=True)
    mean = M.divide_no_check(wx, sw)
    d = M.subtract(x, mean)
    var = M.divide_no_check(M.reduce_sum(M.multiply(w, M.multiply(d, d)), axes,
                                         keepdims=True), sw)
    if not keepdims:
        mean = _squeeze_axes(mean, x, axes)
        var = _squeeze_axes(var, x, axes)
    return mean, var


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """Mean and variance from sufficient statistics (``tf.nn.sufficient_statistics``)."""
    mean_ss = tensor(mean_ss)
    counts, _ = binary_args(counts, mean_ss)
    divisor = M.divide_no_check(np.asarray(1, mean_ss.dtype.as_numpy_dtype), counts)
    sm = M.multiply(mean_ss, divisor)
    mean = sm if shift is None else M.add(sm, tensor(shift, dtype=mean_ss.dtype))
    var = M.subtract(M.multiply(tensor(variance_ss, dtype=mean_ss.dtype), divisor),
                     M.multiply(sm, sm))
    return mean, var


# ---- local response normalization ---------------------------------------------------------------


def _window_sum(a, r):
    c = a.shape[-1]
    cs = np.concatenate([np.zeros(a.shape[:-1] + (1,), a.dtype), np.cumsum(a, axis=-1)], -1)
    hi = np.minimum(np.arange(c) + r + 1, c)
    lo = np.maximum(np.arange(c) - r, 0)
    return cs[..., hi] - cs[..., lo]


def _lrn_kernel(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    xf = x.astype(np.float64)
    s = bias + alpha * _window_sum(xf * xf, depth_radius)
    return (xf / s ** beta).astype(x.dtype)


def _lrn_grad_kernel(g, x, y, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    xf, gf = x.astype(np.float64), g.astype(np.float64)
    s = bias + alpha * _window_sum(xf * xf, depth_radius)
    t = gf * xf * s ** (-beta - 1)
    dx = gf * s ** (-beta) - 2 * alpha * beta * xf * _window_sum(t, depth_radius)
    return dx.astype(x.dtype)


def _lrn_attrs(op):
    return {k: op.get_attr(k) for k in ("depth_radius", "bias", "alpha", "beta")}


_LRN_T = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)
_LRN_ATTRS = {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5}
LRN = defop("LRN", _lrn_kernel, inputs=("input: T",), outputs=("output: T",),
            types={"T": _LRN_T}, attrs=_LRN_ATTRS,
            infer=u.infer_same,
            grad=lambda op, g: [execute(LRN_GRAD, (g, op.inputs[0], op.outputs[0]),
                                        _lrn_attrs(op))])
LRN_GRAD = defop("LRNGrad", _lrn_grad_kernel,
                 inputs=("input_grads: T", "input_image: T", "output_image: T"),
                 outputs=("output: T",), types={"T": _LRN_T},
                 attrs=_LRN_ATTRS, infer=u.infer_same, grad=NOT_DIFFERENTIABLE)


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5,  # noqa: A002
                                 name=None):
    """``input / (bias + alpha * sqr_sum) ** beta`` with ``sqr_sum`` over a window of
    ``2 * depth_radius + 1`` channels (the last dimension of a 4-D ``input``)."""
    x = tensor(input)
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"input must be 4-D for local_response_normalization, got rank "
                         f"{x.shape.rank}")
    return execute(LRN, (x,), {"depth_radius": int(depth_radius), "bias": float(bias),
                               "alpha": float(alpha), "beta": float(beta)}, name)


lrn = local_response_normalization
