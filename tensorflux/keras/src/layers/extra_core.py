"""Keras 3.15 core layers added later: EinsumDense, ReversibleEmbedding, RMSNormalization,
SpectralNormalization (wrapper) and GroupQueryAttention (``GroupedQueryAttention``)."""

from __future__ import annotations

import math
import re

import tensorflux as tf
from tensorflux.keras.src import activations, constraints, initializers, regularizers
from tensorflux.keras.src.engine.input_spec import InputSpec
from tensorflux.keras.src.engine.layer import Layer, pop_sublayer
from tensorflux.keras.src.layers.attention import (
    _causal_mask, _dropout, _masked_softmax, build_from_shapes_config, shapes_build_config)
from tensorflux.keras.src.layers.core import Embedding, _refuse_lora_quantization
from tensorflux.keras.src.layers.rnn_cells import build_sublayer
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["EinsumDense", "ReversibleEmbedding", "RMSNormalization", "SpectralNormalization",
           "GroupQueryAttention", "GroupedQueryAttention"]

_ser_i, _ser_r, _ser_c = initializers.serialize, regularizers.serialize, constraints.serialize


# ---- EinsumDense ------------------------------------------------------------------------------
def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """Keras's ``_analyze_einsum_string``: (kernel_shape, bias_shape, full_output_shape,
    input_axes, output_axes) for ``ab,bc->ac``, ``...ab,bc->...ac`` or ``ab...,bc->ac...``."""
    s = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        m = re.match(pattern, s)
        if m:
            return _analyze_split(m.group(1), m.group(2), m.group(3), bias_axes,
                                  tuple(input_shape), output_shape, left)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split(in_spec, w_spec, out_spec, bias_axes, input_shape, output_shape, left):
    elided = len(input_shape) - len(in_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    for d in in_spec:
        if d in out_map and output_shape[out_map[d]] is not None \
                and output_shape[out_map[d]] != input_shape[in_map[d]]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension "
                             f"'{d}'. Input shape is {input_shape[in_map[d]]}, and output "
                             f"shape is {output_shape[out_map[d]]}.")
        if d in out_map and output_shape[out_map[d]] is None:  # known from the input
            output_shape[out_map[d]] = input_shape[in_map[d]]
    for d in out_spec:
        if d not in in_spec and d not in w_spec:
            raise ValueError(f"Dimension '{d}' was specified in the output '{out_spec}' but has "
                             f"no corresponding dim in the input spec '{in_spec}' or weight "
                             f"spec '{w_spec}'")
    kernel, in_axes, out_axes = [], [], []
    for i, d in enumerate(w_spec):
        if d in out_map:
            kernel.append(output_shape[out_map[d]])
            out_axes.append(i)
        elif d in in_map:
            kernel.append(input_shape[in_map[d]])
            in_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input "
                             f"spec '{in_spec}' or the output spec '{out_spec}'. For this "
                             "layer, the weight must be fully specified.")
    bias = None
    if bias_axes is not None:
        shift = elided if left else 0
        sizes = {c: output_shape[i + shift] for i, c in enumerate(out_spec)}
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the "
                                 f"output spec '{out_spec}'")
        first = min(out_spec.find(c) for c in bias_axes)
        bias = [sizes[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left:
            bias.extend([1] * elided)
    return kernel, bias, output_shape, in_axes, out_axes


class EinsumDense(Layer):
    """A dense layer computed as ``einsum(equation, inputs, kernel) (+ bias)``."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        _refuse_lora_quantization(self, lora_rank, quantization_config)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) \
            else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, in_axes, out_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (
                init.input_axes is None or init.output_axes is None):
            cfg = dict(init.get_config(), seed=init.seed, input_axes=in_axes,
                       output_axes=out_axes)
            init = type(init).from_config(cfg)
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, training=None):
        x = tf.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                           self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape, "equation": self.equation,
            "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
            "kernel_initializer": _ser_i(self.kernel_initializer),
            "bias_initializer": _ser_i(self.bias_initializer),
            "kernel_regularizer": _ser_r(self.kernel_regularizer),
            "bias_regularizer": _ser_r(self.bias_regularizer),
            "activity_regularizer": _ser_r(self.activity_regularizer),
            "kernel_constraint": _ser_c(self.kernel_constraint),
            "bias_constraint": _ser_c(self.bias_constraint), "quantization_config": None})
        return config


# ---- ReversibleEmbedding ----------------------------------------------------------------------
class ReversibleEmbedding(Embedding):
    """An Embedding that can also project back to the vocabulary: ``call(x, reverse=True)``
    computes ``x @ embeddings.T`` (or a separate ``reverse_embeddings`` when untied)."""

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)

    def call(self, inputs, reverse=False):
        if not reverse:
            out = super().call(inputs)
            if self.mask_zero:
                out._keras_mask = super().compute_mask(inputs)
            return out
        kernel = tf.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = tf.cast(inputs, self.reverse_dtype)
            kernel = tf.cast(kernel, self.reverse_dtype)
        elif kernel.dtype != inputs.dtype:
            kernel = tf.cast(kernel, inputs.dtype)
        if len(inputs.shape) == 2:
            logits = tf.matmul(inputs, kernel)
        else:
            logits = tf.tensordot(inputs, kernel, [[len(inputs.shape) - 1], [0]])
        if self.logit_soft_cap is not None:
            cap = tf.cast(self.logit_soft_cap, logits.dtype)
            logits = tf.tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config


# ---- RMSNormalization -------------------------------------------------------------------------
class RMSNormalization(Layer):
    """``x * rsqrt(mean(x**2, axis) + epsilon) * scale`` (computed in at least float32)."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, x):
        dtype = x.dtype
        if dtype in (tf.float16, tf.bfloat16):
            x = tf.cast(x, tf.float32)
        axis = list(self.axis)
        rrms = tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=axis, keepdims=True)
                             + tf.constant(self.epsilon, x.dtype))
        rank = len(x.shape)
        shape = [1] * rank
        for a in axis:
            shape[a % rank] = x.shape[a]
        scale = tf.cast(self.scale, x.dtype)
        if len(axis) > 1 or axis[0] % rank != rank - 1:
            scale = tf.reshape(scale, shape)
        return tf.cast(x * rrms * scale, dtype)

    def compute_output_shape(self, input_shape):
        for a in ([self.axis] if isinstance(self.axis, int) else self.axis):
            if a >= len(input_shape) or a < -len(input_shape):
                raise ValueError(f"Axis {a} is out of bounds for input shape {input_shape}. "
                                 f"Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config


# ---- SpectralNormalization --------------------------------------------------------------------
def _l2_normalize_all(x, epsilon=1e-7):
    """Keras's ``ops.normalize(x, axis=None)``: ``x / max(||x||, epsilon)``."""
    return x * tf.math.rsqrt(tf.maximum(tf.reduce_sum(tf.square(x)), epsilon * epsilon))


class SpectralNormalization(Layer):
    """Wraps a layer with a ``kernel`` (or ``embeddings``) and, in training calls, divides it
    by its spectral norm estimated with ``power_iterations`` power-iteration steps."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `SpectralNormalization` with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape):
        build_sublayer(self.layer, tuple(input_shape))
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings'")
        # Keras tracks the wrapped kernel as the wrapper's own first weight.
        self._trainable_variables.append(kernel)
        self.__dict__["_kernel_ref"] = kernel
        self.kernel_shape = tuple(kernel.shape.as_list())
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            name="vector_u", dtype=kernel.dtype)
        self.built = True

    @property
    def kernel(self):
        return self.__dict__.get("_kernel_ref")

    def normalized_weights(self):
        """(new vector_u, spectrally normalized kernel)."""
        w = tf.reshape(self.kernel, [-1, self.kernel_shape[-1]])
        u = tf.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            v = _l2_normalize_all(tf.matmul(u, w, transpose_b=True))
            u = _l2_normalize_all(tf.matmul(v, w))
        u, v = tf.stop_gradient(u), tf.stop_gradient(v)
        sigma = tf.matmul(tf.matmul(v, w), u, transpose_b=True)
        return u, tf.reshape(self.kernel / sigma, self.kernel_shape)

    def call(self, inputs, training=False):
        if training:
            kernel = tf.convert_to_tensor(self.kernel)
            new_u, new_kernel = self.normalized_weights()
            zero = tf.reduce_all(tf.equal(kernel, tf.zeros_like(kernel)))
            self.vector_u.assign(tf.where(zero, tf.convert_to_tensor(self.vector_u), new_u))
            self.kernel.assign(tf.where(zero, kernel, new_kernel))
        out = self.layer(inputs)
        return tf.cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"layer": serialization_lib.serialize_keras_object(self.layer),
                       "power_iterations": self.power_iterations})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layer, config = pop_sublayer(config, "layer", custom_objects)
        return cls(layer, **config)


# ---- GroupQueryAttention ----------------------------------------------------------------------
class GroupedQueryAttention(Layer):
    """Grouped-query attention: ``num_query_heads`` query heads share
    ``num_key_value_heads`` key/value heads (each repeated ``num_query_heads //
    num_key_value_heads`` times). Inputs are ``[batch, seq, dim]``. Exported (and serialized)
    as ``GroupQueryAttention``, Keras's public name."""

    _keras_public_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        self._proj_built = False

    def _dense(self, equation, out, bias_axes, name, activation=None):
        return EinsumDense(
            equation, output_shape=out, bias_axes=bias_axes if self.use_bias else None,
            activation=activation, name=name,
            kernel_initializer=initializers.get(_ser_i(self.kernel_initializer)),
            bias_initializer=initializers.get(_ser_i(self.bias_initializer)),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy)

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:  # built on first call, once the value's shape is known
            return
        key_given = key_shape is not None
        key_shape = key_shape if key_given else value_shape
        self.feature_dim = query_shape[-1]
        hq, hkv, d = self.num_query_heads, self.num_key_value_heads, self.head_dim
        # Keras's attribute names: its saving walks them (``_query_dense/vars``).
        self._query_dense = self._dense("bqm,muh->bquh", (None, hq, d), "uh", "query")
        build_sublayer(self._query_dense, query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, hkv, d), "vh", "key")
        build_sublayer(self._key_dense, key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", (None, hq, d), "uh", "gate",
                                          activation="sigmoid")
            build_sublayer(self._gate_dense, query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, hkv, d), "vh", "value")
        build_sublayer(self._value_dense, value_shape)
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                        "attention_output")
        build_sublayer(self._output_dense, (None, None, hq, d))
        shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_given:
            shapes["key_shape"] = list(key_shape)
        self._gqa_shapes = shapes
        self._proj_built = True
        self.built = True

    def get_build_config(self):
        return shapes_build_config(getattr(self, "_gqa_shapes", None))

    _build_config_for_serialization = get_build_config

    def build_from_config(self, config):
        build_from_shapes_config(self, config)

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = tf.expand_dims(tf.cast(query_mask, tf.bool), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = tf.expand_dims(tf.cast(m, tf.bool), -2)
                auto = m if auto is None else tf.logical_and(auto, m)
        tq, tv = tf.shape(query)[1], tf.shape(value)[1]
        if use_causal_mask:
            m = _causal_mask(tq, tv)
            auto = m if auto is None else tf.logical_and(auto, m)
        if self.sliding_window is not None:
            row = tf.reshape(tf.range(tq), tf.stack([1, tq, 1]))
            col = tf.reshape(tf.range(tv), tf.stack([1, 1, tv]))
            m = tf.less(tf.abs(row - col), self.sliding_window)
            auto = m if auto is None else tf.logical_and(auto, m)
        if auto is not None:
            attention_mask = auto if attention_mask is None else \
                tf.logical_and(tf.cast(attention_mask, tf.bool), auto)
        return attention_mask

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if not self._proj_built:
            shape = lambda t: tuple(tf.TensorShape(t.shape).as_list())  # noqa: E731
            self.build(shape(query), shape(value), None if key is None else shape(key))
        if key is None:
            key = value
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        if self.num_repeats > 1:
            k = tf.repeat(k, self.num_repeats, axis=2)
            v = tf.repeat(v, self.num_repeats, axis=2)
        q = q * tf.constant(self._inverse_sqrt_head_dim, q.dtype)
        scores = tf.einsum("bquh,bkuh->buqk", q, k)
        if mask is not None:
            for _ in range(len(scores.shape) - len(mask.shape)):
                mask = tf.expand_dims(mask, -3)
        probs = _masked_softmax(scores, mask)
        out = tf.einsum("buqk,bkuh->bquh", _dropout(probs, self.dropout, self.seed, training),
                        v)
        out = self._output_dense(out * gate if gate is not None else out)
        return (out, probs) if return_attention_scores else out

    def compute_mask(self, query, previous_mask=None):
        return previous_mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "sliding_window": self.sliding_window,
            "dropout": self.dropout, "kernel_initializer": _ser_i(self.kernel_initializer),
            "bias_initializer": _ser_i(self.bias_initializer),
            "kernel_regularizer": _ser_r(self.kernel_regularizer),
            "bias_regularizer": _ser_r(self.bias_regularizer),
            "activity_regularizer": _ser_r(self.activity_regularizer),
            "kernel_constraint": _ser_c(self.kernel_constraint),
            "bias_constraint": _ser_c(self.bias_constraint), "seed": self.seed})
        return config


GroupQueryAttention = GroupedQueryAttention
