"""Keras 3 recurrent layers: RNN, SimpleRNN, LSTM, GRU (+ cells and wrappers re-exported).

``RNN(cell)`` runs any cell step by step. ``LSTM``/``GRU`` use one fused op for the whole
sequence (``tensorflux/_src/ops/nn_rnn.py``) when the cell is the standard one (tanh/sigmoid,
no recurrent dropout; GRU with ``reset_after=True``), otherwise the per-step path.
"""

from __future__ import annotations

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux._src.ops import nn_rnn
from tensorflux.keras.src import activations
from tensorflux.keras.src.engine.layer import Layer, config_with_policy, pop_sublayer
from tensorflux.keras.src.layers.rnn_cells import (DropoutRNNCell, GRUCell, LSTMCell,
                                                    SimpleRNNCell, StackedRNNCells, _params,
                                                    build_sublayer, zeros_state)
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell",
           "StackedRNNCells", "Bidirectional", "TimeDistributed", "ConvLSTM1D", "ConvLSTM2D",
           "ConvLSTM3D"]


class _StateHolder:
    """Keeps stateful RNN state variables out of ``layer.weights`` (as Keras does)."""

    def __init__(self, variables):
        self.variables = variables


def _sizes(state_size):
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


class RNN(Layer):
    """Base class for recurrent layers: runs ``cell`` over the time axis (axis 1)."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: "
                             f"cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError("The RNN cell should have a `state_size` attribute (single "
                             "integer or list of integers, one integer per RNN state). "
                             f"Received: cell={cell}")
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self._state_holder = None
        ss = cell.state_size
        if not isinstance(ss, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one "
                             "for each state tensor).")
        self.state_size = _sizes(ss)
        self.single_state = isinstance(ss, int)

    # ---- shapes / masks ----------------------------------------------------------------------
    def _output_size(self):
        out = getattr(self.cell, "output_size", None)
        if out is None:
            out = self.state_size[0]
            out = out[0] if isinstance(out, (list, tuple)) else out
        return out

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        b, t = sequences_shape[0], sequences_shape[1]
        states = []
        for s in self.state_size:
            states.append([(b, d) for d in s] if isinstance(s, (list, tuple)) else (b, s))
        out = (b, t, self._output_size()) if self.return_sequences else \
            (b, self._output_size())
        if self.return_state:
            return (out, *states)
        return out

    def compute_mask(self, inputs, mask=None):
        mask = nest.flatten(mask)[0] if mask is not None else None
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None for _ in self.state_size]
        return out

    # ---- building / state --------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(sequences_shape, list) and sequences_shape and \
                isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        build_sublayer(self.cell, step_shape)
        if self.stateful:
            if self._state_holder is not None:
                self.reset_state()
            else:
                if sequences_shape[0] is None:
                    raise ValueError(
                        "When using `stateful=True` in a RNN, the batch size must be static. "
                        f"Found dynamic batch size: sequence.shape={sequences_shape}. Pass "
                        "`batch_size=` to `keras.Input`.")
                with tf.init_scope():
                    init = self.get_initial_state(sequences_shape[0])
                    self._state_holder = _StateHolder([
                        tf.Variable(s, trainable=False, name="rnn_state")
                        for s in nest.flatten(init)])
                    self._state_structure = init
        self.built = True

    @property
    def states(self):
        if self._state_holder is None:
            return None
        return nest.pack_sequence_as(self._state_structure, self._state_holder.variables)

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            init = fn(batch_size=batch_size)
        else:
            init = [zeros_state(batch_size, d, self.cell.compute_dtype)
                    for d in self.state_size]
        return list(init) if nest.is_nested(init) else [init]

    def reset_state(self):
        if self._state_holder is not None:
            for v in self._state_holder.variables:
                v.assign(tf.zeros_like(v))

    reset_states = reset_state

    # ---- calling -----------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(sequences, (list, tuple)):
            sequences, initial_state = sequences[0], list(sequences[1:]) or initial_state
        timesteps = sequences.shape[1]
        if self.unroll and timesteps is None:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. Specify "
                             "the time dimension with `keras.Input(shape=(timesteps, ...))`.")
        if mask is not None:
            mask = nest.flatten(mask)[0]
        if initial_state is None:
            if self.stateful:
                initial_state = [v.value() for v in self._state_holder.variables]
                initial_state = nest.pack_sequence_as(self._state_structure, initial_state)
            else:
                initial_state = self.get_initial_state(tf.shape(sequences)[0])
        if not nest.is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = nest.map_structure(
            lambda s: tf.cast(tf.convert_to_tensor(s), self.cell.compute_dtype),
            list(initial_state))
        last, outputs, states = self._run(sequences, initial_state, mask, training)
        if self.stateful:
            for v, s in zip(self._state_holder.variables, nest.flatten(states)):
                v.assign(s)
        out = outputs if self.return_sequences else last
        if self.return_state:
            return [out] + list(states)
        return out

    def _run(self, sequences, states, mask, training):
        """Per-step loop over the cell: returns ``(last_output, outputs, states)``."""
        cell = self.cell
        kw = {"training": training} if "training" in _params(cell.call) else {}
        _begin_dropout(cell)
        try:
            t_len = sequences.shape[1]
            if t_len is None:
                return self._run_while(sequences, states, mask, kw)
            order = range(t_len - 1, -1, -1) if self.go_backwards else range(t_len)
            dt = sequences.dtype if sequences.dtype.is_floating else tf.float32
            m_all = None if mask is None else tf.cast(mask, dt)
            outs = []
            for t in order:
                out, new = cell(sequences[:, t], states, **kw)
                new = list(new) if nest.is_nested(new) else [new]
                if m_all is not None:
                    out, new = _masked_step(m_all[:, t:t + 1], out, new, states,
                                            self.zero_output_for_mask)
                states = new
                outs.append(out)
            return outs[-1], tf.stack(outs, axis=1), states
        finally:
            _end_dropout(cell)

    def _run_while(self, sequences, states, mask, kw):
        """Unknown number of steps: a ``tf.while_loop`` over a ``TensorArray``."""
        cell = self.cell
        xs = tf.transpose(sequences, [1, 0] + list(range(2, len(sequences.shape))))
        if self.go_backwards:
            xs = tf.reverse(xs, [0])
        ms = None
        if mask is not None:
            ms = tf.transpose(tf.cast(mask, sequences.dtype), [1, 0])
            if self.go_backwards:
                ms = tf.reverse(ms, [0])
        n = tf.shape(xs)[0]
        ta = tf.TensorArray(sequences.dtype, size=n)
        flat0 = nest.flatten(states)
        out_size = self._output_size()

        def body(t, ta, last, *flat):
            st = nest.pack_sequence_as(states, list(flat))
            out, new = cell(xs[t], st, **kw)
            new = list(new) if nest.is_nested(new) else [new]
            if ms is not None:
                out, new = _masked_step(tf.expand_dims(ms[t], -1), out, new, st,
                                        self.zero_output_for_mask)
            return (t + 1, ta.write(t, out), out, *nest.flatten(new))

        last0 = self._zero_last_output(sequences, flat0) if hasattr(
            self, "_zero_last_output") else zeros_state(tf.shape(sequences)[0], out_size,
                                                        sequences.dtype)
        res = tf.while_loop(lambda t, *_: t < n, body, (tf.constant(0), ta, last0, *flat0))
        outs = res[1].stack()
        outputs = tf.transpose(outs, [1, 0] + list(range(2, len(outs.shape))))
        return res[2], outputs, nest.pack_sequence_as(states, list(res[3:]))

    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful,
            "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask})
        if type(self) is RNN or not isinstance(self.cell, (SimpleRNNCell, LSTMCell, GRUCell)):
            config["cell"] = serialization_lib.serialize_keras_object(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = pop_sublayer(config, "cell", custom_objects)
        return cls(cell, **config)


def _masked_step(m, out, new, states, zero_output):
    """Keras's RNN masking for one step (``m`` is 1 for real steps, shape [batch, 1]): a
    masked step keeps the states and outputs the previous output (first state of the last
    cell) or zeros."""
    prev = tf.zeros_like(out) if zero_output else \
        nest.flatten(states[-1] if nest.is_nested(states[0]) else states)[0]
    out = m * out + (1 - m) * prev
    new = nest.map_structure(lambda a, b: m * a + (1 - m) * b, new, states)
    return out, new


def _begin_dropout(cell):
    for c in getattr(cell, "cells", [cell]):
        if isinstance(c, DropoutRNNCell):
            c._begin_sequence()


def _end_dropout(cell):
    for c in getattr(cell, "cells", [cell]):
        if isinstance(c, DropoutRNNCell):
            c.reset_dropout_mask()
            c.reset_recurrent_dropout_mask()


# ---- built-in layers --------------------------------------------------------------------------
_CELL_KEYS = ("activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "reset_after", "seed")
_RNN_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask")


class _BuiltinRNN(RNN):
    """SimpleRNN/LSTM/GRU: the constructor takes the cell's arguments."""

    _cell_cls = None

    def __init__(self, units, **kwargs):
        cell_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in _CELL_KEYS}
        rnn_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in _RNN_KEYS}
        dtype = kwargs.get("dtype")
        cell = self._cell_cls(units, dtype=dtype, trainable=kwargs.get("trainable", True),
                              name=self._cell_cls.__name__ and None, **cell_kw)
        if "activity_regularizer" in kwargs:
            rnn_kw["activity_regularizer"] = kwargs.pop("activity_regularizer")
        super().__init__(cell, **rnn_kw, **kwargs)
        self.input_spec = None

    def __getattr__(self, name):
        if name in _CELL_KEYS or name == "units":
            cell = self.__dict__.get("cell")
            if cell is not None:
                return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    @property
    def kernel(self):
        return self.cell.kernel

    @property
    def recurrent_kernel(self):
        return self.cell.recurrent_kernel

    @property
    def bias(self):
        return self.cell.bias

    def get_config(self):
        config = super().get_config()
        cell_cfg = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cell_cfg.pop(k, None)
        config.update(cell_cfg)
        if "activity_regularizer" not in config:
            config["activity_regularizer"] = None
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config_with_policy(config))

    # fused fast path -----------------------------------------------------------------------
    def _fusable(self, sequences, training):
        c = self.cell
        return (sequences.dtype.is_floating and sequences.shape.rank == 3
                and activations.serialize(c.activation) == "tanh"
                and activations.serialize(getattr(c, "recurrent_activation", None)) == "sigmoid"
                and not (training and c.recurrent_dropout > 0))

    def _fused_inputs(self, sequences, mask, training):
        c = self.cell
        x = sequences
        if training and 0 < c.dropout < 1:
            drop = tf.nn.dropout(tf.ones_like(x[:, 0]), rate=c.dropout, seed=c.seed)
            x = x * tf.expand_dims(drop, 1)
        if mask is None:
            m = tf.ones(tf.shape(x)[:2], x.dtype)
        else:
            m = tf.cast(mask, x.dtype)
        return x, m

    def _bias_or_zeros(self, shape, dtype):
        return self.cell.bias if self.cell.bias is not None else tf.zeros(shape, dtype)


class SimpleRNN(_BuiltinRNN):
    """Fully-connected RNN whose output is fed back as the next input's state."""

    _cell_cls = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    def _fusable(self, sequences, training):
        return False

    def get_config(self):
        config = super().get_config()
        config.pop("seed", None)
        return config


class LSTM(_BuiltinRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras 3 semantics and weights."""

    _cell_cls = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, unit_forget_bias=True, use_cudnn="auto", **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         unit_forget_bias=unit_forget_bias, **kwargs)
        self.use_cudnn = use_cudnn

    def _run(self, sequences, states, mask, training):
        if not self._fusable(sequences, training):
            return super()._run(sequences, states, mask, training)
        x, m = self._fused_inputs(sequences, mask, training)
        c = self.cell
        b = self._bias_or_zeros([4 * c.units], x.dtype)
        out, h, cs = nn_rnn.lstm_sequence(x, states[0], states[1], c.kernel,
                                          c.recurrent_kernel, b, m, self.go_backwards,
                                          self.zero_output_for_mask)
        # The last output is the final h (masked steps carry h over) unless masked steps
        # output zeros; using h keeps the sequence output's gradient empty when unused.
        last = out[:, -1] if self.zero_output_for_mask else h
        return last, out, [h, cs]


class GRU(_BuiltinRNN):
    """Gated Recurrent Unit (Cho 2014), Keras 3 semantics and weights."""

    _cell_cls = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, reset_after=True, use_cudnn="auto", **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         reset_after=reset_after, **kwargs)
        self.use_cudnn = use_cudnn

    def _run(self, sequences, states, mask, training):
        if not (self.cell.reset_after and self._fusable(sequences, training)):
            return super()._run(sequences, states, mask, training)
        x, m = self._fused_inputs(sequences, mask, training)
        c = self.cell
        b = self._bias_or_zeros([2, 3 * c.units], x.dtype)
        out, h = nn_rnn.gru_sequence(x, states[0], c.kernel, c.recurrent_kernel, b, m,
                                     self.go_backwards, self.zero_output_for_mask)
        return out[:, -1], out, [h]


from tensorflux.keras.src.layers.rnn_wrappers import (  # noqa: E402
    Bidirectional, TimeDistributed)
from tensorflux.keras.src.layers.conv_lstm import (  # noqa: E402
    ConvLSTM1D, ConvLSTM2D, ConvLSTM3D)
