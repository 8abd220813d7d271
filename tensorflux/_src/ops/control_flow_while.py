"""``tf.while_loop``: the ``While`` op and its gradient.

Eagerly the loop is a Python loop (the ops inside are recorded on tapes as usual).

While tracing, ``cond`` and ``body`` are traced into FuncGraphs taking the flat loop
variables (TensorArrays as their variant flow) followed by the union of both graphs'
captures. As in TensorFlow's while_v2, the node's inputs are
``[loop_counter, maximum_iterations] + loop_vars + captures`` (maximum_iterations -1:
unbounded) and its outputs are the same values after the loop, plus one variant output:
the loop variables that entered each iteration.

Saving iterations costs memory, so it is off until a gradient needs it: the gradient rule
flips the forward node's ``save_iterations`` attr (in the dict its kernel is called with;
the graph only runs after tracing, so the flag is set before the first run). The gradient
is a ``WhileGrad`` node whose kernel runs one Plan of the body's gradient graph once per
saved iteration, in reverse, carrying the loop-variable gradients and accumulating the
gradients of captured tensors (and variables). Integer loop variables and the counter get
None gradients. Differentiating a ``WhileGrad`` again (second order through a traced
loop) is not supported; eager loops have no such limit.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.core.op_def import defop
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework import context
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.ops import control_flow_util as cfu

state = context.state


class SavedIterations:
    """Variant value: the loop variables entering each iteration (None when not saved)."""

    __slots__ = ("items",)
    dtype = _dt.variant
    shape = ()
    ndim = 0
    size = 1
    __array_ufunc__ = None

    def __init__(self, items):
        self.items = items

    def __array_function__(self, func, types, args, kwargs):
        if func is np.zeros_like:
            return SavedIterations(None)
        return NotImplemented

    def __add__(self, other):
        return self

    __radd__ = __add__


def _while_kernel(input, cond=None, body=None, num_loop_vars=0,  # noqa: A002
                  save_iterations=False, **_):
    n = num_loop_vars
    counter = int(np.asarray(input[0]))
    maxit = int(np.asarray(input[1]))
    lv = list(input[2:2 + n])
    caps = list(input[2 + n:])
    cplan = cfu.plan_for(cond)
    bplan = cfu.plan_for(body)
    saved = [] if save_iterations else None
    while maxit < 0 or counter < maxit:
        c = np.asarray(cplan.run(lv + caps)[0])
        if not bool(c.reshape(())):
            break
        if saved is not None:
            saved.append(tuple(lv))
        lv = bplan.run(lv + caps)
        counter += 1
    return (np.int32(counter), input[1], *lv, *caps, SavedIterations(saved))


def _while_infer(ic):
    return [(s, d) for s, d in zip(ic.attrs["output_shapes"], ic.attrs["Tout"])]


def _while_grad_kernel(iterations, captures, grads, body_grad=None, num_var_grads=0,
                       cap_index=(), **_):
    if iterations.items is None:
        raise errors.InternalError(None, None, "While gradient: the forward loop did not save "
                                   "its iterations.")
    plan = cfu.plan_for(body_grad)
    g = list(grads)
    acc = [None] * len(cap_index)
    caps = list(captures)
    for lv in reversed(iterations.items):
        out = plan.run(list(lv) + caps + g)
        g = out[:num_var_grads]
        for j, c in enumerate(out[num_var_grads:]):
            acc[j] = c if acc[j] is None else acc[j] + c
    for j, ci in enumerate(cap_index):
        if acc[j] is None:
            c = caps[ci]
            acc[j] = np.zeros_like(c._value if getattr(c, "_is_variable", False) else c)
    return tuple(g + acc)


def _no_second_order(op, *grads):
    raise errors.UnimplementedError(
        None, None, "Second-order gradients through a tf.while_loop traced in tf.function are "
        "not supported; compute them eagerly or with nested tapes outside tf.function.")


def _save_iterations(op):
    """Make the forward node record each iteration's loop vars (its gradient reads them)."""
    op.attrs["save_iterations"] = True
    if getattr(op, "call_attrs", None) is not None:
        op.call_attrs["save_iterations"] = True


def _while_grad(op, *grads):
    from tensorflux._src.framework.function_inline import graph_entries, inline_function
    from tensorflux._src.framework.tape import backward
    from tensorflux._src.ops import array_ops

    n = op.get_attr("num_loop_vars")
    _save_iterations(op)
    body = op.get_attr("body")
    vars_in = list(op.inputs[2:2 + n])
    caps_in = list(op.inputs[2 + n:])
    dv = [i for i in range(n) if cfu.differentiable(vars_in[i].dtype)]
    dc = [j for j in range(len(caps_in)) if cfu.differentiable(caps_in[j].dtype)]
    if not dv:
        return [None] * len(op.inputs)
    gys_outer = []
    for i in dv:
        g = grads[2 + i]
        gys_outer.append(cfu.dense(g) if g is not None else array_ops.zeros_like(op.outputs[2 + i]))
    gg = cfu.new_graph(body.name + "_grad")
    with gg.as_default():
        xs = [gg.placeholder(x.dtype, x.shape.as_tuple(), "x") for x in body.inputs]
        outs = inline_function(body, xs)
        gys = [gg.placeholder(g.dtype, xs[i].shape.as_tuple(), "dy")
               for g, i in zip(gys_outer, dv)]
        res = backward(graph_entries(gg), [outs[i] for i in dv], gys,
                       [xs[i] for i in dv] + [xs[n + j] for j in dc])
        res = [None if r is None else cfu.dense(r) for r in res]
        var_grads = [r if r is not None else array_ops.zeros_like(xs[i])
                     for r, i in zip(res[:len(dv)], dv)]
        cap_grads = res[len(dv):]
    kept = [j for j, r in zip(dc, cap_grads) if r is not None]
    gg.inputs = xs + gys
    gg.outputs = var_grads + [r for r in cap_grads if r is not None]
    gg.structured_outputs = gg.outputs
    if gg._captures:
        raise errors.InternalError(None, None, "While gradient graph captured outer values")
    out_shapes = tuple([vars_in[i].shape.as_tuple() for i in dv] +
                       [t.shape.as_tuple() for t in gg.outputs[len(dv):]])
    attrs = {"body_grad": gg, "num_var_grads": len(dv), "cap_index": tuple(kept),
             "Tout": tuple(t.dtype for t in gg.outputs), "output_shapes": out_shapes,
             "num_outputs": len(gg.outputs)}
    res_t = cfu.create_recorded(WHILE_GRAD, (op.outputs[-1], caps_in, gys_outer), attrs,
                                None)
    grads_in = [None] * len(op.inputs)
    for k, i in enumerate(dv):
        grads_in[2 + i] = res_t[k]
    for k, j in enumerate(kept):
        grads_in[2 + n + j] = res_t[len(dv) + k]
    return grads_in


WHILE = defop("While", _while_kernel, inputs=("input: list",),
              outputs=("output: num_outputs*T",), types={"T": ()},
              attrs={"cond": None, "body": None, "num_loop_vars": 0, "Tout": (),
                     "output_shapes": (), "num_outputs": 0, "parallel_iterations": 10,
                     "save_iterations": False},
              infer=_while_infer, grad=_while_grad, stateful=True,
              prepare_gradient=_save_iterations,
              doc="Runs body while cond holds; inputs [counter, max_iters] + vars + captures.")
WHILE_GRAD = defop("WhileGrad", _while_grad_kernel,
                   inputs=("iterations: variant", "captures: list", "grads: list"),
                   outputs=("output: num_outputs*T",), types={"T": ()},
                   attrs={"body_grad": None, "num_var_grads": 0, "cap_index": (), "Tout": (),
                          "output_shapes": (), "num_outputs": 0},
                   infer=_while_infer, grad=_no_second_order, stateful=True,
                   doc="Backpropagates through the saved iterations of a While node.")


# ---- tf.while_loop ---------------------------------------------------------------------------


def _shape_le(s1, s2):
    """TensorFlow's _ShapeLessThanOrEqual: s1 at least as specific as s2."""
    if s2.rank is None:
        return True
    if s1.rank != s2.rank:
        return False
    return all(d2 is None or d1 == d2 for d1, d2 in zip(s1.as_list(), s2.as_list()))


def _call(fn, args, packed):
    return fn(*args) if packed else fn(args)


def _normalize_body_out(out, loop_vars, packed):
    if packed and len(loop_vars) == 1 and not nest.is_nested(out):
        out = type(loop_vars)([out]) if isinstance(loop_vars, list) else (out,)
    try:
        nest.assert_same_structure(loop_vars, out, check_types=False)
    except (ValueError, TypeError) as e:
        raise ValueError(f"The body of tf.while_loop must return the same structure as "
                         f"loop_vars.\n{e}") from None
    return nest.pack_sequence_as(loop_vars, nest.flatten(out))


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeat ``body`` while the condition ``cond`` is true.

    ``loop_vars`` is a (possibly nested) structure of tensors and TensorArrays; ``cond`` and
    ``body`` take its elements as positional arguments and ``body`` returns the same
    structure. The result has the structure of ``loop_vars``.

    Example:
        >>> import tensorflux as tf
        >>> r = tf.while_loop(lambda i, s: True, lambda i, s: (tf.add(i, 1), tf.add(s, i)),
        ...                   (tf.constant(0), tf.constant(0)), maximum_iterations=5)
        >>> [int(t) for t in r]
        [5, 10]
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if loop_vars is None or (nest.is_nested(loop_vars) and not nest.flatten(loop_vars)):
        raise ValueError("'loop_vars' must be provided.")
    packed = isinstance(loop_vars, (list, tuple))
    loop_vars = nest.map_structure(
        lambda v: v.value() if getattr(v, "_is_variable", False) else v, loop_vars)
    if shape_invariants is not None:
        try:
            nest.assert_same_structure(loop_vars, shape_invariants, check_types=False)
        except (ValueError, TypeError):
            flat_inv = nest.flatten(shape_invariants)
            if len(flat_inv) != len(nest.flatten(loop_vars)):
                raise ValueError("shape_invariants must have the same structure as "
                                 "loop_vars") from None
    if state.graph is None:
        return _eager_loop(cond, body, loop_vars, packed, maximum_iterations, back_prop)
    return _graph_loop(cond, body, loop_vars, packed, shape_invariants, maximum_iterations,
                       parallel_iterations, back_prop, name)


def _eager_loop(cond, body, loop_vars, packed, maximum_iterations, back_prop):
    maxit = None if maximum_iterations is None else int(np.asarray(maximum_iterations))
    lv = nest.map_structure(
        lambda v: v if cfu.is_tensor_array(v) else convert_to_tensor(v), loop_vars)
    i = 0
    while maxit is None or i < maxit:
        if not bool(_call(cond, lv, packed)):
            break
        lv = _normalize_body_out(_call(body, lv, packed), lv, packed)
        lv = nest.map_structure(
            lambda v: v if cfu.is_tensor_array(v) else convert_to_tensor(v), lv)
        i += 1
    if not back_prop:
        from tensorflux._src.ops.array_ops import stop_gradient

        lv = nest.map_structure(lambda v: v if cfu.is_tensor_array(v) else stop_gradient(v), lv)
    return lv


def _graph_loop(cond, body, loop_vars, packed, shape_invariants, maximum_iterations,
                parallel_iterations, back_prop, name):
    flat_in = [convert_to_tensor(v) for v in cfu.flatten_vars(loop_vars)]
    n = len(flat_in)
    if shape_invariants is not None:
        inv = [TensorShape(s) if not cfu.is_tensor_array(v) else TensorShape(())
               for s, v in zip(nest.flatten(shape_invariants), nest.flatten(loop_vars))]
    else:
        inv = [t.shape for t in flat_in]
    for t, s in zip(flat_in, inv):
        if not t.shape.is_compatible_with(s):
            raise ValueError(
                f"The shape invariant specified for {t.name} is not compatible with the initial "
                f"shape of the loop variable. It enters the loop with shape {t.shape}, but the "
                f"specified shape invariant is {s}.")
    cg = cfu.new_graph("while_cond")
    with cg.as_default():
        phs = [cg.placeholder(t.dtype, s.as_tuple(), "loop_var") for t, s in zip(flat_in, inv)]
        c = _call(cond, cfu.pack_vars(loop_vars, phs), packed)
        c = cfu.to_graph_tensor(c, cg)
        if c.dtype != _dt.bool:
            raise TypeError(f"The condition of tf.while_loop must return a boolean scalar "
                            f"tensor, got dtype {c.dtype.name}")
        if c.shape.rank not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {c.shape.rank}: the condition "
                             "of tf.while_loop must return a scalar")
        cg.outputs = [c]
    cond_phs = phs
    bg = cfu.new_graph("while_body")
    with bg.as_default():
        phs = [bg.placeholder(t.dtype, s.as_tuple(), "loop_var") for t, s in zip(flat_in, inv)]
        args = cfu.pack_vars(loop_vars, phs)
        out = _normalize_body_out(_call(body, args, packed), args, packed)
        flat_out = cfu.flatten_vars(out)
        flat_out = [cfu.to_graph_tensor(o, bg, dtype=None) for o in flat_out]
    for o, t, s in zip(flat_out, flat_in, inv):
        if o.dtype != t.dtype:
            raise TypeError(f"Loop var {t.name} enters the loop with type {t.dtype!r}, but has "
                            f"type {o.dtype!r} after 1 iteration.")
        if not _shape_le(o.shape, s):
            raise ValueError(
                f"Input tensor `{t.name}` enters the loop with shape {s}, but has shape "
                f"{o.shape} after one iteration. To allow the shape to vary across iterations, "
                "use the `shape_invariants` argument of tf.while_loop to specify a "
                "less-specific shape.")
    bg.outputs = flat_out
    bg.structured_outputs = flat_out
    caps, orig = cfu.union_captures([cg, bg])
    cfu.set_graph_inputs(cg, cond_phs, caps)
    cfu.set_graph_inputs(bg, phs, caps)
    maxit = convert_to_tensor(-1 if maximum_iterations is None else maximum_iterations)
    if maxit.dtype != _dt.int32:
        from tensorflux._src.ops.math_ops import cast

        maxit = cast(maxit, _dt.int32)
    counter = convert_to_tensor(np.int32(0))
    dts = [_dt.int32, _dt.int32] + [t.dtype for t in flat_in] + [c.dtype for c in caps] + \
        [_dt.variant]
    shapes = [(), ()] + [s.as_tuple() for s in inv] + [c.shape.as_tuple() for c in caps] + [()]
    attrs = {"cond": cg, "body": bg, "num_loop_vars": n, "Tout": tuple(dts),
             "output_shapes": tuple(shapes), "num_outputs": len(dts),
             "parallel_iterations": int(parallel_iterations)}
    outs = cfu.create_recorded(WHILE, ([counter, maxit] + flat_in + caps,), attrs,
                               name or "while", [None] * (2 + n) + orig)
    results = list(outs[2:2 + n])
    if not back_prop:
        from tensorflux._src.ops.array_ops import stop_gradient

        results = [stop_gradient(r) if r.dtype.is_floating else r for r in results]
    return cfu.pack_vars(loop_vars, results, templates=out)
