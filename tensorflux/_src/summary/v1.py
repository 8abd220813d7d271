"""TF1 summaries (``tf.compat.v1.summary``): ops returning serialized ``Summary`` protos, and
``FileWriter``.

Without Sessions these run eagerly: each call returns a scalar string tensor holding the
serialized ``Summary`` at once, and ``merge_all`` merges the summaries created (in this
thread) since the previous ``merge_all``; there are no graph collections.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import numpy as np

from tensorflux._src.summary import encode, wire
from tensorflux._src.summary.writer import _eager_array, summary_tag

_DBL_MAX = float(np.finfo(np.float64).max)


class _Collected(threading.local):
    def __init__(self):
        self.items = {}  # collection key -> serialized summaries


_collected = _Collected()
SUMMARIES = "summaries"


def _pb():
    from tensorflux._src.proto import summary_pb2

    return summary_pb2


def _finish(summary, collections):
    from tensorflux._src.framework.convert import constant

    data = summary.SerializeToString()
    for key in (collections if collections is not None else [SUMMARIES]):
        _collected.items.setdefault(key, []).append(data)
    return constant(data)


def _tag(name, family):
    return summary_tag(f"{family}/{name}" if family else name)


def scalar(name, tensor, collections=None, family=None):
    """A ``Summary`` with one ``simple_value`` (``tf.compat.v1.summary.scalar``)."""
    value = np.asarray(_eager_array(tensor))
    if value.ndim != 0:
        raise ValueError(f"tf.compat.v1.summary.scalar {name!r} expects a scalar, got shape "
                         f"{value.shape}")
    s = _pb().Summary()
    s.value.add(tag=_tag(name, family), simple_value=float(value))
    return _finish(s, collections)


def _default_bucket_limits():
    pos = []
    v = 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    pos.append(_DBL_MAX)
    return np.array([-x for x in reversed(pos)] + [0.0] + pos)


_LIMITS = None


def histogram_proto(values):
    """TF1's ``HistogramProto`` with TensorFlow's default exponential buckets."""
    global _LIMITS
    if _LIMITS is None:
        _LIMITS = _default_bucket_limits()
    a = np.asarray(values, dtype=np.float64).reshape(-1)
    h = _pb().HistogramProto()
    if a.size:
        h.min, h.max = float(a.min()), float(a.max())
    h.num, h.sum, h.sum_squares = float(a.size), float(a.sum()), float(np.dot(a, a))
    # bucket i covers [limit[i-1], limit[i]); a value equal to a limit goes right
    counts = np.bincount(np.searchsorted(_LIMITS, a, side="right"), minlength=len(_LIMITS))
    counts = counts[:len(_LIMITS)]
    limits, buckets = [], []
    i, n = 0, len(_LIMITS)
    while i < n:
        if counts[i]:
            limits.append(_LIMITS[i])
            buckets.append(float(counts[i]))
            i += 1
            continue
        j = i
        while j + 1 < n and counts[j + 1] == 0:
            j += 1
        limits.append(_LIMITS[j])
        buckets.append(0.0)
        i = j + 1
    if not limits:
        limits, buckets = [_DBL_MAX], [0.0]
    h.bucket_limit.extend(limits)
    h.bucket.extend(buckets)
    return h


def histogram(name, values, collections=None, family=None):
    """A ``Summary`` with a TF1 ``HistogramProto`` (``tf.compat.v1.summary.histogram``)."""
    s = _pb().Summary()
    s.value.add(tag=_tag(name, family), histo=histogram_proto(_eager_array(values)))
    return _finish(s, collections)


def _normalize_float_image(im):
    """TF1 ImageSummary: non-negative images scale max -> 255, others map 0 -> 128 and the
    largest magnitude -> 127; values are truncated to uint8."""
    im = im.astype(np.float32)
    finite = im[np.isfinite(im)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    if lo >= 0:
        scale, offset = (255.0 / hi if hi > 1e-6 else 0.0), 0.0
    else:
        m = max(abs(lo), abs(hi))
        scale, offset = (127.0 / m if m > 1e-6 else 0.0), 128.0
    out = np.where(np.isfinite(im), im * np.float32(scale) + np.float32(offset), 0)
    return np.clip(out, 0, 255).astype(np.uint8)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """``Summary.Image`` values ``name/image/<i>`` (``tf.compat.v1.summary.image``)."""
    a = np.asarray(_eager_array(tensor))
    if a.ndim != 4 or a.shape[-1] not in (1, 3, 4):
        raise ValueError(f"tf.compat.v1.summary.image {name!r} expects [batch, height, width, "
                         f"channels] with 1, 3 or 4 channels, got shape {a.shape}")
    base = _tag(name, family)
    s = _pb().Summary()
    for i, im in enumerate(a[:int(max_outputs)]):
        im8 = im if im.dtype == np.uint8 else _normalize_float_image(im)
        tag = f"{base}/image" if max_outputs == 1 else f"{base}/image/{i}"
        s.value.add(tag=tag).image.CopyFrom(_pb().Summary.Image(
            height=im.shape[0], width=im.shape[1], colorspace=im.shape[2],
            encoded_image_string=encode.encode_png(im8)))
    return _finish(s, collections)


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """``Summary.Audio`` values ``name/audio/<i>`` (``tf.compat.v1.summary.audio``)."""
    a = np.asarray(_eager_array(tensor), dtype=np.float32)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"tf.compat.v1.summary.audio {name!r} expects [batch, frames] or "
                         f"[batch, frames, channels], got shape {a.shape}")
    rate = float(np.asarray(_eager_array(sample_rate)))
    base = _tag(name, family)
    s = _pb().Summary()
    for i, clip in enumerate(a[:int(max_outputs)]):
        tag = f"{base}/audio" if max_outputs == 1 else f"{base}/audio/{i}"
        s.value.add(tag=tag).audio.CopyFrom(_pb().Summary.Audio(
            sample_rate=rate, num_channels=clip.shape[1], length_frames=clip.shape[0],
            encoded_audio_string=encode.encode_wav(clip, int(rate)),
            content_type="audio/wav"))
    return _finish(s, collections)


def text(name, tensor, collections=None):
    """A text-plugin tensor summary (``tf.compat.v1.summary.text``)."""
    from tensorflux._src.framework.graph_def import make_tensor_proto

    a = np.asarray(_eager_array(tensor))
    if a.dtype.kind not in "OSU":
        raise ValueError(f"tf.compat.v1.summary.text {name!r} expects a string tensor, got "
                         f"{a.dtype}")
    s = _pb().Summary()
    v = s.value.add(tag=summary_tag(name))
    v.metadata.plugin_data.plugin_name = "text"
    v.tensor.CopyFrom(make_tensor_proto(np.asarray(a, dtype=object)))
    return _finish(s, collections)


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A generic tensor summary (``tf.compat.v1.summary.tensor_summary``)."""
    from tensorflux._src.framework.graph_def import make_tensor_proto

    s = _pb().Summary()
    v = s.value.add(tag=_tag(name, family))
    if summary_metadata is not None:
        v.metadata.ParseFromString(summary_metadata.SerializeToString())
    if display_name:
        v.metadata.display_name = display_name
    if summary_description:
        v.metadata.summary_description = summary_description
    v.tensor.CopyFrom(make_tensor_proto(np.asarray(_eager_array(tensor))))
    return _finish(s, collections)


def _summary_bytes(x) -> bytes:
    if isinstance(x, bytes):
        return x
    if hasattr(x, "SerializeToString"):
        return x.SerializeToString()
    a = np.asarray(_eager_array(x))
    return bytes(a.reshape(-1)[0]) if a.size else b""


def merge(inputs, collections=None, name=None):
    """Merges serialized ``Summary`` protos into one (``tf.compat.v1.summary.merge``)."""
    from tensorflux._src.framework.convert import constant

    s = _pb().Summary()
    for x in inputs:
        s.MergeFromString(_summary_bytes(x))
    data = s.SerializeToString()
    for key in collections or []:
        _collected.items.setdefault(key, []).append(data)
    return constant(data)


def merge_all(key=SUMMARIES, scope=None, name=None):
    """Merges the summaries created in this thread since the last ``merge_all`` (eager
    stand-in for the graph collection); ``None`` when there are none."""
    items = _collected.items.pop(key, [])
    if scope:
        import re

        pat = re.compile(scope)
        items = [b for b in items
                 if all(pat.match(v.tag) for v in _pb().Summary.FromString(b).value)]
    if not items:
        return None
    return merge(items)


def get_summary_description(node_def):
    """The ``SummaryDescription`` of a summary op's NodeDef (its ``description`` attr)."""
    s = _pb().SummaryDescription()
    if "description" in node_def.attr:
        s.ParseFromString(node_def.attr["description"].s)
    return s


# --- FileWriter ----------------------------------------------------------------------------
class FileWriter:
    """Writes ``Summary`` protos and events to an event file (``tf.compat.v1.summary.
    FileWriter``). ``graph`` may be a FuncGraph, ConcreteFunction or GraphDef."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        from tensorflux._src.summary.event_file_writer import EventFileWriter

        logdir = os.fspath(logdir)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
        if os.path.exists(os.path.join(logdir, name + (filename_suffix or ""))):
            name = None  # two writers in one second: add pid and counter like TF2
        else:
            name += filename_suffix or ""
        self._events = EventFileWriter(logdir, max_queue, flush_secs,
                                       filename_suffix or "", filename=name)
        self._seen_tags = set()
        self._lock = threading.Lock()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self):
        return self._events.get_logdir()

    def add_event(self, event):
        """Writes an ``Event`` proto (or its serialization)."""
        self._events.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Writes a ``Summary`` (proto, bytes or string tensor) at ``global_step``. As in
        TensorFlow, plugin metadata is kept only on the first value of each tag."""
        s = _pb().Summary.FromString(_summary_bytes(summary))
        with self._lock:
            for v in s.value:
                if v.HasField("metadata"):
                    if v.tag in self._seen_tags:
                        v.ClearField("metadata")
                    else:
                        self._seen_tags.add(v.tag)
        step = 0 if global_step is None else int(np.asarray(_eager_array(global_step)))
        self._events.add_event(wire.event(time.time(), step, 5, s.SerializeToString()))

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Writes a graph (FuncGraph, ConcreteFunction or GraphDef) as ``Event.graph_def``."""
        from tensorflux._src.summary.graph import graph_def_bytes

        data = graph_def_bytes(graph_def if graph is None else graph)
        step = int(global_step or 0)
        self._events.add_event(wire.event(time.time(), step, 4, data))

    def add_meta_graph(self, meta_graph_def, global_step=None):
        """Writes a serialized ``MetaGraphDef`` (``Event.meta_graph_def``)."""
        data = meta_graph_def if isinstance(meta_graph_def, bytes) else \
            meta_graph_def.SerializeToString()
        self._events.add_event(wire.event(time.time(), int(global_step or 0), 9, data))

    def add_session_log(self, session_log, global_step=None):
        """Writes a ``SessionLog`` (START purges later steps in TensorBoard: use sparingly)."""
        self._events.add_event(wire.event(time.time(), int(global_step or 0), 7,
                                          session_log.SerializeToString()))

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Writes a ``TaggedRunMetadata`` event for the graph dashboard."""
        data = run_metadata if isinstance(run_metadata, bytes) else \
            run_metadata.SerializeToString()
        payload = wire.field(1, tag.encode()) + wire.field(2, data)
        self._events.add_event(wire.event(time.time(), int(global_step or 0), 8, payload))

    def flush(self):
        self._events.flush()

    def close(self):
        self._events.close()

    def reopen(self):
        self._events.reopen()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileWriterCache:
    """One ``FileWriter`` per logdir (``tf.compat.v1.summary.FileWriterCache``)."""

    _cache: dict = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        with FileWriterCache._lock:
            w = FileWriterCache._cache.get(logdir)
            if w is None:
                w = FileWriterCache._cache[logdir] = FileWriter(logdir)
            return w

    @staticmethod
    def clear():
        with FileWriterCache._lock:
            for w in FileWriterCache._cache.values():
                w.close()
            FileWriterCache._cache.clear()
