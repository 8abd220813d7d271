"""Numeric and image preprocessing layers through the shared layer harness (real keras on the
numpy backend as oracle), plus adapt() results and augmentation properties."""

import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.src.layers import preprocessing as P
from tests.keras.harness import (LayerCase, check_config, check_oracle, check_shapes,
                                 check_symbolic, keras_oracle, make_input, run_layer_test)


def _c(cls, kwargs, shape, **kw):
    return LayerCase(cls, kwargs, shape, id=f"{cls.__name__}-{kwargs}", **kw)


CF = "channels_first"
CASES = [
    _c(P.Rescaling, {"scale": 1 / 255.0}, (2, 4, 4, 3)),
    _c(P.Rescaling, {"scale": 2.0, "offset": -1.0}, (3, 5)),
    _c(P.Normalization, {}, (4, 3)),
    _c(P.Normalization, {"axis": None}, (4, 3)),
    _c(P.Normalization, {"mean": [0.5, 1.0, -1.0], "variance": [2.0, 0.5, 1.0]}, (4, 3)),
    _c(P.Normalization, {"mean": 2.0, "variance": 3.0, "invert": True}, (4, 3)),
    _c(P.Normalization, {"axis": (1, 2), "mean": [[1.0, 2.0], [3.0, 4.0]],
                         "variance": [[1.0, 2.0], [3.0, 4.0]]}, (3, 2, 2)),
    _c(P.Discretization, {"bin_boundaries": [-0.5, 0.5], "output_mode": "one_hot"}, (4, 1)),
    _c(P.Discretization, {"bin_boundaries": [-0.5, 0.5], "output_mode": "count"}, (4, 3)),
    _c(P.CategoryEncoding, {"num_tokens": 10}, (4, 3), input_dtype="int32"),
    _c(P.CategoryEncoding, {"num_tokens": 10, "output_mode": "count"}, (4, 3),
       input_dtype="int32"),
    _c(P.CategoryEncoding, {"num_tokens": 10, "output_mode": "one_hot"}, (4, 1),
       input_dtype="int32"),
    _c(P.CategoryEncoding, {"num_tokens": 10, "output_mode": "one_hot"}, (4,),
       input_dtype="int32"),
    _c(P.Resizing, {"height": 4, "width": 5}, (2, 8, 6, 3)),
    _c(P.Resizing, {"height": 3, "width": 3, "crop_to_aspect_ratio": True}, (2, 8, 5, 3)),
    _c(P.Resizing, {"height": 4, "width": 4, "data_format": CF}, (2, 3, 8, 6)),
    _c(P.Resizing, {"height": 12, "width": 10}, (1, 6, 5, 2)),
    _c(P.CenterCrop, {"height": 4, "width": 3}, (2, 8, 6, 3)),
    _c(P.CenterCrop, {"height": 4, "width": 3, "data_format": CF}, (2, 3, 8, 6)),
    _c(P.RandomFlip, {"seed": 1}, (3, 5, 4, 2), random=True),
    _c(P.RandomFlip, {"mode": "horizontal", "seed": 1}, (3, 5, 4, 2), random=True),
    _c(P.RandomRotation, {"factor": 0.2, "seed": 3}, (2, 6, 6, 2), random=True),
    _c(P.RandomZoom, {"height_factor": 0.3, "seed": 3}, (2, 6, 6, 2), random=True),
    _c(P.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.3, "seed": 3},
       (2, 6, 6, 2), random=True),
    _c(P.RandomContrast, {"factor": 0.5, "seed": 3}, (2, 5, 5, 3), random=True),
    _c(P.RandomBrightness, {"factor": 0.2, "seed": 3}, (2, 5, 5, 3), random=True),
]
# A fixed factor makes the augmentation deterministic: training outputs must equal keras's.
FIXED = [
    _c(P.RandomRotation, {"factor": (0.1, 0.1)}, (2, 7, 6, 2)),
    _c(P.RandomRotation, {"factor": (-0.3, -0.3), "fill_mode": "constant",
                          "fill_value": 0.5}, (2, 6, 6, 1)),
    _c(P.RandomRotation, {"factor": (0.2, 0.2), "fill_mode": "wrap",
                          "interpolation": "nearest"}, (1, 6, 5, 2)),
    _c(P.RandomRotation, {"factor": (0.15, 0.15), "fill_mode": "nearest"}, (1, 6, 6, 2)),
    _c(P.RandomZoom, {"height_factor": (0.3, 0.3), "width_factor": (-0.2, -0.2)},
       (2, 6, 7, 2)),
    _c(P.RandomZoom, {"height_factor": (-0.4, -0.4), "data_format": CF}, (1, 2, 6, 6)),
    _c(P.RandomTranslation, {"height_factor": (0.25, 0.25), "width_factor": (-0.2, -0.2)},
       (2, 6, 6, 2)),
    _c(P.RandomBrightness, {"factor": (0.1, 0.1), "value_range": (-1, 1)}, (2, 5, 5, 3)),
    _c(P.RandomFlip, {"mode": "vertical", "seed": 4}, (3, 5, 4, 2), random=True),
]


@pytest.mark.parametrize("case", CASES + FIXED, ids=str)
def test_layer_harness(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran["config"] and ran["outputs"], f"{case}: keras oracle checks did not run"


# Layers whose output is an integer tensor or whose training output has another shape than
# the inference output: the harness's gradient/tf.function checks do not apply; the rest do.
PARTIAL = [
    _c(P.Discretization, {"bin_boundaries": [-0.5, 0.0, 0.5]}, (4, 3), output_dtype="int32"),
    _c(P.RandomCrop, {"height": 3, "width": 4, "seed": 3}, (2, 6, 6, 2), random=True,
       config_ignore=("seed",)),
    _c(P.RandomCrop, {"height": 8, "width": 4, "seed": 3}, (2, 6, 6, 2), random=True,
       config_ignore=("seed",)),
]


@pytest.mark.parametrize("case", PARTIAL, ids=str)
def test_layer_partial_harness(case):
    x = make_input(case)
    layer = case.cls(**case.kwargs)
    y = layer(tf.constant(x))
    check_shapes(case, layer, y)
    keras = keras_oracle()
    if keras is not None:
        assert check_config(case, layer, keras) is not None
        assert check_oracle(case, layer, x, keras)
    traced = tf.function(lambda t: layer(t, training=False))(tf.constant(x))
    np.testing.assert_array_equal(traced.numpy(), layer(x, training=False).numpy())
    if not case.random:
        np.testing.assert_array_equal(tf.function(lambda t: layer(t))(tf.constant(x)).numpy(),
                                      y.numpy())
    check_symbolic(case)


def _keras():
    k = keras_oracle()
    if k is None:
        pytest.skip("real keras (numpy backend) not importable")
    return k


def test_normalization_adapt_matches_keras():
    k = _keras()
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, (40, 4)).astype("float32")
    for axis in (-1, None, (1,)):
        ours, theirs = P.Normalization(axis=axis), k.layers.Normalization(axis=axis)
        ours.adapt(x)
        theirs.adapt(x)
        np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), rtol=1e-5,
                                   atol=1e-5)
    # A batched dataset uses the streaming mean/variance combination.
    ds = tf.data.Dataset.from_tensor_slices(x).batch(7)
    ours = P.Normalization()
    ours.adapt(ds)
    np.testing.assert_allclose(ours.adapt_mean.numpy(), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(ours.adapt_variance.numpy(), x.var(0), rtol=1e-4)
    inv = P.Normalization(mean=ours.adapt_mean.numpy(), variance=ours.adapt_variance.numpy(),
                          invert=True)
    np.testing.assert_allclose(inv(ours(x)).numpy(), x, rtol=1e-4, atol=1e-4)


def test_discretization_adapt_matches_keras():
    _keras()
    from keras.src.layers.preprocessing import discretization as kd  # numpy-only helpers

    x = np.random.default_rng(1).normal(size=(500, 1)).astype("float32")
    want = np.array([[], []], dtype="float32")  # Keras's update_state, batch by batch
    for batch in (x[:128], x[128:]):
        want = kd.merge_summaries(kd.summarize(batch, 0.01), want, 0.01)
    ours = P.Discretization(num_bins=5)
    ours.adapt([x[:128], x[128:]])
    np.testing.assert_allclose(ours.bin_boundaries, kd.get_bin_boundaries(want, 5), rtol=1e-6)
    expect = np.digitize(x, ours.bin_boundaries)
    np.testing.assert_array_equal(ours(x).numpy(), expect)
    ds_layer = P.Discretization(num_bins=4, epsilon=0.05)
    ds_layer.adapt(tf.data.Dataset.from_tensor_slices(x).batch(64))
    want = np.array([[], []], dtype="float32")
    for start in range(0, len(x), 64):
        want = kd.merge_summaries(kd.summarize(x[start:start + 64], 0.05), want, 0.05)
    np.testing.assert_allclose(ds_layer.bin_boundaries, kd.get_bin_boundaries(want, 4),
                               rtol=1e-6)


def test_hashing_matches_tensorflow():
    ref = json.load(open(os.path.join(os.path.dirname(__file__), "tf_reference.json")))
    x = np.array([["apple", "banana"], ["cherry", ""]])
    assert P.Hashing(10)(x).numpy().tolist() == ref["hash10"]
    assert P.Hashing(10, salt=[7, 9])(x).numpy().tolist() == ref["hash10_salt"]
    assert P.Hashing(4, mask_value="")(x).numpy().tolist() == ref["hash4_mask"]
    assert P.Hashing(7)(np.array([[1, 2, 3]])).numpy().tolist() == ref["hash7_int"]
    multi = P.Hashing(5, output_mode="multi_hot")(np.array([["a", "b", "a"]]))
    assert multi.dtype == tf.float32
    assert multi.numpy().tolist() == ref["hash5_multi"]
    cfg = P.Hashing(10, salt=3).get_config()
    assert cfg["salt"] == [3, 3] and cfg["dtype"]["config"]["name"] == "int64"


def test_image_layers_inactive_at_inference_and_seeded():
    x = np.random.default_rng(2).uniform(0, 255, (2, 6, 6, 3)).astype("float32")
    for cls, kw in [(P.RandomFlip, {}), (P.RandomRotation, {"factor": 0.3}),
                    (P.RandomZoom, {"height_factor": 0.3}),
                    (P.RandomTranslation, {"height_factor": 0.3, "width_factor": 0.3}),
                    (P.RandomContrast, {"factor": 0.5}), (P.RandomBrightness, {"factor": 0.3})]:
        np.testing.assert_array_equal(cls(**kw)(x, training=False).numpy(), x)
        a = cls(seed=11, **kw)(x).numpy()
        b = cls(seed=11, **kw)(x).numpy()
        np.testing.assert_array_equal(a, b, err_msg=f"{cls.__name__}: same seed differs")
        assert not np.array_equal(a, x) or cls is P.RandomFlip


def test_random_crop_and_flip_semantics():
    x = np.arange(2 * 6 * 6, dtype="float32").reshape(2, 6, 6, 1)
    y = P.RandomCrop(3, 4, seed=0)(x).numpy()
    found = [(i, j) for i in range(4) for j in range(3)
             if np.array_equal(x[:, i:i + 3, j:j + 4], y)]
    assert len(found) == 1
    flipped = P.RandomFlip("horizontal", seed=1)(x).numpy()
    for img, out in zip(x, flipped):
        assert np.array_equal(out, img) or np.array_equal(out, img[:, ::-1])
    # In a model, predict() runs the augmentation in inference mode (identity).
    model = tf.keras.Sequential([P.RandomFlip(seed=1), P.RandomRotation(0.4, seed=1)])
    np.testing.assert_allclose(model.predict(x, verbose=0), x)


def test_preprocessing_in_dataset_map():
    x = np.random.default_rng(3).uniform(0, 255, (8, 6, 6, 3)).astype("float32")
    rescale, resize = P.Rescaling(1 / 255.0), P.Resizing(3, 3)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(4).map(lambda b: resize(rescale(b)))
    got = np.concatenate([b.numpy() for b in ds])
    np.testing.assert_allclose(got, resize(rescale(x)).numpy(), rtol=1e-6)
