"""Functional models: a DAG of layer calls recorded on KerasTensors (``keras.Model(i, o)``)."""

from __future__ import annotations

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux._src.framework.tensor import Tensor
from tensorflux.keras.src.engine.input_layer import InputLayer
from tensorflux.keras.src.engine.keras_tensor import KerasTensor
from tensorflux.keras.src.engine.layer import _get_policy
from tensorflux.keras.src.engine.training import Model
from tensorflux.keras.src.saving import serialization_lib


def _order_nodes(outputs):
    """Nodes needed for ``outputs`` in an order where producers come first."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.parent_nodes:
            visit(parent)
        order.append(node)

    for t in outputs:
        if t._keras_history is None:
            raise ValueError(f"Output tensors of a Functional model must be the output of a "
                             f"Keras layer. Received: {t}")
        lay, ni, _ = t._keras_history
        visit(lay._inbound_nodes[ni])
    return order


def _keras_layer_order(flat_in, flat_out):
    """Layers in Keras's order (``ops.function.map_graph``): decreasing depth from the
    outputs, ties broken by first visit in a DFS from the outputs."""
    in_ids = {id(t) for t in flat_in}
    finished, order, op_index = set(), [], {}

    def visit(t):
        layer, ni, _ = t._keras_history
        node = layer._inbound_nodes[ni]
        if id(node) in finished:
            return
        if not node.is_input and id(t) in in_ids:
            finished.add(id(node))
            return
        op_index.setdefault(id(layer), len(op_index))
        if not node.is_input:
            for x in node.input_tensors:
                visit(x)
        finished.add(id(node))
        order.append(node)

    for t in flat_out:
        visit(t)
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(order):
        d = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = d
        layers[id(node.layer)] = node.layer
        for p in node.parent_nodes:
            if id(p) in finished:
                node_depth[id(p)] = max(d + 1, node_depth.get(id(p), 0))
    for t in flat_in:
        lay = t._keras_history[0]
        if id(lay) not in layer_depth:
            layer_depth[id(lay)], op_index[id(lay)], layers[id(lay)] = 0, -1, lay
    return sorted(layers.values(), key=lambda lay: (-layer_depth[id(lay)], op_index[id(lay)]))


class Functional(Model):
    """A model defined by its inputs and outputs KerasTensors."""

    _keras_module = "keras.src.models.functional"

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, dtype=kwargs.pop("dtype", None))
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments for a Functional model: {kwargs}")
        if isinstance(inputs, dict):
            for v in inputs.values():
                if not isinstance(v, KerasTensor):
                    raise ValueError(f"All `inputs` values must be KerasTensors. Received: "
                                     f"inputs={inputs} including invalid value {v} of type "
                                     f"{type(v)}")
        flat_in = nest.flatten(inputs)
        flat_out = nest.flatten(outputs)
        for t in flat_in + flat_out:
            if not isinstance(t, KerasTensor):
                raise ValueError("All `inputs` and `outputs` of a Functional model must be "
                                 f"KerasTensors (from keras.Input and layer calls). Received: "
                                 f"{t!r}")
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1 and \
                not isinstance(inputs, dict):
            inputs = list(inputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.__dict__["_inputs"] = flat_in
        self.__dict__["_outputs"] = flat_out
        nodes = _order_nodes(flat_out)
        in_ids = {id(t) for t in flat_in}
        for node in nodes:
            if node.is_input and not any(id(o) in in_ids for o in node.outputs):
                raise ValueError(
                    "Graph disconnected: cannot find a value for tensor "
                    f"{node.outputs[0]} at layer '{node.layer.name}'. The model's inputs "
                    f"must include every keras.Input the outputs depend on.")
        self.__dict__["_nodes_in_order"] = nodes
        self._layers_list = _keras_layer_order(flat_in, flat_out)
        if isinstance(outputs, dict):
            self.output_names = list(outputs.keys())
        else:
            self.output_names = [t._keras_history[0].name for t in flat_out]
        self.input_names = ([k for k in inputs] if isinstance(inputs, dict)
                            else [t._keras_history[0].name for t in flat_in])
        self.built = True
        self._build_shapes = nest.map_structure(lambda t: tuple(t.shape), inputs)

    # ---- properties --------------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._layers_list)

    @property
    def inputs(self):
        """Flat list of the symbolic inputs (dict inputs in sorted-key order, like Keras)."""
        return nest.flatten(self._inputs_struct)

    @property
    def outputs(self):
        """Flat list of the symbolic outputs (dict outputs in sorted-key order, like Keras)."""
        return nest.flatten(self._outputs_struct)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return nest.map_structure(lambda t: tuple(t.shape), self._inputs_struct)

    @property
    def output_shape(self):
        return nest.map_structure(lambda t: tuple(t.shape), self._outputs_struct)

    def build(self, input_shape):
        self.built = True

    # ---- running -----------------------------------------------------------------------------
    def _flatten_inputs(self, inputs):
        struct = self._inputs_struct
        if isinstance(inputs, dict) and not isinstance(struct, dict):
            names = self.input_names
            if all(n in inputs for n in names):
                return [inputs[n] for n in names]
        if not nest.is_nested(struct):
            if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
                inputs = inputs[0]
            return [inputs]
        flat = nest.flatten(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self._inputs)} input(s), but "
                             f"it received {len(flat)} input tensors.")
        return flat

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        masks = nest.flatten(mask) if mask is not None else [None] * len(flat)
        values = {}
        for kt, x, m in zip(self._inputs, flat, masks):
            if not isinstance(x, Tensor):
                x = tf.convert_to_tensor(x)
            want = kt.dtype
            if x.dtype.name != want and want is not None:
                x = tf.cast(x, want)
            if m is not None:
                x._keras_mask = m
            values[id(kt)] = x
        for node in self._nodes_in_order:
            if node.is_input:
                continue

            def sub(v):
                return values[id(v)] if isinstance(v, KerasTensor) else v
            args = [nest.map_structure(sub, a) for a in node.call_args]
            kwargs = {k: nest.map_structure(sub, v) for k, v in node.call_kwargs.items()}
            out = node.layer(*args, **kwargs)
            for kt, o in zip(node.outputs, nest.flatten(out)):
                values[id(kt)] = o
        out = nest.map_structure(lambda kt: values[id(kt)], self._outputs_struct)
        # Keras 3 unpacks a single-element output list/tuple when called on tensors ...
        return out[0] if isinstance(out, (list, tuple)) and len(out) == 1 else out

    def compute_output_spec(self, *args, **kwargs):
        out = super().compute_output_spec(*args, **kwargs)
        # ... but keeps the structure when called on KerasTensors.
        struct = self._outputs_struct
        if isinstance(struct, (list, tuple)) and len(struct) == 1 and \
                not isinstance(out, (list, tuple)):
            out = type(struct)([out])
        return out

    # ---- config ------------------------------------------------------------------------------
    def get_config(self):
        node_ids = {}
        for lay in self._layers_list:
            kept = [n for n in lay._inbound_nodes if id(n) in
                    {id(x) for x in self._nodes_in_order}]
            for i, n in enumerate(kept):
                node_ids[id(n)] = i
        layer_configs = []
        for lay in self._layers_list:
            cfg = serialization_lib.serialize_keras_object(lay)
            cfg["name"] = lay.name
            nodes = []
            for n in lay._inbound_nodes:
                if id(n) not in node_ids or n.is_input:
                    continue
                nodes.append(_serialize_node(n, node_ids))
            cfg["inbound_nodes"] = nodes
            layer_configs.append(cfg)

        def triple(t):
            lay, ni, ti = t._keras_history
            node = lay._inbound_nodes[ni]
            return [lay.name, node_ids.get(id(node), 0), ti]

        def struct(s):
            if isinstance(s, dict):
                return {k: triple(v) for k, v in s.items()}
            if isinstance(s, (list, tuple)):
                return [triple(v) for v in s]
            return triple(s)
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": struct(self._inputs_struct),
                "output_layers": struct(self._outputs_struct)}

    def _build_config_for_serialization(self):
        return None


def _serialize_node(node, node_ids):
    def ser(v):
        if isinstance(v, KerasTensor):
            lay, ni, ti = v._keras_history
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(v.shape), "dtype": v.dtype,
                "keras_history": [lay.name, node_ids.get(id(lay._inbound_nodes[ni]), ni),
                                  ti]}}
        if isinstance(v, (list, tuple)):
            return [ser(x) for x in v]
        if isinstance(v, dict):
            return {k: ser(x) for k, x in v.items()}
        return serialization_lib.serialize_keras_object(v)
    return {"args": [ser(a) for a in node.call_args],
            "kwargs": {k: ser(v) for k, v in node.call_kwargs.items()}}


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model from its config (Keras 3 or Keras 2 ``inbound_nodes``)."""
    created = {}
    pending = []
    for lc in config["layers"]:
        layer = serialization_lib.deserialize_keras_object(lc, custom_objects=custom_objects)
        created[lc["name"]] = layer
        pending.append((layer, lc.get("inbound_nodes", [])))

    def resolve(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            name, ni, ti = v["config"]["keras_history"]
            lay = created[name]
            if ni >= len(lay._inbound_nodes):
                raise _NotReady()
            return lay._inbound_nodes[ni].outputs[ti]
        if isinstance(v, list):
            if len(v) in (3, 4) and isinstance(v[0], str) and isinstance(v[1], int) and \
                    v[0] in created:
                lay = created[v[0]]
                if v[1] >= len(lay._inbound_nodes):
                    raise _NotReady()
                return lay._inbound_nodes[v[1]].outputs[v[2]]
            return [resolve(x) for x in v]
        if isinstance(v, dict):
            return {k: resolve(x) for k, x in v.items()}
        return v

    progress = True
    while progress and any(nodes for _, nodes in pending):
        progress = False
        for layer, nodes in pending:
            while nodes:
                node = nodes[0]
                try:
                    if isinstance(node, dict):
                        args = [resolve(a) for a in node.get("args", [])]
                        kwargs = {k: resolve(v) for k, v in node.get("kwargs", {}).items()}
                    else:   # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
                        tensors = [resolve(list(t[:3])) for t in node]
                        kwargs = node[0][3] if len(node[0]) > 3 else {}
                        args = [tensors[0] if len(tensors) == 1 else tensors]
                except _NotReady:
                    break
                layer(*args, **kwargs)
                nodes.pop(0)
                progress = True

    def out(s):
        if isinstance(s, dict):
            return {k: out(v) for k, v in s.items()}
        if isinstance(s, list) and s and isinstance(s[0], list):
            return [out(v) for v in s]
        name, ni, ti = s[:3]
        return created[name]._inbound_nodes[ni].outputs[ti]

    inputs = out(config["input_layers"])
    outputs = out(config["output_layers"])
    kw = {"name": config.get("name"), "trainable": config.get("trainable", True)}
    if config.get("dtype") is not None:
        kw["dtype"] = _get_policy(config["dtype"])
    return cls(inputs, outputs, **kw)


class _NotReady(Exception):
    pass


__all__ = ["Functional", "InputLayer"]
