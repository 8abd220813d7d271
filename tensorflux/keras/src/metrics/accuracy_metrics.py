"""Accuracy metrics and their per-sample functions (Keras 3 semantics)."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.losses import _builtin, squeeze_or_expand_to_same_rank, to_tensor
from tensorflux.keras.src.metrics.reduction_metrics import MeanMetricWrapper


def _floatx():
    return tf.as_dtype(backend.floatx())


@_builtin
def accuracy(y_true, y_pred):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return tf.cast(tf.equal(y_true, y_pred), _floatx())


@_builtin
def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = tf.cast(tf.greater(y_pred, tf.cast(threshold, y_pred.dtype)), y_true.dtype)
    return tf.cast(tf.equal(y_true, y_pred), _floatx())


def _match(y_true, y_pred_labels, reshape_to):
    if y_pred_labels.dtype != y_true.dtype:
        y_pred_labels = tf.cast(y_pred_labels, y_true.dtype)
    matches = tf.cast(tf.equal(y_true, y_pred_labels), _floatx())
    if reshape_to is not None:
        matches = tf.reshape(matches, reshape_to)
    return matches


@_builtin
def categorical_accuracy(y_true, y_pred):
    y_true = tf.argmax(to_tensor(y_true), axis=-1)
    y_pred = to_tensor(y_pred)
    y_true = tf.cast(y_true, y_pred.dtype)
    reshape_to = None
    if len(y_true.shape) == len(y_pred.shape):
        reshape_to = tf.shape(y_true)
        y_true = tf.squeeze(y_true, -1)
    return _match(y_true, tf.argmax(y_pred, axis=-1), reshape_to)


@_builtin
def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    reshape_to = None
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        reshape_to = tf.shape(y_true)
        y_true = tf.squeeze(y_true, -1)
    matches = _match(y_true, tf.argmax(y_pred, axis=-1), reshape_to)
    if len(matches.shape) > 1 and matches.shape[-1] == 1:
        matches = tf.squeeze(matches, -1)
    return matches


def _in_top_k(y_true, y_pred, k, from_sorted_ids=False):
    """Flatten to 2-D predictions / 1-D targets, test membership, restore y_true's shape."""
    y_true_shape = None
    if len(y_pred.shape) > 2:
        y_pred = tf.reshape(y_pred, [-1, y_pred.shape[-1]])
    if len(y_true.shape) > 1:
        y_true_shape = tf.shape(y_true)
        y_true = tf.reshape(y_true, [-1])
    if from_sorted_ids:
        matches = tf.reduce_any(tf.equal(tf.expand_dims(y_true, 1), y_pred[:, :k]), axis=1)
    else:
        matches = tf.nn.in_top_k(y_true, y_pred, k)
    matches = tf.cast(matches, _floatx())
    return matches if y_true_shape is None else tf.reshape(matches, y_true_shape)


@_builtin
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = to_tensor(y_pred)
    y_true = tf.cast(tf.argmax(to_tensor(y_true, y_pred.dtype), axis=-1), tf.int32)
    return _in_top_k(y_true, y_pred, k)


@_builtin
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype if from_sorted_ids else tf.int32)
    return _in_top_k(y_true, y_pred, k, from_sorted_ids)


class _Wrapper(MeanMetricWrapper):
    """A ``MeanMetricWrapper`` whose config is name, dtype and the listed attributes."""

    _config_keys = ()
    _direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config


class Accuracy(_Wrapper):
    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_Wrapper):
    _config_keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_Wrapper):
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_Wrapper):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_Wrapper):
    _config_keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_Wrapper):
    _config_keys = ("k",)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = super().get_config()
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
