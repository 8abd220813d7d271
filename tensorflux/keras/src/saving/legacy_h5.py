"""Legacy HDF5 (``.h5``) models and weights, as written by Keras 2 (tf.keras) and Keras 3.

Layout: root attrs ``keras_version``/``backend``/``model_config``/``training_config``;
``/model_weights/<layer>`` groups with ``weight_names`` attrs; ``/optimizer_weights``.
Whole-model and default weight loading are positional over the layers that own weights.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from tensorflux.keras.src.saving import legacy_config, saving_lib, serialization_lib

HDF5_OBJECT_HEADER_LIMIT = 64512


def is_hdf5(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89HDF\r\n\x1a\n"


def is_legacy_weights_file(path):
    """True for an h5 weights file in the legacy ``layer_names`` layout."""
    with saving_lib.h5py().File(path, "r") as f:
        return "layer_names" in f.attrs or ("model_weights" in f and "layers" not in f)


def _decode(value):
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else value


def load_attributes(group, name):
    """A string-list attribute, concatenating ``name0``, ``name1``... chunks."""
    if name in group.attrs:
        return [_decode(n) for n in group.attrs[name]]
    data, i = [], 0
    while f"{name}{i}" in group.attrs:
        data.extend(_decode(n) for n in group.attrs[f"{name}{i}"])
        i += 1
    return data


def save_attributes(group, name, data):
    """Store a string list, split into chunks above HDF5's 64 KiB header limit."""
    data = [d.encode("utf8") if isinstance(d, str) else d for d in data]
    arr = np.asarray(data) if data else np.zeros((0,), dtype=np.float64)
    chunks = 1
    parts = np.array_split(arr, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(arr, chunks)
    if chunks > 1:
        for i, p in enumerate(parts):
            group.attrs[f"{name}{i}"] = p
    else:
        group.attrs[name] = arr


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_weights(model):
    own = model._trainable_variables + model._non_trainable_variables
    return [v for v in own if any(v is w for w in model.weights)]


def _weight_name(v):
    return str(getattr(v, "path", None) or v.name)


# ---- writing ----------------------------------------------------------------------------------
def _write_subset(group, weights):
    names = [_weight_name(w) for w in weights]
    save_attributes(group, "weight_names", names)
    for name, w in zip(names, weights):
        group.create_dataset(name, data=np.asarray(w.numpy()))


def save_weights_to_group(group, model):
    save_attributes(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = saving_lib.KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda x: x.name):
        _write_subset(group.create_group(layer.name), _legacy_weights(layer))
    _write_subset(group.create_group("top_level_model_weights"), _top_level_weights(model))


def save_weights_to_hdf5(model, filepath):
    def write(tmp):
        with saving_lib.h5py().File(tmp, "w") as f:
            save_weights_to_group(f, model)
    saving_lib.atomic_write(filepath, write)


def save_model_to_hdf5(model, filepath, include_optimizer=True):
    """``model.save('m.h5')``: Keras 3's legacy writer (Keras 3 layer configs inside)."""
    full = serialization_lib.serialize_keras_object(model)
    model_config = {"class_name": full["class_name"], "config": full["config"]}
    compile_config = full.get("compile_config") or {}

    def write(tmp):
        with saving_lib.h5py().File(tmp, "w") as f:
            f.attrs["keras_version"] = saving_lib.KERAS_VERSION
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
            opt = getattr(model, "optimizer", None)
            if include_optimizer and compile_config and opt is not None:
                training = {k: compile_config.get(k) for k in
                            ("loss", "metrics", "weighted_metrics", "loss_weights")}
                ocfg = serialization_lib.serialize_keras_object(opt)
                training["optimizer_config"] = {"class_name": ocfg["class_name"],
                                                "config": ocfg["config"]}
                f.attrs["training_config"] = json.dumps(training).encode("utf8")
            save_weights_to_group(f.create_group("model_weights"), model)
            if include_optimizer and opt is not None and opt.variables:
                og = f.create_group("optimizer_weights")
                _write_subset(og, list(opt.variables))
    saving_lib.atomic_write(filepath, write)


# ---- reading ----------------------------------------------------------------------------------
def _read_subset(group):
    return [np.asarray(group[name][()]) for name in load_attributes(group, "weight_names")]


def _set_weights(variables, values, what, skip_mismatch):
    for v, value in zip(variables, values):
        want = tuple(v.shape.as_list())
        if tuple(value.shape) != want:
            msg = (f"Shape mismatch in {what} for weight {_weight_name(v)}. Weight expects "
                   f"shape {want}. Received saved weight with shape {tuple(value.shape)}")
            if skip_mismatch:
                warnings.warn("Skipping loading weights: " + msg, stacklevel=3)
                continue
            raise ValueError(msg + ". Pass `skip_mismatch=True` to skip it.")
        v.assign(value.astype(v.dtype.as_numpy_dtype, copy=False))


def load_weights_from_group(group, model, skip_mismatch=False):
    """Positional loading: k-th saved layer with weights -> k-th model layer with weights."""
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    names = [n for n in load_attributes(group, "layer_names")
             if load_attributes(group[n], "weight_names")]
    if len(names) != len(layers):
        raise ValueError("Layer count mismatch when loading weights from file. Model expected "
                         f"{len(layers)} layers, found {len(names)} saved layers. Use "
                         "`by_name=True` to load by layer name.")
    for k, (name, layer) in enumerate(zip(names, layers)):
        values = _read_subset(group[name])
        variables = _legacy_weights(layer)
        if len(values) != len(variables):
            raise ValueError(f"Weight count mismatch for layer #{k} (named {layer.name} in the "
                             f"current model, {name} in the save file). Layer expects "
                             f"{len(variables)} weight(s). Received {len(values)} saved "
                             "weight(s)")
        _set_weights(variables, values, f"layer #{k} (named {layer.name})", skip_mismatch)
    _load_top_level(group, model, skip_mismatch)


def load_weights_by_name(group, model, skip_mismatch=False):
    """``load_weights(..., by_name=True)``: match saved groups to layers by layer name."""
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    for k, name in enumerate(load_attributes(group, "layer_names")):
        values = _read_subset(group[name])
        for layer in index.get(name, []):
            variables = _legacy_weights(layer)
            if len(values) != len(variables):
                msg = (f"Weight count mismatch for layer #{k} (named {layer.name}). Layer "
                       f"expects {len(variables)} weight(s). Received {len(values)} saved "
                       "weight(s)")
                if skip_mismatch:
                    warnings.warn("Skipping loading of weights: " + msg, stacklevel=2)
                    continue
                raise ValueError(msg)
            _set_weights(variables, values, f"layer #{k} (named {layer.name})", skip_mismatch)
    _load_top_level(group, model, skip_mismatch)


def _load_top_level(group, model, skip_mismatch):
    if "top_level_model_weights" not in group:
        return
    values = _read_subset(group["top_level_model_weights"])
    variables = _top_level_weights(model)
    if len(values) != len(variables):
        msg = (f"Weight count mismatch for top-level weights of model. Model expects "
               f"{len(variables)} top-level weight(s). Received {len(values)} saved "
               "top-level weight(s)")
        if skip_mismatch:
            warnings.warn(msg, stacklevel=3)
            return
        raise ValueError(msg)
    _set_weights(variables, values, "top-level model", skip_mismatch)


def load_weights_from_hdf5(model, filepath, by_name=False, skip_mismatch=False):
    with saving_lib.h5py().File(os.fspath(filepath), "r") as f:
        group = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f \
            else f
        if by_name:
            load_weights_by_name(group, model, skip_mismatch=skip_mismatch)
        else:
            load_weights_from_group(group, model, skip_mismatch=skip_mismatch)


def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model from a Keras 2/3 ``.h5`` file (config translated to Keras 3)."""
    with saving_lib.h5py().File(os.fspath(filepath), "r") as f:
        model_config = f.attrs.get("model_config")
        if model_config is None:
            raise ValueError(f"No model config found in the file at {filepath}. It may hold "
                             "only weights: build the model and call `model.load_weights()`.")
        config = legacy_config.translate_model_config(json.loads(_decode(model_config)),
                                                      custom_objects)
        with serialization_lib.SafeModeScope(safe_mode):
            model = serialization_lib.deserialize_keras_object(
                config, custom_objects=custom_objects, safe_mode=safe_mode)
        load_weights_from_group(f["model_weights"], model)
        training_config = f.attrs.get("training_config")
        if not compile:
            return model
        if training_config is None:
            warnings.warn("No training configuration found in the save file, so the model "
                          "was *not* compiled. Compile it manually.", stacklevel=3)
            return model
        kwargs = legacy_config.translate_training_config(
            json.loads(_decode(training_config)), custom_objects)
        if isinstance(kwargs["optimizer"], dict):
            from tensorflux.keras.src import optimizers

            kwargs["optimizer"] = optimizers.deserialize(kwargs["optimizer"])
        model.compile(**kwargs)
        if "optimizer_weights" in f:
            _load_optimizer_weights(model, f["optimizer_weights"])
    return model


def _load_optimizer_weights(model, group):
    opt = model.optimizer
    values = _read_subset(group)
    if not getattr(opt, "built", False):
        opt.build(model.trainable_variables)
    variables = list(opt.variables)
    if len(values) != len(variables) or any(
            tuple(v.shape.as_list()) != tuple(x.shape) for v, x in zip(variables, values)):
        warnings.warn("Error in loading the saved optimizer state (it was saved by a "
                      "different optimizer implementation or version). As a result, your "
                      "model is starting with a freshly initialized optimizer.", stacklevel=3)
        return
    for v, x in zip(variables, values):
        v.assign(x.astype(v.dtype.as_numpy_dtype, copy=False))
