"""The internal iterator protocol every dataset implements.

``next()`` returns one element as a tuple of NumPy component arrays or raises
``StopIteration``; ``save()``/``restore()`` exchange a nested dict of arrays/ints/bytes
(the checkpointable state); ``close()`` releases threads.
"""

from __future__ import annotations

import os
import weakref

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1


class Registry:
    """The live iterators of one pipeline (weak refs) and whether the profiler ranges are on
    (``stages.switch``)."""

    __slots__ = ("its", "on")

    def __init__(self):
        self.its = weakref.WeakSet()
        self.on = False


class Ctx:
    """Per-iterator settings taken from the final dataset's options, plus the profiler stage
    name of the dataset being built (``prefix``) and the pipeline's ``Registry``.
    ``fuse_map_batch``: ``experimental_optimization.map_and_batch_fusion`` (default on, as
    in TensorFlow, unless ``apply_default_optimizations`` is False)."""

    __slots__ = ("deterministic", "threads", "prefix", "reg", "fuse_map_batch")

    def __init__(self, options=None):
        det = options.deterministic if options is not None else None
        self.deterministic = True if det is None else bool(det)
        n = options.threading.private_threadpool_size if options is not None else None
        self.threads = int(n) if n else _cores()
        self.prefix = "Iterator::Root"
        self.reg = Registry()
        opt = options.experimental_optimization if options is not None else None
        fuse = opt.map_and_batch_fusion if opt is not None else None
        if fuse is None:
            fuse = opt is None or opt.apply_default_optimizations is not False
        self.fuse_map_batch = bool(fuse)

    def sub(self, name):
        """The context for an input stage named ``name``."""
        c = Ctx.__new__(Ctx)
        c.deterministic, c.threads, c.reg = self.deterministic, self.threads, self.reg
        c.fuse_map_batch = self.fuse_map_batch
        c.prefix = self.prefix + "::" + name
        return c

    def renamed(self, name):
        """This stage's context under another name (a fused stage replacing two)."""
        c = self.sub(name)
        c.prefix = self.prefix.rpartition("::")[0] + "::" + name
        return c


def _cores():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class It:
    """Base internal iterator."""

    _stage = None   # profiler range name, set by ``stages.wrap_make_it``

    def next(self):
        raise NotImplementedError

    def next_many(self, n) -> list:
        """Up to ``n`` elements (fewer only at the end); same as ``n`` calls of ``next``.
        Readers override it to hand out records in chunks (used by ``batch``)."""
        out = []
        try:
            for _ in range(n):
                out.append(self.next())
        except StopIteration:
            pass
        return out

    def next_records(self, n):
        """Up to ``n`` elements of a scalar-string dataset as plain ``bytes`` (fewer only at
        the end), or ``None`` when this iterator does not hand out raw records (then nothing
        was consumed). File readers implement it so ``batch`` skips per-element arrays."""
        return None

    def save(self) -> dict:
        return {}

    def restore(self, state: dict):
        pass

    def close(self):
        pass


class ListIt(It):
    """Iterates a Python list of elements; state is the position."""

    def __init__(self, elems):
        self.elems = elems
        self.i = 0

    def next(self):
        if self.i >= len(self.elems):
            raise StopIteration
        self.i += 1
        return self.elems[self.i - 1]

    def save(self):
        return {"i": self.i}

    def restore(self, st):
        self.i = int(st["i"])
