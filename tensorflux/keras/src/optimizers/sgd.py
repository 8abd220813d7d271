"""``keras.optimizers.SGD``: gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

import tensorflux as tf
from tensorflux._src.framework.indexed_slices import IndexedSlices
from tensorflux._src.ops import training_ops
from tensorflux.keras.src.optimizers.base_optimizer import (Optimizer, base_args, densify,
                                                            map_values)


class SGD(Optimizer):
    """``m = momentum * m - lr * g; w += m`` (Nesterov: ``w += momentum * m - lr * g``);
    plain ``w -= lr * g`` when ``momentum == 0`` (sparse rows only for ``IndexedSlices``).

    Dense updates run TensorFlow's fused ``ResourceApplyGradientDescent`` /
    ``ResourceApplyKerasMomentum`` kernels, which compute exactly Keras 3's formulas.
    """

    _sparse_updates = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_args(locals()), **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        lr = self.per_step(("lr", variable.dtype),
                           lambda: tf.cast(learning_rate, variable.dtype))
        if self.momentum == 0:
            if isinstance(gradient, IndexedSlices):
                self.assign_sub(variable, map_values(
                    gradient, lambda g: tf.cast(g, variable.dtype) * lr))
            else:
                training_ops.apply(training_ops.GRADIENT_DESCENT, [variable], [lr, gradient])
            return
        m = self.momentums[self._get_variable_index(variable)]
        training_ops.apply(training_ops.KERAS_MOMENTUM, [variable, m],
                           [lr, densify(gradient), self.momentum],
                           {"use_nesterov": bool(self.nesterov)})

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
