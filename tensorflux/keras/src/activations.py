"""Keras activation functions (``keras.activations``)."""

from __future__ import annotations

import math

import tensorflux as tf
from tensorflux.keras.src.saving import serialization_lib


def _named(name):
    def deco(fn):
        fn._keras_builtin_name = name
        return fn
    return deco


@_named("relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0.0 and threshold == 0.0:
        if max_value is None:
            return tf.nn.relu(x)
        if isinstance(max_value, (int, float)) and max_value == 6:
            return tf.nn.relu6(x)   # min(max(x, 0), 6) as one op (MobileNet's ReLU(6.))
    x = tf.convert_to_tensor(x)
    neg = None
    if negative_slope != 0.0:
        neg = tf.nn.relu(-x + threshold) if threshold != 0.0 else tf.nn.relu(-x)
    if threshold != 0.0:
        y = x * tf.cast(x > threshold, x.dtype)
    else:
        y = tf.nn.relu(x)
    if max_value is not None:
        y = tf.minimum(y, tf.cast(max_value, x.dtype))
    if neg is not None:
        y = y - tf.cast(negative_slope, x.dtype) * neg
    return y


@_named("relu6")
def relu6(x):
    return tf.nn.relu6(x)


@_named("leaky_relu")
def leaky_relu(x, negative_slope=0.2):
    return tf.nn.leaky_relu(x, alpha=negative_slope)


@_named("elu")
def elu(x, alpha=1.0):
    y = tf.nn.elu(x)
    if alpha == 1.0:
        return y
    return tf.where(x > 0, y, alpha * y)


@_named("selu")
def selu(x):
    return tf.nn.selu(x)


@_named("gelu")
def gelu(x, approximate=True):
    return tf.nn.gelu(x, approximate=approximate)


@_named("silu")
def silu(x):
    return tf.nn.silu(x)


swish = silu


@_named("softplus")
def softplus(x):
    return tf.nn.softplus(x)


@_named("softsign")
def softsign(x):
    return tf.nn.softsign(x)


@_named("sigmoid")
def sigmoid(x):
    return tf.nn.sigmoid(x)


@_named("tanh")
def tanh(x):
    return tf.nn.tanh(x)


@_named("exponential")
def exponential(x):
    return tf.exp(x)


@_named("hard_sigmoid")
def hard_sigmoid(x):
    x = tf.convert_to_tensor(x)
    return tf.nn.relu6(x + 3.0) / 6.0


@_named("hard_silu")
def hard_silu(x):
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@_named("mish")
def mish(x):
    return x * tf.nn.tanh(tf.nn.softplus(x))


@_named("linear")
def linear(x):
    return x


def _check_rank(x):
    if len(x.shape) <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")


@_named("softmax")
def softmax(x, axis=-1):
    x = tf.convert_to_tensor(x)
    if isinstance(axis, int):
        return tf.nn.softmax(x, axis=axis)
    m = tf.reduce_max(x, axis=axis, keepdims=True)
    e = tf.exp(x - m)
    return e / tf.reduce_sum(e, axis=axis, keepdims=True)


@_named("log_softmax")
def log_softmax(x, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)


@_named("sparse_plus")
def sparse_plus(x):
    x = tf.convert_to_tensor(x)
    return tf.where(x <= -1.0, tf.zeros_like(x),
                    tf.where(x >= 1.0, x, (x + 1.0) ** 2 / 4.0))


@_named("celu")
def celu(x, alpha=1.0):
    x = tf.convert_to_tensor(x)
    return tf.nn.relu(x) + tf.minimum(0.0, alpha * (tf.exp(x / alpha) - 1.0))


@_named("log_sigmoid")
def log_sigmoid(x):
    return tf.math.log_sigmoid(x)


_ALL = {f._keras_builtin_name: f for f in (
    relu, relu6, leaky_relu, elu, selu, gelu, silu, softplus, softsign, sigmoid, tanh,
    exponential, hard_sigmoid, hard_silu, mish, linear, softmax, log_softmax, sparse_plus, celu,
    log_sigmoid)}
_ALIASES = {"swish": silu, "hard_swish": hard_silu, None: linear}
del math


def serialize(activation):
    """The string name of a built-in activation (Keras's config format)."""
    name = getattr(activation, "_keras_builtin_name", None)
    if name is not None:
        return name
    return serialization_lib.serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=_ALL,
        printable_module_name="activation function")


def get(identifier):
    """An activation function from a name, a config or a callable (None -> linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _ALL.get(identifier) or _ALIASES.get(identifier)
        if fn is None:
            fn = serialization_lib.get_registered_object(identifier)
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: "
                             f"{identifier!r}. Known names: {sorted(_ALL)}")
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
