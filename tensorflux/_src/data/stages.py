"""Input-pipeline stages in the profiler timeline (TensorFlow's ``Iterator::...`` ranges).

Every dataset's ``_make_it`` is wrapped (``DatasetV2.__init_subclass__``) so that the iterator
it returns knows its stage name, TensorFlow-style: the chain of dataset names from the root
(``Iterator::Root::Prefetch::ParallelMapV2::TensorSlice``), and is registered (weakly) with
the pipeline's ``Registry``. Nothing is wrapped per element while no profiler runs: the user
iterator reads the profiler's recorder once per element and, when it changes, (un)instruments
every live stage by setting/removing an instance attribute ``next`` (``next_many`` /
``next_records`` for iterators that override them) that records a range around the call.
Threads get their own ranges: ``ParallelMapProduce`` around a map call on a worker thread (the
function's ops nest inside), ``PrefetchProduce`` around a pull on a prefetch thread.
"""

from __future__ import annotations

import functools

from tensorflux._src.data.iterator_base import It
from tensorflux._src.profiler import trace

_BULK = ("next_many", "next_records")


def switch(reg, on):
    """(Un)instrument every live iterator of a pipeline (``Ctx.reg``)."""
    reg.on = on
    for it in list(reg.its):
        instrument(it, on)


def stage_name(ds):
    """TensorFlow's name of a dataset's iterator stage, or None (transparent wrapper)."""
    name = getattr(ds, "_tf_stage", "")
    if name == "":
        name = type(ds).__name__.lstrip("_")
        if name.endswith("Dataset") and len(name) > 7:
            name = name[:-7]
    return name


def wrap_make_it(make_it):
    """``_make_it`` that names, registers and (while profiling) instruments its iterator."""

    @functools.wraps(make_it)
    def _make_it(self, ctx):
        name = stage_name(self)
        if name is None:
            return make_it(self, ctx)
        sub = ctx.sub(name)
        it = make_it(self, sub)
        if it._stage is None:
            it._stage = sub.prefix
            register(it, ctx.reg)
        return it

    return _make_it


def register(it, reg):
    """Adds ``it`` to the pipeline's registry; instruments it if the profiler runs."""
    reg.its.add(it)
    if reg.on or trace.enabled():
        instrument(it, True)


def ranged(fn, name):
    """``fn`` wrapped in a ``name`` range on the calling thread."""
    def call(*a):
        with trace.Trace(name):
            return fn(*a)
    return call


def instrument(it, on):
    """Set (``on``) or remove the recording wrappers of one iterator."""
    d = it.__dict__
    if on and it._stage is not None:
        if "next" in d:
            return
        d["next"] = ranged(it.next, it._stage)
        cls = type(it)
        for m in _BULK:
            if getattr(cls, m) is not getattr(It, m):
                d[m] = ranged(getattr(it, m), it._stage)
    elif not on:
        for m in ("next",) + _BULK:
            d.pop(m, None)
    hook = getattr(it, "_profile", None)
    if hook is not None:
        hook(on)
