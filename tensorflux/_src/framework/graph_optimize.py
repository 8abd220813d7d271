"""Graph optimizations run on a traced graph before it executes (a small Grappler).

``optimize(graph, feeds, fetches)`` is called once per ``ConcreteFunction`` before its
execution plan is built. It never changes the traced graph the user can see: the
passes rewrite a private copy (``OptimizedGraph``, which has what ``executor.Plan``
needs) and return it with the fetch tensors to use in it.

Passes, in order, each switched by its option name in
``tf.config.optimizer.set_experimental_options`` (``context.settings.optimizer_options``):

* ``pruning``: drop nodes that neither the fetches nor a stateful node need
  (also off when ``disable_model_pruning`` is True);
* ``constant_folding``: evaluate non-stateful nodes whose inputs are all constants and
  replace them by ``Const`` nodes (results above ``MAX_FOLDED_BYTES`` are kept as nodes);
* ``arithmetic_optimization``: remove ``x*1``, ``x+0``, ``x-0``, identities, transposes
  that cancel, reshapes and casts that change nothing (``optimize_arith.py``);
* ``common_subexpression_elimination``: nodes with the same op, inputs and attrs are
  computed once;
* ``remapping``: fuse ``MatMul``/``Conv2D`` + ``BiasAdd`` (+ activation) into
  ``_FusedMatMul``/``_FusedConv2D`` (``optimize_remap.py``), and a ``MatMul`` into the
  ``ReluGrad`` or dense optimizer update that consumes it (``optimize_remap_grad.py``).

Stateful nodes (variable reads and writes, random draws, prints) are never folded,
merged or removed, and keep their program order. A pass that fails leaves the function
unoptimized (TensorFlow's Grappler also skips a failing optimizer) and logs why.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework import context
from tensorflux._src.framework.graph import CONST, PLACEHOLDER, Operation
from tensorflux._src.framework.tensor import SymbolicTensor

settings = context.settings

MAX_FOLDED_BYTES = 1 << 20   # constant folding keeps larger results as computations
RAISE_ERRORS = False         # tests set this to see pass failures instead of a fallback

PASSES: list = []  # (option name, fn(graph, feeds, fetches) -> fetches)


# --- the rewritable copy ---------------------------------------------------------------------
class OptimizedGraph:
    """A private, rewritable copy of a traced graph: ``_ops`` in a valid execution order.

    Placeholders are the traced graph's own (they are the feeds); every other node is a
    new ``Operation`` whose outputs are new tensors.
    """

    def __init__(self, source):
        self.source = source
        self.name = source.name
        self._ops: list[Operation] = []

    def get_operations(self):
        return list(self._ops)

    def new_op(self, op_def, inputs, attrs, call_attrs, arg_spec, name, out_specs,
               like=None):
        """A new node (not yet placed in ``_ops``); ``like`` lends traceback and device."""
        op = Operation(self, op_def, name, list(inputs), attrs, call_attrs, arg_spec,
                       like.traceback if like is not None else None)
        op.outputs = [SymbolicTensor(op, i, s, d) for i, (s, d) in enumerate(out_specs)]
        if like is not None:
            op.device = like.device
            op.control_inputs = list(like.control_inputs)
        return op

    def new_const(self, value, like, name=None):
        dt = _dt.from_numpy(value.dtype) if value.dtype.kind != "O" else _dt.string
        attrs = {"value": value, "dtype": dt}
        return self.new_op(CONST, [], attrs, dict(attrs), None, name or f"{like.name}/folded",
                           [(value.shape, dt)], like)

    def __repr__(self):
        return f"<OptimizedGraph of {self.name!r}: {len(self._ops)} nodes>"


def copy_graph(graph, fetches):
    """A copy of ``graph`` and the fetches mapped into it."""
    g = OptimizedGraph(graph)
    m = {}
    for op in graph._ops:
        if op.op_def is PLACEHOLDER:
            g._ops.append(op)
            continue
        new = Operation(g, op.op_def, op.name, [m.get(id(t), t) for t in op.inputs],
                        op.attrs, op.call_attrs, op.arg_spec, op.traceback)
        new.outputs = [SymbolicTensor(new, i, t.shape, t.dtype) for i, t in
                       enumerate(op.outputs)]
        new.device = op.device
        new.control_inputs = [m.get(id(c), c) for c in op.control_inputs]
        for a, b in zip(op.outputs, new.outputs):
            m[id(a)] = b
        m[id(op)] = new
        g._ops.append(new)
    return g, [None if t is None else m.get(id(t), t) for t in fetches]


# --- helpers shared by passes ----------------------------------------------------------------
def live_ops(g, fetches):
    """Ids of the nodes the fetches or a stateful node need (what a Plan would run)."""
    from tensorflux._src.framework.executor import needed_ops

    return {id(op) for op in needed_ops(g, fetches)}


def resolve(rep, t):
    """Follow the replacement map ``rep`` (id(tensor) -> tensor) to the final tensor."""
    while True:
        n = rep.get(id(t))
        if n is None:
            return t
        t = n


def apply_replacements(op, rep):
    """Rewrite ``op``'s inputs through ``rep``; True if any changed."""
    changed = False
    for i, t in enumerate(op.inputs):
        n = resolve(rep, t)
        if n is not t:
            op.inputs[i] = n
            changed = True
    return changed


def const_value(t):
    """The value of ``t`` when it is produced by a Const node, else None."""
    op = t.op
    return op.attrs["value"] if op.op_def is CONST else None


def has_nested_function(op):
    """Nodes holding a graph or a callable (control flow) are treated as opaque."""
    for v in op.attrs.values():
        if callable(v) or hasattr(v, "_ops") or hasattr(v, "graph"):
            return True
    return False


def kernel_args(op, values):
    """Kernel positional args from the flat input values (lists for list inputs)."""
    if op.arg_spec is None:
        return list(values)
    return [values[s] if isinstance(s, int) else list(values[s[0]:s[1]]) for s in op.arg_spec]


# --- the driver ------------------------------------------------------------------------------
def _enabled(opts, option):
    if option == "pruning":
        return opts.get("pruning", True) and not opts.get("disable_model_pruning", False)
    return opts.get(option, True)


def optimize(graph, feeds, fetches):
    """Run the enabled passes on a copy of ``graph``; returns (graph to run, fetches)."""
    opts = settings.optimizer_options
    if opts.get("disable_meta_optimizer", False):
        return graph, fetches
    _load_passes()
    active = [(name, fn) for name, fn in PASSES if _enabled(opts, name)]
    if not active or len(graph._ops) <= len(feeds):
        return graph, fetches
    try:
        g, new_fetches = copy_graph(graph, fetches)
        for name, fn in active:
            before = live_ops(g, new_fetches)
            dead_before = {id(op) for op in g._ops if id(op) not in before}
            new_fetches = fn(g, feeds, new_fetches)
            if name != "pruning":
                # Remove only what this rewrite made dead (or created dead); pruning owns
                # the nodes that were dead in the traced graph.
                after = live_ops(g, new_fetches)
                g._ops = [op for op in g._ops if id(op) in after or id(op) in dead_before
                          or op.op_def is PLACEHOLDER]
    except Exception as e:  # noqa: BLE001 - an optimizer bug must not break the program
        if RAISE_ERRORS:
            raise
        import logging

        logging.getLogger("tensorflux").warning(
            "Graph optimization of %r failed (%s: %s); running it unoptimized.",
            graph.name, type(e).__name__, e)
        return graph, fetches
    return g, new_fetches


_loaded = []


def _load_passes():
    if _loaded:
        return
    _loaded.append(True)
    from tensorflux._src.framework import optimize_arith, optimize_remap, optimize_remap_grad

    PASSES[:] = [
        ("pruning", prune),
        ("constant_folding", fold_constants),
        ("arithmetic_optimization", optimize_arith.simplify),
        ("common_subexpression_elimination", eliminate_common_subexpressions),
        ("remapping", optimize_remap.remap),
        ("remapping", optimize_remap_grad.remap_grad),
    ]


# --- pruning ---------------------------------------------------------------------------------
def prune(g, feeds, fetches):
    """Drop nodes that neither a fetch nor a stateful node needs (placeholders stay)."""
    live = live_ops(g, fetches)
    g._ops = [op for op in g._ops if id(op) in live or op.op_def is PLACEHOLDER]
    return fetches


# --- constant folding ------------------------------------------------------------------------
def _static_nbytes(t):
    dims = t.shape.as_tuple()
    if dims is None or any(d is None for d in dims):
        return 0
    try:
        size = t.dtype.size
    except (TypeError, AttributeError):
        size = 8
    return int(np.prod(dims, dtype=np.int64)) * size


def _foldable(op):
    od = op.op_def
    return not (od.stateful or od is CONST or od is PLACEHOLDER or od.kernel is None
                or not op.outputs or has_nested_function(op)
                or any(t.dtype in (_dt.resource, _dt.variant) for t in op.outputs)
                or any(t.op.op_def is not CONST for t in op.inputs))


def _as_result(v, t):
    """The folded value for output ``t``, or None if it is not exactly right."""
    if isinstance(v, np.generic):
        v = np.asarray(v)
    if not isinstance(v, np.ndarray):
        return None
    if t.dtype is _dt.string:
        ok = v.dtype.kind == "O"
    else:
        try:
            ok = v.dtype == t.dtype.np_dtype
        except TypeError:
            ok = False
    if not ok or v.nbytes > MAX_FOLDED_BYTES:
        return None
    if not t.shape.is_compatible_with(v.shape):
        return None
    return v


# Ops whose result depends only on their input's static shape and dtype (Grappler's
# "materialize shapes"): with a fully known shape they fold without the input's value.
_SHAPE_ONLY = frozenset(("Shape", "Size", "Rank", "OnesLike", "ZerosLike"))


def _shape_only_input(op):
    """A stand-in for the single input of a shape-only node, or None."""
    if op.type not in _SHAPE_ONLY or len(op.inputs) != 1 or op.op_def.stateful:
        return None
    t = op.inputs[0]
    dims = t.shape.as_tuple()
    if dims is None or any(d is None for d in dims) or t.dtype in (_dt.string, _dt.resource,
                                                                      _dt.variant):
        return None
    if _static_nbytes(t) > MAX_FOLDED_BYTES:
        return None
    return np.zeros(dims, t.dtype.np_dtype)


def fold_constants(g, feeds, fetches):
    """Replace non-stateful nodes whose inputs are all constants (or, for shape-only ops,
    whose input shape is static) by their values."""
    rep = {}
    out = []
    for op in g._ops:
        apply_replacements(op, rep)
        out.append(op)
        if any(_static_nbytes(t) > MAX_FOLDED_BYTES for t in op.outputs):
            continue
        stand_in = _shape_only_input(op)
        if stand_in is not None and not op.control_inputs:
            args = kernel_args(op, [stand_in])
        elif _foldable(op):
            args = kernel_args(op, [t.op.attrs["value"] for t in op.inputs])
        else:
            continue
        try:
            with np.errstate(all="ignore"):
                r = op.op_def.kernel(*args, **op.call_attrs) if op.call_attrs else \
                    op.op_def.kernel(*args)
        except Exception:  # noqa: BLE001 - the error is reported when the node runs
            continue
        vals = [r] if op.op_def.fixed_num_outputs == 1 else list(r)
        if len(vals) != len(op.outputs):
            continue
        res = [_as_result(v, t) for v, t in zip(vals, op.outputs)]
        if any(v is None for v in res):
            continue
        name = op.name
        for t, v in zip(op.outputs, res):
            c = g.new_const(v, op, name=name if len(res) == 1 else f"{name}/folded_{t.value_index}")
            out.append(c)
            rep[id(t)] = c.outputs[0]
    g._ops = out
    return [None if t is None else resolve(rep, t) for t in fetches]


# --- common subexpression elimination --------------------------------------------------------
class _Unhashable(Exception):
    pass


def _freeze(v):
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O" or v.nbytes > MAX_FOLDED_BYTES:
            raise _Unhashable
        return ("nd", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (list, tuple)):
        return (type(v).__name__,) + tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return ("dict",) + tuple((k, _freeze(v[k])) for k in sorted(v, key=repr))
    if isinstance(v, float) and v != v:
        return ("nan",)
    try:
        hash(v)
    except TypeError:
        raise _Unhashable from None
    if callable(v) or hasattr(v, "_ops"):
        raise _Unhashable
    return (type(v).__name__, v)


def _cse_key(op):
    od = op.op_def
    if od.stateful or od is PLACEHOLDER or od.kernel is None:
        return None
    try:
        attrs = _freeze(op.attrs)
    except _Unhashable:
        return None
    return (od.name, tuple((id(t.op), t.value_index) for t in op.inputs), attrs,
            tuple(sorted(id(c) for c in op.control_inputs)), op.device)


def eliminate_common_subexpressions(g, feeds, fetches):
    """Compute identical non-stateful nodes (same op, inputs, attrs) only once."""
    rep = {}
    seen = {}
    for op in g._ops:
        apply_replacements(op, rep)
        if op.control_inputs:
            op.control_inputs = [seen.get(id(c), c) for c in op.control_inputs]
        key = _cse_key(op)
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = op
            continue
        for a, b in zip(op.outputs, first.outputs):
            rep[id(a)] = b
        seen[id(op)] = first  # control dependencies on the duplicate move to the original
    return [None if t is None else resolve(rep, t) for t in fetches]
