"""Intra-op parallelism for NumPy kernels.

BLAS already uses every core for matrix products, but NumPy's elementwise loops run on one
thread. Large elementwise kernels (activations and their gradients, pooling, fused optimizer
updates, broadcasting arithmetic) split their work into contiguous chunks run on a small
thread pool; NumPy releases the GIL inside those loops, so the chunks run truly in parallel.
This is what TensorFlow's Eigen thread pool does for its CPU kernels.

The thread count is ``tf.config.threading.set_intra_op_parallelism_threads`` when set, else
``$TENSORFLUX_INTRA_OP_THREADS``, else the CPUs this process may use. Work below
``MIN_PER_THREAD`` elements per thread stays on the calling thread (measured here: a
hand-off costs about 15 us, so splitting an elementwise op pays from about 256K elements),
and a kernel already running inside a pool task never fans out again.

GEMMs are split the same way (``matmul``, ``parallel_gemm_for``: row/column blocks, batch
slices of a convolution), each block on one BLAS thread, instead of leaving the split to
OpenBLAS, whose threads spin at every call's barrier and stall when the machine is busy.
"""

from __future__ import annotations

import os
import threading

import numpy as np

MIN_PER_THREAD = 1 << 17
_lock = threading.Lock()
_local = threading.local()
_default_threads = None


def num_threads() -> int:
    global _default_threads
    from tensorflux._src.framework import config as _config

    n = _config._cfg.intra_op_threads
    if not n:
        env = os.environ.get("TENSORFLUX_INTRA_OP_THREADS")
        if env:
            n = int(env)
        else:
            if _default_threads is None:  # the CPUs this process may use (a system call)
                try:
                    _default_threads = len(os.sched_getaffinity(0))
                except AttributeError:
                    _default_threads = os.cpu_count() or 1
            n = _default_threads
    return max(1, n)


class _Worker:
    """A pool thread handed one chunk at a time through two locks used as binary
    semaphores: a hand-off costs a futex wake, not a Future, a queue and a condition
    variable (about half of ThreadPoolExecutor's 25 us round trip here)."""

    def __init__(self, i):
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._task = self._error = None
        threading.Thread(target=self._loop, name=f"tfx-intra-op_{i}", daemon=True).start()

    def _loop(self):
        _local.inside = True   # kernels running here never fan out again
        while True:
            self._go.acquire()
            fn, a, b = self._task
            self._task = None
            try:
                fn(a, b)
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                self._error = e
            self._done.release()

    def start(self, fn, a, b):
        self._task = (fn, a, b)
        self._go.release()

    def join(self):
        interrupted = None
        while True:
            try:
                self._done.acquire()
                break
            except KeyboardInterrupt as e:  # the chunk still runs on our buffers: wait for it
                interrupted = e
        e, self._error = self._error, None
        if e is not None:
            raise e
        if interrupted is not None:
            raise interrupted


_team: list = []          # the workers, created on first use
_team_busy = threading.Lock()   # held by the one thread fanning out over the team


def _workers(k):
    with _lock:
        while len(_team) < k:
            _team.append(_Worker(len(_team)))
        return _team[:k]


def _after_fork():  # threads do not survive fork: the child starts a new team
    global _lock, _team_busy
    _team.clear()
    _lock, _team_busy = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def parallel_for(n: int, fn, min_per_thread: int = MIN_PER_THREAD) -> None:
    """Call ``fn(start, stop)`` over ``[0, n)`` split into contiguous chunks, concurrently.

    The calling thread runs the first chunk. While another thread is fanning out (tf.data
    map workers running kernels at once), the call runs serially instead of queueing."""
    if n < 2 * max(1, min_per_thread) or getattr(_local, "inside", False):
        fn(0, n)   # small work (most ops of a step): decided without looking at the config
        return
    t = min(num_threads(), n // max(1, min_per_thread))
    if t <= 1 or not _team_busy.acquire(blocking=False):
        fn(0, n)
        return
    try:
        bounds = [n * i // t for i in range(t + 1)]
        team = _workers(t - 1)
        for w, i in zip(team, range(1, t)):
            w.start(fn, bounds[i], bounds[i + 1])
        _local.inside = True
        try:
            fn(bounds[0], bounds[1])
        finally:
            _local.inside = False
            error = None
            for w in team:
                try:
                    w.join()
                except BaseException as e:  # noqa: BLE001 - first error wins
                    error = error or e
        if error is not None:
            raise error
    finally:
        _team_busy.release()


# --- BLAS threads ---------------------------------------------------------------------------
# A kernel that splits GEMMs over the pool itself runs each on one BLAS thread: two
# multi-threaded OpenBLAS calls at once oversubscribe the cores, and OpenBLAS's own split of
# small GEMMs (im2col slices) scales poorly and spins badly when the machine is busy.
_BLAS_SETTERS = (("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
                 ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
                 ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
                 ("openblas_set_num_threads", "openblas_get_num_threads"))
# CBLAS GEMM entry points by element type: (symbol, whether its integers are 64-bit).
_GEMM_SYMBOLS = {
    "float32": (("scipy_cblas_sgemm64_", True), ("cblas_sgemm64_", True),
                ("scipy_cblas_sgemm", False), ("cblas_sgemm", False)),
    "float64": (("scipy_cblas_dgemm64_", True), ("cblas_dgemm64_", True),
                ("scipy_cblas_dgemm", False), ("cblas_dgemm", False)),
}
_blas = None  # (set, get) once looked up; () when this NumPy's BLAS cannot be controlled
_gemms = {}   # dtype name -> the library's CBLAS GEMM for it, once checked
_blas_depth = 0
_blas_saved = 0


def _blas_api():
    global _blas
    if _blas is None:
        _blas = ()
        try:
            import ctypes

            with open("/proc/self/maps") as f:  # the BLAS NumPy loaded (Linux)
                paths = {ln.split()[-1] for ln in f}
            for path in sorted(p for p in paths if "openblas" in os.path.basename(p).lower()):
                lib = ctypes.CDLL(path)
                for set_name, get_name in _BLAS_SETTERS:
                    if hasattr(lib, set_name) and hasattr(lib, get_name):
                        _blas = (getattr(lib, set_name), getattr(lib, get_name))
                        _find_gemms(ctypes, lib, path)
                        break
                if _blas:
                    break
        except OSError:
            pass
    return _blas


def _find_gemms(ctypes, lib, path):
    for name, symbols in _GEMM_SYMBOLS.items():
        for symbol, ilp64 in symbols:
            fn = getattr(lib, symbol, None)
            if fn is None or (not ilp64 and "64" in os.path.basename(path)):
                continue   # (plain names in a 64-bit-integer build: integer size unknown)
            i = ctypes.c_int64 if ilp64 else ctypes.c_int
            f = ctypes.c_float if name == "float32" else ctypes.c_double
            p = ctypes.c_void_p
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, f, p, i, p, i,
                           f, p, i]
            fn.restype = None
            if _gemm_works(fn, np.dtype(name)):
                _gemms[name] = fn
            break


def _gemm_works(fn, dtype):
    """A 2x3 @ 3x2 product with alpha, beta and a transposed operand, checked once."""
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    b = np.arange(6, dtype=dtype).reshape(2, 3)    # used transposed
    c = np.ones((2, 2), dtype)
    _gemm(fn, a, b.T, c, 2.0, 0.5)
    return np.array_equal(c, 2 * (a @ b.T) + 0.5)


def _blas_single(enter):
    """Nested-safe switch of the BLAS library to one thread (``enter``) and back."""
    global _blas_depth, _blas_saved
    api = _blas_api()
    if not api:
        return
    with _lock:
        if enter:
            if _blas_depth == 0:
                _blas_saved = api[1]()
                if _blas_saved > 1:
                    api[0](1)
            _blas_depth += 1
        else:
            _blas_depth -= 1
            if _blas_depth == 0 and _blas_saved > 1:
                api[0](_blas_saved)


def parallel_gemm_for(n: int, fn, min_per_thread: int = 1) -> int:
    """``parallel_for`` for kernels whose chunks call BLAS: each chunk's GEMMs run on one
    BLAS thread while the chunks run concurrently (so one intra-op thread means one BLAS
    thread too). With a BLAS whose threads cannot be set (not OpenBLAS, or not Linux) the
    chunks run serially on its own threads. Returns the number of chunks used."""
    t = num_threads() if not getattr(_local, "inside", False) and _blas_api() else 1
    t = max(1, min(t, n // max(1, min_per_thread)))
    _blas_single(True)
    try:
        if t == 1:
            fn(0, n)
        else:
            parallel_for(n, fn, max(1, n // t))
    finally:
        _blas_single(False)
    return t


MIN_GEMM_WORK = 1 << 22  # multiply-adds per thread worth a thread hand-off
_BLAS_OWN_SERIAL = 1 << 18  # OpenBLAS's own single-thread limit for GEMM (m*n*k)


def _min_work(n, k):
    """Multiply-adds per thread worth a hand-off for a product with inner size ``k`` and
    ``n`` columns: skinny products run at about a third of BLAS's speed."""
    return MIN_GEMM_WORK // 4 if min(n, k) < 32 else MIN_GEMM_WORK


def _split_size(m, n, k, kept, finished):
    """Rows (or columns) per thread worth a hand-off when an ``m x k @ k x n`` product is
    split along one output axis (``kept``: the size of the other), or 0 when it should run
    whole on one thread. ``finished``: a pass over each block follows its GEMM, which over a
    large output pays for a split by itself."""
    min_work = _min_work(n, k)
    big = finished and m * n >= 2 * MIN_PER_THREAD
    if (m * n * k < 2 * min_work and not big) or num_threads() == 1:
        return 0
    per = min_work // (k * kept)
    if big:
        per = min(per, MIN_PER_THREAD // kept)
    return max(16, per)


def matmul(a, b, epilogue=None):
    """``np.matmul`` of large 2-D float operands split into row (or column) blocks of the
    output, one per thread, each one single-threaded GEMM; anything else goes to NumPy.

    ``epilogue(block, rows, cols)``, if given, is applied in place to each output block right
    after its GEMM, while it is in cache (``rows``, ``cols``: the block's slices of the output).
    With an epilogue the split is by rows whenever there are enough, so that every block is
    whole, contiguous rows (NumPy's loops over strided column blocks are 2-3x slower)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return _whole(np.matmul(a, b), epilogue)
    m, k = a.shape
    n = b.shape[1]
    work = m * n * k
    # Small GEMMs: OpenBLAS runs them on one thread by itself.
    if work <= _BLAS_OWN_SERIAL or a.dtype != b.dtype or a.dtype.kind != "f" or \
            k != b.shape[0] or not _blas_api():
        # (a BLAS we cannot hold to one thread keeps its own split)
        return _whole(np.matmul(a, b), epilogue)
    by_rows = m >= n or (epilogue is not None and m >= 32)
    per = _split_size(m, n, k, n if by_rows else m, epilogue is not None)
    if not per:
        # Too small to split; a multi-threaded BLAS call would cost more in hand-offs (and
        # spinning when the machine is busy) than it gains.
        _blas_single(True)
        try:
            return _whole(np.matmul(a, b), epilogue)
        finally:
            _blas_single(False)
    out = np.empty((m, n), a.dtype)
    every = slice(None)
    if by_rows:
        def work_on(i, j):
            np.matmul(a[i:j], b, out=out[i:j])
            if epilogue is not None:
                epilogue(out[i:j], slice(i, j), every)
        parallel_gemm_for(m, work_on, per)
    else:
        def work_on(i, j):
            np.matmul(a, b[:, i:j], out=out[:, i:j])
            if epilogue is not None:
                epilogue(out[:, i:j], every, slice(i, j))
        parallel_gemm_for(n, work_on, per)
    return out


def _whole(out, epilogue):
    if epilogue is not None:
        epilogue(out, slice(None), slice(None))
    return out


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _gemm_operand(x):
    """(CBLAS transpose flag, leading dimension, array) for a 2-D operand, copying it only
    when neither axis has unit stride."""
    it = x.itemsize
    s0, s1 = x.strides
    if s1 == it and s0 % it == 0 and s0 // it >= max(1, x.shape[1]):
        return _NO_TRANS, s0 // it, x
    if s0 == it and s1 % it == 0 and s1 // it >= max(1, x.shape[0]):
        return _TRANS, s1 // it, x
    x = np.ascontiguousarray(x)
    return _NO_TRANS, max(1, x.shape[1]), x


def _gemm(fn, a, b, c, alpha, beta):
    ta, lda, a = _gemm_operand(a)
    tb, ldb, b = _gemm_operand(b)
    fn(_ROW_MAJOR, ta, tb, c.shape[0], c.shape[1], a.shape[1], alpha, a.ctypes.data, lda,
       b.ctypes.data, ldb, beta, c.ctypes.data, c.strides[0] // c.itemsize)


def matmul_update(a, b, c, alpha, beta, finish=None):
    """``c = alpha * (a @ b) + beta * c`` in place, by row blocks of ``c`` split over the
    threads, each one single-threaded BLAS call; ``finish(start, stop)``, if given, runs on
    each block's rows right after its GEMM. The scaling and the accumulation happen inside
    the GEMM's own passes over ``c``: an optimizer update built on this reads and writes its
    slot once, where separate NumPy steps would make four passes. ``a`` and ``b`` must not
    share memory with ``c``.

    Returns False, having done nothing, when the BLAS cannot be called directly (not
    OpenBLAS, not float32/float64, mixed types, or ``c`` without contiguous rows)."""
    fn = _gemms.get(c.dtype.name) if _blas_api() else None
    if (fn is None or c.ndim != 2 or a.ndim != 2 or b.ndim != 2 or a.dtype != c.dtype
            or b.dtype != c.dtype or not c.dtype.isnative or c.strides[1] != c.itemsize
            or c.strides[0] < c.shape[1] * c.itemsize or not c.flags.writeable
            or c.shape != (a.shape[0], b.shape[1]) or a.shape[1] != b.shape[0]):
        return False
    m, k = a.shape
    n = b.shape[1]
    if not (m and n):
        return True
    if not k:
        c *= beta
        if finish is not None:
            finish(0, m)
        return True
    alpha, beta = float(alpha), float(beta)

    def work_on(i, j):
        _gemm(fn, a[i:j], b, c[i:j], alpha, beta)
        if finish is not None:
            finish(i, j)

    parallel_gemm_for(m, work_on, _split_size(m, n, k, n, finish is not None) or m)
    return True


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


CHUNK = 1 << 15  # elements per cache-sized block of an elementwise kernel's walk


def flat_chunks(size, fn, block=CHUNK):
    """Run ``fn(i, j)`` over ``[0, size)`` in parallel chunks, each walked in cache-sized
    blocks so that a kernel's temporaries stay in cache. Up to one block is a single call."""
    if size <= block:
        fn(0, size)
        return

    def work(a, b):
        for i in range(a, b, block):
            fn(i, min(i + block, b))

    parallel_for(size, work)
