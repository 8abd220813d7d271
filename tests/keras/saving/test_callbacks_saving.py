"""Callbacks that write model files: ModelCheckpoint (.keras / .weights.h5) and
BackupAndRestore (resuming an interrupted fit)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tensorflux import keras

X = np.random.RandomState(0).rand(16, 4).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")).astype("float32")


def _model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="relu"),
                          keras.layers.Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    return m


def test_model_checkpoint_files_load(tmp_path):
    m = _model()
    tmpl = str(tmp_path / "ckpt-{epoch:02d}.keras")
    wpath = str(tmp_path / "best.weights.h5")
    cbs = [keras.callbacks.ModelCheckpoint(tmpl),
           keras.callbacks.ModelCheckpoint(wpath, monitor="loss", save_best_only=True,
                                           save_weights_only=True)]
    m.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=cbs, shuffle=False)
    names = sorted(f for f in os.listdir(tmp_path) if f.endswith(".keras"))
    assert names == ["ckpt-01.keras", "ckpt-02.keras", "ckpt-03.keras"]
    last = keras.models.load_model(str(tmp_path / "ckpt-03.keras"))
    np.testing.assert_array_equal(last.predict(X, verbose=0), m.predict(X, verbose=0))
    assert int(last.optimizer.iterations.numpy()) == 6
    first = keras.models.load_model(str(tmp_path / "ckpt-01.keras"))
    assert int(first.optimizer.iterations.numpy()) == 2
    fresh = _model()
    fresh.load_weights(wpath)   # loss decreases every epoch here, so "best" = last
    np.testing.assert_array_equal(fresh.predict(X, verbose=0), m.predict(X, verbose=0))


def test_backup_and_restore_resumes(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("interrupted")

    backup = str(tmp_path / "backup")
    ref = _model()
    m = _model()
    m.set_weights(ref.get_weights())
    ref.fit(X, Y, epochs=4, batch_size=8, verbose=0, shuffle=False)
    with pytest.raises(RuntimeError, match="interrupted"):
        m.fit(X, Y, epochs=4, batch_size=8, verbose=0, shuffle=False,
              callbacks=[keras.callbacks.BackupAndRestore(backup), Interrupt()])
    resumed = _model()
    hist = resumed.fit(X, Y, epochs=4, batch_size=8, verbose=0, shuffle=False,
                       callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert len(hist.history["loss"]) == 2   # epochs 3 and 4 only
    np.testing.assert_allclose(resumed.predict(X, verbose=0), ref.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
