"""``tf.Module``: a named container that finds the variables and submodules it holds."""

from __future__ import annotations

import functools
import re

from tensorflux._src.framework.variables import is_variable

# TensorFlow's rule: an underscore before a capital that follows a lowercase letter or digit,
# or that starts a new word after an acronym ("MLP" -> "mlp", "HTTPServer" -> "http_server").
_CAMEL = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")


def _snake(name):
    return _CAMEL.sub(r"_\1", name).lower()


class Module:
    """Base class for objects that own variables (``tf.Module``).

    Example:
        >>> import tensorflux as tf
        >>> class Dense(tf.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = tf.Variable(tf.ones([2, 2]))
        >>> len(Dense().trainable_variables)
        1
    """

    _TF_MODULE_IGNORED_PROPERTIES = frozenset(("_self_unconditional_checkpoint_dependencies",))

    def __init__(self, name=None):
        if name is None:
            name = _snake(type(self).__name__)
        elif not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-]*$", name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._name = name
        self._scope_name = name

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        from tensorflux._src.ops.scopes import name_scope
        return name_scope(self._scope_name)

    @property
    def variables(self):
        return tuple(self._flatten(predicate=is_variable))

    @property
    def trainable_variables(self):
        return tuple(self._flatten(predicate=lambda v: is_variable(v) and v.trainable))

    @property
    def non_trainable_variables(self):
        return tuple(self._flatten(predicate=lambda v: is_variable(v) and not v.trainable))

    @property
    def submodules(self):
        return tuple(self._flatten(predicate=lambda m: isinstance(m, Module)))

    def _flatten(self, recursive=True, predicate=None, attribute_traversal_key=None,
                 with_path=False, expand_composites=False):
        predicate = predicate or (lambda _: True)
        seen = {id(self)}
        out = []

        def walk(obj, path, depth):
            if isinstance(obj, dict):
                items = sorted(obj.items(), key=lambda kv: str(kv[0]))
            elif isinstance(obj, (list, tuple)):
                items = list(enumerate(obj))
            else:
                return
            for k, v in items:
                visit(v, path + (k,), depth)

        def visit(v, path, depth):
            if id(v) in seen:
                return
            if is_variable(v) or isinstance(v, Module):
                seen.add(id(v))
                if predicate(v):
                    out.append((path, v) if with_path else v)
                if isinstance(v, Module) and recursive:
                    attrs(v, path)
            elif isinstance(v, (dict, list, tuple)):
                seen.add(id(v))
                walk(v, path, depth + 1)

        def attrs(m, path):
            d = vars(m)
            for k in sorted(d, key=attribute_traversal_key):
                if k in m._TF_MODULE_IGNORED_PROPERTIES:
                    continue
                visit(d[k], path + (k,), 0)

        attrs(self, ())
        return out

    @classmethod
    def with_name_scope(cls, method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return wrapped

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {id(self):#x}>"
