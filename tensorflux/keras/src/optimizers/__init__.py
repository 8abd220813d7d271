"""Keras 3 optimizers on tensorflux: ``get``/``serialize``/``deserialize`` and the classes."""

from __future__ import annotations

from tensorflux.keras.src.optimizers import schedules
from tensorflux.keras.src.optimizers.adafactor import Adafactor
from tensorflux.keras.src.optimizers.adam import Adam, Adamax, AdamW, Nadam
from tensorflux.keras.src.optimizers.base_optimizer import Optimizer
from tensorflux.keras.src.optimizers.ftrl import Ftrl
from tensorflux.keras.src.optimizers.lion import Lion
from tensorflux.keras.src.optimizers.loss_scale_optimizer import LossScaleOptimizer
from tensorflux.keras.src.optimizers.rmsprop import Adadelta, Adagrad, RMSprop
from tensorflux.keras.src.optimizers.sgd import SGD
from tensorflux.keras.src.saving import serialization_lib

ALL_OBJECTS = (Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Adafactor,
               Nadam, Ftrl, Lion, LossScaleOptimizer)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """``{"module": "keras.optimizers", "class_name": ..., "config": ..., ...}``."""
    return serialization_lib.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from :func:`serialize` output (built-in class names are
    case-insensitive, as in Keras)."""
    config = dict(config)
    if config["class_name"].lower() in ALL_OBJECTS_DICT:
        config["class_name"] = config["class_name"].lower()
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name (``"adam"``), a config dict, or an instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


class LegacyOptimizerWarning:
    """``keras.optimizers.legacy.*``: not available in Keras 3 (raises ImportError)."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "`keras.optimizers.legacy` is not supported in Keras 3. When using `tf.keras`, to "
            "continue using a `tf.keras.optimizers.legacy` optimizer, you can install the "
            "`tf_keras` package (Keras 2) and set the environment variable "
            "`TF_USE_LEGACY_KERAS=True` to configure TensorFlow to use `tf_keras` when "
            "accessing `tf.keras`.")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad",
           "Adadelta", "Ftrl", "Lion", "Adafactor", "LossScaleOptimizer", "get", "serialize",
           "deserialize", "schedules"]
