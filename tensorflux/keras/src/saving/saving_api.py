"""``keras.saving.save_model/load_model/save_weights/load_weights``: pick the format by the
file name (``.keras`` native zip, ``.weights.h5`` weights, ``.h5``/``.hdf5`` legacy)."""

from __future__ import annotations

import os
import zipfile

from tensorflux.keras.src.saving import legacy_h5, saving_lib

_LEGACY = (".h5", ".hdf5")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save ``model`` to ``filepath`` (``.keras`` recommended, ``.h5`` legacy)."""
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if save_format is not None and save_format not in ("keras", "h5"):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please remove "
                         "this argument and pass a file path with either `.keras` or `.h5` "
                         f"extension. Received: save_format={save_format}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    path = os.fspath(filepath)
    saving_lib.check_overwrite(path, overwrite)
    if zipped is None:
        zipped = True
    if zipped and path.endswith(".keras"):
        return saving_lib.save_model(model, path)
    if not zipped:
        return saving_lib.save_model(model, path, zipped=False)
    if path.endswith(_LEGACY):
        return legacy_h5.save_model_to_hdf5(model, path, include_optimizer=include_optimizer)
    raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                     "extension for the native Keras format (recommended) or a `.h5` "
                     f"extension. Received: filepath={path}.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by ``model.save()`` (``.keras`` zip/dir or legacy ``.h5``)."""
    path = os.fspath(filepath)
    if path.endswith(".keras") or os.path.isdir(path) or (
            os.path.isfile(path) and zipfile.is_zipfile(path)):
        if not os.path.exists(path):
            raise ValueError(f"File not found: filepath={path}. Please ensure the file is an "
                             "accessible `.keras` zip file.")
        return saving_lib.load_model(path, custom_objects=custom_objects, compile=compile,
                                     safe_mode=safe_mode)
    if path.endswith(_LEGACY) or (os.path.isfile(path) and legacy_h5.is_hdf5(path)):
        return legacy_h5.load_model_from_hdf5(path, custom_objects=custom_objects,
                                              compile=compile, safe_mode=safe_mode)
    if not os.path.exists(path):
        raise ValueError(f"File not found: filepath={path}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    raise ValueError(f"File format not supported: filepath={path}. Keras 3 only supports V3 "
                     "`.keras` files and legacy H5 format files (`.h5` extension). To load a "
                     "TensorFlow SavedModel use `tf.saved_model.load`.")


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """``model.save_weights('x.weights.h5')`` (Keras 3 layout)."""
    path = os.fspath(filepath)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if max_shard_size is not None:
        raise NotImplementedError("Sharded weights (`max_shard_size`) are not supported yet; "
                                  "save to a single `.weights.h5` file.")
    if path.endswith(_LEGACY) and not path.endswith(".weights.h5"):
        saving_lib.check_overwrite(path, overwrite)
        return legacy_h5.save_weights_to_hdf5(model, path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    saving_lib.check_overwrite(path, overwrite)
    return saving_lib.save_weights_only(model, path)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights from ``.weights.h5``, ``.keras`` or a legacy ``.h5`` file."""
    path = os.fspath(filepath)
    by_name = kwargs.pop("by_name", None)
    kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"Weights file not found: {path!r}.")
    if path.endswith(".keras") or path.endswith(".weights.h5"):
        if by_name is not None:
            raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                             f"Received: {path}")
        if path.endswith(".weights.h5") and legacy_h5.is_legacy_weights_file(path):
            return legacy_h5.load_weights_from_hdf5(model, path, skip_mismatch=skip_mismatch)
        return saving_lib.load_weights_only(model, path, skip_mismatch=skip_mismatch)
    if path.endswith(_LEGACY):
        return legacy_h5.load_weights_from_hdf5(model, path, by_name=bool(by_name),
                                                skip_mismatch=skip_mismatch)
    raise ValueError(f"File format not supported: filepath={path}. Keras 3 only supports V3 "
                     "`.keras` and `.weights.h5` files, or legacy H5 format files (`.h5` "
                     "extension).")
