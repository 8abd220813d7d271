"""Fused recurrent kernels behind ``keras.layers.LSTM``/``GRU`` (Keras 3 weight layout).

``_KerasLSTM`` / ``_KerasGRU`` run a whole sequence in one op: the input projection of every
time step is one GEMM (``x @ kernel`` for all t), then a NumPy loop does only ``h @
recurrent_kernel`` plus the gate math per step and saves the activations. Their gradients are
``_KerasLSTMGrad`` / ``_KerasGRUGrad``: back-propagation through time, one small GEMM per step,
and the weight gradients as batched GEMMs over many steps. The LSTM ops use two cores: a pool
thread does the big GEMMs of other time blocks while the calling thread runs the step loop.

Layout (Keras 3): ``x [batch, time, features]``, ``kernel [features, k*units]``,
``recurrent_kernel [units, k*units]``; LSTM gates ``i, f, c, o`` with ``bias [4*units]``; GRU
gates ``z, r, h`` with ``reset_after`` (``bias [2, 3*units]``: input and recurrent biases).
``mask [batch, time]`` (1 = real step) follows Keras's RNN masking: a masked step keeps the
states and outputs the previous ``h`` (zeros with ``zero_output_for_mask``). With
``go_backwards`` the sequence is read in reverse and outputs are in processing order.
The activations are Keras's defaults (tanh / sigmoid); other activations use the layer's
per-step path. Second derivatives are not implemented.
"""

from __future__ import annotations

import threading

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import defop
from tensorflux._src.core.workspace import recycled, scratch
from tensorflux._src.framework import parallel
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops.op_util import tensor

_FLOATS = {"T": (_dt.float16, _dt.float32, _dt.float64)}
_ATTRS = {"go_backwards": False, "zero_output_for_mask": False}


def _time_major(x, go_backwards):
    xt = np.swapaxes(x, 0, 1)
    return np.ascontiguousarray(xt[::-1] if go_backwards else xt)


def _batch_major(xt, go_backwards):
    out = recycled((xt.shape[1], xt.shape[0]) + xt.shape[2:], xt.dtype)
    np.copyto(out, np.swapaxes(xt[::-1] if go_backwards else xt, 0, 1))
    return out


def _check(x, h0, kernel, recurrent_kernel, k, what):
    if x.ndim != 3 or h0.ndim != 2 or kernel.ndim != 2 or recurrent_kernel.ndim != 2:
        raise errors.InvalidArgumentError(
            None, None, f"{what}: expected x [batch, time, features], states [batch, units], "
            f"2-D kernels; got x {list(x.shape)}, state {list(h0.shape)}.")
    u = h0.shape[1]
    if kernel.shape != (x.shape[2], k * u) or recurrent_kernel.shape != (u, k * u):
        raise errors.InvalidArgumentError(
            None, None, f"{what}: kernel must be [{x.shape[2]}, {k * u}] and recurrent_kernel "
            f"[{u}, {k * u}]; got {list(kernel.shape)} and {list(recurrent_kernel.shape)}.")


def _mask_tm(mask, go_backwards, dtype):
    m = _time_major(mask.astype(dtype, copy=False), go_backwards)
    return m[:, :, None], bool(m.all())


# ---- LSTM -------------------------------------------------------------------------------------
# All four gates in one pass: with the pre-activations scaled per column by (-1, -1, -2, -1),
# ``n / (1 + exp(z'))`` with numerators (1, 1, 2, 1) is sigmoid(z) for i, f, o and
# 2 * sigmoid(2z) = tanh(z) + 1 for c (NumPy's exp is SIMD-vectorized; its tanh is slower).
#
# Two cores, pipelined over blocks of time steps: while this thread runs the recurrence (one
# small GEMM + gate math per step), a pool thread computes the input projection of the next
# block; in the gradient, it computes the weight and input gradients of the blocks BPTT has
# finished (this thread joins in at the end). Every GEMM runs on one BLAS thread
# (``parallel.parallel_gemm_for``), so the per-step GEMMs never pay OpenBLAS's thread
# hand-offs. Each block is computed the same way whichever thread runs it and partial sums are
# added in block order, so results do not depend on the thread count.
#
# Saved ``xh [time, batch, features + 1 + units]`` rows are ``[x_t, 1, h_{t-1}]``: the
# projection is ``xh[..., :features+1] @ [kernel; bias]`` and one GEMM ``xh^T @ dz`` gives
# ``[d_kernel; d_bias; d_recurrent_kernel]``.
_BLOCK_ROWS = 512  # (time steps x batch) rows per block of projection / weight-gradient GEMMs
_SPLIT_MIN_BATCH = 16  # from this batch size on, the forward runs the batch halves on 2 threads


def _lstm_scale(u, dtype):
    s = np.full(4 * u, -1.0, dtype)
    s[2 * u:3 * u] = -2.0
    return s


def _tanh_into(c, out, tmp):
    """``out = tanh(c)`` via exp: ``2 / (1 + exp(-2c)) - 1``."""
    np.multiply(c, -2.0, out=tmp)
    np.exp(tmp, out=tmp)
    tmp += 1.0
    np.divide(2.0, tmp, out=out)
    out -= 1.0


def _proc_order(a, go_backwards):
    """Time-major view of batch-major ``a`` in processing order."""
    at = np.swapaxes(a, 0, 1)
    return at[::-1] if go_backwards else at


def _blocks(t_len, b):
    step = max(1, _BLOCK_ROWS // max(1, b))
    return [(t0, min(t0 + step, t_len)) for t0 in range(0, t_len, step)]


class _Aborted(Exception):
    """The other thread of a pipeline failed (its exception is the one raised)."""


class _Pipe:
    """Blocks made ready on one thread and waited for (or claimed) on another."""

    def __init__(self, n):
        self._ready = [threading.Event() for _ in range(n)]
        self._lock = threading.Lock()
        self._next = 0
        self._aborted = False

    def done(self, k):
        self._ready[k].set()

    def wait(self, k):
        self._ready[k].wait()
        if self._aborted:
            raise _Aborted

    def abort(self):
        self._aborted = True
        for e in self._ready:
            e.set()

    def claim(self, order):
        """The next unclaimed entry of ``order`` (None when all are taken)."""
        with self._lock:
            i = self._next
            self._next += 1
        return order[i] if i < len(order) else None


def _pipeline(pre, main, post, pipes):
    """``main()`` here while a pool thread runs ``pre(); post()``; then this thread helps with
    ``post`` (work both claim from a ``_Pipe``). One thread: ``pre(); main(); post()``."""

    def role(i, j):
        fns = (pre, main, post) if j - i == 2 else (main, post) if i == 0 else (pre, post)
        try:
            for fn in fns:
                fn()
        except _Aborted:
            return
        except BaseException:
            for p in pipes:
                p.abort()
            raise

    parallel.parallel_gemm_for(2, role)


def _parts(b):
    """Row ranges of the batch whose forward recurrences run as independent loops, one per
    thread. The split depends only on the batch size (never on the thread count), so the
    results do not either."""
    if b < _SPLIT_MIN_BATCH:
        return [(0, b)]
    h = b // 2
    return [(0, h), (h, b)]


def _lstm_kernel(x, h0, c0, kernel, recurrent_kernel, bias, mask, go_backwards=False,
                 zero_output_for_mask=False):
    _check(x, h0, kernel, recurrent_kernel, 4, "_KerasLSTM")
    b, t_len, d = x.shape
    u = h0.shape[1]
    dt = x.dtype
    s = _lstm_scale(u, dt)
    kb = np.concatenate([kernel, bias[None]]) * s
    rk = recurrent_kernel * s
    num = np.ones(4 * u, dt)
    num[2 * u:3 * u] = 2.0
    m, full = _mask_tm(mask, go_backwards, dt)
    gates = recycled((t_len, b, 4 * u), dt)
    cs = recycled((t_len, b, u), dt)      # c entering each step
    xh = recycled((t_len, b, d + 1 + u), dt)  # [x_t, 1, h entering the step]
    tanhc = recycled((t_len, b, u), dt)
    out = recycled((b, t_len, u), dt)     # outputs in processing order
    h_last, c_last = h0.astype(dt, copy=True), c0.astype(dt, copy=True)
    src = _proc_order(x, go_backwards)
    hs = xh[:, :, d + 1:]
    blocks = _blocks(t_len, b)

    def run_part(r0, r1):   # projection and recurrence of batch rows r0:r1
        tmp = scratch("lstm_tmp", (r1 - r0, u), dt)
        rec = scratch("lstm_rec", (r1 - r0, 4 * u), dt)
        h_end, c_end = h_last[r0:r1], c_last[r0:r1]
        if t_len:
            hs[0, r0:r1], cs[0, r0:r1] = h0[r0:r1], c0[r0:r1]
        with np.errstate(over="ignore"):
            for t0, t1 in blocks:
                np.copyto(xh[t0:t1, r0:r1, :d], src[t0:t1, r0:r1])
                xh[t0:t1, r0:r1, d] = 1.0
                np.matmul(xh[t0:t1, r0:r1, :d + 1], kb, out=gates[t0:t1, r0:r1])
                for t in range(t0, t1):
                    g, hp, cp = gates[t, r0:r1], hs[t, r0:r1], cs[t, r0:r1]
                    np.matmul(hp, rk, out=rec)
                    g += rec
                    np.exp(g, out=g)
                    g += 1.0
                    np.divide(num, g, out=g)
                    gg = g[:, 2 * u:3 * u]
                    gg -= 1.0
                    last = t == t_len - 1
                    c = c_end if last else cs[t + 1, r0:r1]
                    h = h_end if last else hs[t + 1, r0:r1]
                    tc = tanhc[t, r0:r1]
                    np.multiply(g[:, u:2 * u], cp, out=c)
                    np.multiply(g[:, :u], gg, out=tmp)
                    c += tmp
                    _tanh_into(c, tc, tmp)
                    np.multiply(g[:, 3 * u:], tc, out=h)
                    if not full:
                        mt = m[t, r0:r1]
                        prev = 0 if zero_output_for_mask else hp
                        out[r0:r1, t] = mt * h + (1 - mt) * prev
                        h[...] = mt * h + (1 - mt) * hp
                        c[...] = mt * c + (1 - mt) * cp
        if full and t_len:
            np.copyto(out[r0:r1, :t_len - 1], np.swapaxes(hs[1:, r0:r1], 0, 1))
            out[r0:r1, t_len - 1] = h_end

    parts = _parts(b)

    def run(i, j):
        for k in range(i, j):
            run_part(*parts[k])

    parallel.parallel_gemm_for(len(parts), run)
    return out, h_last, c_last, gates, cs, tanhc, xh


def _lstm_grad_kernel(x, kernel, recurrent_kernel, mask, gates, cs, tanhc, xh, d_output, d_h,
                      d_c, go_backwards=False, zero_output_for_mask=False):
    b, t_len, d = x.shape
    u = recurrent_kernel.shape[0]
    dt = x.dtype
    m, full = _mask_tm(mask, go_backwards, dt)
    # ``d_output`` with an empty time axis means "no gradient for the output sequence".
    dout = (_proc_order(d_output, False).astype(dt, copy=False)
            if d_output.shape[1] == t_len and d_output.any() else None)
    dz = scratch("lstm_dz", gates.shape, dt)
    dx = recycled((b, t_len, d), dt)
    dst = _proc_order(dx, go_backwards)
    rk_t = np.ascontiguousarray(recurrent_kernel.T)
    kernel_t = np.ascontiguousarray(kernel.T)
    rows, zrows = xh.reshape(-1, d + 1 + u), dz.reshape(-1, 4 * u)
    blocks = _blocks(t_len, b)
    order = list(range(len(blocks)))[::-1]  # BPTT runs backward in time
    dzp = _Pipe(len(blocks))
    state = {"dh": d_h.astype(dt, copy=True), "dc": d_c.astype(dt, copy=True)}
    parts = [None] * len(blocks)

    def bptt():
        tmp = scratch("lstm_tmp", (b, u), dt)
        da = scratch("lstm_dact", (b, 4 * u), dt)
        dh, dc = state["dh"], state["dc"]
        for k in order:
            t0, t1 = blocks[k]
            for t in range(t1 - 1, t0 - 1, -1):
                g, tc, dzt = gates[t], tanhc[t], dz[t]
                if full:
                    if dout is not None:
                        dh += dout[t]
                    dh_skip = dc_skip = None
                else:
                    mt = m[t]
                    keep = 1 - mt
                    dh_t = dh if dout is None else dh + dout[t]
                    dh_skip = keep * (dh if zero_output_for_mask else dh_t)
                    dc_skip = keep * dc
                    dh = mt * dh_t
                    dc = mt * dc
                # h = o * tanh(c)
                np.multiply(dh, tc, out=dzt[:, 3 * u:])
                np.multiply(tc, tc, out=tmp)
                np.subtract(1.0, tmp, out=tmp)
                tmp *= g[:, 3 * u:]
                tmp *= dh
                dc += tmp
                # c = f * c_prev + i * g
                np.multiply(dc, g[:, 2 * u:3 * u], out=dzt[:, :u])
                np.multiply(dc, cs[t], out=dzt[:, u:2 * u])
                np.multiply(dc, g[:, :u], out=dzt[:, 2 * u:3 * u])
                # activation derivatives: sigmoid' = s(1-s), tanh' = 1-t^2
                np.subtract(1.0, g, out=da)
                da *= g
                np.multiply(g[:, 2 * u:3 * u], g[:, 2 * u:3 * u], out=da[:, 2 * u:3 * u])
                np.subtract(1.0, da[:, 2 * u:3 * u], out=da[:, 2 * u:3 * u])
                dzt *= da
                dc *= g[:, u:2 * u]
                np.matmul(dzt, rk_t, out=dh)
                if dh_skip is not None:
                    dh += dh_skip
                    dc += dc_skip
            dzp.done(k)
        state["dh"], state["dc"] = dh, dc

    def weight_grads():  # blocks claimed by both threads, as BPTT finishes them
        while (k := dzp.claim(order)) is not None:
            dzp.wait(k)
            t0, t1 = blocks[k]
            parts[k] = rows[t0 * b:t1 * b].T @ zrows[t0 * b:t1 * b]
            np.matmul(dz[t0:t1], kernel_t, out=dst[t0:t1])

    _pipeline(lambda: None, bptt, weight_grads, [dzp])
    w = sum(parts) if parts else np.zeros((d + 1 + u, 4 * u), dt)
    return dx, state["dh"], state["dc"], w[:d], w[d + 1:], w[d]


def _units(ic, rk_index, h0):
    rk = ic.shapes[rk_index]
    if rk is not None and rk[0] is not None:
        return rk[0]
    return h0[1] if h0 is not None else None


def _lstm_infer(ic):
    x, h0 = ic.shapes[0], ic.shapes[1]
    bsz = x[0] if x is not None else (h0[0] if h0 is not None else None)
    t_len = x[1] if x is not None else None
    units = _units(ic, 4, h0)
    k4 = None if units is None else 4 * units
    feats = x[2] if x is not None else None
    xh = None if feats is None or units is None else feats + 1 + units
    return [(bsz, t_len, units), (bsz, units), (bsz, units), (t_len, bsz, k4),
            (t_len, bsz, units), (t_len, bsz, units), (t_len, bsz, xh)]


def _attrs(op):
    return {k: op.get_attr(k) for k in _ATTRS}


def _zeros_if_none(g, like):
    return A.zeros_like(like) if g is None else g


def _no_output_grad(h):
    """``[batch, 0, units]`` zeros: tells the gradient kernel the sequence output is unused."""
    return A.expand_dims(A.zeros_like(h), 1)[:, :0]


def _lstm_grad(op, d_out, d_h, d_c, *_):
    x, h0, c0, kernel, rk, bias, mask = op.inputs
    o = op.outputs
    dx, dh0, dc0, dk, drk, db = execute(LSTM_GRAD, (
        x, kernel, rk, mask, o[3], o[4], o[5], o[6],
        _no_output_grad(o[1]) if d_out is None else d_out,
        _zeros_if_none(d_h, o[1]), _zeros_if_none(d_c, o[2])), _attrs(op))
    return [dx, dh0, dc0, dk, drk, db, None]


def _no_second_order(op, *grads):
    raise LookupError(f"Second derivatives of the fused recurrent ops ({op.op_def.name}) are "
                      "not implemented; build the layer with recurrent_dropout or a custom "
                      "cell (the per-step path) when you need them.")


LSTM = defop("_KerasLSTM", _lstm_kernel,
             inputs=("x: T", "h0: T", "c0: T", "kernel: T", "recurrent_kernel: T", "bias: T",
                     "mask: T"),
             outputs=("output: T", "h: T", "c: T", "gates: T", "cs: T", "tanhc: T", "xh: T"),
             types=_FLOATS, attrs=_ATTRS, infer=_lstm_infer, grad=_lstm_grad,
             accepts_none_grads=True)
LSTM_GRAD = defop("_KerasLSTMGrad", _lstm_grad_kernel,
                  inputs=("x: T", "kernel: T", "recurrent_kernel: T", "mask: T", "gates: T",
                          "cs: T", "tanhc: T", "xh: T", "d_output: T", "d_h: T", "d_c: T"),
                  outputs=("dx: T", "dh0: T", "dc0: T", "d_kernel: T",
                           "d_recurrent_kernel: T", "d_bias: T"),
                  types=_FLOATS, attrs=_ATTRS,
                  infer=lambda ic: [ic.shapes[0], ic.shapes[9], ic.shapes[10], ic.shapes[1],
                                    ic.shapes[2], None if ic.shapes[1] is None
                                    else (ic.shapes[1][1],)],
                  grad=_no_second_order)


# ---- GRU (reset_after=True) ---------------------------------------------------------------------


def _sigmoid_(a):
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _gru_kernel(x, h0, kernel, recurrent_kernel, bias, mask, go_backwards=False,
                zero_output_for_mask=False):
    _check(x, h0, kernel, recurrent_kernel, 3, "_KerasGRU")
    b, t_len, d = x.shape
    u = h0.shape[1]
    dt = x.dtype
    xt = _time_major(x, go_backwards)
    m, full = _mask_tm(mask, go_backwards, dt)
    gates = (xt.reshape(t_len * b, d) @ kernel + bias[0]).reshape(t_len, b, 3 * u)
    rech = np.empty((t_len, b, u), dt)
    hs = np.empty((t_len + 1, b, u), dt)
    hs[0] = h0
    out = hs[1:] if full else np.empty((t_len, b, u), dt)
    for t in range(t_len):
        g = gates[t]
        rec = hs[t] @ recurrent_kernel
        rec += bias[1]
        g[:, :2 * u] += rec[:, :2 * u]
        _sigmoid_(g[:, :2 * u])
        rech[t] = rec[:, 2 * u:]
        hh = g[:, 2 * u:]
        hh += g[:, u:2 * u] * rech[t]
        np.tanh(hh, out=hh)
        h = hs[t + 1]
        np.subtract(hs[t], hh, out=h)
        h *= g[:, :u]
        h += hh
        if not full:
            mt = m[t]
            prev = 0 if zero_output_for_mask else hs[t]
            out[t] = mt * h + (1 - mt) * prev
            h[...] = mt * h + (1 - mt) * hs[t]
    return _batch_major(out, False), hs[t_len].copy(), gates, rech, hs


def _gru_grad_kernel(x, kernel, recurrent_kernel, mask, gates, rech, hs, d_output, d_h,
                     go_backwards=False, zero_output_for_mask=False):
    b, t_len, d = x.shape
    u = recurrent_kernel.shape[0]
    dt = x.dtype
    m, full = _mask_tm(mask, go_backwards, dt)
    dout = _time_major(d_output.astype(dt, copy=False), False)
    dact = gates * (1 - gates)
    hh_all = gates[:, :, 2 * u:]
    dact[:, :, 2 * u:] = 1 - hh_all * hh_all
    dxz = np.empty_like(gates)
    drz = np.empty_like(gates)
    rk_t = np.ascontiguousarray(recurrent_kernel.T)
    dh = d_h.astype(dt, copy=True)
    for t in range(t_len - 1, -1, -1):
        g, da, dx_t, dr_t = gates[t], dact[t], dxz[t], drz[t]
        if full:
            dh += dout[t]
            dh_skip = None
        else:
            mt = m[t]
            dh_skip = (1 - mt) * (dh if zero_output_for_mask else dh + dout[t])
            dh = mt * (dh + dout[t])
        z, r, hh = g[:, :u], g[:, u:2 * u], g[:, 2 * u:]
        # h = z * h_prev + (1 - z) * hh
        np.subtract(hs[t], hh, out=dx_t[:, :u])
        dx_t[:, :u] *= dh
        dx_t[:, :u] *= da[:, :u]
        np.multiply(dh, 1 - z, out=dx_t[:, 2 * u:])
        dx_t[:, 2 * u:] *= da[:, 2 * u:]
        # hh = tanh(x_h + r * rec_h)
        np.multiply(dx_t[:, 2 * u:], rech[t], out=dx_t[:, u:2 * u])
        dx_t[:, u:2 * u] *= da[:, u:2 * u]
        dr_t[:, :2 * u] = dx_t[:, :2 * u]
        np.multiply(dx_t[:, 2 * u:], r, out=dr_t[:, 2 * u:])
        dh_prev = dh * z
        dh_prev += dr_t @ rk_t
        dh = dh_prev
        if dh_skip is not None:
            dh += dh_skip
    fx = dxz.reshape(t_len * b, 3 * u)
    fr = drz.reshape(t_len * b, 3 * u)
    xt = _time_major(x, go_backwards).reshape(t_len * b, d)
    d_kernel = xt.T @ fx
    d_rk = hs[:t_len].reshape(t_len * b, u).T @ fr
    d_bias = np.stack([fx.sum(0), fr.sum(0)])
    dx = _batch_major((fx @ kernel.T).reshape(t_len, b, d), go_backwards)
    return dx, dh, d_kernel, d_rk, d_bias


def _gru_infer(ic):
    x, h0 = ic.shapes[0], ic.shapes[1]
    bsz = x[0] if x is not None else (h0[0] if h0 is not None else None)
    t_len = x[1] if x is not None else None
    units = _units(ic, 3, h0)
    k3 = None if units is None else 3 * units
    tp1 = None if t_len is None else t_len + 1
    return [(bsz, t_len, units), (bsz, units), (t_len, bsz, k3), (t_len, bsz, units),
            (tp1, bsz, units)]


def _gru_grad(op, d_out, d_h, *_):
    x, h0, kernel, rk, bias, mask = op.inputs
    o = op.outputs
    dx, dh0, dk, drk, db = execute(GRU_GRAD, (
        x, kernel, rk, mask, o[2], o[3], o[4], _zeros_if_none(d_out, o[0]),
        _zeros_if_none(d_h, o[1])), _attrs(op))
    return [dx, dh0, dk, drk, db, None]


GRU = defop("_KerasGRU", _gru_kernel,
            inputs=("x: T", "h0: T", "kernel: T", "recurrent_kernel: T", "bias: T", "mask: T"),
            outputs=("output: T", "h: T", "gates: T", "rech: T", "hs: T"),
            types=_FLOATS, attrs=_ATTRS, infer=_gru_infer, grad=_gru_grad,
            accepts_none_grads=True)
GRU_GRAD = defop("_KerasGRUGrad", _gru_grad_kernel,
                 inputs=("x: T", "kernel: T", "recurrent_kernel: T", "mask: T", "gates: T",
                         "rech: T", "hs: T", "d_output: T", "d_h: T"),
                 outputs=("dx: T", "dh0: T", "d_kernel: T", "d_recurrent_kernel: T",
                          "d_bias: T"),
                 types=_FLOATS, attrs=_ATTRS,
                 infer=lambda ic: [ic.shapes[0], ic.shapes[8], ic.shapes[1], ic.shapes[2],
                                   None if ic.shapes[1] is None else (2, ic.shapes[1][1])],
                 grad=_no_second_order)


# ---- Python entry points (used by the Keras layers) ---------------------------------------------


def lstm_sequence(x, h0, c0, kernel, recurrent_kernel, bias, mask, go_backwards=False,
                  zero_output_for_mask=False):
    """Run a Keras-layout LSTM over ``x``; returns ``(outputs, h, c)``."""
    args = [tensor(a) for a in (x, h0, c0, kernel, recurrent_kernel, bias, mask)]
    out = execute(LSTM, tuple(args),
                  {"go_backwards": bool(go_backwards),
                   "zero_output_for_mask": bool(zero_output_for_mask)})
    return out[0], out[1], out[2]


def gru_sequence(x, h0, kernel, recurrent_kernel, bias, mask, go_backwards=False,
                 zero_output_for_mask=False):
    """Run a Keras-layout GRU (``reset_after=True``) over ``x``; returns ``(outputs, h)``."""
    args = [tensor(a) for a in (x, h0, kernel, recurrent_kernel, bias, mask)]
    out = execute(GRU, tuple(args),
                  {"go_backwards": bool(go_backwards),
                   "zero_output_for_mask": bool(zero_output_for_mask)})
    return out[0], out[1]
