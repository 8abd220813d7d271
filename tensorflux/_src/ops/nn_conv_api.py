"""Public convolution functions of ``tf.nn`` (conv1d/2d/3d, transposes, depthwise, ...)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops.array_manip import squeeze
from tensorflux._src.ops import nn_conv as nc
from tensorflux._src.ops import nn_depthwise as nd_
from tensorflux._src.ops.op_util import tensor


def _shape_tensor(s):
    if isinstance(s, Tensor):
        return s
    return tensor(np.asarray(s, np.int32).reshape(-1))


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
           name=None):
    """2-D convolution (cross-correlation) of a 4-D ``input`` with 4-D ``filters``.

    Args:
      input: ``[batch, height, width, in_channels]`` (NHWC) or NCHW.
      filters: ``[filter_height, filter_width, in_channels, out_channels]``.
      strides: int or list of 1, 2 or 4 ints.
      padding: ``"SAME"``, ``"VALID"`` or explicit ``[[0, 0], [t, b], [l, r], [0, 0]]``.
      data_format: ``"NHWC"`` or ``"NCHW"``.
      dilations: int or list of 1, 2 or 4 ints.

    Example:
      >>> x = tf.ones([1, 5, 5, 1]); w = tf.ones([3, 3, 1, 2])
      >>> tf.nn.conv2d(x, w, 1, "SAME").shape
      TensorShape([1, 5, 5, 2])
    """
    at = nc.conv_attrs(2, strides, padding, data_format, dilations)
    return execute(nc.CONV2D, (tensor(input), tensor(filters)), at, name)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None,  # noqa: A002
           name=None):
    """3-D convolution of a 5-D ``input`` (NDHWC/NCDHW) with ``filters`` [d, h, w, in, out].

    Example:
      >>> tf.nn.conv3d(tf.ones([1, 4, 4, 4, 1]), tf.ones([2, 2, 2, 1, 3]),
      ...              [1, 1, 1, 1, 1], "VALID").shape
      TensorShape([1, 3, 3, 3, 3])
    """
    at = nc.conv_attrs(3, strides, padding, data_format, dilations)
    return execute(nc.CONV3D, (tensor(input), tensor(filters)), at, name)


def _df1(data_format):
    if data_format in (None, "NWC", "NHWC"):
        return "NHWC", 1
    if data_format in ("NCW", "NCHW"):
        return "NCHW", 2
    raise ValueError(f"data_format must be 'NWC' or 'NCW', got {data_format!r}")


def _pad1(padding, sp):
    if isinstance(padding, str):
        return padding
    pads = [list(p) for p in padding]
    return pads[:sp] + [[0, 0]] + pads[sp:]


def _list1(v, df2):
    if v is None:
        return 1
    if isinstance(v, (int, np.integer)):
        return [1, int(v)]
    v = [int(x) for x in v]
    if len(v) == 1:
        return [1, v[0]]
    if len(v) == 3:
        return [v[0], 1, v[1], v[2]] if df2 == "NHWC" else [v[0], v[1], 1, v[2]]
    raise ValueError(f"stride/dilation for a 1-D convolution must have 1 or 3 entries: {v}")


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,  # noqa: A002
           name=None):
    """1-D convolution of a 3-D ``input`` [batch, width, in] with filters [width, in, out].

    Computed, as in TensorFlow, as a Conv2D with a unit height.

    Example:
      >>> tf.nn.conv1d(tf.ones([1, 5, 2]), tf.ones([3, 2, 4]), 1, "VALID").shape
      TensorShape([1, 3, 4])
    """
    df2, sp = _df1(data_format)
    x = A.expand_dims(tensor(input), sp)
    w = A.expand_dims(tensor(filters), 0)
    y = conv2d(x, w, _list1(stride, df2), _pad1(padding, sp), df2, _list1(dilations, df2),
               name=name)
    return _squeeze(y, sp)


def _squeeze(y, axis):
    """Drops the unit height a 1-D op was computed with (TF: ``Squeeze``; keeps static dims)."""
    return squeeze(y, [axis])


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input).

    ``filters`` is ``[height, width, output_channels, in_channels]``.

    Example:
      >>> tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 3]), tf.ones([3, 3, 5, 3]),
      ...                        [1, 4, 4, 5], 2).shape
      TensorShape([1, 4, 4, 5])
    """
    at = nc.conv_attrs(2, strides, padding, data_format, dilations)
    return execute(nc.CONV2D_BP_INPUT, (_shape_tensor(output_shape), tensor(filters),
                                        tensor(input)), at, name)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NDHWC", dilations=None, name=None):
    """Transposed 3-D convolution (``Conv3DBackpropInputV2``).

    Example:
      >>> tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 3]), tf.ones([2, 2, 2, 4, 3]),
      ...                        [1, 4, 4, 4, 4], 2).shape
      TensorShape([1, 4, 4, 4, 4])
    """
    at = nc.conv_attrs(3, strides, padding, data_format, dilations)
    return execute(nc.CONV3D_BP_INPUT, (_shape_tensor(output_shape), tensor(filters),
                                        tensor(input)), at, name)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NWC", dilations=None, name=None):
    """Transposed 1-D convolution; ``filters`` is ``[width, output_channels, in_channels]``.

    Example:
      >>> tf.nn.conv1d_transpose(tf.ones([1, 3, 2]), tf.ones([3, 4, 2]), [1, 6, 4], 2).shape
      TensorShape([1, 6, 4])
    """
    df2, sp = _df1(data_format)
    x = A.expand_dims(tensor(input), sp)
    w = A.expand_dims(tensor(filters), 0)
    if isinstance(output_shape, Tensor):
        os_ = A.concat([A.gather(output_shape, list(range(sp))), tensor(np.array([1], np.int32)),
                        A.gather(output_shape, list(range(sp, 3)))], 0)
    else:
        os_ = list(output_shape)
        os_ = os_[:sp] + [1] + os_[sp:]
    y = conv2d_transpose(x, w, os_, _list1(strides, df2), _pad1(padding, sp), df2,
                         _list1(dilations, df2), name=name)
    return _squeeze(y, sp)


def convolution(input, filters, strides=None, padding="VALID", data_format=None,  # noqa: A002
                dilations=None, name=None):
    """N-D convolution (N = 1, 2, 3), dispatched on the rank of ``input``.

    Example:
      >>> tf.nn.convolution(tf.ones([1, 5, 5, 1]), tf.ones([3, 3, 1, 1])).shape
      TensorShape([1, 3, 3, 1])
    """
    x = tensor(input)
    r = x.shape.rank if x.shape.rank is not None else tensor(filters).shape.rank
    if r == 3:
        return conv1d(x, filters, strides or 1, padding, data_format or "NWC", dilations,
                      name=name)
    if r == 4:
        return conv2d(x, filters, strides or 1, padding, data_format or "NHWC", dilations,
                      name=name)
    if r == 5:
        return conv3d(x, filters, strides or 1, padding, data_format or "NDHWC", dilations,
                      name=name)
    raise ValueError(f"input must have rank 3, 4 or 5 for convolution, got {r}")


def conv_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                   data_format=None, dilations=None, name=None):
    """N-D transposed convolution dispatched on the length of ``output_shape``."""
    n = int(output_shape.shape[0]) if isinstance(output_shape, Tensor) else len(output_shape)
    f = {3: conv1d_transpose, 4: conv2d_transpose, 5: conv3d_transpose}.get(n)
    if f is None:
        raise ValueError(f"output_shape must have length 3, 4 or 5, got {n}")
    df = data_format or {3: "NWC", 4: "NHWC", 5: "NDHWC"}[n]
    return f(input, filters, output_shape, strides, padding, df, dilations, name=name)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Dilated ("atrous") 2-D convolution with dilation ``rate``.

    Example:
      >>> tf.nn.atrous_conv2d(tf.ones([1, 7, 7, 1]), tf.ones([3, 3, 1, 1]), 2, "VALID").shape
      TensorShape([1, 3, 3, 1])
    """
    if rate < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d(value, filters, 1, padding, "NHWC", int(rate), name=name)


def depthwise_conv2d(input, filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    """Depthwise 2-D convolution: channel ``c`` is convolved with ``filter[:, :, c, :]``.

    ``filter`` is ``[h, w, in_channels, channel_multiplier]``; the output has
    ``in_channels * channel_multiplier`` channels.

    Example:
      >>> tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([2, 2, 2, 3]),
      ...                        [1, 1, 1, 1], "VALID").shape
      TensorShape([1, 3, 3, 6])
    """
    df = data_format or "NHWC"
    at = nc.conv_attrs(2, strides, padding, df, dilations)
    return execute(nd_.DEPTHWISE, (tensor(input), tensor(filter)), at, name)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides,  # noqa: A002
                                    padding, data_format="NHWC", dilations=None, name=None):
    """Gradient of depthwise_conv2d with respect to its input."""
    at = nc.conv_attrs(2, strides, padding, data_format, dilations)
    return execute(nd_.DW_BP_INPUT, (_shape_tensor(input_sizes), tensor(filter),
                                     tensor(out_backprop)), at, name)


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides,  # noqa: A002
                                     padding, data_format="NHWC", dilations=None, name=None):
    """Gradient of depthwise_conv2d with respect to its filter."""
    at = nc.conv_attrs(2, strides, padding, data_format, dilations)
    return execute(nd_.DW_BP_FILTER, (tensor(input), _shape_tensor(filter_sizes),
                                      tensor(out_backprop)), at, name)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     data_format=None, dilations=None, name=None):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution.

    Example:
      >>> tf.nn.separable_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([2, 2, 2, 3]),
      ...                        tf.ones([1, 1, 6, 5]), [1, 1, 1, 1], "VALID").shape
      TensorShape([1, 3, 3, 5])
    """
    df = data_format or "NHWC"
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, df, dilations)
    return conv2d(y, pointwise_filter, 1, "VALID", df, name=name)
