"""``keras.layers``: every built-in layer.

The ENGINE's layers are imported directly; the other families (convolution, pooling,
normalization, reshaping, regularization, RNN, attention, preprocessing) are looked up on
first access from their modules' ``__all__`` so this package stays importable while they grow.
"""

from tensorflux.keras.src.engine.input_layer import Input, InputLayer  # noqa: F401
from tensorflux.keras.src.engine.input_spec import InputSpec  # noqa: F401
from tensorflux.keras.src.engine.layer import Layer  # noqa: F401
from tensorflux.keras.src.layers.activation import (  # noqa: F401
    ELU, PReLU, ReLU, LeakyReLU, Softmax)
from tensorflux.keras.src.layers.core import (  # noqa: F401
    Activation, Dense, Dropout, Embedding, Flatten, Identity, Lambda, Masking, Permute,
    RepeatVector, Reshape)
from tensorflux.keras.src.layers.merging import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract)

_FAMILIES = ("conv", "pooling", "normalization", "reshaping", "regularization", "rnn",
             "attention", "preprocessing", "extra_core", "extra_pooling", "extra_image")


def __getattr__(name):
    import importlib

    for fam in _FAMILIES:
        try:
            mod = importlib.import_module(f"tensorflux.keras.src.layers.{fam}")
        except ImportError:
            continue
        if name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            globals()[name] = obj
            return obj
    raise AttributeError(f"module 'tensorflux.keras.layers' has no attribute {name!r}")


def __dir__():
    import importlib

    names = set(globals())
    for fam in _FAMILIES:
        try:
            names.update(getattr(importlib.import_module(
                f"tensorflux.keras.src.layers.{fam}"), "__all__", ()))
        except ImportError:
            pass
    return sorted(n for n in names if not n.startswith("_"))
