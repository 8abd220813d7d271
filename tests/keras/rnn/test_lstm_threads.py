"""Fused LSTM pipelined over blocks of time steps on 1, 2 and 3 threads: same values and
gradients as the per-step cell path and a float64 NumPy reference, bit-identical across thread
counts, and the BLAS thread setting is restored."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework import parallel
from tensorflux._src.ops import nn_rnn
from tensorflux.keras import layers as L
from tests.ops.specs_rnn import lstm_ref

R = np.random.default_rng(7)
B, T, D, U = 16, 7, 5, 6
X = R.standard_normal((B, T, D)).astype("float32")
MASK = R.random((B, T)) > 0.3
MASK[:, 0] = True


@pytest.fixture(params=[1, 2, 3])
def threads(request, monkeypatch):
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", str(request.param))
    monkeypatch.setattr(nn_rnn, "_BLOCK_ROWS", 2 * B)  # blocks of 2 steps: 4 blocks over T=7
    return request.param


def _grads(layer, x, mask):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, mask=mask)
        w = np.linspace(-1, 1, int(np.prod(y.shape))).reshape(y.shape).astype("float32")
        loss = tf.reduce_sum(y * tf.constant(w))
    return [y] + tape.gradient(loss, [x] + layer.trainable_weights)


@pytest.mark.parametrize("kw", [{}, {"return_sequences": True},
                                {"return_sequences": True, "go_backwards": True},
                                {"return_sequences": True, "zero_output_for_mask": True}])
@pytest.mark.parametrize("masked", [False, True])
def test_threaded_fused_equals_per_step_cell(threads, kw, masked):
    fused = L.LSTM(U, **kw)
    step = L.RNN(L.LSTMCell(U), **kw)
    x = tf.constant(X)
    fused(x)
    step(x)
    w = [a + R.uniform(-0.3, 0.3, a.shape).astype("float32") for a in fused.get_weights()]
    fused.set_weights(w)
    step.set_weights(w)
    m = tf.constant(MASK) if masked else None
    for a, b in zip(_grads(fused, x, m), _grads(step, x, m)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_threaded_op_matches_float64_reference(threads, go_backwards):
    args = [X, R.standard_normal((B, U)), R.standard_normal((B, U)),
            R.standard_normal((D, 4 * U)) * 0.5, R.standard_normal((U, 4 * U)) * 0.5,
            R.standard_normal(4 * U) * 0.5]
    args = [np.asarray(a, np.float32) for a in args]
    got = nn_rnn.lstm_sequence(*args, MASK.astype(np.float32), go_backwards)
    want = lstm_ref(*args, MASK, go_backwards)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-5)


def test_blas_thread_setting_restored():
    api = parallel._blas_api()
    before = api[1]() if api else None
    layer = L.LSTM(U)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    tape.gradient(loss, layer.trainable_weights)
    if api:
        assert api[1]() == before


def _op_and_grads(go_backwards):
    r = np.random.default_rng(3)
    args = [X] + [(r.standard_normal(s) * 0.5).astype("float32")
                  for s in ((B, U), (B, U), (D, 4 * U), (U, 4 * U), (4 * U,))]
    args = [tf.constant(a) for a in args + [MASK.astype("float32")]]
    with tf.GradientTape() as tape:
        tape.watch(args[:6])
        out, h, c = nn_rnn.lstm_sequence(*args, go_backwards)
        loss = tf.reduce_sum(out * out) + tf.reduce_sum(h) - tf.reduce_sum(c)
    return [t.numpy() for t in [out, h, c] + tape.gradient(loss, args[:6])]


@pytest.mark.parametrize("go_backwards", [False, True])
def test_results_do_not_depend_on_thread_count(monkeypatch, go_backwards):
    monkeypatch.setattr(nn_rnn, "_BLOCK_ROWS", 2 * B)
    runs = []
    for n in (1, 2):
        monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", str(n))
        runs.append(_op_and_grads(go_backwards))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("failing", ["pre", "main", "post"])
def test_pipeline_failure_propagates_without_hanging(monkeypatch, failing):
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "2")
    pipe = nn_rnn._Pipe(3)

    def fail():
        raise ValueError(f"{failing} failed")

    def pre():  # producer: the consumer waits for every block
        if failing == "pre":
            fail()
        for k in range(3):
            pipe.done(k)

    def main():
        for k in range(3):
            pipe.wait(k)
        if failing == "main":
            fail()

    def post():
        if failing == "post":
            fail()

    with pytest.raises(ValueError, match=f"{failing} failed"):
        nn_rnn._pipeline(pre, main, post, [pipe])
    # and the pool is usable afterwards
    out = []
    nn_rnn._pipeline(lambda: out.append("pre"), lambda: out.append("main"), lambda: None, [])
    assert sorted(out) == ["main", "pre"]


def test_pipeline_consumer_of_failed_main_is_released(monkeypatch):
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "2")
    pipe = nn_rnn._Pipe(2)

    def main():  # fails before making block 0 ready: the pool thread's post() must not hang
        raise KeyError("bptt failed")

    def post():
        while (k := pipe.claim([1, 0])) is not None:
            pipe.wait(k)

    with pytest.raises(KeyError, match="bptt failed"):
        nn_rnn._pipeline(lambda: None, main, post, [pipe])


def test_batch_halves_equal_row_by_row_runs(threads):
    """A batch of 19 runs as two halves (9 and 10 rows); each row must equal its own
    batch-of-one run (which is never split), masked steps included."""
    r = np.random.default_rng(11)
    b = 19
    x = r.standard_normal((b, T, D)).astype("float32")
    mask = (r.random((b, T)) > 0.3).astype("float32")
    w = [(r.standard_normal(s) * 0.5).astype("float32")
         for s in ((b, U), (b, U), (D, 4 * U), (U, 4 * U), (4 * U,))]
    assert len(nn_rnn._parts(b)) == 2
    out, h, c = nn_rnn.lstm_sequence(x, w[0], w[1], *w[2:], mask, False)
    for i in (0, 8, 9, 18):
        o1, h1, c1 = nn_rnn.lstm_sequence(x[i:i + 1], w[0][i:i + 1], w[1][i:i + 1], *w[2:],
                                           mask[i:i + 1], False)
        np.testing.assert_allclose(out.numpy()[i], o1.numpy()[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(h.numpy()[i], h1.numpy()[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(c.numpy()[i], c1.numpy()[0], rtol=1e-5, atol=1e-6)
