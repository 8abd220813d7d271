"""Recurrent layers: masking, states, statefulness, fused vs per-step path (gradients)."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import layers as L
from tests.keras.harness import keras_oracle

R = np.random.default_rng(5)
X = R.standard_normal((3, 6, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 1, 0, 1, 0]], bool)


def _pair(kind, **kw):
    """Our layer and real keras's with the same weights (None when keras is unusable)."""
    ours = getattr(L, kind)(**kw)
    ours(tf.constant(X))
    keras = keras_oracle()
    if keras is None:
        pytest.skip("keras oracle unavailable")
    theirs = getattr(keras.layers, kind)(**kw)
    theirs(X)
    w = [a + R.uniform(-0.3, 0.3, a.shape).astype("float32") for a in ours.get_weights()]
    ours.set_weights(w)
    theirs.set_weights(w)
    return ours, theirs


def _np(t):
    return [np.asarray(a) for a in t] if isinstance(t, (list, tuple)) else [np.asarray(t)]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("kw", [{}, {"return_sequences": True},
                                {"return_sequences": True, "go_backwards": True},
                                {"return_state": True},
                                {"return_sequences": True, "zero_output_for_mask": True}])
def test_masked_matches_keras(kind, kw):
    ours, theirs = _pair(kind, units=3, **kw)
    got = _np(ours(tf.constant(X), mask=tf.constant(MASK)))
    want = _np(theirs(X, mask=MASK))
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_initial_state_and_return_state(kind):
    ours, theirs = _pair(kind, units=3, return_state=True)
    n = 2 if kind == "LSTM" else 1
    init = [R.standard_normal((3, 3)).astype("float32") for _ in range(n)]
    got = _np(ours(tf.constant(X), initial_state=[tf.constant(s) for s in init]))
    want = _np(theirs(X, initial_state=init))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_embedding_mask_propagates_to_lstm():
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0]], "int32")
    emb = L.Embedding(10, 4, mask_zero=True)
    lstm = L.LSTM(3, return_sequences=True)
    y = lstm(emb(tf.constant(ids)))
    # masked steps repeat the last real output
    np.testing.assert_allclose(y.numpy()[0, 3], y.numpy()[0, 2])
    np.testing.assert_allclose(y.numpy()[1, 4], y.numpy()[1, 1])
    np.testing.assert_array_equal(y._keras_mask.numpy(), ids != 0)
    # a masked tail does not change the final state (same as the truncated sequence)
    last = L.LSTM(3)
    last(emb(tf.constant(ids)))
    last.set_weights(lstm.get_weights())
    short = last(emb(tf.constant(ids[:1, :3])))
    np.testing.assert_allclose(last(emb(tf.constant(ids)))[0].numpy(), short[0].numpy(),
                               rtol=1e-6, atol=1e-6)


def test_masking_layer_and_bidirectional_with_mask():
    x = X.copy()
    x[0, 4:] = 0.0
    seq = tf.keras.Sequential([L.Masking(0.0), L.Bidirectional(L.GRU(2, return_sequences=True))])
    y = seq(tf.constant(x)).numpy()
    np.testing.assert_array_equal(y[0, 4:], 0.0)  # Bidirectional forces zero outputs


def test_stateful_carries_and_resets():
    layer = L.LSTM(3, stateful=True, return_sequences=False)
    a = layer(tf.constant(X[:, :3]))
    assert layer.weights and all(v.name != "rnn_state" for v in layer.weights)
    b = layer(tf.constant(X[:, 3:]))
    fresh = L.LSTM(3)
    fresh(tf.constant(X))
    fresh.set_weights(layer.get_weights())
    np.testing.assert_allclose(b.numpy(), fresh(tf.constant(X)).numpy(), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(layer(tf.constant(X[:, :3])).numpy(), a.numpy(), rtol=1e-6)


def _loss_grads(layer, x, mask=None):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, mask=mask)
        loss = tf.reduce_sum(y * tf.constant(np.linspace(-1, 1, int(np.prod(y.shape)))
                                             .reshape(y.shape).astype(y.dtype.name)))
    return tape.gradient(loss, [x] + layer.trainable_weights)


@pytest.mark.parametrize("kind,cell", [("LSTM", L.LSTMCell), ("GRU", L.GRUCell)])
@pytest.mark.parametrize("kw", [{}, {"return_sequences": True, "go_backwards": True}])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_gradients_equal_per_step_cell(kind, cell, kw, masked):
    fused = getattr(L, kind)(3, **kw)
    step = L.RNN(cell(3), **kw)
    x = tf.constant(X)
    fused(x)
    step(x)
    step.set_weights(fused.get_weights())
    m = tf.constant(MASK) if masked else None
    np.testing.assert_allclose(fused(x, mask=m).numpy(), step(x, mask=m).numpy(), rtol=1e-5,
                               atol=1e-6)
    for a, b in zip(_loss_grads(fused, x, m), _loss_grads(step, x, m)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_fused_layer_gradients_vs_finite_differences(kind):
    layer = getattr(L, kind)(2, return_sequences=True, dtype="float64")
    x = R.standard_normal((2, 3, 2))
    layer(tf.constant(x))
    w0 = layer.get_weights()
    proj = R.standard_normal((2, 3, 2))

    def loss(ws):
        layer.set_weights(ws)
        return float(np.sum(layer(tf.constant(x)).numpy() * proj))
    layer.set_weights(w0)
    with tf.GradientTape() as tape:
        y = layer(tf.constant(x))
        obj = tf.reduce_sum(y * proj)
    grads = tape.gradient(obj, layer.trainable_weights)
    eps = 1e-6
    for k, g in enumerate(grads):
        num = np.zeros_like(w0[k])
        for j in range(w0[k].size):
            wp = [w.copy() for w in w0]
            wm = [w.copy() for w in w0]
            wp[k].reshape(-1)[j] += eps
            wm[k].reshape(-1)[j] -= eps
            num.reshape(-1)[j] = (loss(wp) - loss(wm)) / (2 * eps)
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-5, atol=1e-7)


def test_unknown_time_dimension_functional_and_while_loop():
    inp = tf.keras.Input((None, 4))
    out = L.SimpleRNN(3)(inp)
    assert tuple(out.shape) == (None, 3)
    layer = L.SimpleRNN(3, return_sequences=True)
    x = tf.constant(X)
    eager = layer(x).numpy()
    spec = tf.TensorSpec([None, None, 4], tf.float32)
    traced = tf.function(lambda t: layer(t), input_signature=[spec])(x).numpy()
    np.testing.assert_allclose(traced, eager, rtol=1e-5, atol=1e-6)


def test_cells_standalone_and_errors():
    cell = L.LSTMCell(3)
    h, (h2, c) = cell(tf.constant(X[:, 0]), [tf.zeros([3, 3]), tf.zeros([3, 3])])
    assert tuple(h.shape) == (3, 3)
    np.testing.assert_array_equal(h.numpy(), h2.numpy())
    assert cell.bias.numpy()[3:6].tolist() == [1.0, 1.0, 1.0]  # unit_forget_bias
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(3))
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
