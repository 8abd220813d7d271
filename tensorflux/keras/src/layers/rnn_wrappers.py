"""Keras 3 layer wrappers: Bidirectional and TimeDistributed."""

from __future__ import annotations

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux.keras.src.engine.layer import Layer, pop_sublayer
from tensorflux.keras.src.layers.rnn_cells import _params, build_sublayer
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["Bidirectional", "TimeDistributed"]


def _renamed_copy(layer, prefix, **overrides):
    config = serialization_lib.serialize_keras_object(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"]["name"] = f"{prefix}{name}"
    config["config"].update(overrides)
    return serialization_lib.deserialize_keras_object(config)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards and merges their outputs."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward_")
        self.backward_layer = backward_layer if backward_layer is not None else \
            _renamed_copy(layer, "backward_", go_backwards=True)
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{self.forward_layer.go_backwards}, backward_layer.go_backwards="
                             f"{self.backward_layer.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            fv, bv = getattr(self.forward_layer, a), getattr(self.backward_layer, a)
            if fv != bv:
                raise ValueError(f'Forward layer and backward layer are expected to have the '
                                 f'same value for attribute "{a}", got "{fv}" for forward '
                                 f'layer and "{bv}" for backward layer')
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            build_sublayer(sub, sequences_shape)
        self.built = True
        if self._initial_weights:
            n = len(self._initial_weights)
            self.forward_layer.set_weights(self._initial_weights[:n // 2])
            self.backward_layer.set_weights(self._initial_weights[n // 2:])
            self._initial_weights = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        out = self.forward_layer.compute_output_shape(sequences_shape)
        state = ()
        if self.return_state:
            out, state = out[0], tuple(out[1:])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (None if out[-1] is None else out[-1] * 2,)
        elif self.merge_mode is None:
            out = [tuple(out), tuple(out)]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(out) + state + state
            return (tuple(out),) + state + state
        return tuple(out) if self.merge_mode is not None else out

    def compute_mask(self, inputs, mask=None):
        mask = nest.flatten(mask)[0] if mask is not None else None
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(self.forward_layer.state_size) * 2
            return outs + [None] * n
        return outs[0] if self.merge_mode is not None else outs

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kw = {"training": training}
        if mask is not None:
            kw["mask"] = mask
        fs = bs = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fs, bs = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fs, **kw)
        y_rev = self.backward_layer(sequences, initial_state=bs, **kw)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = tf.reverse(y_rev, [1])
        mode = self.merge_mode
        if mode == "concat":
            out = tf.concat([y, y_rev], axis=-1)
        elif mode == "sum":
            out = y + y_rev
        elif mode == "ave":
            out = (y + y_rev) / 2
        elif mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        if self.return_state:
            return (list(out) if mode is None else [out]) + list(states)
        return out

    def reset_state(self):
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = _layer_config(self.forward_layer)
        config["backward_layer"] = _layer_config(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layer, config = pop_sublayer(config, "layer", custom_objects)
        back = config.pop("backward_layer", None)
        if back is not None:
            back = serialization_lib.deserialize_keras_object(back,
                                                              custom_objects=custom_objects)
        return cls(layer, backward_layer=back, **config)


def _layer_config(layer):
    return serialization_lib.serialize_keras_object(layer)


class TimeDistributed(Layer):
    """Applies ``layer`` to every temporal slice (axis 1) of the input.

    The slices are folded into the batch (one call of ``layer`` on ``[batch * time, ...]``),
    which equals a per-step call for every layer without cross-sample statistics.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _inner_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {input_shape}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        inner = self._inner_shape(tuple(input_shape))
        build_sublayer(self.layer, inner)
        self.built = True

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._inner_shape(tuple(input_shape)))
        return (inner[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        shape = inputs.shape.as_list()
        dyn = tf.shape(inputs)
        rest = shape[2:]
        rest_t = [d if d is not None else dyn[i + 2] for i, d in enumerate(rest)]
        if all(d is not None for d in rest):
            flat = tf.reshape(inputs, [-1] + rest)
        else:
            flat = tf.reshape(inputs, tf.stack([-1] + rest_t))
        kw = {}
        params = _params(self.layer.call)
        if "training" in params:
            kw["training"] = training
        if mask is not None and "mask" in params:
            m = tf.reshape(mask, [-1] + mask.shape.as_list()[2:])
            kw["mask"] = m
        y = self.layer(flat, **kw)
        t = shape[1] if shape[1] is not None else dyn[1]
        out_rest = y.shape.as_list()[1:]
        if all(d is not None for d in out_rest) and shape[1] is not None:
            return tf.reshape(y, [-1, t] + out_rest)
        ydyn = tf.shape(y)
        return tf.reshape(y, tf.stack([-1, t] + [d if d is not None else ydyn[i + 1]
                                                 for i, d in enumerate(out_rest)]))

    def get_config(self):
        config = super().get_config()
        config["layer"] = _layer_config(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layer, config = pop_sublayer(config, "layer", custom_objects)
        return cls(layer, **config)
