"""``tf.summary.graph`` and the ``trace_on``/``trace_export`` graph (and profile) tracing."""

from __future__ import annotations

import logging
import threading
import time

from tensorflux._src.framework.context import state as _ctx
from tensorflux._src.summary import wire
from tensorflux._src.summary.writer import _resolve_condition, _state, summary_tag, write

_log = logging.getLogger("tensorflux")


def graph_def_bytes(graph_data) -> bytes:
    """A serialized GraphDef from a FuncGraph, ConcreteFunction, tf.function (its single
    concrete function), GraphDef proto or bytes."""
    if isinstance(graph_data, bytes):
        return graph_data
    if hasattr(graph_data, "SerializeToString"):
        return graph_data.SerializeToString()
    g = graph_data
    if hasattr(g, "get_concrete_function") and isinstance(getattr(g, "_cache", None), dict):
        if not g._cache:  # a tf.function: use its latest trace
            raise ValueError(f"{g!r} has not been traced yet; call it (or "
                             "get_concrete_function) before writing its graph.")
        g = list(g._cache.values())[-1]
    if hasattr(g, "graph") and hasattr(g.graph, "as_graph_def"):  # a ConcreteFunction
        g = g.graph
    if hasattr(g, "as_graph_def"):
        return g.as_graph_def().SerializeToString()
    raise ValueError("Argument 'graph_data' is not a tf.Graph (FuncGraph, ConcreteFunction) "
                     f"or tf.compat.v1.GraphDef. Received graph_data={graph_data!r}.")


def graph(graph_data):
    """Writes a graph to the default writer (``tf.summary.graph``), at step 0.

    Returns True on success, False when no default writer is set or recording is off.
    """
    from tensorflux._src.framework.convert import constant

    if _ctx.graph is not None:
        raise ValueError("graph() cannot be invoked inside a graph context.")
    writer = _state.writer
    if writer is None or _resolve_condition() is not True:
        return constant(False)
    writer.write_event(wire.event(time.time(), 0, 4, graph_def_bytes(graph_data)))
    return constant(True)


# --- tracing -----------------------------------------------------------------------------------
class _Trace:
    def __init__(self):
        self.lock = threading.Lock()
        self.on = False
        self.graph = False
        self.profiler = False
        self.functions = []  # ConcreteFunctions called while tracing, in call order


_trace = _Trace()


def _observe(concrete_fn):
    with _trace.lock:
        if _trace.on and _trace.graph and all(f is not concrete_fn for f in _trace.functions):
            _trace.functions.append(concrete_fn)


def _profiler():
    """The profiler's start/stop session module (``tensorflux._src.profiler.session``)."""
    try:
        from tensorflux._src.profiler import session
    except ImportError:
        return None
    return session if hasattr(session, "start") and hasattr(session, "stop") else None


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Starts recording the graphs of ``tf.function`` calls (and a profile if ``profiler``)
    for ``trace_export`` (``tf.summary.trace_on``)."""
    from tensorflux._src.framework import function

    if _ctx.graph is not None:
        _log.warning("Must enable trace in eager mode.")
        return
    with _trace.lock:
        if _trace.on:
            _log.warning("Trace already enabled")
            return
        _trace.on, _trace.graph, _trace.profiler = True, bool(graph), bool(profiler)
        _trace.functions = []
    if _observe not in function.call_observers:
        function.call_observers.append(_observe)
    if profiler:
        p = _profiler()
        if p is None or profiler_outdir is None:
            _log.warning("tf.summary.trace_on(profiler=True): %s; the profiler won't be enabled.",
                         "no `profiler_outdir` passed" if p is not None
                         else "the tensorflux profiler is not available")
            _trace.profiler = False
        else:
            p.start(profiler_outdir)


def trace_off():
    """Stops tracing and discards what was collected (``tf.summary.trace_off``)."""
    from tensorflux._src.framework import function

    with _trace.lock:
        was_profiling = _trace.on and _trace.profiler
        _trace.on, _trace.graph, _trace.profiler = False, False, False
        _trace.functions = []
    if _observe in function.call_observers:
        function.call_observers.remove(_observe)
    if was_profiling:
        p = _profiler()
        if p is not None:
            p.stop()


def run_metadata_bytes(functions) -> bytes:
    """A serialized ``RunMetadata`` holding each function's graph as a pre-optimization
    graph (what TensorBoard's ``graph_run_metadata_graph`` plugin data carries)."""
    from tensorflux._src.proto import graph_pb2, run_metadata_pb2

    md = run_metadata_pb2.RunMetadata()
    for f in functions:
        fg = md.function_graphs.add()
        fg.pre_optimization_graph.CopyFrom(
            graph_pb2.GraphDef.FromString(graph_def_bytes(f)))
    return md.SerializeToString()


def trace_export(name, step=None, profiler_outdir=None):
    """Writes the traced graphs as summary ``name`` and stops tracing
    (``tf.summary.trace_export``); with ``profiler=True`` the profile goes to
    ``profiler_outdir``."""
    import numpy as np

    if _ctx.graph is not None:
        raise ValueError("Can only export trace while executing eagerly.")
    with _trace.lock:
        if not _trace.on:
            raise ValueError("Must enable trace before export through tf.summary.trace_on.")
        functions = list(_trace.functions)
        graph_on, profiling = _trace.graph, _trace.profiler
    try:
        if graph_on:
            md = wire.summary_metadata("graph_run_metadata_graph", b"1")
            data = np.array(run_metadata_bytes(functions), dtype=object)
            write(summary_tag(name), data, step, md)
        if profiling:
            p = _profiler()
            if p is not None:
                _trace.profiler = False
                p.stop()
    finally:
        trace_off()
