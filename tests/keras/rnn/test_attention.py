"""Attention, AdditiveAttention and MultiHeadAttention vs real keras (same weights), plus
configs, masks, a training step and tf.function."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import layers as L
from tests.keras.harness import keras_oracle

R = np.random.default_rng(2)
Q = R.standard_normal((2, 3, 4)).astype("float32")
V = R.standard_normal((2, 5, 4)).astype("float32")
K = R.standard_normal((2, 5, 4)).astype("float32")
QM = np.array([[1, 1, 0], [1, 1, 1]], bool)
VM = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)


def _keras():
    k = keras_oracle()
    if k is None:
        pytest.skip("keras oracle unavailable")
    return k


def _strip(cfg):
    return {k: v for k, v in cfg.items() if k != "name"}


def _copy_weights(ours, theirs):
    w = [a + R.uniform(0.1, 0.4, a.shape).astype("float32") for a in ours.get_weights()]
    assert [a.shape for a in w] == [a.shape for a in theirs.get_weights()]
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    ours.set_weights(w)
    theirs.set_weights(w)


DENSE_CASES = [("Attention", {}), ("Attention", {"use_scale": True}),
               ("Attention", {"score_mode": "concat", "use_scale": True}),
               ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False})]


@pytest.mark.parametrize("kind,kw", DENSE_CASES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_dense_attention_matches_keras(kind, kw, masked, causal):
    keras = _keras()
    ours = getattr(L, kind)(**kw)
    theirs = getattr(keras.layers, kind)(**kw)
    ours([tf.constant(Q), tf.constant(V), tf.constant(K)])
    theirs([Q, V, K])
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    _copy_weights(ours, theirs)
    mask = [QM, VM] if masked else None
    got = ours([tf.constant(Q), tf.constant(V), tf.constant(K)],
               mask=None if mask is None else [tf.constant(m) for m in mask],
               return_attention_scores=True, use_causal_mask=causal)
    want = theirs([Q, V, K], mask=mask, return_attention_scores=True, use_causal_mask=causal)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.numpy(), np.asarray(b), rtol=1e-5, atol=1e-6)


MHA_CASES = [
    {"num_heads": 2, "key_dim": 3},
    {"num_heads": 3, "key_dim": 2, "value_dim": 4, "use_bias": False, "output_shape": 6},
    {"num_heads": 2, "key_dim": 2, "attention_axes": (1,)},
]


@pytest.mark.parametrize("kw", MHA_CASES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_keras(kw, masked, causal):
    keras = _keras()
    ours = L.MultiHeadAttention(**kw)
    theirs = keras.layers.MultiHeadAttention(**kw)
    ours(tf.constant(Q), tf.constant(V), tf.constant(K))
    theirs(Q, V, K)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    _copy_weights(ours, theirs)
    am = (R.random((2, 3, 5)) > 0.3) if masked else None
    got = ours(tf.constant(Q), tf.constant(V), tf.constant(K),
               attention_mask=None if am is None else tf.constant(am),
               return_attention_scores=True, use_causal_mask=causal)
    want = theirs(Q, V, K, attention_mask=am, return_attention_scores=True,
                  use_causal_mask=causal)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.numpy(), np.asarray(b), rtol=1e-5, atol=1e-5)


def test_mha_attention_axes_rank4_matches_keras():
    keras = _keras()
    x = R.standard_normal((2, 3, 4, 5)).astype("float32")
    kw = {"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)}
    ours, theirs = L.MultiHeadAttention(**kw), keras.layers.MultiHeadAttention(**kw)
    ours(tf.constant(x), tf.constant(x))
    theirs(x, x)
    _copy_weights(ours, theirs)
    np.testing.assert_allclose(ours(tf.constant(x), tf.constant(x)).numpy(),
                               np.asarray(theirs(x, x)), rtol=1e-5, atol=1e-5)


def test_mha_uses_keras_masks_and_trains_in_tf_function():
    ids = np.array([[4, 5, 0], [1, 2, 3]], "int32")
    emb = L.Embedding(8, 4, mask_zero=True)
    mha = L.MultiHeadAttention(2, 2)
    x = emb(tf.constant(ids))
    _, scores = mha(x, x, return_attention_scores=True)
    np.testing.assert_array_equal(scores.numpy()[0, :, :, 2], 0.0)   # padded key ignored
    twin = L.MultiHeadAttention(2, 2)
    twin(x, x)
    twin.set_weights(mha.get_weights())

    def step(layer, xx):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(layer(xx, xx, training=True)))
        grads = tape.gradient(loss, layer.trainable_weights)
        for v, g in zip(layer.trainable_weights, grads):
            v.assign_sub(0.1 * g)
        return grads
    xs = tf.constant(R.standard_normal((2, 3, 4)).astype("float32"))
    g1 = step(mha, xs)
    g2 = tf.function(lambda t: step(twin, t))(xs)
    assert len(g1) == 8 and all(g is not None for g in g1)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
    cfg = mha.get_config()
    clone = L.MultiHeadAttention.from_config(cfg)
    assert _strip(clone.get_config()) == _strip(cfg)


def test_functional_attention_shapes():
    q = tf.keras.Input((3, 4))
    v = tf.keras.Input((5, 4))
    assert tuple(L.Attention()([q, v]).shape) == (None, 3, 4)
    assert tuple(L.AdditiveAttention()([q, v]).shape) == (None, 3, 4)
    assert tuple(L.MultiHeadAttention(2, 3, output_shape=7)(q, v).shape) == (None, 3, 7)
    with pytest.raises(ValueError, match="list of inputs"):
        L.Attention()(tf.constant(Q))
