"""``tf.cond``, ``tf.switch_case`` and ``tf.case``: the ``If`` and ``Case`` ops.

Eagerly the predicate is evaluated and one branch is called (plain Python, so tapes see
the ops it runs). While tracing, every branch is traced into a ``FuncGraph`` (see
control_flow_util.py); all branches take the union of their captures as inputs and must
return the same structure of tensors with the same dtypes. The kernel runs the selected
branch graph with a cached executor Plan.

Gradient: an ``If``/``Case`` over the gradient graphs of the branches. Each gradient
branch inlines its forward branch (recomputing the intermediates it needs) and runs the
backward pass over those ops; it takes the forward inputs and the output gradients and
returns one gradient per differentiable forward input (zeros where that branch does not
use the input), so the selected branch's gradient is the gradient of the op.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework import context
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import control_flow_util as cfu

state = context.state


# ---- kernels and shape rule --------------------------------------------------------------------


def _run(graph, inputs):
    return tuple(cfu.plan_for(graph).run(list(inputs)))


def _if_kernel(cond, input, then_branch=None, else_branch=None, **_):  # noqa: A002
    c = np.asarray(cond)
    if c.size != 1:
        raise errors.InvalidArgumentError(
            None, None, f"The predicate of If must be a scalar, got shape {list(c.shape)}")
    return _run(then_branch if bool(c.reshape(())) else else_branch, input)


def _case_kernel(branch_index, input, branches=None, **_):  # noqa: A002
    i = int(np.asarray(branch_index).reshape(()))
    if not 0 <= i < len(branches):
        i = len(branches) - 1  # TensorFlow's Case runs the last branch when out of range
    return _run(branches[i], input)


def _infer(ic):
    return [(s, d) for s, d in zip(ic.attrs["output_shapes"], ic.attrs["Tout"])]


def _cond_grad(op, *grads):
    if op.type == "If":
        graphs = [op.get_attr("then_branch"), op.get_attr("else_branch")]
    else:
        graphs = list(op.get_attr("branches"))
    return build_cond_grad(op, graphs, grads)


IF = defop("If", _if_kernel, inputs=("cond: Tcond", "input: list"),
           outputs=("output: num_outputs*T",), types={"Tcond": (), "T": ()},
           attrs={"then_branch": None, "else_branch": None, "Tout": (), "output_shapes": (),
                  "num_outputs": 0}, infer=_infer, grad=_cond_grad, stateful=True,
           doc="Runs then_branch or else_branch (traced graphs) on the inputs.")
CASE = defop("Case", _case_kernel, inputs=("branch_index: int32", "input: list"),
             outputs=("output: num_outputs*T",), types={"T": ()},
             attrs={"branches": (), "Tout": (), "output_shapes": (), "num_outputs": 0},
             infer=_infer, grad=_cond_grad, stateful=True,
             doc="Runs branches[branch_index] (the last one when out of range).")


# ---- building the op ---------------------------------------------------------------------------


def _trace_branch(fn, name):
    g = cfu.new_graph(name)
    with g.as_default():
        out = fn()
        flat = cfu.flatten_vars(out)
        tensors = [None if cfu.is_none_like(x) else cfu.to_graph_tensor(x, g) for x in flat]
    return g, out, tensors


def _mismatch(names, op_name, outs, i, detail):
    return TypeError(
        f"{names[0]} and {names[i]} arguments to {op_name} must have the same number, type, "
        f"and overall structure of return values.\n\n{names[0]} output: {outs[0]!r}\n"
        f"{names[i]} output: {outs[i]!r}\n\nError details:\n{detail}")


def _build(op_def, selector, fns, names, op_name, name):
    traced = [_trace_branch(fn, f"{op_name.split('.')[-1]}_{nm}") for fn, nm in
              zip(fns, names)]
    graphs = [t[0] for t in traced]
    outs = [t[1] for t in traced]
    flats = [t[2] for t in traced]
    for i in range(1, len(traced)):
        try:
            nest.assert_same_structure(outs[0], outs[i], check_types=False)
        except (ValueError, TypeError) as e:
            raise _mismatch(names, op_name, outs, i, str(e)) from None
        for a, b in zip(flats[0], flats[i]):
            if (a is None) != (b is None):
                raise _mismatch(names, op_name, outs, i, "one branch returns None where the "
                                "other returns a tensor")
            if a is not None and a.dtype != b.dtype:
                raise _mismatch(names, op_name, outs, i, f"{a!r} and {b!r} have different types")
    live = [k for k, t in enumerate(flats[0]) if t is not None]
    for g, fl in zip(graphs, flats):
        g.outputs = [fl[k] for k in live]
        g.structured_outputs = g.outputs
    result = _make_op(op_def, selector, graphs, [], [], name)
    flat = [None] * len(flats[0])
    for k, t in zip(live, result):
        flat[k] = t
    return cfu.pack_vars(outs[0], flat)


def _make_op(op_def, selector, graphs, explicit_phs, explicit_inputs, name):
    """Create an If/Case node over ``graphs`` (outputs and explicit placeholders set)."""
    caps, orig = cfu.union_captures(graphs)
    for g, phs in zip(graphs, explicit_phs or [[] for _ in graphs]):
        cfu.set_graph_inputs(g, phs, caps)
    shapes = []
    for k, t in enumerate(graphs[0].outputs):
        s = t.shape
        for g in graphs[1:]:
            s = s.most_specific_compatible_shape(g.outputs[k].shape)
        shapes.append(s.as_tuple())
    attrs = {"Tout": tuple(t.dtype for t in graphs[0].outputs), "output_shapes": tuple(shapes),
             "num_outputs": len(shapes)}
    if op_def is IF:
        attrs["then_branch"], attrs["else_branch"] = graphs
    else:
        attrs["branches"] = tuple(graphs)
    inputs = list(explicit_inputs) + caps
    outs = cfu.create_recorded(op_def, (selector, inputs), attrs, name,
                               [None] * len(explicit_inputs) + orig)
    return list(outs)


def build_cond_grad(op, graphs, grads):
    """Gradient of an If/Case node: an If/Case over the branches' gradient graphs."""
    from tensorflux._src.framework.function_inline import graph_entries, inline_function
    from tensorflux._src.framework.tape import backward
    from tensorflux._src.ops import array_ops

    xs_outer = list(op.inputs[1:])
    live = [k for k, (o, g) in enumerate(zip(op.outputs, grads))
            if g is not None and cfu.differentiable(o.dtype)]
    if not live:
        return [None] * len(op.inputs)
    gys_outer = [cfu.dense(grads[k]) for k in live]
    diff = [i for i, x in enumerate(xs_outer) if cfu.differentiable(x.dtype)]
    ggraphs, phs, results = [], [], []
    for fg in graphs:
        gg = cfu.new_graph(fg.name + "_grad")
        with gg.as_default():
            xs = [gg.placeholder(x.dtype, x.shape.as_tuple(), "x") for x in fg.inputs]
            outs = inline_function(fg, xs)
            gys = [gg.placeholder(g.dtype, g.shape.as_tuple(), "dy") for g in gys_outer]
            res = backward(graph_entries(gg), [outs[k] for k in live], gys,
                           [xs[i] for i in diff])
            res = [None if r is None else cfu.dense(r) for r in res]
        ggraphs.append(gg)
        phs.append(xs + gys)
        results.append(res)
    keep = []  # positions in diff with a gradient in some branch
    for j, i in enumerate(diff):
        present = [r[j] for r in results if r[j] is not None]
        if not present:
            continue
        keep.append(i)
        for gg, res, p in zip(ggraphs, results, phs):
            if res[j] is None:
                with gg.as_default():
                    x = p[i]
                    if x.dtype is _dt.resource:
                        from tensorflux._src.framework.variables import READ

                        value = gg.create_op(READ, [x], {"dtype": present[0].dtype})
                        res[j] = array_ops.zeros_like(value)
                    else:
                        res[j] = array_ops.zeros_like(x)
    for gg, res in zip(ggraphs, results):
        gg.outputs = [res[diff.index(i)] for i in keep]
        gg.structured_outputs = gg.outputs
    if not keep:
        return [None] * len(op.inputs)
    out = _make_op(op.op_def, op.inputs[0], ggraphs, phs, xs_outer + gys_outer, None)
    grads_in = [None] * len(op.inputs)
    for i, t in zip(keep, out):
        grads_in[1 + i] = t
    return grads_in


# ---- public API ----------------------------------------------------------------------------


def _check_scalar_pred(pred, what="pred"):
    s = pred.shape
    if s.rank is not None and s.rank != 0 and s.num_elements() != 1:
        raise ValueError(f"Shape must be rank 0 but is rank {s.rank} for '{what}' of tf.cond "
                         f"(shape {s}): the predicate must be a scalar boolean tensor.")


def cond(pred, true_fn=None, false_fn=None, name=None):
    """Return ``true_fn()`` if the predicate ``pred`` is true else ``false_fn()``.

    Example:
        >>> import tensorflux as tf
        >>> x, y = tf.constant(2.0), tf.constant(5.0)
        >>> float(tf.cond(tf.constant(True), lambda: tf.add(x, y), lambda: tf.multiply(x, y)))
        7.0
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    if state.graph is None:
        if isinstance(pred, (bool, np.bool_)):
            return true_fn() if pred else false_fn()
        p = convert_to_tensor(pred)
        v = np.asarray(p._value)
        if v.size != 1:
            raise errors.InvalidArgumentError(
                None, None, f"The `pred` argument to tf.cond must be a scalar, got shape "
                f"{list(v.shape)}")
        if p.dtype != _dt.bool and v.dtype.kind not in "iu":
            raise TypeError(f"`pred` must be a Tensor, or a Python bool, or 1 or 0. Found "
                            f"instead: {pred!r}")
        return true_fn() if bool(v.reshape(())) else false_fn()
    p = convert_to_tensor(pred)
    if p.dtype != _dt.bool:
        raise TypeError(f"pred must be a boolean tensor, got {p.dtype.name}: {p!r}")
    _check_scalar_pred(p)
    return _build(IF, p, [true_fn, false_fn], ["true_fn", "false_fn"], "tf.cond",
                  name or "cond")


def _canonical_branches(branch_fns):
    if isinstance(branch_fns, dict):
        items = list(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)) and branch_fns and all(
            isinstance(b, (list, tuple)) for b in branch_fns):
        items = [tuple(b) for b in branch_fns]
    elif isinstance(branch_fns, (list, tuple)):
        items = list(enumerate(branch_fns))
    else:
        raise TypeError("branch_fns must be a list, tuple, or dict")
    if not items:
        raise ValueError("Must provide at least one item in branch_fns")
    for k, fn in items:
        if not isinstance(k, int):
            raise TypeError(f"key must be a Python `int`, got {type(k).__name__}")
        if not callable(fn):
            raise TypeError(f"fn for key {k} must be callable.")
    keys = sorted(k for k, _ in items)
    if keys != list(range(len(items))):
        raise ValueError(f"branch indices (keys) must form contiguous range of [0 to "
                         f"{len(items)}) but found {{{', '.join(map(str, keys))}}}")
    return [fn for _, fn in sorted(items, key=lambda kv: kv[0])]


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs ``branch_fns[branch_index]``; ``default`` (or the last branch) when out of range.

    Example:
        >>> import tensorflux as tf
        >>> f = [lambda: tf.constant(10), lambda: tf.constant(20)]
        >>> int(tf.switch_case(tf.constant(1), f))
        20
    """
    fns = _canonical_branches(branch_fns)
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    idx = convert_to_tensor(branch_index)
    if idx.dtype not in (_dt.int32, _dt.int64):
        raise TypeError(f"branch_index must be an integer Tensor, got {idx.dtype.name}")
    if idx.shape.rank not in (None, 0):
        raise ValueError(f"branch_index should be a scalar (rank 0) but got rank "
                         f"{idx.shape.rank}")
    if default is not None:
        fns = fns + [default]
    if state.graph is None:
        i = int(idx._value)
        return fns[i if 0 <= i < len(fns) else -1]()
    if idx.dtype != _dt.int32:
        from tensorflux._src.ops.math_ops import cast

        idx = cast(idx, _dt.int32)
    names = [f"branches[{i}]" for i in range(len(fns))]
    return _build(CASE, idx, fns, names, "tf.switch_case", name or "switch_case")


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """Runs the fn of the first pair whose predicate is true, else ``default``.

    Without ``default`` the last pair's fn is the default. With ``exclusive=True`` more than
    one true predicate is an error (checked when the predicates are known: eagerly).

    Example:
        >>> import tensorflux as tf
        >>> x = tf.constant(3)
        >>> r = tf.case([(tf.constant(False), lambda: tf.constant(1)),
        ...              (tf.constant(True), lambda: tf.constant(2))],
        ...             default=lambda: tf.constant(0))
        >>> int(r)
        2
    """
    if isinstance(pred_fn_pairs, dict):
        pairs = list(pred_fn_pairs.items())
    elif isinstance(pred_fn_pairs, (list, tuple)):
        pairs = list(pred_fn_pairs)
    else:
        raise TypeError("fns must be a list, tuple, or dict")
    preds = []
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple, got {pair!r}")
        p, fn = pair
        p = convert_to_tensor(p) if not isinstance(p, Tensor) else p
        if p.dtype != _dt.bool:
            raise TypeError(f"pred must be Tensor of type bool: {p!r}")
        if not callable(fn):
            raise TypeError(f"fn for pred {p!r} must be callable.")
        preds.append((p, fn))
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    if not preds:
        if default is None:
            raise ValueError("No predicates and no default given to tf.case.")
        return default()
    if state.graph is None:
        vals = [bool(np.asarray(p._value).reshape(())) for p, _ in preds]
        if exclusive and sum(vals) > 1:
            raise errors.InvalidArgumentError(
                None, None, "More than one condition evaluated as True but exclusive=True. "
                f"Conditions: ({', '.join(repr(p) for p, _ in preds)}), Values: {vals}")
        for v, (_, fn) in zip(vals, preds):
            if v:
                return fn()
        if default is None:
            raise errors.InvalidArgumentError(
                None, None, "None of the conditions evaluated as True. Conditions: "
                f"({', '.join(repr(p) for p, _ in preds)}), Values: {vals}")
        return default()
    if default is None:
        preds, default = preds[:-1], preds[-1][1]
    fn = default
    for p, f in reversed(preds):
        fn = _chain(p, f, fn, name)
    return fn()


def _chain(p, f, rest, name):
    return lambda: cond(p, f, rest, name=name)
