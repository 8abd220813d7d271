"""Keras 3 numeric/categorical preprocessing: Rescaling, Normalization, Discretization,
CategoryEncoding, Hashing."""

from __future__ import annotations

import math

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import backend
from tensorflux.keras.src.layers.preprocessing_base import (
    PreprocessingLayer, encode_categorical, iter_batches, to_numpy, validate_choice)
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["Rescaling", "Normalization", "Discretization", "CategoryEncoding", "Hashing"]


class Rescaling(PreprocessingLayer):
    """``inputs * scale + offset`` (e.g. ``scale=1/255`` for images)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dt = self.compute_dtype
        scale = tf.cast(tf.convert_to_tensor(self.scale), dt)
        offset = tf.cast(tf.convert_to_tensor(self.offset), dt)
        return tf.cast(inputs, dt) * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": serialization_lib.serialize_keras_object(self.scale),
                       "offset": serialization_lib.serialize_keras_object(self.offset)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for k in ("scale", "offset"):
            config[k] = serialization_lib.deserialize_keras_object(config[k])
        return super().from_config(config)


class Normalization(PreprocessingLayer):
    """Feature-wise ``(x - mean) / sqrt(var)`` with mean/variance given or ``adapt``-ed."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self.__dict__["_build_input_shape"] = None
        self.__dict__["mean"] = None
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"When setting values directly, `mean` and `variance` must "
                                 f"have the same shape. Received: mean shape {np.shape(mean)} "
                                 f"and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        d = self.__dict__
        d["_build_input_shape"] = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        keep = tuple(sorted(a % ndim for a in self.axis))
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, with "
                                 f"unknown axis at index {a}")
        d["_keep_axis"] = keep
        d["_reduce_axis"] = tuple(a for a in range(ndim) if a not in keep)
        d["_broadcast_shape"] = [input_shape[a] if a in keep else 1 for a in range(ndim)]
        d["_mean_and_var_shape"] = tuple(input_shape[a] for a in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance",
                                                  shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int",
                                         initializer="zeros", trainable=False)
            d["built"] = True
            self.finalize_state()
        else:
            mean = np.asarray(self.input_mean, dtype=np.float64)
            var = np.asarray(self.input_variance, dtype=np.float64)
            if mean.ndim:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[keep[-i]] = mean.shape[-i]
                mean, var = mean.reshape(expanded), var.reshape(expanded)
            shape = [1 if s is None else s for s in self._broadcast_shape]
            d["mean"] = tf.constant(np.broadcast_to(mean, shape).astype(self.compute_dtype))
            d["variance"] = tf.constant(np.broadcast_to(var, shape).astype(self.compute_dtype))
            d["built"] = True

    def adapt(self, data, batch_size=None, steps=None):
        """Compute mean and variance over the non-``axis`` dimensions of ``data``."""
        if hasattr(data, "element_spec"):
            spec = data.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            if len(spec.shape) == 1:
                data = data.batch(128)
                spec = data.element_spec
                spec = spec[0] if isinstance(spec, tuple) else spec
            input_shape = tuple(spec.shape.as_list())
            whole = None
        elif isinstance(data, (np.ndarray, tf.Tensor)) or isinstance(data, (list, tuple)) \
                and not (data and hasattr(data[0], "shape")):
            whole = np.asarray(to_numpy(data))
            input_shape = whole.shape
        else:
            batches = [np.asarray(to_numpy(b)) for b in iter_batches(data, steps=steps)]
            if not batches:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch.")
            data, whole, input_shape = batches, None, batches[0].shape
        if not self.built:
            self.build(input_shape)
        else:
            for a in self._keep_axis:
                if input_shape[a] != self._build_input_shape[a]:
                    raise ValueError(f"The layer was built with input_shape="
                                     f"{self._build_input_shape}, but adapt() is being called "
                                     f"with data with an incompatible shape, "
                                     f"data.shape={input_shape}")
        if whole is not None:
            mean = np.mean(whole, axis=self._reduce_axis)
            var = np.var(whole, axis=self._reduce_axis)
        else:
            mean = np.zeros(self._mean_and_var_shape, np.float32)
            var = np.zeros(self._mean_and_var_shape, np.float32)
            total = 0
            for batch in iter_batches(data, steps=steps) if not isinstance(data, list) \
                    else data:
                b = np.asarray(to_numpy(batch), dtype=self.compute_dtype)
                b_mean = np.mean(b, axis=self._reduce_axis)
                b_var = np.var(b, axis=self._reduce_axis)
                count = math.prod(b.shape[a] for a in self._reduce_axis) \
                    if self._reduce_axis else 1
                total += count
                w = float(count) / total
                new_mean = mean * (1.0 - w) + b_mean * w
                var = (var + (mean - new_mean) ** 2) * (1.0 - w) + \
                    (b_var + (b_mean - new_mean) ** 2) * w
                mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, np.float32))
        self.adapt_variance.assign(np.asarray(var, np.float32))
        self.finalize_state()
        self.__dict__["_is_adapted"] = True

    def finalize_state(self):
        if self.input_mean is not None or not self.built:
            return
        d = self.__dict__
        d["mean"] = tf.cast(tf.reshape(self.adapt_mean, self._broadcast_shape),
                            self.compute_dtype)
        d["variance"] = tf.cast(tf.reshape(self.adapt_variance, self._broadcast_shape),
                                self.compute_dtype)

    def load_own_variables(self, store):
        """Restore mean/variance/count (a saved file) and refresh the cached statistics."""
        for v, key in zip(self.weights, sorted(store.keys(), key=int)):
            v.assign(store[key])
        self.finalize_state()

    def call(self, inputs):
        # As in Keras, the statistics are those of the last adapt()/finalize_state() (or the
        # constructor's), not re-read from the variables at each call.
        if self.mean is None:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        mean, var = self.mean, self.variance
        x = tf.cast(inputs, self.compute_dtype)
        std = tf.maximum(tf.sqrt(var), tf.constant(backend.epsilon(), self.compute_dtype))
        return mean + x * std if self.invert else (x - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "invert": self.invert,
                       "mean": np.array(self.input_mean).tolist(),
                       "variance": np.array(self.input_variance).tolist()})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return super().from_config(config)

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, config):
        if config:
            self.build(config["input_shape"])


# ---- Discretization ----------------------------------------------------------------------------
def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    bounds = values[int(step - 1)::int(step)]
    return np.stack([bounds, np.ones_like(bounds) * step])


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    pct = cum / cum[-1]
    bins = np.interp(percents, pct, summary[0])
    cum = np.interp(percents, pct, cum)
    weights = cum - np.concatenate((np.array([0]), cum[:-1]))
    return np.stack((bins, weights)).astype("float32")


class Discretization(PreprocessingLayer):
    """Buckets continuous values by ``bin_boundaries`` (or ``num_bins`` quantiles via adapt)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("`sparse=True` is not supported by tensorflux's Discretization; "
                             "use the dense output.")
        validate_choice(output_mode, ("int", "one_hot", "multi_hot", "count"),
                        "Discretization", "output_mode")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def input_dtype(self):
        return backend.floatx()

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def _output_dtype(self, input_dtype):
        return self.output_dtype

    def adapt(self, data, batch_size=None, steps=None):
        """Estimate ``num_bins`` quantile boundaries of ``data``."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        if isinstance(data, (list, tuple)):  # Keras: a list is an iterable of batches here
            data = iter(data)
        super().adapt(data, batch_size=batch_size, steps=steps)

    def update_state(self, data):
        summary = _summarize(np.array(to_numpy(data)).astype("float32"), self.epsilon)
        merged = np.concatenate((summary, self.summary), axis=1)
        merged = np.take(merged, np.argsort(merged[0]), axis=1)
        self.summary = _compress(merged, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        x = tf.convert_to_tensor(inputs)
        bounds = tf.constant(np.asarray(self.bin_boundaries, dtype=x.dtype.as_numpy_dtype))
        ids = tf.ensure_shape(tf.reshape(tf.searchsorted(bounds, tf.reshape(x, [-1]),
                                                         side="right"), tf.shape(x)),
                              x.shape.as_list())
        return encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1,
                                  self.output_dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None \
            else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bounds = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = bounds
            return layer
        return cls(**config)


# ---- CategoryEncoding / Hashing ----------------------------------------------------------------
class CategoryEncoding(PreprocessingLayer):
    """Integer ids -> one_hot / multi_hot / count vectors of ``num_tokens`` classes."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` is not supported by tensorflux's "
                             "CategoryEncoding; use the dense output.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"`count_weights` is not used when `output_mode` is not "
                             f"`'count'`. Received `count_weights={count_weights}`.")
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self.compute_dtype,
                                  count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config


class Hashing(PreprocessingLayer):
    """Hashes values into ``num_bins`` bins (FarmHash64, or SipHash64 with ``salt``)."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(autocast=False, **kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        validate_choice(output_mode, ("int", "one_hot", "multi_hot", "count"), "Hashing",
                        "output_mode")
        if sparse:
            raise ValueError("`sparse=True` is not supported by tensorflux's Hashing; use the "
                             "dense output.")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `Hashing` can only be a tuple of "
                                 f"size 2 integers, or a single integer. Received: salt={salt}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = sparse

    def _hash(self, values):
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = tf.equal(values, tf.constant(self.mask_value, dtype=values.dtype))
        if values.dtype.is_integer:
            values = tf.strings.as_string(values)
        if self.salt is not None:
            out = tf.strings.to_hash_bucket_strong(values, bins, key=self.salt)
        else:
            out = tf.strings.to_hash_bucket_fast(values, bins)
        if mask is not None:
            out = tf.where(mask, tf.zeros_like(out), out + 1)
        return out

    def call(self, inputs):
        inputs = tf.convert_to_tensor(inputs)
        return encode_categorical(self._hash(inputs), self.output_mode, self.num_bins,
                                  self.compute_dtype)

    def _output_dtype(self, input_dtype):
        return self.compute_dtype

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if self.output_mode == "one_hot" and (not input_shape or input_shape[-1] != 1):
            return input_shape + (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
