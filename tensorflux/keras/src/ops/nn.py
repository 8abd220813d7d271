"""``keras.ops.nn``: activations, convolutions, pooling, losses, normalization, attention."""

from __future__ import annotations

import math

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast, convert_to_tensor
from tensorflux.keras.src.ops.numpy import logsumexp

_t = convert_to_tensor


def _float(x):
    x = _t(x)
    name = x.dtype.name
    if kdt.is_float(name):
        return x
    return cast(x, backend.floatx() if name == "int64" else kdt.result_type(name, float))


# --- activations -----------------------------------------------------------------------------
def relu(x):
    x = _t(x)
    return tf.nn.relu(x) if x.dtype.name != "bool" else x


def relu6(x):
    return tf.nn.relu6(_float(x))


def sigmoid(x):
    return tf.sigmoid(_float(x))


def sparse_sigmoid(x):
    x = _float(x)
    return tf.clip_by_value(0.5 * (x + 1.0), 0.0, 1.0) * tf.ones_like(x)


def softplus(x):
    return tf.math.softplus(_float(x))


def softsign(x):
    return tf.nn.softsign(_float(x))


def silu(x):
    x = _float(x)
    return x * tf.sigmoid(x)


swish = silu


def log_sigmoid(x):
    x = _float(x)
    return -tf.math.softplus(-x)


def leaky_relu(x, negative_slope=0.2):
    x = _float(x)
    return tf.where(x >= 0, x, x * tf.cast(negative_slope, x.dtype))


def hard_sigmoid(x):
    x = _float(x)
    return tf.clip_by_value(x / 6.0 + 0.5, 0.0, 1.0) * tf.ones_like(x)


def hard_silu(x):
    x = _float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def elu(x, alpha=1.0):
    x = _float(x)
    return tf.where(x > 0, x, tf.cast(alpha, x.dtype) * tf.math.expm1(tf.minimum(x, 0)))


def selu(x):
    return tf.nn.selu(_float(x))


def celu(x, alpha=1.0):
    x = _float(x)
    a = tf.cast(alpha, x.dtype)
    return tf.maximum(x, 0) + a * tf.math.expm1(tf.minimum(x, 0) / a)


def gelu(x, approximate=True):
    return tf.nn.gelu(_float(x), approximate=approximate)


def glu(x, axis=-1):
    x = _float(x)
    if x.shape[axis] % 2:
        raise ValueError("axis size must be divisible by 2. Received: "
                         f"x.shape={tuple(x.shape)} with axis={axis}")
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.sigmoid(b)


def hard_tanh(x):
    x = _float(x)
    return tf.clip_by_value(x, -1.0, 1.0) * tf.ones_like(x)


def hard_shrink(x, threshold=0.5):
    x = _float(x)
    return tf.where(tf.abs(x) > threshold, x, tf.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    x = _float(x)
    t = tf.cast(threshold, x.dtype)
    return tf.where(x > t, x - t, tf.where(x < -t, x + t, tf.zeros_like(x)))


def tanh_shrink(x):
    x = _float(x)
    return x - tf.tanh(x)


def threshold(x, threshold, default_value):
    x = _t(x)
    return tf.where(x > tf.cast(threshold, x.dtype), x, tf.cast(default_value, x.dtype)
                    * tf.ones_like(x))


def squareplus(x, b=4):
    x = _float(x)
    return (x + tf.sqrt(tf.square(x) + tf.cast(b, x.dtype))) / 2.0


def sparse_plus(x):
    x = _float(x)
    return tf.where(x <= -1, tf.zeros_like(x), tf.where(x >= 1, x, tf.square(x + 1) / 4.0))


def _axes(x, axis):
    r = len(x.shape)
    return [a % r for a in (axis if isinstance(axis, (list, tuple)) else [axis])]


def softmax(x, axis=-1):
    x = _float(x)
    if isinstance(axis, int) or axis is None:
        if axis is None:
            flat = tf.nn.softmax(tf.reshape(x, [-1]))
            return tf.reshape(flat, tf.shape(x))
        return tf.nn.softmax(x, axis=axis)
    return tf.exp(x - logsumexp(x, axis=list(axis), keepdims=True))


def log_softmax(x, axis=-1):
    x = _float(x)
    if axis is None:
        return tf.reshape(tf.nn.log_softmax(tf.reshape(x, [-1])), tf.shape(x))
    if isinstance(axis, int):
        return tf.nn.log_softmax(x, axis=axis)
    return x - logsumexp(x, axis=list(axis), keepdims=True)


def sparsemax(x, axis=-1):
    x = _float(x)
    x = _moveaxis(x, axis, -1)
    z = tf.sort(x, axis=-1, direction="DESCENDING")
    k = tf.cast(tf.range(1, z.shape[-1] + 1), x.dtype)
    cum = tf.math.cumsum(z, axis=-1)
    support = tf.cast(1 + k * z > cum, x.dtype)
    k_z = tf.reduce_sum(support, axis=-1, keepdims=True)
    tau = (tf.reduce_sum(z * support, axis=-1, keepdims=True) - 1) / k_z
    return _moveaxis(tf.maximum(x - tau, 0), -1, axis)


def _moveaxis(x, src, dst):
    r = len(x.shape)
    src, dst = src % r, dst % r
    if src == dst:
        return x
    order = [i for i in range(r) if i != src]
    order.insert(dst, src)
    return tf.transpose(x, order)


# --- one-hot ---------------------------------------------------------------------------------
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise NotImplementedError("one_hot(sparse=True) is not supported by tensorflux.")
    dtype = kdt.standardize_dtype(dtype) if dtype is not None else backend.floatx()
    x = cast(_t(x), "int32")
    return tf.one_hot(x, num_classes, axis=axis, dtype=dtype)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    x = _t(inputs)
    reduction_axis = 1 if len(x.shape) > 1 else 0
    out = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return tf.reduce_max(out, axis=reduction_axis)


# --- convolution / pooling -------------------------------------------------------------------
def _tuple(v, n):
    return [int(v)] * n if isinstance(v, int) else [int(i) for i in v]


def _to_last(x, data_format):
    if data_format == "channels_first":
        r = len(x.shape)
        return tf.transpose(x, [0] + list(range(2, r)) + [1])
    return x


def _from_last(x, data_format):
    if data_format == "channels_first":
        r = len(x.shape)
        return tf.transpose(x, [0, r - 1] + list(range(1, r - 1)))
    return x


def _conv_dtypes(inputs, kernel):
    inputs, kernel = _t(inputs), _t(kernel)
    dtype = kdt.result_type(inputs.dtype.name, kernel.dtype.name)
    if not kdt.is_float(dtype):
        dtype = backend.floatx()
    return cast(inputs, dtype), cast(kernel, dtype)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution; ``kernel`` is ``(*spatial, in_channels, out_channels)``."""
    data_format = backend.standardize_data_format(data_format)
    x, k = _conv_dtypes(inputs, kernel)
    n = len(x.shape) - 2
    x = _to_last(x, data_format)
    if x.shape[-1] is not None and k.shape[-2] and x.shape[-1] % k.shape[-2]:
        raise ValueError(f"The number of input channels ({x.shape[-1]}) must be divisible by "
                         f"the kernel's input channels ({k.shape[-2]}).")
    out = tf.nn.convolution(x, k, strides=_tuple(strides, n), padding=padding.upper(),
                            dilations=_tuple(dilation_rate, n))
    return _from_last(out, data_format)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise conv; ``kernel`` is ``(*spatial, in_channels, multiplier)`` (1-D or 2-D)."""
    data_format = backend.standardize_data_format(data_format)
    x, k = _conv_dtypes(inputs, kernel)
    n = len(x.shape) - 2
    x = _to_last(x, data_format)
    s, d = _tuple(strides, n), _tuple(dilation_rate, n)
    if n == 1:
        x, k = tf.expand_dims(x, 1), tf.expand_dims(k, 0)
        s, d = [1] + s, [1] + d
    elif n != 2:
        raise ValueError(f"depthwise_conv supports 3D and 4D inputs; got rank {n + 2}.")
    out = tf.nn.depthwise_conv2d(x, k, strides=[1] + s + [1], padding=padding.upper(),
                                 dilations=d)
    if n == 1:
        out = tf.squeeze(out, 1)
    return _from_last(out, data_format)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise conv followed by a 1x1 pointwise conv."""
    data_format = backend.standardize_data_format(data_format)
    dw = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(dw, pointwise_kernel, 1, "valid", data_format, 1)


def _deconv_length(length, stride, kernel, padding, output_padding, dilation):
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed conv; ``kernel`` is ``(*spatial, out_channels, in_channels)``."""
    data_format = backend.standardize_data_format(data_format)
    x, k = _conv_dtypes(inputs, kernel)
    n = len(x.shape) - 2
    x = _to_last(x, data_format)
    s, d = _tuple(strides, n), _tuple(dilation_rate, n)
    op = [None] * n if output_padding is None else _tuple(output_padding, n)
    spatial = [_deconv_length(x.shape[1 + i], s[i], k.shape[i], padding.lower(), op[i], d[i])
               for i in range(n)]
    batch = tf.shape(x)[0]
    out_shape = tf.stack([batch] + [tf.constant(v) for v in spatial]
                         + [tf.constant(k.shape[-2])])
    out = tf.nn.conv_transpose(x, k, out_shape, strides=s, padding=padding.upper(),
                               dilations=d)
    return _from_last(out, data_format)


def _pool(fn, inputs, pool_size, strides, padding, data_format):
    data_format = backend.standardize_data_format(data_format)
    x = _t(inputs)
    n = len(x.shape) - 2
    pool_size = _tuple(pool_size, n)
    strides = pool_size if strides is None else _tuple(strides, n)
    x = _to_last(x, data_format)
    out = fn(x, ksize=pool_size, strides=strides, padding=padding.upper())
    return _from_last(out, data_format)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tf.nn.max_pool, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tf.nn.avg_pool, inputs, pool_size, strides, padding, data_format)


def _adaptive(reduce, inputs, output_size, data_format):
    data_format = backend.standardize_data_format(data_format)
    x = _to_last(_t(inputs), data_format)
    n = len(x.shape) - 2
    out_size = _tuple(output_size, n)
    for ax in range(n):
        length = x.shape[1 + ax]
        parts = []
        for i in range(out_size[ax]):
            start = (i * length) // out_size[ax]
            end = -((-(i + 1) * length) // out_size[ax])
            sl = [slice(None)] * (n + 2)
            sl[1 + ax] = slice(start, end)
            parts.append(reduce(x[tuple(sl)], axis=1 + ax, keepdims=True))
        x = tf.concat(parts, axis=1 + ax)
    return _from_last(x, data_format)


def adaptive_average_pool(inputs, output_size, data_format=None):
    return _adaptive(tf.reduce_mean, inputs, output_size, data_format)


def adaptive_max_pool(inputs, output_size, data_format=None):
    return _adaptive(tf.reduce_max, inputs, output_size, data_format)


def depth_to_space(x, block_size, data_format="channels_last"):
    x = _to_last(_t(x), backend.standardize_data_format(data_format))
    return _from_last(tf.nn.depth_to_space(x, block_size), data_format)


def space_to_depth(x, block_size, data_format="channels_last"):
    x = _to_last(_t(x), backend.standardize_data_format(data_format))
    return _from_last(tf.nn.space_to_depth(x, block_size), data_format)


# --- losses ----------------------------------------------------------------------------------
def _check_shapes(target, output):
    if len(target.shape) != len(output.shape):
        raise ValueError("Arguments `target` and `output` must have the same rank "
                         f"(ndim). Received: target.shape={tuple(target.shape)}, "
                         f"output.shape={tuple(output.shape)}")
    for e1, e2 in zip(target.shape, output.shape):
        if e1 is not None and e2 is not None and e1 != e2:
            raise ValueError("Arguments `target` and `output` must have the same shape. "
                             f"Received: target.shape={tuple(target.shape)}, "
                             f"output.shape={tuple(output.shape)}")


def _pair(target, output):
    output = _float(output)
    return cast(_t(target), output.dtype.name), output


def binary_crossentropy(target, output, from_logits=False):
    target, output = _pair(target, output)
    _check_shapes(target, output)
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = backend.epsilon()
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    return -(target * tf.math.log(output) + (1.0 - target) * tf.math.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _pair(target, output)
    _check_shapes(target, output)
    if len(target.shape) < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1.")
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / tf.reduce_sum(output, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    return -tf.reduce_sum(target * tf.math.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = _float(output)
    target = _t(target)
    if axis != -1 and axis != len(output.shape) - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    if len(target.shape) == len(output.shape) and target.shape[-1] == 1:
        target = tf.squeeze(target, axis=-1)
    if len(output.shape) < 1:
        raise ValueError("Argument `output` must be at least rank 1.")
    if len(target.shape) != len(output.shape) - 1:
        raise ValueError("Argument `output` must have rank (ndim) `target.ndim - 1`. "
                         f"Received: target.shape={tuple(target.shape)}, "
                         f"output.shape={tuple(output.shape)}")
    target = cast(target, "int32")
    if from_logits:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    output = output / tf.reduce_sum(output, axis=-1, keepdims=True)
    eps = backend.epsilon()
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    oh = tf.one_hot(target, output.shape[-1], dtype=output.dtype)
    return -tf.reduce_sum(oh * tf.math.log(output), axis=-1)


# --- normalization ---------------------------------------------------------------------------
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` over ``axes`` (float16/bfloat16 computed in float32)."""
    x = _float(x)
    ori = x.dtype.name
    if ori in ("float16", "bfloat16"):
        x = tf.cast(x, "float32")
    axes = list(axes) if isinstance(axes, (list, tuple)) else [axes]
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    variance = tf.reduce_mean(tf.square(x - tf.stop_gradient(mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean = tf.squeeze(mean, axes)
        variance = tf.squeeze(variance, axes)
    if ori == "float16":
        big = float(np.finfo(np.float16).max)
        mean = tf.clip_by_value(mean, -big, big)
        variance = tf.clip_by_value(variance, -big, big)
    return cast(mean, ori), cast(variance, ori)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = _float(x)
    dt = x.dtype.name
    r = len(x.shape)
    axis = axis % r
    shape = [1] * r
    shape[axis] = x.shape[axis]

    def prep(v):
        v = cast(_t(v), dt)
        return tf.reshape(v, shape) if len(v.shape) == 1 and r > 1 else v

    mean, variance = prep(mean), prep(variance)
    inv = tf.math.rsqrt(variance + tf.cast(epsilon, dt))
    if scale is not None:
        inv = inv * prep(scale)
    res = -mean * inv
    if offset is not None:
        res = res + prep(offset)
    return x * inv + res


def normalize(x, axis=-1, order=2, epsilon=None):
    x = _float(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        sq = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
        return x * tf.math.rsqrt(tf.maximum(sq, tf.cast(eps, x.dtype)))
    norm = tf.norm(x, ord=order, axis=axis, keepdims=True)
    return x / tf.maximum(norm, tf.cast(eps, x.dtype))


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    x = _float(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    axes = _axes(x, axis)
    mean, var = moments(x, axes, keepdims=True)
    inv = tf.math.rsqrt(var + tf.cast(eps, x.dtype))
    out = (x - mean) * inv
    if gamma is not None:
        out = out * cast(_t(gamma), x.dtype.name)
    if beta is not None:
        out = out + cast(_t(beta), x.dtype.name)
    return out


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x = _float(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    axes = _axes(x, axis)
    rrms = tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=axes, keepdims=True)
                         + tf.cast(eps, x.dtype))
    out = x * rrms
    return out * cast(_t(scale), x.dtype.name) if scale is not None else out


def psnr(x1, x2, max_val):
    x1, x2 = _float(x1), _float(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"Input shapes {x1.shape} and {x2.shape} must match for PSNR.")
    mse = tf.reduce_mean(tf.square(x1 - x2))
    return 20.0 * tf.math.log(tf.cast(max_val, x1.dtype)) / math.log(10.0) \
        - 10.0 * tf.math.log(mse) / math.log(10.0)


def polar(abs_, angle):
    abs_, angle = _float(abs_), _float(angle)
    return tf.complex(abs_ * tf.cos(angle), abs_ * tf.sin(angle))


# --- attention -------------------------------------------------------------------------------
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(B, T, N, H)`` (or unbatched ``(T, N, H)``)."""
    if flash_attention:
        raise ValueError("Flash attention is not supported by tensorflux; pass "
                         "flash_attention=None or False.")
    q, k, v = _float(query), _float(key), _float(value)
    unbatched = False
    if len(q.shape) != 4 or len(k.shape) != 4 or len(v.shape) != 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={tuple(q.shape)}, key.shape={tuple(k.shape)}, "
                         f"value.shape={tuple(v.shape)}.")
    dt = q.dtype.name
    h = q.shape[-1]
    scale = 1.0 / math.sqrt(h) if scale is None else scale
    logits = tf.einsum("BTNH,BSNH->BNTS", q, k) * tf.cast(scale, dt)
    logits32 = tf.cast(logits, "float32")
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits32 = cap * tf.tanh(logits32 / cap)
    if bias is not None:
        b = tf.cast(_t(bias), "float32")
        logits32 = logits32 + (tf.expand_dims(b, 0) if unbatched and len(b.shape) == 3 else b)
    keep = None
    if mask is not None:
        keep = cast(_t(mask), "bool")
        if unbatched and len(keep.shape) == 3:
            keep = tf.expand_dims(keep, 0)
    if is_causal:
        t_len, s_len = logits.shape[-2], logits.shape[-1]
        causal = tf.constant(np.tril(np.ones((t_len, s_len), bool)))
        keep = causal if keep is None else tf.logical_and(keep, causal)
    if keep is not None:
        logits32 = tf.where(keep, logits32, tf.cast(-0.7 * np.finfo(np.float32).max,
                                                    "float32"))
    probs = tf.cast(tf.nn.softmax(logits32, axis=-1), dt)
    out = tf.einsum("BNTS,BSNH->BTNH", probs, v)
    return tf.squeeze(out, 0) if unbatched else out
