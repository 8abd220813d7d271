"""Adam-family optimizers: ``Adam`` (amsgrad), ``AdamW``, ``Adamax``, ``Nadam`` (Keras 3)."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux._src.ops import training_ops
from tensorflux.keras.src import backend
from tensorflux.keras.src.optimizers.base_optimizer import Optimizer, base_args


def local_step(optimizer, dtype):
    """``iterations + 1`` as ``dtype`` (the 1-based step of the update being applied)."""
    return tf.cast(optimizer.iterations + 1, dtype)


class Adam(Optimizer):
    """Adam: ``m += (g - m)(1 - beta_1)``, ``v += (g^2 - v)(1 - beta_2)``,
    ``w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)``.

    Keras 3 adds epsilon to ``sqrt(v)`` (not to the bias-corrected ``sqrt(v_hat)``), as TF1's
    ``ResourceApplyAdam`` does, but that kernel computes ``1 - beta`` in float32 (1e-5 relative
    off for beta_2=0.999) and divides before scaling; the dense non-amsgrad update therefore runs
    ``_ResourceApplyKerasAdam``, a fused kernel doing Keras's ops in Keras's order (bitwise
    equal results). ``amsgrad`` keeps ``v_hat = max(v_hat, v)`` and divides by ``sqrt(v_hat)``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_args(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _alpha(self, learning_rate, dt):
        lr = tf.cast(learning_rate, dt)
        t = local_step(self, dt)
        beta_1_power = tf.pow(tf.cast(self.beta_1, dt), t)
        beta_2_power = tf.pow(tf.cast(self.beta_2, dt), t)
        return lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype
        gradient = tf.cast(gradient, dt)
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        alpha = self.per_step(("alpha", dt), lambda: self._alpha(learning_rate, dt))
        if not self.amsgrad:
            training_ops.apply(training_ops.KERAS_ADAM, [variable, m, v],
                               [alpha, 1 - self.beta_1, 1 - self.beta_2, self.epsilon, gradient])
            return
        m.assign_add((gradient - m) * (1 - self.beta_1))
        v.assign_add((tf.square(gradient) - v) * (1 - self.beta_2))
        v_hat = self._velocity_hats[i]
        v_hat.assign(tf.maximum(v_hat, v))
        variable.assign_sub(m * alpha / (tf.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay ``w -= w * weight_decay * lr`` before each update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         **base_args(locals()), **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class Adamax(Optimizer):
    """Adamax (infinity-norm Adam): ``u = max(beta_2 u, |g|)``,
    ``w -= lr m / ((1 - beta_1^t)(u + epsilon))``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(**base_args(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype
        lr = tf.cast(learning_rate, dt)
        gradient = tf.cast(gradient, dt)
        beta_1_power = tf.pow(tf.cast(self.beta_1, dt), local_step(self, dt))
        i = self._get_variable_index(variable)
        m, u = self._m[i], self._u[i]
        m.assign_add((gradient - m) * (1 - self.beta_1))
        u.assign(tf.maximum(self.beta_2 * u, tf.abs(gradient)))
        variable.assign_sub(lr * m / ((1 - beta_1_power) * (u + self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(Optimizer):
    """Nesterov Adam with Keras's momentum schedule ``u_t = beta_1 (1 - 0.5 * 0.96^t)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(**base_args(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else tf.as_dtype(backend.floatx())
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        self._u_product = self._make_variable(np.asarray(1.0, dtype.as_numpy_dtype),
                                              "variable")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        dtype = self._u_product.dtype
        t = tf.cast(self.iterations + 1, dtype)
        self._u_product.assign(self._u_product * self.beta_1 * (1.0 - 0.5 * tf.pow(
            tf.cast(0.96, dtype), t)))
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype
        lr = tf.cast(learning_rate, dt)
        gradient = tf.cast(gradient, dt)
        t = local_step(self, dt)
        decay = tf.cast(0.96, dt)
        beta_1, beta_2 = tf.cast(self.beta_1, dt), tf.cast(self.beta_2, dt)
        u_t = beta_1 * (1.0 - 0.5 * tf.pow(decay, t))
        u_t_1 = beta_1 * (1.0 - 0.5 * tf.pow(decay, t + 1))
        u_product_t = tf.cast(self._u_product, dt)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = tf.pow(beta_2, t)
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        m.assign_add((gradient - m) * (1 - beta_1))
        v.assign_add((tf.square(gradient) - v) * (1 - beta_2))
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * gradient / (1 - u_product_t)
        v_hat = v / (1 - beta_2_power)
        variable.assign_sub(m_hat * lr / (tf.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
