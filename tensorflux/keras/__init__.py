"""``tf.keras`` / ``from tensorflux import keras``: Keras 3 API on tensorflux.

Subpackages and the top-level classes load on first access, so ``import tensorflux`` stays
fast.
"""

import importlib as _importlib

__version__ = "3.15.1"

_SUBMODULES = ("activations", "applications", "backend", "callbacks", "constraints",
               "datasets", "initializers", "layers", "losses", "metrics", "models",
               "optimizers", "preprocessing", "regularizers", "saving", "utils", "mixed_precision",
               "ops", "random", "config")

_NAMES = {
    "Input": "tensorflux.keras.src.engine.input_layer",
    "InputSpec": "tensorflux.keras.src.engine.input_spec",
    "KerasTensor": "tensorflux.keras.src.engine.keras_tensor",
    "Layer": "tensorflux.keras.src.engine.layer",
    "DTypePolicy": "tensorflux.keras.src.engine.layer",
    "Model": "tensorflux.keras.src.engine.training",
    "Sequential": "tensorflux.keras.src.engine.sequential",
    "Functional": "tensorflux.keras.src.engine.functional",
    "Variable": ("tensorflux.keras.src.engine.layer", "KerasVariable"),
    "Loss": ("tensorflux.keras.src.losses", "Loss"),
    "Metric": ("tensorflux.keras.src.metrics", "Metric"),
    "Optimizer": ("tensorflux.keras.src.optimizers", "Optimizer"),
    "Initializer": ("tensorflux.keras.src.initializers", "Initializer"),
    "Regularizer": ("tensorflux.keras.src.regularizers", "Regularizer"),
    "Constraint": ("tensorflux.keras.src.constraints", "Constraint"),
    "version": ("tensorflux.keras.src.backend", "keras_version"),
}


def __getattr__(name):
    if name in _SUBMODULES:
        mod = _importlib.import_module(f"tensorflux.keras.{name}")
        globals()[name] = mod
        return mod
    target = _NAMES.get(name)
    if target is not None:
        modname, attr = target if isinstance(target, tuple) else (target, name)
        obj = getattr(_importlib.import_module(modname), attr)
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'tensorflux.keras' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_NAMES))
