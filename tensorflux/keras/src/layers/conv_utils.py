"""Argument checks and shape arithmetic shared by the conv, pooling and reshaping layers
(Keras 3's ``argument_validation`` and ``operation_utils`` rules)."""

from __future__ import annotations

import math

from tensorflux.keras.src.backend import standardize_data_format  # noqa: F401 (re-export)


def standardize_tuple(value, n, name, allow_zero=False):
    """``value`` as a tuple of ``n`` ints (an int is repeated), as Keras validates it."""
    if isinstance(value, int):
        value_tuple = (value,) * n
    else:
        try:
            value_tuple = tuple(value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value}") from None
        if len(value_tuple) != n:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value}")
        for v in value_tuple:
            try:
                int(v)
            except (ValueError, TypeError):
                raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                                 f"Received {name}={value} including element {v} of type "
                                 f"{type(v)}") from None
        value_tuple = tuple(int(v) for v in value_tuple)
    if allow_zero:
        bad = {v for v in value_tuple if v < 0}
        req = ">= 0"
    else:
        bad = {v for v in value_tuple if v <= 0}
        req = "> 0"
    if bad:
        raise ValueError(f"`{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value} including values {bad} that do not satisfy "
                         f"`value {req}`")
    return value_tuple


def standardize_padding(value, allow_causal=False):
    """``"valid"``/``"same"`` (and ``"causal"`` for 1-D convolutions), lower-cased."""
    if isinstance(value, (list, tuple)):
        return value
    padding = str(value).lower()
    allowed = {"valid", "same", "causal"} if allow_causal else {"valid", "same"}
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {sorted(allowed)}. "
                         f"Received: padding={value}")
    return padding


def spatial_dims(input_shape, data_format):
    shape = tuple(input_shape)
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


def with_spatial(input_shape, spatial, channels, data_format):
    """The full shape from batch, new spatial dims and channels."""
    if data_format == "channels_last":
        return (input_shape[0],) + tuple(spatial) + (channels,)
    return (input_shape[0], channels) + tuple(spatial)


def conv_output_length(size, kernel, stride, padding, dilation=1):
    """Output length of a convolution or pooling window over ``size`` inputs."""
    if size is None:
        return None
    k = (kernel - 1) * dilation + 1
    if padding == "same":
        return (size + stride - 1) // stride
    if padding == "causal":
        return (size - 1) // stride + 1
    return (size - k) // stride + 1


def conv_output_shape(input_shape, filters, kernel_size, strides, padding, data_format,
                      dilation_rate):
    """Output shape of a convolution; raises like Keras for windows larger than the input."""
    sp = spatial_dims(input_shape, data_format)
    out = []
    for i, s in enumerate(sp):
        o = conv_output_length(s, kernel_size[i], strides[i], padding, dilation_rate[i])
        if o is not None and o <= 0:
            raise ValueError("Computed output size would be zero or negative. Received "
                             f"`inputs shape={tuple(input_shape)}`, `kernel shape="
                             f"{tuple(kernel_size)}`, `dilation_rate={tuple(dilation_rate)}`.")
        out.append(o)
    return with_spatial(input_shape, out, filters, data_format)


def transpose_output_length(size, kernel, stride, padding, output_padding, dilation):
    """Keras's (TensorFlow-style) output length of a transposed convolution."""
    if size is None:
        return None
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        op = max(k, stride) - k if output_padding is None else output_padding
        return (size - 1) * stride + k + op
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + k % 2 + output_padding


def pool_output_shape(input_shape, pool_size, strides, padding, data_format):
    sp = spatial_dims(input_shape, data_format)
    out = []
    for s, k, st in zip(sp, pool_size, strides):
        if s is None:
            out.append(None)
        elif padding == "same":
            out.append(int(math.floor((s - 1) / st)) + 1)
        else:
            out.append(int(math.floor((s - k) / st)) + 1)
    if any(o is not None and o <= 0 for o in out):
        raise ValueError("Computed output size would be negative. Received: "
                         f"`inputs.shape={tuple(input_shape)}` and `pool_size={pool_size}`.")
    ch = input_shape[-1] if data_format == "channels_last" else input_shape[1]
    return with_spatial(input_shape, out, ch, data_format)


def tf_data_format(rank, data_format):
    """TensorFlow's layout string ("NWC", "NHWC", "NCDHW", ...) for a Keras data_format."""
    sp = "DHW"[3 - rank:] if rank > 1 else "W"
    return f"N{sp}C" if data_format == "channels_last" else f"NC{sp}"
