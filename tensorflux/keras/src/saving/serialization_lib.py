"""Keras 3 object (de)serialization: ``{"module", "class_name", "config", "registered_name"}``."""

from __future__ import annotations

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS: dict = {}
_GLOBAL_CUSTOM_NAMES: dict = {}
_SCOPE = threading.local()

# Public Keras module name -> tensorflux namespace that provides its built-ins.
_BUILTIN_MODULES = {
    "keras.layers": "tensorflux.keras.layers",
    "keras.initializers": "tensorflux.keras.initializers",
    "keras.regularizers": "tensorflux.keras.regularizers",
    "keras.constraints": "tensorflux.keras.constraints",
    "keras.optimizers": "tensorflux.keras.optimizers",
    "keras.optimizers.schedules": "tensorflux.keras.optimizers.schedules",
    "keras.losses": "tensorflux.keras.losses",
    "keras.metrics": "tensorflux.keras.metrics",
    "keras.activations": "tensorflux.keras.activations",
    "keras.models": "tensorflux.keras.models",
    "keras": "tensorflux.keras",
    "keras.src.models.functional": "tensorflux.keras.src.engine.functional",
    "keras.src.models.sequential": "tensorflux.keras.src.engine.sequential",
    "keras.src.models.model": "tensorflux.keras.src.engine.training",
}


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class/function as ``"package>name"`` for deserialization."""
    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        key = f"{package}>{class_name}"
        if key in _GLOBAL_CUSTOM_OBJECTS:
            raise ValueError(f"{key} has already been registered to "
                             f"{_GLOBAL_CUSTOM_OBJECTS[key]}")
        _GLOBAL_CUSTOM_OBJECTS[key] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = key
        return arg
    return decorator


def get_registered_name(obj):
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name, custom_objects=None, module_objects=None):
    scope = getattr(_SCOPE, "stack", [])
    for d in reversed(scope):
        if name in d:
            return d[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_builtin_or_callable(identifier, module_objects, deserialize, kind):
    """``get`` of constraints/regularizers: None, config dict, built-in name or callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = module_objects.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")
        return cls()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")


def get_object_or_function(identifier, module_objects, deserialize, kind):
    """``get`` of losses/metrics: name, config dict, class (instantiated), instance or function.

    Names not in ``module_objects`` are looked up among registered custom objects.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = module_objects.get(identifier)
        if obj is None:
            obj = get_registered_object(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")


class CustomObjectScope:
    """``with keras.saving.custom_object_scope({...}):`` exposes custom classes to loaders."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        if not hasattr(_SCOPE, "stack"):
            _SCOPE.stack = []
        _SCOPE.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.stack.pop()


custom_object_scope = CustomObjectScope


def get_custom_objects():
    return _GLOBAL_CUSTOM_OBJECTS


def _module_name(obj):
    mod = getattr(obj, "_keras_module", None)
    if mod is not None:
        return mod
    m = getattr(obj, "__module__", None) if isinstance(obj, type) else type(obj).__module__
    return None if m == "__main__" else m


def serialize_keras_object(obj):
    """The Keras 3 JSON-able form of ``obj`` (None/plain values pass through)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "dtype") and hasattr(obj, "numpy") and not hasattr(obj, "get_config"):
        v = obj.numpy()
        return v.tolist() if hasattr(v, "tolist") else v
    if hasattr(obj, "as_numpy_dtype") and hasattr(obj, "name"):   # tf.DType
        return obj.name
    if callable(obj) and not hasattr(obj, "get_config"):
        return _serialize_function(obj)
    cls = type(obj)
    reg = _GLOBAL_CUSTOM_NAMES.get(cls)
    builtin = getattr(cls, "_keras_module", None) is not None and reg is None
    out = {"module": _module_name(obj),
           # a class exported under another name (GroupedQueryAttention -> GroupQueryAttention)
           "class_name": cls.__dict__.get("_keras_public_name", cls.__name__),
           "config": _serialize_config(obj.get_config()),
           "registered_name": None if builtin else (reg or cls.__name__)}
    if hasattr(obj, "_build_config_for_serialization"):
        bc = obj._build_config_for_serialization()
        if bc:
            out["build_config"] = bc
    if hasattr(obj, "_compile_config_for_serialization"):
        cc = obj._compile_config_for_serialization()
        if cc is not None:
            out["compile_config"] = cc
    return out


def _serialize_function(fn):
    """Keras 3.15's form: built-in Keras functions (activations, losses, metrics) are
    ``module="builtins"``/``registered_name="function"``; others keep their module."""
    reg = _GLOBAL_CUSTOM_NAMES.get(fn)
    name = getattr(fn, "_keras_builtin_name", None) or getattr(fn, "__name__", type(fn).__name__)
    module = getattr(fn, "__module__", None) or "builtins"
    if reg is None and (module.startswith("tensorflux.") or module == "builtins"):
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    return {"module": module, "class_name": "function", "config": reg or name,
            "registered_name": reg or name}


def _serialize_config(config):
    if isinstance(config, dict):
        return {k: _serialize_config(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_serialize_config(v) for v in config]
    return serialize_keras_object(config)


def _builtin_lookup(module, class_name):
    import importlib

    names = [_BUILTIN_MODULES[module]] if module in _BUILTIN_MODULES else []
    names += [m for k, m in _BUILTIN_MODULES.items() if k != module]
    for modname in names:
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        obj = getattr(mod, class_name, None)
        if obj is not None:
            return obj
    return None


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None,
                             printable_module_name="object", **kwargs):
    """Rebuild an object from :func:`serialize_keras_object` output (or a plain name)."""
    if config is None:
        return None
    if isinstance(config, (bool, int, float)) or (
            isinstance(config, (list, tuple)) and not isinstance(config, str)):
        return config
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            obj = _builtin_lookup(None, config)
        if obj is None:
            raise ValueError(f"Could not interpret {printable_module_name} identifier: "
                             f"{config!r}. Pass a known name or register the object with "
                             "`keras.saving.register_keras_serializable()`.")
        return obj() if isinstance(obj, type) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize {printable_module_name} from {config!r}: "
                         "expected a dict with a 'class_name' key.")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__tuple__":
        return tuple(inner["value"])
    if class_name == "function":
        fn = get_registered_object(inner, custom_objects, module_objects)
        if fn is None:
            fn = _builtin_lookup(config.get("module"), inner)
        if fn is None:
            raise ValueError(f"Unknown function {inner!r} while deserializing. Register it "
                             "with `keras.saving.register_keras_serializable()` or pass it "
                             "in `custom_objects`.")
        return fn
    cls = None
    for key in (config.get("registered_name"), class_name):
        if key:
            cls = get_registered_object(key, custom_objects, module_objects)
            if cls is not None:
                break
    if cls is None:
        cls = _builtin_lookup(config.get("module"), class_name)
    if cls is None:
        raise TypeError(f"Could not locate class '{class_name}'. Make sure custom classes are "
                        "decorated with `@keras.saving.register_keras_serializable()` or passed "
                        "via `custom_objects`. Full object config: " + repr(config)[:300])
    if not isinstance(cls, type):
        return cls
    if custom_objects:
        with CustomObjectScope(custom_objects):
            obj = cls.from_config(inner)
    else:
        obj = cls.from_config(inner)
    bc = config.get("build_config")
    if bc and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        obj.build_from_config(bc)
    cc = config.get("compile_config")
    if cc and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(cc)
    return obj


# ---- safe mode (Lambda bytecode) ---------------------------------------------------------------
_UNSAFE_GLOBALLY = [False]


class SafeModeScope:
    """``with SafeModeScope(False):`` allows deserializing Python lambdas (Keras's safe_mode)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._prev = getattr(_SCOPE, "safe_mode", None)
        _SCOPE.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc):
        _SCOPE.safe_mode = self._prev


def in_safe_mode():
    """The ambient safe mode: True/False inside a ``SafeModeScope``, else None."""
    if _UNSAFE_GLOBALLY[0]:
        return False
    return getattr(_SCOPE, "safe_mode", None)


def enable_unsafe_deserialization():
    """``keras.config.enable_unsafe_deserialization()``: allow lambdas everywhere."""
    _UNSAFE_GLOBALLY[0] = True


def load_lambda(fn_config, safe_mode=None):
    """A Python function from a ``{"class_name": "__lambda__"}`` config; refused in safe mode."""
    safe = safe_mode if safe_mode is not None else in_safe_mode()
    if safe is not False:
        raise ValueError(
            "Requested the deserialization of a `Lambda` layer whose `function` is a Python "
            "lambda. This carries a potential risk of arbitrary code execution and thus it is "
            "disallowed by default. If you trust the source of the artifact, you can override "
            "this error by passing `safe_mode=False` to the loading function, or calling "
            "`keras.config.enable_unsafe_deserialization()`.")
    import base64
    import marshal
    import types

    inner = fn_config["config"]
    code = inner.get("code", inner.get("value"))
    defaults, closure = inner.get("defaults"), inner.get("closure")
    if isinstance(code, (list, tuple)):   # older Keras: value = [code, defaults, closure]
        code, defaults, closure = code
    code = marshal.loads(base64.b64decode(code.encode("ascii")))
    cells = None
    if closure:
        cells = tuple(types.CellType(v) for v in closure)
    import tensorflux

    globs = {"__builtins__": __builtins__, "tf": tensorflux, "np": __import__("numpy")}
    return types.FunctionType(code, globs, name=code.co_name,
                              argdefs=tuple(defaults) if defaults else None, closure=cells)
