"""Misc tf.nn ops: bias_add, dropout, embedding_lookup, top_k, in_top_k,
space_to_depth/depth_to_space, scale_regularization_loss."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import math_ops as M
from tensorflux._src.ops import math_binary, math_compare, math_unary
from tensorflux._src.ops import nn_util as nu
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops import random_ops
from tensorflux._src.ops.op_util import tensor

# ---- bias_add ---------------------------------------------------------------------------------


def _bias_shape(x, data_format):
    if nu.channels_last(data_format) or x.ndim < 3:
        return (-1,)
    return (-1,) + (1,) * (x.ndim - 2)


def _bias_add_kernel(value, bias, data_format="NHWC"):
    c = value.shape[-1] if nu.channels_last(data_format) or value.ndim < 3 else value.shape[1]
    if bias.ndim != 1 or bias.shape[0] != c:
        raise errors.InvalidArgumentError(
            None, None, f"Must provide as many biases as the channel dimension of the input "
            f"tensor: {list(bias.shape)} vs. {c} in {list(value.shape)}")
    return value + bias.reshape(_bias_shape(value, data_format))


def _bias_add_grad_kernel(g, data_format="NHWC"):
    if nu.channels_last(data_format) or g.ndim < 3:
        return g.reshape(-1, g.shape[-1]).sum(0).astype(g.dtype)
    return g.sum(axis=tuple(i for i in range(g.ndim) if i != 1)).astype(g.dtype)


def _bias_infer(ic):
    x, b = ic.shapes
    if x is not None and len(x) < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {len(x)} for BiasAdd")
    return x


def _bias_grad_infer(ic):
    x = ic.shapes[0]
    if x is None:
        return (None,)
    cl = nu.channels_last(ic.attrs["data_format"]) or len(x) < 3
    return (x[-1] if cl else x[1],)


def _bias_add_gg(op, gg):
    g = op.inputs[0]
    df = op.get_attr("data_format")
    r = g.shape.rank
    if nu.channels_last(df) or r < 3:
        shp = [1] * (r - 1) + [-1]
    else:
        shp = [1, -1] + [1] * (r - 2)
    return [A.broadcast_to(A.reshape(gg, shp), A.shape(g))]


BIAS_ADD = defop("BiasAdd", _bias_add_kernel, inputs=("value: T", "bias: T"),
                 outputs=("output: T",), types={"T": u.NUMERIC}, attrs={"data_format": "NHWC"},
                 infer=_bias_infer,
                 grad=lambda op, g: [g, execute(BIAS_ADD_GRAD, (g,), {
                     "data_format": op.get_attr("data_format")})])
BIAS_ADD_GRAD = defop("BiasAddGrad", _bias_add_grad_kernel, inputs=("out_backprop: T",),
                      outputs=("output: T",), types={"T": u.NUMERIC},
                      attrs={"data_format": "NHWC"}, infer=_bias_grad_infer, grad=_bias_add_gg)


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D ``bias`` along the channel dimension of ``value``.

    Example:
      >>> tf.nn.bias_add(tf.zeros([2, 3]), [1.0, 2.0, 3.0]).numpy()[0]
      array([1., 2., 3.], dtype=float32)
    """
    value = tensor(value)
    bias = tensor(bias, dtype=value.dtype)
    df = data_format or "NHWC"
    if df.startswith("NC"):
        df = "NCHW"
    elif df.startswith("N") and df.endswith("C"):
        df = "NHWC"
    else:
        raise ValueError(f"data_format must be of the form `N...C` or `NC...`, got {df!r}")
    return execute(BIAS_ADD, (value, bias), {"data_format": df} if df != "NHWC" else None,
                   name)


# ---- dropout ----------------------------------------------------------------------------------


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes elements with probability ``rate`` and scales the rest by ``1 / (1 - rate)``.

    The random draw is a ``RandomUniform`` op (``tf.random.uniform``'s seed semantics).

    Example:
      >>> tf.nn.dropout(tf.ones([4]), 0.0).numpy()
      array([1., 1., 1., 1.], dtype=float32)
    """
    x = tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. "
                         f"Got a {x.dtype.name} tensor instead.")
    if not isinstance(rate, Tensor):
        if not 0 <= float(rate) < 1:
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), "
                             f"got {rate}")
        if float(rate) == 0:
            return A.identity(x, name=name) if name else x
    dt = x.dtype.as_numpy_dtype
    rate_t = M.cast(tensor(rate, dtype_hint=x.dtype), x.dtype)
    shape = A.shape(x) if noise_shape is None else noise_shape
    if isinstance(shape, Tensor) and u.static_shape(x) is not None and noise_shape is None:
        shape = list(u.static_shape(x))
    draw = random_ops.random_uniform(shape, dtype=x.dtype, seed=seed)
    keep = M.cast(math_compare.greater_equal(draw, rate_t), x.dtype)
    scale = M.divide_no_check(np.asarray(1, dt), M.subtract(np.asarray(1, dt), rate_t))
    return M.multiply(M.multiply(x, scale), keep, name=name)


# ---- embedding_lookup -------------------------------------------------------------------------


def embedding_lookup(params, ids, max_norm=None, name=None, partition_strategy="mod"):
    """Rows of ``params`` (a tensor or a list of shards) at ``ids``.

    With several shards, ``partition_strategy`` "mod" stores id ``i`` in shard
    ``i % n`` and "div" stores contiguous blocks. The gradient is an ``IndexedSlices``.

    Example:
      >>> tf.nn.embedding_lookup(tf.constant([[1.0], [2.0], [3.0]]), [2, 0]).numpy()
      array([[3.],
             [1.]], dtype=float32)
    """
    if isinstance(params, (list, tuple)):
        shards = [p.value() if getattr(p, "_is_variable", False) else tensor(p) for p in params]
    else:
        shards = [params.value() if getattr(params, "_is_variable", False) else tensor(params)]
    if not shards:
        raise ValueError("params must be a non-empty tensor or list of tensors")
    ids = tensor(ids)
    if len(shards) == 1:
        out = A.gather(shards[0], ids)
    else:
        sizes = [u.static_shape(s) for s in shards]
        if any(s is None for s in sizes):
            raise ValueError("embedding_lookup over several shards needs static shard shapes")
        rows = [s[0] for s in sizes]
        table = A.concat(shards, 0)
        if partition_strategy == "mod":
            p = len(rows)
            offsets = np.cumsum([0] + rows[:-1])
            perm = np.array([offsets[i % p] + i // p for i in range(sum(rows))], np.int32)
            ids = A.gather(tensor(perm.astype(ids.dtype.as_numpy_dtype)), ids)
        elif partition_strategy != "div":
            raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
        out = A.gather(table, ids)
    if max_norm is not None:
        dt = out.dtype.as_numpy_dtype
        n2 = M.reduce_sum(M.multiply(out, out), -1, keepdims=True)
        mn = np.asarray(max_norm, dt)
        scale = M.multiply(mn, math_unary.rsqrt(math_binary.maximum(n2, mn * mn)))
        out = M.multiply(out, scale)
    return A.identity(out, name=name) if name else out


# ---- top_k / in_top_k -------------------------------------------------------------------------


def _top_k_kernel(x, k, sorted=True):  # noqa: A002 - TensorFlow's attr name
    k = int(k)
    n = x.shape[-1]
    if k < 0 or k > n:
        raise errors.InvalidArgumentError(
            None, None, f"input must have at least k columns. Had {n}, needed {k}")
    rev = x[..., ::-1]
    order = np.argsort(rev, axis=-1, kind="stable")[..., ::-1][..., :k]
    idx = (n - 1 - order).astype(np.int32)
    return np.take_along_axis(x, idx, -1), idx


def _top_k_infer(ic):
    s = ic.shapes[0]
    k = ic.values[1]
    if s is None:
        return [None, None]
    if len(s) < 1:
        raise ValueError("input must be at least 1-D for top_k")
    kk = None if k is None else int(k)
    if kk is not None and s[-1] is not None and kk > s[-1]:
        raise ValueError(f"input must have at least k={kk} columns, got {s[-1]}")
    return [tuple(s[:-1]) + (kk,)] * 2


def _top_k_grad(op, g, _):
    x = op.inputs[0]
    idx = op.outputs[1]
    n = A.gather(A.shape(x), M.subtract(A.rank(x), 1))
    oh = A.one_hot(idx, n, dtype=g.dtype)                     # ..., k, n
    return [M.reduce_sum(M.multiply(oh, A.expand_dims(g, -1)), -2), None]


TOP_K = defop("TopKV2", _top_k_kernel, inputs=("input: T", "k: int32"),
               outputs=("values: T", "indices: int32"), types={"T": u.REAL},
               attrs={"sorted": True}, infer=_top_k_infer, grad=_top_k_grad)


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002
    """The ``k`` largest entries of the last dimension and their indices (ties: lower index).

    Example:
      >>> v, i = tf.nn.top_k([1.0, 3.0, 2.0], 2)
      >>> v.numpy(), i.numpy()
      (array([3., 2.], dtype=float32), array([1, 2], dtype=int32))
    """
    x = tensor(input)
    return execute(TOP_K, (x, tensor(k, dtype=_dt.int32)),
                   None if sorted else {"sorted": False}, name)


def _in_top_k_kernel(predictions, targets, k):
    n = predictions.shape[-1]
    t = np.asarray(targets)
    valid = (t >= 0) & (t < n)
    ts = np.where(valid, t, 0)
    tv = predictions[np.arange(predictions.shape[0]), ts]
    greater = (predictions > tv[:, None]).sum(-1)
    ok = valid & np.isfinite(tv) & (greater < int(k))
    return ok


IN_TOP_K = defop("InTopKV2", _in_top_k_kernel,
                 inputs=("predictions: float32", "targets: T", "k: T"),
                 outputs=("precision: bool",), types={"T": u.INDEX},
                 infer=lambda ic: (None,) if ic.shapes[1] is None else tuple(ic.shapes[1]),
                 grad=NOT_DIFFERENTIABLE)


def in_top_k(targets, predictions, k, name=None):
    """Whether each ``targets[i]`` is among the top ``k`` of ``predictions[i]``.

    Example:
      >>> tf.nn.in_top_k([1], [[0.1, 0.9]], 1).numpy()
      array([ True])
    """
    t = tensor(targets)
    return execute(IN_TOP_K, (tensor(predictions, dtype=_dt.float32), t,
                              tensor(k, dtype=t.dtype)), None, name)


# ---- space_to_depth / depth_to_space ----------------------------------------------------------


def _s2d(x, block_size, data_format="NHWC"):
    b = int(block_size)
    x = nu.to_cl(x, data_format)
    n, h, w, c = x.shape
    if h % b or w % b:
        raise errors.InvalidArgumentError(
            None, None, f"Image width {w} and height {h} should be divisible by block_size: {b}")
    y = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return nu.from_cl(y.reshape(n, h // b, w // b, b * b * c), data_format)


def _d2s(x, block_size, data_format="NHWC"):
    b = int(block_size)
    x = nu.to_cl(x, data_format)
    n, h, w, c = x.shape
    if c % (b * b):
        raise errors.InvalidArgumentError(
            None, None, f"Input depth dimension {c} should be divisible by: {b * b}")
    y = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return nu.from_cl(y.reshape(n, h * b, w * b, c // (b * b)), data_format)


def _s2d_infer(ic, inverse=False):
    s = ic.shapes[0]
    if s is None:
        return None
    df = ic.attrs["data_format"]
    n, h, w, c = nu.nhwc_shape(tuple(s), df)
    b = ic.attrs["block_size"]

    def f(v, op):
        return None if v is None else op(v)
    if inverse:
        out = (n, f(h, lambda v: v * b), f(w, lambda v: v * b), f(c, lambda v: v // (b * b)))
    else:
        for v in (h, w):
            if v is not None and v % b:
                raise ValueError(f"Dimension size {v} must be evenly divisible by {b}")
        out = (n, f(h, lambda v: v // b), f(w, lambda v: v // b), f(c, lambda v: v * b * b))
    return nu.from_nhwc_shape(out, df)


def _s2d_attrs(op):
    return {"block_size": op.get_attr("block_size"), "data_format": op.get_attr("data_format")}


S2D = defop("SpaceToDepth", _s2d, inputs=("input: T",), outputs=("output: T",),
            types={"T": ()}, attrs={"block_size": 2, "data_format": "NHWC"},
            infer=_s2d_infer, grad=lambda op, g: [execute(D2S, (g,), _s2d_attrs(op))])
D2S = defop("DepthToSpace", _d2s, inputs=("input: T",), outputs=("output: T",),
            types={"T": ()}, attrs={"block_size": 2, "data_format": "NHWC"},
            infer=lambda ic: _s2d_infer(ic, True),
            grad=lambda op, g: [execute(S2D, (g,), _s2d_attrs(op))])


def space_to_depth(input, block_size, data_format="NHWC", name=None):  # noqa: A002
    """Moves ``block_size x block_size`` spatial blocks into the depth dimension.

    Example:
      >>> tf.nn.space_to_depth(tf.ones([1, 4, 4, 1]), 2).shape
      TensorShape([1, 2, 2, 4])
    """
    if int(block_size) < 2:
        raise ValueError(f"block_size must be at least 2, got {block_size}")
    return execute(S2D, (tensor(input),), {"block_size": int(block_size),
                                            "data_format": data_format}, name)


def depth_to_space(input, block_size, data_format="NHWC", name=None):  # noqa: A002
    """Inverse of space_to_depth: moves depth into ``block_size x block_size`` blocks."""
    if int(block_size) < 2:
        raise ValueError(f"block_size must be at least 2, got {block_size}")
    return execute(D2S, (tensor(input),), {"block_size": int(block_size),
                                            "data_format": data_format}, name)


# ---- small composites -------------------------------------------------------------------------


def scale_regularization_loss(regularization_loss, name=None):
    """Sums regularization losses and scales by the number of replicas (1 here)."""
    if isinstance(regularization_loss, (list, tuple)):
        regularization_loss = M.add_n(list(regularization_loss))
    return M.reduce_sum(tensor(regularization_loss), name=name)
