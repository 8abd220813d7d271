"""Gradients, tracing, masks, lookup and serialization of losses and metrics."""

from __future__ import annotations

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras

_GRAD_CASES = [
    (keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, dtype="float64"),
     "categorical"),
    (keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64"), "sparse"),
    (keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64"), "binary"),
    (keras.losses.CategoricalCrossentropy(dtype="float64"), "probs"),
    (keras.losses.Huber(delta=0.5, dtype="float64"), "binary"),
    (keras.losses.LogCosh(dtype="float64"), "binary"),
    (keras.losses.BinaryFocalCrossentropy(from_logits=True, dtype="float64"), "binary"),
]


def _grad_inputs(kind, rng):
    if kind == "sparse":
        return rng.integers(0, 4, 5), rng.normal(size=(5, 4))
    if kind == "categorical":
        return np.eye(4)[rng.integers(0, 4, 5)], rng.normal(size=(5, 4))
    if kind == "probs":
        return np.eye(4)[rng.integers(0, 4, 5)], rng.uniform(0.1, 1.0, (5, 4))
    return rng.integers(0, 2, (5, 4)).astype("float64"), rng.normal(size=(5, 4))


@pytest.mark.parametrize("loss,kind", _GRAD_CASES, ids=lambda x: getattr(x, "name", x))
def test_loss_gradient_matches_finite_differences(loss, kind):
    rng = np.random.default_rng(3)
    y_true, y_pred = _grad_inputs(kind, rng)
    sw = rng.random(5)
    x = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss(y_true, x, sample_weight=sw)
    grad = tape.gradient(value, x).numpy()
    num = np.zeros_like(y_pred)
    h = 1e-6
    for idx in np.ndindex(y_pred.shape):
        d = np.zeros_like(y_pred)
        d[idx] = h
        num[idx] = (loss(y_true, y_pred + d, sample_weight=sw).numpy()
                    - loss(y_true, y_pred - d, sample_weight=sw).numpy()) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-8)


def test_loss_traced_equals_eager_and_unwraps_softmax():
    logits = tf.constant([[30.0, -30.0, 0.0], [1.0, 2.0, 3.0]])
    labels = tf.constant([1, 2])
    loss = keras.losses.SparseCategoricalCrossentropy()
    exact = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    eager = loss(labels, tf.nn.softmax(logits))          # clipped probabilities
    traced = tf.function(lambda y, z: loss(y, tf.nn.softmax(z)))(labels, logits)
    # Traced, the Softmax op's input (the logits) is used, as TensorFlow's Keras does.
    np.testing.assert_allclose(traced.numpy(), exact.numpy(), rtol=1e-6)
    assert eager.numpy() < exact.numpy() - 1.0
    bce = keras.losses.BinaryCrossentropy()
    traced = tf.function(lambda y, z: bce(y, tf.sigmoid(z)))(tf.constant([[1.0, 0.0]]),
                                                              tf.constant([[-40.0, 3.0]]))
    ref = keras.losses.BinaryCrossentropy(from_logits=True)([[1.0, 0.0]], [[-40.0, 3.0]])
    np.testing.assert_allclose(traced.numpy(), ref.numpy(), rtol=1e-6)


def test_keras_mask_on_predictions_reweights_valid_entries():
    y_true = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 5.0]], "float32")
    y_pred = tf.constant(np.zeros((2, 3, 1), "float32"))
    mask = tf.constant([[True, True, False], [True, False, False]])
    y_pred._keras_mask = mask
    per_elem = keras.losses.MeanSquaredError(reduction="none")(y_true[..., None], y_pred)
    assert per_elem.shape == (2, 3)
    value = keras.losses.MeanSquaredError()(y_true[..., None], y_pred)
    np.testing.assert_allclose(value.numpy(), (1 + 4 + 0) / 3, rtol=1e-6)
    m = keras.metrics.MeanSquaredError()
    m.update_state(y_true[..., None], y_pred)
    np.testing.assert_allclose(m.result().numpy(), (1 + 4 + 0) / 3, rtol=1e-6)


def test_get_serialize_deserialize():
    assert keras.losses.get("mse") is keras.losses.mean_squared_error
    assert isinstance(keras.losses.get("CategoricalCrossentropy"),
                      keras.losses.CategoricalCrossentropy)
    assert keras.losses.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        keras.losses.get("no_such_loss")
    cfg = keras.losses.serialize(keras.losses.Huber(delta=2.0, name="h"))
    assert cfg == {"module": "keras.losses", "class_name": "Huber",
                   "config": {"name": "h", "reduction": "sum_over_batch_size"},
                   "registered_name": None}
    assert keras.losses.serialize(keras.losses.mse) == {
        "module": "builtins", "class_name": "function", "config": "mean_squared_error",
        "registered_name": "function"}
    assert keras.losses.deserialize(cfg).name == "h"
    assert keras.losses.deserialize("mae") is keras.losses.mean_absolute_error
    assert isinstance(keras.metrics.get("accuracy"), keras.metrics.Accuracy)
    assert isinstance(keras.metrics.get("auc"), keras.metrics.AUC)
    assert isinstance(keras.metrics.get("mse"), keras.metrics.MeanSquaredError)
    m = keras.metrics.MeanMetricWrapper(keras.losses.huber, name="w", delta=3.0)
    cfg = keras.metrics.serialize(m)
    assert cfg["config"] == {"name": "w", "dtype": "float32", "delta": 3.0, "fn": {
        "module": "builtins", "class_name": "function", "config": "huber",
        "registered_name": "function"}}
    clone = keras.metrics.deserialize(cfg)
    clone.update_state([[0.0]], [[5.0]])
    np.testing.assert_allclose(clone.result().numpy(), 0.5 * 9 + 3 * 2, rtol=1e-6)


def test_metric_state_names_and_unique_names():
    m = keras.metrics.AUC(name="my_auc")
    assert [v.name for v in m.variables] == [
        "my_auc/true_positives:0", "my_auc/false_positives:0", "my_auc/true_negatives:0",
        "my_auc/false_negatives:0"]
    assert all(not v.trainable for v in m.variables)
    assert keras.metrics.Mean().name == keras.metrics.Mean().name == "mean"   # as keras
    a, b = keras.metrics.Precision(), keras.metrics.Precision()   # auto-named: unique
    assert b.name.startswith("precision") and a.name != b.name
    assert keras.metrics.MeanIoU(3).dtype == "int64"


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="reduction"):
        keras.losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        keras.losses.CategoricalCrossentropy()(np.eye(3), np.ones((3, 4)))
    with pytest.raises(ValueError, match="num_thresholds"):
        keras.metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        keras.metrics.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="2D inputs"):
        keras.metrics.F1Score().update_state(np.ones(3), np.ones(3))


def test_lazily_built_metric_inside_tf_function():
    m = keras.metrics.F1Score(average="macro")
    step = tf.function(m.update_state)
    y = np.eye(3, dtype="float32")[[0, 1, 2, 1]]
    step(tf.constant(y), tf.constant(y * 0.9))
    step(tf.constant(y), tf.constant(y[::-1].copy()))
    ref = keras.metrics.F1Score(average="macro")
    ref.update_state(y, y * 0.9)
    ref.update_state(y, y[::-1].copy())
    np.testing.assert_allclose(m.result().numpy(), ref.result().numpy(), rtol=1e-6)
