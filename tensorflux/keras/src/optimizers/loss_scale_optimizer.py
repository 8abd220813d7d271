"""``keras.optimizers.LossScaleOptimizer``: dynamic loss scaling (Keras 3 semantics).

``scale_loss`` multiplies the loss by ``dynamic_scale``; ``apply`` unscales the gradients and
applies them with the inner optimizer only when all are finite. A step with a non-finite
gradient is skipped (inner ``iterations`` does not advance) and halves the scale; after
``dynamic_growth_steps`` consecutive finite steps the scale doubles.
"""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux._src.framework.indexed_slices import IndexedSlices
from tensorflux.keras.src.optimizers.base_optimizer import Optimizer, cond, map_values

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with dynamic loss scaling."""

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg not in kwargs:
                continue
            value = kwargs.pop(arg)
            if (default is None and value is not None) or value != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("`inner_optimizer` must be a `keras.optimizers.Optimizer` "
                            f"instance. Received: inner_optimizer={inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # The inner optimizer must not unscale a second time.
        self.inner_optimizer.loss_scale_factor = None
        # Keras creates these two in build(); creating them here keeps the same variable order
        # and lets a train step traced before the optimizer is built read the live scale.
        self.step_counter = self._make_variable(np.int64(0), "step_counter")
        self.dynamic_scale = self._make_variable(np.float32(initial_scale), "dynamic_scale")

    def build(self, var_list):
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    # --- applying ----------------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built. Call `optimizer.build(variables)` first.")
            self.build(trainable_variables)
        finite = self.check_finite(grads)
        cond(finite, lambda: self._handle_finite(grads, trainable_variables),
             self._handle_non_finite)

    def _handle_finite(self, grads, trainable_variables):
        tvs = trainable_variables or self._trainable_variables
        unscaled = [g if g is None or getattr(v, "overwrite_with_gradient", False)
                    else map_values(g, lambda x: x / tf.cast(self.dynamic_scale, x.dtype))
                    for g, v in zip(grads, tvs)]
        self.inner_optimizer.apply(unscaled, trainable_variables=trainable_variables)

        def upscale():
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(self.dynamic_scale * 2.0)

        def increment():
            self.step_counter.assign_add(np.int64(1))

        cond(tf.equal(self.step_counter, np.int64(self.dynamic_growth_steps - 1)), upscale,
             increment)

    def _handle_non_finite(self):
        self.step_counter.assign(np.int64(0))
        self.dynamic_scale.assign(self.dynamic_scale * 0.5)

    def check_finite(self, grads):
        """A scalar bool: every gradient entry is finite."""
        vals = [g.values if isinstance(g, IndexedSlices) else tf.convert_to_tensor(g)
                for g in grads if g is not None]
        flags = [tf.reduce_all(tf.math.is_finite(v)) for v in vals]
        return tf.reduce_all(tf.stack(flags)) if flags else tf.constant(True)

    # --- delegation --------------------------------------------------------------------------
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        scale = self.dynamic_scale
        if tf.is_tensor(loss):
            return loss * tf.cast(scale, loss.dtype)
        return loss * scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise ValueError("stateless_apply is not supported with the TensorFlow backend.")

    # --- config ------------------------------------------------------------------------------
    def get_config(self):
        from tensorflux.keras.src.saving import serialization_lib

        return {"name": self.name,
                "inner_optimizer": serialization_lib.serialize_keras_object(
                    self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tensorflux.keras.src import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        inner = optimizers.deserialize(inner, custom_objects=custom_objects) \
            if isinstance(inner, dict) else inner
        return cls(inner, **config)
