"""Translate Keras 1/2 (tf.keras <= 2.15, tf-keras) model configs into Keras 3 configs.

Handles: ``Model`` -> ``Functional``; list-style Sequential configs; ``batch_input_shape`` ->
``batch_shape`` on ``InputLayer``; optimizer ``lr`` -> ``learning_rate`` (``decay`` dropped);
``VarianceScaling(distribution="normal")`` -> ``"truncated_normal"``; ``Policy`` dtype objects;
constructor arguments Keras 3 no longer has (``fused``, ``input_length``, ...) are dropped.
"""

from __future__ import annotations

import inspect
import warnings

from tensorflux.keras.src.saving import serialization_lib

_MODEL_CLASSES = {"Model": "Functional", "Functional": "Functional"}
# Arguments every Layer constructor accepts (Layer.__init__ + legacy input-shape kwargs).
_BASE_LAYER_ARGS = {"name", "trainable", "dtype", "autocast", "activity_regularizer",
                    "input_shape", "batch_input_shape", "batch_size", "input_dim",
                    "input_dtype"}
_OPTIMIZER_RENAMES = {"lr": "learning_rate"}
_OPTIMIZER_DROPS = {"decay"}


def translate_model_config(config, custom_objects=None):
    """A Keras 3-loadable copy of a legacy ``{"class_name", "config"}`` model config."""
    return _translate(config, custom_objects)


def _translate(obj, custom_objects):
    if isinstance(obj, list):
        return [_translate(x, custom_objects) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" not in obj or "config" not in obj:
        return {k: _translate(v, custom_objects) for k, v in obj.items()}
    out = dict(obj)
    name = out["class_name"]
    if isinstance(name, str) and name.startswith("Custom>"):   # tf-keras optimizers
        name = name[len("Custom>"):]
    cfg = out["config"]
    if name in _MODEL_CLASSES and isinstance(cfg, dict) and "input_layers" in cfg:
        name = "Functional"
        out.setdefault("module", "keras.src.models.functional")
    elif name == "Sequential":
        if isinstance(cfg, list):   # Keras <= 2.2: the config is the list of layers
            cfg = {"name": None, "layers": cfg}
        out.setdefault("module", "keras")
    elif name == "Policy":          # tf.keras mixed-precision policy
        name = "DTypePolicy"
        out["module"] = "keras"
    out["class_name"] = name
    if isinstance(cfg, dict):
        cfg = {k: _translate(v, custom_objects) for k, v in cfg.items()}
        cfg = _fix_args(name, cfg, custom_objects)
    out["config"] = cfg
    return out


def _fix_args(class_name, cfg, custom_objects):
    if class_name == "InputLayer":
        cfg = dict(cfg)
        if "batch_input_shape" in cfg:
            cfg["batch_shape"] = cfg.pop("batch_input_shape")
        if "input_shape" in cfg and "batch_shape" not in cfg:
            cfg["batch_shape"] = [None] + list(cfg.pop("input_shape"))
        return cfg
    if class_name == "VarianceScaling" and cfg.get("distribution") == "normal":
        return {**cfg, "distribution": "truncated_normal"}
    cls = _lookup(class_name, custom_objects)
    if cls is None or not isinstance(cls, type):
        return cfg
    from tensorflux.keras.src.engine.layer import Layer
    from tensorflux.keras.src.optimizers.base_optimizer import Optimizer

    if issubclass(cls, Optimizer):
        cfg = {_OPTIMIZER_RENAMES.get(k, k): v for k, v in cfg.items()
               if k not in _OPTIMIZER_DROPS}
        return _drop_unknown(cls, cfg, {"name"} | set(_optimizer_base_args()))
    if issubclass(cls, Layer) and not _custom_from_config(cls):
        return _drop_unknown(cls, cfg, _BASE_LAYER_ARGS)
    return cfg


def _optimizer_base_args():
    from tensorflux.keras.src.optimizers import base_optimizer

    return getattr(base_optimizer, "BASE_ARGS", ())


def _custom_from_config(cls):
    """True when ``cls`` (e.g. Sequential/Functional) parses its own config."""
    from tensorflux.keras.src.engine.layer import Layer

    fc = getattr(cls, "from_config", None)
    return getattr(fc, "__func__", None) is not getattr(Layer.from_config, "__func__", None)


def _accepted_args(cls):
    names, var_kw = set(), False
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        var_kw = any(p.kind == p.VAR_KEYWORD for p in params)
        if not var_kw:
            break
    return names, var_kw


def _drop_unknown(cls, cfg, base):
    accepted, var_kw = _accepted_args(cls)
    if var_kw:   # the chain ends in **kwargs we cannot see through: keep everything
        return cfg
    accepted |= base
    dropped = {k: v for k, v in cfg.items() if k not in accepted}
    if any(v not in (None, False, 0, "", [], {}) for v in dropped.values()):
        warnings.warn(f"Legacy config of {cls.__name__} has arguments Keras 3 no longer "
                      f"accepts; ignoring {sorted(dropped)}.", stacklevel=4)
    return {k: v for k, v in cfg.items() if k in accepted}


def _lookup(class_name, custom_objects):
    obj = serialization_lib.get_registered_object(class_name, custom_objects)
    if obj is None:
        obj = serialization_lib._builtin_lookup("keras.layers", class_name)
    return obj


def translate_training_config(training_config, custom_objects=None):
    """``model.compile`` kwargs from a legacy h5 ``training_config``."""
    opt = training_config.get("optimizer_config")
    if isinstance(opt, dict):
        opt = _translate(opt, custom_objects)
    return {"optimizer": opt, "loss": training_config.get("loss"),
            "metrics": training_config.get("metrics"),
            "weighted_metrics": training_config.get("weighted_metrics"),
            "loss_weights": training_config.get("loss_weights")}
