"""MultiHeadAttention ``build_config`` and ``.keras`` files exchanged with the real keras."""

import json
import zipfile

import numpy as np
import pytest

from tensorflux import keras
from tests.keras.harness import keras_oracle


def _model(k, key_dim):
    q, v = k.Input((5, 8)), k.Input((7, 6))
    o = k.layers.MultiHeadAttention(2, key_dim, name="mha")(q, v)
    o = k.layers.MultiHeadAttention(2, 3, output_shape=(4,), name="self_mha")(o, o, o)
    return k.Model([q, v], o)


def _build_configs(path):
    cfg = json.loads(zipfile.ZipFile(path).read("config.json"))
    return {layer["name"]: layer.get("build_config") for layer in cfg["config"]["layers"]
            if "mha" in layer["name"]}


def _inputs():
    r = np.random.default_rng(0)
    return [r.random((2, 5, 8), dtype=np.float32), r.random((2, 7, 6), dtype=np.float32)]


def test_build_config_shapes_dict():
    layer = keras.layers.MultiHeadAttention(2, 4)
    assert layer.get_build_config() is None
    layer(np.zeros((1, 5, 8), "f4"), np.zeros((1, 7, 6), "f4"))
    assert layer.get_build_config() == {
        "shapes_dict": {"query_shape": [1, 5, 8], "value_shape": [1, 7, 6]}}
    fresh = keras.layers.MultiHeadAttention.from_config(layer.get_config())
    fresh.build_from_config(layer.get_build_config())
    assert [w.shape for w in fresh.weights] == [w.shape for w in layer.weights]
    fresh.set_weights(layer.get_weights())
    x = _inputs()
    np.testing.assert_allclose(fresh(*x).numpy(), layer(*x).numpy(), rtol=1e-6)


def test_keras_file_roundtrip_tensorflux(tmp_path):
    m = _model(keras, 4)
    path = str(tmp_path / "m.keras")
    m.save(path)
    x = _inputs()
    m2 = keras.models.load_model(path)
    np.testing.assert_allclose(m2(x).numpy(), m(x).numpy(), rtol=1e-6)


def test_keras_files_exchange_with_real_keras(tmp_path):
    real = keras_oracle()
    if real is None:
        pytest.skip("real keras (numpy backend) not available")
    x = _inputs()
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    m = _model(keras, 4)
    m.save(ours)
    k = _model(real, 4)
    k.save(theirs)
    assert _build_configs(ours) == _build_configs(theirs)
    # tensorflux -> keras
    np.testing.assert_allclose(np.asarray(real.models.load_model(ours)(x)), m(x).numpy(),
                               rtol=1e-5, atol=1e-6)
    # keras -> tensorflux
    np.testing.assert_allclose(keras.models.load_model(theirs)(x).numpy(), np.asarray(k(x)),
                               rtol=1e-5, atol=1e-6)
