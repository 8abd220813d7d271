"""Depthwise convolution: DepthwiseConv2dNative and its input/filter backprops.

Channels-last windows as in nn_conv; the per-channel contraction is one batched GEMM
over the C channels: (C, P, K) @ (C, K, M).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework import parallel
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import nn_conv as nc
from tensorflux._src.ops import nn_util as nu

_TYPES = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)


def _geo(x_cl_shape, kshape, strides, padding, explicit_paddings, data_format, dilations):
    st, dl, ex = nc._geo_attrs(2, strides, padding, explicit_paddings, data_format, dilations)
    out, pads = nc._geometry(x_cl_shape, kshape, st, dl, padding, ex)
    return st, dl, out, pads


def _patches(x, k, st, dl, pads, out):
    """(C, P, K) patches of channels-last x."""
    win = nc._windows(nc._pad(x, pads), k, st, dl, out)       # N, oh, ow, kh, kw, C
    n, c = x.shape[0], x.shape[-1]
    kk = int(np.prod(k))
    p = n * int(np.prod(out))
    return np.ascontiguousarray(np.moveaxis(win, -1, 0)).reshape(c, p, kk)


def _fwd(x, w, strides=None, padding="VALID", explicit_paddings=(), data_format="NHWC",
         dilations=None, _epilogue=None):
    x = nu.to_cl(x, data_format)
    kh, kw, c, m = w.shape
    if x.shape[-1] != c:
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, f"input depth ({x.shape[-1]}) must equal the "
                                   f"filter's in_channels ({c})")
    st, dl, out, pads = _geo(x.shape, (kh, kw), strides or [1] * 4, padding,
                             explicit_paddings, data_format, dilations or [1] * 4)
    y = _shift_add(x, w, st, dl, pads, out, _epilogue)
    return nu.from_cl(y.astype(x.dtype, copy=False), data_format)


_BAND_BYTES = 1 << 20  # output bytes per band of rows (smaller bands cost more in calls)


def _shift_add(x, w, st, dl, pads, out, epilogue=None):
    """kh*kw strided multiply-adds vectorized over channels: several times faster than
    im2col + a batched (C, P, K) @ (C, K, M) GEMV for the usual 3x3/5x5 kernels, and the
    output is C-contiguous. With a channel multiplier of 1 and unit width stride, each tap
    is tiled across the output width so that one multiply covers whole rows (a long inner
    loop instead of one of ``C`` elements: 2-3x faster). The output is walked in bands of
    rows split over the intra-op threads; every element sums its taps in the same order.
    ``epilogue(block)``, if given, finishes each band as a ``(rows, channels)`` block right
    after its taps (fused bias or batch norm and activation)."""
    kh, kw, c, m = w.shape
    xp = nc._pad(x, pads)
    n, (oh, ow) = x.shape[0], out
    if m == 1:
        taps, shape = w.reshape(kh, kw, c), (n, oh, ow, c)
    else:
        xp, taps, shape = xp[..., None], w, (n, oh, ow, c, m)
    y = np.empty(shape, np.result_type(x, w))
    row_bytes = max(1, y.nbytes // max(1, n * oh))
    band = max(1, _BAND_BYTES // row_bytes)
    flat = m == 1 and st[1] == 1   # a tap's window rows are contiguous: one long inner loop
    if flat:
        taps = np.tile(taps, (1, 1, ow))       # each tap repeated across the output width

    def rows(a, b):
        for o0 in range(a, b, band):
            o1 = min(o0 + band, b)
            yb = y[:, o0:o1]
            if flat:
                yb = yb.reshape(n, o1 - o0, ow * c)
            tmp = np.empty_like(yb)
            for t, (i, j) in enumerate(np.ndindex(kh, kw)):
                r, q = i * dl[0] + st[0] * o0, j * dl[1]
                v = xp[:, r:r + st[0] * (o1 - o0 - 1) + 1:st[0],
                       q:q + st[1] * (ow - 1) + 1:st[1]]
                if flat:
                    v = v.reshape(n, o1 - o0, ow * c)   # a view: rows of (ow, c) are contiguous
                if t == 0:
                    np.multiply(v, taps[i, j], out=yb)
                else:
                    np.multiply(v, taps[i, j], out=tmp)
                    yb += tmp
            if epilogue is not None:
                epilogue(y[:, o0:o1].reshape(-1, c * m))

    parallel.parallel_for(oh, rows, max(1, parallel.MIN_PER_THREAD // max(1, y.size // oh)))
    return y.reshape(n, oh, ow, c * m)


def _bp_input(sizes, w, dy, strides=None, padding="VALID", explicit_paddings=(),
              data_format="NHWC", dilations=None):
    xs = nu.nhwc_shape(tuple(int(v) for v in np.asarray(sizes).reshape(-1)), data_format)
    dy = nu.to_cl(dy, data_format)
    kh, kw, c, m = w.shape
    st, dl, out, pads = _geo(xs, (kh, kw), strides or [1] * 4, padding, explicit_paddings,
                             data_format, dilations or [1] * 4)
    p = xs[0] * int(np.prod(out))
    d = np.ascontiguousarray(dy.reshape(p, c, m).transpose(1, 0, 2))        # C, P, M
    wk = w.reshape(kh * kw, c, m).transpose(1, 2, 0)                        # C, M, K
    dcols = np.matmul(d, wk)                                                # C, P, K
    dcols = np.moveaxis(dcols, 0, -1).reshape((xs[0],) + tuple(out) + (kh, kw, c))
    dx = nc.col2im(dcols, xs, (kh, kw), out, pads, st, dl)
    return nu.from_cl(np.ascontiguousarray(dx).astype(w.dtype, copy=False), data_format)


def _bp_filter(x, sizes, dy, strides=None, padding="VALID", explicit_paddings=(),
               data_format="NHWC", dilations=None):
    ks = tuple(int(v) for v in np.asarray(sizes).reshape(-1))
    x = nu.to_cl(x, data_format)
    dy = nu.to_cl(dy, data_format)
    kh, kw, c, m = ks
    st, dl, out, pads = _geo(x.shape, (kh, kw), strides or [1] * 4, padding,
                             explicit_paddings, data_format, dilations or [1] * 4)
    pt = _patches(x, (kh, kw), st, dl, pads, out)                            # C, P, K
    p = pt.shape[1]
    d = np.ascontiguousarray(dy.reshape(p, c, m).transpose(1, 0, 2))        # C, P, M
    dw = np.matmul(pt.transpose(0, 2, 1), d)                                # C, K, M
    return dw.transpose(1, 0, 2).reshape(ks).astype(x.dtype, copy=False)


def _infer(ic):
    xs, ws = ic.shapes
    a = ic.attrs
    df = a["data_format"]
    if xs is None:
        return None
    x = nu.nhwc_shape(tuple(xs), df)
    k = (None, None) if ws is None else tuple(ws[:2])
    o = None if ws is None or ws[2] is None or ws[3] is None else ws[2] * ws[3]
    st, dl, ex = nc._geo_attrs(2, a["strides"], a["padding"], a.get("explicit_paddings", ()),
                               df, a["dilations"])
    out, _ = nu.conv_out_and_pads(x[1:-1], k, st, dl, a["padding"], ex)
    return nu.from_nhwc_shape((x[0],) + tuple(out) + (o,), df)


def _grad(op, g):
    x, w = op.inputs
    at = nc._attrs_of(op)
    return [execute(DW_BP_INPUT, (nc.shape_of(x), w, g), at),
            execute(DW_BP_FILTER, (x, nc.shape_of(w), g), at)]


def _bpi_grad(op, g):
    _, w, dy = op.inputs
    at = nc._attrs_of(op)
    return [None, execute(DW_BP_FILTER, (g, nc.shape_of(w), dy), at),
            execute(DEPTHWISE, (g, w), at)]


def _bpf_grad(op, g):
    x, _, dy = op.inputs
    at = nc._attrs_of(op)
    return [execute(DW_BP_INPUT, (nc.shape_of(x), g, dy), at), None,
            execute(DEPTHWISE, (x, g), at)]


_ATTRS = {"strides": [1, 1, 1, 1], "padding": "VALID", "explicit_paddings": [],
          "data_format": "NHWC", "dilations": [1, 1, 1, 1]}

DEPTHWISE = defop("DepthwiseConv2dNative", _fwd, inputs=("input: T", "filter: T"),
                  outputs=("output: T",), types={"T": _TYPES}, attrs=_ATTRS, infer=_infer,
                  grad=_grad)
DW_BP_INPUT = defop("DepthwiseConv2dNativeBackpropInput", _bp_input,
                    inputs=("input_sizes: int32", "filter: T", "out_backprop: T"),
                    outputs=("output: T",), types={"T": _TYPES}, attrs=_ATTRS,
                    infer=nc._infer_bp_input, grad=_bpi_grad)
DW_BP_FILTER = defop("DepthwiseConv2dNativeBackpropFilter", _bp_filter,
                     inputs=("input: T", "filter_sizes: int32", "out_backprop: T"),
                     outputs=("output: T",), types={"T": _TYPES}, attrs=_ATTRS,
                     infer=nc._infer_bp_filter, grad=_bpf_grad)
