"""Activation functions: Relu family, Elu/Selu, Softmax/LogSoftmax and the composite
activations (gelu, silu, crelu). softplus, softsign, sigmoid, tanh and log_sigmoid are the
math family's (tf.nn re-exports them, as TensorFlow does)."""

from __future__ import annotations

import math

import numpy as np

from tensorflux._src.framework.parallel import parallel_for

from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import math_ops as M
from tensorflux._src.ops import math_compare, math_special
from tensorflux._src.ops import math_unary as _mu
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _c(v, x):
    """A Python scalar as a constant of x's dtype."""
    return np.asarray(v, x.dtype.as_numpy_dtype)


def _unary(name, kernel, grad, types=u.FLOAT, attrs=None, inp="features", out="activations"):
    return defop(name, kernel, inputs=(f"{inp}: T",), outputs=(f"{out}: T",),
                 types={"T": types}, attrs=attrs, infer=u.infer_same, grad=grad)


def _grad_op(name, kernel, grad, attrs=None, second="features"):
    return defop(name, kernel, inputs=("gradients: T", f"{second}: T"),
                 outputs=("backprops: T",), types={"T": u.FLOAT}, attrs=attrs,
                 infer=u.infer_same, grad=grad)


def _zero(x):
    return A.zeros_like(x)


# ---- relu family --------------------------------------------------------------------------


def _relu_kernel(x):
    # Flat views below need C order (reshape(-1) of a strided array would be a copy).
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape, x.dtype)
    fx, fo = x.reshape(-1), out.reshape(-1)
    zero = x.dtype.type(0)

    def run(i, j):
        np.maximum(fx[i:j], zero, out=fo[i:j])

    parallel_for(fx.size, run)
    return out


def _relu_grad_kernel(g, x):
    # TensorFlow's ReluGrad is ``g * (x > 0)`` (a NaN gradient stays NaN); multiplying by
    # the mask is also several times faster than np.where with a scalar.
    out = np.empty(g.shape, g.dtype)
    fg, fx, fo = g.reshape(-1), np.ascontiguousarray(x).reshape(-1), out.reshape(-1)

    def run(i, j):
        np.multiply(fg[i:j], np.greater(fx[i:j], 0), out=fo[i:j])

    parallel_for(fg.size, run)
    return out


RELU = _unary("Relu", _relu_kernel, lambda op, g: [execute(RELU_GRAD, (g, op.outputs[0]))],
              types=u.REAL)
RELU_GRAD = _grad_op("ReluGrad", _relu_grad_kernel,
                     lambda op, gg: [execute(RELU_GRAD, (gg, op.inputs[1])),
                                     _zero(op.inputs[1])])
RELU6 = _unary("Relu6", lambda x: np.clip(x, x.dtype.type(0), x.dtype.type(6)),
               lambda op, g: [execute(RELU6_GRAD, (g, op.inputs[0]))], types=u.REAL)
RELU6_GRAD = _grad_op("Relu6Grad", lambda g, x: np.where((x > 0) & (x < 6), g, 0).astype(
    g.dtype), lambda op, gg: [execute(RELU6_GRAD, (gg, op.inputs[1])), _zero(op.inputs[1])])
LEAKY_RELU = _unary(
    "LeakyRelu", lambda x, alpha=0.2: np.where(x > 0, x, x * x.dtype.type(alpha)),
    lambda op, g: [execute(LEAKY_RELU_GRAD, (g, op.inputs[0]),
                           {"alpha": op.get_attr("alpha")})], attrs={"alpha": 0.2})
LEAKY_RELU_GRAD = _grad_op(
    "LeakyReluGrad", lambda g, x, alpha=0.2: np.where(x > 0, g, g * g.dtype.type(alpha)),
    lambda op, gg: [execute(LEAKY_RELU_GRAD, (gg, op.inputs[1]),
                            {"alpha": op.get_attr("alpha")}), _zero(op.inputs[1])],
    attrs={"alpha": 0.2})


def relu(features, name=None):
    """Rectified linear unit ``max(features, 0)``.

    Example:
      >>> tf.nn.relu([-1.0, 2.0]).numpy()
      array([0., 2.], dtype=float32)
    """
    return execute(RELU, (tensor(features),), None, name)


def relu6(features, name=None):
    """``min(max(features, 0), 6)``.

    Example:
      >>> tf.nn.relu6([-1.0, 7.0]).numpy()
      array([0., 6.], dtype=float32)
    """
    return execute(RELU6, (tensor(features),), None, name)


def leaky_relu(features, alpha=0.2, name=None):
    """``features`` where positive, else ``alpha * features``.

    Example:
      >>> tf.nn.leaky_relu([-1.0, 2.0]).numpy()
      array([-0.2,  2. ], dtype=float32)
    """
    x = tensor(features)
    if x.dtype.is_integer:
        x = M.cast(x, "float32")
    return execute(LEAKY_RELU, (x,), {"alpha": float(alpha)} if alpha != 0.2 else None, name)


# ---- elu / selu -------------------------------------------------------------------------------


def _elu_kernel(x):
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype)


def _selu_kernel(x):
    with np.errstate(over="ignore"):
        return (_SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))
                ).astype(x.dtype)


def _neg_where(y, a, b):
    """where(y < 0, a, b)."""
    return A.where_v2(math_compare.less(y, _c(0, y)), a, b)


def _elu_gg(op, gg):
    g, y = op.inputs
    return [execute(ELU_GRAD, (gg, y)), _neg_where(y, M.multiply(gg, g), _zero(y))]


def _selu_gg(op, gg):
    g, y = op.inputs
    return [execute(SELU_GRAD, (gg, y)), _neg_where(y, M.multiply(gg, g), _zero(y))]


ELU = _unary("Elu", _elu_kernel, lambda op, g: [execute(ELU_GRAD, (g, op.outputs[0]))])
ELU_GRAD = _grad_op("EluGrad", lambda g, y: np.where(y > 0, g, g * (y + 1)).astype(g.dtype),
                    _elu_gg, second="outputs")
SELU = _unary("Selu", _selu_kernel, lambda op, g: [execute(SELU_GRAD, (g, op.outputs[0]))])
SELU_GRAD = _grad_op("SeluGrad", lambda g, y: np.where(
    y > 0, g * _SELU_SCALE, g * (y + _SELU_SCALE * _SELU_ALPHA)).astype(g.dtype),
    _selu_gg, second="outputs")


def elu(features, name=None):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``exp(x) - 1``.

    Example:
      >>> tf.nn.elu([0.0, 1.0]).numpy()
      array([0., 1.], dtype=float32)
    """
    return execute(ELU, (tensor(features),), None, name)


def selu(features, name=None):
    """Scaled exponential linear unit (Klambauer et al., 2017)."""
    return execute(SELU, (tensor(features),), None, name)


# ---- softplus / softsign / sigmoid / tanh live in the math family (tf.math.*) -------------

softplus = _mu.softplus
softsign = _mu.softsign
sigmoid = _mu.sigmoid
tanh = _mu.tanh
log_sigmoid = _mu.log_sigmoid


# ---- softmax / log_softmax --------------------------------------------------------------------


def _softmax_kernel(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return (e / np.sum(e, axis=-1, keepdims=True)).astype(x.dtype)


def _log_softmax_kernel(x):
    s = x - np.max(x, axis=-1, keepdims=True)
    return (s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True))).astype(x.dtype)


def _softmax_grad(op, g):
    y = op.outputs[0]
    s = M.reduce_sum(M.multiply(g, y), -1, keepdims=True)
    return [M.multiply(y, M.subtract(g, s))]


def _log_softmax_grad(op, g):
    sm = execute(SOFTMAX, (op.inputs[0],))
    return [M.subtract(g, M.multiply(sm, M.reduce_sum(g, -1, keepdims=True)))]


def _infer_softmax(ic):
    s = ic.shapes[0]
    if s is not None and len(s) < 1:
        raise ValueError("logits must have at least one dimension")
    return s


SOFTMAX = defop("Softmax", _softmax_kernel, inputs=("logits: T",), outputs=("softmax: T",),
                types={"T": u.FLOAT}, infer=_infer_softmax, grad=_softmax_grad)
LOG_SOFTMAX = defop("LogSoftmax", _log_softmax_kernel, inputs=("logits: T",),
                    outputs=("logsoftmax: T",), types={"T": u.FLOAT}, infer=_infer_softmax,
                    grad=_log_softmax_grad)


def _along_axis(op, logits, axis, name):
    x = tensor(logits)
    r = x.shape.rank
    if axis is None or axis == -1 or (r is not None and axis == r - 1):
        return execute(op, (x,), None, name)
    if r is None:
        raise ValueError("softmax along a non-last axis needs a known rank")
    a = axis % r
    perm = list(range(r))
    perm[a], perm[-1] = perm[-1], perm[a]
    y = execute(op, (A.transpose_(x, perm),), None)
    return A.transpose_(y, perm, name=name)


def softmax(logits, axis=None, name=None):
    """``exp(logits) / reduce_sum(exp(logits), axis)`` along ``axis`` (default last).

    Example:
      >>> tf.nn.softmax([1.0, 1.0]).numpy()
      array([0.5, 0.5], dtype=float32)
    """
    return _along_axis(SOFTMAX, logits, axis, name)


def log_softmax(logits, axis=None, name=None):
    """``logits - log(reduce_sum(exp(logits), axis))`` along ``axis`` (default last)."""
    return _along_axis(LOG_SOFTMAX, logits, axis, name)


# ---- composites -------------------------------------------------------------------------------


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: ``x * P(X <= x)`` for ``X ~ N(0, 1)``.

    Example:
      >>> round(float(tf.nn.gelu(1.0)), 4)
      0.8413
    """
    x = tensor(features)
    if approximate:
        inner = M.multiply(_c(math.sqrt(2 / math.pi), x), M.add(x, M.multiply(
            _c(0.044715, x), M.multiply(x, M.multiply(x, x)))))
        t = _mu.tanh(inner)
    else:
        t = math_special.erf(M.multiply(x, _c(1 / math.sqrt(2), x)))
    return M.multiply(M.multiply(_c(0.5, x), x), M.add(_c(1, x), t), name=name)


def silu(features, beta=1.0, name=None):
    """Sigmoid linear unit (swish): ``features * sigmoid(beta * features)``.

    Example:
      >>> float(tf.nn.silu(0.0))
      0.0
    """
    x = tensor(features)
    bx = x if beta == 1.0 else M.multiply(x, _c(beta, x))
    return M.multiply(x, _mu.sigmoid(bx), name=name)


swish = silu


def crelu(features, axis=-1, name=None):
    """Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)``.

    Example:
      >>> tf.nn.crelu([-1.0, 2.0]).numpy()
      array([0., 2., 1., 0.], dtype=float32)
    """
    x = tensor(features)
    return A.concat([relu(x), relu(M.negative(x))], axis, name=name or "CRelu")
