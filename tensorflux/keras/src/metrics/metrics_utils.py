"""Confusion-matrix accumulation shared by the threshold metrics (Keras's metrics_utils)."""

from __future__ import annotations

from enum import Enum

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.losses import squeeze_or_expand_to_same_rank

NEG_INF = -1e10


class ConfusionMatrix(Enum):
    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


class AUCCurve(Enum):
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        for c in AUCCurve:
            if key in (c.value, c.value.lower()):
                return c
        raise ValueError(f'Invalid AUC curve value: "{key}". Expected values are '
                         '["PR", "ROC", "PRGAIN"]')


class AUCSummationMethod(Enum):
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        for c in AUCSummationMethod:
            if key in (c.value, c.value.capitalize()):
                return c
        raise ValueError(f'Invalid AUC summation method value: "{key}". Expected values are '
                         '["interpolation", "majoring", "minoring"]')


def parse_init_thresholds(thresholds, default_threshold=0.5):
    if thresholds is not None:
        listed = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
        bad = [t for t in listed if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    t = default_threshold if thresholds is None else thresholds
    return list(t) if isinstance(t, (list, tuple)) else [t]


def is_evenly_distributed_thresholds(thresholds):
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def _filter_top_k(x, k):
    _, idx = tf.nn.top_k(x, k)
    mask = tf.reduce_sum(tf.one_hot(idx, tf.shape(x)[-1], dtype=x.dtype), axis=-2)
    return x * mask + tf.constant(NEG_INF, x.dtype) * (1 - mask)


def _update_evenly(variables, y_true, y_pred, num_thresholds, multi_label, sample_weight,
                   label_weights, thresholds_with_epsilon):
    """Bucket each prediction once (O(N + T)) instead of comparing it with every threshold."""
    dt = y_pred.dtype
    weights = None
    if sample_weight is not None:
        weights = tf.broadcast_to(tf.cast(sample_weight, dt), tf.shape(y_pred))
    if label_weights is not None:
        lw = tf.broadcast_to(tf.expand_dims(tf.cast(label_weights, dt), 0), tf.shape(y_pred))
        weights = lw if weights is None else weights * lw
    y_pred = tf.clip_by_value(y_pred, tf.constant(0.0, dt), tf.constant(1.0, dt))
    y_true = tf.cast(tf.cast(y_true, tf.bool), dt)
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1 - y_true) if weights is None else (1 - y_true) * weights
    buckets = tf.math.ceil(y_pred * tf.constant(num_thresholds - 1, dt)) - 1
    if thresholds_with_epsilon:
        buckets = tf.nn.relu(buckets)
    buckets = tf.cast(buckets, tf.int32)
    if multi_label:
        num_labels = y_pred.shape[-1]
        offsets = tf.range(num_labels, dtype=tf.int32) * num_thresholds
        ids = tf.reshape(tf.where(buckets >= 0, buckets + offsets, -tf.ones_like(buckets)),
                         [-1])
        segments = num_thresholds * num_labels

        def hist(v):
            h = tf.math.unsorted_segment_sum(tf.reshape(v, [-1]), ids, segments)
            h = tf.reshape(h, [num_labels, num_thresholds])
            return tf.transpose(tf.math.cumsum(h, axis=1, reverse=True))
        total_axis = 0
    else:
        ids = tf.reshape(buckets, [-1])

        def hist(v):
            h = tf.math.unsorted_segment_sum(tf.reshape(v, [-1]), ids, num_thresholds)
            return tf.math.cumsum(h, reverse=True)
        total_axis = None
    tp = hist(true_labels)
    fp = hist(false_labels)
    if ConfusionMatrix.TRUE_POSITIVES in variables:
        variables[ConfusionMatrix.TRUE_POSITIVES].assign_add(tp)
    if ConfusionMatrix.FALSE_POSITIVES in variables:
        variables[ConfusionMatrix.FALSE_POSITIVES].assign_add(fp)
    if ConfusionMatrix.TRUE_NEGATIVES in variables:
        total_false = tf.reduce_sum(tf.reshape(false_labels, [-1, y_pred.shape[-1]])
                                    if multi_label else false_labels, axis=total_axis)
        variables[ConfusionMatrix.TRUE_NEGATIVES].assign_add(total_false - fp)
    if ConfusionMatrix.FALSE_NEGATIVES in variables:
        total_true = tf.reduce_sum(tf.reshape(true_labels, [-1, y_pred.shape[-1]])
                                   if multi_label else true_labels, axis=total_axis)
        variables[ConfusionMatrix.FALSE_NEGATIVES].assign_add(total_true - tp)


def update_confusion_matrix_variables(variables, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, thresholds_distributed_evenly=False):
    """Add this batch's TP/FP/TN/FN counts at each threshold to ``variables``."""
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    if not variables:
        return
    bad = [k for k in variables if k not in list(ConfusionMatrix)]
    if bad:
        raise ValueError(f'Invalid keys: "{bad}". Valid variable key options are: '
                         f'"{list(ConfusionMatrix)}"')
    dt = list(variables.values())[0].dtype
    y_true = tf.cast(tf.convert_to_tensor(y_true), dt)
    y_pred = tf.cast(tf.convert_to_tensor(y_pred), dt)
    thresholds = list(np.asarray(thresholds, dtype=np.float64).tolist())
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = tf.expand_dims(tf.cast(tf.convert_to_tensor(sample_weight), dt), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if thresholds_distributed_evenly:
        eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        return _update_evenly(variables, y_true, y_pred, len(thresholds), multi_label,
                              sample_weight, label_weights, eps)
    thresh = tf.constant(thresholds, dt)
    if multi_label:   # (T, N, L) comparisons
        pred_is_pos = tf.greater(tf.expand_dims(y_pred, 0), tf.reshape(thresh, [-1, 1, 1]))
        label_is_pos = tf.expand_dims(tf.cast(y_true, tf.bool), 0)
        sum_axis = 1
    else:             # (T, N*L) comparisons
        pred_is_pos = tf.greater(tf.reshape(y_pred, [1, -1]), tf.reshape(thresh, [-1, 1]))
        label_is_pos = tf.reshape(tf.cast(y_true, tf.bool), [1, -1])
        sum_axis = 1
    weights = None
    if sample_weight is not None:
        weights = tf.broadcast_to(tf.cast(sample_weight, dt), tf.shape(y_pred))
    if label_weights is not None and not multi_label:
        lw = tf.broadcast_to(tf.expand_dims(tf.cast(label_weights, dt), 0), tf.shape(y_pred))
        weights = lw if weights is None else weights * lw
    if weights is not None:
        weights = tf.expand_dims(weights, 0) if multi_label else tf.reshape(weights, [1, -1])
    cases = {
        ConfusionMatrix.TRUE_POSITIVES: (label_is_pos, pred_is_pos),
        ConfusionMatrix.FALSE_NEGATIVES: (label_is_pos, tf.logical_not(pred_is_pos)),
        ConfusionMatrix.FALSE_POSITIVES: (tf.logical_not(label_is_pos), pred_is_pos),
        ConfusionMatrix.TRUE_NEGATIVES: (tf.logical_not(label_is_pos),
                                         tf.logical_not(pred_is_pos)),
    }
    for key, var in variables.items():
        label, pred = cases[key]
        hit = tf.cast(tf.logical_and(label, pred), dt)
        if weights is not None:
            hit = hit * weights
        var.assign_add(tf.reduce_sum(hit, axis=sum_axis))


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="int64"):
    """``num_classes x num_classes`` counts (rows: labels, columns: predictions)."""
    dtype = tf.as_dtype(dtype)
    labels = tf.cast(labels, tf.int64)
    predictions = tf.cast(predictions, tf.int64)
    labels, predictions = squeeze_or_expand_to_same_rank(labels, predictions)
    values = tf.ones_like(predictions, dtype) if weights is None else tf.cast(weights, dtype)
    ids = labels * num_classes + predictions
    cm = tf.math.unsorted_segment_sum(values, ids, num_classes * num_classes)
    return tf.reshape(cm, [num_classes, num_classes])
