"""``.keras`` archives and ``.weights.h5`` files: layout, round trips, and exchange with the
real keras 3 (numpy backend, used only as an oracle)."""

from __future__ import annotations

import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest

from tensorflux import keras

X4 = np.random.RandomState(1).rand(6, 4).astype("float32")


def _seq(k, name="seqm", rate=0.5):
    """The same small Sequential model in tensorflux (k=keras) or the real keras."""
    return k.Sequential([k.Input((4,)), k.layers.Dense(3, activation="relu"),
                         k.layers.BatchNormalization(), k.layers.Dropout(rate),
                         k.layers.Dense(2)], name=name)


def _trained_seq(rate=0.5):
    m = _seq(keras, rate=rate)
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse",
              metrics=["mae"])
    m.fit(X4, np.ones((6, 2), "float32"), epochs=2, verbose=0)
    return m


def _h5_tree(src):
    out = {}
    with h5py.File(src, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(
            n, (dict(o.attrs).get("name"), getattr(o, "shape", None))))
    return out


def _inner_h5(path):
    import io

    with zipfile.ZipFile(path) as z:
        return io.BytesIO(z.read("model.weights.h5"))


def _functional(k):
    a = k.Input((8, 8, 3), name="img")
    b = k.Input((5,), name="vec")
    x = k.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(a)
    x = k.layers.BatchNormalization(name="bn")(x)
    x = k.layers.MaxPooling2D(2)(x)
    x = k.layers.Flatten()(x)
    y = k.layers.Dense(4, name="dv")(b)
    z = k.layers.Concatenate()([k.layers.Dense(4, name="dx")(x), y])
    s = k.layers.Add()([z, k.layers.Dense(8, name="dz")(y)])
    out1 = k.layers.Dense(3, activation="softmax", name="cls")(s)
    out2 = k.layers.Dense(1, name="reg")(s)
    return k.Model([a, b], [out1, out2], name="fm")


def _fx(seed=0):
    r = np.random.RandomState(seed)
    return [r.rand(3, 8, 8, 3).astype("float32"), r.rand(3, 5).astype("float32")]


# ---- archive structure ------------------------------------------------------------------------
def test_archive_entries_and_weight_layout_match_real_keras(tmp_path, rk):
    m = _trained_seq()
    p = str(tmp_path / "m.keras")
    m.save(p)
    with zipfile.ZipFile(p) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json",
                                               "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        meta = json.loads(z.read("metadata.json"))
        cfg = json.loads(z.read("config.json"))
    assert set(meta) == {"keras_version", "date_saved"} and "@" in meta["date_saved"]
    assert cfg["module"] == "keras" and cfg["class_name"] == "Sequential"
    assert cfg["compile_config"]["loss"] == "mse"
    ours = _h5_tree(_inner_h5(p))
    # The same architecture saved by real keras, with a built optimizer.
    km = _seq(rk)
    km.compile(optimizer="adam", loss="mse")
    km.optimizer.build(km.trainable_variables)
    kp = str(tmp_path / "k.keras")
    km.save(kp)
    theirs = _h5_tree(_inner_h5(kp))
    assert sorted(ours) == sorted(theirs)
    for key, (_name, shape) in theirs.items():
        assert ours[key][1] == shape, key
    # Group names come from class names; the `name` attribute is the layer's own name.
    assert [ours[f"layers/{g}/vars"][0] for g in ("dense", "batch_normalization", "dropout",
                                                  "dense_1")] == [la.name for la in m.layers]
    assert ours["vars"][0] == "seqm" and ours["optimizer/vars"][0] == m.optimizer.name
    assert "layers/dense_1/vars/1" in ours and "optimizer/vars/13" in ours
    assert not any(f.startswith(".tmp_") for f in os.listdir(tmp_path))


# ---- tensorflux -> tensorflux -----------------------------------------------------------------
def test_round_trip_restores_weights_compile_and_optimizer_state(tmp_path):
    m = _trained_seq(rate=0.0)   # deterministic training for the comparison below
    p = tmp_path / "m.keras"
    keras.saving.save_model(m, p)
    m2 = keras.models.load_model(p)
    np.testing.assert_array_equal(m2.predict(X4, verbose=0), m.predict(X4, verbose=0))
    assert m2.compiled and type(m2.optimizer).__name__ == "Adam"
    assert abs(float(m2.optimizer.learning_rate.numpy()) - 0.01) < 1e-7
    assert len(m2.optimizer.variables) == len(m.optimizer.variables) == 14
    for a, b in zip(m.optimizer.variables, m2.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(m2.optimizer.iterations.numpy()) == 2
    # Training continues identically from the restored state.
    y = np.ones((6, 2), "float32")
    h1 = m.fit(X4, y, epochs=1, verbose=0, shuffle=False).history["loss"]
    h2 = m2.fit(X4, y, epochs=1, verbose=0, shuffle=False).history["loss"]
    np.testing.assert_allclose(h1, h2, rtol=1e-6)
    assert m2.evaluate(X4, y, verbose=0, return_dict=True).keys() == {"loss", "mae"}
    m3 = keras.models.load_model(p, compile=False)
    assert not m3.compiled


def test_functional_multi_io_round_trip(tmp_path):
    m = _functional(keras)
    p = str(tmp_path / "f.keras")
    m.save(p)
    m2 = keras.saving.load_model(p)
    for a, b in zip(m2.predict(_fx(), verbose=0), m.predict(_fx(), verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert [la.name for la in m2.layers] == [la.name for la in m.layers]


def test_unzipped_directory_save(tmp_path):
    m = _seq(keras)
    d = tmp_path / "dir_model"
    keras.saving.save_model(m, d, zipped=False)
    assert sorted(os.listdir(d)) == ["config.json", "metadata.json", "model.weights.h5"]
    m2 = keras.saving.load_model(d)
    np.testing.assert_array_equal(m2.predict(X4, verbose=0), m.predict(X4, verbose=0))


# ---- exchange with real keras -----------------------------------------------------------------
def test_real_keras_loads_our_files(tmp_path, rk):
    m = _trained_seq()
    p = str(tmp_path / "m.keras")
    m.save(p)
    km = rk.models.load_model(p)
    np.testing.assert_allclose(km.predict(X4, verbose=0), m.predict(X4, verbose=0),
                               rtol=1e-6, atol=1e-6)
    assert len(km.optimizer.variables) == 14
    for a, b in zip(m.optimizer.variables, km.optimizer.variables):
        np.testing.assert_allclose(np.asarray(b.numpy()), a.numpy(), rtol=1e-7)
    fm = _functional(keras)
    fp = str(tmp_path / "f.keras")
    fm.save(fp)
    kf = rk.models.load_model(fp)
    for a, b in zip(kf.predict(_fx(), verbose=0), fm.predict(_fx(), verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    wp = str(tmp_path / "s.weights.h5")
    m.save_weights(wp)
    k2 = _seq(rk)
    k2.load_weights(wp)
    np.testing.assert_allclose(k2.predict(X4, verbose=0), m.predict(X4, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_we_load_real_keras_files(tmp_path, rk):
    km = _functional(rk)
    km.compile(optimizer=rk.optimizers.SGD(0.05, momentum=0.9), loss=["mse", "mse"])
    km.optimizer.build(km.trainable_variables)
    p = str(tmp_path / "k.keras")
    km.save(p)
    m = keras.models.load_model(p)
    for a, b in zip(m.predict(_fx(1), verbose=0), km.predict(_fx(1), verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert type(m.optimizer).__name__ == "SGD" and m.compiled
    assert abs(float(m.optimizer.momentum) - 0.9) < 1e-7
    ks = _seq(rk)
    ks.save_weights(str(tmp_path / "k.weights.h5"))
    s = _seq(keras)
    s.load_weights(str(tmp_path / "k.weights.h5"))
    np.testing.assert_allclose(s.predict(X4, verbose=0), ks.predict(X4, verbose=0),
                               rtol=1e-6, atol=1e-6)


# ---- weights files ----------------------------------------------------------------------------
def test_save_weights_round_trip_and_mismatch(tmp_path):
    m = _trained_seq()
    p = str(tmp_path / "w.weights.h5")
    m.save_weights(p)
    fresh = _seq(keras, name="other")
    fresh.load_weights(p)
    np.testing.assert_array_equal(fresh.predict(X4, verbose=0), m.predict(X4, verbose=0))
    fresh.load_weights(str(tmp_path / "w.weights.h5"))   # loads again, idempotent
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        m.save_weights(str(tmp_path / "w.h6"))
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.1),
                              keras.layers.Dense(7)])
    with pytest.raises(ValueError, match="could not be loaded"):
        other.load_weights(p)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        other.load_weights(p, skip_mismatch=True)
    assert any("Skipped" in str(x.message) for x in w)
    for i in (0, 1):   # matching layers loaded, the mismatching last Dense skipped
        for a, b in zip(other.layers[i].get_weights(), m.layers[i].get_weights()):
            np.testing.assert_array_equal(a, b)
    # Weights of a .keras archive can be loaded into a model too.
    kp = str(tmp_path / "m.keras")
    m.save(kp)
    g = _seq(keras, name="g")
    g.load_weights(kp)
    np.testing.assert_array_equal(g.predict(X4, verbose=0), m.predict(X4, verbose=0))


def test_overwrite_and_bad_paths(tmp_path):
    m = _seq(keras)
    p = str(tmp_path / "m.keras")
    m.save(p)
    with pytest.raises(FileExistsError):
        m.save(p, overwrite=False)
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        m.save(str(tmp_path / "m.pb"))
    with pytest.raises(ValueError, match="File not found"):
        keras.models.load_model(str(tmp_path / "missing.keras"))
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid `.keras`"):
        keras.models.load_model(str(bad))


# ---- custom objects and safe mode -------------------------------------------------------------
class Scaled(keras.layers.Layer):
    """A custom layer with a sub-layer attribute and its own weight."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.proj = keras.layers.Dense(units)

    def build(self, input_shape):
        self.proj.build(input_shape)
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

    def call(self, x):
        return self.proj(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _custom_model():
    inp = keras.Input((4,))
    layer = Scaled(3, name="scaled")
    out = layer(inp)
    layer.scale.assign(np.array([1.0, 2.0, -1.0], "float32"))
    return keras.Model(inp, out)


def test_custom_objects_and_scope(tmp_path):
    m = _custom_model()
    p = str(tmp_path / "c.keras")
    m.save(p)
    assert "layers/scaled/proj/vars/0" in _h5_tree(_inner_h5(p))
    assert "layers/scaled/vars/0" in _h5_tree(_inner_h5(p))
    with pytest.raises(TypeError, match="Could not locate class 'Scaled'"):
        keras.models.load_model(p)
    m2 = keras.models.load_model(p, custom_objects={"Scaled": Scaled})
    np.testing.assert_array_equal(m2.predict(X4, verbose=0), m.predict(X4, verbose=0))
    with keras.saving.custom_object_scope({"Scaled": Scaled}):
        m3 = keras.models.load_model(p)
    np.testing.assert_array_equal(m3.predict(X4, verbose=0), m.predict(X4, verbose=0))


def test_registered_custom_layer_layout_matches_real_keras(tmp_path, rk):
    @keras.saving.register_keras_serializable(package="tfxtest")
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = keras.layers.Dense(2)
            self.alpha = keras.layers.Dense(2)

        def build(self, input_shape):
            self.alpha.build(input_shape)
            self.inner.build(input_shape)

        def call(self, x):
            return self.inner(x) + self.alpha(x)

    @rk.saving.register_keras_serializable(package="tfxtest")
    class KBlock(rk.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = rk.layers.Dense(2)
            self.alpha = rk.layers.Dense(2)

        def build(self, input_shape):
            self.alpha.build(input_shape)
            self.inner.build(input_shape)

        def call(self, x):
            return self.inner(x) + self.alpha(x)

    m = keras.Sequential([keras.Input((4,)), Block()])
    p = str(tmp_path / "b.keras")
    m.save(p)
    with zipfile.ZipFile(p) as z:
        cfg = json.loads(z.read("config.json"))
    assert cfg["config"]["layers"][1]["registered_name"] == "tfxtest>Block"
    km = rk.Sequential([rk.Input((4,)), KBlock()])
    kp = str(tmp_path / "kb.keras")
    km.save(kp)
    assert sorted(_h5_tree(_inner_h5(p))) == sorted(
        k.replace("k_block", "block") for k in _h5_tree(_inner_h5(kp)))
    m2 = keras.models.load_model(p)
    np.testing.assert_array_equal(m2.predict(X4, verbose=0), m.predict(X4, verbose=0))


def test_lambda_safe_mode(tmp_path):
    inp = keras.Input((4,))
    out = keras.layers.Lambda(lambda t: t * 2.0 + 1.0)(keras.layers.Dense(2)(inp))
    m = keras.Model(inp, out)
    p = str(tmp_path / "l.keras")
    m.save(p)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(p)
    m2 = keras.models.load_model(p, safe_mode=False)
    np.testing.assert_allclose(m2.predict(X4, verbose=0), m.predict(X4, verbose=0))


def _nested(k):
    inp = k.Input((5, 4))
    x = k.layers.LSTM(3, return_sequences=True)(inp)
    x = k.layers.Bidirectional(k.layers.GRU(2, return_sequences=True))(x)
    x = k.layers.TimeDistributed(k.layers.Dense(2))(x)
    x = k.layers.GlobalAveragePooling1D()(x)
    inner = k.Sequential([k.Input((2,)), k.layers.Dense(3), k.layers.LayerNormalization()])
    return k.Model(inp, inner(x))


def test_nested_and_recurrent_layout_and_exchange(tmp_path, rk):
    """RNN cells, wrappers and a nested Sequential use Keras's attribute/class paths."""
    x = np.random.RandomState(0).rand(2, 5, 4).astype("float32")
    m, km = _nested(keras), _nested(rk)
    p, kp = str(tmp_path / "n.keras"), str(tmp_path / "nk.keras")
    m.save(p)
    km.save(kp)
    ours, theirs = _h5_tree(_inner_h5(p)), _h5_tree(_inner_h5(kp))
    assert {k: v[1] for k, v in ours.items()} == {k: v[1] for k, v in theirs.items()}
    assert "layers/lstm/cell/vars/2" in ours and "layers/sequential/layers/dense/vars/0" in ours
    np.testing.assert_allclose(np.asarray(rk.models.load_model(p)(x)), m(x).numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(keras.models.load_model(kp)(x).numpy(), np.asarray(km(x)),
                               rtol=1e-5, atol=1e-6)
