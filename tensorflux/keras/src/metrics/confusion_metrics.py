"""Threshold metrics: TP/FP/TN/FN counts, Precision, Recall, X-at-Y and AUC."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.metrics import metrics_utils
from tensorflux.keras.src.metrics.metric import Metric
from tensorflux.keras.src.metrics.metrics_utils import ConfusionMatrix as CM

_div = tf.math.divide_no_nan


class _ConfusionMatrixConditionCount(Metric):
    def __init__(self, confusion_matrix_cond, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, 0.5)
        self._thresholds_distributed_evenly = \
            metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),),
                                             initializer="zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        metrics_utils.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator}, y_true, y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight)

    def result(self):
        return self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator.value()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class FalsePositives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(CM.FALSE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(CM.FALSE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(CM.TRUE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


class TruePositives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(CM.TRUE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionRecall(Metric):
    """Precision (``_other`` = false positives) or recall (false negatives)."""

    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default)
        self._thresholds_distributed_evenly = \
            metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        n = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape=n, initializer="zeros",
                                                name="true_positives")
        self._other_var = self.add_variable(shape=n, initializer="zeros", name=self._other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        other = CM.FALSE_POSITIVES if self._other == "false_positives" else CM.FALSE_NEGATIVES
        metrics_utils.update_confusion_matrix_variables(
            {CM.TRUE_POSITIVES: self.true_positives, other: self._other_var}, y_true, y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)

    def result(self):
        tp = self.true_positives.value()
        r = _div(tp, tp + self._other_var.value())
        return r[0] if len(self.thresholds) == 1 else r

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    _other = "false_positives"

    @property
    def false_positives(self):
        return self._other_var


class Recall(_PrecisionRecall):
    _other = "false_negatives"

    @property
    def false_negatives(self):
        return self._other_var


class SensitivitySpecificityBase(Metric):
    """Keeps all four counts at ``num_thresholds`` evenly spaced thresholds."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        n = (len(self.thresholds),)
        for v in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, v, self.add_variable(shape=n, initializer="zeros", name=v))

    def update_state(self, y_true, y_pred, sample_weight=None):
        metrics_utils.update_confusion_matrix_variables(
            {CM.TRUE_POSITIVES: self.true_positives, CM.TRUE_NEGATIVES: self.true_negatives,
             CM.FALSE_POSITIVES: self.false_positives,
             CM.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}

    def _rates(self):
        tp, fp = self.true_positives.value(), self.false_positives.value()
        tn, fn = self.true_negatives.value(), self.false_negatives.value()
        return {"sensitivity": _div(tp, tp + fn), "recall": _div(tp, tp + fn),
                "specificity": _div(tn, tn + fp), "precision": _div(tp, tp + fp)}

    def _find_max_under_constraint(self, constrained, dependent):
        feasible = tf.greater_equal(constrained, tf.constant(self.value, constrained.dtype))
        best = tf.reduce_max(tf.where(feasible, dependent, tf.zeros_like(dependent)))
        return tf.maximum(best, tf.zeros_like(best))

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates[self._constraint], rates[self._target])


class _AtBase(SensitivitySpecificityBase):
    """The best ``_target`` rate over thresholds where ``_constraint`` >= the given value."""

    _constraint = _target = None

    def _init(self, value, num_thresholds, class_id, name, dtype):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._constraint}` must be in the range [0, 1]. "
                             f"Received: {self._constraint}={value}")
        setattr(self, self._constraint, value)
        self.num_thresholds = num_thresholds
        super().__init__(value, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                self._constraint: getattr(self, self._constraint)}


class SensitivityAtSpecificity(_AtBase):
    _constraint, _target = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        self._init(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtBase):
    _constraint, _target = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        self._init(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtBase):
    _constraint, _target = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        self._init(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtBase):
    _constraint, _target = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        self._init(precision, num_thresholds, class_id, name, dtype)


class AUC(Metric):
    """Area under the ROC, PR or PR-gain curve (Riemann sum over thresholds)."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = \
                metrics_utils.is_evenly_distributed_thresholds(
                    np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.curve = curve if isinstance(curve, metrics_utils.AUCCurve) else \
            metrics_utils.AUCCurve.from_str(curve)
        self.summation_method = summation_method \
            if isinstance(summation_method, metrics_utils.AUCSummationMethod) else \
            metrics_utils.AUCSummationMethod.from_str(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else \
            tf.constant(np.asarray(label_weights, dtype=self.dtype))
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found "
                                 f"rank {len(shape)}. Full shape received for `y_pred`: "
                                 f"{shape}")
            self._num_labels = shape[1]
            vshape = (self.num_thresholds, self._num_labels)
        else:
            vshape = (self.num_thresholds,)
        self._build_input_shape = shape
        for v in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, v, self.add_variable(shape=vshape, initializer="zeros", name=v))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred) if not isinstance(y_pred, tf.Tensor) else y_pred
        if not self._built:
            self._build(list(y_pred.shape))
        if self._from_logits:
            y_pred = tf.sigmoid(y_pred)
        metrics_utils.update_confusion_matrix_variables(
            {CM.TRUE_POSITIVES: self.true_positives, CM.TRUE_NEGATIVES: self.true_negatives,
             CM.FALSE_POSITIVES: self.false_positives,
             CM.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)

    def _aggregate(self, per_threshold):
        if not self.multi_label:
            return tf.reduce_sum(per_threshold)
        by_label = tf.reduce_sum(per_threshold, axis=0)
        if self.label_weights is None:
            return tf.reduce_mean(by_label)
        return _div(tf.reduce_sum(by_label * self.label_weights),
                    tf.reduce_sum(self.label_weights))

    def interpolate_pr_auc(self):
        """Davis & Goadrich's interpolation of the PR curve between thresholds."""
        tp, fp, fn = (self.true_positives.value(), self.false_positives.value(),
                      self.false_negatives.value())
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _div(dtp, tf.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = tf.where(tf.logical_and(p[:-1] > 0, p[1:] > 0),
                                _div(p[:-1], tf.maximum(p[1:], 0)), tf.ones_like(p[1:]))
        increment = _div(prec_slope * (dtp + intercept * tf.math.log(safe_p_ratio)),
                         tf.maximum(tp[1:] + fn[1:], 0))
        return self._aggregate(increment)

    def result(self):
        if self.curve == metrics_utils.AUCCurve.PR and \
                self.summation_method == metrics_utils.AUCSummationMethod.INTERPOLATION:
            return self.interpolate_pr_auc()
        tp, fp = self.true_positives.value(), self.false_positives.value()
        tn, fn = self.true_negatives.value(), self.false_negatives.value()
        recall = _div(tp, tp + fn)
        if self.curve == metrics_utils.AUCCurve.ROC:
            x, y = _div(fp, fp + tn), recall
        elif self.curve == metrics_utils.AUCCurve.PR:
            x, y = recall, _div(tp, tp + fp)
        else:
            scale = _div(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * _div(fn, tp)
            precision_gain = 1.0 - scale * _div(fp, tp)
            no_tp = tf.equal(tp, 0.0)
            recall_gain = tf.where(no_tp, tf.zeros_like(tp), recall_gain)
            precision_gain = tf.where(no_tp, tf.ones_like(tp), precision_gain)
            x, y = tf.maximum(recall_gain, 0.0), precision_gain
        if self.summation_method == metrics_utils.AUCSummationMethod.INTERPOLATION:
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == metrics_utils.AUCSummationMethod.MINORING:
            heights = tf.minimum(y[:-1], y[1:])
        else:
            heights = tf.maximum(y[:-1], y[1:])
        return self._aggregate((x[:-1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        lw = self.label_weights
        config = {"num_thresholds": self.num_thresholds, "curve": self.curve.value,
                  "summation_method": self.summation_method.value,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if lw is None else np.asarray(lw).tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
