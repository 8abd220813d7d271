"""``tf.summary`` core: writers, the default-writer/step/recording state, ``tf.summary.write``.

State is per thread, as in TensorFlow (``_summary_state`` is a ``threading.local``).
"""

from __future__ import annotations

import contextlib
import threading
import time

import numpy as np

from tensorflux._src.framework.context import state as _ctx
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor
from tensorflux._src.summary import summary_ops, wire


class _State(threading.local):
    def __init__(self):
        self.writer = None
        self.step = None
        self.is_recording = None


_state = _State()


# --- writers ---------------------------------------------------------------------------------
class SummaryWriter:
    """Base class of summary writers (``tf.summary.SummaryWriter``)."""

    _closed = False

    def set_as_default(self, step=None):
        """Makes this the default writer (and ``step`` the default step) for this thread."""
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Context in which this is the default writer; flushes on exit, like TensorFlow."""
        old_writer, old_step = _state.writer, _state.step
        try:
            _state.writer = self
            if step is not None:
                _state.step = step
            yield self
            self.flush()
        finally:
            _state.writer, _state.step = old_writer, old_step

    def init(self):
        """Kept for TF1 compatibility; writers are initialized on creation."""

    def flush(self):
        pass

    def close(self):
        pass


class _FileWriter(SummaryWriter):
    """A writer appending to one new event file (``create_file_writer``)."""

    def __init__(self, logdir, max_queue, flush_millis, filename_suffix):
        from tensorflux._src.summary.event_file_writer import EventFileWriter

        self._events = EventFileWriter(logdir, max_queue=max_queue,
                                       flush_secs=flush_millis / 1000.0,
                                       filename_suffix=filename_suffix)
        self._id = summary_ops.register_writer(self)
        self._fields = {}  # (tag, metadata) -> their encoded fields

    @property
    def _closed(self):
        return self._events.closed

    def write_tensor(self, step: int, value, tag: str, metadata: bytes):
        """Queues one tensor summary event (what the ``WriteSummary`` kernel calls)."""
        key = (tag, metadata)
        f = self._fields.get(key)
        if f is None:
            f = (wire.field(1, tag.encode("utf-8")), wire.field(9, metadata) if metadata else b"")
            if len(self._fields) < 4096:
                self._fields[key] = f
        self._events.add_event(wire.tensor_summary_event(
            time.time(), step, f[0], wire.tensor_proto(value), f[1]))

    def write_event(self, event: bytes):
        self._events.add_event(event)

    def flush(self):
        """Writes queued events to disk now (in a function: a ``FlushSummaryWriter`` node)."""
        if _ctx.graph is not None:
            from tensorflux._src.framework.execute import execute

            return execute(summary_ops.FLUSH_SUMMARY_WRITER, (), {"writer": self._id})
        self._events.flush()

    def close(self):
        """Flushes and closes the event file; the writer cannot be used afterwards."""
        self._events.close()

    def __repr__(self):
        return f"<tf.summary.SummaryWriter {self._events.path!r}>"


class _NoopWriter(SummaryWriter):
    """A writer that records nothing (``create_noop_writer``)."""

    def write_tensor(self, step, value, tag, metadata):
        pass

    def write_event(self, event):
        pass


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False,
                       experimental_mesh=None):
    """Creates a summary file writer for ``logdir`` (``tf.summary.create_file_writer``).

    Example:
        >>> import tempfile, tensorflux as tf
        >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
        >>> with writer.as_default(step=0):
        ...     _ = tf.summary.scalar("loss", 0.5)
    """
    if logdir is None:
        raise ValueError("logdir cannot be None")
    if hasattr(logdir, "numpy"):
        logdir = logdir.numpy()
    if isinstance(logdir, bytes):
        logdir = logdir.decode()
    return _FileWriter(logdir, 10 if max_queue is None else int(max_queue),
                       120000 if flush_millis is None else int(flush_millis),
                       ".v2" if filename_suffix is None else filename_suffix)


def create_noop_writer():
    """Returns a summary writer that does nothing (``tf.summary.create_noop_writer``)."""
    return _NoopWriter()


def flush(writer=None, name=None):
    """Flushes ``writer`` or the default writer (``tf.summary.flush``)."""
    w = writer if writer is not None else _state.writer
    if w is None:
        from tensorflux._src.framework.convert import constant

        return constant(False)
    return w.flush()


# --- step and recording ------------------------------------------------------------------------
def get_step():
    """The default step (``tf.summary.experimental.get_step``); ``None`` when unset."""
    return _state.step


def set_step(step):
    """Sets the default step (an int, tensor or ``tf.Variable``) for this thread."""
    _state.step = step


@contextlib.contextmanager
def record_if(condition):
    """Records summaries only where ``condition`` (bool, bool tensor or callable) is true."""
    old = _state.is_recording
    try:
        _state.is_recording = condition
        yield
    finally:
        _state.is_recording = old


def _resolve_condition():
    """The recording condition: a Python bool when known now, else a bool tensor."""
    cond = _state.is_recording
    if callable(cond):
        cond = cond()
    if cond is None:
        return True
    if isinstance(cond, (bool, np.bool_)):
        return bool(cond)
    if isinstance(cond, EagerTensor):
        return bool(cond._value)
    if getattr(cond, "_is_variable", False):
        if _ctx.graph is None:
            return bool(np.asarray(cond.numpy()))
        from tensorflux._src.ops.op_util import tensor as to_tensor

        return to_tensor(cond)
    if isinstance(cond, SymbolicTensor):
        return cond
    return bool(cond)


def should_record_summaries():
    """Whether summaries are recorded now (``tf.summary.should_record_summaries``)."""
    from tensorflux._src.framework.convert import constant

    if _state.writer is None:
        return constant(False)
    cond = _resolve_condition()
    return constant(cond) if isinstance(cond, bool) else cond


def summary_tag(name: str) -> str:
    """The tag for a summary named ``name``: the current name scope, then ``name``."""
    g = _ctx.graph
    scope = g._name_stack if g is not None else _ctx.name_scope.rstrip("/")
    return f"{scope}/{name}" if scope else name


def _step_value(step):
    if step is None:
        step = _state.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    return step


def serialize_metadata(metadata) -> bytes:
    if metadata is None:
        return b""
    if isinstance(metadata, bytes):
        return metadata
    if hasattr(metadata, "SerializeToString"):
        return metadata.SerializeToString()
    raise TypeError(f"metadata must be a SummaryMetadata proto or bytes, got {metadata!r}")


def write(tag, tensor, step=None, metadata=None, name=None):
    """Writes a generic tensor summary (``tf.summary.write``); returns a bool tensor, true
    when something was written.

    ``tensor`` may be a callable returning the tensor, evaluated only when recording.
    """
    from tensorflux._src.framework.convert import constant

    writer = _state.writer
    if writer is None:
        return _bool(False)
    cond = True if _state.is_recording is None else _resolve_condition()
    if cond is False:
        return _bool(False)
    md = metadata if type(metadata) is bytes else serialize_metadata(metadata)
    if _ctx.graph is None:  # eager: the WriteSummary kernel's work, without the dispatch
        value = tensor() if callable(tensor) else tensor
        step = _step_value(step)
        writer.write_tensor(step if type(step) is int else _eager_int(step),
                            _eager_array(value), tag if type(tag) is str else _tag_str(tag), md)
        return _bool(True)

    def record():
        from tensorflux._src.framework.execute import execute
        from tensorflux._src.ops.op_util import tensor as to_tensor

        if not hasattr(writer, "_id"):  # noop writer
            return constant(False)
        value = to_tensor(tensor() if callable(tensor) else tensor)
        s = _cast_int64(to_tensor(_step_value(step)))
        execute(summary_ops.WRITE_SUMMARY,
                (s, value, constant(_tag_str(tag)), constant(md)), {"writer": writer._id},
                name or "write_summary")
        return constant(True)

    if cond is True:
        return record()
    from tensorflux._src.ops.control_flow_cond import cond as tf_cond

    return tf_cond(cond, record, lambda: constant(False))


_BOOLS = {}


def _bool(v: bool):
    """Shared eager ``True``/``False`` results (tensors are immutable)."""
    t = _BOOLS.get(v)
    if t is None:
        t = _BOOLS[v] = EagerTensor(np.array(v))
    return t


def _cast_int64(t):
    if t.dtype.name == "int64":
        return t
    from tensorflux._src.ops.math_ops import cast

    return cast(t, "int64")


def _tag_str(tag) -> str:
    if hasattr(tag, "numpy"):
        tag = tag.numpy()
    if isinstance(tag, bytes):
        return tag.decode("utf-8")
    return str(tag)


def _eager_int(step) -> int:
    if hasattr(step, "numpy"):
        step = step.numpy()
    return int(step)


def _eager_array(value):
    if type(value) is np.ndarray:
        return value
    if hasattr(value, "_value"):
        return value._value
    if getattr(value, "_is_variable", False) or hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


@contextlib.contextmanager
def summary_scope(name, default_name="summary", values=None):
    """Yields ``(tag, scope)`` for a summary op (``tf.summary.experimental.summary_scope``):
    the tag is the current name scope plus ``name``."""
    from tensorflux._src.ops.scopes import name_scope

    name = name or default_name
    tag = summary_tag(name)
    clean = "".join(c for c in name if c.isalnum() or c in "._-/") or default_name
    with name_scope(clean) as scope:
        yield tag, scope


def write_raw_pb(tensor, step=None, name=None):
    """Writes serialized ``Summary`` protos as they are (``tf.summary.experimental.
    write_raw_pb``); eager only in tensorflux."""
    from tensorflux._src.framework.convert import constant

    writer = _state.writer
    if writer is None or _resolve_condition() is False:
        return constant(False)
    if _ctx.graph is not None:
        raise NotImplementedError("write_raw_pb inside tf.function is not supported by "
                                  "tensorflux yet; call it eagerly.")
    step = _eager_int(_step_value(step))
    now = time.time()
    for blob in np.asarray(_eager_array(tensor), dtype=object).reshape(-1):
        writer.write_event(wire.event(now, step, 5, bytes(blob)))
    return constant(True)
