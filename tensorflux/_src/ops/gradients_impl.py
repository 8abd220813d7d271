"""``tf.gradients`` (symbolic, inside a traced graph) and ``tf.custom_gradient``."""

from __future__ import annotations

import functools

from tensorflux._src.core import nest
from tensorflux._src.core.op_def import OpDef
from tensorflux._src.framework.context import state
from tensorflux._src.framework.tape import UnconnectedGradients, backward, record_operation
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops.op_util import tensor


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic derivatives of ``sum(ys)`` with respect to each of ``xs`` (``tf.gradients``).

    Only valid while tracing a ``tf.function``; eagerly, use ``tf.GradientTape``.
    """
    from tensorflux._src.framework.function_inline import graph_entries

    g = state.graph
    if g is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    ys_flat = nest.flatten(ys)
    xs_flat = nest.flatten(xs)
    sources = [g.capture(x) if getattr(x, "_is_variable", False) else x for x in xs_flat]
    gy = None if grad_ys is None else [None if v is None else tensor(v)
                                       for v in nest.flatten(grad_ys)]
    entries = graph_entries(g)
    if stop_gradients:
        stop = {id(t) for t in nest.flatten(stop_gradients)}
        entries = [e for e in entries if not any(id(o) in stop for o in e.outputs)]
    return backward(entries, ys_flat, gy, sources, UnconnectedGradients(unconnected_gradients))


class _CustomOp:
    """Tape entry for a ``tf.custom_gradient`` call."""

    def __init__(self, op_def, inputs, outputs, grad_fn, variables):
        self.op_def = op_def
        self.inputs = inputs
        self.outputs = outputs
        self.grad_fn = grad_fn
        self.variables = variables

    type = property(lambda self: "CustomGradient")
    name = property(lambda self: "CustomGradient")


def _custom_grad_rule(op, *grads):
    n_in = len(op.inputs) - len(op.variables)
    gs = grads[0] if len(grads) == 1 else list(grads)
    if op.variables:
        res = op.grad_fn(gs, variables=list(op.variables))
        input_grads, var_grads = res
    else:
        input_grads, var_grads = op.grad_fn(gs), []
    input_grads = nest.flatten(input_grads) if isinstance(input_grads, (list, tuple)) \
        else [input_grads]
    if len(input_grads) != n_in:
        raise ValueError(f"custom_gradient function returned {len(input_grads)} gradients but "
                         f"the function has {n_in} tensor inputs")
    return list(input_grads) + list(var_grads)


_CUSTOM = OpDef("CustomGradient", None, inputs=("args: list",), outputs=(),
                grad=_custom_grad_rule)


def custom_gradient(f=None):
    """Decorator for a function that returns ``(y, grad_fn)`` to define its own gradient.

    Example:
        >>> import tensorflux as tf
        >>> @tf.custom_gradient
        ... def clip_grad(x):
        ...     def grad(dy):
        ...         return tf.clip_by_value(dy, -1.0, 1.0)
        ...     return tf.identity(x), grad
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        from tensorflux._src.ops.array_ops import identity

        tensors = [a for a in nest.flatten(args) if isinstance(a, Tensor) or
                   getattr(a, "_is_variable", False)]
        tensors = [a.value() if getattr(a, "_is_variable", False) else a for a in tensors]
        saved = state.tapes
        # Run the forward pass unrecorded, but note which variables it reads.
        from tensorflux._src.framework.tape import GradientTape

        probe = GradientTape(watch_accessed_variables=True)
        state.tapes = [probe]
        probe._recording = True
        try:
            result, grad_fn = f(*args, **kwargs)
        finally:
            state.tapes = saved
            probe._recording = False
        variables = [v for v in probe.watched_variables()]
        flat_out = nest.flatten(result)
        outs = [identity(o) for o in flat_out]
        if state.tapes:
            from tensorflux._src.framework.tape import variable_accessed
            for v in variables:
                variable_accessed(v)
            inputs = list(tensors) + list(variables)
            record_operation(_CUSTOM, None, inputs, outs,
                             _CustomOp(_CUSTOM, inputs, outs, grad_fn, variables))
        return nest.pack_sequence_as(result, outs)

    return wrapped


def recompute_grad(f):
    """``tf.recompute_grad``: gradients are exact; tensorflux keeps the forward activations
    (no memory saving yet), which gives the same values as recomputing them."""
    return f
