"""Keras 3.15 adaptive pooling: AdaptiveAverage/MaxPooling1D/2D/3D.

Output cell ``i`` of an axis of length ``L`` pooled to ``n`` covers input indices
``[floor(i L / n), ceil((i + 1) L / n))`` (PyTorch's and Keras's rule). Each spatial axis is
pooled in turn with one ``gather`` of the padded windows and a reduction, so gradients flow.
"""

from __future__ import annotations

import math

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.engine.layer import Layer

__all__ = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]


def adaptive_windows(length, out):
    """(indices [out, big], weights [out, big]) of the pooling windows along one axis; short
    windows repeat their last index (weight 0 for averages, harmless for max)."""
    starts = [math.floor(i * length / out) for i in range(out)]
    ends = [math.ceil((i + 1) * length / out) for i in range(out)]
    big = max(e - s for s, e in zip(starts, ends))
    idx = np.array([[min(s + k, e - 1) for k in range(big)] for s, e in zip(starts, ends)],
                   np.int32)
    w = np.array([[1.0 / (e - s) if k < e - s else 0.0 for k in range(big)]
                  for s, e in zip(starts, ends)], np.float32)
    return idx, w


def _pool_axis(x, axis, out, mode):
    length = x.shape[axis]
    if length is None:
        raise ValueError(f"Adaptive pooling needs static spatial dimensions. Received an input "
                         f"with shape {tuple(x.shape.as_list())}.")
    idx, w = adaptive_windows(int(length), out)
    g = tf.gather(x, tf.constant(idx), axis=axis)  # axis -> (out, big)
    if mode == "max":
        return tf.reduce_max(g, axis=axis + 1)
    shape = [1] * len(g.shape)
    shape[axis], shape[axis + 1] = idx.shape
    return tf.reduce_sum(g * tf.constant(w.reshape(shape), g.dtype), axis=axis + 1)


class _AdaptivePooling(Layer):
    _rank = 2
    _mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        r = self._rank
        if isinstance(output_size, int):
            output_size = (output_size,) * r
        elif isinstance(output_size, (tuple, list)) and len(output_size) == r:
            output_size = tuple(output_size)
        else:
            what = {1: "an integer or a tuple of 1 integer", 2: "an integer or (height, width) "
                    "tuple", 3: "an integer or (depth, height, width) tuple"}[r]
            raise TypeError(f"`output_size` must be {what}. Received: {output_size} of type "
                            f"{type(output_size)}")
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = data_format or backend.image_data_format()
        if self.data_format not in {"channels_first", "channels_last"}:
            raise ValueError(f"Invalid data_format: {self.data_format}. Expected "
                             "'channels_first' or 'channels_last'.")

    def call(self, inputs):
        first = 2 if self.data_format == "channels_first" else 1
        x = inputs
        for i, n in enumerate(self.output_size):
            x = _pool_axis(x, first + i, n, self._mode)
        return x

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


def _make(name, rank, mode):
    doc = (f"Adaptive {mode} pooling over {rank} spatial dimension{'s' if rank > 1 else ''} "
           "to a fixed ``output_size``.")
    return type(name, (_AdaptivePooling,), {"_rank": rank, "_mode": mode, "__doc__": doc,
                                            "__module__": __name__})


AdaptiveAveragePooling1D = _make("AdaptiveAveragePooling1D", 1, "average")
AdaptiveAveragePooling2D = _make("AdaptiveAveragePooling2D", 2, "average")
AdaptiveAveragePooling3D = _make("AdaptiveAveragePooling3D", 3, "average")
AdaptiveMaxPooling1D = _make("AdaptiveMaxPooling1D", 1, "max")
AdaptiveMaxPooling2D = _make("AdaptiveMaxPooling2D", 2, "max")
AdaptiveMaxPooling3D = _make("AdaptiveMaxPooling3D", 3, "max")
