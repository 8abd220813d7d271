"""Intersection-over-union metrics over an accumulated confusion matrix."""

from __future__ import annotations

import warnings

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.losses import to_tensor
from tensorflux.keras.src.metrics.metric import Metric
from tensorflux.keras.src.metrics.metrics_utils import confusion_matrix


class _IoUBase(Metric):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(name="total_confusion_matrix",
                                          shape=(num_classes, num_classes),
                                          initializer="zeros", dtype=self.dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.sparse_y_true:
            y_true = tf.argmax(to_tensor(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = tf.argmax(to_tensor(y_pred), axis=self.axis)
        dt = tf.as_dtype(self.dtype)
        y_true = tf.reshape(to_tensor(y_true, dt), [-1])
        y_pred = tf.reshape(to_tensor(y_pred, dt), [-1])
        if sample_weight is None:
            sample_weight = 1
        elif "float" in str(getattr(sample_weight, "dtype", "")) and "int" in self.dtype:
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                          "result in an incorrect weight due to type casting Consider using "
                          "integer weights.", stacklevel=2)
        sample_weight = tf.reshape(to_tensor(sample_weight, dt), [-1]) \
            if not isinstance(sample_weight, int) else tf.constant(sample_weight, dt)
        sample_weight = tf.broadcast_to(sample_weight, tf.shape(y_true))
        n = tf.constant(self.num_classes, dt)
        zero = tf.zeros_like(y_true)
        in_bounds = (tf.logical_and(tf.logical_and(y_true >= zero, y_true < n),
                                    tf.logical_and(y_pred >= zero, y_pred < n)))
        if self.ignore_class is not None:
            in_bounds = tf.logical_and(in_bounds, tf.not_equal(
                y_true, tf.constant(self.ignore_class, dt)))
        y_true = tf.where(in_bounds, y_true, zero)
        y_pred = tf.where(in_bounds, y_pred, zero)
        sample_weight = tf.where(in_bounds, sample_weight, tf.zeros_like(sample_weight))
        cm = confusion_matrix(y_true, y_pred, self.num_classes, weights=sample_weight,
                              dtype=dt)
        return self.total_cm.assign_add(cm)

    def reset_state(self):
        self.total_cm.assign(tf.zeros(self.total_cm.shape, dtype=self.total_cm.dtype))


class IoU(_IoUBase):
    """Mean IoU over ``target_class_ids`` (classes absent from both sides are skipped)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis,
                         dtype=dtype)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = tf.cast(self.total_cm.value(), tf.float32)
        tp = tf.linalg.diag_part(cm)
        denominator = tf.reduce_sum(cm, axis=0) + tf.reduce_sum(cm, axis=1) - tp
        ids = tf.constant(self.target_class_ids, tf.int32)
        tp = tf.gather(tp, ids)
        denominator = tf.gather(denominator, ids)
        valid = tf.greater(denominator, 1e-9)
        num_valid = tf.reduce_sum(tf.cast(valid, tf.float32))
        iou = tp / (denominator + backend.epsilon())
        iou = tf.where(valid, iou, tf.zeros_like(iou))
        return tf.reduce_sum(iou, axis=self.axis) / (num_valid + backend.epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of thresholded binary predictions."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, tf.float32)
        y_pred = tf.cast(y_pred >= self.threshold, tf.as_dtype(self.dtype))
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes,
                         target_class_ids=list(range(num_classes)), axis=axis, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU with one-hot ``y_true`` (and, by default, per-class scores as ``y_pred``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids,
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot ``y_true``."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, axis=axis, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
