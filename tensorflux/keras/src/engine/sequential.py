"""``keras.Sequential``: a plain stack of layers (built as a functional graph once the input
shape is known)."""

from __future__ import annotations

from tensorflux._src.core import nest
from tensorflux.keras.src.engine.functional import Functional
from tensorflux.keras.src.engine.input_layer import InputLayer
from tensorflux.keras.src.engine.keras_tensor import KerasTensor
from tensorflux.keras.src.engine.layer import Layer, _as_shape_struct, _get_policy, current_path
from tensorflux.keras.src.engine.training import Model
from tensorflux.keras.src.saving import serialization_lib


class Sequential(Model):
    """``Sequential([layer, ...])``: each layer has one input and one output."""

    _keras_module = "keras"

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, dtype=kwargs.pop("dtype", None))
        self._layers_list = []
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or a ``keras.Input`` tensor as the first element)."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer) and self._layers_list and \
                isinstance(self._layers_list[0], InputLayer):
            raise ValueError(f"Sequential model '{self.name}' has already been configured "
                             f"to use input shape {self._layers_list[0].batch_shape}. You "
                             f"cannot add a different Input layer to it.")
        if not self._layers_list and not isinstance(layer, InputLayer) and \
                layer._batch_input_shape is not None:
            self._layers_list.append(InputLayer(batch_shape=layer._batch_input_shape,
                                                dtype=layer._input_dtype))
        names = {x.name for x in self._layers_list}
        if layer.name in names:
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer in "
                             f"this model. Update the `name` argument to pass a unique name.")
        self._layers_list.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        layers = self.layers
        if not layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers_list.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        if self._layers_list and isinstance(self._layers_list[0], InputLayer) and \
                len(self._layers_list) > 1:
            self.build(self._layers_list[0].batch_shape)
        elif self._layers_list and isinstance(self._layers_list[0], InputLayer):
            self._build_shapes = self._layers_list[0].batch_shape

    def build(self, input_shape=None):
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        input_shape = _as_shape_struct(input_shape)
        if not self._layers_list:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has "
                             "no layers. Call `model.add(layer)`.")
        if isinstance(self._layers_list[0], InputLayer):
            inp_layer = self._layers_list[0]
            if inp_layer.batch_shape != tuple(input_shape):
                raise ValueError(f"Sequential model '{self.name}' has already been "
                                 f"configured to use input shape {inp_layer.batch_shape}. "
                                 f"You cannot build it with input_shape {input_shape}")
        else:
            dtype = getattr(self._layers_list[0], "_input_dtype", None)
            inp_layer = InputLayer(batch_shape=input_shape, dtype=dtype)
            self._layers_list.insert(0, inp_layer)
        x = inputs = inp_layer.output
        with self._open_name_scope():   # Keras builds the layers under the model's scope
            self.__dict__["_path"] = current_path()
            for layer in self._layers_list[1:]:
                try:
                    x = layer(x)
                except NotImplementedError:
                    return
        self._functional = Functional(inputs, x, name=self.name + "_functional")
        self._build_shapes = tuple(input_shape)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        x = inputs
        for layer in self.layers:
            x = layer(x, training=training) if _takes_training(layer) else layer(x)
        return x

    def _maybe_build(self, first_arg):
        if self.built:
            return
        shape = nest.map_structure(
            lambda t: tuple(t.shape) if isinstance(t, KerasTensor)
            else tuple(t.shape.as_list()), first_arg)
        shape = (None,) + tuple(shape[1:]) if isinstance(shape, tuple) else shape
        self.build(shape)

    # ---- properties --------------------------------------------------------------------------
    @property
    def layers(self):
        layers = self._layers_list
        if layers and isinstance(layers[0], InputLayer):
            return layers[1:]
        return list(layers)

    @property
    def output_names(self):
        if self._functional is not None:
            return self._functional.output_names
        return None

    @output_names.setter
    def output_names(self, value):
        pass

    def _output_names(self):
        return self.output_names

    @property
    def inputs(self):
        return self._functional.inputs if self._functional is not None else None

    @property
    def outputs(self):
        return self._functional.outputs if self._functional is not None else None

    @property
    def input(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input yet.")
        return self._functional.input

    @property
    def output(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output yet.")
        return self._functional.output

    @property
    def input_shape(self):
        if self._layers_list and isinstance(self._layers_list[0], InputLayer):
            return self._layers_list[0].batch_shape
        raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")

    @property
    def output_shape(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output "
                                 "shape yet.")
        return self._functional.output_shape

    # ---- config ------------------------------------------------------------------------------
    def get_config(self):
        layer_configs = [serialization_lib.serialize_keras_object(lay)
                         for lay in self._layers_list]
        cfg = {"name": self.name, "trainable": self.trainable,
               "dtype": serialization_lib.serialize_keras_object(self.dtype_policy),
               "layers": layer_configs}
        if self._build_shapes is not None:
            cfg["build_input_shape"] = list(self._build_shapes)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = [serialization_lib.deserialize_keras_object(c, custom_objects=custom_objects)
                  for c in config.get("layers", [])]
        kw = {"name": config.get("name"), "trainable": config.get("trainable", True)}
        if config.get("dtype") is not None:
            kw["dtype"] = _get_policy(config["dtype"])
        model = cls(layers, **kw)
        shape = config.get("build_input_shape")
        if not model.built and shape is not None:
            model.build(shape)
        return model


def _takes_training(layer):
    from tensorflux.keras.src.engine.layer import _signature_info

    return _signature_info(type(layer))["training"]
