"""Spec rows for the nn family (convolutions, pooling, activations, losses, norm, misc)."""

import math

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)


def f32(*s):
    return r.standard_normal(s).astype(np.float32)


# ---- NumPy references ----------------------------------------------------------------------


def conv_ref(x, w, s=1, pads=((0, 0), (0, 0)), d=1):
    xp = np.pad(x.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)])
    kh, kw = w.shape[:2]
    ekh, ekw = (kh - 1) * d + 1, (kw - 1) * d + 1
    oh = (xp.shape[1] - ekh) // s + 1
    ow = (xp.shape[2] - ekw) // s + 1
    y = np.zeros((x.shape[0], oh, ow, w.shape[-1]))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * s:i * s + ekh:d, j * s:j * s + ekw:d]
            y[:, i, j] = np.tensordot(patch, w, 3)
    return y.astype(x.dtype)


def conv_t_ref(x, w, out_shape, s, pads=((0, 0), (0, 0))):
    """Transposed conv: scatter each input pixel times the filter."""
    n, h, wd, c = out_shape
    ph, pw = pads
    full = np.zeros((n, h + ph[0] + ph[1] + w.shape[0], wd + pw[0] + pw[1] + w.shape[1], c))
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            full[:, i * s:i * s + w.shape[0], j * s:j * s + w.shape[1]] += np.einsum(
                "nm,hwcm->nhwc", x[:, i, j], w)
    return full[:, ph[0]:ph[0] + h, pw[0]:pw[0] + wd].astype(x.dtype)


def dw_ref(x, w, s=1, pads=((0, 0), (0, 0))):
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    kh, kw, c, m = w.shape
    oh = (xp.shape[1] - kh) // s + 1
    ow = (xp.shape[2] - kw) // s + 1
    y = np.zeros((x.shape[0], oh, ow, c, m))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j] = np.einsum("nhwc,hwcm->ncm", xp[:, i * s:i * s + kh, j * s:j * s + kw], w)
    return y.reshape(x.shape[0], oh, ow, c * m).astype(x.dtype)


def pool_ref(x, k, s, pads=((0, 0), (0, 0)), kind="max"):
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)], constant_values=fill)
    oh = (xp.shape[1] - k) // s + 1
    ow = (xp.shape[2] - k) // s + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[-1]))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, i * s:i * s + k, j * s:j * s + k]
            y[:, i, j] = win.max((1, 2)) if kind == "max" else np.nanmean(win, (1, 2))
    return y.astype(x.dtype)


def log_softmax_ref(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def softmax_ref(x, axis=-1):
    return np.exp(log_softmax_ref(x, axis))


def grad_of(f):
    """x -> d/dx sum(f(x) ** 2): a spec whose own gradient is a second derivative."""
    def g(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
            s = tf.reduce_sum(tf.multiply(y, y))
        return t.gradient(s, x)
    return g


X = f32(2, 5, 5, 3)
W = f32(3, 3, 3, 2)
XS = f32(1, 4, 4, 2)
WS = f32(2, 2, 2, 3)
XP = r.permutation(np.arange(32, dtype=np.float32)).reshape(1, 4, 4, 2) / 8
L = f32(3, 4)
LAB = softmax_ref(f32(3, 4)).astype(np.float32)

SPECS = [
    # convolutions
    OpSpec("nn_conv2d_same", lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"),
           lambda x, w: conv_ref(x, w, 1, ((1, 1), (1, 1))), [X, W], atol=1e-4),
    OpSpec("nn_conv2d_valid_s2", lambda x, w: tf.nn.conv2d(x, w, 2, "VALID"),
           lambda x, w: conv_ref(x, w, 2), [X, W], atol=1e-4),
    OpSpec("nn_conv2d_dilated", lambda x, w: tf.nn.conv2d(x, w, 1, "VALID", dilations=2),
           lambda x, w: conv_ref(x, w, 1, d=2), [X, W[:2, :2]], atol=1e-4),
    OpSpec("nn_conv2d_explicit", lambda x, w: tf.nn.conv2d(
        x, w, [1, 2, 1, 1], [[0, 0], [1, 0], [0, 2], [0, 0]]),
        lambda x, w: conv_ref(np.pad(x, [(0, 0), (1, 0), (0, 2), (0, 0)]), w)[:, ::2],
        [X, W], atol=1e-4),
    OpSpec("nn_conv2d_nchw", lambda x, w: tf.nn.conv2d(x, w, 1, "SAME", data_format="NCHW"),
           lambda x, w: conv_ref(x.transpose(0, 2, 3, 1), w, 1, ((1, 1), (1, 1))).transpose(
               0, 3, 1, 2), [X.transpose(0, 3, 1, 2).copy(), W], atol=1e-4),
    OpSpec("nn_conv2d_second_order", lambda x, w: tf.nn.conv2d(
        tf.nn.conv2d(x, w, 1, "SAME"), tf.transpose(w, [0, 1, 3, 2]), 1, "SAME"),
        None, [XS, WS[..., :2]]),
    OpSpec("nn_conv1d", lambda x, w: tf.nn.conv1d(x, w, 1, "SAME"),
           lambda x, w: conv_ref(x[:, None], w[None], 1, ((0, 0), (1, 1)))[:, 0],
           [f32(2, 5, 2), f32(3, 2, 3)], atol=1e-4),
    OpSpec("nn_conv3d", lambda x, w: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID"),
           lambda x, w: np.stack([sum(conv_ref(x[:, d + i], w[i]) for i in range(2))
                                  for d in range(2)], 1),
           [f32(1, 3, 3, 3, 2), f32(2, 2, 2, 2, 2)], atol=1e-4),
    OpSpec("nn_conv2d_transpose", lambda x, w: tf.nn.conv2d_transpose(
        x, w, [1, 4, 4, 3], 2, "VALID"),
        lambda x, w: conv_t_ref(x, w, (1, 4, 4, 3), 2), [f32(1, 2, 2, 2), f32(2, 2, 3, 2)],
        atol=1e-4),
    OpSpec("nn_conv2d_transpose_same", lambda x, w: tf.nn.conv2d_transpose(
        x, w, [1, 4, 4, 3], 2, "SAME"),
        lambda x, w: conv_t_ref(x, w, (1, 4, 4, 3), 2, ((0, 1), (0, 1))),
        [f32(1, 2, 2, 2), f32(3, 3, 3, 2)], atol=1e-4),
    OpSpec("nn_conv1d_transpose", lambda x, w: tf.nn.conv1d_transpose(x, w, [1, 4, 3], 2,
                                                                      "VALID"),
           lambda x, w: conv_t_ref(x[:, None], w[None], (1, 1, 4, 3), 2)[:, 0],
           [f32(1, 2, 2), f32(2, 3, 2)], atol=1e-4),
    OpSpec("nn_conv3d_transpose", lambda x, w: tf.nn.conv3d_transpose(
        x, w, [1, 2, 2, 2, 2], 1, "VALID"), None, [f32(1, 1, 1, 1, 2), f32(2, 2, 2, 2, 2)]),
    OpSpec("nn_depthwise", lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
           lambda x, w: dw_ref(x, w, 1, ((0, 1), (0, 1))), [XS, WS], atol=1e-4),
    OpSpec("nn_depthwise_s2", lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1],
                                                                  "VALID"),
           lambda x, w: dw_ref(x, w, 2), [XS, WS], atol=1e-4),
    OpSpec("nn_depthwise_second_order", lambda x, w: tf.nn.depthwise_conv2d(
        tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"), w[..., :1], [1, 1, 1, 1], "SAME"),
        None, [f32(1, 3, 3, 3), f32(2, 2, 3, 1)]),
    OpSpec("nn_separable", lambda x, d, p: tf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1],
                                                                  "VALID"),
           lambda x, d, p: conv_ref(dw_ref(x, d), p), [XS, WS, f32(1, 1, 6, 2)], atol=1e-4),
    OpSpec("nn_atrous", lambda x, w: tf.nn.atrous_conv2d(x, w, 2, "VALID"),
           lambda x, w: conv_ref(x, w, 1, d=2), [X, W[:2, :2]], atol=1e-4),
    OpSpec("nn_convolution", lambda x, w: tf.nn.convolution(x, w, padding="SAME"),
           lambda x, w: conv_ref(x, w, 1, ((1, 1), (1, 1))), [X, W], atol=1e-4),
    # pooling
    OpSpec("nn_max_pool_2x2", lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
           lambda x: pool_ref(x, 2, 2), [XP]),
    OpSpec("nn_max_pool_same", lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"),
           lambda x: pool_ref(x, 3, 2, ((0, 1), (0, 1))), [XP]),
    OpSpec("nn_max_pool_gradgrad", lambda x: tf.nn.max_pool2d(
        tf.multiply(tf.nn.max_pool2d(x, 2, 1, "VALID"), 2.0), 2, 1, "VALID"), None, [XP]),
    OpSpec("nn_max_pool_hessian", grad_of(lambda x: tf.nn.max_pool2d(x, 2, 1, "VALID")),
           None, [XP]),
    OpSpec("nn_max_pool3d_hessian", grad_of(lambda x: tf.nn.max_pool3d(x, 2, 1, "VALID")),
           None, [XP.reshape(1, 2, 2, 2, 4)]),
    OpSpec("nn_conv2d_hessian", grad_of(lambda x: tf.nn.conv2d(
        x, tf.cast(WS[..., :2], x.dtype), 1, "SAME")),
           None, [XS]),
    OpSpec("nn_avg_pool_same", lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
           lambda x: pool_ref(x, 3, 2, ((0, 1), (0, 1)), "avg"), [XS]),
    OpSpec("nn_avg_pool_nchw", lambda x: tf.nn.avg_pool2d(x, 2, 2, "VALID", "NCHW"),
           lambda x: pool_ref(x.transpose(0, 2, 3, 1), 2, 2, kind="avg").transpose(0, 3, 1, 2),
           [XS.transpose(0, 3, 1, 2).copy()]),
    OpSpec("nn_max_pool1d", lambda x: tf.nn.max_pool1d(x, 2, 2, "VALID"),
           lambda x: x.reshape(1, 2, 2, 2).max(2), [XP.reshape(1, 4, 8)[:, :, :2].copy()]),
    OpSpec("nn_avg_pool1d", lambda x: tf.nn.avg_pool1d(x, 2, 1, "VALID"),
           lambda x: (x[:, 1:] + x[:, :-1]) / 2, [f32(1, 4, 2)]),
    OpSpec("nn_max_pool3d", lambda x: tf.nn.max_pool3d(x, 2, 2, "VALID"),
           lambda x: x.reshape(1, 1, 2, 1, 2, 1, 2, 4).max((2, 4, 6)),
           [XP.reshape(1, 2, 2, 2, 4)]),
    OpSpec("nn_avg_pool3d", lambda x: tf.nn.avg_pool3d(x, 2, 2, "VALID"),
           lambda x: x.reshape(1, 1, 2, 1, 2, 1, 2, 2).mean((2, 4, 6)),
           [f32(1, 2, 2, 2, 2)]),
    OpSpec("nn_max_pool3d_gradgrad", lambda x: tf.nn.max_pool3d(
        tf.multiply(tf.nn.max_pool3d(x, 1, 1, "VALID"), 2.0), 2, 2, "VALID"), None,
        [XP.reshape(1, 2, 2, 2, 4)]),
    OpSpec("nn_avg_pool_gradgrad", lambda x: tf.nn.avg_pool2d(
        tf.multiply(tf.nn.avg_pool2d(x, 2, 1, "VALID"), x[:, :3, :3]), 2, 1, "VALID"), None,
        [XS]),
    OpSpec("nn_pool_max", lambda x: tf.nn.pool(x, [2, 2], "MAX", [2, 2]),
           lambda x: pool_ref(x, 2, 2), [XP]),
    # activations
    OpSpec("nn_relu", tf.nn.relu, lambda x: np.maximum(x, 0), [L]),
    OpSpec("nn_relu_second", lambda x: tf.nn.relu(tf.multiply(tf.nn.relu(x), x)), None, [L]),
    OpSpec("nn_relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6), [L * 4]),
    OpSpec("nn_leaky_relu", lambda x: tf.nn.leaky_relu(x, 0.1),
           lambda x: np.where(x > 0, x, 0.1 * x), [L]),
    OpSpec("nn_elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), [L]),
    OpSpec("nn_selu", tf.nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(x)), [L]),
    OpSpec("nn_gelu", tf.nn.gelu, lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(
        x / math.sqrt(2))).astype(np.float32), [L]),
    OpSpec("nn_gelu_approx", lambda x: tf.nn.gelu(x, approximate=True),
           lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
           [L]),
    OpSpec("nn_silu", tf.nn.silu, lambda x: x / (1 + np.exp(-x)), [L]),
    OpSpec("nn_crelu", tf.nn.crelu, lambda x: np.concatenate([np.maximum(x, 0),
                                                              np.maximum(-x, 0)], -1), [L]),
    OpSpec("nn_softmax", tf.nn.softmax, softmax_ref, [L]),
    OpSpec("nn_softmax_axis0", lambda x: tf.nn.softmax(x, axis=0),
           lambda x: softmax_ref(x, 0), [L]),
    OpSpec("nn_log_softmax", tf.nn.log_softmax, log_softmax_ref, [L]),
    # losses
    OpSpec("nn_softmax_ce", lambda lab, lg: tf.nn.softmax_cross_entropy_with_logits(lab, lg),
           lambda lab, lg: -(lab * log_softmax_ref(lg)).sum(-1), [LAB, L]),
    OpSpec("nn_softmax_ce_3d", lambda lab, lg: tf.nn.softmax_cross_entropy_with_logits(
        lab, lg), lambda lab, lg: -(lab * log_softmax_ref(lg)).sum(-1),
        [softmax_ref(f32(3, 2, 2)).astype(np.float32), L.reshape(3, 2, 2)]),
    OpSpec("nn_sparse_softmax_ce", lambda lg: tf.nn.sparse_softmax_cross_entropy_with_logits(
        np.array([1, 0, 3], np.int32), lg),
        lambda lg: -log_softmax_ref(lg)[np.arange(3), [1, 0, 3]], [L]),
    OpSpec("nn_sparse_ce_second_order", lambda lg: tf.nn.softmax(
        tf.multiply(lg, tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
            np.array([1, 0, 3], np.int32), lg)))), None, [L]),
    OpSpec("nn_sigmoid_ce", lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(z, x),
           lambda z, x: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))),
           [(L > 0).astype(np.float32), L]),
    OpSpec("nn_weighted_ce", lambda z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 2.0),
           lambda z, x: (1 - z) * x + (1 + z) * (np.log1p(np.exp(-np.abs(x))) +
                                                 np.maximum(-x, 0)),
           [(L > 0).astype(np.float32), L]),
    OpSpec("nn_l2_loss", tf.nn.l2_loss, lambda x: np.float32((x ** 2).sum() / 2), [L]),
    OpSpec("nn_log_poisson", lambda t, x: tf.nn.log_poisson_loss(t, x, True),
           lambda t, x: np.exp(x) - x * t + np.where(
               t > 1, t * np.log(np.maximum(t, 1)) - t + 0.5 * np.log(
                   2 * np.pi * np.maximum(t, 1)), 0),
           [np.abs(L) * 3, L], grad=[1], atol=1e-4),
    OpSpec("nn_compute_average_loss", lambda x: tf.nn.compute_average_loss(x),
           lambda x: np.float32(x.sum() / x.shape[0]), [L[0]]),
    # normalization
    OpSpec("nn_fused_bn_train", lambda x, s, o: tf.nn.fused_batch_norm(x, s, o),
           lambda x, s, o: [(x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-3) * s + o,
                            x.mean((0, 1, 2)), x.var((0, 1, 2)) * 50 / 49],
           [X[:, :, :, :2].copy(), f32(2), f32(2)], grad=False, atol=1e-4),
    OpSpec("nn_fused_bn_train_grad", lambda x, s, o: tf.nn.fused_batch_norm(x, s, o)[0],
           lambda x, s, o: (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-3) * s + o,
           [X[:, :, :, :2].copy(), f32(2), f32(2)], atol=1e-4),
    OpSpec("nn_fused_bn_infer", lambda x, s, o, m, v: tf.nn.fused_batch_norm(
        x, s, o, m, v, is_training=False),
        lambda x, s, o, m, v: [(x - m) / np.sqrt(v + 1e-3) * s + o, m, v],
        [XS.astype(np.float64), f32(2).astype(np.float64), f32(2).astype(np.float64),
         f32(2).astype(np.float64), np.abs(f32(2)).astype(np.float64) + 0.5], grad=[0, 1, 2],
        atol=1e-4),
    OpSpec("nn_fused_bn_nchw_avg", lambda x, s, o, m, v: tf.nn.fused_batch_norm(
        x, s, o, m, v, data_format="NCHW", exponential_avg_factor=0.5)[1:],
        lambda x, s, o, m, v: [0.5 * m + 0.5 * x.mean((0, 2, 3)),
                               0.5 * v + 0.5 * x.var((0, 2, 3)) * 16 / 15],
        [XS.transpose(0, 3, 1, 2).copy(), f32(2), f32(2), f32(2), f32(2)], grad=False,
        atol=1e-4),
    OpSpec("nn_batch_normalization", lambda x, m, v, o, s: tf.nn.batch_normalization(
        x, m, v, o, s, 1e-3), lambda x, m, v, o, s: (x - m) / np.sqrt(v + 1e-3) * s + o,
        [L, f32(4), np.abs(f32(4)) + 0.5, f32(4), f32(4)], atol=1e-4),
    OpSpec("nn_moments", lambda x: tf.nn.moments(x, [0]),
           lambda x: [x.mean(0), x.var(0)], [L]),
    OpSpec("nn_moments_keepdims", lambda x: tf.nn.moments(x, [0, 2], keepdims=True),
           lambda x: [x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)],
           [L.reshape(3, 2, 2)]),
    OpSpec("nn_weighted_moments", lambda x, w: tf.nn.weighted_moments(x, [1], w),
           lambda x, w: [(x * w).sum(1) / w.sum(1),
                         (w * (x - ((x * w).sum(1) / w.sum(1))[:, None]) ** 2).sum(1)
                         / w.sum(1)], [L, np.abs(L) + 0.1], atol=1e-4),
    OpSpec("nn_normalize_moments", lambda c, m, v: tf.nn.normalize_moments(c, m, v, None),
           lambda c, m, v: [m / c, v / c - (m / c) ** 2],
           [np.float32(4), f32(3), np.abs(f32(3)) + 2]),
    OpSpec("nn_lrn", lambda x: tf.nn.local_response_normalization(x, 1, 1.0, 0.5, 0.75),
           lambda x: x / (1 + 0.5 * sum(np.pad(x ** 2, [(0, 0)] * 3 + [(1, 1)])[..., i:i + 4]
                                        for i in range(3))) ** 0.75, [XS.repeat(2, -1)]),
    # misc
    OpSpec("nn_bias_add", tf.nn.bias_add, lambda x, b: x + b, [X, f32(3)]),
    OpSpec("nn_bias_add_nchw", lambda x, b: tf.nn.bias_add(x, b, "NCHW"),
           lambda x, b: x + b[:, None, None], [X.transpose(0, 3, 1, 2).copy(), f32(3)]),
    OpSpec("nn_bias_add_second", lambda x, b: tf.nn.bias_add(
        tf.multiply(tf.nn.bias_add(x, b), tf.nn.bias_add(x, b)), b), None, [L, f32(4)]),
    OpSpec("nn_embedding_lookup", lambda p: tf.nn.embedding_lookup(
        p, np.array([[0, 3], [2, 2]], np.int32)),
        lambda p: p[np.array([[0, 3], [2, 2]])], [f32(4, 2)]),
    OpSpec("nn_embedding_lookup_mod", lambda a, b: tf.nn.embedding_lookup(
        [a, b], np.array([0, 1, 2, 4], np.int32)),
        lambda a, b: np.stack([a[0], b[0], a[1], a[2]]), [f32(3, 2), f32(2, 2)],
        unknown_shapes=False),
    OpSpec("nn_embedding_lookup_maxnorm", lambda p: tf.nn.embedding_lookup(
        p, np.array([0, 3], np.int32), max_norm=1.0),
        lambda p: p[[0, 3]] / np.maximum(np.linalg.norm(p[[0, 3]], axis=1, keepdims=True), 1),
        [f32(4, 2) * 2]),
    OpSpec("nn_top_k", lambda x: tf.nn.top_k(x, 2),
           lambda x: [np.sort(x, -1)[:, ::-1][:, :2],
                      np.argsort(-x, -1, kind="stable")[:, :2].astype(np.int32)], [L]),
    OpSpec("nn_in_top_k", lambda p: tf.nn.in_top_k(np.array([0, 1, 2], np.int32), p, 2),
           lambda p: np.array([(p[i] > p[i, t]).sum() < 2 for i, t in enumerate([0, 1, 2])]),
           [L], grad=False),
    OpSpec("nn_space_to_depth", lambda x: tf.nn.space_to_depth(x, 2),
           lambda x: x.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(
               1, 2, 2, 8), [XS]),
    OpSpec("nn_depth_to_space", lambda x: tf.nn.depth_to_space(x, 2),
           lambda x: x.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(
               1, 4, 4, 2), [XS.reshape(1, 2, 2, 8)]),
    OpSpec("nn_dropout_zero", lambda x: tf.nn.dropout(x, 0.0), lambda x: x, [L]),
]
