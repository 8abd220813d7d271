"""``keras.InputSpec``: the rank/dtype/axis constraints a layer places on its inputs."""

from __future__ import annotations

from tensorflux._src.core import nest


class InputSpec:
    """Specifies rank, dtype and shape of every input to a layer (``keras.InputSpec``)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else str(getattr(dtype, "name", dtype))
        if shape is not None:
            self.ndim = len(shape)
            self.shape = tuple(shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): v for k, v in axes.items()}
        except (ValueError, TypeError) as e:
            raise TypeError("Argument `axes` must be a dict with integer keys. "
                            f"Received: axes={axes}") from e
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                                 f"value: {max_dim}")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _shape(x):
    s = x.shape
    return tuple(s.as_list()) if hasattr(s, "as_list") else tuple(s)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise ValueError naming the layer when ``inputs`` do not meet ``input_spec``."""
    if not input_spec:
        return
    specs = nest.flatten(input_spec)
    flat = nest.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors. Inputs received: {inputs}")
    for i, (x, spec) in enumerate(zip(flat, specs)):
        if spec is None or x is None:
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type "
                             f"{type(x)}) as input for layer '{layer_name}'.")
        shape = _shape(x)
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(f'Input {i} of layer "{layer_name}" is incompatible with the '
                             f"layer: expected ndim={spec.ndim}, found ndim={ndim}. Full shape "
                             f"received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f'Input {i} of layer "{layer_name}" is incompatible with the '
                             f"layer: expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f'Input {i} of layer "{layer_name}" is incompatible with the '
                             f"layer: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            ax = axis if axis >= 0 else ndim + axis
            if 0 <= ax < ndim and shape[ax] is not None and shape[ax] != value:
                raise ValueError(f'Input {i} of layer "{layer_name}" is incompatible with the '
                                 f"layer: expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            for d_spec, d in zip(spec.shape, shape):
                if d_spec is not None and d is not None and d_spec != d:
                    raise ValueError(f'Input {i} of layer "{layer_name}" is incompatible with '
                                     f"the layer: expected shape={spec.shape}, found "
                                     f"shape={shape}")
