"""Spec rows for the fused recurrent ops (``_KerasLSTM``/``_KerasGRU`` and their gradients)."""

import numpy as np

import tensorflux as tf
from tensorflux._src.ops import nn_rnn as R
from tests.ops.harness import OpSpec

r = np.random.default_rng(11)
B, T, D, U = 2, 4, 3, 2


def f32(*s):
    return (r.standard_normal(s) * 0.7).astype(np.float32)


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _scan(step, x, states, mask, go_backwards, zero_output):
    """Keras RNN semantics over a per-step ``step(x_t, states) -> (h, states)``."""
    outs = []
    ts = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    for t in ts:
        h, new = step(x[:, t].astype(np.float64), states)
        m = mask[:, t:t + 1].astype(np.float64)
        outs.append(m * h + (1 - m) * (0 * h if zero_output else states[0]))
        states = [m * n + (1 - m) * s for n, s in zip(new, states)]
    return [np.stack(outs, 1)] + states


def lstm_ref(x, h0, c0, k, rk, b, mask, go_backwards=False, zero_output=False):
    def step(xt, st):
        h, c = st
        i, f, g, o = np.split(xt @ k + h @ rk + b, 4, 1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = _sig(o) * np.tanh(c)
        return h, [h, c]
    res = _scan(step, x, [h0.astype(np.float64), c0.astype(np.float64)], mask, go_backwards,
                zero_output)
    return [a.astype(x.dtype) for a in res]


def gru_ref(x, h0, k, rk, b, mask, go_backwards=False, zero_output=False):
    def step(xt, st):
        h = st[0]
        xz, xr, xh = np.split(xt @ k + b[0], 3, 1)
        rz, rr, rh = np.split(h @ rk + b[1], 3, 1)
        z, rg = _sig(xz + rz), _sig(xr + rr)
        hh = np.tanh(xh + rg * rh)
        h = z * h + (1 - z) * hh
        return h, [h]
    res = _scan(step, x, [h0.astype(np.float64)], mask, go_backwards, zero_output)
    return [a.astype(x.dtype) for a in res]


def _lstm(gb=False, zo=False):
    def fn(x, h0, c0, k, rk, b, m):
        return R.lstm_sequence(x, h0, c0, k, rk, b, tf.cast(m, x.dtype), gb, zo)
    return fn


def _gru(gb=False, zo=False):
    def fn(x, h0, k, rk, b, m):
        return R.gru_sequence(x, h0, k, rk, b, tf.cast(m, x.dtype), gb, zo)
    return fn


FULL = np.ones((B, T), bool)
PART = np.array([[1, 1, 0, 1], [0, 1, 1, 0]], bool)
_L = [f32(B, T, D), f32(B, U), f32(B, U), f32(D, 4 * U), f32(U, 4 * U), f32(4 * U)]
_G = [f32(B, T, D), f32(B, U), f32(D, 3 * U), f32(U, 3 * U), f32(2, 3 * U)]

SPECS = [
    OpSpec("_KerasLSTM", _lstm(), lstm_ref, _L + [FULL], grad=range(6), atol=1e-5),
    OpSpec("_KerasLSTM_masked_backwards", _lstm(True),
           lambda *a: lstm_ref(*a, go_backwards=True), _L + [PART], grad=range(6)),
    OpSpec("_KerasLSTM_zero_output_for_mask", _lstm(False, True),
           lambda *a: lstm_ref(*a, zero_output=True), _L + [PART], grad=range(6)),
    OpSpec("_KerasGRU", _gru(), gru_ref, _G + [FULL], grad=range(5)),
    OpSpec("_KerasGRU_masked_backwards", _gru(True),
           lambda *a: gru_ref(*a, go_backwards=True), _G + [PART], grad=range(5)),
    OpSpec("_KerasGRU_zero_output_for_mask", _gru(False, True),
           lambda *a: gru_ref(*a, zero_output=True), _G + [PART], grad=range(5)),
]
