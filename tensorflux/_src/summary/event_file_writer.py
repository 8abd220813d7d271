"""Event files: record framing from TFRecord, a queue flushed by a background thread.

``add_event`` only appends the serialized ``Event`` to an in-memory queue (a few hundred
nanoseconds). A daemon thread writes the queue as whole records and flushes the file when
``max_queue`` events are waiting or ``flush_secs`` have passed; ``flush``/``close`` (and
interpreter exit) write synchronously. Records are written whole and in order, so a crash
loses at most the queued tail, never an earlier record.
"""

from __future__ import annotations

import atexit
import itertools
import os
import socket
import threading
import time
import weakref

from tensorflux._src.summary import wire

WRITER_NAME = "tensorflux.summary.event_file_writer"

_counter = itertools.count()
_live = weakref.WeakSet()


def event_file_name(filename_suffix: str = "") -> str:
    """``events.out.tfevents.<secs>.<host>.<pid>.<n><suffix>`` (TensorFlow 2's pattern)."""
    return (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{next(_counter)}{filename_suffix or ''}")


class EventFileWriter:
    """Writes serialized ``Event`` records to a new event file in ``logdir``."""

    def __init__(self, logdir, max_queue: int = 10, flush_secs: float = 120.0,
                 filename_suffix: str = "", filename: str | None = None):
        from tensorflux._src.io import gfile
        from tensorflux._src.io.tfrecord import RecordWriter

        logdir = gfile._fspath(logdir)
        if not gfile.isdir(logdir):
            gfile.makedirs(logdir)
        self._logdir = logdir
        self._path = gfile.join(logdir, filename or event_file_name(filename_suffix))
        self._records = RecordWriter(self._path)
        self._records.write(wire.file_version_event(float(int(time.time())), WRITER_NAME))
        self._records.flush()
        self._max_queue = max(int(max_queue), 1)
        self._flush_secs = float(flush_secs)
        self._queue: list[bytes] = []
        self._qlock = threading.Lock()
        self._io_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=_flush_loop, args=(weakref.ref(self),),
                                        name="EventFileWriterFlusher", daemon=True)
        self._thread.start()
        _live.add(self)

    def get_logdir(self) -> str:
        return self._logdir

    @property
    def path(self) -> str:
        return self._path

    @property
    def closed(self) -> bool:
        return self._closed

    def add_event(self, event: bytes):
        """Queues one serialized ``Event`` (or an ``Event`` proto)."""
        if not isinstance(event, bytes):
            event = event.SerializeToString()
        with self._qlock:
            if self._closed:
                return
            q = self._queue
            q.append(event)
            full = len(q) == self._max_queue
        if full:  # wake the flusher once per full queue
            self._wake.set()

    def _drain(self):
        with self._io_lock:
            with self._qlock:
                items, self._queue = self._queue, []
            if items and self._records is not None:
                self._records.write_many(items)
                self._records.flush()

    def flush(self):
        """Writes every queued event to the file now."""
        self._drain()

    def close(self):
        """Flushes and closes the file; later events are dropped."""
        if self._closed:
            return
        self._drain()
        with self._qlock:
            self._closed = True
        self._wake.set()
        with self._io_lock:
            if self._records is not None:
                self._records.close()
                self._records = None
        _live.discard(self)

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def reopen(self):
        """Starts a new event file after ``close`` (TF1 ``FileWriter.reopen``)."""
        if not self._closed:
            return
        self.__init__(self._logdir, self._max_queue, self._flush_secs)


def _flush_loop(ref):
    while True:
        w = ref()
        if w is None or w._closed:
            return
        wake, secs = w._wake, w._flush_secs
        del w  # do not keep the writer alive while sleeping
        wake.wait(secs)
        wake.clear()
        w = ref()
        if w is None or w._closed:
            return
        try:
            w._drain()
        except Exception:  # noqa: BLE001 - I/O errors surface on the next flush()/close()
            pass
        del w


@atexit.register
def _close_all():
    for w in list(_live):
        try:
            w.close()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
