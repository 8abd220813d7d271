"""A functional-API node: one call of a layer on KerasTensors."""

from __future__ import annotations

from tensorflux._src.core import nest
from tensorflux.keras.src.engine.keras_tensor import KerasTensor


class Node:
    """Records ``layer(*args, **kwargs) -> outputs`` for symbolic inputs."""

    def __init__(self, layer, call_args=(), call_kwargs=None, outputs=None):
        self.operation = layer
        self.layer = layer
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.input_tensors = [x for x in nest.flatten((list(self.call_args), self.call_kwargs))
                              if isinstance(x, KerasTensor)]
        self.output_tensors_struct = outputs
        self.outputs = [x for x in nest.flatten(outputs) if isinstance(x, KerasTensor)]
        self.input_tensors_struct = self.call_args[0] if self.call_args else None
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.outputs):
            t._keras_history = (layer, node_index, i)
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(self)

    @property
    def is_input(self):
        return not self.input_tensors

    @property
    def parent_nodes(self):
        out = []
        for t in self.input_tensors:
            if t._keras_history is not None:
                lay, ni, _ = t._keras_history
                out.append(lay._inbound_nodes[ni])
        return out

    @property
    def output_tensors(self):
        return self.outputs
