"""``keras.models``."""

from tensorflux.keras.src.engine.functional import Functional  # noqa: F401
from tensorflux.keras.src.engine.sequential import Sequential  # noqa: F401
from tensorflux.keras.src.engine.training import Model  # noqa: F401
from tensorflux.keras.src.models_api import (  # noqa: F401
    clone_model, model_from_config, model_from_json)


def __getattr__(name):
    if name in ("save_model", "load_model"):
        import importlib

        return getattr(importlib.import_module("tensorflux.keras.src.saving.saving_api"), name)
    raise AttributeError(f"module 'tensorflux.keras.models' has no attribute {name!r}")
