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
    bwd = _backward_function(cf)
    n = len(cf.graph.inputs)
    res = bwd._call_flat(list(op.inputs[:n]) + list(grads))
    return list(res)


CALL = OpDef("PartitionedCall", None, inputs=("args: list",), outputs=(), grad=_call_grad,
             doc="A call of a traced function, as recorded on a gradient tape.")


class CallOp:
    """The tape's view of one call of a ``ConcreteFunction``."""

    op_def = CALL

    def __init__(self, cf, inputs, outputs):
        self.cf = cf
        self.inputs = inputs
        self.outputs = outputs

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


def _backward_function(cf):
    if cf._backward is not None:
        return cf._backward
    from tensorflux._src.framework.function import ConcreteFunction
    from tensorflux._src.framework.indexed_slices import IndexedSlices
    from tensorflux._src.framework.convert import convert_to_tensor
    from tensorflux._src.framework.tape import backward

    g = FuncGraph(cf.name + "_grad")
    with g.as_default():
        xs = [g.placeholder(t.dtype, t.shape.as_tuple(), "x") for t in cf.graph.inputs]
        g.inputs.extend(xs)
        outs = inline_function(cf.graph, xs)
        live = [o for o in outs if o is not None]
        gys = [g.placeholder(o.dtype, o.shape.as_tuple(), "dy") for o in live]
        g.inputs.extend(gys)
        caps = [g.capture(c) if getattr(c, "_is_variable", False) else None
                for c in cf.graph.external_captures]
        sources = xs + [c for c in caps if c is not None]
        grads = backward(graph_entries(g), live, gys, sources)
        it = iter(grads[len(xs):])
        grads = grads[:len(xs)] + [next(it) if c is not None else None for c in caps]
        out = []
        for gr in grads:
            if isinstance(gr, IndexedSlices):
                gr = convert_to_tensor(gr)
            out.append(gr)
        g.structured_outputs = out
        g.outputs = [None if o is None else convert_to_tensor(o) for o in out]
    bwd = ConcreteFunction(g, cf.name + "_grad")
    bwd._arg_is_tensor = [True] * len(g.inputs)
    cf._backward = bwd
    return bwd
