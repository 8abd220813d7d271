"""keras.callbacks.TensorBoard on a real tensorflux Keras model trained with fit(); the logs
are read back with TensorBoard's EventAccumulator."""

import glob
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tests.summary.util import accumulator, values


def _model():
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        keras.layers.Conv2D(2, 3, activation="relu", name="conv"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(3, name="dense")])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def _fit(logdir, epochs=2, **kw):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 6, 6, 1)).astype("float32")
    y = rng.integers(0, 3, 48)
    model = _model()
    cb = keras.callbacks.TensorBoard(str(logdir), **kw)
    hist = model.fit(x, y, batch_size=8, epochs=epochs, validation_data=(x[:16], y[:16]),
                     callbacks=[cb], verbose=0, shuffle=False)
    return model, cb, hist.history


def _scalars(acc, tag):
    steps, vals = values(acc, tag)
    return steps, [float(v) for v in vals]


def test_fit_epoch_mode(tmp_path):
    model, cb, hist = _fit(tmp_path, histogram_freq=1, write_graph=True, write_images=True)
    assert cb._global_train_batch == 0  # update_freq="epoch": batch hooks do nothing
    train = accumulator(str(tmp_path / "train"))
    val = accumulator(str(tmp_path / "validation"))
    tags = set(train.Tags()["tensors"])
    assert not any(t.startswith("batch_") for t in tags)
    for key in ("loss", "accuracy"):
        steps, got = _scalars(train, f"epoch_{key}")
        assert steps == [0, 1]
        np.testing.assert_array_equal(np.float32(got), np.float32(hist[key]))
        steps, got = _scalars(val, f"epoch_{key}")
        np.testing.assert_array_equal(np.float32(got), np.float32(hist[f"val_{key}"]))
    assert _scalars(train, "epoch_learning_rate") == ([0, 1], [np.float32(0.01)] * 2)
    it_steps, _ = _scalars(val, "evaluation_loss_vs_iterations")
    assert it_steps == [6, 12]  # optimizer.iterations after each epoch (48 / 8 batches)
    # one histogram (and image) per weight, named by weight.path; the last one holds the
    # final weights
    for w in model.weights:
        steps, hists = values(train, f"{w.path}/histogram")
        assert steps == [0, 1]
        h = hists[-1]
        v = w.numpy().ravel()
        assert h.shape == (30, 3) and h[:, 2].sum() == v.size
        assert h[0, 0] == pytest.approx(v.min()) and h[-1, 1] == pytest.approx(v.max())
        assert f"{w.path}/image" in tags
    # Keras model config and the train function's graph
    _, cfg = values(train, "keras")
    assert json.loads(cfg[0][0])["class_name"] == "Sequential"
    ops = {n.op for n in train.Graph().node}
    assert {"Conv2D", "MatMul", "Relu"} <= ops
    assert any("Adam" in op or "AssignVariable" in op for op in ops)


def test_fit_batch_mode_and_profile(tmp_path):
    _, cb, hist = _fit(tmp_path, update_freq="batch", profile_batch=(2, 3))
    train = accumulator(str(tmp_path / "train"))
    steps, loss = _scalars(train, "batch_loss")
    assert steps == list(range(1, 13))
    # the running mean at each epoch's last batch is the epoch's loss
    np.testing.assert_array_equal(np.float32([loss[5], loss[11]]), np.float32(hist["loss"]))
    val = accumulator(str(tmp_path / "validation"))
    # Keras 3 writes no batch-level validation summaries
    assert not any(t.startswith("batch_") for t in val.Tags()["tensors"])
    # profile_batch=(2, 3): a graph trace "batch_3" and a profiler run under train/
    md = train.SummaryMetadata("batch_3")
    assert md.plugin_data.plugin_name == "graph_run_metadata_graph"
    runs = glob.glob(os.path.join(str(tmp_path), "train", "plugins", "profile", "*"))
    assert len(runs) == 1 and glob.glob(os.path.join(runs[0], "*.xplane.pb"))


def test_fit_int_update_freq(tmp_path):
    _fit(tmp_path, update_freq=4, epochs=1)
    train = accumulator(str(tmp_path / "train"))
    assert _scalars(train, "batch_loss")[0] == [4]
    assert not tf.summary.experimental.get_step()  # the writer stack was popped
