"""Engine fixes checked against the real keras 3.15 (numpy backend): layer configs written by
keras load here, single-output lists, variable paths, step-function attributes, mixed
precision, fit's batching."""

import inspect
import json

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras as tk
from tests.keras.harness import keras_oracle

K = keras_oracle()
needs_keras = pytest.mark.skipif(K is None, reason="real keras (numpy backend) not available")

# Required constructor arguments of keras.layers classes (defaults for everything else).
_F = dict(filters=2, kernel_size=3)
REQUIRED = {
    "Dense": dict(units=3), "Embedding": dict(input_dim=5, output_dim=3),
    "Activation": dict(activation="relu"), "Dropout": dict(rate=0.5),
    "SpatialDropout1D": dict(rate=0.5), "SpatialDropout2D": dict(rate=0.5),
    "SpatialDropout3D": dict(rate=0.5), "GaussianDropout": dict(rate=0.5),
    "GaussianNoise": dict(stddev=0.5), "AlphaDropout": dict(rate=0.5),
    "Reshape": dict(target_shape=(2, 3)), "Permute": dict(dims=(2, 1)), "RepeatVector": dict(n=2),
    "Conv1D": _F, "Conv2D": _F, "Conv3D": _F, "Conv1DTranspose": _F, "Conv2DTranspose": _F,
    "Conv3DTranspose": _F, "SeparableConv1D": _F, "SeparableConv2D": _F,
    "Convolution1D": _F, "Convolution2D": _F, "Convolution3D": _F,
    "Convolution1DTranspose": _F, "Convolution2DTranspose": _F, "Convolution3DTranspose": _F,
    "SeparableConvolution1D": _F, "SeparableConvolution2D": _F,
    "DepthwiseConv1D": dict(kernel_size=3), "DepthwiseConv2D": dict(kernel_size=3),
    "LSTM": dict(units=3), "GRU": dict(units=3), "SimpleRNN": dict(units=3),
    "LSTMCell": dict(units=3), "GRUCell": dict(units=3), "SimpleRNNCell": dict(units=3),
    "MultiHeadAttention": dict(num_heads=2, key_dim=3), "Dot": dict(axes=1),
    "CategoryEncoding": dict(num_tokens=4), "Discretization": dict(bin_boundaries=[0.5]),
    "Resizing": dict(height=2, width=2), "CenterCrop": dict(height=2, width=2),
    "RandomCrop": dict(height=2, width=2), "Rescaling": dict(scale=0.5),
    "RandomRotation": dict(factor=0.1), "RandomZoom": dict(height_factor=0.1),
    "RandomTranslation": dict(height_factor=0.1, width_factor=0.1),
    "RandomContrast": dict(factor=0.1), "RandomBrightness": dict(factor=0.1),
    "GroupNormalization": dict(groups=1),
    "EinsumDense": dict(equation="ab,bc->ac", output_shape=3),
    "GroupQueryAttention": dict(head_dim=2, num_query_heads=2, num_key_value_heads=1),
    "ReversibleEmbedding": dict(input_dim=5, output_dim=3),
    **{f"Adaptive{k}Pooling{d}D": dict(output_size=2) for k in ("Average", "Max")
       for d in (1, 2, 3)},
    **{n: dict(factor=0.5) for n in ("RandomHue", "RandomSaturation", "RandomSharpness",
                                     "RandomColorDegeneration")},
    "RandomPosterization": dict(factor=4),
    **{f"{k}{d}D": dict(pool_size=2) for k in ("AveragePooling", "AvgPool") for d in (1, 2, 3)},
}
WRAPPED = {  # layers that take other layers
    "TimeDistributed": lambda: K.layers.TimeDistributed(K.layers.Dense(3)),
    "Bidirectional": lambda: K.layers.Bidirectional(K.layers.LSTM(3)),
    "RNN": lambda: K.layers.RNN(K.layers.LSTMCell(3)),
    "StackedRNNCells": lambda: K.layers.StackedRNNCells([K.layers.LSTMCell(3)]),
    "Lambda": lambda: K.layers.Lambda(K.activations.relu),
    "SpectralNormalization": lambda: K.layers.SpectralNormalization(K.layers.Dense(3)),
}
# keras.layers classes that are not layers to rebuild from a default config here.
NOT_AUDITED = {"Layer", "InputLayer", "Wrapper", "TFSMLayer", "JaxLayer", "FlaxLayer",
               "TorchModuleWrapper", "Pipeline"}


def _keras_layer_names():
    if K is None:
        return []
    return sorted(n for n in dir(K.layers) if inspect.isclass(getattr(K.layers, n))
                  and issubclass(getattr(K.layers, n), K.layers.Layer) and n not in NOT_AUDITED)


@needs_keras
@pytest.mark.parametrize("name", _keras_layer_names())
def test_layer_config_from_real_keras_loads(name):
    """Every layer both packages have rebuilds here from real keras's serialized default
    config, and gives back the same config keys and values."""
    if getattr(tk.layers, name, None) is None:
        pytest.skip(f"{name} is not implemented in tensorflux")
    try:
        kl = WRAPPED[name]() if name in WRAPPED else getattr(K.layers, name)(
            **REQUIRED.get(name, {}))
    except (ImportError, TypeError) as e:   # keras needs TensorFlow for some, or arguments
        pytest.skip(f"real keras cannot build a default {name}: {e}")
    cfg = json.loads(json.dumps(K.saving.serialize_keras_object(kl)))
    layer = tk.saving.deserialize_keras_object(cfg)
    assert type(layer).__name__ in (name, type(kl).__name__)
    ours = json.loads(json.dumps(tk.saving.serialize_keras_object(layer)))["config"]
    theirs = cfg["config"]
    assert set(ours) == set(theirs)
    for key in theirs:
        if key != "name":
            assert ours[key] == theirs[key], key


def test_lora_and_quantization_refused_clearly():
    tk.layers.Embedding(3, 2, quantization_config=None, lora_rank=None, lora_alpha=None)
    with pytest.raises(NotImplementedError, match="lora_rank"):
        tk.layers.Dense(2, lora_rank=4)
    with pytest.raises(NotImplementedError, match="quantization_config"):
        tk.layers.Embedding(3, 2, quantization_config={"mode": "int8"})


@needs_keras
def test_keras_file_with_embedding_loads(tmp_path):
    km = K.Sequential([K.Input((4,), dtype="int32"), K.layers.Embedding(10, 3, mask_zero=True),
                       K.layers.GlobalAveragePooling1D(), K.layers.Dense(2)])
    path = str(tmp_path / "emb.keras")
    km.save(path)
    ours = tk.models.load_model(path)
    x = np.array([[1, 2, 0, 0], [9, 8, 7, 6]], np.int32)
    np.testing.assert_allclose(ours.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5)


@needs_keras
def test_lambda_with_named_function_matches_keras_config():
    ours = tk.layers.Lambda(tk.activations.relu).get_config()["function"]
    theirs = K.layers.Lambda(K.activations.relu).get_config()["function"]
    assert ours == theirs
    cfg = tk.saving.serialize_keras_object(tk.layers.Lambda(tk.activations.relu))
    layer = K.saving.deserialize_keras_object(json.loads(json.dumps(cfg)))
    np.testing.assert_allclose(layer(np.array([[-1.0, 2.0]], "float32")), [[0.0, 2.0]])


def _single_output_facts(keras):
    inp = keras.Input((3,))
    out = keras.layers.Dense(2)(inp)
    x = np.ones((4, 3), "float32")
    m = keras.Model(inp, [out])
    facts = {
        "call_is_list": isinstance(m(x), (list, tuple)),
        "predict_is_list": isinstance(m.predict(x, verbose=0), (list, tuple)),
        "outputs": (type(m.outputs).__name__, len(m.outputs)),
        "output": type(m.output).__name__,
        "symbolic_call": type(m(keras.Input((3,)))).__name__,
        "config": (m.get_config()["input_layers"][1:], m.get_config()["output_layers"][0][1:]),
        "tuple_call_is_tuple": isinstance(keras.Model(inp, (out,))(x), tuple),
    }
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    md = keras.Model({"b": b, "a": a}, {"z": keras.layers.Dense(1)(a),
                                        "y": keras.layers.Dense(1)(b)})
    facts["dict"] = (type(md.inputs).__name__, [t.shape[1] for t in md.inputs],
                     type(md.outputs).__name__, [t.shape[1] for t in md.outputs],
                     type(md.input).__name__, type(md.output).__name__)
    return facts


@needs_keras
def test_single_output_list_matches_keras():
    assert _single_output_facts(tk) == _single_output_facts(K)


def _paths(keras):
    x = np.ones((2, 3), "float32")
    out = {}
    s = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                          keras.layers.BatchNormalization()])
    out["seq"] = [v.path for v in s.weights]
    s2 = keras.Sequential([keras.layers.Dense(2)])
    s2(x)
    out["deferred"] = [v.path for v in s2.weights]
    inp = keras.Input((3,))
    f = keras.Model(inp, keras.layers.Dense(2, name="d")(inp), name="fun")
    out["functional"] = [v.path for v in f.weights]

    class Block(keras.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.inner = keras.layers.Dense(2, name="inner")

        def build(self, shape):
            self.w = self.add_weight(shape=(1,), name="w")
            self.inner.build(shape)

        def call(self, x):
            return self.inner(x) * self.w

    class Sub(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.block = Block(name="block")
            self.head = keras.layers.Dense(1, name="head")

        def call(self, x):
            return self.head(self.block(x))
    m = Sub()
    m(x)
    out["subclassed"] = [v.path for v in m.weights]
    out["nested"] = [v.path for v in keras.Sequential([keras.Input((3,)), s]).weights]
    b = Block(name="alone")
    b(x)
    out["layer"] = [v.path for v in b.weights]
    return out


@needs_keras
def test_variable_paths_match_keras():
    tk.backend.clear_session()
    K.backend.clear_session()
    ours, theirs = _paths(tk), _paths(K)
    assert ours == theirs
    assert ours["seq"][0] == "sequential/dense/kernel"


def test_step_function_attributes():
    m = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1)])
    assert m.train_function is None and m.test_function is None and m.predict_function is None
    m.compile("sgd", "mse")
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    m.fit(x, y, verbose=0)
    assert m.train_function is not None and m.make_train_function() is m.train_function
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    assert m.test_function is not None and m.predict_function is not None
    calls = []
    original = m.train_function
    m.train_function = lambda data: calls.append(1) or original(data)   # user override
    m.fit(x, y, verbose=0, batch_size=2)
    assert len(calls) == 2
    assert m.make_train_function(force=True) is not original
    m.compile("sgd", "mse")
    assert m.train_function is None


def _mixed(keras):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        inp = keras.Input((4,))
        h = keras.layers.Dense(8, activation="relu")(inp)
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.Dense(3)(h)
        out = keras.layers.Activation("softmax", dtype="float32")(h)
        m = keras.Model(inp, out)
        emb = keras.layers.Embedding(5, 2)
        e = emb(np.array([[1, 2]]))
        x = np.random.RandomState(0).rand(8, 4).astype("float32")
        name = lambda d: d if isinstance(d, str) else d.name   # noqa: E731
        return {"policy": keras.mixed_precision.global_policy().name,
                "symbolic": [inp.dtype, h.dtype, out.dtype],
                "weights": sorted({name(w.dtype) for w in m.weights + emb.weights}),
                "layer": (m.layers[1].compute_dtype, m.layers[1].variable_dtype),
                "eager": [name(m.layers[1](x).dtype), name(m(x).dtype), name(e.dtype)],
                "config": m.layers[1].get_config()["dtype"]}, m, x
    finally:
        keras.mixed_precision.set_global_policy("float32")


@needs_keras
def test_mixed_precision_matches_keras():
    ours, m, x = _mixed(tk)
    theirs, km, _ = _mixed(K)
    assert ours == theirs
    assert ours["eager"] == ["float16", "float32", "float16"]
    km.set_weights(m.get_weights())
    np.testing.assert_allclose(m(x).numpy(), km(x), atol=2e-3)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(m(x) * np.arange(3, dtype="float32"))
    grads = tape.gradient(loss, m.trainable_weights)
    assert all(g is not None and g.dtype == tf.float32 for g in grads)


def test_mixed_precision_fit_and_names():
    assert tk.mixed_precision.Policy is tk.mixed_precision.DTypePolicy
    tk.mixed_precision.set_global_policy("mixed_float16")
    try:
        m = tk.Sequential([tk.Input((4,)), tk.layers.Dense(16, activation="relu"),
                           tk.layers.Dense(1), tk.layers.Activation("linear", dtype="float32")])
    finally:
        tk.mixed_precision.set_global_policy("float32")
    assert tk.mixed_precision.global_policy().name == "float32"
    x = np.random.RandomState(1).rand(64, 4).astype("float32")
    y = x.sum(1, keepdims=True)
    m.compile(tk.optimizers.SGD(0.05), "mse")
    hist = m.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert hist[-1] < hist[0] * 0.5
    assert m.layers[0].kernel.dtype == tf.float32


def test_fit_batches_dict_inputs_and_float64():
    a = tk.Input((2,), name="a")
    b = tk.Input((1,), name="b")
    m = tk.Model({"a": a, "b": b}, tk.layers.Concatenate()([a, b]))
    seen = []

    class Spy(tk.Model):
        def __init__(self):
            super().__init__()
            self.inner = m

        def train_step(self, data):
            seen.append(data)
            return {}
    spy = Spy()
    spy.compile("sgd", "mse", run_eagerly=True)
    xa = np.arange(10.0).reshape(5, 2)            # float64: converted to float32 once
    xb = np.arange(5, dtype=np.int32).reshape(5, 1)
    spy.fit({"a": xa, "b": xb}, np.zeros((5, 3)), batch_size=2, shuffle=False, verbose=0)
    assert len(seen) == 3
    x, y = seen[-1]
    assert x["a"].dtype == tf.float32 and x["b"].dtype == tf.int32
    np.testing.assert_array_equal(x["a"].numpy(), xa[4:])
    np.testing.assert_array_equal(seen[0][0]["b"].numpy(), xb[:2])
    assert y.shape == (1, 3)
