"""``keras.optimizers``"""

from tensorflux.keras.optimizers import legacy, schedules
from tensorflux.keras.src.optimizers import (
    SGD, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lion, LossScaleOptimizer, Nadam,
    Optimizer, RMSprop, deserialize, get, serialize)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad",
           "Adadelta", "Ftrl", "Lion", "Adafactor", "LossScaleOptimizer", "get", "serialize",
           "deserialize", "schedules", "legacy"]
