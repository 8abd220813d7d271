"""steps_per_execution, loss tracking, regularizer configs and plot_model."""

import os

import numpy as np
import pytest

from tensorflux import keras


def _model(spe=1, lr=0.1):
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(3)])
    m.compile(optimizer=keras.optimizers.SGD(lr, momentum=0.9),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"], steps_per_execution=spe)
    return m


def _data(n=70):
    r = np.random.default_rng(0)
    return r.standard_normal((n, 4)).astype(np.float32), r.integers(0, 3, n)


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("end", batch))


def test_steps_per_execution_matches_single_steps():
    x, y = _data()
    ref, multi = _model(1), _model(3)
    h1 = ref.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0,
                 validation_data=(x, y))
    rec = _Recorder()
    h3 = multi.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0,
                   validation_data=(x, y), callbacks=[rec])
    for a, b in zip(ref.get_weights(), multi.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for k in h1.history:
        np.testing.assert_allclose(h1.history[k], h3.history[k], rtol=1e-5)
    # 7 batches -> executions of 3, 3 and 1 steps; callbacks once per execution (Keras).
    assert rec.calls[:6] == [("begin", 0), ("end", 2), ("begin", 3), ("end", 5),
                             ("begin", 6), ("end", 6)]
    assert int(multi.optimizer.iterations.numpy()) == 14
    # One traced function per execution length (3 and 1), each really running N steps.
    assert multi._fns["train_multi"].experimental_get_tracing_count() == 2
    np.testing.assert_allclose(ref.evaluate(x, y, verbose=0, batch_size=8),
                               multi.evaluate(x, y, verbose=0, batch_size=8), rtol=1e-5)
    np.testing.assert_allclose(ref.predict(x, verbose=0, batch_size=16),
                               multi.predict(x, verbose=0, batch_size=16), rtol=1e-5)


def test_steps_per_execution_eager_and_dataset():
    import tensorflux as tf

    x, y = _data(40)
    ref, multi = _model(1), _model(4)
    multi.run_eagerly = True
    ref.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(10)
    multi.fit(ds, epochs=1, verbose=0)
    for a, b in zip(ref.get_weights(), multi.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_steps_per_execution_validation(bad):
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="steps_per_execution"):
        m.compile(optimizer="sgd", loss="mse", steps_per_execution=bad)


def test_loss_log_is_sample_weighted_mean_of_batch_losses():
    x, y = _data(5)
    m = _model(1, lr=0.0)
    batch_losses = []
    for sl in (slice(0, 3), slice(3, 5)):
        batch_losses.append(m.evaluate(x[sl], y[sl], verbose=0)[0])
    h = m.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    expected = (3 * batch_losses[0] + 2 * batch_losses[1]) / 5
    np.testing.assert_allclose(h.history["loss"][0], expected, rtol=1e-5)


def test_regularizer_configs_match_keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    real = pytest.importorskip("keras")
    for name, args in [("L1", (0.01,)), ("L1", (0.3,)), ("L2", (0.01,)), ("L1L2", (0.01, 0.02)),
                       ("OrthogonalRegularizer", (0.01,)), ("L1", ()), ("L1L2", ())]:
        ours = getattr(keras.regularizers, name)(*args).get_config()
        theirs = getattr(real.regularizers, name)(*args).get_config()
        assert ours == theirs, (name, args)
    assert keras.regularizers.L1(0.01).get_config() == {"l1": 0.009999999776482582}


def _functional():
    i = keras.Input((4,), name="x")
    a = keras.layers.Dense(3, activation="relu", name="a")(i)
    b = keras.layers.Dense(3, name="b")(i)
    return keras.Model(i, keras.layers.Add(name="sum")([a, b]), name="net")


def test_model_to_dot_edges_and_shapes():
    text = keras.utils.model_to_dot(_functional(), show_shapes=True, show_dtype=True,
                                    show_layer_activations=True).to_string()
    assert text.startswith('digraph "net" {')
    for edge in ('"x" -> "a";', '"x" -> "b";', '"a" -> "sum";', '"b" -> "sum";'):
        assert edge in text
    assert '"a" [label="{a (Dense)\\nActivation: relu|{input: (None, 4) float32|' \
           'output: (None, 3) float32}}"];' in text
    seq = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    assert '-> "d";' in keras.utils.model_to_dot(seq).to_string()


def test_plot_model_writes_dot(tmp_path, monkeypatch):
    m = _functional()
    out = keras.utils.plot_model(m, to_file=str(tmp_path / "m.dot"))
    assert open(out).read() == keras.utils.model_to_dot(m, show_layer_names=False).to_string()
    import shutil

    monkeypatch.setattr(shutil, "which", lambda prog: None)
    with pytest.warns(UserWarning, match="Graphviz"):
        out = keras.utils.plot_model(m, to_file=str(tmp_path / "m.png"))
    assert out.endswith("m.dot") and not (tmp_path / "m.png").exists()
