"""Keras weight regularizers (``keras.regularizers``)."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src.saving import serialization_lib


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty."""

    _keras_module = "keras.regularizers"

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__}.get_config() is not implemented.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check(name, v):
    if v is None or not isinstance(v, (int, float)) or v != v or v < 0:
        raise ValueError(f"Value for argument `{name}` must be a non-negative float. "
                         f"Received: {name}={v!r}")
    return float(v)


def _float32(v):
    """Keras 3 keeps ``L1``/``OrthogonalRegularizer`` factors as float32 tensors, so their
    configs carry the float32-rounded value (``0.01`` -> ``0.009999999776482582``)."""
    return float(np.float32(v))


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check("l1", 0.0 if l1 is None else l1)
        self.l2 = _check("l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        r = 0.0
        if self.l1:
            r += self.l1 * tf.reduce_sum(tf.abs(x))
        if self.l2:
            r += self.l2 * tf.reduce_sum(tf.square(x))
        return r

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1=0.01):
        self.l1 = _float32(_check("l1", 0.01 if l1 is None else l1))

    def __call__(self, x):
        return self.l1 * tf.reduce_sum(tf.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        self.l2 = _check("l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        return self.l2 * tf.reduce_sum(tf.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode!r}")
        self.factor, self.mode = _float32(_check("factor", factor)), mode

    def __call__(self, x):
        if self.mode == "columns":
            x = tf.transpose(x)
        x = tf.math.l2_normalize(x, axis=1)
        prod = tf.matmul(x, x, transpose_b=True)
        n = tf.cast(tf.shape(x)[0], x.dtype)
        size = n * (n - 1.0)
        return self.factor * tf.reduce_sum(tf.abs(tf.linalg.set_diag(
            prod, tf.zeros_like(tf.linalg.diag_part(prod))))) / size

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2 = L1, L2, L1L2
orthogonal_regularizer = OrthogonalRegularizer
_ALL = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2,
        "OrthogonalRegularizer": OrthogonalRegularizer,
        "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer):
    return serialization_lib.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=_ALL,
        printable_module_name="regularizer")


def get(identifier):
    return serialization_lib.get_builtin_or_callable(identifier, _ALL, deserialize, "regularizer")
