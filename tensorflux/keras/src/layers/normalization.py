"""Keras normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization (Keras 3 semantics and configs).

BatchNormalization runs the core's fused ``FusedBatchNormV3`` kernel for 4-D inputs
normalized over the last axis (TensorFlow Keras's fused path) and ``tf.nn.moments`` +
``tf.nn.batch_normalization`` otherwise. Moving statistics follow Keras 3: they are updated
with the *biased* batch variance (Keras 2's fused path used the Bessel-corrected one).
"""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src import constraints, initializers, regularizers
from tensorflux.keras.src.engine.layer import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization",
           "UnitNormalization"]

_FUSED_MIN_EPSILON = 1.001e-5  # cuDNN's/TensorFlow's lower bound for the fused kernel


def _check_axes(axes, input_shape, shown):
    n = len(input_shape)
    for axis in axes:
        if axis >= n or axis < -n:
            raise ValueError(f"Axis {axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={shown}")


def _compute_dtype(x):
    """Normalization statistics are computed in at least float32 (as in Keras)."""
    return x if x.dtype.name in ("float32", "float64") else tf.cast(x, "float32")


class _AffineNorm(Layer):
    """gamma/beta handling shared by the normalization layers."""

    def _init_affine(self, center, scale, beta_initializer, gamma_initializer,
                     beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _add_gamma(self, shape):
        return self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                               regularizer=self.gamma_regularizer,
                               constraint=self.gamma_constraint, trainable=True,
                               autocast=False)

    def _add_beta(self, shape):
        return self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                               regularizer=self.beta_regularizer,
                               constraint=self.beta_constraint, trainable=True, autocast=False)

    def _affine_config(self):
        return {"beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        _check_axes(axes, input_shape, self.axis)
        return tuple(input_shape)


class BatchNormalization(_AffineNorm):
    """Normalizes with batch statistics in training and moving statistics in inference.

    As in Keras 3, a layer with ``trainable=False`` always runs in inference mode.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        if renorm:
            raise NotImplementedError("BatchNormalization(renorm=True) is not implemented in "
                                      "tensorflux yet; use renorm=False.")
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self._init_affine(center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self._reduction_axes = None

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of the input to BatchNormalization should "
                             f"have a defined dimension. Received input shape "
                             f"{tuple(input_shape)}.")
        shape = (int(dim),)
        if self.scale:
            self.gamma = self._add_gamma(shape)
        if self.center:
            self.beta = self._add_beta(shape)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        rank = len(input_shape)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: int(dim)})
        self._reduction_axes = [i for i in range(rank) if i != self.axis % rank]
        self.built = True

    def _fused_ok(self, x, mask):
        return (mask is None and x.shape.rank == 4 and self.axis % 4 == 3
                and self.epsilon >= _FUSED_MIN_EPSILON and x.dtype.name == "float32")

    def _bshape(self, x):
        shape = [1] * x.shape.rank
        shape[self.axis] = -1
        return shape

    def _affine_params(self, x):
        gamma = None if self.gamma is None else tf.cast(self.gamma, x.dtype)
        beta = None if self.beta is None else tf.cast(self.beta, x.dtype)
        return gamma, beta

    def _fused(self, x, training):
        gamma, beta = self._affine_params(x)
        gamma = tf.ones_like(self.moving_mean) if gamma is None else gamma
        beta = tf.zeros_like(self.moving_mean) if beta is None else beta
        if not training:
            y, _, _ = tf.nn.fused_batch_norm(x, gamma, beta, self.moving_mean,
                                             self.moving_variance, epsilon=self.epsilon,
                                             is_training=False)
            return y, None, None
        y, mean, var = tf.nn.fused_batch_norm(x, gamma, beta, epsilon=self.epsilon,
                                              is_training=True)
        # The fused kernel returns the Bessel-corrected variance; Keras 3 keeps the biased.
        n = x.shape[0] * x.shape[1] * x.shape[2] if x.shape[:3].is_fully_defined() else None
        if n is None:
            n = tf.cast(tf.reduce_prod(tf.shape(x)[:3]), var.dtype)
        var = var * ((n - 1) / n)
        return y, mean, var

    def _moments(self, x, mask):
        if mask is None:
            return tf.nn.moments(x, axes=self._reduction_axes)
        m = tf.cast(tf.broadcast_to(tf.expand_dims(tf.cast(mask, "bool"), -1), tf.shape(x)),
                    x.dtype)
        axes = self._reduction_axes
        eps = 1e-7
        weight = tf.reduce_sum(m, axes, keepdims=True)
        mean = tf.reduce_sum(x * m, axes, keepdims=True) / (weight + eps)
        var = tf.reduce_sum(tf.square((x - mean) * m), axes, keepdims=True) / (weight + eps)
        return tf.reshape(mean, [-1]), tf.reshape(var, [-1])

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError("The mask provided should be one dimension less than the inputs. "
                             f"Received: mask.shape={mask.shape}, inputs.shape={inputs.shape}")
        x = _compute_dtype(inputs)
        training = bool(training) and self.trainable
        if self._fused_ok(x, mask):
            y, mean, var = self._fused(x, training)
        else:
            if training:
                mean, var = self._moments(x, mask)
            else:
                mean, var = self.moving_mean, self.moving_variance
            bs = self._bshape(x)
            gamma, beta = self._affine_params(x)
            y = tf.nn.batch_normalization(
                x, tf.reshape(tf.cast(mean, x.dtype), bs), tf.reshape(tf.cast(var, x.dtype), bs),
                None if beta is None else tf.reshape(beta, bs),
                None if gamma is None else tf.reshape(gamma, bs), self.epsilon)
        if training:
            m = self.momentum
            dt = self.moving_mean.dtype
            self.moving_mean.assign(self.moving_mean * m + tf.cast(mean, dt) * (1 - m))
            self.moving_variance.assign(self.moving_variance * m + tf.cast(var, dt) * (1 - m))
        return tf.cast(y, self.compute_dtype)

    def get_config(self):
        config = {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                  "center": self.center, "scale": self.scale,
                  **self._affine_config(),
                  "moving_mean_initializer":
                      initializers.serialize(self.moving_mean_initializer),
                  "moving_variance_initializer":
                      initializers.serialize(self.moving_variance_initializer),
                  "synchronized": self.synchronized, "renorm": self.renorm,
                  "renorm_clipping": self.renorm_clipping,
                  "renorm_momentum": self.renorm_momentum}
        return {**super().get_config(), **config}


class LayerNormalization(_AffineNorm):
    """Normalizes each example over ``axis`` (an int or a list of ints)."""

    def __init__(self, axis=-1, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.epsilon = epsilon
        self.rms_scaling = rms_scaling
        self._init_affine(center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint)
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.gamma = self._add_gamma(shape) if self.scale or self.rms_scaling else None
        self.beta = self._add_beta(shape) if self.center and not self.rms_scaling else None
        self.built = True

    def call(self, inputs):
        x = _compute_dtype(inputs)
        rank = x.shape.rank
        axes = sorted(a % rank for a in self.axis)
        bshape = [1] * rank
        for a in axes:
            bshape[a] = -1 if x.shape[a] is None else x.shape[a]

        def bc(v):
            return None if v is None else tf.reshape(tf.cast(v, x.dtype), bshape)
        gamma, beta = bc(self.gamma), bc(self.beta)
        mean, var = tf.nn.moments(x, axes=axes, keepdims=True)
        inv = tf.math.rsqrt(var + self.epsilon)
        if self.rms_scaling:
            y = x * inv
            if gamma is not None:
                y = y * gamma
        else:
            if gamma is not None:
                inv = inv * gamma
            res = -mean * inv
            if beta is not None:
                res = res + beta
            y = x * inv + res
        return tf.cast(y, self.compute_dtype)

    def get_config(self):
        config = {"axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                  "scale": self.scale, "rms_scaling": self.rms_scaling,
                  **self._affine_config()}
        return {**super().get_config(), **config}


class GroupNormalization(_AffineNorm):
    """Normalizes each example over groups of channels (``groups=-1``: instance norm)."""

    def __init__(self, groups=32, axis=-1, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.autocast = False
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self._init_affine(center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint,
                          gamma_constraint)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             f"dimension but the layer received an input with shape "
                             f"{tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the "
                             f"number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = self._add_gamma((dim,)) if self.scale else None
        self.beta = self._add_beta((dim,)) if self.center else None
        self.built = True

    def call(self, inputs):
        x = _compute_dtype(inputs)
        rank = x.shape.rank
        axis = self.axis % rank
        shape = tf.shape(x)
        gshape = [shape[i] if x.shape[i] is None else x.shape[i] for i in range(rank)]
        gshape[0] = -1
        dim = x.shape[axis]
        gshape[axis] = dim // self.groups
        gshape.insert(axis, self.groups)
        if any(isinstance(v, tf.Tensor) for v in gshape):
            gshape = tf.stack([tf.cast(v, tf.int32) for v in gshape])
        g = tf.reshape(x, gshape)
        red = [i for i in range(1, rank + 1) if i != axis]
        mean, var = tf.nn.moments(g, axes=red, keepdims=True)
        inv = tf.math.rsqrt(var + self.epsilon)
        bshape = [1] * (rank + 1)
        bshape[axis], bshape[axis + 1] = self.groups, dim // self.groups
        if self.gamma is not None:
            inv = inv * tf.reshape(tf.cast(self.gamma, x.dtype), bshape)
        res = -mean * inv
        if self.beta is not None:
            res = res + tf.reshape(tf.cast(self.beta, x.dtype), bshape)
        rest = x.shape.as_list()[1:]
        y = tf.reshape(g * inv + res, [-1] + rest if None not in rest else tf.shape(x))
        if tuple(y.shape) != tuple(x.shape):  # unknown dims: keep the static ones
            y = tf.ensure_shape(y, x.shape)
        return tf.cast(y, self.compute_dtype)

    def get_config(self):
        config = {"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                  "center": self.center, "scale": self.scale, **self._affine_config()}
        return {**super().get_config(), **config}


class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over ``axis``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis}")
        self.supports_masking = True

    def call(self, inputs):
        x = inputs
        sq = tf.reduce_sum(tf.square(x), axis=self.axis, keepdims=True)
        return x * tf.minimum(tf.math.rsqrt(sq), tf.cast(1e12, x.dtype))

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        _check_axes(axes, input_shape, self.axis)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
