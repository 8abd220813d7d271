"""The in-process trace recorder and ``Trace`` ranges (TensorFlow's TraceMe).

Other subsystems (tf.data stages, summary writers) import this module lazily and use::

    from tensorflux._src.profiler import trace
    if trace.enabled():
        with trace.Trace("MapDataset", element=i): ...

``enabled()`` is one global read; ``Trace`` costs two attribute writes while no
profiler runs.
"""

from __future__ import annotations

import functools
import threading
import time

now_ns = time.perf_counter_ns
_native_tid = threading.get_native_id

# The active Recorder (set by session.start, cleared by session.stop), or None.
_recorder = None


def enabled() -> bool:
    """True while a profiler session records user ``Trace`` ranges."""
    rec = _recorder
    return rec is not None and rec.host_level >= 1


def active_recorder():
    """The running Recorder or None."""
    return _recorder


class Recorder:
    """Collects complete events ``(tid, start_ns, end_ns, cat, name, args)`` from all threads.

    ``list.append`` is atomic under the GIL, so threads record without a lock.
    """

    def __init__(self, host_level=2, python_level=0, delay_ms=None):
        self.host_level = host_level
        self.python_level = python_level
        self.start_ns = now_ns()
        self.start_epoch_ns = time.time_ns()
        self.begin_ns = self.start_ns + int((delay_ms or 0) * 1_000_000)
        self.events = []
        self.threads = {}
        self.plan_steps = {}
        self.py_stacks = {}

    def add(self, cat, name, start, end, args=None):
        tid = _native_tid()
        if tid not in self.threads:
            self.threads[tid] = threading.current_thread().name
        self.events.append((tid, start, end, cat, name, args))


class Trace:
    """``tf.profiler.experimental.Trace(name, **kwargs)``: a named range on the caller's thread.

    Context manager (``with Trace("train", step_num=step): ...``) or decorator. The keyword
    arguments become the event's args; ``step_num`` marks a training step.
    """

    __slots__ = ("name", "kwargs", "_rec", "_start")

    def __init__(self, name, **kwargs):
        self.name = name
        self.kwargs = kwargs
        self._rec = None

    def __enter__(self):
        rec = _recorder
        if rec is not None and rec.host_level >= 1:
            self._rec = rec
            self._start = now_ns()
        return self

    def __exit__(self, exc_type, exc, tb):
        rec = self._rec
        if rec is not None:
            self._rec = None
            if rec is _recorder:
                rec.add("Trace", self.name, self._start, now_ns(), self.kwargs or None)
        return False

    def set_metadata(self, **kwargs):
        """Adds args to the range (TF: values known only inside the range)."""
        self.kwargs.update(kwargs)

    def __call__(self, func):
        name, kwargs = self.name, self.kwargs

        @functools.wraps(func)
        def wrapper(*args, **kw):
            if _recorder is None:
                return func(*args, **kw)
            with Trace(name, **kwargs):
                return func(*args, **kw)

        return wrapper
