"""preprocess_input / decode_predictions against the real keras 3 implementation."""

import json
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
rk = pytest.importorskip("keras")

import tensorflux as tf  # noqa: E402
from tensorflux import keras as tk  # noqa: E402
from tensorflux.keras.src.applications import imagenet_utils as ours  # noqa: E402


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format,shape", [("channels_last", (2, 5, 4, 3)),
                                               ("channels_last", (5, 4, 3)),
                                               ("channels_first", (2, 3, 5, 4)),
                                               ("channels_first", (3, 5, 4))])
def test_preprocess_input_matches_keras(mode, data_format, shape):
    x = np.random.default_rng(0).uniform(0, 255, shape).astype(np.float32)
    want = rk.applications.imagenet_utils.preprocess_input(x.copy(), data_format, mode)
    got_np = tk.applications.imagenet_utils.preprocess_input(x.copy(), data_format, mode)
    got_tf = tk.applications.imagenet_utils.preprocess_input(tf.constant(x), data_format, mode)
    assert isinstance(got_np, np.ndarray) and got_np.dtype == np.float32
    np.testing.assert_allclose(got_np, want, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(got_tf.numpy(), want, rtol=1e-6, atol=1e-5)


def test_family_modes_and_uint8_input():
    x = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(1, 2, 2, 3) * 20
    apps = tk.applications
    for mod, real in [(apps.mobilenet_v2, rk.applications.mobilenet_v2),
                      (apps.resnet50, rk.applications.resnet50),
                      (apps.inception_v3, rk.applications.inception_v3),
                      (apps.vgg16, rk.applications.vgg16)]:
        np.testing.assert_allclose(mod.preprocess_input(x.copy()),
                                   real.preprocess_input(x.copy()), rtol=1e-6, atol=1e-5)
    # Hand check: mode "tf" maps 0 -> -1 and 255 -> 1; "caffe" is BGR minus means.
    np.testing.assert_allclose(apps.mobilenet_v2.preprocess_input(np.array([0., 255.])),
                               [-1.0, 1.0])
    np.testing.assert_allclose(apps.vgg16.preprocess_input(np.array([[10., 20., 30.]])),
                               [[30 - 103.939, 20 - 116.779, 10 - 123.68]], rtol=1e-6)


def test_preprocess_input_errors():
    with pytest.raises(ValueError, match="mode to be one of"):
        ours.preprocess_input(np.zeros((1, 2, 2, 3)), mode="bad")
    with pytest.raises(ValueError, match="data_format to be one of"):
        ours.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="NHWC")


@pytest.fixture
def class_index(tmp_path, monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    monkeypatch.setenv(ours.CLASS_INDEX_ENV, str(path))
    monkeypatch.setattr(ours, "CLASS_INDEX", None)
    return index


def test_decode_predictions_matches_keras(class_index, monkeypatch):
    from keras.src.applications import imagenet_utils as real_utils

    monkeypatch.setattr(real_utils, "CLASS_INDEX", class_index)
    preds = np.random.default_rng(1).random((3, 1000)).astype(np.float32)
    want = rk.applications.resnet50.decode_predictions(preds, top=4)
    got = tk.applications.resnet50.decode_predictions(tf.constant(preds), top=4)
    assert got == want
    assert got[0][0][:2] == tuple(class_index[str(int(np.argmax(preds[0])))])


def test_decode_predictions_shape_error(class_index):
    with pytest.raises(ValueError, match=r"shape \(samples, 1000\)"):
        ours.decode_predictions(np.zeros((2, 10)))


def test_class_index_offline_error(tmp_path, monkeypatch):
    monkeypatch.delenv(ours.CLASS_INDEX_ENV, raising=False)
    monkeypatch.setattr(ours, "CLASS_INDEX", None)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    for var in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(OSError, match="Could not download the ImageNet class index.*"
                       "TENSORFLUX_IMAGENET_CLASS_INDEX"):
        ours.decode_predictions(np.zeros((1, 1000)))
