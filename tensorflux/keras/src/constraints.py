"""Keras weight constraints (``keras.constraints``): projections applied after updates."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.saving import serialization_lib


class Constraint:
    _keras_module = "keras.constraints"

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norm(w, axis):
    return tf.sqrt(tf.reduce_sum(tf.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        desired = tf.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * tf.cast(w >= 0.0, w.dtype)


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (backend.epsilon() + _norm(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        desired = (self.rate * tf.clip_by_value(norms, float(self.min_value),
                                                float(self.max_value))
                   + (1 - self.rate) * norms)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_ALL = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
        "min_max_norm": MinMaxNorm, "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
        "MinMaxNorm": MinMaxNorm}


def serialize(constraint):
    return serialization_lib.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=_ALL,
        printable_module_name="constraint")


def get(identifier):
    return serialization_lib.get_builtin_or_callable(identifier, _ALL, deserialize, "constraint")
