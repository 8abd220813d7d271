"""``tf.name_scope``, ``tf.device``, ``tf.control_dependencies`` and ``tf.init_scope``."""

from __future__ import annotations

import contextlib

from tensorflux._src.framework.context import state
from tensorflux._src.framework.variables import init_scope  # noqa: F401 - re-exported


class name_scope:  # noqa: N801 - TensorFlow's public name
    """Prefixes the names of ops created inside (``tf.name_scope``).

    Example:
        >>> import tensorflux as tf
        >>> with tf.name_scope("layer1") as scope:
        ...     print(scope)
        layer1/
    """

    def __init__(self, name, default_name=None, values=None):
        if name is None:
            name = default_name
        if not isinstance(name, str) and name is not None:
            raise TypeError(f"name_scope name must be a string, got {name!r}")
        self._name = name
        self._cm = None
        self._old = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        g = state.graph
        if g is not None:
            self._cm = g.name_scope(self._name)
            return self._cm.__enter__()
        self._old = state.name_scope
        n = self._name or ""
        if n.endswith("/"):
            state.name_scope = n
        elif n:
            state.name_scope = f"{self._old}{n}/"
        return state.name_scope

    def __exit__(self, *exc):
        if self._cm is not None:
            cm, self._cm = self._cm, None
            return cm.__exit__(*exc)
        state.name_scope = self._old
        return False


@contextlib.contextmanager
def device(device_name):
    """Places ops on a device (``tf.device``); tensorflux's NumPy backend runs on the CPU, and
    the requested name is recorded on graph nodes."""
    if callable(device_name):
        raise RuntimeError("tf.device does not support functions when eager execution is "
                           "enabled.")
    state.device_stack.append(device_name)
    try:
        yield
    finally:
        state.device_stack.pop()


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Ops created inside run after ``control_inputs`` (``tf.control_dependencies``).

    Inside ``tf.function`` nodes already run in program order, so this only adds explicit
    edges; eagerly it is a no-op, as in TensorFlow 2.
    """
    if state.graph is None:
        yield
        return
    ops = []
    for c in control_inputs or []:
        if c is None:
            continue
        op = getattr(c, "op", c)
        if getattr(op, "graph", None) is state.graph:
            ops.append(op)
    state.control_deps.append(ops)
    try:
        yield
    finally:
        state.control_deps.pop()


def get_current_name_scope() -> str:
    g = state.graph
    if g is not None:
        return g._name_stack
    return state.name_scope.rstrip("/")
