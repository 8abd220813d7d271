"""Losses of tf.nn: softmax cross entropies (dense and sparse, fused ops), sigmoid and
weighted cross entropies, l2_loss, log_poisson_loss and compute_average_loss."""

from __future__ import annotations

import math

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import math_ops as M
from tensorflux._src.ops import math_compare, math_unary
from tensorflux._src.ops import nn_activation as act
from tensorflux._src.ops import nn_util as nu
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

# ---- fused softmax cross entropy --------------------------------------------------------------


def _log_softmax(x):
    s = x - np.max(x, axis=-1, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True))


def _sce_kernel(features, labels):
    features, labels = np.broadcast_arrays(features, labels)
    ls = _log_softmax(features)
    loss = -np.sum(labels * ls, axis=-1)
    return loss.astype(features.dtype), (np.exp(ls) - labels).astype(features.dtype)


def _sce_infer(ic):
    a, b = ic.shapes
    s = u.broadcast_shapes(a, b)
    if s is not None and len(s) != 2:
        raise ValueError(f"logits and labels must be 2-D for SoftmaxCrossEntropyWithLogits, "
                         f"got shapes {list(a)} and {list(b)}")
    if s is None:
        return [(None,), (None, None)]
    return [s[:1], s]


def _second_order(logits, g_bp):
    """The part of d(backprop)/d(logits) contracted with g_bp."""
    sm = act.softmax(logits)
    inner = M.reduce_sum(M.multiply(g_bp, sm), -1, keepdims=True)
    return M.multiply(M.subtract(g_bp, inner), sm)


def _sce_grad(op, g_loss, g_bp):
    logits, labels = op.inputs
    ge = A.expand_dims(g_loss, -1)
    gl = M.multiply(ge, op.outputs[1])
    if not nu.is_zero(g_bp):
        gl = M.add(gl, _second_order(logits, g_bp))
    glab = M.multiply(ge, M.negative(act.log_softmax(logits)))
    return [M.sum_to(gl, logits), M.sum_to(glab, labels)]


SCE = defop("SoftmaxCrossEntropyWithLogits", _sce_kernel, inputs=("features: T", "labels: T"),
            outputs=("loss: T", "backprop: T"), types={"T": u.FLOAT}, infer=_sce_infer,
            grad=_sce_grad)


def _sparse_kernel(features, labels):
    n = features.shape[-1]
    lab = np.asarray(labels)
    bad = (lab < 0) | (lab >= n)
    if np.any(bad):
        v = lab[bad].reshape(-1)[0]
        raise errors.InvalidArgumentError(
            None, None, f"Received a label value of {v} which is outside the valid range of "
            f"[0, {n}).  Label values: {' '.join(str(x) for x in lab.reshape(-1))}")
    # log-softmax and softmax from one exp: loss = log(sum e) - s[label], bp = e / sum e - 1
    s = features - np.max(features, axis=-1, keepdims=True)
    e = np.exp(s)
    z = np.sum(e, axis=-1, keepdims=True)
    rows = np.arange(features.shape[0])
    loss = np.log(z[:, 0])
    loss -= s[rows, lab]
    e /= z
    e[rows, lab] -= 1
    return loss.astype(features.dtype, copy=False), e.astype(features.dtype, copy=False)


def _sparse_infer(ic):
    f, lab = ic.shapes
    if f is not None and len(f) != 2:
        raise ValueError(f"logits must be 2-D, but got shape {list(f)}")
    if lab is not None and len(lab) != 1:
        raise ValueError(f"labels must be 1-D, but got shape {list(lab)}")
    if f is None:
        return [(None,), (None, None)]
    b = f[0] if f[0] is not None else (lab[0] if lab is not None else None)
    return [(b,), (b, f[1])]


def _sparse_grad(op, g_loss, g_bp):
    logits = op.inputs[0]
    gl = M.multiply(A.expand_dims(g_loss, -1), op.outputs[1])
    if not nu.is_zero(g_bp):
        gl = M.add(gl, _second_order(logits, g_bp))
    return [gl, None]


SPARSE_SCE = defop("SparseSoftmaxCrossEntropyWithLogits", _sparse_kernel,
                   inputs=("features: T", "labels: Tlabels"),
                   outputs=("loss: T", "backprop: T"),
                   types={"T": u.FLOAT, "Tlabels": u.INDEX}, infer=_sparse_infer,
                   grad=_sparse_grad)


def _flatten_last(x):
    """Reshape to 2-D [-1, last]; returns (x2, leading shape or tensor)."""
    s = x.shape.as_list() if x.shape.rank is not None else None
    if s is not None and all(d is not None for d in s):
        return A.reshape(x, [-1, s[-1]]), s[:-1]
    sh = A.shape(x)
    r = A.size(sh)
    lead = A.gather(sh, A.range(0, M.subtract(r, 1)))
    last = A.gather(sh, M.subtract(r, 1))
    return A.reshape(x, A.stack([tensor(np.int32(-1)), last])), lead


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Cross entropy between ``labels`` (a distribution per row) and ``softmax(logits)``.

    Example:
      >>> round(float(tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]])[0]),
      ...       4)
      0.6931
    """
    logits = tensor(logits)
    labels = M.cast(tensor(labels, dtype_hint=logits.dtype), logits.dtype)
    r = logits.shape.rank
    if axis not in (-1, None) and r is not None and axis % r != r - 1:
        perm = list(range(r))
        a = axis % r
        perm[a], perm[-1] = perm[-1], perm[a]
        logits = A.transpose_(logits, perm)
        labels = A.transpose_(labels, perm)
    if r == 2:
        return execute(SCE, (logits, labels), None, name)[0]
    if labels.shape.rank is not None and r is not None and labels.shape.rank != r:
        labels = A.broadcast_to(labels, A.shape(logits))
    l2, lead = _flatten_last(logits)
    b2, _ = _flatten_last(labels)
    loss = execute(SCE, (l2, b2), None)[0]
    return A.reshape(loss, lead, name=name)


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Cross entropy with integer class ``labels`` (shape ``logits.shape[:-1]``).

    Example:
      >>> round(float(tf.nn.sparse_softmax_cross_entropy_with_logits([1], [[0.0, 0.0]])[0]),
      ...       4)
      0.6931
    """
    logits = tensor(logits)
    labels = tensor(labels)
    if labels.dtype not in u.INDEX:
        raise TypeError(f"labels must be int32 or int64, got {labels.dtype.name}")
    lr, r = labels.shape.rank, logits.shape.rank
    if lr is not None and r is not None and lr != r - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {lr}) should equal rank of "
                         f"logits minus 1 (received {r}).")
    if r == 2:
        return execute(SPARSE_SCE, (logits, labels), None, name)[0]
    l2, lead = _flatten_last(logits)
    loss = execute(SPARSE_SCE, (l2, A.reshape(labels, [-1])), None)[0]
    return A.reshape(loss, lead, name=name)


# ---- composite losses -------------------------------------------------------------------------


def _check_same_shape(labels, logits):
    a, b = labels.shape, logits.shape
    if not a.is_compatible_with(b):
        raise ValueError(f"logits and labels must have the same shape ({b} vs {a})")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss ``max(x, 0) - x * z + log(1 + exp(-|x|))``.

    Example:
      >>> round(float(tf.nn.sigmoid_cross_entropy_with_logits(labels=1.0, logits=0.0)), 4)
      0.6931
    """
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    x = tensor(logits)
    z = M.cast(tensor(labels, dtype_hint=x.dtype), x.dtype)
    _check_same_shape(z, x)
    return M.subtract(act.softplus(x), M.multiply(x, z), name=name)


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """Sigmoid cross entropy with positive examples weighted by ``pos_weight``.

    Example:
      >>> round(float(tf.nn.weighted_cross_entropy_with_logits(1.0, 0.0, 2.0)), 4)
      1.3863
    """
    x = tensor(logits)
    z = M.cast(tensor(labels, dtype_hint=x.dtype), x.dtype)
    _check_same_shape(z, x)
    q = M.cast(tensor(pos_weight, dtype_hint=x.dtype), x.dtype)
    one = np.asarray(1, x.dtype.as_numpy_dtype)
    lw = M.add(one, M.multiply(M.subtract(q, one), z))
    return M.add(M.multiply(M.subtract(one, z), x),
                 M.multiply(lw, act.softplus(M.negative(x))), name=name)


def _l2_kernel(t):
    return (np.sum(np.square(t, dtype=t.dtype)) / 2).astype(t.dtype)


L2_LOSS = defop("L2Loss", _l2_kernel, inputs=("t: T",), outputs=("output: T",),
                types={"T": u.FLOAT}, infer=u.infer_scalar,
                grad=lambda op, g: [M.multiply(op.inputs[0], g)])


def l2_loss(t, name=None):
    """``sum(t ** 2) / 2``.

    Example:
      >>> float(tf.nn.l2_loss([1.0, 2.0]))
      2.5
    """
    return execute(L2_LOSS, (tensor(t),), None, name)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """Poisson negative log likelihood ``exp(log_input) - log_input * targets`` (plus the
    Stirling approximation of ``log(targets!)`` when ``compute_full_loss``)."""
    x = tensor(log_input)
    t = M.cast(tensor(targets, dtype_hint=x.dtype), x.dtype)
    _check_same_shape(t, x)
    res = M.subtract(math_unary.exp(x), M.multiply(x, t))
    if compute_full_loss:
        dt = x.dtype.as_numpy_dtype
        ones = A.ones_like(t)
        safe_t = A.where_v2(math_compare.greater(t, np.asarray(1, dt)), t, ones)
        st = M.add(M.subtract(M.multiply(safe_t, math_unary.log(safe_t)), safe_t), M.multiply(
            np.asarray(0.5, dt), math_unary.log(M.multiply(np.asarray(2 * math.pi, dt), safe_t))))
        st = A.where_v2(math_compare.greater(t, np.asarray(1, dt)), st, A.zeros_like(t))
        res = M.add(res, st)
    return A.identity(res, name=name) if name else res


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None,
                         name=None):
    """Sum of the (weighted) per-example losses divided by the global batch size.

    Example:
      >>> float(tf.nn.compute_average_loss([1.0, 3.0]))
      2.0
    """
    loss = tensor(per_example_loss)
    if loss.dtype not in (_dt.float16, _dt.float32, _dt.float64):
        loss = M.cast(loss, _dt.float32)
    if sample_weight is not None:
        w = M.cast(tensor(sample_weight, dtype_hint=loss.dtype), loss.dtype)
        loss = M.multiply(loss, w)
    total = M.reduce_sum(loss)
    if global_batch_size is None:
        s = loss.shape.as_list() if loss.shape.rank is not None else None
        if s and s[0] is not None:
            n = M.cast(tensor(np.int32(s[0])), loss.dtype)
        elif s == []:
            n = M.cast(tensor(np.int32(1)), loss.dtype)
        else:
            n = M.cast(A.gather(A.shape(loss), 0), loss.dtype)
    else:
        if isinstance(global_batch_size, (int, np.integer)) and global_batch_size <= 0:
            raise ValueError(f"global_batch_size must be positive, got {global_batch_size}")
        n = M.cast(tensor(global_batch_size), loss.dtype)
    return M.divide_no_check(total, n)
