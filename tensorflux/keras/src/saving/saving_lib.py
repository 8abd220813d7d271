"""Keras 3 native format: the ``.keras`` zip and ``.weights.h5`` files.

The weights file mirrors Keras 3's object-graph walk: each layer/optimizer writes its own
variables to ``<path>/vars/<i>``; a Sequential/Functional model's ``layers`` come first, named
by snake_case class name (``dense``, ``dense_1``), then other attributes in sorted order (names
starting with ``_`` last), named by the attribute (``optimizer``, ``proj``).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from tensorflux.keras.src.saving import serialization_lib

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
KERAS_VERSION = "3.15.1"   # the Keras version whose format we write

# Engine-internal attributes that Keras's walk never visits (its `dir(Layer())` skip set):
# the Sequential's private functional model, node bookkeeping, compile helpers.
_SKIP_ATTRS = frozenset({
    "_auto_config", "_trainable_variables", "_non_trainable_variables", "_losses",
    "_inbound_nodes", "_outbound_nodes", "_build_shapes", "_dtype_policy", "_input_spec",
    "activity_regularizer", "_layers_list", "_functional", "_nodes_in_order", "_inputs",
    "_outputs", "_inputs_struct", "_outputs_struct", "_compile_loss", "_compile_metrics",
    "_loss_tracker", "_compile_config", "_fns", "history", "_parent_refs", "_callbacks_ref",
    "input_spec", "_call_sig",
})


def h5py():
    """Import h5py lazily, with an install hint."""
    try:
        import h5py as _h5py
    except ImportError as e:   # pragma: no cover - h5py is installed in the dev env
        raise ImportError("Saving/loading Keras weights requires h5py: "
                          "`pip install tensorflux[keras]`.") from e
    return _h5py


# ---- object-graph walk ------------------------------------------------------------------------
def _layer_cls():
    from tensorflux.keras.src.engine.layer import Layer

    return Layer


def _optimizer_cls():
    from tensorflux.keras.src.optimizers.base_optimizer import Optimizer

    return Optimizer


def _is_saveable(obj):
    return isinstance(obj, (_layer_cls(), _optimizer_cls()))


def _snake(name):
    from tensorflux.keras.src.engine.layer import _snake as snake

    return snake(name)


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def own_variables(obj):
    """The variables ``obj`` writes to its own ``vars`` group, in Keras's order."""
    if isinstance(obj, _optimizer_cls()):
        return list(obj.variables)
    return list(obj._own_variables())


def _children(obj):
    """``(attribute, child)`` pairs Keras's ``_walk_saveable`` yields for ``obj``."""
    if isinstance(obj, _optimizer_cls()):
        return
    from tensorflux.keras.src.engine.functional import Functional
    from tensorflux.keras.src.engine.sequential import Sequential

    if isinstance(obj, (Sequential, Functional)):
        yield "layers", obj.layers
    for attr in sorted(obj.__dict__, key=_name_key):
        if attr.startswith("__") or attr in _SKIP_ATTRS:
            continue
        yield attr, obj.__dict__[attr]


def _join(path, name):
    return f"{path}/{name}" if path else name


def visit(obj, path, fn, seen):
    """Call ``fn(obj, path)`` for every saveable reachable from ``obj`` (Keras's order)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    fn(obj, path)
    for attr, child in _children(obj):
        if _is_saveable(child):
            visit(child, _join(path, attr), fn, seen)
        elif isinstance(child, (list, tuple, dict)):
            _visit_container(child, _join(path, attr), fn, seen, set())


def _visit_container(container, path, fn, seen, seen_containers):
    if id(container) in seen_containers:
        return
    seen_containers.add(id(container))
    used = {}
    items = container.values() if isinstance(container, dict) else container
    for item in items:
        if _is_saveable(item):
            visit(item, _join(path, _unique(_snake(type(item).__name__), used)), fn, seen)
        elif isinstance(item, (list, tuple, dict)):
            _visit_container(item, _join(path, _unique("container", used)), fn, seen,
                             seen_containers)


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# ---- HDF5 weights store -----------------------------------------------------------------------
def write_weights_h5(model, h5file):
    """Write every saveable's variables into an open, writable ``h5py.File``."""
    def save(obj, path):
        group = h5file.create_group(_join(path, "vars"))
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        for i, v in enumerate(own_variables(obj)):
            value = np.asarray(v.numpy())
            if value.dtype.name == "bfloat16":   # stored as float32 + attr, like Keras
                ds = group.create_dataset(str(i), data=value.astype(np.float32))
                ds.attrs["dtype"] = "bfloat16"
            else:
                group[str(i)] = value
    visit(model, "", save, set())


def _read_group(h5file, path):
    key = _join(path, "vars")
    if key in h5file:
        return h5file[key]
    if "_layer_checkpoint_dependencies" in h5file:   # Keras 2.13 .keras files
        key = key.replace("layers", "_layer_checkpoint_dependencies")
        if key in h5file:
            return h5file[key]
    return {}


def _read_value(ds):
    value = ds[()]
    if ds.attrs.get("dtype") == "bfloat16":
        import ml_dtypes

        value = np.asarray(value).astype(ml_dtypes.bfloat16)
    return np.asarray(value)


def _assign(obj, variables, group):
    for i, v in enumerate(variables):
        value = _read_value(group[str(i)])
        want = tuple(v.shape.as_list())
        if value.shape != want:
            raise ValueError(
                f"Shape mismatch in {type(obj).__name__} '{obj.name}' for variable "
                f"'{v.name}': the file holds shape {value.shape}, the model expects {want}. "
                "Rebuild the model with the saved architecture, or pass "
                "`skip_mismatch=True` to skip it.")
        v.assign(value.astype(v.dtype.as_numpy_dtype, copy=False))


def read_weights_h5(model, h5file, skip_mismatch=False):
    """Assign the variables of ``model`` (and its optimizer) from an open ``h5py.File``."""
    _maybe_build_optimizer(model, h5file)
    errors = []

    def load(obj, path):
        group = _read_group(h5file, path)
        variables = own_variables(obj)
        if isinstance(obj, _optimizer_cls()):
            if len(group) != len(variables):
                warnings.warn(
                    f"Skipping variable loading for optimizer '{obj.name}', because it has "
                    f"{len(variables)} variables whereas the saved optimizer has {len(group)} "
                    "variables. " + ("This is likely because the optimizer has not been "
                                     "called/built yet." if not variables else ""),
                    stacklevel=4)
                return
        elif len(group) != len(variables):
            msg = (f"Layer '{obj.name}' expected {len(variables)} variables, but received "
                   f"{len(group)} variables during loading. Expected: "
                   f"{[v.name for v in variables]}")
            if not variables and not obj.built:
                msg = (f"Layer '{obj.name}' was never built and thus it doesn't have any "
                       f"variables. However the weights file lists {len(group)} variables for "
                       "this layer. Implement `build_from_config()`/`get_build_config()` or "
                       "build the layer's children in its `build()`.")
            errors.append(msg)
            return
        try:
            _assign(obj, variables, group)
        except ValueError as e:
            errors.append(str(e))
    visit(model, "", load, set())
    if errors:
        if skip_mismatch:
            for e in errors:
                warnings.warn(f"Skipped loading weights: {e}", stacklevel=3)
        else:
            raise ValueError(f"A total of {len(errors)} objects could not be loaded. "
                             "Example error message for the first one:\n\n" + errors[0]
                             + "\n\nPass `skip_mismatch=True` to skip them.")


def _maybe_build_optimizer(model, h5file):
    opt = getattr(model, "optimizer", None)
    if opt is None or not isinstance(opt, _optimizer_cls()) or getattr(opt, "built", False):
        return
    if "optimizer/vars" in h5file and len(h5file["optimizer/vars"]) > 2:
        opt.build(model.trainable_variables)


# ---- atomic file helpers ----------------------------------------------------------------------
def atomic_write(filepath, write_fn):
    """Run ``write_fn(tmp_path)`` then move the temp file over ``filepath``."""
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp_", suffix=os.path.basename(filepath)[-16:],
                               dir=directory)
    os.close(fd)
    try:
        write_fn(tmp)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def check_overwrite(filepath, overwrite):
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"File {filepath!r} already exists and `overwrite=False`. "
                              "Pass `overwrite=True` (the default) to replace it.")


# ---- .keras archive ---------------------------------------------------------------------------
def _metadata_json():
    return json.dumps({"keras_version": KERAS_VERSION,
                       "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})


def serialize_model_json(model):
    return json.dumps(serialization_lib.serialize_keras_object(model))


def _weights_bytes(model):
    buf = io.BytesIO()
    with h5py().File(buf, "w") as f:
        write_weights_h5(model, f)
    return buf.getvalue()


def save_model(model, filepath, zipped=True):
    """Write ``model`` as a Keras 3 ``.keras`` zip (or, ``zipped=False``, a directory)."""
    filepath = os.fspath(filepath)
    config_json = serialize_model_json(model)
    weights = _weights_bytes(model)
    metadata = _metadata_json()
    if not zipped:
        os.makedirs(filepath, exist_ok=True)
        for name, data in ((METADATA_FILENAME, metadata.encode()),
                           (CONFIG_FILENAME, config_json.encode()),
                           (WEIGHTS_FILENAME, weights)):
            atomic_write(os.path.join(filepath, name), lambda p, d=data: _write_bytes(p, d))
        return

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA_FILENAME, metadata)
            zf.writestr(CONFIG_FILENAME, config_json)
            zf.writestr(WEIGHTS_FILENAME, weights)
    atomic_write(filepath, write)


def _write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def _read_archive(filepath):
    """``(config_dict, weights_bytes)`` from a ``.keras`` zip or unzipped directory."""
    if os.path.isdir(filepath):
        def read(name):
            p = os.path.join(filepath, name)
            if not os.path.exists(p):
                return None
            with open(p, "rb") as f:
                return f.read()
    else:
        if not zipfile.is_zipfile(filepath):
            raise ValueError(f"File {filepath!r} is not a valid `.keras` zip archive. Make "
                             "sure it was written by `model.save('....keras')`.")
        with zipfile.ZipFile(filepath) as zf:
            names = set(zf.namelist())
            data = {n: zf.read(n) for n in (CONFIG_FILENAME, WEIGHTS_FILENAME,
                                           "model.weights.npz") if n in names}

        def read(name):
            return data.get(name)
    config = read(CONFIG_FILENAME)
    if config is None:
        raise ValueError(f"The `.keras` file {filepath!r} has no {CONFIG_FILENAME}; it is not "
                         "a Keras model archive.")
    weights = read(WEIGHTS_FILENAME)
    npz = read("model.weights.npz") if weights is None else None
    return json.loads(config.decode("utf-8")), weights, npz


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model from a ``.keras`` file, restore its weights (and optimizer)."""
    config, weights, npz = _read_archive(os.fspath(filepath))
    if not compile:
        config = dict(config)
        config.pop("compile_config", None)
    with serialization_lib.SafeModeScope(safe_mode):
        model = serialization_lib.deserialize_keras_object(
            config, custom_objects=custom_objects, safe_mode=safe_mode)
    if weights is not None:
        with h5py().File(io.BytesIO(weights), "r") as f:
            read_weights_h5(model, f)
    elif npz is not None:
        with np.load(io.BytesIO(npz), allow_pickle=False) as z:
            read_weights_h5(model, _NpzView(z))
    return model


class _NpzView(dict):
    """``model.weights.npz`` (keys ``<path>/vars/<i>``) presented like an h5 file."""

    def __init__(self, z):
        super().__init__()
        for key in z.files:
            group, _, idx = key.rpartition("/")
            self.setdefault(group.lstrip("/"), {})[idx] = _Arr(z[key])

    def __contains__(self, key):
        return dict.__contains__(self, key)


class _Arr:
    def __init__(self, value):
        self.value, self.attrs = value, {}

    def __getitem__(self, key):
        return self.value


# ---- weights-only files -----------------------------------------------------------------------
def save_weights_only(model, filepath):
    """``model.save_weights('x.weights.h5')`` in the Keras 3 layout."""
    def write(tmp):
        with h5py().File(tmp, "w") as f:
            write_weights_h5(model, f)
    atomic_write(filepath, write)


def load_weights_only(model, filepath, skip_mismatch=False):
    """Load a ``.weights.h5`` file (or the weights inside a ``.keras`` archive)."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        _, weights, _ = _read_archive(filepath)
        src = io.BytesIO(weights)
    else:
        src = filepath
    with h5py().File(src, "r") as f:
        read_weights_h5(model, f, skip_mismatch=skip_mismatch)
