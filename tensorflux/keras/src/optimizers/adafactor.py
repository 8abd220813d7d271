"""``keras.optimizers.Adafactor``: factored second moments (Shazeer & Stern, 2018)."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src.optimizers.base_optimizer import Optimizer, base_args


def _rms(x):
    return tf.sqrt(tf.reduce_mean(tf.square(x)))


class Adafactor(Optimizer):
    """Adafactor: the second moment of a variable of rank >= 2 is kept as row (``r``) and
    column (``c``) averages over its last two axes; lower-rank variables keep a full one."""

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_args(locals()), **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape = var.shape.as_list()
            if len(shape) < 2:
                # Keras creates int32 scalar placeholders (named after the variable) here.
                self._r.append(self._make_variable(np.int32(0), var.name))
                self._c.append(self._make_variable(np.int32(0), var.name))
            else:
                self._r.append(self.add_variable(shape[:-1], dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=var.dtype,
                                                 name=var.name))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype
        lr = tf.cast(learning_rate, dt)
        gradient = tf.cast(gradient, dt)
        epsilon_2 = tf.cast(self.epsilon_2, dt)
        one = tf.cast(1.0, dt)
        t = tf.cast(self.iterations + 1, dt)
        if not callable(self._learning_rate) and self.relative_step:
            lr = tf.minimum(lr, 1 / tf.sqrt(t))
        i = self._get_variable_index(variable)
        r, c, v = self._r[i], self._c[i], self._v[i]
        rho_t = tf.minimum(lr, 1 / tf.sqrt(t))
        alpha_t = tf.maximum(epsilon_2, _rms(variable)) * rho_t
        regulated_grad_square = tf.square(gradient) + self.epsilon_1
        beta_2_t = 1 - tf.pow(t, self.beta_2_decay)
        if variable.shape.rank >= 2:
            r.assign(beta_2_t * r + (1 - beta_2_t) * tf.reduce_mean(regulated_grad_square, -1))
            c.assign(beta_2_t * c + (1 - beta_2_t) * tf.reduce_mean(regulated_grad_square, -2))
            v.assign(tf.expand_dims(r / tf.reduce_mean(r, axis=-1, keepdims=True), -1)
                     * tf.expand_dims(c, -2))
        else:
            v.assign(beta_2_t * v + (1 - beta_2_t) * regulated_grad_square)
        u_t = gradient / tf.sqrt(v)
        u_t_hat = u_t / tf.maximum(one, _rms(u_t) / self.clip_threshold)
        variable.assign_sub(alpha_t * u_t_hat)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
