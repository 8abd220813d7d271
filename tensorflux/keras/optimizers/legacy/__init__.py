"""``keras.optimizers.legacy``: Keras 2 optimizers are not part of Keras 3; each name raises
ImportError on use, as in Keras 3."""

from tensorflux.keras.src.optimizers import LegacyOptimizerWarning

Adagrad = Adam = Ftrl = RMSprop = SGD = Optimizer = LegacyOptimizerWarning

__all__ = ["Adagrad", "Adam", "Ftrl", "RMSprop", "SGD", "Optimizer"]
