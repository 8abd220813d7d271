"""``tensorboard.plugins.hparams.api`` on tensorflux: ``HParam``, domains, ``Metric``,
``hparams_config``, ``hparams``, ``KerasCallback``."""

from tensorflux._src.summary.hparams import (
    Discrete,
    Domain,
    HParam,
    IntInterval,
    Metric,
    RealInterval,
    hparams,
    hparams_config,
    hparams_config_pb,
    hparams_pb,
)

__all__ = ["Discrete", "Domain", "HParam", "IntInterval", "KerasCallback", "Metric",  # noqa: F822
           "RealInterval", "hparams", "hparams_config", "hparams_config_pb", "hparams_pb"]


def __getattr__(name):
    if name == "KerasCallback":  # subclasses keras' Callback, which loads on first use
        from tensorflux._src.summary.hparams import keras_callback_class

        return keras_callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
