"""Keras engine: Layer, functional/Sequential models, configs, summary, training loop.

The real keras (numpy backend) is the oracle for configs, summary text and progbar output."""

import io
import json
import os
import sys

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras

L = keras.layers


@pytest.fixture(scope="module")
def rk():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    return pytest.importorskip("keras")


def _strip_dtype(cfg):
    return {k: v for k, v in cfg.items() if k != "dtype"}


# ---- Layer base ----------------------------------------------------------------------------
class Scale(keras.layers.Layer):
    def __init__(self, init=1.0, **kw):
        super().__init__(**kw)
        self.init = init

    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1],), initializer=keras.initializers.Constant(
            self.init), name="w")
        self.c = self.add_weight(shape=(), initializer="zeros", trainable=False, name="c")

    def call(self, x, training=None):
        self.add_loss(tf.reduce_sum(self.w))
        return x * self.w + (1.0 if training else 0.0)


def test_layer_build_weights_losses_training():
    layer = Scale(2.0)
    y = layer(np.ones((2, 3), np.float32))
    np.testing.assert_allclose(y.numpy(), 2.0 * np.ones((2, 3)))
    assert layer.built and [w.name for w in layer.weights] == ["w", "c"]
    assert layer.weights[0].path == f"{layer.name}/w"
    assert len(layer.trainable_weights) == 1 and len(layer.non_trainable_weights) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 6.0)
    assert float(layer(np.ones((1, 3), np.float32), training=True).numpy()[0, 0]) == 3.0
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert layer.get_config()["init"] == 2.0   # auto-config of constructor arguments


def test_nested_layer_tracking_and_freeze():
    class Block(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(4)
            self.parts = [L.Dense(2)]

        def call(self, x):
            return self.parts[0](self.d1(x))

    b = Block()
    b(np.ones((1, 3), np.float32))
    assert [v.shape.as_list() for v in b.weights] == [[3, 4], [4], [4, 2], [2]]
    b.trainable = False
    assert not b.d1.trainable and b.trainable_weights == []


def test_dense_config_matches_keras(rk):
    ours = L.Dense(3, activation="relu", name="d")
    theirs = rk.layers.Dense(3, activation="relu", name="d")
    assert ours.get_config() == theirs.get_config()
    for name in ("Dropout", "Flatten", "Activation", "LeakyReLU", "Softmax", "Concatenate",
                 "Embedding", "Masking", "ReLU", "PReLU", "ELU", "Identity", "RepeatVector"):
        args = {"Dropout": (0.2,), "Activation": ("tanh",), "Embedding": (10, 3),
                "RepeatVector": (3,)}.get(name, ())
        a = getattr(L, name)(*args, name="x").get_config()
        b = getattr(rk.layers, name)(*args, name="x").get_config()
        assert _strip_dtype(a) == _strip_dtype(b), name
        assert a["dtype"] == b["dtype"]


def test_layer_names_follow_keras_snake_case():
    keras.backend.clear_session()
    assert L.Dense(1).name == "dense" and L.Dense(1).name == "dense_1"
    assert L.LeakyReLU().name == "leaky_re_lu" and L.PReLU().name == "p_re_lu"


def test_dense_numerics_against_numpy():
    d = L.Dense(5, activation="tanh")
    x = np.random.default_rng(0).standard_normal((4, 3, 7)).astype(np.float32)
    y = d(x).numpy()
    k, b = d.get_weights()
    np.testing.assert_allclose(y, np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)


def test_input_spec_error():
    d = L.Dense(2)
    d(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        d(np.ones((1, 4), np.float32))


# ---- Functional API ------------------------------------------------------------------------
def test_functional_shapes_multi_io_shared():
    a = keras.Input((8,), name="a")
    b = keras.Input((8,), name="b")
    shared = L.Dense(4, name="shared")
    ha, hb = shared(a), shared(b)
    merged = L.Concatenate()([ha, hb])
    out1 = L.Dense(1, name="o1")(merged)
    out2 = L.Dense(3, activation="softmax", name="o2")(L.Subtract()([ha, hb]))
    m = keras.Model([a, b], [out1, out2])
    assert out1.shape == (None, 1) and merged.shape == (None, 8)
    xa, xb = np.ones((2, 8), np.float32), np.zeros((2, 8), np.float32)
    y1, y2 = m([xa, xb])
    assert y1.shape == (2, 1) and y2.shape == (2, 3)
    assert len(shared._inbound_nodes) == 2
    cfg = m.get_config()
    shared_cfg = next(c for c in cfg["layers"] if c["name"] == "shared")
    assert len(shared_cfg["inbound_nodes"]) == 2
    m2 = keras.Model.from_config(cfg)
    m2.set_weights(m.get_weights())
    for u, v in zip(m2([xa, xb]), (y1, y2)):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-6)


def test_functional_config_loads_in_real_keras(rk):
    i = keras.Input((4,), name="inp")
    o = L.Dense(2, activation="relu", name="d")(L.Dense(3, name="h")(i))
    m = keras.Model(i, o, name="f")
    theirs = rk.models.model_from_json(m.to_json())
    assert [lay.name for lay in theirs.layers] == ["inp", "h", "d"]
    theirs.set_weights(m.get_weights())
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(theirs(x)), m(x).numpy(), rtol=1e-5, atol=1e-6)


def test_sequential_json_roundtrip_and_real_keras(rk):
    m = keras.Sequential([keras.Input((5,)), L.Dense(4, activation="relu"), L.Dropout(0.5),
                          L.Dense(2)], name="s")
    m2 = keras.models.model_from_json(m.to_json())
    m2.set_weights(m.get_weights())
    x = np.ones((2, 5), np.float32)
    np.testing.assert_allclose(m2(x).numpy(), m(x).numpy(), rtol=1e-6)
    theirs = rk.models.model_from_json(m.to_json())
    theirs.set_weights(m.get_weights())
    np.testing.assert_allclose(np.asarray(theirs(x)), m(x).numpy(), rtol=1e-5)


def test_masks_flow_embedding_to_softmax():
    inp = keras.Input((4,), dtype="int32")
    e = L.Embedding(10, 3, mask_zero=True)(inp)
    assert e._keras_mask is not None and e._keras_mask.shape == (None, 4)
    scores = L.Lambda(lambda t: tf.reduce_sum(t, -1))(e)
    m = keras.Model(inp, scores)
    ids = np.array([[1, 2, 0, 0]], np.int32)
    emb = m.layers[1]
    out = emb(ids)
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, True, False, False]])
    sm = L.Softmax()(tf.constant([[1.0, 2.0, 3.0]]), mask=tf.constant([[True, True, False]]))
    np.testing.assert_allclose(sm.numpy()[0, 2], 0.0, atol=1e-6)
    assert m(ids).shape == (1, 4)


def test_nested_model_and_freeze():
    inner = keras.Sequential([keras.Input((3,)), L.Dense(4), L.Dense(2)], name="inner")
    i = keras.Input((3,))
    o = L.Dense(1)(inner(i))
    outer = keras.Model(i, o)
    assert len(outer.trainable_weights) == 6
    inner.trainable = False
    assert len(outer.trainable_weights) == 2 and len(outer.non_trainable_weights) == 4
    assert outer.get_layer("inner") is inner


def test_operators_on_keras_tensors():
    i = keras.Input((3,))
    m = keras.Model(i, (i + 1.0) * 2.0)
    np.testing.assert_allclose(m(np.zeros((1, 3), np.float32)).numpy(), 2.0)


# ---- summary -------------------------------------------------------------------------------
def _summary(model):
    out = []
    model.summary(print_fn=lambda s, **k: out.append(s))
    return "".join(out)


def test_summary_matches_keras_text(rk):
    ours = keras.Sequential([keras.Input((20,)), L.Dense(32, activation="relu", name="d1"),
                             L.Dropout(0.1, name="drop"), L.Dense(3, name="d2")], name="seq")
    theirs = rk.Sequential([rk.Input((20,)), rk.layers.Dense(32, activation="relu", name="d1"),
                            rk.layers.Dropout(0.1, name="drop"), rk.layers.Dense(3, name="d2")],
                           name="seq")
    assert _summary(ours) == _summary(theirs)

    def build(k):
        a = k.Input((4,), name="a")
        b = k.Input((4,), name="b")
        o = k.layers.Dense(2, name="out")(k.layers.Concatenate(name="cat")([a, b]))
        return k.Model([a, b], o, name="two")
    assert _summary(build(keras)) == _summary(build(rk))


# ---- training ------------------------------------------------------------------------------
def _data(n=512, seed=0):
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    return x, y


def _mlp():
    return keras.Sequential([keras.Input((6,)), L.Dense(16, activation="relu"),
                             L.Dense(2, activation="softmax")])


def test_fit_evaluate_predict_learns():
    keras.utils.set_random_seed(1)
    x, y = _data()
    m = _mlp()
    m.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    h = m.fit(x, y, batch_size=32, epochs=4, verbose=0, validation_split=0.25)
    assert set(h.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert h.history["loss"][-1] < h.history["loss"][0]
    loss, acc = m.evaluate(x, y, verbose=0)
    assert acc > 0.9
    p = m.predict(x, batch_size=100, verbose=0)
    assert p.shape == (512, 2)
    np.testing.assert_allclose(acc, np.mean(np.argmax(p, 1) == y), atol=1e-6)
    # evaluate's loss equals the loss recomputed with NumPy from predict().
    ref = -np.mean(np.log(p[np.arange(len(y)), y]))
    np.testing.assert_allclose(loss, ref, rtol=1e-4)


def test_run_eagerly_matches_traced():
    x, y = _data(64)
    res = []
    for eager in (False, True):
        keras.utils.set_random_seed(3)
        m = _mlp()
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  run_eagerly=eager)
        res.append(m.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
                   .history["loss"])
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5)


def test_custom_train_step_and_batch_apis():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)
            self.steps = tf.Variable(0, trainable=False)

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            g = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(g, self.trainable_variables)
            self.steps.assign_add(1)
            for m in self.metrics:
                m.update_state(loss) if m.name == "loss" else m.update_state(y, self(x))
            return {m.name: m.result() for m in self.metrics}

    x = np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    m = M()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    h = m.fit(x, y, batch_size=10, epochs=3, verbose=0)
    assert int(m.steps.numpy()) == 12 and set(h.history) == {"loss", "mae"}
    logs = m.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    assert isinstance(m.test_on_batch(x, y), list)
    assert m.predict_on_batch(x).shape == (40, 1)


def test_multi_output_loss_weights_names():
    i = keras.Input((4,))
    h = L.Dense(8, activation="relu")(i)
    m = keras.Model(i, {"reg": L.Dense(1, name="reg")(h), "cls": L.Dense(2, name="cls")(h)})
    m.compile(optimizer="adam", loss={"reg": "mse", "cls": keras.losses.
                                      SparseCategoricalCrossentropy(from_logits=True)},
              loss_weights={"reg": 0.5, "cls": 1.0}, metrics={"cls": ["accuracy"]})
    x = np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32)
    h = m.fit(x, {"reg": x[:, :1], "cls": (x[:, 1] > 0).astype(np.int32)}, epochs=1,
              verbose=0)
    assert set(h.history) == {"loss", "reg_loss", "cls_loss", "cls_accuracy"}
    np.testing.assert_allclose(h.history["loss"][0], 0.5 * h.history["reg_loss"][0]
                               + h.history["cls_loss"][0], rtol=1e-4)


def test_generator_pydataset_and_sample_weights():
    x, y = _data(96)

    class Seq(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32]

    m = _mlp()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert len(m.fit(Seq(), epochs=2, verbose=0).history["loss"]) == 2

    def gen():
        while True:
            yield x[:32], y[:32]
    m.fit(gen(), steps_per_epoch=2, epochs=2, verbose=0)
    # Zero sample weights on every sample: the weighted loss is zero.
    assert m.evaluate(x, y, sample_weight=np.zeros(96), verbose=0) == 0.0


def test_callbacks_early_stopping_history_csv_lambda(tmp_path):
    x, y = _data(64)
    m = _mlp()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    seen = []
    cbs = [keras.callbacks.EarlyStopping(monitor="loss", patience=1),
           keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
           keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))]
    h = m.fit(x, y, epochs=10, verbose=0, callbacks=cbs)
    assert h.epoch == [0, 1] and seen == [0, 1]     # lr 0: no improvement, stops after 2
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss" and len(rows) == 3


def test_lr_scheduler_and_reduce_on_plateau():
    x, y = _data(64)
    m = _mlp()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    m.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda e, lr: 0.5 ** e)])
    np.testing.assert_allclose(float(np.asarray(m.optimizer.learning_rate)), 0.5)
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    m.fit(x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.ReduceLROnPlateau(
        monitor="loss", patience=1, factor=0.5, min_lr=0.0)])


def test_backup_and_restore_resumes(tmp_path):
    x, y = _data(64)

    class Boom(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    m = _mlp()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    bk = keras.callbacks.BackupAndRestore(str(tmp_path / "bk"))
    with pytest.raises(RuntimeError):
        m.fit(x, y, epochs=4, verbose=0, callbacks=[bk, Boom()])
    saved = m.get_weights()
    m2 = _mlp()
    m2.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    epochs = []
    m2.fit(x, y, epochs=4, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(tmp_path / "bk")),
        keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: (
            epochs.append(e), e == 2 and [np.testing.assert_allclose(a, b) for a, b in
                                          zip(m2.get_weights(), saved)]))])
    assert epochs == [2, 3]
    assert not os.path.exists(tmp_path / "bk" / "training_metadata.json")


# ---- console output ------------------------------------------------------------------------
def _capture(fn):
    old = sys.stdout
    sys.stdout = buf = io.StringIO()
    try:
        fn()
    finally:
        sys.stdout = old
    return buf.getvalue()


def test_progbar_text_matches_keras(rk, monkeypatch):
    import time as _time

    from tensorflux.keras.src.utils import progbar as ours_mod

    clock = iter(np.arange(0.0, 100.0, 0.5))
    fake = lambda: float(next(clock))  # noqa: E731
    monkeypatch.setattr(ours_mod.time, "time", fake)
    values = [("accuracy", 0.5), ("loss", 1.25)]

    def run(cls):
        bar = cls(target=5, verbose=1, interval=0)
        for i in range(1, 6):
            bar.update(i, values, finalize=i == 5)
    ours = _capture(lambda: run(keras.utils.Progbar))
    clock = iter(np.arange(0.0, 100.0, 0.5))
    import keras.src.utils.progbar as theirs_mod
    monkeypatch.setattr(theirs_mod.time, "time", lambda: float(next(clock)))
    theirs = _capture(lambda: run(rk.utils.Progbar))
    assert ours == theirs
    del _time


def test_fit_verbose_2_one_line_per_epoch():
    x, y = _data(64)
    m = _mlp()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    out = _capture(lambda: m.fit(x, y, batch_size=32, epochs=2, verbose=2))
    lines = out.strip().split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("2/2 - ") and " - accuracy: " in lines[1] and \
        lines[1].index("accuracy") < lines[1].index("loss")
    assert _capture(lambda: m.fit(x, y, epochs=1, verbose=0)) == ""


def test_to_categorical_and_serialization_helpers():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2], 3),
                                  [[1, 0, 0], [0, 0, 1]])
    cfg = keras.initializers.serialize(keras.initializers.HeNormal(seed=1))
    assert cfg["class_name"] == "HeNormal" and cfg["module"] == "keras.initializers"
    assert keras.initializers.deserialize(cfg).get_config()["seed"] == 1
    assert json.loads(json.dumps(cfg)) == cfg
