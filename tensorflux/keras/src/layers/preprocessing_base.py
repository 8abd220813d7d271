"""Shared pieces of the Keras preprocessing layers: the adapt() protocol, input conversion and
Keras's ``encode_categorical_inputs`` (one_hot / multi_hot / count) on tensorflux ops."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops.ragged_tensor import RaggedTensor
from tensorflux.keras.src.engine.keras_tensor import KerasTensor
from tensorflux.keras.src.engine.layer import Layer

__all__ = ["PreprocessingLayer", "encode_categorical", "validate_choice", "to_numpy",
           "as_tensor"]


def as_tensor(x):
    """Non-tensor input (list, array, str) as a tensor; text becomes a ``tf.string`` tensor."""
    if isinstance(x, (Tensor, RaggedTensor, KerasTensor)):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind in "OUS":
        flat = [v.encode("utf-8") if isinstance(v, str) else v for v in arr.reshape(-1).tolist()]
        enc = np.empty(len(flat), dtype=object)
        enc[:] = flat
        return tf.constant(enc.reshape(arr.shape), dtype=tf.string)
    return tf.convert_to_tensor(arr)


def validate_choice(value, allowed, caller, arg, allow_none=False, allow_callables=False):
    """Keras's ``validate_string_arg``: a ValueError naming the allowed values."""
    if value is None and allow_none:
        return
    if callable(value) and allow_callables:
        return
    if isinstance(value, str) and value in allowed:
        return
    extra = (", None" if allow_none else "") + (", or a callable" if allow_callables else "")
    raise ValueError(f"The `{arg}` argument of layer {caller} received an invalid value "
                     f"`{value}`. Allowed values are: {', '.join(allowed)}{extra}.")


def to_numpy(x):
    """A batch (tensor, ragged tensor, array, list) as NumPy; ragged -> (values, row_splits)."""
    if isinstance(x, RaggedTensor):
        return np.asarray(x.flat_values.numpy()), np.asarray(x.nested_row_splits[-1].numpy())
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def _is_dataset(data):
    return hasattr(data, "element_spec") and hasattr(data, "take")


def iter_batches(data, batch_size=None, steps=None):
    """The batches ``adapt`` sees: a dataset's elements (first item of tuples), an iterable's
    items, or the whole array/tensor (split in ``batch_size`` slices when given)."""
    if _is_dataset(data):
        if steps is not None:
            data = data.take(steps)
        for b in data:
            yield b[0] if isinstance(b, tuple) else b
        return
    if isinstance(data, (list, tuple, np.ndarray, Tensor, RaggedTensor)):
        if batch_size is None or isinstance(data, RaggedTensor):
            yield data
            return
        arr = data.numpy() if isinstance(data, Tensor) else np.asarray(data)
        for i, start in enumerate(range(0, len(arr), batch_size)):
            if steps is not None and i >= steps:
                return
            yield arr[start:start + batch_size]
        return
    if hasattr(data, "__iter__"):
        for i, b in enumerate(data):
            if steps is not None and i >= steps:
                return
            yield b[0] if isinstance(b, tuple) else b
        return
    raise TypeError(f"adapt() got data of unsupported type {type(data).__name__}. Pass a NumPy "
                    "array, a tensor, a list, a `tf.data.Dataset` or an iterable of batches.")


class PreprocessingLayer(Layer):
    """A layer with state computed by ``adapt(data)`` (``reset_state`` -> ``update_state`` per
    batch -> ``finalize_state``); no trainable weights; accepts non-tensor inputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.__dict__["_is_adapted"] = False

    @property
    def is_adapted(self):
        return self._is_adapted

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the layer's state from ``data`` (array, tensor, dataset or iterable)."""
        self.reset_state()
        for batch in iter_batches(data, batch_size, steps):
            self.update_state(batch)
        self.finalize_state()
        self.__dict__["_is_adapted"] = True

    def update_state(self, data):
        raise NotImplementedError(f"{type(self).__name__} does not support adapt().")

    def reset_state(self):
        pass

    def finalize_state(self):
        pass

    def __call__(self, *args, **kwargs):
        if args and not isinstance(args[0], (Tensor, RaggedTensor, KerasTensor, dict)):
            first = args[0]
            if isinstance(first, (list, tuple, np.ndarray, str, bytes, int, float)):
                args = (as_tensor(first),) + args[1:]
        return super().__call__(*args, **kwargs)

    def _output_dtype(self, input_dtype):
        return self.compute_dtype

    def compute_output_spec(self, *args, **kwargs):
        """Keras's rule for these layers: shape from ``compute_output_shape``."""
        x = args[0]
        return KerasTensor(self.compute_output_shape(tuple(x.shape)),
                           self._output_dtype(x.dtype))


def _static_last(x):
    dims = x.shape.as_list() if x.shape.rank is not None else None
    return dims[-1] if dims else None


def encode_categorical(inputs, output_mode, depth, dtype, count_weights=None):
    """Keras's ``encode_categorical_inputs``: int ids -> one_hot / multi_hot / count of
    ``depth`` classes (ids outside [0, depth) are dropped, as TF's bincount does)."""
    dtype = tf.as_dtype(dtype)
    if output_mode == "int":
        return tf.cast(inputs, dtype)
    ids = tf.cast(inputs, tf.int64)
    if ids.shape.rank == 0:
        ids = tf.reshape(ids, [1])
    if output_mode == "one_hot":
        if ids.shape.rank > 1 and _static_last(ids) == 1:
            ids = tf.squeeze(ids, -1)
        return tf.one_hot(ids, depth, dtype=dtype)
    rank = ids.shape.rank
    shape = tf.shape(ids, out_type=tf.int64)
    rows = tf.reshape(ids, [1, -1]) if rank == 1 else tf.reshape(ids, tf.stack([-1, shape[-1]]))
    n = tf.shape(rows, out_type=tf.int64)[0]
    valid = tf.logical_and(rows >= 0, rows < depth)
    seg = tf.range(n, dtype=tf.int64)[:, None] * depth + tf.where(valid, rows,
                                                                  tf.zeros_like(rows))
    weights = tf.cast(valid, dtype)
    if count_weights is not None:
        cw = tf.cast(count_weights, dtype)
        weights = weights * tf.reshape(cw, tf.shape(rows))
    out = tf.math.unsorted_segment_sum(tf.reshape(weights, [-1]), tf.reshape(seg, [-1]),
                                       n * depth)
    if output_mode == "multi_hot":
        out = tf.cast(out > 0, dtype)
    if rank == 1:
        return tf.reshape(out, [depth])
    return tf.reshape(out, tf.concat([shape[:-1], tf.constant([depth], tf.int64)], 0))
