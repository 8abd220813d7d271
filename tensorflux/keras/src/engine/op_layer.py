"""Layers created by operators on KerasTensors (``x + y``, ``x[:, 0]``) in the functional API."""

from __future__ import annotations

from tensorflux.keras.src import backend
from tensorflux.keras.src.engine.layer import Layer


class OpLayer(Layer):
    """Applies a tensor operator; created implicitly, not serializable."""

    def __init__(self, fn, op_name, **kwargs):
        super().__init__(name=backend.unique_object_name(op_name), **kwargs)
        self.fn = fn
        self.op_name = op_name

    def call(self, *args):
        return self.fn(*args)

    def get_config(self):
        raise NotImplementedError(
            f"The operator layer '{self.name}' ({self.op_name} on KerasTensors) cannot be "
            "serialized. Use a keras.layers layer (e.g. keras.layers.Add) or a Lambda layer "
            "if the model must be saved or cloned.")
