"""Spec rows for the fused ops made by the remapping passes (_FusedMatMul, _FusedConv2D,
_FusedMatMulReluGrad, _FusedMatMulApply)."""

import numpy as np

import tensorflux as tf

from tensorflux._src.core import op_def
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.optimize_remap import FUSED_CONV2D, FUSED_DEPTHWISE, FUSED_MATMUL
from tensorflux._src.framework.optimize_remap_grad import (FUSED_MATMUL_APPLY,
                                                          FUSED_MATMUL_RELU_GRAD)
from tensorflux._src.ops.training_ops import handle_arg
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)
A = r.standard_normal((3, 4)).astype(np.float32)
W = r.standard_normal((4, 2)).astype(np.float32)
B = r.standard_normal(2).astype(np.float32)
X = r.standard_normal((1, 4, 4, 2)).astype(np.float32)
K = r.standard_normal((2, 2, 2, 3)).astype(np.float32)
KB = r.standard_normal(3).astype(np.float32)


def _fmm(fused, **kw):
    return lambda a, w, b: execute(FUSED_MATMUL, (a, w, [b]), dict(kw, fused_ops=fused))


def _fconv(fused, **kw):
    at = {"strides": [1, 1, 1, 1], "padding": "VALID", "fused_ops": fused}
    at.update(kw)
    return lambda x, k, b: execute(FUSED_CONV2D, (x, k, [b]), at)


def _conv_ref(x, k):
    n, h, w_, c = x.shape
    kh, kw, _, o = k.shape
    out = np.zeros((n, h - kh + 1, w_ - kw + 1, o), x.dtype)
    for i in range(h - kh + 1):
        for j in range(w_ - kw + 1):
            out[:, i, j, :] = np.tensordot(x[:, i:i + kh, j:j + kw, :], k, axes=3)
    return out


SPECS = [
    OpSpec("fused_matmul_bias", _fmm(["BiasAdd"]), lambda a, w, b: a @ w + b, [A, W, B]),
    OpSpec("fused_matmul_bias_tb", _fmm(["BiasAdd"], transpose_b=True),
           lambda a, w, b: a @ w.T + b, [A, A, B[:1].repeat(3)]),
    OpSpec("fused_conv2d_bias", _fconv(["BiasAdd"]), lambda x, k, b: _conv_ref(x, k) + b,
           [X, K, KB], atol=1e-5),
    OpSpec("fused_conv2d_bias_nchw", _fconv(["BiasAdd"], data_format="NCHW"),
           lambda x, k, b: np.moveaxis(_conv_ref(np.moveaxis(x, 1, -1), k) + b, -1, 1),
           [np.moveaxis(X, -1, 1).copy(), K, KB], atol=1e-5, grad=False),
]

# Activation variants need the NN family's activation ops (and their gradient rules).
if "Relu" in op_def.all_ops():
    SPECS += [
        OpSpec("fused_matmul_bias_relu", _fmm(["BiasAdd", "Relu"]),
               lambda a, w, b: np.maximum(a @ w + b, 0), [A, W, B]),
        OpSpec("fused_conv2d_bias_relu", _fconv(["BiasAdd", "Relu"]),
               lambda x, k, b: np.maximum(_conv_ref(x, k) + b, 0), [X, K, KB], atol=1e-5),
    ]
if "Relu6" in op_def.all_ops():
    SPECS.append(OpSpec("fused_matmul_bias_relu6", _fmm(["BiasAdd", "Relu6"]),
                        lambda a, w, b: np.clip(a @ w + b, 0, 6), [A * 4, W, B]))
if "LeakyRelu" in op_def.all_ops():
    SPECS.append(OpSpec("fused_matmul_bias_leakyrelu",
                        _fmm(["BiasAdd", "LeakyRelu"], leakyrelu_alpha=0.3),
                        lambda a, w, b: np.where(a @ w + b > 0, a @ w + b, 0.3 * (a @ w + b)),
                        [A, W, B], grad=False))


# Backward fusions: ReluGrad(MatMul(a, b), features) and a dense update by MatMul(a, b).
F = r.standard_normal((3, 2)).astype(np.float32)
G = r.standard_normal((3, 2)).astype(np.float32)
W4, ACC4 = (r.standard_normal((4, 2)).astype(np.float32) for _ in range(2))
_var, _acc = (tf.Variable(np.zeros((4, 2), np.float32)) for _ in range(2))
_gvar = tf.Variable(np.zeros((3, 2), np.float32))


def _relu_grad(**kw):
    return lambda a, w, f: execute(FUSED_MATMUL_RELU_GRAD, (a, w, f), kw)


def _momentum_by_product(a, g, w, acc):
    """Keras momentum on ``_var`` whose gradient is ``a^T @ g`` (a weight gradient)."""
    _var.assign(w)
    _acc.assign(acc)
    execute(FUSED_MATMUL_APPLY, (a, g, [handle_arg(_var), handle_arg(_acc), tf.constant(0.1),
                                        tf.constant(0.9)]),
            {"transpose_a": True, "apply": "ResourceApplyKerasMomentum"})
    return tf.identity(_var.read_value()), tf.identity(_acc.read_value())


def _momentum_ref(a, g, w, acc):
    acc = acc * np.float32(0.9) - np.float32(0.1) * (a.T @ g)
    return w + acc, acc


def _gd_broadcast(a, b, w):
    """The fallback path: a (1, 2) product broadcast over a (3, 2) variable."""
    _gvar.assign(w)
    execute(FUSED_MATMUL_APPLY, (a, b, [handle_arg(_gvar), tf.constant(0.5)]),
            {"apply": "ResourceApplyGradientDescent"})
    return tf.identity(_gvar.read_value())


SPECS += [
    OpSpec("fused_matmul_relu_grad", _relu_grad(), lambda a, w, f: (a @ w) * (f > 0),
           [A, W, F], grad=False),
    OpSpec("fused_matmul_relu_grad_tb", _relu_grad(transpose_b=True),
           lambda a, w, f: (a @ w.T) * (f > 0), [A, W.T.copy(), F], grad=False),
    OpSpec("fused_matmul_apply_momentum", _momentum_by_product, _momentum_ref,
           [A, G, W4, ACC4], grad=False, unknown_shapes=False, atol=1e-6),
    OpSpec("fused_matmul_apply_broadcast", _gd_broadcast,
           lambda a, b, w: w - np.float32(0.5) * (a @ b), [A[:1], W, F], grad=False,
           unknown_shapes=False, atol=1e-6),
]


# _FusedConv2D with an inference batch norm: args are scale, offset, mean, variance.
BN = [r.uniform(0.5, 1.5, 3).astype(np.float32), r.standard_normal(3).astype(np.float32),
      r.standard_normal(3).astype(np.float32), r.uniform(0.5, 2.0, 3).astype(np.float32)]


def _fconv_bn(x, k, scale, offset, mean, var):
    return execute(FUSED_CONV2D, (x, k, [scale, offset, mean, var]),
                   {"strides": [1, 1, 1, 1], "padding": "VALID", "epsilon": 1e-3,
                    "fused_ops": ["FusedBatchNorm"]})


SPECS.append(OpSpec("fused_conv2d_batch_norm", _fconv_bn,
                    lambda x, k, s, o, m, v: (_conv_ref(x, k) - m) * (s / np.sqrt(v + 1e-3)) + o,
                    [X, K] + BN, atol=1e-5, grad=False))


# _FusedDepthwiseConv2dNative: bias or batch norm (+ activation) on a depthwise convolution.
DK = r.standard_normal((2, 2, 2, 1)).astype(np.float32)   # channel multiplier 1
DB = r.standard_normal(2).astype(np.float32)
DBN = [v[:2].copy() for v in BN]


def _dw_ref(x, k):
    n, h, w_, c = x.shape
    kh, kw = k.shape[:2]
    out = np.zeros((n, h - kh + 1, w_ - kw + 1, c), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += x[:, i:i + h - kh + 1, j:j + w_ - kw + 1, :] * k[i, j, :, 0]
    return out


def _fdw(fused, **kw):
    def f(x, k, *args):
        at = {"strides": [1, 1, 1, 1], "padding": "VALID", "fused_ops": fused}
        at.update(kw)
        return execute(FUSED_DEPTHWISE, (x, k, list(args)), at)
    return f


SPECS += [
    OpSpec("fused_depthwise_bias", _fdw(["BiasAdd"]), lambda x, k, b: _dw_ref(x, k) + b,
           [X, DK, DB], atol=1e-5),
    OpSpec("fused_depthwise_batch_norm_relu6", _fdw(["FusedBatchNorm", "Relu6"], epsilon=1e-3),
           lambda x, k, s, o, m, v: np.clip((_dw_ref(x, k) - m) * (s / np.sqrt(v + 1e-3)) + o,
                                            0, 6),
           [X * 3, DK] + DBN, atol=1e-5, grad=False),
]
