"""Map-and-batch fusion (TensorFlow's ``map_and_batch_fusion``, on by default).

``ds.map(f[, num_parallel_calls]).batch(n)`` of dense elements becomes one ``MapAndBatch``
stage (TensorFlow's profiler name): it pulls the ``n`` inputs of a batch in one call
(``next_records`` for scalar strings: TFRecord files hand out plain ``bytes``), runs ``f``
on each and writes every result straight into batch arrays allocated from the first result
(no per-element tuples kept, no ``np.stack``). With ``num_parallel_calls`` the batch is split
into one contiguous chunk per thread (AUTOTUNE picks inline or pool per batch, as for map);
a parallel map is fused only when a batch has at least 2 elements per thread (otherwise the
separate stages keep more calls in flight across batch boundaries).

Semantics are TensorFlow's fused stage: batches come out in input order; an error in ``f``
fails the whole batch (all its inputs are consumed) with the error of the first failing
element; ``drop_remainder`` drops a short last batch. Results whose shape or dtype differs
from the first one, string/object results, and composite (sparse/ragged) results take the
unfused path (per-element results stacked by ``batching._stack``: same values and errors).
``options.experimental_optimization.map_and_batch_fusion = False`` (or
``apply_default_optimizations = False``) keeps the separate map and batch stages.
"""

from __future__ import annotations

import time

import numpy as np

from tensorflux._src.data.iterator_base import AUTOTUNE, It


def _scalar(rec):
    a = np.empty((), object)
    a[()] = rec
    return (a,)


class MapAndBatchIt(It):
    """One batch per ``next()``; ``n`` is the map's parallelism (``None``: a serial map)."""

    def __init__(self, inp, fn, n, batch, drop, strings, ncomp, ctx):
        self.inp, self.fn, self.call = inp, fn, fn   # ``call``: profiled wrapper when on
        self.batch, self.drop, self.strings, self.ncomp = batch, drop, strings, ncomp
        self.autotune = n == AUTOTUNE
        self.n = 1 if n is None else (min(ctx.threads, 64) if self.autotune else n)
        self.pool = None
        self.fusable = True      # False once results turn out to be objects / non-arrays
        from tensorflux._src.data.parallel import Tuner
        self.tuner = Tuner(self.n) if self.autotune else None

    # --- inputs ---------------------------------------------------------------------------
    def _pull(self):
        if self.strings:
            recs = self.inp.next_records(self.batch)
            if recs is not None:
                return [_scalar(r) for r in recs]
        return self.inp.next_many(self.batch)

    def next(self):
        elems = self._pull()
        m = len(elems)
        if not m or (self.drop and m < self.batch):
            raise StopIteration
        if self.tuner is None:
            pooled = self.n > 1
        else:
            pooled = self.tuner.mode == "pool"
            t0 = time.perf_counter()
        if pooled:
            if self.pool is None:
                from tensorflux._src.data.parallel import _pool
                self.pool = _pool(self.n)
            first = self.pool.submit(self.call, elems[0]).result()
        else:
            first = self.fn(elems[0])
        bufs = self._alloc(first, m) if self.fusable else None
        if bufs is None:
            out = self._unfused(elems, first, pooled)
        else:
            odd = (self._pooled(elems, bufs) if pooled and m > 1 else
                   self._fill(self.fn, elems, 1, m, bufs))
            out = self._stack_odd(elems, bufs, odd) if odd else tuple(bufs)
        if self.tuner is not None:
            self.tuner.update(time.perf_counter() - t0, m)
        return out

    # --- fused writes ---------------------------------------------------------------------
    def _alloc(self, first, m):
        bufs = []
        for v in first:
            dt = getattr(v, "dtype", None)
            if dt is None or dt.kind in "OSUV" or not hasattr(v, "shape"):
                self.fusable = False
                return None
            b = np.empty((m,) + v.shape, dt)
            b[0] = v
            bufs.append(b)
        return bufs

    @staticmethod
    def _fill(call, elems, lo, hi, bufs):
        """Runs ``call`` on ``elems[lo:hi]`` writing rows into ``bufs``; returns ``{i: result}``
        for results that do not fit (another shape or dtype), else an empty dict."""
        odd = {}
        specs = [(b, b.shape[1:], b.dtype) for b in bufs]
        for i in range(lo, hi):
            r = call(elems[i])
            for (b, shape, dt), v in zip(specs, r):
                try:
                    fits = v.shape == shape and (v.dtype is dt or v.dtype == dt)
                except AttributeError:
                    fits = False
                if not fits:
                    odd[i] = r
                    break
                b[i] = v
        return odd

    def _pooled(self, elems, bufs):
        return self._chunks(self._fill, elems, bufs)

    def _chunks(self, work, elems, dest):
        """``work(call, elems, lo, hi, dest)`` on one contiguous chunk of ``elems[1:]`` per
        thread; returns the merged ``{i: odd result}`` or raises the first chunk's error."""
        from concurrent.futures import wait
        m = len(elems)
        k = min(self.n, m - 1)
        edges = [1 + (m - 1) * j // k for j in range(k + 1)]
        futs = [self.pool.submit(work, self.call, elems, a, b, dest)
                for a, b in zip(edges, edges[1:])]
        wait(futs)
        odd = {}
        for f in futs:            # the first failing chunk holds the first failing element
            odd.update(f.result())
        return odd

    def _stack_odd(self, elems, bufs, odd):
        """Some results did not fit the batch arrays: stack per element (unfused path)."""
        rows = [odd[i] if i in odd else tuple(b[i] for b in bufs) for i in range(len(elems))]
        return self._stack(rows)

    def _unfused(self, elems, first, pooled):
        rows = {0: first}
        if pooled and len(elems) > 1:
            self._chunks(self._rows, elems, rows)
        else:
            self._rows(self.fn, elems, 1, len(elems), rows)
        return self._stack([rows[i] for i in range(len(elems))])

    @staticmethod
    def _rows(call, elems, lo, hi, rows):
        for i in range(lo, hi):
            rows[i] = call(elems[i])
        return {}

    def _stack(self, rows):
        from tensorflux._src.data.batching import _stack
        return tuple(_stack(rows, k) for k in range(self.ncomp))

    # --- the rest of the iterator protocol --------------------------------------------------
    def _profile(self, on):
        from tensorflux._src.data.stages import ranged
        self.call = ranged(self.fn, "MapAndBatchProduce") if on else self.fn

    def save(self):
        return {"in": self.inp.save()}    # nothing is in flight between batches

    def restore(self, st):
        self.inp.restore(st["in"])

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        self.inp.close()


def fused_iterator(batch_ds, ctx):
    """A ``MapAndBatchIt`` for ``batch_ds`` (a BatchDataset) when its input is a traced map
    of dense results and the options allow fusion, else ``None``. ``ctx`` is the batch's
    (named ``...::BatchV2``); the fused stage is named ``...::MapAndBatch``."""
    from tensorflux._src.data import structure, transforms
    from tensorflux._src.data.parallel import ParallelMapDataset
    from tensorflux._src.data.stages import register
    from tensorflux._src.data.tracing import TracedFunction

    mp = batch_ds._input
    if not ctx.fuse_map_batch or type(mp) not in (ParallelMapDataset, transforms._MapDataset):
        return None
    if not isinstance(mp._fn, TracedFunction) or not structure.is_dense(mp.element_spec):
        return None
    n = None
    if type(mp) is ParallelMapDataset:
        n = mp._n if mp._n == AUTOTUNE else min(mp._n, max(ctx.threads, 1) * 4)
        if batch_ds._n < 2 * (min(ctx.threads, 64) if n == AUTOTUNE else n):
            return None   # batches too small to keep every thread busy: separate stages
    sub = ctx.renamed("MapAndBatch")
    spec = mp._input.element_spec
    from tensorflux._src.core import dtypes as _dt
    from tensorflux._src.framework.function import TensorSpec
    strings = type(spec) is TensorSpec and spec.dtype is _dt.string and spec.shape.rank == 0
    it = MapAndBatchIt(mp._input._make_it(sub), mp._fn, n, batch_ds._n, batch_ds._drop,
                       strings, batch_ds._ncomp, sub)
    it._stage = sub.prefix
    register(it, ctx.reg)
    return it
