"""Convolution primitives: Conv2D/Conv3D and their input/filter backprops.

The kernels work channels-last for any number of spatial dimensions: the padded input is
viewed as windows with ``as_strided`` (no copy), and the batch is processed in slices of a
few MiB of im2col matrix, each copied once and consumed by one GEMM while still in cache.
The filter gradient accumulates ``cols^T @ dy`` over the same slices; the input gradient
is one GEMM ``dy @ W^T`` per kernel offset added into a strided slice of the padded input
(col2im over kernel offsets, never over pixels).
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.parallel import MIN_GEMM_WORK, parallel_gemm_for
from tensorflux._src.framework.parallel import matmul as parallel_matmul
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops import nn_util as nu
from tensorflux._src.ops.op_util import tensor

CONV_TYPES = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64, _dt.int32)

# ---- NumPy kernels (channels-last, any spatial rank) ----------------------------------------


def _pad(x, pads):
    if any(p for pr in pads for p in pr):
        return np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)])
    return x


def _windows(xp, k, strides, dil, out):
    """View (N, *out, *k, C) of the padded input (N, *spatial, C)."""
    ss = xp.strides[1:-1]
    shape = (xp.shape[0],) + tuple(out) + tuple(k) + (xp.shape[-1],)
    st = ((xp.strides[0],) + tuple(s * t for s, t in zip(ss, strides))
          + tuple(s * d for s, d in zip(ss, dil)) + (xp.strides[-1],))
    return as_strided(xp, shape, st, writeable=False)


_ws = threading.local()
_WS_MAX = 1 << 28


def _workspace(shape, dtype):
    """A reused scratch buffer (per thread): large fresh allocations cost page faults."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes > _WS_MAX:
        return np.empty(shape, dtype)
    buf = getattr(_ws, "buf", None)
    if buf is None or buf.nbytes < nbytes:
        buf = np.empty(nbytes, np.uint8)
        _ws.buf = buf
    return buf[:nbytes].view(dtype).reshape(shape)


_CHUNK_BYTES = 4 << 20


def _batch_chunk(n, bytes_per_item):
    """Items per im2col slice: a few MiB, so each slice is consumed by its GEMM while it is
    still in cache (about 2x faster than one im2col matrix of the whole batch)."""
    return max(1, min(n, _CHUNK_BYTES // max(1, bytes_per_item)))


def _pointwise(k, strides, pads):
    return all(v == 1 for v in k) and all(s == 1 for s in strides) and not any(
        p for pr in pads for p in pr)


def _im2col_chunks(x, k, strides, dil, pads, out):
    """Yield (start, stop, cols) with cols the (rows, prod(k)*C) im2col matrix of images
    [start, stop); cols lives in a reused workspace, valid until the next iteration."""
    n, c = x.shape[0], x.shape[-1]
    win = _windows(_pad(x, pads), k, strides, dil, out)
    rows_per = int(np.prod(out))
    kc = int(np.prod(k)) * c
    bs = _batch_chunk(n, rows_per * kc * x.dtype.itemsize)
    buf = _workspace((bs,) + win.shape[1:], x.dtype)
    for i in range(0, n, bs):
        b = min(bs, n - i)
        np.copyto(buf[:b], win[i:i + b])
        yield i, i + b, buf[:b].reshape(b * rows_per, kc)


def _geometry(xshape, kshape, strides, dil, padding, explicit):
    out, pads = nu.conv_out_and_pads(xshape[1:-1], kshape, strides, dil, padding, explicit)
    if any(o is not None and o <= 0 for o in out):
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(
            None, None, f"Computed output size would be non-positive: input spatial "
            f"{list(xshape[1:-1])}, filter {list(kshape)}, padding {padding}")
    return out, pads


def conv_forward(x, w, strides, dil, padding, explicit, epilogue=None):
    """Channels-last convolution (cross-correlation) of x (N,*S,C) with w (*k,C,O).

    ``epilogue(y2d)``, if given, is applied in place to each (rows, O) block of the output
    right after its GEMM, while it is in cache (fused bias add and activation)."""
    k = w.shape[:-2]
    if x.shape[-1] != w.shape[-2]:
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(
            None, None, f"input depth must be equal to filter in_depth: {x.shape[-1]} vs "
            f"{w.shape[-2]}")
    out, pads = _geometry(x.shape, k, strides, dil, padding, explicit)
    return _conv_forward(x, w, strides, dil, pads, out, epilogue)


def _conv_forward(x, w, strides, dil, pads, out, epilogue=None):
    k = w.shape[:-2]
    w2 = w.reshape(-1, w.shape[-1])
    if _pointwise(k, strides, pads):
        # row blocks (all channels), each finished by the epilogue on its own thread
        y = parallel_matmul(np.ascontiguousarray(x).reshape(-1, x.shape[-1]), w2,
                            None if epilogue is None else lambda b, r, c: epilogue(b))
    else:
        rows_per = int(np.prod(out))
        y = np.empty((x.shape[0] * rows_per, w.shape[-1]), np.result_type(x, w))

        def work(a, b):
            for i, j, cols in _im2col_chunks(x[a:b], k, strides, dil, pads, out):
                block = y[(a + i) * rows_per:(a + j) * rows_per]
                np.matmul(cols, w2, out=block)
                if epilogue is not None:
                    epilogue(block)

        if x.shape[0] == 1 and len(out) >= 2:
            _single_image(x, k, strides, dil, pads, out, w2, y, epilogue)
        else:
            parallel_gemm_for(x.shape[0], work, _min_items(rows_per * w2.size))
    return y.reshape((x.shape[0],) + tuple(out) + (w.shape[-1],)).astype(x.dtype, copy=False)


def _single_image(x, k, strides, dil, pads, out, w2, y, epilogue):
    """One image (batch-1 inference): the threads split the first output dimension instead
    of the batch, each copying im2col slices of a few MiB of its own rows."""
    win = _windows(_pad(x, pads), k, strides, dil, out)[0]      # (*out, *k, C)
    per_row = int(np.prod(out[1:]))                             # output positions per row
    kc = w2.shape[0]
    band = max(1, _CHUNK_BYTES // max(1, per_row * kc * x.dtype.itemsize))

    def rows(a, b):
        for r0 in range(a, b, band):
            r1 = min(r0 + band, b)
            cols = _workspace((r1 - r0,) + win.shape[1:], x.dtype)
            np.copyto(cols, win[r0:r1])
            block = y[r0 * per_row:r1 * per_row]
            np.matmul(cols.reshape(-1, kc), w2, out=block)
            if epilogue is not None:
                epilogue(block)

    parallel_gemm_for(out[0], rows, _min_items(per_row * w2.size))


def _min_items(flops_per_item):
    """Images per thread below which splitting the batch costs more than it saves."""
    return max(1, MIN_GEMM_WORK // max(1, flops_per_item))


def conv_filter_grad(x, kshape, dy, strides, dil, padding, explicit):
    """d(conv)/d(filter): GEMMs cols^T @ dy summed over batch slices (per thread, then
    across threads in a fixed order, so results are deterministic)."""
    k = tuple(kshape[:-2])
    out, pads = _geometry(x.shape, k, strides, dil, padding, explicit)
    dy2 = dy.reshape(-1, dy.shape[-1])
    if _pointwise(k, strides, pads):
        dw = parallel_matmul(np.ascontiguousarray(x).reshape(-1, x.shape[-1]).T, dy2)
    else:
        rows_per = int(np.prod(out))
        parts = {}

        def work(a, b):
            dw = None
            for i, j, cols in _im2col_chunks(x[a:b], k, strides, dil, pads, out):
                part = cols.T @ dy2[(a + i) * rows_per:(a + j) * rows_per]
                if dw is None:
                    dw = part
                else:
                    dw += part
            parts[a] = dw

        parallel_gemm_for(x.shape[0], work, _min_items(rows_per * int(np.prod(kshape))))
        dw = None
        for a in sorted(parts):
            dw = parts[a] if dw is None else np.add(dw, parts[a], out=dw)
    return dw.reshape(tuple(kshape)).astype(x.dtype, copy=False)


def conv_input_grad(xshape, w, dy, strides, dil, padding, explicit):
    """d(conv)/d(input): one GEMM dy @ W^T then col2im over kernel offsets."""
    k = w.shape[:-2]
    c = w.shape[-2]
    out, pads = _geometry(xshape, k, strides, dil, padding, explicit)
    dy2 = dy.reshape(-1, dy.shape[-1])
    if all(v == 1 for v in k) and all(s == 1 for s in strides) and not any(
            p for pr in pads for p in pr):
        return parallel_matmul(dy2, w.reshape(c, -1).T).reshape(xshape).astype(dy.dtype,
                                                                             copy=False)
    if c >= 16 and all(v == 1 for v in strides):
        # Stride 1: the input gradient is the forward convolution of dy with the flipped,
        # transposed filter, padded so that every window lands (one big-K GEMM per slice).
        full = [(d * (kk - 1) - lo, d * (kk - 1) - hi) for kk, d, (lo, hi) in zip(k, dil, pads)]
        if all(a >= 0 and b >= 0 for a, b in full):
            wf = np.ascontiguousarray(w[(slice(None, None, -1),) * len(k)].swapaxes(-1, -2))
            return _conv_forward(dy, wf, strides, dil, full, xshape[1:-1])
    if c < 16:
        dcols = parallel_matmul(dy2, w.reshape(-1, w.shape[-1]).T).reshape(
            (xshape[0],) + tuple(out) + tuple(k) + (c,))
        return col2im(dcols, xshape, k, out, pads, strides, dil)
    # One GEMM per kernel offset, each producing a contiguous (N*P, C) block that is added
    # into a strided slice of the padded input gradient (col2im without a big dcols copy).
    wt = np.ascontiguousarray(w.reshape(-1, c, w.shape[-1]).transpose(0, 2, 1))
    pshape = (xshape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(xshape[1:-1], pads)) + (c,)
    dxp = np.zeros(pshape, dtype=dy.dtype)
    blk = (xshape[0],) + tuple(out) + (c,)
    buf = np.empty((dy2.shape[0], c), dtype=np.result_type(dy2, wt))
    for j, idx in enumerate(np.ndindex(*k)):
        sl = (slice(None),) + tuple(
            slice(i * d, i * d + (o - 1) * s + 1, s)
            for i, d, o, s in zip(idx, dil, out, strides)) + (slice(None),)
        np.matmul(dy2, wt[j], out=buf)
        dxp[sl] += buf.reshape(blk)
    return _crop(dxp, xshape, pads)


def _crop(dxp, xshape, pads):
    if dxp.shape == tuple(xshape):
        return dxp
    crop = (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, hi) in
                                  zip(xshape[1:-1], pads)) + (slice(None),)
    return dxp[crop]


def col2im(dcols, xshape, k, out, pads, strides, dil):
    """Scatter-add window gradients (N, *out, *k, C) back to an input of shape xshape."""
    nd = len(k)
    c = dcols.shape[-1]
    pshape = (xshape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(xshape[1:-1], pads)) + (c,)
    dxp = np.zeros(pshape, dtype=dcols.dtype)
    lead = (slice(None),) * (1 + nd)
    for idx in np.ndindex(*k):
        sl = (slice(None),) + tuple(
            slice(i * d, i * d + (o - 1) * s + 1, s)
            for i, d, o, s in zip(idx, dil, out, strides)) + (slice(None),)
        dxp[sl] += dcols[lead + idx]
    return _crop(dxp, xshape, pads)


# ---- op plumbing ------------------------------------------------------------------------------


def _geo_attrs(nd, strides, padding, explicit_paddings, data_format, dilations):
    st = nu.spatial(strides, data_format, nd)
    dl = nu.spatial(dilations, data_format, nd)
    ex = nu.explicit_spatial(explicit_paddings, data_format, nd)
    return st, dl, ex


def _make_kernels(nd):
    def fwd(x, w, strides=None, padding="VALID", explicit_paddings=(), data_format=None,
            dilations=None, _epilogue=None, **_):
        st, dl, ex = _geo_attrs(nd, strides or [1] * (nd + 2), padding, explicit_paddings,
                                data_format, dilations or [1] * (nd + 2))
        y = conv_forward(nu.to_cl(x, data_format), w, st, dl, padding, ex, _epilogue)
        return nu.from_cl(y, data_format)

    def bp_input(sizes, w, dy, strides=None, padding="VALID", explicit_paddings=(),
                 data_format=None, dilations=None, **_):
        st, dl, ex = _geo_attrs(nd, strides or [1] * (nd + 2), padding, explicit_paddings,
                                data_format, dilations or [1] * (nd + 2))
        xs = tuple(int(v) for v in np.asarray(sizes).reshape(-1))
        xs = nu.nhwc_shape(xs, data_format)
        dx = conv_input_grad(xs, w, nu.to_cl(dy, data_format), st, dl, padding, ex)
        return nu.from_cl(dx, data_format)

    def bp_filter(x, sizes, dy, strides=None, padding="VALID", explicit_paddings=(),
                  data_format=None, dilations=None, **_):
        st, dl, ex = _geo_attrs(nd, strides or [1] * (nd + 2), padding, explicit_paddings,
                                data_format, dilations or [1] * (nd + 2))
        ks = tuple(int(v) for v in np.asarray(sizes).reshape(-1))
        return conv_filter_grad(nu.to_cl(x, data_format), ks, nu.to_cl(dy, data_format),
                                st, dl, padding, ex)
    return fwd, bp_input, bp_filter


def _infer_fwd(ic):
    a = ic.attrs
    xs, ws = ic.shapes
    df = a["data_format"]
    if xs is None:
        return None
    nd = len(xs) - 2
    x = nu.nhwc_shape(tuple(xs), df)
    k = (None,) * nd if ws is None else tuple(ws[:-2])
    o = None if ws is None else ws[-1]
    if ws is not None and x[-1] is not None and ws[-2] is not None and x[-1] != ws[-2]:
        raise ValueError(f"Depth of input ({x[-1]}) is not equal to the filter's in_depth "
                         f"({ws[-2]}): input shape {list(xs)}, filter shape {list(ws)}")
    st, dl, ex = _geo_attrs(nd, a["strides"], a["padding"], a.get("explicit_paddings", ()),
                            df, a["dilations"])
    out, _ = nu.conv_out_and_pads(x[1:-1], k, st, dl, a["padding"], ex)
    return nu.from_nhwc_shape((x[0],) + tuple(out) + (o,), df)


def _infer_bp_input(ic):
    if ic.values[0] is not None:
        return tuple(int(v) for v in np.asarray(ic.values[0]).reshape(-1))
    s = ic.shapes[0]
    return None if s is None or s[0] is None else (None,) * s[0]


def _infer_bp_filter(ic):
    if ic.values[1] is not None:
        return tuple(int(v) for v in np.asarray(ic.values[1]).reshape(-1))
    s = ic.shapes[1]
    return None if s is None or s[0] is None else (None,) * s[0]


def _attrs_of(op):
    names = ("strides", "padding", "explicit_paddings", "data_format", "dilations")
    out = {}
    for n in names:
        try:
            out[n] = op.get_attr(n)
        except (KeyError, ValueError):
            pass
    return out


def shape_of(t):
    """``tf.shape(t)`` as a constant when static (keeps shape rules exact)."""
    s = u.static_shape(t)
    if s is not None:
        return tensor(np.asarray(s, np.int32))
    return A.shape(t)


def _ops_for(nd):
    return (CONV2D, CONV2D_BP_INPUT, CONV2D_BP_FILTER) if nd == 2 else (
        CONV3D, CONV3D_BP_INPUT, CONV3D_BP_FILTER)


def _nd_of(op):
    return 2 if op.type.startswith("Conv2D") else 3


def _conv_grad(op, g):
    x, w = op.inputs
    _, bpi, bpf = _ops_for(_nd_of(op))
    at = _attrs_of(op)
    return [execute(bpi, (shape_of(x), w, g), at), execute(bpf, (x, shape_of(w), g), at)]


def _bp_input_grad(op, g):
    sizes, w, dy = op.inputs
    fwd, _, bpf = _ops_for(_nd_of(op))
    at = _attrs_of(op)
    return [None, execute(bpf, (g, shape_of(w), dy), at), execute(fwd, (g, w), at)]


def _bp_filter_grad(op, g):
    x, sizes, dy = op.inputs
    fwd, bpi, _ = _ops_for(_nd_of(op))
    at = _attrs_of(op)
    return [execute(bpi, (shape_of(x), g, dy), at), None, execute(fwd, (x, g), at)]


def _attrs(nd):
    base = {"strides": [1] * (nd + 2), "padding": "VALID", "data_format":
            "NHWC" if nd == 2 else "NDHWC", "dilations": [1] * (nd + 2)}
    if nd == 2:
        base["use_cudnn_on_gpu"] = True
        base["explicit_paddings"] = []
    return base


_k2 = _make_kernels(2)
_k3 = _make_kernels(3)

CONV2D = defop("Conv2D", _k2[0], inputs=("input: T", "filter: T"), outputs=("output: T",),
               types={"T": CONV_TYPES}, attrs=_attrs(2), infer=_infer_fwd, grad=_conv_grad)
CONV2D_BP_INPUT = defop(
    "Conv2DBackpropInput", _k2[1], inputs=("input_sizes: int32", "filter: T",
                                           "out_backprop: T"),
    outputs=("output: T",), types={"T": CONV_TYPES}, attrs=_attrs(2), infer=_infer_bp_input,
    grad=_bp_input_grad)
CONV2D_BP_FILTER = defop(
    "Conv2DBackpropFilter", _k2[2], inputs=("input: T", "filter_sizes: int32",
                                            "out_backprop: T"),
    outputs=("output: T",), types={"T": CONV_TYPES}, attrs=_attrs(2), infer=_infer_bp_filter,
    grad=_bp_filter_grad)
CONV3D = defop("Conv3D", _k3[0], inputs=("input: T", "filter: T"), outputs=("output: T",),
               types={"T": CONV_TYPES}, attrs=_attrs(3), infer=_infer_fwd, grad=_conv_grad)
CONV3D_BP_INPUT = defop(
    "Conv3DBackpropInputV2", _k3[1], inputs=("input_sizes: Tshape", "filter: T",
                                             "out_backprop: T"),
    outputs=("output: T",), types={"T": CONV_TYPES, "Tshape": u.INDEX}, attrs=_attrs(3),
    infer=_infer_bp_input, grad=_bp_input_grad)
CONV3D_BP_FILTER = defop(
    "Conv3DBackpropFilterV2", _k3[2], inputs=("input: T", "filter_sizes: int32",
                                              "out_backprop: T"),
    outputs=("output: T",), types={"T": CONV_TYPES}, attrs=_attrs(3), infer=_infer_bp_filter,
    grad=_bp_filter_grad)


def conv_attrs(nd, strides, padding, data_format, dilations):
    """Full TensorFlow attrs for ConvND from user-level arguments."""
    df = data_format or ("NHWC" if nd == 2 else "NDHWC")
    pad, ex = nu.padding_attrs(padding, nd, df)
    at = {"strides": nu.full_list(strides, nd, df, "strides"), "padding": pad,
          "data_format": df, "dilations": nu.full_list(dilations, nd, df, "dilations")}
    if nd == 2:
        at["explicit_paddings"] = ex
    elif pad == "EXPLICIT":
        raise ValueError("Conv3D does not support explicit padding")
    return at
