"""``keras.models.model_from_json`` / ``model_from_config`` / ``clone_model``."""

from __future__ import annotations

import json

from tensorflux.keras.src.saving import serialization_lib


def model_from_config(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A new (uncompiled, freshly initialized) model from ``model.to_json()`` output."""
    return model_from_config(json.loads(json_string), custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and freshly initialized weights."""
    if clone_function is not None or call_function is not None or input_tensors is not None:
        raise NotImplementedError("clone_model: `clone_function`, `call_function` and "
                                  "`input_tensors` are not supported yet.")
    config = serialization_lib.serialize_keras_object(model)
    config.pop("compile_config", None)
    return serialization_lib.deserialize_keras_object(config)
