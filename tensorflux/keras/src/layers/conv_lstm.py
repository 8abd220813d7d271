"""Keras 3 convolutional LSTM: ConvLSTMCell and ConvLSTM1D/2D/3D.

The gates are LSTM's (``i, f, c, o``) with convolutions in place of matmuls: ``kernel
[*kernel_size, in_channels, 4*filters]`` on the input (``strides``, ``padding``,
``dilation_rate``) and ``recurrent_kernel [*kernel_size, filters, 4*filters]`` on ``h``
(stride 1, ``same``). All four gates are one convolution each for the input and the state.
"""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src import activations, constraints, initializers, regularizers
from tensorflux.keras.src.engine.layer import InputSpec, Layer, config_with_policy
from tensorflux.keras.src.layers import conv_utils as cu
from tensorflux.keras.src.layers.rnn import RNN
from tensorflux.keras.src.layers.rnn_cells import DropoutRNNCell, _check_rate

__all__ = ["ConvLSTMCell", "ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CELL_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
_SER = (("kernel_initializer", initializers), ("recurrent_initializer", initializers),
        ("bias_initializer", initializers), ("kernel_regularizer", regularizers),
        ("recurrent_regularizer", regularizers), ("bias_regularizer", regularizers),
        ("kernel_constraint", constraints), ("recurrent_constraint", constraints),
        ("bias_constraint", constraints))


class ConvLSTMCell(DropoutRNNCell, Layer):
    """One ConvLSTM step: ``(inputs [batch, *spatial, channels], [h, c]) -> (h, [h, c])``."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if rank > 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        self.seed = seed
        self.rank = rank
        self.filters = filters
        self.kernel_size = cu.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = cu.standardize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = cu.standardize_padding(padding)
        self.data_format = cu.standardize_data_format(data_format)
        self.dilation_rate = cu.standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Specifying `strides > 1` is not compatible with "
                             "`dilation_rate > 1`. Please provide `strides=1` or "
                             f"`dilation_rate=1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.unit_forget_bias = unit_forget_bias
        for name, mod in _SER:
            setattr(self, name, mod.get(locals()[name]))
        self.dropout = min(1.0, max(0.0, _check_rate("dropout", dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, _check_rate("recurrent_dropout",
                                                                 recurrent_dropout)))
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = -1  # depends on the input's spatial shape (see ``state_shape``)

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        channel_axis = 1 if self.data_format == "channels_first" else -1
        self.spatial_dims = cu.spatial_dims(inputs_shape, self.data_format)
        if None in self.spatial_dims:
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial "
                             f"dimension. Received invalid input shape: "
                             f"input_shape={inputs_shape}")
        if inputs_shape[channel_axis] is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be "
                             f"defined. Found None. Full input shape received: "
                             f"input_shape={inputs_shape}")
        self.input_spec = InputSpec(ndim=self.rank + 2, shape=(None,) + inputs_shape[1:])
        self.input_dim = inputs_shape[channel_axis]
        n = 4 * self.filters
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.input_dim, n), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, n), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = self.add_weight(
            shape=(n,), name="bias", initializer=self._bias_init(),
            regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None
        self.built = True

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.filters

        def forget_one(shape, dtype=None):
            return tf.concat([init((u,), dtype=dtype), tf.ones([u], dtype),
                              init((2 * u,), dtype=dtype)], 0)
        return forget_one

    # ---- shapes --------------------------------------------------------------------------
    def state_shape(self, spatial):
        """Shape of ``h``/``c`` (without batch) for inputs with ``spatial`` dimensions."""
        out = [cu.conv_output_length(s, k, st, self.padding, d) for s, k, st, d in
               zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if self.data_format == "channels_first":
            return (self.filters, *out)
        return (*out, self.filters)

    def compute_output_shape(self, inputs_shape, states_shape=None):
        shape = (inputs_shape[0],) + self.state_shape(
            cu.spatial_dims(inputs_shape, self.data_format))
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        shape = self.state_shape(self.spatial_dims)
        if tf.is_tensor(batch_size):
            dims = tf.concat([tf.reshape(batch_size, [1]), tf.constant(shape, tf.int32)], 0)
        else:
            dims = [batch_size, *shape]
        z = tf.zeros(dims, self.compute_dtype)
        if hasattr(z, "set_shape"):  # symbolic batch size: keep the static state shape
            z.set_shape([None, *shape])
        return [z, tf.identity(z)]

    # ---- computation ---------------------------------------------------------------------
    def _conv(self, x, w, strides, padding, dilation):
        first = self.data_format == "channels_first"
        if first:  # compute channels_last (the CPU layout), then move channels back
            x = tf.transpose(x, [0] + list(range(2, self.rank + 2)) + [1])
        y = tf.nn.convolution(x, w, strides=list(strides), padding=padding.upper(),
                              dilations=list(dilation))
        if first:
            y = tf.transpose(y, [0, self.rank + 1] + list(range(1, self.rank + 1)))
        return y

    def input_conv(self, x, w, b=None, padding="valid"):
        y = self._conv(x, w, self.strides, padding, self.dilation_rate)
        if b is not None:
            shape = (1,) * (self.rank + 1) + (-1,) if self.data_format == "channels_last" \
                else (1, -1) + (1,) * self.rank
            y = y + tf.reshape(b, shape)
        return y

    def recurrent_conv(self, x, w):
        return self._conv(x, w, (1,) * self.rank, "same", (1,) * self.rank)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            h_tm1 = h_tm1 * self.get_recurrent_dropout_mask(h_tm1)
        axis = -1 if self.data_format == "channels_last" else 1
        z = self.input_conv(inputs, self.kernel, self.bias, padding=self.padding) + \
            self.recurrent_conv(h_tm1, self.recurrent_kernel)
        z_i, z_f, z_c, z_o = tf.split(z, 4, axis=axis)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def _cell_config(self):
        config = {k: getattr(self, k) for k in _CELL_ARGS}
        config.update({
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias})
        for name, mod in _SER[:3]:
            config[name] = mod.serialize(getattr(self, name))
        config["unit_forget_bias"] = self.unit_forget_bias
        for name, mod in _SER[3:6]:
            config[name] = mod.serialize(getattr(self, name))
        return config

    def get_config(self):
        config = self._cell_config()
        for name, mod in _SER[6:]:
            config[name] = mod.serialize(getattr(self, name))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "seed": self.seed})
        return {**super().get_config(), **config, "rank": self.rank}


class ConvLSTM(RNN):
    """Base of ConvLSTM1D/2D/3D: an ``RNN`` over a ``ConvLSTMCell``."""

    _rank = None

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
            dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and (name in _CELL_ARGS or name in dict(_SER) or name in (
                "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
                "dropout", "recurrent_dropout")):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def get_initial_state(self, batch_size):
        return self.cell.get_initial_state(batch_size)

    def _zero_last_output(self, sequences, states):
        return tf.zeros_like(states[0])

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        b, t = sequences_shape[0], sequences_shape[1]
        state = self.cell.state_shape(cu.spatial_dims((b,) + tuple(sequences_shape[2:]),
                                                      self.cell.data_format))
        out = (b, t) + state if self.return_sequences else (b,) + state
        if self.return_state:
            return out, (b,) + state, (b,) + state
        return out

    def get_config(self):
        base = super().get_config()
        base.pop("cell", None)
        config = self.cell._cell_config()
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        for name, mod in _SER[6:]:
            config[name] = mod.serialize(getattr(self.cell, name))
        config.update({"dropout": self.cell.dropout,
                       "recurrent_dropout": self.cell.recurrent_dropout,
                       "seed": self.cell.seed})
        return {**base, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = config_with_policy(config)
        config.pop("unroll", None)
        config.pop("zero_output_for_mask", None)
        return cls(**config)


def _make(rank, doc):
    def __init__(self, filters, kernel_size, **kwargs):
        ConvLSTM.__init__(self, rank, filters, kernel_size, **kwargs)

    def get_config(self):
        return ConvLSTM.get_config(self)

    return type(f"ConvLSTM{rank}D", (ConvLSTM,), {
        "__init__": __init__, "__doc__": doc, "_rank": rank,
        "__module__": __name__})


ConvLSTM1D = _make(1, "1D convolutional LSTM over ``[batch, time, steps, channels]``.")
ConvLSTM2D = _make(2, "2D convolutional LSTM over ``[batch, time, rows, cols, channels]``.")
ConvLSTM3D = _make(3, "3D convolutional LSTM over ``[batch, time, d1, d2, d3, channels]``.")
