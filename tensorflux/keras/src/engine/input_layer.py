"""``keras.Input`` and ``InputLayer``: the entry points of functional models."""

from __future__ import annotations

from tensorflux.keras.src import backend
from tensorflux.keras.src.engine.keras_tensor import KerasTensor
from tensorflux.keras.src.engine.layer import Layer
from tensorflux.keras.src.engine.node import Node


class InputLayer(Layer):
    """Holds the KerasTensor a functional model starts from."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("trainable", None)
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None and input_tensor is None:
                raise ValueError("You must pass a `shape` argument.")
            if shape is not None:
                shape = (shape,) if isinstance(shape, int) else tuple(shape)
                batch_shape = (batch_size,) + shape
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError("Argument `input_tensor` must be a KerasTensor. Received "
                                 f"invalid type: input_tensor={input_tensor!r}")
            batch_shape = batch_shape or input_tensor.shape
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = backend.standardize_dtype(dtype)
        self.sparse, self.ragged, self.optional = bool(sparse), bool(ragged), optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(self._batch_shape, self._input_dtype, self.sparse,
                                       name=self.name, ragged=self.ragged)
        Node(self, (), {}, input_tensor)
        self._input_tensor = input_tensor
        self.trainable = False

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._input_dtype

    @property
    def output(self):
        return self._input_tensor

    def call(self, *args, **kwargs):
        return args[0] if args else None

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._input_dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """A symbolic input of a functional model (``keras.Input``)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional, ragged=ragged)
    return layer.output
