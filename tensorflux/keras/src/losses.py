"""Keras 3 losses (``keras.losses``): ``Loss`` base, reductions, loss classes and functions.

Math, names, defaults and configs follow Keras 3.15 with its TensorFlow backend (fused
softmax/sigmoid cross-entropy ops for logits; a traced ``Softmax``/``Sigmoid`` output is
unwrapped to its logits, as TensorFlow's Keras does).
"""

from __future__ import annotations

import inspect
import re
import warnings

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.saving import serialization_lib

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


# --- small helpers shared with the metrics ------------------------------------------------

def to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(class_name):
    """``mean``, ``mean_1``, ... (Keras's ``auto_name``; shares the layers' name counters)."""
    return backend.unique_object_name(to_snake_case(class_name))


def standardize_dtype(dtype):
    """A dtype name from a string, ``tf.DType`` or a dtype policy (its compute dtype)."""
    dtype = getattr(dtype, "compute_dtype", dtype)
    return backend.standardize_dtype(dtype)


def to_tensor(x, dtype=None):
    """``x`` as a tensor of ``dtype`` (cast when it already is a tensor of another dtype)."""
    if isinstance(x, tf.Tensor) or getattr(x, "_is_variable", False):
        if dtype is None:
            return x.value() if getattr(x, "_is_variable", False) else x
        dtype = tf.as_dtype(dtype)
        if x.dtype == dtype:
            return x.value() if getattr(x, "_is_variable", False) else x
        return tf.cast(x, dtype)
    if dtype is None:
        return tf.convert_to_tensor(x)
    dtype = tf.as_dtype(dtype)
    return tf.constant(np.asarray(x).astype(dtype.as_numpy_dtype, copy=False))


def get_keras_mask(x):
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x, mask):
    try:
        x._keras_mask = mask
    except AttributeError:   # a tensor type without the slot: the mask is dropped
        pass


def _rank(x):
    return len(x.shape)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze/expand the last dim when the ranks differ by exactly one (Keras's rule)."""
    r1, r2 = _rank(x1), _rank(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = tf.expand_dims(x2, -1)
        else:
            x1 = tf.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = tf.expand_dims(x1, -1)
        else:
            x2 = tf.squeeze(x2, -1)
    return x1, x2


def _num_elements(x, dtype):
    n = x.shape.num_elements() if x.shape.rank is not None else None
    if n is not None:
        return tf.constant(n, dtype=dtype)
    return tf.cast(tf.size(x), dtype)


def _eps(dtype):
    return tf.constant(backend.epsilon(), dtype=dtype)


def _const(v, dtype):
    return tf.constant(v, dtype=dtype)


def serialize_function(fn, module="builtins"):
    """Keras's config of a built-in loss function (``"class_name": "function"``)."""
    if getattr(fn, "_keras_loss_builtin", False):
        return {"module": module, "class_name": "function", "config": fn.__name__,
                "registered_name": "function"}
    return serialization_lib.serialize_keras_object(fn)


def serialize_value(value):
    """Config of a function (see :func:`serialize_function`) or of any other Keras object."""
    if inspect.isfunction(value):
        return serialize_function(value)
    return serialization_lib.serialize_keras_object(value)


def serialize_kwargs(kwargs):
    return {k: serialize_value(v) for k, v in kwargs.items()}


# --- reduction ----------------------------------------------------------------------------

def standardize_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError("Invalid value for argument `reduction`. Expected one of "
                         f"{set(_REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def _mean_is_exact(values, sample_weight, reduction):
    """True when ``sum(values) / size`` (Keras's divide_no_nan form) equals one fused ``Mean``
    bit for bit: a rank-1 float32/float64 tensor of static, nonzero length, divided by its
    element count (NumPy's mean sums the same way and divides once)."""
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return False
    if reduction not in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        return False
    return (values.shape.rank == 1 and bool(values.shape[0])
            and values.dtype in (tf.float32, tf.float64))


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    if reduction is None or reduction == "none" or values.shape.rank == 0 or \
            tuple(values.shape) == (0,):
        return values
    if _mean_is_exact(values, sample_weight, reduction):
        return tf.reduce_mean(values)
    loss = tf.reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = tf.cast(tf.reduce_sum(sample_weight), loss.dtype)
        else:
            divisor = _num_elements(values, loss.dtype)
        loss = tf.math.divide_no_nan(loss, divisor)
    return loss


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a Keras mask into the sample weights (valid entries reweighted by total/valid)."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = _num_elements(mask, dtype)
        valid = tf.reduce_sum(tf.cast(mask, dtype))
        mask_weight = tf.math.divide_no_nan(total, valid)
        float_mask = tf.where(tf.cast(mask, tf.bool), mask_weight, tf.zeros_like(mask_weight))
    else:
        float_mask = tf.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = tf.cast(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    reduction = standardize_reduction(reduction)
    values = to_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype)
    if mask is not None:
        mask = to_tensor(mask, dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = tf.cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# --- base classes -------------------------------------------------------------------------

class Loss:
    """Loss base class: subclasses implement ``call(y_true, y_pred)`` (per-sample losses)."""

    _keras_module = "keras.losses"

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = standardize_dtype(dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = get_keras_mask(y_pred)
        with tf.name_scope(self.name):
            y_pred = tf.nest.map_structure(lambda x: to_tensor(x, self.dtype), y_pred)
            y_true = tf.nest.map_structure(self._labels_to_tensor, y_true)
            losses = self.call(y_true, y_pred)
            out_mask = get_keras_mask(losses)
            if in_mask is not None and out_mask is not None:
                mask = tf.logical_and(tf.cast(in_mask, tf.bool), tf.cast(out_mask, tf.bool))
            else:
                mask = in_mask if in_mask is not None else out_mask
            return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                          reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError("Loss subclasses must implement `call(y_true, y_pred)`.")

    _int_labels = False   # True: integer labels skip the float round trip (sparse losses)

    def _labels_to_tensor(self, x):
        """``y_true`` in the loss dtype, like Keras; integer class ids of a sparse loss stay
        integers (Keras casts them to float and back: equal below 2**24, two Casts less)."""
        dtype = getattr(x, "dtype", None)
        if self._int_labels and dtype is not None and \
                np.dtype(getattr(dtype, "as_numpy_dtype", dtype)).kind in "iu":
            return to_tensor(x)
        return to_tensor(x, self.dtype)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` calling ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    @property
    def _int_labels(self):
        return getattr(self.fn, "_keras_int_labels", False)

    def call(self, y_true, y_pred):
        if isinstance(y_true, tf.Tensor) and isinstance(y_pred, tf.Tensor):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_function(self.fn)
        config.update(serialize_kwargs(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (dict, str)):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class Reduction:
    """Legacy ``tf.keras.losses.Reduction`` constants."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


# --- functional forms ---------------------------------------------------------------------

def _builtin(fn):
    fn._keras_loss_builtin = True
    return fn


def _pred_true(y_true, y_pred, same_rank=True):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    if same_rank:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


@_builtin
def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred)
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


@_builtin
def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred)
    return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)


@_builtin
def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred)
    diff = tf.abs((y_true - y_pred) / tf.maximum(tf.abs(y_true), _eps(y_pred.dtype)))
    return _const(100.0, y_pred.dtype) * tf.reduce_mean(diff, axis=-1)


@_builtin
def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred)
    eps, one = _eps(y_pred.dtype), _const(1.0, y_pred.dtype)
    first_log = tf.math.log(tf.maximum(y_pred, eps) + one)
    second_log = tf.math.log(tf.maximum(y_true, eps) + one)
    return tf.reduce_mean(tf.square(first_log - second_log), axis=-1)


def l2_normalize(x, axis=-1):
    """Keras's ``ops.normalize(order=2)``: ``x * min(rsqrt(sum(x**2)), 1/epsilon)``."""
    square_sum = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
    inv_norm = tf.minimum(tf.math.rsqrt(square_sum), _const(1.0 / backend.epsilon(), x.dtype))
    return x * inv_norm


@_builtin
def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _pred_true(y_true, y_pred)
    return -tf.reduce_sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


@_builtin
def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _pred_true(y_true, y_pred)
    delta = _const(delta, y_pred.dtype)
    half = _const(0.5, y_pred.dtype)
    error = y_pred - y_true
    abs_error = tf.abs(error)
    return tf.reduce_mean(tf.where(abs_error <= delta, half * tf.square(error),
                                   delta * abs_error - half * tf.square(delta)), axis=-1)


@_builtin
def log_cosh(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred)
    x = y_pred - y_true
    return tf.reduce_mean(x + tf.nn.softplus(x * _const(-2.0, x.dtype))
                          - _const(np.log(2.0), x.dtype), axis=-1)


def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1}; anything else is kept."""
    is_binary = tf.reduce_all(tf.logical_or(tf.equal(y_true, 0), tf.equal(y_true, 1)))
    return tf.where(is_binary, _const(2.0, y_true.dtype) * y_true - _const(1.0, y_true.dtype),
                    y_true)


@_builtin
def hinge(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, same_rank=False)
    y_true = _hinge_labels(y_true)
    return tf.reduce_mean(tf.maximum(_const(1.0, y_pred.dtype) - y_true * y_pred,
                                     _const(0.0, y_pred.dtype)), axis=-1)


@_builtin
def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, same_rank=False)
    y_true = _hinge_labels(y_true)
    return tf.reduce_mean(tf.square(tf.maximum(_const(1.0, y_pred.dtype) - y_true * y_pred,
                                               _const(0.0, y_pred.dtype))), axis=-1)


@_builtin
def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, same_rank=False)
    one = _const(1.0, y_pred.dtype)
    pos = tf.reduce_sum(y_true * y_pred, axis=-1)
    neg = tf.reduce_max((one - y_true) * y_pred, axis=-1)
    return tf.maximum(neg - pos + one, _const(0.0, y_pred.dtype))


@_builtin
def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, same_rank=False)
    eps, one = _eps(y_pred.dtype), _const(1.0, y_pred.dtype)
    y_true = tf.clip_by_value(y_true, eps, one)
    y_pred = tf.clip_by_value(y_pred, eps, one)
    return tf.reduce_sum(y_true * tf.math.log(y_true / y_pred), axis=-1)


@_builtin
def poisson(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, same_rank=False)
    return tf.reduce_mean(y_pred - y_true * tf.math.log(y_pred + _eps(y_pred.dtype)), axis=-1)


def _get_logits(output, from_logits, op_type, fn_name):
    """A traced Softmax/Sigmoid output is replaced by its input logits (TF Keras's rule)."""
    op = None
    if not isinstance(output, tf.Tensor) or getattr(output, "_is_variable", False):
        return output, from_logits
    try:
        op = output.op
    except AttributeError:   # eager tensors have no op
        return output, from_logits
    if op is None or op.type != op_type or len(op.inputs) != 1:
        return output, from_logits
    if from_logits:
        warnings.warn(f'"`{fn_name}` received `from_logits=True`, but the `output` argument '
                      f"was produced by a {op_type} activation and thus does not represent "
                      "logits. Was this intended?", stacklevel=3)
    return op.inputs[0], True


def _check_same_shape(target, output, what):
    if _rank(target) != _rank(output) or any(
            a is not None and b is not None and a != b
            for a, b in zip(target.shape, output.shape)):
        raise ValueError(f"Arguments `target` and `output` must have the same {what}. "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")


def backend_binary_crossentropy(target, output, from_logits=False):
    _check_same_shape(target, output, "rank (ndim)" if _rank(target) != _rank(output)
                      else "shape")
    output, from_logits = _get_logits(output, from_logits, "Sigmoid", "binary_crossentropy")
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps, one = _eps(output.dtype), _const(1.0, output.dtype)
    output = tf.clip_by_value(output, eps, one - eps)
    return -(target * tf.math.log(output) + (one - target) * tf.math.log(one - output))


def backend_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if _rank(target) < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={target.shape}, output.shape={output.shape}")
    _check_same_shape(target, output, "rank (ndim)" if _rank(target) != _rank(output)
                      else "shape")
    output, from_logits = _get_logits(output, from_logits, "Softmax",
                                      "categorical_crossentropy")
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / tf.reduce_sum(output, axis, keepdims=True)
    eps = _eps(output.dtype)
    output = tf.clip_by_value(output, eps, _const(1.0, output.dtype) - eps)
    return -tf.reduce_sum(target * tf.math.log(output), axis)


def backend_sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if axis != -1 and axis != _rank(output) - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    output, from_logits = _get_logits(output, from_logits, "Softmax",
                                      "sparse_categorical_crossentropy")
    target = to_tensor(target)
    if target.dtype not in (tf.int32, tf.int64):
        target = tf.cast(target, tf.int64)
    if _rank(target) == _rank(output) and target.shape[-1] == 1:
        target = tf.squeeze(target, -1)
    if _rank(output) < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: "
                         f"output.shape={output.shape}")
    if _rank(target) != _rank(output) - 1 or any(
            a is not None and b is not None and a != b
            for a, b in zip(target.shape, output.shape[:-1])):
        raise ValueError("Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    if not from_logits:
        eps = _eps(output.dtype)
        output = tf.math.log(tf.clip_by_value(output, eps, _const(1.0, output.dtype) - eps))
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")


def _smooth_categorical(y_true, label_smoothing, dtype):
    n = y_true.shape[-1]
    num_classes = _const(n, dtype) if n is not None else tf.cast(tf.shape(y_true)[-1], dtype)
    return y_true * _const(1.0 - label_smoothing, dtype) + \
        _const(label_smoothing, dtype) / num_classes


def _warn_one_class(y_pred, fn_name):
    if y_pred.shape.rank and y_pred.shape[-1] == 1:
        warnings.warn(f"In loss {fn_name}, expected y_pred.shape to be (batch_size, "
                      f"num_classes) with num_classes > 1. Received: y_pred.shape="
                      f"{y_pred.shape}. Consider using 'binary_crossentropy' if you only "
                      "have 2 classes.", SyntaxWarning, stacklevel=3)


@_builtin
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    _check_axis(axis)
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    _warn_one_class(y_pred, "categorical_crossentropy")
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing, y_pred.dtype)
    return backend_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@_builtin
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    _check_axis(axis)
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    dt = y_pred.dtype
    _warn_one_class(y_pred, "categorical_focal_crossentropy")
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing, dt)
    if from_logits:
        y_pred = tf.nn.softmax(y_pred, axis=axis)
    output = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    eps, one = _eps(dt), _const(1.0, dt)
    output = tf.clip_by_value(output, eps, one - eps)
    cce = -y_true * tf.math.log(output)
    weighting = tf.pow(one - output, _const(gamma, dt)) * _const(alpha, dt)
    return tf.reduce_sum(weighting * cce, axis=axis)


@_builtin
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true)
    if _rank(y_true) == _rank(y_pred) and y_true.shape[axis] == 1:
        y_true = tf.squeeze(y_true, axis)
    valid_mask = None
    if ignore_class is not None:
        valid_mask = tf.not_equal(y_true, tf.cast(ignore_class, y_true.dtype))
        y_true = tf.where(valid_mask, y_true, tf.zeros_like(y_true))
        class_axis = axis % _rank(y_pred)
        y_pred = tf.where(tf.expand_dims(valid_mask, class_axis), y_pred,
                          tf.zeros_like(y_pred))
    res = backend_sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                  axis=axis)
    if valid_mask is not None:
        valid_mask = tf.reshape(valid_mask, tf.shape(res))
        res = tf.where(valid_mask, res, tf.zeros_like(res))
        set_keras_mask(res, valid_mask)
    return res


sparse_categorical_crossentropy._keras_int_labels = True


@_builtin
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * _const(1.0 - label_smoothing, y_pred.dtype) + \
            _const(0.5 * label_smoothing, y_pred.dtype)
    return tf.reduce_mean(backend_binary_crossentropy(y_true, y_pred, from_logits=from_logits),
                          axis=axis)


@_builtin
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    dt = y_pred.dtype
    one = _const(1.0, dt)
    if label_smoothing:
        y_true = y_true * _const(1.0 - label_smoothing, dt) + _const(0.5 * label_smoothing, dt)
    if from_logits:
        y_pred = tf.sigmoid(y_pred)
    bce = backend_binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (one - y_true) * (one - y_pred)
    focal_bce = tf.pow(one - p_t, _const(gamma, dt)) * bce
    if apply_class_balancing:
        a = _const(alpha, dt)
        focal_bce = (y_true * a + (one - y_true) * (one - a)) * focal_bce
    return tf.reduce_mean(focal_bce, axis=axis)


@_builtin
def dice(y_true, y_pred, axis=None):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axis)
    denom = tf.reduce_sum(y_true, axis=axis) + tf.reduce_sum(y_pred, axis=axis) + \
        _eps(y_pred.dtype)
    return _const(1.0, y_pred.dtype) - _const(2.0, y_pred.dtype) * intersection / denom


@_builtin
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype)
    one = _const(1.0, y_pred.dtype)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axis)
    fp = tf.reduce_sum((one - y_pred) * y_true, axis=axis)
    fn = tf.reduce_sum(y_pred * (one - y_true), axis=axis)
    t = intersection / (intersection + fp * _const(alpha, y_pred.dtype)
                        + fn * _const(beta, y_pred.dtype) + _eps(y_pred.dtype))
    return one - t


@_builtin
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    y_pred = to_tensor(y_pred)
    one_hot = tf.one_hot(tf.cast(to_tensor(y_true), tf.int32), tf.shape(y_pred)[-1],
                         dtype=y_pred.dtype)
    p = tf.reduce_sum(y_pred * one_hot, axis=-1)
    return (_const(1.0, y_pred.dtype) - tf.pow(p, _const(q, y_pred.dtype))) / \
        _const(q, y_pred.dtype)


# --- loss classes -------------------------------------------------------------------------

class _PlainWrapper(LossFunctionWrapper):
    """A wrapper whose config is just name and reduction (the fn kwargs are not saved)."""

    def get_config(self):
        return Loss.get_config(self)


class MeanSquaredError(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class CosineSimilarity(_PlainWrapper):
    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)


class Huber(_PlainWrapper):
    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class Hinge(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(_PlainWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class _ConfiguredWrapper(LossFunctionWrapper):
    """A wrapper whose listed attributes are both ``fn`` kwargs and config entries."""

    _config_keys = ()

    def __init__(self, fn, name, reduction, dtype, **kwargs):
        super().__init__(fn, name=name, reduction=reduction, dtype=dtype, **kwargs)
        for k, v in kwargs.items():
            setattr(self, k, v)

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config


class BinaryCrossentropy(_ConfiguredWrapper):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name, reduction, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(_ConfiguredWrapper):
    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing",
                    "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name, reduction, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_ConfiguredWrapper):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name, reduction, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_ConfiguredWrapper):
    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name, reduction, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_ConfiguredWrapper):
    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name, reduction, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class Dice(_ConfiguredWrapper):
    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name, reduction, dtype, axis=axis)


class Tversky(_ConfiguredWrapper):
    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, name, reduction, dtype, alpha=alpha, beta=beta, axis=axis)


class CategoricalGeneralizedCrossEntropy(_ConfiguredWrapper):
    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, name, reduction, dtype, q=q)


# --- lookup -------------------------------------------------------------------------------

ALL_OBJECTS = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, CategoricalGeneralizedCrossEntropy,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, dice, tversky, categorical_generalized_cross_entropy)
ALIASES = {"bce": binary_crossentropy, "BCE": binary_crossentropy, "kld": kl_divergence,
           "KLD": kl_divergence, "mae": mean_absolute_error, "MAE": mean_absolute_error,
           "mse": mean_squared_error, "MSE": mean_squared_error,
           "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
           "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error}
ALL_OBJECTS_DICT = {o.__name__: o for o in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(ALIASES)
# tf.keras's legacy names (``tf.keras.losses.kullback_leibler_divergence``, ``logcosh``).
LEGACY_ALIASES = {"kullback_leibler_divergence": kl_divergence, "logcosh": log_cosh}


def serialize(loss):
    """Keras 3 config dict of a loss object or built-in loss function."""
    return serialize_value(loss)


def deserialize(name, custom_objects=None):
    """Rebuild a loss from :func:`serialize` output or a name."""
    return serialization_lib.deserialize_keras_object(
        name, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects,
        printable_module_name="loss function")


def get(identifier):
    """A loss from a name, config dict, class, instance or function (None passes through)."""
    return serialization_lib.get_object_or_function(
        identifier, {**LEGACY_ALIASES, **ALL_OBJECTS_DICT}, deserialize, "loss")
