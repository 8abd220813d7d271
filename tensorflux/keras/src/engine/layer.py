"""Keras 3 ``Layer``: weights, build-on-first-call, masks, training flag, losses, configs."""

from __future__ import annotations

import threading

import numpy as np

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.framework.variables import Variable as _TFVariable
from tensorflux.keras.src import backend, constraints, initializers, regularizers
from tensorflux.keras.src.engine.input_spec import InputSpec, assert_input_compatibility
from tensorflux.keras.src.engine.keras_tensor import KerasTensor, any_symbolic
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["Layer", "InputSpec", "KerasVariable", "DTypePolicy"]


# ----------------------------------------------------------------------------------------------
class DTypePolicy:
    """Keras dtype policy: variable and compute dtypes ('float32', 'mixed_float16')."""

    _keras_module = "keras"

    def __init__(self, name=None):
        name = name or backend.floatx()
        if not isinstance(name, str):
            name = backend.standardize_dtype(name)
        self._name = name
        if name.startswith("mixed_"):
            self._compute, self._variable = name[len("mixed_"):], "float32"
        else:
            self._compute = self._variable = backend.standardize_dtype(name)

    name = property(lambda self: self._name)
    compute_dtype = property(lambda self: self._compute)
    variable_dtype = property(lambda self: self._variable)

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


_GLOBAL_POLICY = None


def dtype_policy():
    return _GLOBAL_POLICY or DTypePolicy(backend.floatx())


def set_dtype_policy(policy):
    global _GLOBAL_POLICY
    _GLOBAL_POLICY = None if policy is None else _get_policy(policy)


def _get_policy(dtype):
    if dtype is None:
        return dtype_policy()
    if isinstance(dtype, DTypePolicy):
        return dtype
    if isinstance(dtype, dict):
        return DTypePolicy(**dtype.get("config", dtype))
    return DTypePolicy(backend.standardize_dtype(dtype) if not isinstance(dtype, str)
                       else dtype)


def config_with_policy(config):
    """A copy of a layer config whose serialized ``dtype`` policy dict is rebuilt."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = _get_policy(config["dtype"])
    return config


def pop_sublayer(config, key, custom_objects=None):
    """``(deserialized config[key], rest of the config)`` for wrappers' ``from_config``."""
    config = config_with_policy(config)
    return serialization_lib.deserialize_keras_object(
        config.pop(key), custom_objects=custom_objects), config


# ----------------------------------------------------------------------------------------------
class KerasVariable(_TFVariable):
    """A ``tf.Variable`` created by ``Layer.add_weight``: Keras names (``name`` = 'kernel',
    ``path`` = 'dense/kernel') and a settable ``trainable`` flag."""

    def __init__(self, initial_value, *, name, path, trainable=True, dtype=None,
                 constraint=None, regularizer=None, aggregation="mean", autocast=True):
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype,
                         constraint=constraint)
        self._keras_name = name
        self._autocast = bool(autocast) and self.dtype.is_floating
        self._path = path
        self.regularizer = regularizer
        self.keras_aggregation = aggregation

    @property
    def name(self):
        return self._keras_name

    @property
    def path(self):
        return self._path

    def value(self):
        """The current value; inside a mixed-precision layer call (an autocast scope) a float
        variable reads as the layer's compute dtype (the cast is differentiable)."""
        v = super().value()
        dt = _ctx.autocast
        if dt is not None and self._autocast and v.dtype.name != dt:
            return tf.cast(v, dt)
        return v

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    def __repr__(self):
        return (f"<KerasVariable shape={tuple(self.shape.as_list())}, dtype={self.dtype.name}, "
                f"path={self._path}>")


# ----------------------------------------------------------------------------------------------
class _CallContext(threading.local):
    def __init__(self):
        self.training = None
        self.entry = None
        self.autocast = None      # compute dtype variables are read as (Keras AutocastScope)


_ctx = _CallContext()


def _traced_call(layer):
    """``layer.call``; while tracing (tf.function, functional model construction) a user
    class's ``call`` is converted by AutoGraph (cached per method), as TF Keras's
    ``autograph.tf_convert`` does. tensorflux's own layers run as written."""
    call = layer.call
    if tf.executing_eagerly():
        return call
    from tensorflux._src.autograph.impl import convert
    return convert(call)


class _ScopeStack(threading.local):
    def __init__(self):
        self.stack = []


_scopes = _ScopeStack()


class name_scope:
    """Keras 3's name scope (``keras.name_scope``): variables created inside get
    ``path = "<scope>/.../<name>"``. A layer's scope re-enters at the path where the layer
    was first used (``_parent_path``), and is not re-entered by the same layer."""

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name}")
        self.name, self.caller, self.deduplicate = name, caller, deduplicate
        if override_parent is None and deduplicate and caller is not None:
            override_parent = caller.__dict__.get("_parent_path")
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        stack = _scopes.stack
        if self.deduplicate and stack and self.caller is not None and \
                stack[-1].caller is self.caller and stack[-1].name == self.name:
            return self
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            _scopes.stack.pop()
            self._pushed = False


def current_path():
    """The ``/``-joined path of the open name scopes ('' outside any)."""
    parts = []
    for entry in _scopes.stack:
        if entry.override_parent is not None:
            parts = [p for p in entry.override_parent.split("/") if p]
        parts.append(entry.name)
    return "/".join(parts)


def in_call_training():
    """The training flag of the enclosing layer call (None outside any call)."""
    return _ctx.training


_UNTRACKED = frozenset({"_inbound_nodes", "_outbound_nodes", "_parent_refs", "_auto_config",
                        "_functional", "_nodes_in_order", "history", "_callbacks_ref",
                        "_build_shapes", "_losses", "_call_sig", "input_spec", "_input_spec",
                        "_parent_path", "_path"})


def _signature_info(cls):
    cache = cls.__dict__.get("_keras_sig_cache")
    if cache is not None:
        return cache
    import inspect

    params = inspect.signature(cls.call).parameters
    names = list(params)
    info = {
        "training": "training" in params,
        "mask": "mask" in params,
        "training_default": params["training"].default if "training" in params
        and params["training"].default is not inspect.Parameter.empty else None,
        "names": names[1:],
        "varargs": any(p.kind == p.VAR_POSITIONAL for p in params.values()),
    }
    cls._keras_sig_cache = info
    return info


def _shape_of(x):
    if isinstance(x, KerasTensor):
        return tuple(x.shape)
    if isinstance(x, Tensor) or hasattr(x, "shape"):
        s = x.shape
        return tuple(s.as_list()) if hasattr(s, "as_list") else tuple(s)
    return None


def _to_tensor(x):
    if isinstance(x, np.ndarray) or (isinstance(x, (float, int)) and not isinstance(x, bool)):
        return tf.convert_to_tensor(x)
    return x


# ----------------------------------------------------------------------------------------------
class Layer(tf.Module):
    """Base class of all Keras layers (``keras.layers.Layer``).

    Subclasses create weights in ``build(input_shape)`` with ``add_weight`` and compute in
    ``call(inputs, training=None, mask=None)``; ``__call__`` builds on first use.
    """

    _keras_module = "keras.layers"

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Remember constructor arguments: the default get_config() of a subclass that does not
        # override it returns them (Keras 3's auto-config).
        obj.__dict__["_auto_config"] = (args, dict(kwargs))
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        input_dtype = kwargs.pop("input_dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                             f"{kwargs}")
        if name is None:
            name = backend.unique_object_name(_snake(type(self).__name__))
        elif not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string without '/'. Received: "
                             f"name={name!r}")
        d = self.__dict__
        d["_name"] = name
        d["_scope_name"] = name
        d["_trainable"] = bool(trainable)
        d["_trainable_variables"] = []
        d["_non_trainable_variables"] = []
        d["_losses"] = []
        d["_inbound_nodes"] = []
        d["_outbound_nodes"] = []
        d["_build_shapes"] = None
        d["built"] = False
        d["_dtype_policy"] = _get_policy(dtype)
        d["autocast"] = autocast
        d["supports_masking"] = getattr(self, "supports_masking", False)
        d["_input_spec"] = None
        d["activity_regularizer"] = regularizers.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(input_shape)
        d["_batch_input_shape"] = tuple(batch_input_shape) if batch_input_shape else None
        d["_input_dtype"] = input_dtype
        d["_parent_path"] = None
        d["_path"] = None

    # ---- tracking ----------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_trainable_variables" not in self.__dict__ and not name.startswith("__"):
            if isinstance(value, (Layer, _TFVariable)):
                raise RuntimeError(
                    f"It looks like you are subclassing `Layer` and forgot to call "
                    f"`super().__init__()`. Always start with this line (setting {name!r}).")
        object.__setattr__(self, name, value)

    def _flatten_layers(self, include_self=False, recursive=False):
        out = [self] if include_self else []
        seen = {id(self)}
        self._collect_layers(out, seen, recursive)
        return out

    def _direct_layers(self):
        found = []
        for k, v in self.__dict__.items():
            if k in _UNTRACKED:
                continue
            _find_layers(v, found, 0)
        return found

    def _collect_layers(self, out, seen, recursive):
        for layer in self._direct_layers():
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                layer._collect_layers(out, seen, recursive)

    @property
    def _layers(self):
        return self._direct_layers()

    def _own_variables(self):
        own = self._trainable_variables + self._non_trainable_variables
        extra = []
        for k, v in self.__dict__.items():
            if k in _UNTRACKED or k in ("_trainable_variables", "_non_trainable_variables"):
                continue
            _find_vars(v, extra, 0)
        ids = {id(v) for v in own}
        return own + [v for v in extra if id(v) not in ids]

    # ---- weights -----------------------------------------------------------------------------
    @property
    def weights(self):
        out, seen = [], set()
        for v in self._own_variables():
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._direct_layers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [np.array(v.numpy()) for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(v.shape.as_list()) != w.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(v.shape.as_list())} is not "
                    f"compatible with provided weight shape {w.shape}.")
            v.assign(w.astype(v.dtype.as_numpy_dtype, copy=False))

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="mean",
                   name=None, **kwargs):
        """Create a variable owned by this layer (tracked in ``weights``)."""
        shape = () if shape is None else tuple(int(d) for d in
                                               (shape if isinstance(shape, (list, tuple))
                                                else tf.TensorShape(shape).as_list()))
        dtype = backend.standardize_dtype(dtype or self._dtype_policy.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        if name is None:
            name = "variable" if not self._own_variables() else \
                f"variable_{len(self._own_variables())}"
        if callable(init) or isinstance(init, initializers.Initializer):
            value = lambda: init(shape, dtype=dtype)  # noqa: E731
        else:
            value = init
        with name_scope(self.name, caller=self):
            path = f"{current_path()}/{name}"
        with tf.init_scope():
            v = KerasVariable(value() if callable(value) else value, name=name,
                              path=path, trainable=trainable,
                              dtype=tf.as_dtype(dtype), constraint=constraints.get(constraint),
                              regularizer=regularizers.get(regularizer),
                              aggregation=aggregation, autocast=autocast)
        if trainable:
            self._trainable_variables.append(v)
        else:
            self._non_trainable_variables.append(v)
        if not self._trainable:
            v.trainable = False
        return v

    add_variable = add_weight

    # ---- properties --------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def path(self):
        """The layer's name-scope path when it was built (e.g. 'sequential/dense')."""
        return self.__dict__.get("_path") or self._name

    def _open_name_scope(self):
        if self.__dict__.get("_parent_path") is None:
            self.__dict__["_parent_path"] = current_path()
        return name_scope(self.name, caller=self)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self.__dict__["_trainable"] = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._direct_layers():
            layer.trainable = value

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self.__dict__["_dtype_policy"] = _get_policy(value)

    @property
    def dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        self.__dict__["_input_spec"] = value

    @property
    def metrics(self):
        return []

    # ---- losses ------------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar loss (or list of them) computed in ``call`` to ``layer.losses``."""
        for x in nest.flatten(loss):
            if x is not None:
                self._losses.append(x if isinstance(x, Tensor) else tf.convert_to_tensor(x))

    def _regularization_losses(self):
        out = []
        for v in self._own_variables():
            reg = getattr(v, "regularizer", None)
            if reg is not None and v.trainable:
                out.append(tf.convert_to_tensor(reg(v.value())))
        return out

    @property
    def losses(self):
        """Losses added during the last call plus weight regularization penalties."""
        out = list(self._losses) + self._regularization_losses()
        for layer in self._direct_layers():
            out.extend(layer.losses)
        return out

    def _clear_losses(self):
        self._losses.clear()
        for layer in self._direct_layers():
            layer._clear_losses()

    # ---- building ----------------------------------------------------------------------------
    def build(self, input_shape):
        self.__dict__["built"] = True

    def _maybe_build(self, first_arg):
        if self.built:
            return
        shapes = nest.map_structure(_shape_of, first_arg)
        if isinstance(shapes, tuple) and not isinstance(first_arg, tuple):
            pass
        self.__dict__["_build_shapes"] = shapes
        with self._open_name_scope():
            self.__dict__["_path"] = current_path()
            self.build(shapes)
        self.__dict__["built"] = True

    def build_from_config(self, config):
        shape = config.get("input_shape")
        if shape is not None:
            with self._open_name_scope():
                self.__dict__["_path"] = current_path()
                self.build(_as_shape_struct(shape))
            self.__dict__["_build_shapes"] = _as_shape_struct(shape)
        self.__dict__["built"] = True

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        return {"input_shape": _shape_to_json(self._build_shapes)}

    _build_config_for_serialization = get_build_config

    # ---- calling -----------------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, *args, **kwargs):
        if not args:
            key = _signature_info(type(self))["names"][:1]
            if key and key[0] in kwargs:
                args = (kwargs.pop(key[0]),)
            else:
                raise ValueError(f"Layer {self.name} was called without an input.")
        if any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        first = args[0]
        if not isinstance(first, Tensor):
            first = nest.map_structure(_to_tensor, first)
            args = (first,) + args[1:]
        if self.autocast:
            first = self._autocast(first)
            args = (first,) + args[1:]
        sig = _signature_info(type(self))
        training = kwargs.get("training")
        if training is None:
            training = _ctx.training
        if sig["training"]:
            if training is not None:
                kwargs["training"] = training
            else:
                kwargs.pop("training", None)
                training = sig["training_default"]
        else:
            kwargs.pop("training", None)
        previous_mask = None
        if self.supports_masking or sig["mask"]:
            previous_mask = nest.map_structure(lambda t: getattr(t, "_keras_mask", None), first) \
                if nest.is_nested(first) else getattr(first, "_keras_mask", None)
            if not any(m is not None for m in nest.flatten(previous_mask)):
                previous_mask = None
        if sig["mask"] and kwargs.get("mask") is None and previous_mask is not None:
            kwargs["mask"] = previous_mask
        if self._input_spec is not None:
            assert_input_compatibility(self._input_spec, first, self.name)
        if not self.built:
            self._maybe_build(first)
        saved = (_ctx.training, _ctx.entry, _ctx.autocast)
        if _ctx.entry is None:
            _ctx.entry = self
            self._clear_losses()
        _ctx.training = training
        _ctx.autocast = self._autocast_scope_dtype(saved[2])
        try:
            with self._open_name_scope():
                outputs = _traced_call(self)(*args, **kwargs)
        finally:
            _ctx.training, _ctx.entry, _ctx.autocast = saved
        if self.activity_regularizer is not None:
            for o in nest.flatten(outputs):
                n = tf.cast(tf.shape(o)[0], o.dtype)
                self.add_loss(self.activity_regularizer(o) / n)
        if self.supports_masking:
            mask = kwargs.get("mask", previous_mask)
            out_mask = self.compute_mask(first, mask)
            _set_masks(outputs, out_mask)
        return outputs

    def _autocast_scope_dtype(self, current):
        """Keras's AutocastScope rule: the dtype float variables are read as in ``call``."""
        policy = self._dtype_policy
        compute = policy.compute_dtype
        if current is not None:
            if not self.autocast or not backend.is_float_dtype(compute):
                return None
            return compute
        return compute if compute != policy.variable_dtype else None

    def _autocast(self, x):
        dt = self._dtype_policy.compute_dtype

        def cast(t):
            if isinstance(t, Tensor) and t.dtype.is_floating and t.dtype.name != dt:
                return tf.cast(t, dt)
            return t
        return nest.map_structure(cast, x) if nest.is_nested(x) else cast(x)

    def _symbolic_call(self, args, kwargs):
        from tensorflux.keras.src.engine.node import Node

        first = args[0]
        if not self.built:
            if self._input_spec is not None:
                assert_input_compatibility(self._input_spec, first, self.name)
            self._maybe_build(first)
        elif self._input_spec is not None:
            assert_input_compatibility(self._input_spec, first, self.name)
        with self._open_name_scope():
            outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensors, found by tracing ``call`` on placeholders of the input shapes."""
        from tensorflux.keras.src.engine.keras_tensor import trace_symbolic

        try:
            return trace_symbolic(self, args, kwargs)
        except NotImplementedError:
            raise
        except Exception as e:
            if type(self).compute_output_shape is Layer.compute_output_shape:
                raise
            try:
                shapes = self.compute_output_shape(
                    nest.map_structure(_shape_of, args[0]))
            except NotImplementedError:
                raise e from None
            return _specs_from_shapes(shapes, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; by default found by tracing ``call``."""
        from tensorflux.keras.src.engine.keras_tensor import KerasTensor as KT, trace_symbolic

        def kt(s):
            return KT(s, self.compute_dtype)
        inputs = nest.map_structure(kt, _as_shape_struct(input_shape), )
        out = trace_symbolic(self, (inputs,), {})
        return nest.map_structure(lambda t: tuple(t.shape), out)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.supports_masking:
            return None
        return previous_mask

    # ---- functional-API graph info -----------------------------------------------------------
    def _single_node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has never been called and thus has no "
                                 f"defined {what}.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes, hence the "
                                 f"notion of 'layer {what}' is ill-defined. Use "
                                 f"`get_{what.replace(' ', '_')}_at(node_index)` instead.")
        return getattr(self._inbound_nodes[0], attr)

    @property
    def input(self):
        return self._single_node_attr("input_tensors_struct", "input")

    @property
    def output(self):
        return self._single_node_attr("output_tensors_struct", "output")

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].input_tensors_struct

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].output_tensors_struct

    # ---- config ------------------------------------------------------------------------------
    def get_config(self):
        base = {"name": self.name, "trainable": self.trainable,
                "dtype": serialization_lib.serialize_keras_object(self._dtype_policy)}
        if self.activity_regularizer is not None:
            base["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is not Layer.get_config:
            return base
        args, kw = self.__dict__.get("_auto_config", ((), {}))
        if type(self).__init__ is Layer.__init__:
            return base
        if args:
            import inspect

            params = [p for p in inspect.signature(type(self).__init__).parameters][1:]
            kw = {**dict(zip(params, args)), **kw}
        cfg = dict(kw)
        cfg.update(base)
        return cfg

    @classmethod
    def from_config(cls, config):
        config = config_with_policy(config)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {e}. Override `get_config()`/`from_config()` so the "
                "config matches the constructor arguments.") from e

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but "
                             "the layer isn't built. You can build it manually via: "
                             f"`layer.build(input_shape)`.")
        return int(sum(np.prod(v.shape.as_list(), dtype=np.int64) for v in self.weights))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ----------------------------------------------------------------------------------------------
def _snake(name):
    """Keras's ``to_snake_case``: Conv2D -> conv2d, LeakyReLU -> leaky_re_lu."""
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def _find_layers(v, out, depth):
    if isinstance(v, Layer):
        out.append(v)
    elif depth < 3 and isinstance(v, (list, tuple)):
        for x in v:
            _find_layers(x, out, depth + 1)
    elif depth < 3 and isinstance(v, dict):
        for x in v.values():
            _find_layers(x, out, depth + 1)


def _find_vars(v, out, depth):
    if isinstance(v, _TFVariable):
        out.append(v)
    elif depth < 2 and isinstance(v, (list, tuple)):
        for x in v:
            _find_vars(x, out, depth + 1)
    elif depth < 2 and isinstance(v, dict):
        for x in v.values():
            _find_vars(x, out, depth + 1)


def _set_masks(outputs, masks):
    if masks is None:
        return
    flat_o = nest.flatten(outputs)
    flat_m = nest.flatten(masks) if nest.is_nested(masks) else [masks] * len(flat_o)
    for o, m in zip(flat_o, flat_m):
        if m is not None and isinstance(o, Tensor):
            try:
                o._keras_mask = m
            except AttributeError:
                pass


def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer))
                                                for d in x)


def _as_shape_struct(shape):
    """JSON lists -> tuples (a shape), or nested lists/dicts of shapes."""
    if isinstance(shape, dict):
        return {k: _as_shape_struct(v) for k, v in shape.items()}
    if _is_shape(shape):
        return tuple(None if d is None else int(d) for d in shape)
    if isinstance(shape, (list, tuple)):
        return [_as_shape_struct(s) for s in shape]
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    return shape


def _shape_to_json(shape):
    if isinstance(shape, dict):
        return {k: _shape_to_json(v) for k, v in shape.items()}
    if _is_shape(shape):
        return [None if d is None else int(d) for d in shape]
    if isinstance(shape, (list, tuple)):
        return [_shape_to_json(s) for s in shape]
    return shape


def _specs_from_shapes(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _specs_from_shapes(v, dtype) for k, v in shapes.items()}
    return [_specs_from_shapes(s, dtype) for s in shapes]
