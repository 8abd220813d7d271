"""The internal iterator protocol every dataset implements.

``next()`` returns one element as a tuple of NumPy component arrays or raises
``StopIteration``; ``save()``/``restore()`` exchange a nested dict of arrays/ints/bytes
(the checkpointable state); ``close()`` releases threads.
"""

from __future__ import annotations

import os

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1


class Ctx:
    """Per-iterator settings taken from the final dataset's options."""

    __slots__ = ("deterministic", "threads")

    def __init__(self, options=None):
        det = options.deterministic if options is not None else None
        self.deterministic = True if det is None else bool(det)
        n = options.threading.private_threadpool_size if options is not None else None
        self.threads = int(n) if n else _cores()


def _cores():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class It:
    """Base internal iterator."""

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
