"""Regression, hinge and probabilistic metrics (means of the loss functions) and R2Score."""

from __future__ import annotations

import warnings

import tensorflux as tf
from tensorflux.keras.src import losses
from tensorflux.keras.src.losses import (
    _builtin, l2_normalize, squeeze_or_expand_to_same_rank, to_tensor)
from tensorflux.keras.src.metrics.accuracy_metrics import _Wrapper
from tensorflux.keras.src.metrics.metric import Metric
from tensorflux.keras.src.metrics.reduction_metrics import Mean


@_builtin
def cosine_similarity(y_true, y_pred, axis=-1):
    """The metric's cosine similarity (positive; the loss is its negative)."""
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return tf.reduce_sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def _wrapper(cls_name, fn, default_name, direction="down", fn_kwargs=(), saved=None):
    """A ``MeanMetricWrapper`` class ``cls_name(name=default_name, dtype=None, **fn_kwargs)``.

    ``saved`` lists the keyword arguments that ``get_config`` records (default: all).
    """
    keys = dict(fn_kwargs)

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(keys)
        if unknown:
            raise TypeError(f"{cls_name}() got unexpected keyword arguments {sorted(unknown)}")
        fn_kwargs = {k: kwargs.get(k, d) for k, d in keys.items()}
        _Wrapper.__init__(self, fn, name=name, dtype=dtype, **fn_kwargs)
        for k, v in fn_kwargs.items():
            setattr(self, k, v)
        self._direction = direction

    return type(cls_name, (_Wrapper,), {
        "__init__": __init__, "_config_keys": tuple(keys if saved is None else saved),
        "__module__": __name__, "__doc__": f"The mean of ``{fn.__name__}`` over the samples."})


MeanSquaredError = _wrapper("MeanSquaredError", losses.mean_squared_error,
                            "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", losses.mean_absolute_error,
                             "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError",
                                       losses.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError",
                                       losses.mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity", "up",
                            fn_kwargs=(("axis", -1),), saved=())
LogCoshError = _wrapper("LogCoshError", losses.log_cosh, "logcosh")
Hinge = _wrapper("Hinge", losses.hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", losses.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper("CategoricalHinge", losses.categorical_hinge, "categorical_hinge")
KLDivergence = _wrapper("KLDivergence", losses.kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", losses.poisson, "poisson")
BinaryCrossentropy = _wrapper(
    "BinaryCrossentropy", losses.binary_crossentropy, "binary_crossentropy",
    fn_kwargs=(("from_logits", False), ("label_smoothing", 0)))
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", losses.categorical_crossentropy, "categorical_crossentropy",
    fn_kwargs=(("from_logits", False), ("label_smoothing", 0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    fn_kwargs=(("from_logits", False), ("ignore_class", None), ("axis", -1)))


class RootMeanSquaredError(Mean):
    """The square root of the (weighted) mean squared error."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(tf.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return tf.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination, per output or aggregated (optionally adjusted)."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim), "
                             "with output_dim fully defined (not None). Received input "
                             f"shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        n = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(name="squared_sum", shape=n, initializer="zeros")
        self.sum = self.add_variable(name="sum", shape=n, initializer="zeros")
        self.total_mse = self.add_variable(name="residual", shape=n, initializer="zeros")
        self.count = self.add_variable(name="count", shape=n, initializer="zeros")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true, self.dtype)
        y_pred = to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        sample_weight = to_tensor(1.0 if sample_weight is None else sample_weight, self.dtype)
        if len(sample_weight.shape) == 1:
            sample_weight = tf.expand_dims(sample_weight, 1)
        sample_weight = tf.broadcast_to(sample_weight, tf.shape(y_true))
        weighted_y_true = y_true * sample_weight
        self.sum.assign_add(tf.reduce_sum(weighted_y_true, axis=0))
        self.squared_sum.assign_add(tf.reduce_sum(y_true * weighted_y_true, axis=0))
        self.total_mse.assign_add(tf.reduce_sum(tf.square(y_true - y_pred) * sample_weight,
                                                axis=0))
        self.count.assign_add(tf.reduce_sum(sample_weight, axis=0))
        self.num_samples.assign_add(tf.cast(tf.size(y_true), self.num_samples.dtype))

    def result(self):
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - self.total_mse / total
        raw_scores = tf.where(tf.math.is_inf(raw_scores), tf.zeros_like(raw_scores), raw_scores)
        if self.class_aggregation == "uniform_average":
            r2 = tf.reduce_mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = tf.reduce_sum(total * raw_scores) / tf.reduce_sum(total)
        else:
            r2 = raw_scores
        if self.num_regressors == 0:
            return r2
        n = self.num_samples.value()
        p = tf.constant(float(self.num_regressors), n.dtype)
        adjusted = 1 - (1 - r2) * (n - 1) / (n - p - 1)
        ok = p < n - 1
        if _is_eager(n) and not bool(ok):
            warnings.warn("More independent predictors than datapoints in adjusted R2 "
                          "score. Falling back to standard R2 score." if bool(p > n - 1) else
                          "Division by zero in Adjusted R2 score. Falling back to "
                          "standard R2 score.", stacklevel=2)
        return tf.where(ok, adjusted, r2)

    def reset_state(self):
        for v in self.variables:
            v.assign(tf.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"class_aggregation": self.class_aggregation,
                       "num_regressors": self.num_regressors})
        return config


def _is_eager(t):
    return hasattr(t, "_value")
