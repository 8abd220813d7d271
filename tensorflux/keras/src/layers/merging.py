"""Merging layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src.engine.layer import Layer


class _Merge(Layer):
    """Elementwise merge of a list of same-shaped (broadcastable) tensors."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge(self, inputs):
        raise NotImplementedError

    def build(self, input_shape):
        if not isinstance(input_shape[0], (tuple, list)) or len(input_shape) < 1:
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape} (not a list of shapes)")
        self._check_shapes(input_shape)
        self.built = True

    def _check_shapes(self, shapes):
        ref = None
        for s in shapes:
            s = tuple(s[1:])
            if ref is None:
                ref = s
                continue
            if len(s) == len(ref):
                for a, b in zip(s, ref):
                    if a is not None and b is not None and a != b and 1 not in (a, b):
                        raise ValueError(
                            "Inputs have incompatible shapes. Received shapes "
                            f"{[tuple(x) for x in shapes]}")

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs} (not a list of tensors)")
        return self._merge(list(inputs))

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        masks = [m for m in previous_mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = tf.logical_and(out, m)
        return out


class Add(_Merge):
    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        super().build(input_shape)

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(_Merge):
    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(_Merge):
    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = tf.maximum(out, x)
        return out


class Minimum(_Merge):
    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = tf.minimum(out, x)
        return out


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes):
        rank = len(shapes[0])
        ax = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(s, shapes[0])) if i != ax):
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for the "
                    f"concatenation axis. Received: input_shape={[tuple(x) for x in shapes]}")

    def _merge(self, inputs):
        return tf.concat(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or all(m is None for m in previous_mask):
            return None
        masks = []
        for x, m in zip(inputs, previous_mask):
            if m is None:
                m = tf.ones_like(x[..., 0] if self.axis in (-1, len(x.shape) - 1) else x,
                                 dtype=tf.bool)
            masks.append(m)
        if self.axis in (-1, len(inputs[0].shape) - 1):
            out = masks[0]
            for m in masks[1:]:
                out = tf.logical_and(out, m)
            return out
        return tf.concat(masks, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product of two tensors along ``axes`` (optionally L2-normalized: cosine)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, (int, list, tuple)):
            raise TypeError("Invalid type for argument `axes`: it should be a list or an int. "
                            f"Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = False

    def _check_shapes(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={shapes}")

    def _merge(self, inputs):
        x1, x2 = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else [self.axes] * 2
        r1, r2 = len(x1.shape), len(x2.shape)
        axes = [a % r for a, r in zip(axes, (r1, r2))]
        if self.normalize:
            x1 = tf.math.l2_normalize(x1, axis=axes[0])
            x2 = tf.math.l2_normalize(x2, axis=axes[1])
        if r1 == 2 and r2 == 2:
            if axes == [1, 1]:
                return tf.reduce_sum(x1 * x2, axis=1, keepdims=True)
            return tf.matmul(x1, x2, transpose_a=axes[0] == 0, transpose_b=axes[1] == 1)
        # Batched dot: move contraction axes last/first and use matmul over the batch.
        p1 = [0] + [i for i in range(1, r1) if i != axes[0]] + [axes[0]]
        p2 = [0, axes[1]] + [i for i in range(1, r2) if i != axes[1]]
        a = tf.transpose(x1, p1)
        b = tf.transpose(x2, p2)
        sa, sb = a.shape.as_list(), b.shape.as_list()
        a3 = tf.reshape(a, [-1, _prod(sa[1:-1]), sa[-1]])
        b3 = tf.reshape(b, [-1, sb[1], _prod(sb[2:])])
        out = tf.matmul(a3, b3)
        shape = sa[1:-1] + sb[2:]
        if not shape:
            return tf.reshape(out, [-1, 1])
        return tf.reshape(out, [-1] + shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _functional(cls):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = f"Functional interface to the `{cls.__name__}` layer."
    return fn


add, subtract, multiply = _functional(Add), _functional(Subtract), _functional(Multiply)
average, maximum, minimum = _functional(Average), _functional(Maximum), _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    return Dot(axes=axes, **kwargs)(inputs)
