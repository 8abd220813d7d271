"""Keras 3 attention layers: Attention (Luong), AdditiveAttention (Bahdanau),
MultiHeadAttention (Vaswani et al.), with Keras's weights, masks and configs."""

from __future__ import annotations

import math
import string

import numpy as np

import tensorflux as tf
from tensorflux.keras.src import constraints, initializers, regularizers
from tensorflux.keras.src.engine.layer import Layer

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]

_ser_i, _ser_r, _ser_c = initializers.serialize, regularizers.serialize, constraints.serialize


def _large_negative(dtype):
    return -3e4 if dtype == tf.float16 else -1e9


def _masked_softmax(scores, mask):
    """Keras's Softmax with a boolean mask: masked entries get no weight."""
    if mask is None:
        return tf.nn.softmax(scores, axis=-1)
    mask = tf.cast(mask, tf.bool)
    neg = tf.fill(tf.shape(scores), tf.constant(_large_negative(scores.dtype), scores.dtype))
    probs = tf.nn.softmax(tf.where(mask, scores, neg), axis=-1)
    return tf.where(mask, probs, tf.zeros_like(probs))


def _dropout(x, rate, seed, training):
    if training and rate > 0:
        return tf.nn.dropout(x, rate=rate, seed=seed)
    return x


def _causal_mask(tq, tv):
    row = tf.expand_dims(tf.range(tq), -1)
    col = tf.expand_dims(tf.range(tv), 0)
    return tf.expand_dims(tf.greater_equal(row, col), 0)  # [1, Tq, Tv]


class _BaseDenseAttention(Layer):
    """Shared call logic of Attention and AdditiveAttention: ``inputs = [query, value(, key)]``,
    ``mask = [query_mask, value_mask]``."""

    def __init__(self, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dropout = dropout
        self.seed = seed
        self.supports_masking = True

    def _validate(self, inputs, mask):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{type(self).__name__} layer must be called on a list of "
                             f"inputs, namely [query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or
                                 not 2 <= len(mask) <= 3):
            raise ValueError(f"{type(self).__name__} layer mask must be a list of length 2, "
                             f"namely [query_mask, value_mask]. Received: mask={mask}.")

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = None if v_mask is None else tf.expand_dims(tf.cast(v_mask, tf.bool), -2)
        if use_causal_mask:
            causal = _causal_mask(tf.shape(scores)[-2], tf.shape(scores)[-1])
            scores_mask = causal if scores_mask is None else tf.logical_and(scores_mask, causal)
        if scores_mask is not None:
            pad = tf.cast(tf.logical_not(scores_mask), scores.dtype)
            big = 65504.0 if scores.dtype == tf.float16 else 1e9
            scores = scores - big * pad
        weights = tf.nn.softmax(scores, axis=-1)
        drop = _dropout(weights, self.dropout, self.seed, training)
        result = tf.matmul(drop, v)
        if q_mask is not None:
            result = result * tf.cast(tf.expand_dims(q_mask, -1), result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return tf.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        q, v = input_shape[0], input_shape[1]
        return tuple(q[:-1]) + (v[-1],)

    def build(self, input_shape):
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update({"dropout": self.dropout, "seed": self.seed})
        return config


class Attention(_BaseDenseAttention):
    """Dot-product attention: ``softmax(query @ key^T [* scale]) @ value``."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.use_scale = use_scale
        self.score_mode = score_mode

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones",
                                     dtype=self.dtype) if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones",
            dtype=self.dtype) if self.score_mode == "concat" else None
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = tf.matmul(query, key, transpose_b=True)
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        q = tf.expand_dims(query, -2)
        k = tf.expand_dims(key, -3)
        s = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * tf.reduce_sum(tf.tanh(s), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return config


class AdditiveAttention(_BaseDenseAttention):
    """Bahdanau-style attention: ``sum(scale * tanh(query + key))`` scores."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(dropout=dropout, **kwargs)
        self.use_scale = use_scale

    def build(self, input_shape):
        dim = input_shape[1][-1] if isinstance(input_shape[0], (list, tuple)) \
            else input_shape[-1]
        self.scale = self.add_weight(name="scale", shape=[dim], initializer="glorot_uniform",
                                     dtype=self.dtype) if self.use_scale else None
        self.built = True

    def _calculate_scores(self, query, key):
        q = tf.expand_dims(query, -2)
        k = tf.expand_dims(key, -3)
        t = tf.tanh(q + k)
        if self.scale is not None:
            t = self.scale * t
        return tf.reduce_sum(t, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config


# ---- MultiHeadAttention -----------------------------------------------------------------------
def _letter(i):
    return string.ascii_lowercase[i]


def _proj_equation(free_dims, bound_dims, output_dims):
    inp = "".join(_letter(i) for i in range(free_dims))
    out = inp
    kern = ""
    off = free_dims
    for i in range(bound_dims):
        inp += _letter(off + i)
        kern += _letter(off + i)
    off += bound_dims
    bias = ""
    for i in range(output_dims):
        kern += _letter(off + i)
        out += _letter(off + i)
        bias += _letter(off + i)
    return f"{inp},{kern}->{out}", bias


def _attention_equations(rank, attn_axes):
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = tuple(np.delete(range(rank), attn_axes + (rank - 1,)))
    off = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(off)
            off += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _shape_list(shape):
    return [None if d is None else int(d) for d in shape]


class _EinsumProjection(Layer):
    """The EinsumDense sublayers of MultiHeadAttention (``query``, ``key``, ``value``,
    ``attention_output``): ``kernel`` = bound input dims + ``out_dims``, ``bias`` = out_dims."""

    def __init__(self, equation, bound_dims, out_dims, use_bias, kernel_initializer,
                 bias_initializer, kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.equation, self.bound_dims, self.out_dims = equation, bound_dims, tuple(out_dims)
        self.use_bias = use_bias
        self._init = (kernel_initializer, bias_initializer)
        self._reg = (kernel_regularizer, bias_regularizer)
        self._con = (kernel_constraint, bias_constraint)

    def build(self, input_shape):
        bound = tuple(input_shape[-self.bound_dims:])
        self.kernel = self.add_weight(name="kernel", shape=bound + self.out_dims,
                                      initializer=self._init[0], regularizer=self._reg[0],
                                      constraint=self._con[0])
        self.bias = self.add_weight(name="bias", shape=self.out_dims, initializer=self._init[1],
                                    regularizer=self._reg[1], constraint=self._con[1]) \
            if self.use_bias else None
        self.built = True

    def call(self, inputs):
        y = tf.einsum(self.equation, inputs, self.kernel)
        return y + self.bias if self.bias is not None else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:len(input_shape) - self.bound_dims]) + self.out_dims


def shapes_build_config(shapes):
    """Keras's ``{"shapes_dict": {"query_shape", "value_shape"[, "key_shape"]}}``."""
    return None if shapes is None else {"shapes_dict": dict(shapes)}


def build_from_shapes_config(layer, config):
    """Builds an attention layer from :func:`shapes_build_config` (or ``input_shape``) output."""
    if not config:
        return
    if "shapes_dict" in config:
        layer.build(**config["shapes_dict"])
    elif "input_shape" in config:  # query = value = key
        shape = config["input_shape"]
        layer.build(shape, shape)


class MultiHeadAttention(Layer):
    """Multi-head attention: project query/key/value per head, scaled dot-product attention
    over ``attention_axes``, project the heads back (``output_shape`` or query's last dim)."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, use_gate=False,
                 sliding_window=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        if output_shape is not None and not isinstance(output_shape, (list, tuple)):
            output_shape = (output_shape,)
        self._output_shape = None if output_shape is None else tuple(output_shape)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple. Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        if use_gate or sliding_window is not None:
            raise NotImplementedError("MultiHeadAttention: `use_gate` and `sliding_window` are "
                                      "not implemented in tensorflux yet.")
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._proj_built = False

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    def _proj(self, equation_args, out_dims, name):
        eq, _ = _proj_equation(*equation_args)
        return _EinsumProjection(
            eq, equation_args[1], out_dims, self._use_bias,
            initializers.get(initializers.serialize(self._kernel_initializer)),
            initializers.get(initializers.serialize(self._bias_initializer)),
            self._kernel_regularizer, self._bias_regularizer, self._kernel_constraint,
            self._bias_constraint, name=name, dtype=self.dtype_policy)

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:   # built on first call, once the value's shape is known
            return
        key_given = key_shape is not None
        key_shape = key_shape if key_given else value_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        qr, vr, kr = len(query_shape), len(value_shape), len(key_shape)
        h, kd, vd = self._num_heads, self._key_dim, self._value_dim
        # Public attribute names, as Keras's saving walks them (``query_dense/vars``).
        self.query_dense = self._proj((qr - 1, 1, 2), (h, kd), "query")
        self.query_dense.build(query_shape)
        self.key_dense = self._proj((kr - 1, 1, 2), (h, kd), "key")
        self.key_dense.build(key_shape)
        self.value_dense = self._proj((vr - 1, 1, 2), (h, vd), "value")
        self.value_dense.build(value_shape)
        rank = vr + 1
        axes = self._attention_axes or tuple(range(1, rank - 2))
        self._attention_axes = tuple(axes)
        self._attn_axes = tuple(a % rank if a < 0 else a for a in axes)
        self._dot_eq, self._combine_eq, scores_rank = _attention_equations(rank, self._attn_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attn_axes), scores_rank))
        out = self._output_shape or (query_shape[-1],)
        self.output_dense = self._proj((qr - 1, 2, len(out)), tuple(out), "attention_output")
        self.output_dense.build(tuple(query_shape[:-1]) + (h, vd))
        shapes = {"query_shape": _shape_list(query_shape), "value_shape": _shape_list(value_shape)}
        if key_given:
            shapes["key_shape"] = _shape_list(key_shape)
        self._mha_shapes = shapes
        self._proj_built = True
        self.built = True

    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)

    def get_build_config(self):
        return shapes_build_config(getattr(self, "_mha_shapes", None))

    _build_config_for_serialization = get_build_config

    def build_from_config(self, config):
        build_from_shapes_config(self, config)

    def _softmax(self, scores, mask):
        axes = self._norm_axes
        if len(axes) == 1 and axes[0] == len(scores.shape) - 1:
            return _masked_softmax(scores, mask)
        if mask is not None:
            mask = tf.cast(mask, tf.bool)
            mask = tf.logical_and(mask, tf.ones_like(scores, tf.bool))
            neg = tf.fill(tf.shape(scores), tf.constant(_large_negative(scores.dtype),
                                                        scores.dtype))
            scores = tf.where(mask, scores, neg)
        probs = tf.exp(scores - tf.reduce_logsumexp(scores, axis=list(axes), keepdims=True))
        return probs if mask is None else tf.where(mask, probs, tf.zeros_like(probs))

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = tf.expand_dims(tf.cast(query_mask, tf.bool), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = tf.expand_dims(tf.cast(m, tf.bool), -2)
                auto = m if auto is None else tf.logical_and(auto, m)
        if use_causal_mask:
            m = _causal_mask(tf.shape(query)[1], tf.shape(value)[1])
            auto = m if auto is None else tf.logical_and(auto, m)
        if attention_mask is not None:
            attention_mask = tf.cast(attention_mask, tf.bool)
        if auto is not None:
            attention_mask = auto if attention_mask is None else \
                tf.logical_and(attention_mask, auto)
        return attention_mask

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if not self._proj_built:
            shape = lambda t: tuple(tf.TensorShape(t.shape).as_list())  # noqa: E731
            self.build(shape(query), shape(value), None if key is None else shape(key))
        if key is None:
            key = value
        query_mask = query_mask if query_mask is not None else \
            getattr(query, "_keras_mask", None)
        value_mask = value_mask if value_mask is not None else \
            getattr(value, "_keras_mask", None)
        if key is not value:
            key_mask = key_mask if key_mask is not None else getattr(key, "_keras_mask", None)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        q = q * tf.constant(1.0 / math.sqrt(float(self._key_dim)), q.dtype)
        scores = tf.einsum(self._dot_eq, k, q)
        if mask is not None:
            axis = -len(self._attn_axes) * 2 - 1
            for _ in range(len(scores.shape) - len(mask.shape)):
                mask = tf.expand_dims(mask, axis)
        probs = self._softmax(scores, mask)
        drop = _dropout(probs, self._dropout, self.seed, training)
        out = self._output_dense(tf.einsum(self._combine_eq, drop, v))
        if return_attention_scores:
            return out, probs
        return out

    def compute_mask(self, query, previous_mask=None):
        return previous_mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout,
            "use_bias": self._use_bias, "use_gate": False,
            "output_shape": self._output_shape, "attention_axes": self._attention_axes,
            "sliding_window": None,
            "kernel_initializer": _ser_i(self._kernel_initializer),
            "bias_initializer": _ser_i(self._bias_initializer),
            "kernel_regularizer": _ser_r(self._kernel_regularizer),
            "bias_regularizer": _ser_r(self._bias_regularizer),
            "activity_regularizer": _ser_r(self.activity_regularizer),
            "kernel_constraint": _ser_c(self._kernel_constraint),
            "bias_constraint": _ser_c(self._bias_constraint), "seed": self.seed})
        return config
