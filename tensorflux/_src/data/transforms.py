"""Element-wise and counting transformations: map, filter, flat_map, repeat, take, skip,
shard, unique, ignore_errors, assert_cardinality (and the element codec helpers)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.data import codec, structure
from tensorflux._src.data import sources as _sources  # a module: may be mid-import here
from tensorflux._src.data.dataset_ops import DatasetSpec, UnaryDataset
from tensorflux._src.data.iterator_base import INFINITE, UNKNOWN, Ctx, It
from tensorflux._src.framework.function import TensorSpec


class _FnIt(It):
    """Pulls from ``inp`` and applies ``step(elem)``; subclasses override ``next``.

    ``_counters`` names the integer attributes saved and restored with the input's state.
    """

    _counters = ()

    def __init__(self, inp):
        self.inp = inp

    def save(self):
        st = {"in": self.inp.save()}
        for k in self._counters:
            st[k] = getattr(self, k)
        return st

    def restore(self, st):
        self.inp.restore(st["in"])
        for k in self._counters:
            setattr(self, k, int(st[k]))

    def close(self):
        self.inp.close()


class _MapIt(_FnIt):
    def __init__(self, inp, fn):
        super().__init__(inp)
        self.fn = fn

    def next(self):
        return self.fn(self.inp.next())


class _MapDataset(UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset, fn.output_spec)
        self._fn = fn

    def _make_it(self, ctx):
        return _MapIt(self._input._make_it(ctx), self._fn)


class _FilterIt(_FnIt):
    def __init__(self, inp, fn):
        super().__init__(inp)
        self.fn = fn

    def next(self):
        while True:
            e = self.inp.next()
            if bool(self.fn(e)[0]):
                return e


class _FilterDataset(UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset)
        self._fn = fn

    def _make_it(self, ctx):
        return _FilterIt(self._input._make_it(ctx), self._fn)

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


class _TakeWhileIt(_FnIt):
    def __init__(self, inp, fn):
        super().__init__(inp)
        self.fn, self.done = fn, False

    def next(self):
        if self.done:
            raise StopIteration
        e = self.inp.next()
        if not bool(self.fn(e)[0]):
            self.done = True
            raise StopIteration
        return e

    def save(self):
        return {"in": self.inp.save(), "done": int(self.done)}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.done = bool(st["done"])


class _TakeWhileDataset(_FilterDataset):
    def _make_it(self, ctx):
        return _TakeWhileIt(self._input._make_it(ctx), self._fn)

    def _cardinality(self):
        return UNKNOWN


class _FlatMapIt(_FnIt):
    def __init__(self, inp, fn, ctx):
        super().__init__(inp)
        self.fn, self.ctx = fn, ctx
        self.cur = None
        self.cur_elem = None

    def next(self):
        while True:
            if self.cur is None:
                e = self.inp.next()
                self.cur_elem = e
                self.cur = self.fn(e)._make_it(self.ctx)
            try:
                return self.cur.next()
            except StopIteration:
                self.cur.close()
                self.cur = None

    def next_many(self, n):
        return self._bulk(n, False)

    def next_records(self, n):
        return self._bulk(n, True)

    def _bulk(self, n, records):
        out = []
        while len(out) < n:
            if self.cur is None:
                try:
                    e = self.inp.next()
                except StopIteration:
                    break
                self.cur_elem = e
                self.cur = self.fn(e)._make_it(self.ctx)
            got = _bulk_pull(self.cur, n - len(out), records, out)
            if got is None:
                return None
            if got:
                out += got
            else:
                self.cur.close()
                self.cur = None
        return out

    def save(self):
        st = {"in": self.inp.save(), "has": int(self.cur is not None)}
        if self.cur is not None:
            st["elem"] = save_elem(self.fn.input_spec, self.cur_elem)
            st["cur"] = self.cur.save()
        return st

    def restore(self, st):
        self.inp.restore(st["in"])
        self.cur = None
        if int(st["has"]):
            self.cur_elem = load_elem(self.fn.input_spec, st["elem"])
            self.cur = self.fn(self.cur_elem)._make_it(self.ctx)
            self.cur.restore(st["cur"])

    def close(self):
        if self.cur is not None:
            self.cur.close()
        self.inp.close()


def _bulk_pull(it, k, records, out):
    """``it.next_records(k)`` or ``it.next_many(k)``; ``None`` only when records are asked
    for, ``it`` has none and nothing was pulled yet (``out`` empty): the caller then falls
    back to elements. Later, raw records are made from scalar-string elements."""
    if not records:
        return it.next_many(k)
    got = it.next_records(k)
    if got is None and out:
        got = [e[0][()] for e in it.next_many(k)]
    return got


class _FlatMapDataset(UnaryDataset):
    def __init__(self, input_dataset, fn):
        # The output spec comes from the dataset the function builds for the first element
        # type: probe with a spec-shaped zero element is not possible for unknown shapes, so
        # the spec is taken lazily from the first produced dataset unless given.
        super().__init__(input_dataset, None)
        self._fn = fn
        self._spec = _probe_spec(input_dataset, fn)

    def _make_it(self, ctx):
        return _FlatMapIt(self._input._make_it(ctx), self._fn, ctx)

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


def save_elem(spec, comps) -> dict:
    """One element as state; dataset-valued components (windows) are saved by value."""
    d, k = {}, 0
    for s in structure.flat_specs(spec):
        n = 1 if isinstance(s, (TensorSpec, DatasetSpec)) else s.n_components
        for c in comps[k:k + n]:
            if isinstance(s, DatasetSpec):
                if not isinstance(c, _sources._ElementsDataset):
                    raise errors.UnimplementedError(
                        None, None, "Only window() datasets can be saved as elements.")
                d[f"c{k}"] = codec.pack_elements(c._elems)
            else:
                d[f"c{k}"] = codec.as_array(c)
            k += 1
    return d


def load_elem(spec, d) -> tuple:
    out = []
    for s in structure.flat_specs(spec):
        n = 1 if isinstance(s, (TensorSpec, DatasetSpec)) else s.n_components
        for _ in range(n):
            v = d[f"c{len(out)}"]
            out.append(_sources._ElementsDataset(codec.unpack_elements(v), s.element_spec)
                       if isinstance(s, DatasetSpec) else v)
    return tuple(out)


def _probe_spec(input_dataset, fn):
    """Element spec of the datasets ``fn`` returns, from the first input element."""
    it = input_dataset._make_it(Ctx(None))
    try:
        e = it.next()
    except StopIteration:
        return None
    finally:
        it.close()
    return fn(e).element_spec


class _RepeatIt(It):
    def __init__(self, ds, count, ctx):
        self.ds, self.count, self.ctx, self.epoch = ds, count, ctx, 0
        self.it = ds._make_it(ctx) if count != 0 else None
        self.fresh = True

    def next(self):
        while self.it is not None:
            try:
                e = self.it.next()
                self.fresh = False
                return e
            except StopIteration:
                self._next_epoch()
        raise StopIteration

    def _next_epoch(self):
        self.it.close()
        self.epoch += 1
        if (self.count >= 0 and self.epoch >= self.count) or self.fresh:
            self.it = None  # finished (or the input is empty: avoid spinning)
            return
        self.it = self.ds._make_it(self.ctx)
        self.fresh = True

    def next_many(self, n):
        return self._bulk(n, False)

    def next_records(self, n):
        return self._bulk(n, True)

    def _bulk(self, n, records):
        out = []
        while len(out) < n and self.it is not None:
            got = _bulk_pull(self.it, n - len(out), records, out)
            if got is None:
                return None
            if got:
                self.fresh = False
                out += got
            else:
                self._next_epoch()
        return out

    def save(self):
        st = {"epoch": self.epoch, "fresh": int(self.fresh), "done": int(self.it is None)}
        if self.it is not None:
            st["it"] = self.it.save()
        return st

    def restore(self, st):
        self.epoch, self.fresh = int(st["epoch"]), bool(st["fresh"])
        if self.it is not None:
            self.it.close()
        self.it = None
        if not int(st["done"]):
            self.it = self.ds._make_it(self.ctx)
            self.it.restore(st["it"])

    def close(self):
        if self.it is not None:
            self.it.close()


class _RepeatDataset(UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = count

    def _make_it(self, ctx):
        return _RepeatIt(self._input, self._count, ctx)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return 0 if n == 0 else INFINITE
        if n in (INFINITE, UNKNOWN):
            return n if self._count != 0 else 0
        return n * self._count


class _TakeIt(_FnIt):
    _counters = ("left",)

    def __init__(self, inp, n):
        super().__init__(inp)
        self.left = n

    def next(self):
        if self.left == 0:
            raise StopIteration
        e = self.inp.next()
        if self.left > 0:
            self.left -= 1
        return e


class _TakeDataset(UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = count

    def _make_it(self, ctx):
        return _TakeIt(self._input._make_it(ctx), self._count)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE:
            return self._count
        if n == UNKNOWN:
            return UNKNOWN
        return min(n, self._count)


class _SkipIt(_FnIt):
    _counters = ("left",)

    def __init__(self, inp, n):
        super().__init__(inp)
        self.left = n

    def next(self):
        while self.left != 0:
            self.inp.next()
            self.left -= 1
        return self.inp.next()


class _SkipDataset(_TakeDataset):
    def _make_it(self, ctx):
        return _SkipIt(self._input._make_it(ctx), self._count)

    def _cardinality(self):
        n = self._input._cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class _ShardIt(_FnIt):
    _counters = ("pos",)

    def __init__(self, inp, n, index):
        super().__init__(inp)
        self.n, self.index, self.pos = n, index, 0

    def next(self):
        while True:
            e = self.inp.next()
            p = self.pos
            self.pos += 1
            if p % self.n == self.index:
                return e


class _ShardDataset(UnaryDataset):
    def __init__(self, input_dataset, n, index):
        super().__init__(input_dataset)
        self._n, self._index = n, index

    def _make_it(self, ctx):
        return _ShardIt(self._input._make_it(ctx), self._n, self._index)

    def _cardinality(self):
        c = self._input._cardinality()
        if c < 0:
            return c
        return c // self._n + (1 if self._index < c % self._n else 0)


class _UniqueIt(_FnIt):
    def __init__(self, inp):
        super().__init__(inp)
        self.seen = set()

    def next(self):
        while True:
            e = self.inp.next()
            v = e[0].item() if hasattr(e[0], "item") else e[0]
            if v not in self.seen:
                self.seen.add(v)
                return e

    def save(self):
        vals = list(self.seen)
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        if vals and not isinstance(vals[0], bytes):
            arr = np.array(vals, np.int64)
        return {"in": self.inp.save(), "seen": arr}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.seen = set(np.asarray(st["seen"]).tolist())


class _UniqueDataset(UnaryDataset):
    def _make_it(self, ctx):
        return _UniqueIt(self._input._make_it(ctx))

    def _cardinality(self):
        return INFINITE if self._input._cardinality() == INFINITE else UNKNOWN


class _IgnoreErrorsIt(_FnIt):
    def __init__(self, inp, log):
        super().__init__(inp)
        self.log = log

    def next(self):
        while True:
            try:
                return self.inp.next()
            except errors.OpError as e:
                if self.log:
                    import logging
                    logging.getLogger("tensorflux").warning(
                        "Error raised during tf.data pipeline, ignoring it: %s", e.message)


class _IgnoreErrorsDataset(UnaryDataset):
    def __init__(self, input_dataset, log_warning):
        super().__init__(input_dataset)
        self._log = log_warning

    def _make_it(self, ctx):
        return _IgnoreErrorsIt(self._input._make_it(ctx), self._log)

    def _cardinality(self):
        return UNKNOWN if self._input._cardinality() != INFINITE else INFINITE


class _AssertCardIt(_FnIt):
    _counters = ("seen",)

    def __init__(self, inp, n):
        super().__init__(inp)
        self.n, self.seen = n, 0

    def next(self):
        try:
            e = self.inp.next()
        except StopIteration:
            if self.n >= 0 and self.seen < self.n:
                raise errors.FailedPreconditionError(
                    None, None, f"Input dataset was expected to contain {self.n} elements but "
                    f"contained only {self.seen} elements.") from None
            raise
        self.seen += 1
        if self.n == INFINITE:
            return e
        if self.seen > self.n:
            raise errors.FailedPreconditionError(
                None, None, f"Input dataset was expected to contain {self.n} elements but "
                f"contained at least {self.seen} elements.")
        return e


class _AssertCardinalityDataset(UnaryDataset):
    def __init__(self, input_dataset, n):
        super().__init__(input_dataset)
        self._n = n

    def _make_it(self, ctx):
        return _AssertCardIt(self._input._make_it(ctx), self._n)

    def _cardinality(self):
        return self._n


def spec_shape(spec):
    return spec.shape if isinstance(spec, TensorSpec) else TensorShape(None)
