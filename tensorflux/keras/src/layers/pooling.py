"""Keras pooling layers: Max/AveragePooling1D/2D/3D and the global poolings
(``tf.nn.max_pool*``/``avg_pool*`` and reductions over the spatial axes)."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src.engine.layer import InputSpec, Layer
from tensorflux.keras.src.layers import conv_utils as cu

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
           "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


class BasePooling(Layer):
    """Windowed max or average pooling over ``pool_dimensions`` spatial axes."""

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = cu.standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = cu.standardize_tuple(strides, pool_dimensions, "strides",
                                            allow_zero=True)
        self.pool_mode = pool_mode
        self.padding = cu.standardize_padding(padding)
        self.data_format = cu.standardize_data_format(data_format)
        self.rank = pool_dimensions
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

    def call(self, inputs):
        fn = {"max": (tf.nn.max_pool1d, tf.nn.max_pool2d, tf.nn.max_pool3d),
              "average": (tf.nn.avg_pool1d, tf.nn.avg_pool2d, tf.nn.avg_pool3d)}[self.pool_mode]
        return fn[self.rank - 1](inputs, list(self.pool_size), list(self.strides),
                                 self.padding.upper(),
                                 cu.tf_data_format(self.rank, self.data_format))

    def compute_output_shape(self, input_shape):
        return cu.pool_output_shape(tuple(input_shape), self.pool_size, self.strides,
                                    self.padding, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


def _pool_cls(name, rank, mode, default_size, doc):
    if default_size is None:  # Keras's AveragePooling has no default pool_size
        def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                     name=None, **kwargs):
            BasePooling.__init__(self, pool_size, strides, rank, mode, padding, data_format,
                                 name=name, **kwargs)
    else:
        def __init__(self, pool_size=default_size, strides=None, padding="valid",
                     data_format=None, name=None, **kwargs):
            BasePooling.__init__(self, pool_size, strides, rank, mode, padding, data_format,
                                 name=name, **kwargs)
    return type(name, (BasePooling,), {"__init__": __init__, "__doc__": doc,
                                       "__module__": __name__})


MaxPooling1D = _pool_cls("MaxPooling1D", 1, "max", 2, "Max pooling over 1-D windows.")
MaxPooling2D = _pool_cls("MaxPooling2D", 2, "max", (2, 2), "Max pooling over 2-D windows.")
MaxPooling3D = _pool_cls("MaxPooling3D", 3, "max", (2, 2, 2), "Max pooling over 3-D windows.")
AveragePooling1D = _pool_cls("AveragePooling1D", 1, "average", None,
                             "Average pooling over 1-D windows (padding not counted).")
AveragePooling2D = _pool_cls("AveragePooling2D", 2, "average", None,
                             "Average pooling over 2-D windows (padding not counted).")
AveragePooling3D = _pool_cls("AveragePooling3D", 3, "average", None,
                             "Average pooling over 3-D windows (padding not counted).")


class BaseGlobalPooling(Layer):
    """Max or mean over all spatial axes (``keepdims`` keeps them as size 1)."""

    _reduce = None

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = cu.standardize_data_format(data_format)
        self.keepdims = keepdims
        self.rank = pool_dimensions
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

    def _axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return list(range(start, start + self.rank))

    def call(self, inputs):
        return type(self)._reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        n = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * n + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * n
        return (input_shape[0], input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


def _global_cls(name, rank, reduce, doc):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        BaseGlobalPooling.__init__(self, rank, data_format=data_format, keepdims=keepdims,
                                   **kwargs)
    return type(name, (BaseGlobalPooling,), {"__init__": __init__, "__doc__": doc,
                                             "_reduce": staticmethod(reduce),
                                             "__module__": __name__})


GlobalMaxPooling1D = _global_cls("GlobalMaxPooling1D", 1, tf.reduce_max,
                                 "Maximum over the steps axis.")
GlobalMaxPooling2D = _global_cls("GlobalMaxPooling2D", 2, tf.reduce_max,
                                 "Maximum over the two spatial axes.")
GlobalMaxPooling3D = _global_cls("GlobalMaxPooling3D", 3, tf.reduce_max,
                                 "Maximum over the three spatial axes.")
GlobalAveragePooling2D = _global_cls("GlobalAveragePooling2D", 2, tf.reduce_mean,
                                     "Mean over the two spatial axes.")
GlobalAveragePooling3D = _global_cls("GlobalAveragePooling3D", 3, tf.reduce_mean,
                                     "Mean over the three spatial axes.")


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps axis; masked steps (``mask``) are left out of the mean."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axis = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return tf.reduce_mean(inputs, axis=axis, keepdims=self.keepdims)
        m = tf.expand_dims(tf.cast(mask, "bool"), 2 if self.data_format == "channels_last"
                           else 1)
        fm = tf.cast(m, inputs.dtype)
        total = tf.reduce_sum(inputs * fm, axis=axis, keepdims=self.keepdims)
        return total / tf.reduce_sum(fm, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
