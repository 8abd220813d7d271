"""keras.applications vs the real keras 3 (numpy backend): same layers/names/params, same
outputs for the same weights, and Keras weight files load (``weights=<path>``)."""

import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
rk = pytest.importorskip("keras")

from tensorflux import keras as tk  # noqa: E402

slow = pytest.mark.slow


def _summary(model):
    return [(lay.name, type(lay).__name__, lay.count_params(), tuple(lay.output.shape))
            for lay in model.layers]


def _named(rows):
    """Auto-generated names ("conv2d_7") depend on session counters: drop the counter."""
    return [(re.sub(r"_\d+$", "", r[0]),) + r[1:] for r in rows]


CASES = [
    ("MobileNetV2", {}),
    ("MobileNetV2", {"alpha": 0.35, "include_top": False, "input_shape": (96, 96, 3)}),
    ("MobileNetV2", {"alpha": 1.4, "include_top": False, "input_shape": (64, 80, 3),
                     "pooling": "max"}),
    pytest.param("ResNet50", {}, marks=slow),
    pytest.param("ResNet50", {"include_top": False, "pooling": "avg"}, marks=slow),
    pytest.param("InceptionV3", {}, marks=slow),
    ("VGG16", {"include_top": False, "pooling": "max"}),
    pytest.param("VGG16", {"input_shape": (32, 32, 3), "classes": 10}, marks=slow),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_architecture_matches_keras(name, kwargs):
    real = getattr(rk.applications, name)(weights=None, **kwargs)
    ours = getattr(tk.applications, name)(weights=None, **kwargs)
    assert ours.name == real.name
    assert ours.count_params() == real.count_params()
    assert _named(_summary(ours)) == _named(_summary(real))
    # Weight order and shapes (what get_weights/set_weights and legacy .h5 files rely on).
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in real.weights]
    assert len(ours.trainable_weights) == len(real.trainable_weights)


def _random_weights(model, seed=0):
    """Fan-in scaled kernels; 1-D weights in [0.5, 1] (keeps BN variances positive)."""
    rng = np.random.default_rng(seed)
    out = []
    for w in model.get_weights():
        if w.ndim == 1:
            out.append(rng.uniform(0.5, 1.0, w.shape).astype(np.float32))
        else:
            std = 1.0 / np.sqrt(np.prod(w.shape[:-1]))
            out.append(rng.normal(0, std, w.shape).astype(np.float32))
    return out


def _copy_and_compare(real, ours, x, atol):
    ws = _random_weights(real)
    real.set_weights(ws)
    ours.set_weights(ws)
    want = np.asarray(real.predict(x, verbose=0))
    got = ours(x, training=False).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=atol)
    return got


def test_mobilenet_v2_outputs_match_keras():
    kw = dict(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=7)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    out = _copy_and_compare(rk.applications.MobileNetV2(**kw), tk.applications.MobileNetV2(**kw),
                            x, 1e-5)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


@slow
def test_resnet50_outputs_match_keras():
    kw = dict(input_shape=(32, 32, 3), include_top=False, pooling="avg", weights=None)
    x = np.random.default_rng(2).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    _copy_and_compare(rk.applications.ResNet50(**kw), tk.applications.ResNet50(**kw), x, 1e-4)


@slow
def test_inception_v3_outputs_match_keras():
    kw = dict(input_shape=(75, 75, 3), include_top=False, pooling="avg", weights=None)
    x = np.random.default_rng(3).uniform(-1, 1, (1, 75, 75, 3)).astype(np.float32)
    _copy_and_compare(rk.applications.InceptionV3(**kw), tk.applications.InceptionV3(**kw), x,
                      1e-4)


@slow
def test_vgg16_outputs_match_keras():
    kw = dict(input_shape=(32, 32, 3), include_top=True, classes=5, weights=None,
              classifier_activation=None)
    x = np.random.default_rng(4).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    x = tk.applications.vgg16.preprocess_input(x)
    real, ours = rk.applications.VGG16(**kw), tk.applications.VGG16(**kw)
    ws = [np.random.default_rng(i).normal(0, 0.02, w.shape).astype(np.float32)
          for i, w in enumerate(real.get_weights())]
    real.set_weights(ws)
    ours.set_weights(ws)
    np.testing.assert_allclose(ours(x).numpy(), real.predict(x, verbose=0), rtol=1e-3,
                               atol=1e-4)


@pytest.mark.parametrize("suffix", [pytest.param(".weights.h5", marks=slow), ".h5"])
def test_weights_file_written_by_keras_loads(tmp_path, suffix):
    """``weights=<path>``: a file saved by real keras (Keras 3 or legacy layout)."""
    kw = dict(input_shape=(32, 32, 3), alpha=0.5, classes=4)
    real = rk.applications.MobileNetV2(weights=None, **kw)
    rng = np.random.default_rng(5)
    real.set_weights([np.abs(rng.normal(0.5, 0.1, w.shape)).astype(np.float32)
                      for w in real.get_weights()])
    path = str(tmp_path / f"mnv2{suffix}")
    if suffix == ".h5":
        from keras.src.legacy.saving import legacy_h5_format

        import h5py

        with h5py.File(path, "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, real)
    else:
        real.save_weights(path)
    ours = tk.applications.MobileNetV2(weights=path, **kw)
    for a, b in zip(ours.get_weights(), real.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(6).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(ours.predict(x, verbose=0), real.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-6)


def test_tf_function_matches_eager():
    import tensorflux as tf

    model = tk.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None,
                                        classes=5)
    x = tf.constant(np.random.default_rng(10).normal(size=(2, 32, 32, 3)).astype(np.float32))
    f = tf.function(lambda a: model(a, training=False))
    np.testing.assert_allclose(f(x).numpy(), model(x, training=False).numpy(), rtol=1e-5,
                               atol=1e-6)


def test_input_tensor_and_feature_extractor():
    inp = tk.Input((48, 48, 3))
    base = tk.applications.MobileNetV2(input_tensor=inp, include_top=False, weights=None,
                                       alpha=0.35)
    assert base.inputs[0] is inp and base.output.shape == (None, 2, 2, 1280)
    base.trainable = False
    out = tk.layers.Dense(3)(tk.layers.GlobalAveragePooling2D()(base.output))
    model = tk.Model(inp, out)
    assert len(model.trainable_weights) == 2
    assert model(np.zeros((1, 48, 48, 3), np.float32)).shape == (1, 3)


def test_argument_errors():
    with pytest.raises(ValueError, match="`weights` argument should be"):
        tk.applications.ResNet50(weights="no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        tk.applications.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="at least 75x75"):
        tk.applications.InceptionV3(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="static `input_shape`"):
        tk.applications.ResNet50(weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="alpha must be one of"):
        tk.applications.MobileNetV2(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="Only `None` and `softmax`"):
        tk.applications.MobileNetV2(weights="imagenet", classifier_activation="relu")


def test_imagenet_weights_offline_error(tmp_path, monkeypatch):
    """'imagenet' goes through get_file; with no network the error says what to do."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # discard port: connection refused
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(OSError, match="Could not download MobileNetV2 ImageNet weights from "
                       r"https://storage.googleapis.com/.*mobilenet_v2_weights_tf_dim_ordering"
                       r"_tf_kernels_0.35_96_no_top.h5.*weights=<path"):
        tk.applications.MobileNetV2(weights="imagenet", alpha=0.35, include_top=False,
                                    input_shape=(96, 96, 3))
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_relu_on_strided_input():
    """Regression: the depthwise conv output is a strided view; Relu must still read it."""
    import tensorflux as tf

    x = np.random.default_rng(7).normal(size=(2, 6, 6, 4)).astype(np.float32)
    k = np.random.default_rng(8).normal(size=(3, 3, 4, 1)).astype(np.float32)
    y = tf.nn.depthwise_conv2d(x, k, [1, 1, 1, 1], "SAME")
    np.testing.assert_array_equal(tf.nn.relu(y).numpy(), np.maximum(y.numpy(), 0))


@pytest.mark.parametrize("strides,dil,pad,mult", [(1, 1, "SAME", 1), (2, 1, "VALID", 1),
                                                  (2, 1, "SAME", 2), (1, 2, "SAME", 1)])
def test_depthwise_kernel_against_direct_sum(strides, dil, pad, mult):
    """The depthwise kernel (MobileNetV2's hot spot) against a direct windowed sum."""
    import tensorflux as tf

    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 9, 8, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3, 3, mult)).astype(np.float32)
    ek = 2 * dil + 1
    if pad == "SAME":
        oh, ow = -(-9 // strides), -(-8 // strides)
        ph, pw = max((oh - 1) * strides + ek - 9, 0), max((ow - 1) * strides + ek - 8, 0)
        xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow, xp = (9 - ek) // strides + 1, (8 - ek) // strides + 1, x
    want = np.zeros((2, oh, ow, 3 * mult), np.float32)
    for a in range(oh):
        for b in range(ow):
            patch = xp[:, a * strides:a * strides + ek:dil, b * strides:b * strides + ek:dil]
            want[:, a, b] = np.einsum("nijc,ijcm->ncm", patch, w).reshape(2, -1)
    got = tf.nn.depthwise_conv2d(x, w, [1, strides, strides, 1], pad, dilations=[dil, dil])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
