"""``keras.callbacks``."""

from tensorflux.keras.src.callbacks.callback import (  # noqa: F401
    Callback, CallbackList, History, LambdaCallback, ProgbarLogger, TerminateOnNaN)
from tensorflux.keras.src.callbacks.monitoring import (  # noqa: F401
    BackupAndRestore, CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
    ReduceLROnPlateau)


def __getattr__(name):
    if name == "TensorBoard":
        import importlib

        return importlib.import_module("tensorflux._src.summary.keras_callback").TensorBoard
    raise AttributeError(f"module 'tensorflux.keras.callbacks' has no attribute {name!r}")
