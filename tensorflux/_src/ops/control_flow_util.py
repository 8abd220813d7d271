"""Shared machinery of the control-flow ops: tracing Python callables into nested graphs.

Control flow in tensorflux has two faces:

* eagerly (``state.graph is None``) it is plain Python: ``tf.cond`` calls one branch,
  ``tf.while_loop`` loops; the ops inside are recorded on tapes as usual, so gradients
  need nothing special;
* while ``tf.function`` traces, each callable (a branch, a loop condition or body) is
  traced into its own ``FuncGraph`` whose ``outer_graph`` is the graph being built.
  Tensors of enclosing graphs used inside are *captured*: they become placeholders of
  the nested graph, and the control-flow op takes the enclosing tensors as extra inputs.
  The op's kernel runs the nested graphs with executor ``Plan``s (built once per graph,
  cached on the graph object).

``TensorArray`` values are flattened to their ``flow`` (a variant tensor) when they cross a
nested-graph boundary and rebuilt around the new flow on the other side.
"""

from __future__ import annotations

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import nest
from tensorflux._src.framework import context
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.framework.graph import FuncGraph, Operation
from tensorflux._src.framework.tensor import SymbolicTensor

state = context.state


def plan_for(graph):
    """The executor ``Plan`` of a nested graph (feeds: ``graph.inputs``), built once."""
    plan = graph.__dict__.get("_cf_plan")
    if plan is None:
        from tensorflux._src.framework.executor import Plan

        plan = Plan(graph, list(graph.inputs), list(graph.outputs))
        graph._cf_plan = plan
    return plan


def is_tensor_array(x):
    return getattr(x, "_is_tensor_array", False)


def flatten_vars(structure):
    """Flat leaves of ``structure``; TensorArrays become their flow tensors."""
    out = []
    for leaf in nest.flatten(structure):
        out.append(leaf.flow if is_tensor_array(leaf) else leaf)
    return out


def pack_vars(structure, flat, templates=None):
    """Inverse of ``flatten_vars``: TensorArray leaves of ``templates`` (default:
    ``structure``) are rebuilt around the matching flat tensor."""
    leaves = nest.flatten(structure if templates is None else templates)
    rebuilt = []
    for leaf, t in zip(leaves, flat):
        rebuilt.append(leaf._with_flow(t) if is_tensor_array(leaf) and t is not None else t)
    return nest.pack_sequence_as(structure, rebuilt)


def is_none_like(x):
    return x is None or isinstance(x, Operation)


def to_graph_tensor(x, graph, dtype=None):
    """Convert a callable's output to a tensor of ``graph`` (capturing outer tensors)."""
    t = convert_to_tensor(x, dtype=dtype) if not isinstance(x, SymbolicTensor) else x
    if isinstance(t, SymbolicTensor) and t.graph is not graph:
        t = graph.capture(t)
    return t


def new_graph(name):
    return FuncGraph(name, outer_graph=state.graph)


def differentiable(dt):
    return dt.is_floating or dt.is_complex or dt is _dt.variant or dt is _dt.resource


def union_captures(graphs):
    """The enclosing-graph values captured by any of ``graphs`` (deduplicated, in order).

    Returns (outer tensors to feed, original captured objects) - the latter differ from the
    former only for variables (the variable object vs the enclosing resource placeholder).
    """
    outer, orig, seen = [], [], set()
    for g in graphs:
        for value, _, out in g._captures.values():
            o = out if out is not None else value
            if id(o) in seen:
                continue
            seen.add(id(o))
            outer.append(o)
            orig.append(value)
    return outer, orig


def set_graph_inputs(graph, explicit, outer_caps):
    """``graph.inputs`` = its explicit placeholders + one placeholder per union capture
    (an unused one where this graph did not capture that value)."""
    own = {}
    for value, ph, out in graph._captures.values():
        own[id(out if out is not None else value)] = ph
    phs = []
    for c in outer_caps:
        ph = own.get(id(c))
        if ph is None:
            ph = graph.placeholder(c.dtype, c.shape.as_tuple() if c.dtype is not _dt.resource
                                   else (), name="unused_capture")
        phs.append(ph)
    graph.inputs = list(explicit) + phs
    graph.__dict__.pop("_cf_plan", None)


def create_recorded(op_def, args, attrs, name, orig_inputs=None):
    """Add a control-flow node; record it on active tapes with variables (not their
    resource placeholders) as inputs, so tapes watching a variable see its use inside."""
    from tensorflux._src.framework.tape import record_operation, variable_accessed

    g = state.graph
    saved = state.tapes
    state.tapes = []
    try:
        outs = g.create_op(op_def, args, attrs, name)
    finally:
        state.tapes = saved
    if not isinstance(outs, tuple):
        outs = (outs,)
    if state.tapes and outs:
        op = outs[0].op
        rec = list(op.inputs)
        if orig_inputs is not None:
            off = len(rec) - len(orig_inputs)
            for k, o in enumerate(orig_inputs):
                if getattr(o, "_is_variable", False):
                    variable_accessed(o)
                    rec[off + k] = o
        record_operation(op_def, attrs, rec, list(outs), op)
    return outs


def dense(g):
    from tensorflux._src.framework.indexed_slices import IndexedSlices

    if isinstance(g, IndexedSlices):
        return convert_to_tensor(g)
    return g
