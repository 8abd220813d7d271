"""Reverse-mode automatic differentiation: ``tf.GradientTape`` and the backward pass.

A tape records every op whose inputs it watches (directly, or derived from a watched
tensor or an accessed trainable variable). ``gradient`` walks the records backwards
and calls each op's gradient rule. Rules are written with tensorflux ops, so the
backward pass is itself recorded by any outer tape (higher-order gradients) and is
traced into the graph when it runs inside ``tf.function``. The same backward pass
serves ``tf.gradients`` over a traced graph (``backward`` with graph operations).
"""

from __future__ import annotations

import enum

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE
from tensorflux._src.framework import context
from tensorflux._src.framework.tensor import Tensor

state = context.state


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source that the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class EagerOp:
    """What a gradient rule sees of an op that ran eagerly (the graph's ``Operation``
    offers the same interface)."""

    __slots__ = ("op_def", "inputs", "outputs", "_attrs")

    def __init__(self, op_def, attrs, inputs, outputs):
        self.op_def = op_def
        self._attrs = attrs
        self.inputs = inputs
        self.outputs = outputs

    @property
    def type(self):
        return self.op_def.name

    @property
    def name(self):
        return self.op_def.name

    def get_attr(self, name):
        if self._attrs and name in self._attrs:
            return self._attrs[name]
        if name in self.op_def.types:
            for a, x in zip(self.op_def.input_args, self.inputs):
                if a.type_attr == name and not a.is_list:
                    return x.dtype
            for a, x in zip(self.op_def.output_args, self.outputs):
                if a.type_attr == name:
                    return x.dtype
        return self.op_def.attrs[name]


class _Entry:
    __slots__ = ("op", "inputs", "outputs")

    def __init__(self, op, inputs, outputs):
        self.op = op
        self.inputs = inputs
        self.outputs = outputs


def record_operation(op_def, attrs, inputs, outputs, op=None):
    """Record an executed op on every active tape that watches one of its inputs."""
    for tape in state.tapes:
        ids = tape._ids
        for x in inputs:
            if id(x) in ids:
                break
        else:
            continue
        tape._entries.append(_Entry(op if op is not None else EagerOp(op_def, attrs, inputs,
                                                                      outputs),
                                    inputs, outputs))
        for o in outputs:
            ids.add(id(o))


def variable_accessed(var):
    """Called when a variable is read: tapes that watch accessed variables watch it."""
    if var.trainable:
        for tape in state.tapes:
            if tape._watch_accessed and id(var) not in tape._ids:
                tape._watch_one(var)


class GradientTape:
    """Records operations for automatic differentiation (``tf.GradientTape``).

    Example:
        >>> import tensorflux as tf
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as g:
        ...     g.watch(x)
        ...     y = x * x
        >>> float(g.gradient(y, x))
        6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._entries = []
        self._ids = set()
        self._keep = []          # watched objects kept alive so their ids stay unique
        self._recording = False
        self._used = False

    # recording ---------------------------------------------------------------
    def __enter__(self):
        self._push()
        return self

    def __exit__(self, *exc):
        self._pop()

    def _push(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        state.tapes.append(self)
        self._recording = True

    def _pop(self):
        if self._recording:
            state.tapes.remove(self)
            self._recording = False

    def stop_recording(self):
        """A context manager in which this tape records nothing."""
        tape = self

        class _Stop:
            def __enter__(self_):
                if not tape._recording:
                    raise ValueError("Tape is not recording.")
                tape._pop()

            def __exit__(self_, *exc):
                tape._push()

        return _Stop()

    def reset(self):
        """Clears everything recorded so far; the tape keeps recording."""
        self._entries = []
        self._ids = set()
        self._keep = []

    def _watch_one(self, x):
        self._ids.add(id(x))
        self._keep.append(x)

    def watch(self, tensor):
        """Ensures ``tensor`` (or every tensor/variable of a nested structure) is traced."""
        from tensorflux._src.core import nest

        for t in nest.flatten(tensor):
            if not (isinstance(t, Tensor) or _is_variable(t)):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 "tf.Tensor or tf.Variable or ExtensionType.")
            if not _differentiable_dtype(t.dtype):
                import logging

                logging.getLogger("tensorflux").warning(
                    "The dtype of the watched tensor must be floating (e.g. tf.float32), got %r",
                    t.dtype)
            self._watch_one(t)

    def watched_variables(self):
        return tuple(x for x in self._keep if _is_variable(x))

    # differentiation ----------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Gradients of ``target`` with respect to ``sources`` (nested structures allowed)."""
        from tensorflux._src.core import nest

        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians). Pass persistent=True to "
                               "tf.GradientTape to compute several.")
        was_recording = self._recording
        if was_recording:
            self._pop()
        try:
            flat_targets = nest.flatten(target)
            flat_sources = nest.flatten(sources)
            flat_og = None if output_gradients is None else nest.flatten(output_gradients)
            grads = backward(self._entries, flat_targets, flat_og, flat_sources,
                             UnconnectedGradients(unconnected_gradients))
        finally:
            if was_recording:
                self._push()
        if not self._persistent:
            self._used = True
            if not was_recording:
                self._entries = []
        return nest.pack_sequence_as(sources, grads)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Full Jacobian: shape ``target.shape + source.shape`` for each source."""
        from tensorflux._src.core import nest
        from tensorflux._src.ops import array_ops

        flat_sources = nest.flatten(sources)
        n = target.shape.num_elements()
        if n is None:
            raise ValueError(f"jacobian needs a target with a static shape, got {target.shape}")
        rows = self._rows(target, flat_sources, n, unconnected_gradients, batch=False)
        out = []
        for s, r in zip(flat_sources, rows):
            if r is None:
                out.append(None)
                continue
            out.append(array_ops.reshape(array_ops.stack(r) if n else array_ops.zeros(
                [0] + s.shape.as_list(), s.dtype), target.shape.as_list() + s.shape.as_list()))
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobian: ``[batch] + target.shape[1:] + source.shape[1:]``."""
        from tensorflux._src.ops import array_ops

        inner = target.shape[1:].num_elements()
        if inner is None:
            raise ValueError(f"batch_jacobian needs static non-batch dims, got {target.shape}")
        (rows,) = self._rows(target, [source], inner, unconnected_gradients, batch=True)
        if rows is None:
            return None
        j = array_ops.stack(rows, axis=1)  # [b, inner] + source.shape[1:]
        b = array_ops.shape(source)[0:1]
        new_shape = array_ops.concat([b, target.shape[1:].as_list(), source.shape[1:].as_list()],
                                     0)
        return array_ops.reshape(j, new_shape)

    def _rows(self, target, flat_sources, n, unconnected, batch):
        from tensorflux._src.ops import array_ops

        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians).")
        was_recording = self._recording
        if was_recording:
            self._pop()
        try:
            if batch:
                flat_t = array_ops.reshape(target, [-1, n])
            else:
                flat_t = array_ops.reshape(target, [n])
            rows = [[] for _ in flat_sources]
            connected = [False] * len(flat_sources)
            for i in range(n):
                if batch:
                    og = array_ops.one_hot(array_ops.fill(array_ops.shape(flat_t)[0:1], i), n,
                                           dtype=target.dtype)
                else:
                    og = array_ops.one_hot(i, n, dtype=target.dtype)
                og = array_ops.reshape(og, array_ops.shape(target))
                gs = backward(self._entries, [target], [og], flat_sources,
                              UnconnectedGradients.ZERO)
                conn = backward_connected(self._entries, [target], flat_sources)
                for k, g in enumerate(gs):
                    rows[k].append(_dense(g))
                    connected[k] = connected[k] or conn[k]
        finally:
            if was_recording:
                self._push()
        if not self._persistent:
            self._used = True
        unconnected = UnconnectedGradients(unconnected)
        return [r if (c or unconnected is UnconnectedGradients.ZERO) else None
                for r, c in zip(rows, connected)]


def _is_variable(x):
    return getattr(x, "_is_variable", False)


def _differentiable_dtype(dt):
    return dt.is_floating or dt.is_complex or dt is _dt.resource or dt is _dt.variant


def _dense(g):
    from tensorflux._src.framework.indexed_slices import IndexedSlices

    if isinstance(g, IndexedSlices):
        from tensorflux._src.framework.convert import convert_to_tensor
        return convert_to_tensor(g)
    return g


def backward_connected(entries, targets, sources):
    """Whether each source reaches a target through the recorded ops."""
    reach_from = {id(s) for s in sources}
    live = set(reach_from)
    for e in entries:
        if any(id(x) in live for x in e.inputs):
            live.update(id(o) for o in e.outputs)
    # Walk back from the targets.
    needed = {id(t) for t in targets}
    for e in reversed(entries):
        if any(id(o) in needed for o in e.outputs):
            needed.update(id(x) for x in e.inputs)
    return [id(s) in needed and id(s) in live for s in sources]


def backward(entries, targets, output_gradients, sources, unconnected=UnconnectedGradients.NONE):
    """The backward pass over recorded ops (tape entries or graph operations, in order)."""
    from tensorflux._src.framework.indexed_slices import aggregate_gradients
    from tensorflux._src.ops import array_ops

    source_ids = {id(s) for s in sources}
    # Forward sweep: ops that depend on a source; backward sweep: ops a target depends on.
    reach = set(source_ids)
    useful = []
    for e in entries:
        for x in e.inputs:
            if id(x) in reach:
                useful.append(e)
                for o in e.outputs:
                    reach.add(id(o))
                break
    needed = {id(t) for t in targets}
    chain = []
    for e in reversed(useful):
        for o in e.outputs:
            if id(o) in needed:
                chain.append(e)
                for x in e.inputs:
                    needed.add(id(x))
                break

    grads: dict[int, list] = {}
    for i, t in enumerate(targets):
        if not isinstance(t, Tensor) and not _is_variable(t):
            raise TypeError(f"Gradient target must be a tensor, got {type(t).__name__}")
        if not _differentiable_dtype(t.dtype):
            raise ValueError(f"Gradient target must have a floating or complex dtype, got "
                             f"{t.dtype.name}: cast it (tf.cast) before differentiating.")
        og = None if output_gradients is None else output_gradients[i]
        if og is None:
            og = array_ops.ones_like(t)
        grads.setdefault(id(t), []).append(og)

    for e in chain:  # already in reverse order
        out_grads = []
        any_grad = False
        for o in e.outputs:
            gl = grads.get(id(o)) if id(o) in source_ids else grads.pop(id(o), None)
            if gl:
                out_grads.append(aggregate_gradients(gl))
                any_grad = True
            else:
                out_grads.append(None)
        if not any_grad:
            continue
        op_def = e.op.op_def
        rule = op_def.grad
        if rule == NOT_DIFFERENTIABLE:
            continue
        if rule is None:
            raise LookupError(
                f"No gradient defined for operation '{getattr(e.op, 'name', op_def.name)}' "
                f"(op type: {op_def.name}). Wrap the computation in tf.stop_gradient, or "
                "register a gradient with tf.custom_gradient.")
        if not op_def.accepts_none_grads:
            for k, g in enumerate(out_grads):
                if g is None and _differentiable_dtype(e.outputs[k].dtype):
                    out_grads[k] = array_ops.zeros_like(e.outputs[k])
        in_grads = rule(e.op, *out_grads)
        if not isinstance(in_grads, (list, tuple)):
            in_grads = [in_grads]
        if len(in_grads) != len(e.inputs):
            raise ValueError(f"Gradient rule of {op_def.name} returned {len(in_grads)} gradients "
                             f"for {len(e.inputs)} inputs")
        for x, g in zip(e.inputs, in_grads):
            if g is not None and id(x) in reach and _differentiable_dtype(x.dtype):
                grads.setdefault(id(x), []).append(g)

    out = []
    for s in sources:
        gl = grads.get(id(s))
        if gl:
            g = aggregate_gradients(gl)
            out.append(g)
        elif unconnected is UnconnectedGradients.ZERO:
            out.append(array_ops.zeros_like(s.value() if _is_variable(s) else s))
        else:
            out.append(None)
    return out
