"""Inlining traced graphs into the graph being built, and differentiating function calls.

When an eager tape watches the inputs of a ``tf.function`` call, the call is recorded
as one ``PartitionedCall`` entry. Its gradient is another traced function: the forward
graph inlined into a fresh graph, differentiated symbolically (recomputing the forward
values it needs), and called like any function, so outer tapes record it too and
higher-order gradients work.
"""

from __future__ import annotations

from tensorflux._src.core.op_def import OpDef
from tensorflux._src.framework import context
from tensorflux._src.framework.graph import CONST, PLACEHOLDER, FuncGraph

state = context.state


def inline_function(src, inputs, input_map=None):
    """Re-create ``src``'s ops in the current graph; returns its outputs' counterparts."""
    from tensorflux._src.framework.convert import convert_to_tensor

    g = state.graph
    m = {} if input_map is None else dict(input_map)
    for ph, x in zip(src.inputs, inputs):
        m[id(ph)] = convert_to_tensor(x)
    for ext, internal in src.captures:
        if id(internal) not in m:
            m[id(internal)] = g.capture(ext) if getattr(ext, "graph", None) is not g else ext
    for op in src._ops:
        if op.op_def is PLACEHOLDER:
            continue
        if op.op_def is CONST:
            m[id(op.outputs[0])] = g.constant(op.attrs["value"])
            continue
        flat = [m[id(t)] for t in op.inputs]
        if op.arg_spec is not None:
            args = [flat[s] if isinstance(s, int) else flat[s[0]:s[1]] for s in op.arg_spec]
        else:
            args = flat
        outs = g.create_op(op.op_def, args, op.call_attrs, name=op.name.rsplit("/", 1)[-1])
        if not isinstance(outs, tuple):
            outs = (outs,)
        for a, b in zip(op.outputs, outs):
            m[id(a)] = b
    return [None if o is None else m[id(o)] for o in src.outputs]


def _call_grad(op, *grads):
    cf = op.cf
    mask = tuple(g is not None for g in grads)
    if not any(mask):
        return [None] * len(op.inputs)
    bwd = _backward_function(cf, mask)
    n = len(cf.graph.inputs)
    inter = op.outputs[op.n_outputs:]
    res = bwd._call_flat(list(op.inputs[:n]) + list(inter) + [g for g in grads if g is not None])
    return list(res)


CALL = OpDef("PartitionedCall", None, inputs=("args: list",), outputs=(), grad=_call_grad,
             accepts_none_grads=True,
             doc="A call of a traced function, as recorded on a gradient tape.")


class CallOp:
    """The tape's view of one call of a ``ConcreteFunction``."""

    op_def = CALL

    def __init__(self, cf, inputs, outputs, n_outputs):
        self.cf = cf
        self.inputs = inputs
        self.outputs = outputs      # the function's outputs, then its saved intermediates
        self.n_outputs = n_outputs

    type = property(lambda self: "PartitionedCall")
    name = property(lambda self: self.cf.name)

    def get_attr(self, name):
        if name == "f":
            return self.cf
        raise ValueError(f"PartitionedCall has no attr {name!r}")


def record_call(call_op):
    from tensorflux._src.framework.tape import record_operation

    record_operation(CALL, None, call_op.inputs, call_op.outputs, call_op)


class _GraphEntry:
    __slots__ = ("op", "inputs", "outputs")

    def __init__(self, op):
        self.op = op
        self.inputs = op.inputs
        self.outputs = op.outputs


def graph_entries(graph):
    return [_GraphEntry(op) for op in list(graph._ops)]


class _MappedOp:
    """A forward op seen from the backward graph: same op, inputs/outputs replaced by the
    backward graph's placeholders holding their forward values."""

    __slots__ = ("_op", "inputs", "outputs")

    def __init__(self, op, inputs, outputs):
        self._op = op
        self.inputs = inputs
        self.outputs = outputs

    op_def = property(lambda self: self._op.op_def)
    type = property(lambda self: self._op.type)
    name = property(lambda self: self._op.name)
    attrs = property(lambda self: self._op.attrs)

    def get_attr(self, name):
        return self._op.get_attr(name)


def intermediates(cf):
    """Forward values the backward function reads: every output of every computing op."""
    if cf._intermediates is None:
        cf._intermediates = [t for op in cf.graph._ops
                             if op.op_def is not PLACEHOLDER and op.op_def is not CONST
                             for t in op.outputs]
    return cf._intermediates


def _backward_function(cf, mask):
    """The gradient of ``cf`` as a traced function of (inputs, saved intermediates, output
    grads for the outputs in ``mask``). Nothing of the forward pass is recomputed, so stateful
    ops (random draws, variable writes) run once."""
    hit = cf._backward.get(mask)
    if hit is not None:
        return hit
    from tensorflux._src.framework.convert import convert_to_tensor
    from tensorflux._src.framework.function import ConcreteFunction
    from tensorflux._src.framework.indexed_slices import IndexedSlices
    from tensorflux._src.framework.tape import backward

    fwd = cf.graph
    inter = intermediates(cf)
    g = FuncGraph(cf.name + "_grad")
    with g.as_default():
        m = {}
        xs = []
        for t in fwd.inputs:
            ph = g.placeholder(t.dtype, t.shape.as_tuple(), "x")
            m[id(t)] = ph
            xs.append(ph)
        var_srcs = []
        for ext, internal in fwd.captures:
            ph = g.capture(ext)
            m[id(internal)] = ph
            if getattr(ext, "_is_variable", False):
                var_srcs.append(ph)
        inter_phs = []
        for t in inter:
            ph = g.placeholder(t.dtype, t.shape.as_tuple(), "saved")
            m[id(t)] = ph
            inter_phs.append(ph)
        for op in fwd._ops:
            if op.op_def is CONST:
                m[id(op.outputs[0])] = g.constant(op.attrs["value"])
        entries = [_MappedOp(op, [m[id(t)] for t in op.inputs], [m[id(t)] for t in op.outputs])
                   for op in fwd._ops if op.op_def is not PLACEHOLDER and op.op_def is not CONST]
        all_outs = [o for o in fwd.outputs if o is not None] + inter
        targets, dys = [], []
        for o, used in zip(all_outs, mask):
            if used:
                targets.append(m[id(o)])
                dys.append(g.placeholder(o.dtype, o.shape.as_tuple(), "dy"))
        g.inputs.extend(xs + inter_phs + dys)
        grads = backward([_Entry(e) for e in entries], targets, dys, xs + var_srcs)
        it = iter(grads[len(xs):])
        caps = [next(it) if getattr(ext, "_is_variable", False) else None
                for ext in fwd.external_captures]
        out = []
        for gr in list(grads[:len(xs)]) + caps:
            if isinstance(gr, IndexedSlices):
                gr = convert_to_tensor(gr)
            out.append(gr)
        g.structured_outputs = out
        g.outputs = [None if o is None else convert_to_tensor(o) for o in out]
    bwd = ConcreteFunction(g, cf.name + "_grad")
    bwd._arg_is_tensor = [True] * len(g.inputs)
    cf._backward[mask] = bwd
    return bwd


class _Entry:
    __slots__ = ("op", "inputs", "outputs")

    def __init__(self, op):
        self.op = op
        self.inputs = op.inputs
        self.outputs = op.outputs
