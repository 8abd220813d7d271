"""Intra-op parallelism for NumPy kernels.

BLAS already uses every core for matrix products, but NumPy's elementwise loops run on one
thread. Large elementwise kernels (activations and their gradients, pooling, fused optimizer
updates, broadcasting arithmetic) split their work into contiguous chunks run on a small
thread pool; NumPy releases the GIL inside those loops, so the chunks run truly in parallel.
This is what TensorFlow's Eigen thread pool does for its CPU kernels.

The thread count is ``tf.config.threading.set_intra_op_parallelism_threads`` when set, else
``$TENSORFLUX_INTRA_OP_THREADS``, else the CPUs this process may use. Work below
``MIN_PER_THREAD`` elements per thread stays on the calling thread, and a kernel already
running inside a pool task never fans out again.
"""

from __future__ import annotations

import os
import threading

import numpy as np

MIN_PER_THREAD = 1 << 16
_pool = None
_pool_size = 0
_lock = threading.Lock()
_local = threading.local()


def num_threads() -> int:
    from tensorflux._src.framework import config as _config

    n = _config._cfg.intra_op_threads
    if not n:
        env = os.environ.get("TENSORFLUX_INTRA_OP_THREADS")
        if env:
            n = int(env)
        else:
            try:
                n = len(os.sched_getaffinity(0))
            except AttributeError:
                n = os.cpu_count() or 1
    return max(1, n)


def _get_pool(workers):
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tfx-intra-op")
            _pool_size = workers
        return _pool


def _run_marked(fn, a, b):
    _local.inside = True
    try:
        fn(a, b)
    finally:
        _local.inside = False


def parallel_for(n: int, fn, min_per_thread: int = MIN_PER_THREAD) -> None:
    """Call ``fn(start, stop)`` over ``[0, n)`` split into contiguous chunks, concurrently."""
    t = num_threads()
    if t > 1 and not getattr(_local, "inside", False):
        t = min(t, n // max(1, min_per_thread))
    else:
        t = 1
    if t <= 1:
        fn(0, n)
        return
    bounds = [n * i // t for i in range(t + 1)]
    pool = _get_pool(t - 1)
    futures = [pool.submit(_run_marked, fn, bounds[i], bounds[i + 1]) for i in range(1, t)]
    try:
        _run_marked(fn, bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()


def elementwise(ufunc):
    """A parallel version of a binary/unary ufunc kernel for large, equally shaped operands
    (broadcasting along trailing dimensions is allowed: operands whose leading dimension is
    the output's are split, others are passed whole)."""

    def kernel(*args):
        first = args[0]
        if type(first) is not np.ndarray or first.size < 2 * MIN_PER_THREAD or \
                num_threads() == 1:
            return ufunc(*args)
        shape = np.broadcast_shapes(*[np.shape(a) for a in args])
        if not shape or shape[0] < 2:
            return ufunc(*args)
        rows = shape[0]
        nd = len(shape)
        split = [type(a) is np.ndarray and a.ndim == nd and a.shape[0] == rows for a in args]
        out = np.empty(shape, dtype=np.result_type(*args))
        per_row = max(1, out.size // rows)

        def work(i, j):
            ufunc(*[a[i:j] if s else a for a, s in zip(args, split)], out=out[i:j])

        parallel_for(rows, work, max(1, MIN_PER_THREAD // per_row))
        return out

    kernel.__name__ = getattr(ufunc, "__name__", "elementwise")
    return kernel


def flat_chunks(size, fn, block=1 << 15):
    """Run ``fn(i, j)`` over ``[0, size)`` in parallel chunks, each walked in cache-sized
    blocks so that a kernel's temporaries stay in cache."""

    def work(a, b):
        for i in range(a, b, block):
            fn(i, min(i + block, b))

    parallel_for(size, work)
