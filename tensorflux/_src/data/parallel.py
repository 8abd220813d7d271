"""Real parallelism: ``map(num_parallel_calls)``, ``prefetch`` and parallel ``interleave``.

Threads run NumPy kernels, which release the GIL. Rules:

* Parallel map: the consumer thread pulls inputs and keeps ``n`` calls in flight on a
  private thread pool; results come back in input order unless ``deterministic=False``
  (then first finished first). An exception in a call is re-raised in the consumer by
  ``Future.result()``, with the worker's traceback.
* AUTOTUNE map: elements are timed in windows of ``_WINDOW``. The first window runs
  inline; if a call takes less than ``_MIN_PARALLEL_S`` (where handing work to a thread
  costs more than it saves) the map stays inline. Otherwise the next window runs on one
  thread per core (``options.threading.private_threadpool_size`` caps it), and from then on
  each window uses whichever mode had the lower measured time per element, trying the
  other one every ``_EXPLORE`` windows. GIL-bound Python functions (such as the pure-Python
  Example parser) thus end up inline, NumPy-heavy ones on the pool.
* Prefetch: a background thread fills a bounded buffer. AUTOTUNE starts with 1 slot and
  doubles (up to ``_MAX_AUTOTUNE_BUFFER``) every time the consumer finds the buffer empty.
* Every iterator stops its threads on ``close()`` (called when the user's iterator is
  closed or garbage collected); waits use timeouts so that nothing hangs.
"""

from __future__ import annotations

import collections
import threading
import time

from tensorflux._src.data import codec
from tensorflux._src.data.dataset_ops import UnaryDataset
from tensorflux._src.data.iterator_base import AUTOTUNE, INFINITE, UNKNOWN, It
from tensorflux._src.data.transforms import load_elem, save_elem

_WINDOW = 32
_EXPLORE = 8
_MIN_PARALLEL_S = 50e-6
_MAX_AUTOTUNE_BUFFER = 16


def _mark_worker():
    # Kernels run by a map worker stay single-threaded (no intra-op splitting): the map
    # itself is the parallelism, as TensorFlow runs tf.data functions.
    from tensorflux._src.framework import parallel as intra_op
    intra_op._local.inside = True


def _pool(n):
    from concurrent.futures import ThreadPoolExecutor
    return ThreadPoolExecutor(max_workers=n, thread_name_prefix="tf_data_map",
                              initializer=_mark_worker)


class Tuner:
    """AUTOTUNE's choice between running calls inline and on the pool (module docstring):
    ``update(seconds, count)`` after each window of work updates the estimate of the mode
    that window ran in and sets ``mode`` for the next one."""

    __slots__ = ("n", "mode", "est", "windows")

    def __init__(self, n):
        self.n, self.mode, self.est, self.windows = n, "inline", {}, 0

    def update(self, seconds, count):
        per = seconds / count
        old = self.est.get(self.mode)
        self.est[self.mode] = per if old is None else 0.5 * (old + per)
        self.windows += 1
        inline = self.est.get("inline")
        if inline is not None and inline < _MIN_PARALLEL_S or self.n <= 1:
            self.mode = "inline"          # cheap function: threads cannot win
        elif "pool" not in self.est:
            self.mode = "pool"
        elif self.windows % _EXPLORE == 0:
            self.mode = "inline" if self.mode == "pool" else "pool"
        else:
            self.mode = min(self.est, key=self.est.get)


class _ParallelMapIt(It):
    def __init__(self, inp, fn, n, deterministic, ctx):
        self.inp, self.fn = inp, fn
        self.call = fn                    # what a worker runs (a profiled wrapper when on)
        self.det = ctx.deterministic if deterministic is None else bool(deterministic)
        self.n = min(ctx.threads, 64) if n == AUTOTUNE else n
        self.autotune = n == AUTOTUNE
        self.tuner = Tuner(self.n)
        self.window_s, self.window_n = 0.0, 0
        self.pending = collections.deque()
        self.ready = collections.deque()              # results restored from a checkpoint
        self.pool = None
        self.exhausted = False

    def _fill(self):
        while not self.exhausted and len(self.pending) < 2 * self.n:
            try:
                e = self.inp.next()
            except StopIteration:
                self.exhausted = True
                break
            if self.pool is None:
                self.pool = _pool(self.n)
            self.pending.append(self.pool.submit(self.call, e))

    def _inline(self):
        if self.pending:           # results started before switching to inline come first
            return self.pending.popleft().result()
        if self.exhausted:
            raise StopIteration
        try:
            e = self.inp.next()
        except StopIteration:
            self.exhausted = True
            raise
        return self.fn(e)

    def _pooled(self):
        self._fill()
        if not self.pending:
            raise StopIteration
        if self.det:
            f = self.pending.popleft()
        else:
            from concurrent.futures import FIRST_COMPLETED, wait
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            f = next(x for x in self.pending if x in done)
            self.pending.remove(f)
        r = f.result()
        self._fill()
        return r

    def next(self):
        if self.ready:
            return self.ready.popleft()
        if not self.autotune:
            return self._pooled()
        t0 = time.perf_counter()
        r = self._inline() if self.tuner.mode == "inline" else self._pooled()
        self.window_s += time.perf_counter() - t0
        self.window_n += 1
        if self.window_n >= _WINDOW:
            self.tuner.update(self.window_s, self.window_n)
            self.window_s, self.window_n = 0.0, 0
        return r

    def _profile(self, on):
        from tensorflux._src.data.stages import ranged
        self.call = ranged(self.fn, "ParallelMapProduce") if on else self.fn

    def save(self):
        while self.pending:
            self.ready.append(self.pending.popleft().result())
        return {"in": self.inp.save(), "buf": codec.pack_elements(list(self.ready)),
                "exh": int(self.exhausted)}

    def restore(self, st):
        self._cancel()
        self.inp.restore(st["in"])
        self.ready = collections.deque(codec.unpack_elements(st["buf"]))
        self.exhausted = bool(st["exh"])

    def _cancel(self):
        for f in self.pending:
            f.cancel()
        self.pending.clear()

    def close(self):
        self._cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        self.inp.close()


class ParallelMapDataset(UnaryDataset):
    _tf_stage = "ParallelMapV2"

    def __init__(self, input_dataset, fn, n, deterministic):
        super().__init__(input_dataset, fn.output_spec)
        self._fn, self._n, self._det = fn, n, deterministic

    def _make_it(self, ctx):
        n = self._n if self._n == AUTOTUNE else min(self._n, max(ctx.threads, 1) * 4)
        return _ParallelMapIt(self._input._make_it(ctx), self._fn, n, self._det, ctx)


class PrefetchIt(It):
    """Runs ``inp`` in a background thread into a bounded buffer."""

    def __init__(self, inp, size, produce_name="PrefetchProduce"):
        self.inp = inp
        self.produce_name = produce_name
        self.autotune = size == AUTOTUNE
        self.cap = 1 if self.autotune else size
        self.buf = collections.deque()
        self.cv = threading.Condition()
        self.lock = threading.Lock()     # held by the producer while it calls inp.next()
        self.stop = False
        self.thread = None

    def start(self):
        if self.thread is None:
            self.stop = False
            self.thread = threading.Thread(target=self._run, name="tf_data_prefetch",
                                           daemon=True)
            self.thread.start()

    def _run(self):
        while True:
            with self.cv:
                while len(self.buf) >= self.cap and not self.stop:
                    self.cv.wait(0.5)
                if self.stop:
                    return
            with self.lock:
                if self.stop:
                    return
                try:
                    item = ("ok", self._produce())
                except StopIteration:
                    item = ("end", None)
                except BaseException as e:   # re-raised in the consumer
                    item = ("err", e)
            with self.cv:
                self.buf.append(item)
                self.cv.notify_all()
            if item[0] == "end":
                return

    def _produce(self):
        return self.inp.next()

    def _profile(self, on):
        from tensorflux._src.data.stages import ranged
        if on:
            self._produce = ranged(type(self)._produce.__get__(self), self.produce_name)
        else:
            self.__dict__.pop("_produce", None)

    def next(self):
        self.start()
        with self.cv:
            if not self.buf and self.autotune and self.cap < _MAX_AUTOTUNE_BUFFER:
                self.cap *= 2
                self.cv.notify_all()
            while not self.buf:
                self.cv.wait(0.5)
                if not self.thread.is_alive() and not self.buf:
                    raise RuntimeError("tf.data prefetch thread died unexpectedly")
            kind, v = self.buf[0]
            if kind == "end":
                raise StopIteration
            self.buf.popleft()
            self.cv.notify_all()
        if kind == "err":
            raise v
        return v

    def save(self):
        with self.lock, self.cv:
            elems = [v for k, v in self.buf if k == "ok"]
            end = any(k == "end" for k, _ in self.buf)
            return {"in": self.inp.save(), "buf": codec.pack_elements(elems), "end": int(end)}

    def restore(self, st):
        self._stop()
        self.inp.restore(st["in"])
        self.buf = collections.deque(("ok", e) for e in codec.unpack_elements(st["buf"]))
        if int(st["end"]):
            self.buf.append(("end", None))
            self.thread = _DONE

    def _stop(self):
        t = self.thread
        if t is not None and t is not _DONE:
            with self.cv:
                self.stop = True
                self.cv.notify_all()
            with self.lock:
                pass
            t.join(timeout=5)
        self.thread = None
        self.buf.clear()

    def close(self):
        t = self.thread
        if t is not None and t is not _DONE:
            with self.cv:
                self.stop = True
                self.cv.notify_all()
            # Let a producer finish its current pull before closing the input under it.
            if not self.lock.acquire(timeout=5):
                return
            self.lock.release()
        self.inp.close()


class _Done:
    @staticmethod
    def is_alive():
        return False


_DONE = _Done()


class PrefetchDataset(UnaryDataset):
    def __init__(self, input_dataset, size):
        super().__init__(input_dataset)
        self._size = size

    def _make_it(self, ctx):
        it = self._input._make_it(ctx)
        return it if self._size == 0 else PrefetchIt(it, self._size)


class _InterleaveIt(It):
    """TensorFlow's interleave order; in parallel mode every open input dataset is produced
    by its own background thread (a prefetch of ``block_length`` elements)."""

    def __init__(self, inp, fn, cycle, block, parallel, ctx):
        self.inp, self.fn, self.cycle, self.block = inp, fn, cycle, block
        self.parallel, self.ctx = parallel, ctx
        self.slots = [None] * cycle          # (input element, iterator)
        self.cur = 0
        self.pos = 0
        self.exhausted = False

    def _open(self, e):
        it = self.fn(e)._make_it(self.ctx)
        if self.parallel:
            it = self._prefetch(it)
            it.start()
        return (e, it)

    def _prefetch(self, it):
        from tensorflux._src.data.stages import register
        it = PrefetchIt(it, max(self.block, 2), "ParallelInterleaveProduce")
        register(it, self.ctx.reg)
        return it

    def _open_slot(self, k):
        try:
            e = self.inp.next()
        except StopIteration:
            self.exhausted = True
            return False
        self.slots[k] = self._open(e)
        return True

    def _advance(self):
        self.cur = (self.cur + 1) % self.cycle
        self.pos = 0

    def next(self):
        if self.parallel and not self.exhausted:
            for k in range(self.cycle):
                if self.slots[k] is None and not self._open_slot(k):
                    break
        while True:
            if self.exhausted and all(s is None for s in self.slots):
                raise StopIteration
            slot = self.slots[self.cur]
            if slot is None:
                if self.exhausted or not self._open_slot(self.cur):
                    self._advance()
                    continue
                slot = self.slots[self.cur]
            try:
                x = slot[1].next()
            except StopIteration:
                slot[1].close()
                self.slots[self.cur] = None
                self._advance()
                continue
            self.pos += 1
            if self.pos >= self.block:
                self._advance()
            return x

    def save(self):
        st = {"in": self.inp.save(), "cur": self.cur, "pos": self.pos,
              "exh": int(self.exhausted)}
        for k, s in enumerate(self.slots):
            if s is not None:
                st[f"s{k}"] = {"elem": save_elem(self.fn.input_spec, s[0]), "it": s[1].save()}
        return st

    def restore(self, st):
        self.close_slots()
        self.inp.restore(st["in"])
        self.cur, self.pos, self.exhausted = int(st["cur"]), int(st["pos"]), bool(st["exh"])
        for k in range(self.cycle):
            if f"s{k}" in st:
                e = load_elem(self.fn.input_spec, st[f"s{k}"]["elem"])
                it = self.fn(e)._make_it(self.ctx)
                if self.parallel:
                    it = self._prefetch(it)
                it.restore(st[f"s{k}"]["it"])
                self.slots[k] = (e, it)

    def close_slots(self):
        for k, s in enumerate(self.slots):
            if s is not None:
                s[1].close()
                self.slots[k] = None

    def close(self):
        self.close_slots()
        self.inp.close()


class InterleaveDataset(UnaryDataset):
    def __init__(self, input_dataset, fn, cycle, block, parallel, deterministic):
        from tensorflux._src.data.transforms import _probe_spec
        super().__init__(input_dataset)
        self._fn, self._cycle, self._block = fn, cycle, block
        self._parallel = parallel is not None
        self._tf_stage = "ParallelInterleaveV4" if self._parallel else "Interleave"
        self._spec = _probe_spec(input_dataset, fn)

    def _make_it(self, ctx):
        return _InterleaveIt(self._input._make_it(ctx), self._fn, self._cycle, self._block,
                             self._parallel, ctx)

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN
