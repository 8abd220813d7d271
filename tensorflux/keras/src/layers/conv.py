"""Keras convolution layers: Conv1D/2D/3D, their transposes, separable and depthwise
convolutions (Keras 3 arguments, defaults, weights and configs).

The forward pass is written as TensorFlow Keras writes it - ``tf.nn.conv*`` then
``tf.nn.bias_add`` then the activation - so the graph optimizer's remapper fuses
Conv2D + BiasAdd + Relu into ``_FusedConv2D`` inside ``tf.function``.
"""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src import activations, constraints, initializers, regularizers
from tensorflux.keras.src.engine.layer import InputSpec, Layer
from tensorflux.keras.src.layers import conv_utils as cu

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
           "DepthwiseConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose",
           "SeparableConvolution1D", "SeparableConvolution2D"]


def _channel_axis(data_format, rank):
    return rank + 1 if data_format == "channels_last" else 1


def conv_nd(x, kernel, rank, strides, padding, data_format, dilation_rate):
    """``tf.nn.conv1d/2d/3d`` with Keras's arguments (padding "valid"/"same")."""
    df = cu.tf_data_format(rank, data_format)
    pad = padding.upper()
    if rank == 1:
        return tf.nn.conv1d(x, kernel, list(strides), pad, df, list(dilation_rate))
    if rank == 2:
        return tf.nn.conv2d(x, kernel, list(strides), pad, df, list(dilation_rate))
    return tf.nn.conv3d(x, kernel, list(strides), pad, df, list(dilation_rate))


def _w(layer, v):
    """A weight in the layer's compute dtype (Keras autocasts variables in ``call``)."""
    return v if v.dtype.name == layer.compute_dtype else tf.cast(v, layer.compute_dtype)


def _bias_act(layer, outputs):
    if layer.use_bias:
        outputs = tf.nn.bias_add(outputs, _w(layer, layer.bias),
                                 data_format=cu.tf_data_format(layer.rank, layer.data_format))
    if layer.activation is not None:
        return layer.activation(outputs)
    return outputs


def _input_channel(input_shape, data_format):
    return input_shape[-1] if data_format == "channels_last" else input_shape[1]


def _check_channel(layer, input_shape):
    ch = _input_channel(input_shape, layer.data_format)
    if ch is None:
        raise ValueError(f"The channel dimension of the inputs to {type(layer).__name__} "
                         f"should be defined. Received input shape {tuple(input_shape)} "
                         f"(data_format={layer.data_format!r}).")
    return int(ch)


class _ConvCommon(Layer):
    """Arguments shared by every convolution layer."""

    def __init__(self, rank, kernel_size, strides, padding, data_format, dilation_rate,
                 activation, use_bias, bias_initializer, bias_regularizer,
                 activity_regularizer, bias_constraint, allow_causal=False, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer),
                         **kwargs)
        self.rank = rank
        self.kernel_size = cu.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = cu.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = cu.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = cu.standardize_padding(padding, allow_causal=allow_causal)
        self.data_format = cu.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def _set_input_spec(self, channels):
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})

    def _add_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(size,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True,
                                        dtype=self.dtype)
        else:
            self.bias = None

    def _common_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}

    def _tail_config(self, pairs):
        cfg = {}
        for key, kind in pairs:
            v = getattr(self, key)
            cfg[key] = {"i": initializers, "r": regularizers, "c": constraints}[kind].serialize(v)
        return cfg


class BaseConv(_ConvCommon):
    """N-D convolution (``Conv1D/2D/3D``), with ``groups`` and, for 1-D, causal padding."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, allow_causal=rank == 1,
                         **kwargs)
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        if filters is not None and filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        if groups <= 0:
            raise ValueError("The number of groups must be a positive integer. "
                             f"Received: groups={groups}.")
        if filters is not None and filters % groups != 0:
            raise ValueError("The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={groups}, filters={filters}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")

    def build(self, input_shape):
        ch = _check_channel(self, input_shape)
        if ch % self.groups != 0:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the "
                             f"input has {ch} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self._set_input_spec(ch)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (ch // self.groups,
                                                                self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True,
                                      dtype=self.dtype)
        self._add_bias(self.filters)
        self.built = True

    def convolution_op(self, inputs, kernel):
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            pads = [[0, 0], [left, 0], [0, 0]] if self.data_format == "channels_last" \
                else [[0, 0], [0, 0], [left, 0]]
            inputs = tf.pad(inputs, pads)
            padding = "valid"
        args = (self.rank, self.strides, padding, self.data_format, self.dilation_rate)
        if self.groups == 1:
            return conv_nd(inputs, kernel, *args)
        axis = _channel_axis(self.data_format, self.rank)
        xs = tf.split(inputs, self.groups, axis=axis)
        ks = tf.split(kernel, self.groups, axis=-1)
        return tf.concat([conv_nd(xi, ki, *args) for xi, ki in zip(xs, ks)], axis=axis)

    def call(self, inputs):
        return _bias_act(self, self.convolution_op(inputs, _w(self, self.kernel)))

    def compute_output_shape(self, input_shape):
        return cu.conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                    self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, **self._common_config(),
                       "groups": self.groups,
                       "activation": activations.serialize(self.activation),
                       "use_bias": self.use_bias})
        config.update(self._tail_config((
            ("kernel_initializer", "i"), ("bias_initializer", "i"),
            ("kernel_regularizer", "r"), ("bias_regularizer", "r"),
            ("activity_regularizer", "r"), ("kernel_constraint", "c"),
            ("bias_constraint", "c"))))
        return config


class Conv1D(BaseConv):
    """1-D convolution (temporal); ``padding`` may also be ``"causal"``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2D(BaseConv):
    """2-D convolution (spatial convolution over images)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3D(BaseConv):
    """3-D convolution (spatial convolution over volumes)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class BaseConvTranspose(_ConvCommon):
    """N-D transposed convolution; kernel ``kernel_size + (filters, in_channels)``."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, **kwargs)
        self.filters = filters
        self.output_padding = None if output_padding is None else cu.standardize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        if filters is not None and filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError("`output_padding` must be strictly less than `strides` "
                                     f"for all dimensions. At dimension {i}, "
                                     f"`output_padding` is {op} but `strides` is {s}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")

    def build(self, input_shape):
        ch = _check_channel(self, input_shape)
        self._set_input_spec(ch)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (self.filters, ch),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True,
                                      dtype=self.dtype)
        self._add_bias(self.filters)
        self.built = True

    def _out_spatial(self, sizes):
        return [cu.transpose_output_length(s, k, st, self.padding,
                                           None if self.output_padding is None else op, d)
                for s, k, st, op, d in zip(sizes, self.kernel_size, self.strides,
                                           self.output_padding or (None,) * self.rank,
                                           self.dilation_rate)]

    def call(self, inputs):
        static = list(inputs.shape)
        dyn = None
        for i, v in enumerate(static):
            if v is None:
                dyn = tf.shape(inputs) if dyn is None else dyn
                static[i] = dyn[i]
        sp = cu.spatial_dims(static, self.data_format)
        out = cu.with_spatial(static, self._out_spatial(sp), self.filters, self.data_format)
        if any(isinstance(v, tf.Tensor) for v in out):
            out = tf.stack([tf.cast(v, tf.int32) for v in out])
        else:
            out = [int(v) for v in out]
        y = self._transpose_op(inputs, out)
        if dyn is not None:  # keep the static dims the shape rule cannot see
            y = tf.ensure_shape(y, self.compute_output_shape(tuple(inputs.shape)))
        return _bias_act(self, y)

    def _transpose_op(self, x, out):
        kernel = _w(self, self.kernel)
        pad = self.padding.upper()
        st, dl = list(self.strides), list(self.dilation_rate)
        if self.rank == 1:  # a 2-D transposed convolution over a unit height
            axis = 1 if self.data_format == "channels_last" else 2
            out = tf.concat([out[:axis], [1], out[axis:]], 0) if isinstance(out, tf.Tensor) \
                else out[:axis] + [1] + out[axis:]
            y = tf.nn.conv2d_transpose(tf.expand_dims(x, axis), tf.expand_dims(kernel, 0),
                                       out, [1] + st, pad, cu.tf_data_format(2, self.data_format),
                                       [1] + dl)
            return tf.squeeze(y, [axis])
        fn = tf.nn.conv2d_transpose if self.rank == 2 else tf.nn.conv3d_transpose
        return fn(x, kernel, out, st, pad, cu.tf_data_format(self.rank, self.data_format), dl)

    def compute_output_shape(self, input_shape):
        sp = cu.spatial_dims(input_shape, self.data_format)
        return cu.with_spatial(tuple(input_shape), self._out_spatial(sp), self.filters,
                               self.data_format)

    def get_config(self):
        config = super().get_config()
        common = self._common_config()
        config.update({"filters": self.filters, "kernel_size": common["kernel_size"],
                       "strides": common["strides"], "padding": common["padding"],
                       "output_padding": self.output_padding,
                       "data_format": common["data_format"],
                       "dilation_rate": common["dilation_rate"],
                       "activation": activations.serialize(self.activation),
                       "use_bias": self.use_bias})
        config.update(self._tail_config((
            ("kernel_initializer", "i"), ("bias_initializer", "i"),
            ("kernel_regularizer", "r"), ("bias_regularizer", "r"),
            ("activity_regularizer", "r"), ("kernel_constraint", "c"),
            ("bias_constraint", "c"))))
        return config


def _transpose_cls(rank, default):
    def __init__(self, filters, kernel_size, strides=default, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=default,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        BaseConvTranspose.__init__(
            self, rank, filters, kernel_size, strides, padding, output_padding, data_format,
            dilation_rate, activation, use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint, **kwargs)
    return __init__


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution (deconvolution)."""

    __init__ = _transpose_cls(1, 1)


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution (deconvolution)."""

    __init__ = _transpose_cls(2, (1, 1))


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution (deconvolution)."""

    __init__ = _transpose_cls(3, (1, 1, 1))


def _to_2d(layer, x):
    """A 1-D layer's input as a 2-D one with a unit spatial dim before the steps."""
    return tf.expand_dims(x, 1 if layer.data_format == "channels_last" else 2)


def _from_2d(layer, y):
    return tf.squeeze(y, axis=1 if layer.data_format == "channels_last" else 2)


def _depthwise(layer, x, kernel):
    df = cu.tf_data_format(2, layer.data_format)
    pad = layer.padding.upper()
    if layer.rank == 1:
        y = tf.nn.depthwise_conv2d(_to_2d(layer, x), tf.expand_dims(kernel, 0),
                                   [1] + list(layer.strides), pad, df,
                                   [1] + list(layer.dilation_rate))
        return _from_2d(layer, y)
    return tf.nn.depthwise_conv2d(x, kernel, list(layer.strides), pad, df,
                                  list(layer.dilation_rate))


class BaseDepthwiseConv(_ConvCommon):
    """Depthwise convolution: each input channel gets ``depth_multiplier`` filters."""

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        if depth_multiplier is not None and depth_multiplier <= 0:
            raise ValueError("Invalid value for argument `depth_multiplier`. Expected a "
                             "strictly positive value. Received "
                             f"depth_multiplier={depth_multiplier}.")

    def build(self, input_shape):
        ch = _check_channel(self, input_shape)
        self._set_input_spec(ch)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (ch, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, trainable=True,
                                      dtype=self.dtype)
        self._add_bias(ch * self.depth_multiplier)
        self.built = True

    def call(self, inputs):
        return _bias_act(self, _depthwise(self, inputs, _w(self, self.kernel)))

    def compute_output_shape(self, input_shape):
        ch = _input_channel(input_shape, self.data_format)
        return cu.conv_output_shape(input_shape, None if ch is None else
                                    ch * self.depth_multiplier, self.kernel_size,
                                    self.strides, self.padding, self.data_format,
                                    self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, **self._common_config(),
                       "activation": activations.serialize(self.activation),
                       "use_bias": self.use_bias})
        config.update(self._tail_config((
            ("depthwise_initializer", "i"), ("bias_initializer", "i"),
            ("depthwise_regularizer", "r"), ("bias_regularizer", "r"),
            ("activity_regularizer", "r"), ("depthwise_constraint", "c"),
            ("bias_constraint", "c"))))
        return config


def _depthwise_cls(rank, default):
    def __init__(self, kernel_size, strides=default, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=default, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        BaseDepthwiseConv.__init__(
            self, rank, depth_multiplier, kernel_size, strides, padding, data_format,
            dilation_rate, activation, use_bias, depthwise_initializer, bias_initializer,
            depthwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, bias_constraint, **kwargs)
    return __init__


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution."""

    __init__ = _depthwise_cls(1, 1)


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution."""

    __init__ = _depthwise_cls(2, (1, 1))


class BaseSeparableConv(_ConvCommon):
    """Depthwise convolution followed by a pointwise (1x1) convolution."""

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1,
                 padding="valid", data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        if depth_multiplier is not None and depth_multiplier <= 0:
            raise ValueError("Invalid value for argument `depth_multiplier`. Expected a "
                             "strictly positive value. Received "
                             f"depth_multiplier={depth_multiplier}.")
        if filters is not None and filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")

    def build(self, input_shape):
        ch = _check_channel(self, input_shape)
        self._set_input_spec(ch)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (ch, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, trainable=True, dtype=self.dtype)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (ch * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, trainable=True, dtype=self.dtype)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        y = _depthwise(self, inputs, _w(self, self.depthwise_kernel))
        y = conv_nd(y, _w(self, self.pointwise_kernel), self.rank, (1,) * self.rank, "valid",
                    self.data_format, (1,) * self.rank)
        return _bias_act(self, y)

    def compute_output_shape(self, input_shape):
        return cu.conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                    self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, "filters": self.filters,
                       **self._common_config(),
                       "activation": activations.serialize(self.activation),
                       "use_bias": self.use_bias})
        config.update(self._tail_config((
            ("depthwise_initializer", "i"), ("pointwise_initializer", "i"),
            ("bias_initializer", "i"), ("depthwise_regularizer", "r"),
            ("pointwise_regularizer", "r"), ("bias_regularizer", "r"),
            ("activity_regularizer", "r"), ("depthwise_constraint", "c"),
            ("pointwise_constraint", "c"), ("bias_constraint", "c"))))
        return config


def _separable_cls(rank, default):
    def __init__(self, filters, kernel_size, strides=default, padding="valid",
                 data_format=None, dilation_rate=default, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        BaseSeparableConv.__init__(
            self, rank, depth_multiplier, filters, kernel_size, strides, padding, data_format,
            dilation_rate, activation, use_bias, depthwise_initializer,
            pointwise_initializer, bias_initializer, depthwise_regularizer,
            pointwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)
    return __init__


class SeparableConv1D(BaseSeparableConv):
    """1-D depthwise-separable convolution."""

    __init__ = _separable_cls(1, 1)


class SeparableConv2D(BaseSeparableConv):
    """2-D depthwise-separable convolution."""

    __init__ = _separable_cls(2, (1, 1))


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
