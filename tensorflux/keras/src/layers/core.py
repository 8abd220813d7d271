"""Core Keras layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, Masking, Embedding, Identity."""

from __future__ import annotations

import math

import tensorflux as tf
from tensorflux.keras.src import activations, backend, constraints, initializers, regularizers
from tensorflux.keras.src.engine.input_spec import InputSpec
from tensorflux.keras.src.engine.layer import Layer

_ser_i, _ser_r, _ser_c = initializers.serialize, regularizers.serialize, constraints.serialize


def _refuse_lora_quantization(layer, lora_rank, quantization_config):
    """Keras 3 writes ``lora_rank``/``quantization_config`` (None by default); only the
    defaults are supported here."""
    if lora_rank or quantization_config is not None:
        what = "lora_rank" if lora_rank else "quantization_config"
        raise NotImplementedError(
            f"{type(layer).__name__}: `{what}` is not supported by tensorflux yet (LoRA and "
            f"quantized layers). Received: {what}="
            f"{lora_rank if lora_rank else quantization_config!r}. Pass None (the default).")


class Dense(Layer):
    """``output = activation(dot(input, kernel) + bias)``; kernel shape ``[in, units]``."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _refuse_lora_quantization(self, lora_rank, quantization_config)
        if not isinstance(units, int) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight(name="kernel", shape=(in_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs, training=None):
        if len(inputs.shape) == 2:
            x = tf.matmul(inputs, self.kernel)
        else:
            x = tf.tensordot(inputs, self.kernel, [[len(inputs.shape) - 1], [0]])
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias, "kernel_initializer": _ser_i(self.kernel_initializer),
            "bias_initializer": _ser_i(self.bias_initializer),
            "kernel_regularizer": _ser_r(self.kernel_regularizer),
            "bias_regularizer": _ser_r(self.bias_regularizer),
            "kernel_constraint": _ser_c(self.kernel_constraint),
            "bias_constraint": _ser_c(self.bias_constraint), "quantization_config": None})
        return config


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Randomly sets inputs to 0 with frequency ``rate`` during training, scaling the rest
    by ``1 / (1 - rate)``."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            noise_shape = self.noise_shape
            if noise_shape is not None:
                dyn = tf.shape(inputs)
                noise_shape = tf.stack([dyn[i] if d is None else tf.constant(d)
                                        for i, d in enumerate(noise_shape)])
            return tf.nn.dropout(inputs, rate=self.rate, noise_shape=noise_shape, seed=self.seed)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": None if self.noise_shape is None
                       else list(self.noise_shape)})
        return config


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        shape = inputs.shape.as_list()
        rank = len(shape)
        if self.data_format == "channels_first" and rank > 2:
            inputs = tf.transpose(inputs, [0] + list(range(2, rank)) + [1])
            shape = inputs.shape.as_list()
        if rank == 1:
            return tf.expand_dims(inputs, 1)
        rest = shape[1:]
        if all(d is not None for d in rest):
            return tf.reshape(inputs, [-1, math.prod(rest)])
        return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], n)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        target = list(self.target_shape)
        rest = inputs.shape.as_list()[1:]
        if -1 in target and all(d is not None for d in rest):
            known = math.prod(d for d in target if d != -1)
            target[target.index(-1)] = math.prod(rest) // max(known, 1)
        if -1 not in target:
            return tf.reshape(inputs, [-1, *target])
        return tf.reshape(inputs, tf.concat([tf.reshape(tf.shape(inputs)[0], [1]),
                                             tf.constant(target, tf.int32)], 0))

    def compute_output_shape(self, input_shape):
        shape = list(self.target_shape)
        if -1 in shape:
            known = math.prod(d for d in shape if d != -1)
            rest = input_shape[1:]
            shape[shape.index(-1)] = None if any(d is None for d in rest) \
                else math.prod(rest) // known
        return (input_shape[0], *shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set "
                             "of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return tf.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Identity(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps an arbitrary function of tensors as a layer."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        import inspect

        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_mask = "mask" in params
        self._fn_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kw = dict(self.arguments)
        if self._fn_mask:
            kw["mask"] = mask
        if self._fn_training:
            kw["training"] = training
        return self.function(inputs, **kw)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        config = super().get_config()
        fn = self.function
        if getattr(fn, "__name__", "<lambda>") == "<lambda>":
            import base64
            import marshal

            code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
            fcfg = {"class_name": "__lambda__", "config": {
                "code": code, "defaults": fn.__defaults__, "closure": None}}
        else:
            from tensorflux.keras.src.saving import serialization_lib

            fcfg = serialization_lib.serialize_keras_object(fn)
        config.update({"function": fcfg, "arguments": self.arguments})
        if self._output_shape is not None and not callable(self._output_shape):
            config["output_shape"] = list(self._output_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        f = config["function"]
        from tensorflux.keras.src.saving import serialization_lib

        if isinstance(f, dict) and f.get("class_name") == "__lambda__":
            # Refused unless safe_mode=False (argument or SafeModeScope), like Keras.
            config["function"] = serialization_lib.load_lambda(f, safe_mode)
        else:
            config["function"] = serialization_lib.deserialize_keras_object(f, custom_objects)
        return super().from_config(config)


class Masking(Layer):
    """Masks timesteps whose features all equal ``mask_value``."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return tf.reduce_any(tf.not_equal(inputs, tf.cast(self.mask_value, inputs.dtype)),
                             axis=-1)

    def call(self, inputs):
        mask = self.compute_mask(inputs)
        out = inputs * tf.cast(tf.expand_dims(mask, -1), inputs.dtype)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


class Embedding(Layer):
    """Maps integer indices to dense vectors; gradients are ``tf.IndexedSlices``."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 input_length=None, **kwargs):
        super().__init__(**kwargs)
        _refuse_lora_quantization(self, lora_rank, quantization_config)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self._initial_weights = weights
        self.autocast = False

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint, trainable=True)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        if inputs.dtype not in (tf.int32, tf.int64):
            inputs = tf.cast(inputs, tf.int32)
        out = tf.nn.embedding_lookup(self.embeddings, inputs)
        return out if out.dtype.name == self.compute_dtype else tf.cast(out, self.compute_dtype)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(inputs, tf.zeros([], inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": _ser_i(self.embeddings_initializer),
            "embeddings_regularizer": _ser_r(self.embeddings_regularizer),
            "activity_regularizer": _ser_r(self.activity_regularizer),
            "embeddings_constraint": _ser_c(self.embeddings_constraint),
            "mask_zero": self.mask_zero, "quantization_config": None})
        return config
