"""EinsumDense, RMSNormalization, ReversibleEmbedding, SpectralNormalization,
GroupQueryAttention and the adaptive poolings against real keras 3.15 (numpy backend)."""

import json

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras as tk
from tensorflux.keras.src.layers import extra_core as C
from tensorflux.keras.src.layers import extra_pooling as P
from tests.keras.harness import (LayerCase, check_config, check_keras_file_round_trip,
                                 check_oracle, check_shapes, check_symbolic,
                                 check_weights_round_trip, keras_oracle, make_input,
                                 run_layer_test)

K = keras_oracle()
needs_keras = pytest.mark.skipif(K is None, reason="real keras (numpy backend) not available")
CF = "channels_first"


def _c(cls, kwargs, shape, **kw):
    return LayerCase(cls, kwargs, shape, id=f"{cls.__name__}-{kwargs}", **kw)


CASES = [
    _c(C.EinsumDense, {"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"}, (3, 5)),
    _c(C.EinsumDense, {"equation": "abc,cd->abd", "output_shape": (None, 4),
                       "bias_axes": "d", "activation": "relu"}, (2, 3, 5)),
    _c(C.EinsumDense, {"equation": "...b,bc->...c", "output_shape": 4}, (2, 3, 5)),
    _c(C.EinsumDense, {"equation": "abc,cde->abde", "output_shape": (None, 2, 3),
                       "bias_axes": "de"}, (2, 3, 5)),
    _c(C.EinsumDense, {"equation": "abc,cd->abd", "output_shape": (3, 4),
                       "bias_axes": "b"}, (2, 3, 5)),
    _c(C.EinsumDense, {"equation": "ab...,bc->ac...", "output_shape": 4,
                       "bias_axes": "c"}, (2, 5, 3)),
    _c(C.RMSNormalization, {}, (2, 3, 4)),
    _c(C.RMSNormalization, {"axis": [1, 2], "epsilon": 1e-3}, (2, 3, 4)),
    # keras's numpy rms_normalization cannot broadcast a non-last single axis: no oracle.
    _c(C.RMSNormalization, {"axis": 1}, (2, 3, 4), keras_name=""),
    _c(P.AdaptiveAveragePooling1D, {"output_size": 3}, (2, 7, 3)),
    _c(P.AdaptiveMaxPooling1D, {"output_size": 4, "data_format": CF}, (2, 3, 10)),
    _c(P.AdaptiveAveragePooling2D, {"output_size": (2, 3)}, (2, 5, 7, 3)),
    _c(P.AdaptiveAveragePooling2D, {"output_size": 4, "data_format": CF}, (2, 3, 6, 9)),
    _c(P.AdaptiveMaxPooling2D, {"output_size": (3, 2)}, (2, 7, 5, 2)),
    _c(P.AdaptiveMaxPooling2D, {"output_size": 5}, (1, 3, 4, 2)),
    _c(P.AdaptiveAveragePooling3D, {"output_size": 2}, (1, 3, 5, 4, 2)),
    _c(P.AdaptiveMaxPooling3D, {"output_size": (2, 3, 1), "data_format": CF}, (1, 2, 5, 4, 3)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer_harness(case):
    run_layer_test(case)


@needs_keras
@pytest.mark.parametrize("inner,shape,iters", [("Dense", (3, 4), 1), ("Conv2D", (2, 5, 5, 2), 2),
                                               ("Embedding", (2, 3), 1)])
def test_spectral_normalization_matches_keras(inner, shape, iters):
    make = {"Dense": lambda m: m.layers.Dense(3),
            "Conv2D": lambda m: m.layers.Conv2D(2, 3),
            "Embedding": lambda m: m.layers.Embedding(6, 3)}[inner]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, shape).astype("int32") if inner == "Embedding" else \
        rng.standard_normal(shape).astype("float32")
    ours = tk.layers.SpectralNormalization(make(tk), power_iterations=iters)
    theirs = K.layers.SpectralNormalization(make(K), power_iterations=iters)
    ours(tf.constant(x))
    theirs(x)
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    w = [a + rng.uniform(0.1, 0.5, a.shape).astype(a.dtype) for a in ours.get_weights()]
    ours.set_weights(w)
    theirs.set_weights(w)
    np.testing.assert_allclose(ours(tf.constant(x), training=False).numpy(),
                               np.asarray(theirs(x, training=False)), rtol=1e-5, atol=1e-6)
    for _ in range(2):
        np.testing.assert_allclose(ours(tf.constant(x), training=True).numpy(),
                                   np.asarray(theirs(x, training=True)), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    cfg = json.loads(json.dumps(ours.get_config()))
    kcfg = json.loads(json.dumps(theirs.get_config()))
    for c in (cfg, kcfg, cfg["layer"]["config"], kcfg["layer"]["config"]):
        c.pop("name")
    assert cfg == kcfg
    clone = tk.layers.SpectralNormalization.from_config(ours.get_config())
    assert clone.power_iterations == iters and type(clone.layer).__name__ == inner


def test_spectral_normalization_normalizes_and_trains():
    layer = tk.layers.SpectralNormalization(tk.layers.Dense(4), power_iterations=30)
    x = tf.constant(np.random.default_rng(1).standard_normal((5, 6)).astype("float32"))
    layer(x)
    layer(x, training=True)
    sigma = np.linalg.svd(layer.layer.kernel.numpy(), compute_uv=False)[0]
    np.testing.assert_allclose(sigma, 1.0, rtol=1e-3)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == 2 and all(g is not None for g in grads)
    step = tf.function(lambda t: layer(t, training=True))
    np.testing.assert_allclose(step(x).numpy(), layer(x, training=False).numpy(), rtol=1e-4,
                               atol=1e-5)
    with pytest.raises(ValueError, match="power_iterations"):
        tk.layers.SpectralNormalization(tk.layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="kernel"):
        tk.layers.SpectralNormalization(tk.layers.ReLU())(x)


GQA = [dict(head_dim=4, num_query_heads=4, num_key_value_heads=2),
       dict(head_dim=3, num_query_heads=2, num_key_value_heads=2, use_bias=False),
       dict(head_dim=2, num_query_heads=4, num_key_value_heads=1, use_gate=True),
       dict(head_dim=2, num_query_heads=2, num_key_value_heads=1, sliding_window=2)]


@needs_keras
@pytest.mark.parametrize("kwargs", GQA, ids=str)
def test_group_query_attention_matches_keras(kwargs):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, 6)).astype("float32")
    v = rng.standard_normal((2, 4, 6)).astype("float32")
    k = rng.standard_normal((2, 4, 3)).astype("float32")
    ours = tk.layers.GroupQueryAttention(**kwargs)
    theirs = K.layers.GroupQueryAttention(**kwargs)
    ours(tf.constant(q), tf.constant(v), key=tf.constant(k))
    theirs(q, v, key=k)
    assert [v_.path for v_ in ours.weights] == [v_.path for v_ in theirs.weights]
    w = [a + rng.uniform(0.1, 0.5, a.shape).astype(a.dtype) for a in ours.get_weights()]
    ours.set_weights(w)
    theirs.set_weights(w)
    vmask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
    for call_kw in ({}, {"use_causal_mask": True}, {"value_mask": vmask},
                    {"attention_mask": rng.integers(0, 2, (2, 5, 4)).astype(bool)}):
        want, wscores = theirs(q, v, key=k, return_attention_scores=True, **call_kw)
        got, scores = ours(tf.constant(q), tf.constant(v), key=tf.constant(k),
                           return_attention_scores=True, **call_kw)
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(scores.numpy(), np.asarray(wscores), rtol=1e-4, atol=1e-5)
        if "sliding_window" in kwargs and any("mask" in c for c in call_kw):
            continue  # rows with no visible key: keras's fused path differs from its own
        plain = theirs(q, v, key=k, **call_kw)  # keras's dot_product_attention path
        np.testing.assert_allclose(got.numpy(), np.asarray(plain), rtol=1e-4, atol=1e-5)
    cfg, kcfg = ours.get_config(), theirs.get_config()
    cfg.pop("name"), kcfg.pop("name")
    assert cfg == kcfg
    assert tk.saving.serialize_keras_object(ours)["class_name"] == "GroupQueryAttention"


def test_group_query_attention_trains_traces_and_saves(tmp_path):
    layer = tk.layers.GroupedQueryAttention(head_dim=4, num_query_heads=4,
                                            num_key_value_heads=2, dropout=0.0)
    x = tf.constant(np.random.default_rng(2).standard_normal((2, 5, 8)).astype("float32"))
    eager = layer(x, x)
    np.testing.assert_allclose(tf.function(lambda a: layer(a, a))(x).numpy(), eager.numpy(),
                               rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, x, training=True) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == 8 and all(g is not None for g in grads)
    inp = tk.Input((5, 8))
    model = tk.Model(inp, tk.layers.GroupQueryAttention(4, 4, 2)(inp, inp))
    path = str(tmp_path / "gqa.keras")
    model.save(path)
    want = model(x).numpy()
    np.testing.assert_allclose(tk.models.load_model(path)(x).numpy(), want, rtol=1e-6)
    if K is not None:
        np.testing.assert_allclose(np.asarray(K.models.load_model(path)(x.numpy())), want,
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="divisible"):
        tk.layers.GroupQueryAttention(4, 3, 2)


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False, "mask_zero": True}], ids=str)
def test_reversible_embedding_harness_parts(kwargs):
    """The harness checks except its SGD step (embedding gradients are IndexedSlices)."""
    case = _c(C.ReversibleEmbedding, dict(input_dim=10, output_dim=4, **kwargs), (2, 5),
              input_dtype="int32", output_dtype="float32")
    x = make_input(case)
    layer = case.cls(**case.kwargs)
    y = layer(tf.constant(x))
    check_shapes(case, layer, y)
    if K is not None:
        check_config(case, layer, K)
        check_oracle(case, layer, x, K)
    check_weights_round_trip(case, layer, x)
    check_symbolic(case)
    check_keras_file_round_trip(case, layer, x, K)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(tf.constant(x)) ** 2)
        if not layer.tie_weights:
            loss += tf.reduce_sum(layer(y, reverse=True))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == len(layer.weights) and all(g is not None for g in grads)


@needs_keras
def test_reversible_embedding_reverse_matches_keras():
    for kw in ({}, {"tie_weights": False, "logit_soft_cap": 2.0}):
        ours = tk.layers.ReversibleEmbedding(7, 4, **kw)
        theirs = K.layers.ReversibleEmbedding(7, 4, **kw)
        ids = np.array([[1, 2, 3]], "int32")
        ours(tf.constant(ids))
        theirs(ids)
        w = [np.random.default_rng(3).standard_normal(a.shape).astype("float32")
             for a in ours.get_weights()]
        ours.set_weights(w)
        theirs.set_weights(w)
        h = np.random.default_rng(4).standard_normal((2, 3, 4)).astype("float32")
        np.testing.assert_allclose(ours(tf.constant(h), reverse=True).numpy(),
                                   np.asarray(theirs(h, reverse=True)), rtol=1e-5, atol=1e-6)
        assert ours.compute_output_shape((2, 3, 4), reverse=True) == (2, 3, 7)
        sym = ours(tk.Input((3, 4)), reverse=True)
        assert tuple(sym.shape) == (None, 3, 7)


def test_einsum_dense_errors_and_fans():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        tk.layers.EinsumDense("ab->b", 3)(tf.zeros((2, 3)))
    with pytest.raises(ValueError, match="Bias dimension 'z'"):
        tk.layers.EinsumDense("ab,bc->ac", 3, bias_axes="z")(tf.zeros((2, 3)))
    with pytest.raises(NotImplementedError, match="lora_rank"):
        tk.layers.EinsumDense("ab,bc->ac", 3, lora_rank=2)
    # Glorot fans from the einsum axes: kernel (64, 2, 32) -> fan_in 64, fan_out 64.
    layer = tk.layers.EinsumDense("ab,bcd->acd", (2, 32), kernel_initializer="glorot_uniform")
    layer(tf.zeros((1, 64)))
    k = layer.kernel.numpy()
    limit = np.sqrt(6.0 / (64 + 64))
    assert k.max() <= limit and k.max() > 0.9 * limit


def test_adaptive_pooling_reference():
    x = np.arange(2 * 7 * 3, dtype="float32").reshape(2, 7, 3)
    got = tk.layers.AdaptiveAveragePooling1D(3)(tf.constant(x)).numpy()
    windows = [(0, 3), (2, 5), (4, 7)]  # floor(i*7/3) .. ceil((i+1)*7/3)
    want = np.stack([x[:, s:e].mean(1) for s, e in windows], 1)
    np.testing.assert_allclose(got, want)
    got = tk.layers.AdaptiveMaxPooling1D(3)(tf.constant(x)).numpy()
    np.testing.assert_allclose(got, np.stack([x[:, s:e].max(1) for s, e in windows], 1))
    with pytest.raises(TypeError, match="output_size"):
        tk.layers.AdaptiveAveragePooling2D((1, 2, 3))
