"""Pooling: MaxPool/AvgPool (2-D and 3-D), their gradients, and the tf.nn wrappers.

Kernels loop over the kernel offsets (a few strided slices), never over pixels; a
non-overlapping window (ksize == strides, no padding) takes a reshape fast path.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.parallel import parallel_for

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import nn_conv as nc
from tensorflux._src.ops import nn_util as nu
from tensorflux._src.ops.op_util import tensor

_TYPES = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64, _dt.int8, _dt.int16,
          _dt.int32, _dt.int64, _dt.uint8)
_FTYPES = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)


def _geo(shape_cl, ksize, strides, padding, df):
    nd = len(shape_cl) - 2
    k = nu.spatial(ksize, df, nd)
    s = nu.spatial(strides, df, nd)
    out, pads = nu.conv_out_and_pads(shape_cl[1:-1], k, s, [1] * nd, padding)
    if any(o is not None and o <= 0 for o in out):
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, f"Computed output size would be non-positive: "
                                   f"input {list(shape_cl)}, ksize {k}, padding {padding}")
    return k, s, out, pads


def _slices(k, s, out):
    for idx in np.ndindex(*k):
        yield (slice(None),) + tuple(slice(i, i + (o - 1) * st + 1, st)
                                     for i, o, st in zip(idx, out, s)) + (slice(None),)


def _fill_min(dt):
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


def _padded(x, pads, value):
    if any(p for pr in pads for p in pr):
        return np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=value)
    return x


def _max_pool(x, ksize=None, strides=None, padding="VALID", data_format="NHWC", **_):
    x = nu.to_cl(x, data_format)
    k, s, out, pads = _geo(x.shape, ksize, strides, padding, data_format)
    nd = len(k)
    if k == s and all(o * kk == n for o, kk, n in zip(out, k, x.shape[1:-1])):
        shp = (x.shape[0],) + tuple(v for o, kk in zip(out, k) for v in (o, kk)) + (x.shape[-1],)
        xv = x.reshape(shp)
        axes = tuple(2 + 2 * i for i in range(nd))
        y = np.empty((x.shape[0],) + tuple(out) + (x.shape[-1],), x.dtype)

        def run(a, b):
            np.max(xv[a:b], axis=axes, out=y[a:b])

        parallel_for(x.shape[0], run, max(1, (1 << 16) // max(1, y[0].size)))
        return nu.from_cl(y, data_format)
    xp = _padded(x, pads, _fill_min(x.dtype))
    y = None
    for sl in _slices(k, s, out):
        y = xp[sl].copy() if y is None else np.maximum(y, xp[sl], out=y)
    return nu.from_cl(y, data_format)


def _counts(shape_cl, k, s, out, pads):
    ones = np.ones((1,) + tuple(shape_cl[1:-1]) + (1,), np.float64)
    op = _padded(ones, pads, 0.0)
    c = None
    for sl in _slices(k, s, out):
        c = op[sl].copy() if c is None else c + op[sl]
    return c


def _avg_pool(x, ksize=None, strides=None, padding="VALID", data_format="NHWC", **_):
    x = nu.to_cl(x, data_format)
    k, s, out, pads = _geo(x.shape, ksize, strides, padding, data_format)
    xp = _padded(x, pads, 0)
    acc = None
    for sl in _slices(k, s, out):
        acc = xp[sl].copy() if acc is None else np.add(acc, xp[sl], out=acc)
    y = (acc / _counts(x.shape, k, s, out, pads)).astype(x.dtype)
    return nu.from_cl(y, data_format)


def _max_pool_grad_tiled(x, y, g, k, out):
    """Non-overlapping windows that tile the input exactly: view the input as
    (N, o1, k1, o2, k2, ..., C) and route each window's gradient to its first maximum."""
    shp = (x.shape[0],) + tuple(v for o, kk in zip(out, k) for v in (o, kk)) + (x.shape[-1],)
    xv = x.reshape(shp)
    dx = np.empty(x.shape, g.dtype)  # C order: dv must be a view, not a copy
    dv = dx.reshape(shp)

    def run(a, b):
        taken = None
        for idx in np.ndindex(*k):
            sel = (slice(a, b),) + tuple(v for i in idx for v in (slice(None), i)) + (
                slice(None),)
            m = np.equal(xv[sel], y[a:b])
            if taken is None:
                taken = m
            else:
                np.logical_and(m, np.logical_not(taken), out=m)
                np.logical_or(taken, m, out=taken)
            np.multiply(g[a:b], m, out=dv[sel])

    parallel_for(x.shape[0], run, max(1, (1 << 16) // max(1, y[0].size)))
    return dx


def _max_pool_grad(x, y, g, ksize=None, strides=None, padding="VALID", data_format="NHWC",
                   **_):
    x, y, g = (nu.to_cl(v, data_format) for v in (x, y, g))
    k, s, out, pads = _geo(x.shape, ksize, strides, padding, data_format)
    if k == s and all(o * kk == n for o, kk, n in zip(out, k, x.shape[1:-1])):
        return nu.from_cl(_max_pool_grad_tiled(x, y, g, k, out), data_format)
    xp = _padded(x, pads, _fill_min(x.dtype))
    dxp = np.zeros(xp.shape, g.dtype)
    taken = np.zeros(y.shape, bool)
    for sl in _slices(k, s, out):
        m = (xp[sl] == y) & ~taken
        taken |= m
        dxp[sl] += np.where(m, g, 0).astype(g.dtype)
    return nu.from_cl(np.ascontiguousarray(nc._crop(dxp, x.shape, pads)), data_format)


def _max_pool_grad_grad(x, y, gg, ksize=None, strides=None, padding="VALID",
                        data_format="NHWC", **_):
    x, y, gg = (nu.to_cl(v, data_format) for v in (x, y, gg))
    k, s, out, pads = _geo(x.shape, ksize, strides, padding, data_format)
    xp = _padded(x, pads, _fill_min(x.dtype))
    gp = _padded(gg, pads, 0)
    res = np.zeros(y.shape, gg.dtype)
    taken = np.zeros(y.shape, bool)
    for sl in _slices(k, s, out):
        m = (xp[sl] == y) & ~taken
        taken |= m
        res = np.where(m, gp[sl], res)
    return nu.from_cl(res.astype(gg.dtype), data_format)


def _avg_pool_grad(shape, g, ksize=None, strides=None, padding="VALID", data_format="NHWC",
                   **_):
    xs = nu.nhwc_shape(tuple(int(v) for v in np.asarray(shape).reshape(-1)), data_format)
    g = nu.to_cl(g, data_format)
    k, s, out, pads = _geo(xs, ksize, strides, padding, data_format)
    gd = g / _counts(xs, k, s, out, pads)
    pshape = (xs[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(xs[1:-1], pads)) + (xs[-1],)
    dxp = np.zeros(pshape, np.float64 if g.dtype == np.float64 else g.dtype)
    for sl in _slices(k, s, out):
        dxp[sl] += gd
    dx = np.ascontiguousarray(nc._crop(dxp, xs, pads)).astype(g.dtype)
    return nu.from_cl(dx, data_format)


def _infer_pool(ic):
    xs = ic.shapes[0]
    a = ic.attrs
    if xs is None:
        return None
    df = a["data_format"]
    x = nu.nhwc_shape(tuple(xs), df)
    nd = len(x) - 2
    k = nu.spatial(a["ksize"], df, nd)
    s = nu.spatial(a["strides"], df, nd)
    out, _ = nu.conv_out_and_pads(x[1:-1], k, s, [1] * nd, a["padding"])
    return nu.from_nhwc_shape((x[0],) + tuple(out) + (x[-1],), df)


def _pattrs(op):
    return {n: op.get_attr(n) for n in ("ksize", "strides", "padding", "data_format")}


def _ops(op):
    return _P3 if "3D" in op.type else _P2


def _max_pool_g(op, g):
    o = _ops(op)
    return [execute(o["grad"], (op.inputs[0], op.outputs[0], g), _pattrs(op))]


def _max_pool_grad_g(op, g):
    x, y, _ = op.inputs
    o = _ops(op)
    return [A.zeros_like(x), A.zeros_like(y), execute(o["gradgrad"], (x, y, g), _pattrs(op))]


def _max_pool_gg_g(op, g):
    x, y, _ = op.inputs
    o = _ops(op)
    return [A.zeros_like(x), A.zeros_like(y), execute(o["grad"], (x, y, g), _pattrs(op))]


def _avg_pool_g(op, g):
    o = _ops(op)
    return [execute(o["avggrad"], (nc.shape_of(op.inputs[0]), g), _pattrs(op))]


def _avg_pool_grad_g(op, g):
    o = _ops(op)
    return [None, execute(o["avg"], (g,), _pattrs(op))]


def _shape_in(ic):
    return nu.shape_value(ic, 0, ic.shapes[0][0] if ic.shapes[0] and ic.shapes[0][0] else 4)


def _attrs(nd):
    return {"ksize": [1] * (nd + 2), "strides": [1] * (nd + 2), "padding": "VALID",
            "data_format": "NHWC" if nd == 2 else "NDHWC"}


def _declare(nd):
    sfx = "" if nd == 2 else "3D"
    at = _attrs(nd)
    t = _TYPES if nd == 2 else _FTYPES
    ops = {
        "max": defop(f"MaxPool{sfx}", _max_pool, inputs=("input: T",), outputs=("output: T",),
                     types={"T": t}, attrs=at, infer=_infer_pool, grad=_max_pool_g),
        "avg": defop(f"AvgPool{sfx}", _avg_pool, inputs=("value: T",), outputs=("output: T",),
                     types={"T": _FTYPES}, attrs=at, infer=_infer_pool, grad=_avg_pool_g),
        "avggrad": defop(f"AvgPool{sfx}Grad", _avg_pool_grad,
                         inputs=("orig_input_shape: int32", "grad: T"), outputs=("output: T",),
                         types={"T": _FTYPES}, attrs=at, infer=_shape_in,
                         grad=_avg_pool_grad_g),
    }
    if nd == 2:
        ops["grad"] = defop("MaxPoolGrad", _max_pool_grad, inputs=(
            "orig_input: T", "orig_output: T", "grad: T"), outputs=("output: T",),
            types={"T": t}, attrs=at, infer=lambda ic: ic.shapes[0], grad=_max_pool_grad_g)
        ops["gradgrad"] = defop("MaxPoolGradGrad", _max_pool_grad_grad, inputs=(
            "orig_input: T", "orig_output: T", "grad: T"), outputs=("output: T",),
            types={"T": t}, attrs=at, infer=lambda ic: ic.shapes[1], grad=_max_pool_gg_g)
    else:
        ops["grad"] = defop("MaxPool3DGrad", _max_pool_grad, inputs=(
            "orig_input: TInput", "orig_output: TInput", "grad: T"), outputs=("output: T",),
            types={"T": _FTYPES, "TInput": _FTYPES}, attrs=at,
            infer=lambda ic: ic.shapes[0], grad=_max_pool_grad_g)
        ops["gradgrad"] = defop("MaxPool3DGradGrad", _max_pool_grad_grad, inputs=(
            "orig_input: T", "orig_output: T", "grad: T"), outputs=("output: T",),
            types={"T": _FTYPES}, attrs=at, infer=lambda ic: ic.shapes[1],
            grad=_max_pool_gg_g)
    return ops


_P2 = _declare(2)
_P3 = _declare(3)
MAX_POOL, AVG_POOL = _P2["max"], _P2["avg"]


# ---- wrappers ---------------------------------------------------------------------------------


def _pool(kind, x, ksize, strides, padding, data_format, nd, name):
    x = tensor(x)
    df = data_format or {1: "NWC", 2: "NHWC", 3: "NDHWC"}[nd]
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID' for pooling, got {padding!r}")
    if nd == 1:
        df2 = "NHWC" if df in ("NWC", "NHWC") else "NCHW"
        sp = 1 if df2 == "NHWC" else 2
        x4 = A.expand_dims(x, sp)
        y = _pool(kind, x4, _one_d(ksize, df2), _one_d(strides, df2), padding, df2, 2, name)
        from tensorflux._src.ops.nn_conv_api import _squeeze
        return _squeeze(y, sp)
    at = {"ksize": nu.full_list(ksize, nd, df, "ksize"),
          "strides": nu.full_list(strides, nd, df, "strides"), "padding": padding.upper(),
          "data_format": df}
    ops = _P2 if nd == 2 else _P3
    return execute(ops[kind], (x,), at, name)


def _one_d(v, df2):
    if isinstance(v, (int, np.integer)):
        return [1, int(v)]
    v = [int(i) for i in v]
    if len(v) == 1:
        return [1, v[0]]
    return [v[0], 1, v[1], v[2]] if df2 == "NHWC" else [v[0], v[1], 1, v[2]]


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """Max pooling over 2-D windows of a 4-D tensor.

    Example:
      >>> tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), 2, 2, "VALID").shape
      TensorShape([1, 2, 2, 1])
    """
    return _pool("max", input, ksize, strides, padding, data_format, 2, name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """Average pooling over 2-D windows (padding excluded from the average)."""
    return _pool("avg", input, ksize, strides, padding, data_format, 2, name)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Max pooling over 1-D windows of a 3-D tensor [batch, width, channels]."""
    return _pool("max", input, ksize, strides, padding, data_format, 1, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Average pooling over 1-D windows of a 3-D tensor."""
    return _pool("avg", input, ksize, strides, padding, data_format, 1, name)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Max pooling over 3-D windows of a 5-D tensor."""
    return _pool("max", input, ksize, strides, padding, data_format, 3, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Average pooling over 3-D windows of a 5-D tensor."""
    return _pool("avg", input, ksize, strides, padding, data_format, 3, name)


def _nd_of(x, data_format):
    r = tensor(x).shape.rank
    if r is None:
        if data_format is None:
            raise ValueError("The rank of the input to pooling must be known")
        r = len(data_format)
    return r - 2


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling of a 3-, 4- or 5-D tensor (1-, 2- or 3-D windows).

    Example:
      >>> tf.nn.max_pool(tf.ones([1, 4, 4, 1]), 2, 2, "SAME").shape
      TensorShape([1, 2, 2, 1])
    """
    return _pool("max", input, ksize, strides, padding, data_format,
                 _nd_of(input, data_format), name)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling of a 3-, 4- or 5-D tensor."""
    return _pool("avg", input, ksize, strides, padding, data_format,
                 _nd_of(input, data_format), name)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID",  # noqa: A002
         data_format=None, dilations=None, name=None):
    """N-D pooling with ``pooling_type`` "MAX" or "AVG" (dilations of 1 only)."""
    if dilations is not None and any(int(d) != 1 for d in np.ravel(dilations)):
        raise NotImplementedError("pool with dilations other than 1 is not supported")
    kind = {"MAX": "max", "AVG": "avg"}.get(str(pooling_type).upper())
    if kind is None:
        raise ValueError(f"pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    nd = len(window_shape)
    return _pool(kind, input, list(window_shape), list(strides) if strides is not None else 1,
                 padding, data_format, nd, name)
