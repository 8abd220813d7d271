"""Keras 3 recurrent cells: SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells.

A cell computes one time step: ``cell(inputs, states, training) -> (output, new_states)``.
Weights and their order match Keras 3 (``kernel``, ``recurrent_kernel``, ``bias``).
"""

from __future__ import annotations

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux.keras.src import activations, constraints, initializers, regularizers
from tensorflux.keras.src.engine.layer import Layer
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "DropoutRNNCell"]

_ser_i, _ser_r, _ser_c = initializers.serialize, regularizers.serialize, constraints.serialize


def _check_rate(name, rate):
    if not 0 <= rate <= 1:
        raise ValueError(f"Received an invalid value for argument `{name}`, expected a float "
                         f"value between 0 and 1. Received: {name}={rate}")
    return float(rate)


class DropoutRNNCell:
    """Per-sequence dropout masks of a cell: one mask for every time step of a call."""

    def _dropout_mask_for(self, x, rate, attr):
        cached = self.__dict__.get(attr)
        if cached is None:
            cached = tf.nn.dropout(tf.ones_like(x), rate=rate, seed=self.seed)
            self.__dict__[attr] = cached if self.__dict__.get("_cache_masks") else None
        return cached

    def get_dropout_mask(self, step_input):
        if not self.dropout:
            return None
        return self._dropout_mask_for(step_input, self.dropout, "_dp_mask")

    def get_recurrent_dropout_mask(self, step_input):
        if not self.recurrent_dropout:
            return None
        return self._dropout_mask_for(step_input, self.recurrent_dropout, "_rec_dp_mask")

    def _begin_sequence(self):
        self.__dict__.update(_cache_masks=True, _dp_mask=None, _rec_dp_mask=None)

    def reset_dropout_mask(self):
        self.__dict__.update(_cache_masks=False, _dp_mask=None)

    def reset_recurrent_dropout_mask(self):
        self.__dict__.update(_cache_masks=False, _rec_dp_mask=None)


class _Cell(DropoutRNNCell, Layer):
    """Shared constructor/weights/config of the three built-in cells."""

    _gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        if not isinstance(units, int) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, _check_rate("dropout", dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, _check_rate("recurrent_dropout",
                                                                 recurrent_dropout)))
        self.seed = seed
        self.output_size = units

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        n = self._gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], n), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, n), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = self.add_weight(shape=self._bias_shape(), name="bias",
                                    initializer=self._bias_init(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _dropped(self, inputs, h, training):
        if training and 0 < self.dropout < 1:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0 < self.recurrent_dropout < 1:
            h = h * self.get_recurrent_dropout_mask(h)
        return inputs, h

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) \
            else [self.state_size]
        return [zeros_state(batch_size, d, self.compute_dtype) for d in sizes]

    def _base_config(self, extra_first=()):
        config = {"units": self.units, "activation": activations.serialize(self.activation)}
        config.update(dict(extra_first))
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": _ser_i(self.kernel_initializer),
            "recurrent_initializer": _ser_i(self.recurrent_initializer),
            "bias_initializer": _ser_i(self.bias_initializer),
            "kernel_regularizer": _ser_r(self.kernel_regularizer),
            "recurrent_regularizer": _ser_r(self.recurrent_regularizer),
            "bias_regularizer": _ser_r(self.bias_regularizer),
            "kernel_constraint": _ser_c(self.kernel_constraint),
            "recurrent_constraint": _ser_c(self.recurrent_constraint),
            "bias_constraint": _ser_c(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        return config


def _first(states):
    return states[0] if nest.is_nested(states) else states


class SimpleRNNCell(_Cell):
    """``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``."""

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.state_size = units

    def call(self, sequence, states, training=False):
        prev = _first(states)
        x, prev_d = self._dropped(sequence, prev, training)
        h = tf.matmul(x, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        out = self.activation(h + tf.matmul(prev_d, self.recurrent_kernel))
        return out, ([out] if nest.is_nested(states) else out)

    def get_config(self):
        config = self._base_config()
        config["seed"] = self.seed
        return {**Layer.get_config(self), **config}


class LSTMCell(_Cell):
    """Keras 3 LSTM cell: gates ``i, f, c, o`` in that order along the kernel's columns."""

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def forget_one(shape, dtype=None):
            return tf.concat([init((u,), dtype=dtype), tf.ones([u], dtype),
                              init((2 * u,), dtype=dtype)], 0)
        return forget_one

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        inputs, h_tm1 = self._dropped(inputs, h_tm1, training)
        z = tf.matmul(inputs, self.kernel) + tf.matmul(h_tm1, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        z0, z1, z2, z3 = tf.split(z, 4, axis=-1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = self._base_config([
            ("recurrent_activation", activations.serialize(self.recurrent_activation))])
        out = {}
        for k, v in config.items():
            out[k] = v
            if k == "use_bias":
                out["unit_forget_bias"] = self.unit_forget_bias
        out["seed"] = self.seed
        return {**Layer.get_config(self), **out}


class GRUCell(_Cell):
    """Keras 3 GRU cell: gates ``z, r, h``; ``reset_after`` applies the reset gate after the
    recurrent matmul (separate input and recurrent biases, ``bias [2, 3*units]``)."""

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, reset_after=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = units

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        h_tm1 = _first(states)
        u = self.units
        x, h_d = self._dropped(inputs, h_tm1, training)
        if self.bias is not None:
            in_b, rec_b = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        else:
            in_b = rec_b = None
        mx = tf.matmul(x, self.kernel)
        if in_b is not None:
            mx = mx + in_b
        x_z, x_r, x_h = tf.split(mx, 3, axis=-1)
        if self.reset_after:
            inner = tf.matmul(h_d, self.recurrent_kernel)
            if rec_b is not None:
                inner = inner + rec_b
        else:
            inner = tf.matmul(h_d, self.recurrent_kernel[:, :2 * u])
        z = self.recurrent_activation(x_z + inner[:, :u])
        r = self.recurrent_activation(x_r + inner[:, u:2 * u])
        if self.reset_after:
            rh = r * inner[:, 2 * u:]
        else:
            rh = tf.matmul(r * h_d, self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(x_h + rh)
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if nest.is_nested(states) else h)

    def get_config(self):
        config = self._base_config([
            ("recurrent_activation", activations.serialize(self.recurrent_activation))])
        config.update({"reset_after": self.reset_after, "seed": self.seed})
        return {**Layer.get_config(self), **config}


class StackedRNNCells(Layer):
    """Wraps a list of cells so that they behave as one (outputs feed the next cell)."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell) or "state_size" not in dir(cell):
                raise ValueError("All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cells={cells}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        s = last.state_size
        return s[0] if isinstance(s, (list, tuple)) else s

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size=batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) \
                    else [cell.state_size]
                out.append([zeros_state(batch_size, d, self.compute_dtype) for d in sizes])
        return out

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, st in zip(self.cells, states):
            st = list(st) if nest.is_nested(st) else [st]
            kw = {"training": training} if "training" in _params(cell.call) else {}
            inputs, st = cell(inputs, st, **kw)
            new_states.append(st if nest.is_nested(st) else [st])
        return inputs, new_states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            build_sublayer(cell, shape)
            out = getattr(cell, "output_size", None)
            if out is None:
                s = cell.state_size
                out = s[0] if isinstance(s, (list, tuple)) else s
            shape = shape[:-1] + (out,)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialization_lib.serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [serialization_lib.deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)


def zeros_state(batch_size, units, dtype):
    """A ``[batch_size, units]`` zero state; ``batch_size`` may be a scalar tensor."""
    if not tf.is_tensor(batch_size):
        return tf.zeros([batch_size, units], dtype)
    z = tf.zeros(tf.stack([batch_size, units]), dtype)
    if hasattr(z, "set_shape"):
        z.set_shape([None, units])
    return z


def build_sublayer(layer, shape):
    """Build a nested layer by hand, recording its build shape (for its build_config)."""
    if isinstance(layer, Layer) and not layer.built:
        layer.build(shape)
        layer.built = True
        layer.__dict__["_build_shapes"] = tuple(shape)


def _params(fn):
    import inspect

    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
