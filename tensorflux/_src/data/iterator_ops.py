"""``tf.data.Iterator``: eager iteration, checkpointing, and use inside ``tf.function``."""

from __future__ import annotations

import weakref

import numpy as np

from tensorflux._src.core import errors, nest
from tensorflux._src.data import codec, structure
from tensorflux._src.data import ops as data_ops
from tensorflux._src.framework import context
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.function import TensorSpec
from tensorflux._src.framework.tensor import EagerTensor
from tensorflux._src.profiler import trace


def in_trace():
    return context.state.graph is not None


def _out_attrs(spec):
    cs = structure.component_specs(spec)
    return {"output_types": tuple(s.dtype for s in cs),
            "output_shapes": tuple(s.shape.as_tuple() for s in cs),
            "num_components": len(cs)}


def _get_next_symbolic(handle_tensor, spec):
    outs = execute(data_ops.ITERATOR_GET_NEXT, [handle_tensor], _out_attrs(spec))
    if not isinstance(outs, tuple):
        outs = (outs,)
    return structure.from_symbolic(spec, list(outs))


class OwnedIterator:
    """An iterator over a dataset (``tf.data.Iterator``).

    ``next(it)`` raises ``StopIteration`` at the end; ``it.get_next()`` raises
    ``tf.errors.OutOfRangeError``. Inside ``tf.function``, ``next(it)`` adds a stateful
    ``IteratorGetNext`` op that pulls from this iterator each time the graph runs.
    Checkpoint with ``save(path)``/``restore(path)`` or ``_serialize_state()``/
    ``_restore_state(state)`` (a flat dict of NumPy arrays, bytes and ints).
    """

    def __init__(self, dataset):
        self._dataset = dataset
        self._spec = dataset.element_spec
        ctx = dataset._root_ctx()
        it = dataset._make_it(ctx)
        self._it = it
        self._finalizer = weakref.finalize(self, it.close)
        self._handle = None
        self._rec = None          # the profiler recorder the stages are instrumented for
        self._reg = ctx.reg

    @property
    def element_spec(self):
        return self._spec

    def __iter__(self):
        return self

    def _next_components(self):
        rec = trace._recorder     # the one profiler check per element
        if rec is not self._rec:
            self._profile(rec)
        try:
            if rec is None:
                return self._it.next()
            with trace.Trace("Iterator::Root"):
                return self._it.next()
        except StopIteration:
            return None

    def _profile(self, rec):
        """A profiler started or stopped: (un)instrument every stage of the pipeline."""
        from tensorflux._src.data import stages
        self._rec = rec
        on = rec is not None and rec.host_level >= 1
        if self._reg.on != on:
            stages.switch(self._reg, on)

    def __next__(self):
        if in_trace():
            return self._symbolic_next()
        comps = self._next_components()
        if comps is None:
            raise StopIteration
        return structure.from_components(self._spec, comps)

    next = __next__

    def _symbolic_next(self):
        if self._handle is None:
            self._handle = EagerTensor(data_ops.handle(self))
        return _get_next_symbolic(self._handle, self._spec)

    def get_next(self, name=None):
        """The next element; ``tf.errors.OutOfRangeError`` at the end."""
        if in_trace():
            return self._symbolic_next()
        comps = self._next_components()
        if comps is None:
            raise errors.OutOfRangeError(None, None, "End of sequence")
        return structure.from_components(self._spec, comps)

    def get_next_as_optional(self):
        from tensorflux._src.data.optional import Optional
        comps = self._next_components()
        if comps is None:
            return Optional.empty(self._spec)
        return Optional.from_value(structure.from_components(self._spec, comps))

    # --- checkpointing ------------------------------------------------------------------
    def _serialize_state(self) -> dict:
        """The iterator's position as a flat dict of arrays/bytes/ints (no pickle)."""
        return codec.flatten_state({"it": self._it.save()})

    def _restore_state(self, state: dict):
        self._it.restore(codec.unflatten_state(dict(state))["it"])

    def save(self, path):
        """Write the position to ``path`` (an ``.npz`` file, written atomically)."""
        codec.save_state_file(path, self._serialize_state())

    def restore(self, path):
        """Resume from a file written by ``save``: the next element is the one that would
        have followed when it was saved (shuffle buffers and RNG included)."""
        self._restore_state(codec.load_state_file(path))

    def close(self):
        """Stop the background threads of this iterator."""
        self._finalizer()

    def __repr__(self):
        return f"<OwnedIterator element_spec={self._spec!r}>"


Iterator = OwnedIterator


class SymbolicIterator:
    """``iter(dataset)`` while tracing: a fresh iterator each time the graph runs."""

    def __init__(self, dataset):
        self._spec = dataset.element_spec
        ds_handle = EagerTensor(data_ops.handle(dataset))
        self._handle = execute(data_ops.ANONYMOUS_ITERATOR, [ds_handle], _out_attrs(self._spec))

    element_spec = property(lambda self: self._spec)

    def __iter__(self):
        return self

    def __next__(self):
        return _get_next_symbolic(self._handle, self._spec)

    next = __next__
    get_next = __next__


def symbolic_iterator(dataset):
    return SymbolicIterator(dataset)


def reduce_dataset(ds, initial_state, reduce_func):
    """``Dataset.reduce`` via the ``ReduceDataset`` op (eager and inside tf.function)."""
    from tensorflux._src.data.tracing import TracedFunction
    from tensorflux._src.framework.convert import convert_to_tensor

    init = nest.map_structure(convert_to_tensor, initial_state)
    sspec = nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), init)
    fn = TracedFunction(reduce_func, (sspec, ds.element_spec), "reduce_func")
    new_state = fn.output_spec
    try:
        nest.assert_same_structure(sspec, new_state)
    except (TypeError, ValueError):
        raise TypeError(f"The structure of the new state returned by `reduce_func` "
                        f"{new_state} does not match the initial state {sspec}.") from None
    for a, b in zip(nest.flatten(sspec), nest.flatten(new_state)):
        if a.dtype != b.dtype:
            raise TypeError(f"The element types for the new state must match the initial "
                            f"state. Expected {a.dtype.name}; got {b.dtype.name}.")
        if not a.shape.is_compatible_with(b.shape):
            # The state shape changes: retrace with the relaxed shape (as TensorFlow).
            sspec = structure.relax(sspec, new_state)
            fn = TracedFunction(reduce_func, (sspec, ds.element_spec), "reduce_func")
            break
    flat_init = nest.flatten(init)
    attrs = {"f": fn, "output_types": tuple(s.dtype for s in nest.flatten(sspec)),
             "output_shapes": tuple(s.shape.as_tuple() for s in nest.flatten(sspec)),
             "num_components": len(flat_init)}
    outs = execute(data_ops.REDUCE_DATASET, [EagerTensor(data_ops.handle(ds)), flat_init],
                   attrs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    return nest.pack_sequence_as(sspec, list(outs))


__all__ = ["OwnedIterator", "Iterator", "reduce_dataset", "np"]
