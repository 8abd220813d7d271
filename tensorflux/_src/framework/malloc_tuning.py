"""glibc malloc settings for the large, short-lived NumPy buffers of graph execution.

A traced step allocates and frees the same activation/gradient arrays (often 1-30 MB) every
call. glibc serves blocks above ``M_MMAP_THRESHOLD`` (128 KiB until a freed mmapped block
raises it) with fresh ``mmap`` pages, so each step pays page faults and zeroing for every
large array: ~25% of an MLP training step. TensorFlow avoids this with its own allocator;
here the first ``Plan`` raises the thresholds once (to where glibc's own dynamic rule would
move them), so freed buffers are reused from the heap.

Skipped when the user set ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` or malloc
``GLIBC_TUNABLES``, when ``TENSORFLUX_MALLOC_TUNING=0``, and off glibc.
"""

from __future__ import annotations

import os
import sys

MMAP_THRESHOLD = 32 << 20   # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
TRIM_THRESHOLD = 64 << 20   # glibc's dynamic rule: twice the mmap threshold
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_state = {"done": False, "applied": False}


def tune() -> bool:
    """Apply the settings once per process; returns whether they are in effect."""
    if _state["done"]:
        return _state["applied"]
    _state["done"] = True
    env = os.environ
    if (env.get("TENSORFLUX_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux")
            or "MALLOC_MMAP_THRESHOLD_" in env or "MALLOC_TRIM_THRESHOLD_" in env
            or "malloc" in env.get("GLIBC_TUNABLES", "")):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version   # noqa: B018 - glibc only (musl's mallopt is a no-op)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    _state["applied"] = ok
    return ok
