"""``tf.profiler.experimental.start/stop/Profile/ProfilerOptions``: one local session at a time."""

from __future__ import annotations

import collections
import threading

from tensorflux._src.core import errors
from tensorflux._src.profiler import hooks, trace

ProfilerOptions = collections.namedtuple(
    "ProfilerOptions", ["host_tracer_level", "python_tracer_level", "device_tracer_level",
                        "delay_ms"])
ProfilerOptions.__new__.__defaults__ = (2, 0, 1, None)
ProfilerOptions.__doc__ = (
    "Options for the profiler: host_tracer_level (0 off, 1 user Trace ranges only, 2 also ops"
    " and tf.function runs (default), 3 verbose), python_tracer_level (1 traces Python calls),"
    " device_tracer_level (no devices here: ignored), delay_ms (drop events before this delay).")

_lock = threading.Lock()
_logdir = None


def _check_options(options):
    if options is None:
        return ProfilerOptions()
    if not isinstance(options, ProfilerOptions):
        raise TypeError(f"options must be a tf.profiler.experimental.ProfilerOptions, got "
                        f"{type(options).__name__}. Build one with ProfilerOptions(...).")
    for field in ("host_tracer_level", "python_tracer_level", "device_tracer_level"):
        v = getattr(options, field)
        if not isinstance(v, int) or v < 0:
            raise errors.InvalidArgumentError(
                None, None, f"ProfilerOptions.{field} must be a non-negative int, got {v!r}.")
    if options.delay_ms is not None and options.delay_ms < 0:
        raise errors.InvalidArgumentError(
            None, None, f"ProfilerOptions.delay_ms must be >= 0 or None, got {options.delay_ms}.")
    return options


def start(logdir, options=None):
    """Starts profiling this process; ``stop()`` writes the trace under ``logdir``."""
    global _logdir
    options = _check_options(options)
    with _lock:
        if trace._recorder is not None:
            raise errors.AlreadyExistsError(
                None, None, "Another profiler is running. Call tf.profiler.experimental.stop() "
                "before starting a new session.")
        rec = trace.Recorder(options.host_tracer_level, options.python_tracer_level,
                             options.delay_ms)
        _logdir = logdir
        trace._recorder = rec
        hooks.install(rec)


def stop(save=True):
    """Stops profiling; with ``save`` writes ``<logdir>/plugins/profile/<run>/<host>.*``."""
    _stop(save)


def _stop(save=True):
    """``stop`` that returns the run directory written (None when not saved)."""
    with _lock:
        rec = trace._recorder
        if rec is None:
            raise errors.UnavailableError(
                None, None, "Cannot export profiling results. No profiler is running. Call "
                "tf.profiler.experimental.start(logdir) first.")
        hooks.uninstall()
        trace._recorder = None
        stop_epoch_ns = rec.start_epoch_ns + (trace.now_ns() - rec.start_ns)
        if not save:
            return None
        from tensorflux._src.profiler import export

        return export.save(rec, _logdir, stop_epoch_ns)


class Profile:
    """``with tf.profiler.experimental.Profile(logdir): ...`` = start(logdir) ... stop()."""

    def __init__(self, logdir, options=None):
        self._logdir = logdir
        self._options = options

    def __enter__(self):
        start(self._logdir, self._options)
        return self

    def __exit__(self, exc_type, exc, tb):
        stop()
        return False
