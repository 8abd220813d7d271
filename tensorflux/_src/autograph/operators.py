"""Runtime of converted code (the ``ag__`` module): dispatch on the condition's type.

A symbolic tensor (inside a ``tf.function`` trace) selects graph control flow (``If``,
``While``); anything else keeps Python semantics. State is a tuple of the statement's
variables, read/written with the ``get_state``/``set_state`` closures of the generated code.
"""

from __future__ import annotations

import threading

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import nest
from tensorflux._src.framework import context
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.framework.tensor import SymbolicTensor, Tensor
from tensorflux._src.ops import control_flow_util as cfu

RETVAL = "ag__retval"
_trial = threading.local()  # .depth > 0 while a loop body runs once to type its variables


class Undefined:
    """The value of a variable not (yet) defined on every path; using it raises."""

    __slots__ = ("symbol_name", "reason")

    def __init__(self, symbol_name, reason=None):
        self.symbol_name = symbol_name
        self.reason = reason

    def _fail(self, *_, **__):
        raise UnboundLocalError(self.reason or f"local variable '{self.symbol_name}' is used "
                                f"before it is defined (it has no value on this code path).")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __array__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __neg__ = __float__ = __int__ = _fail

    def __repr__(self):
        return f"Undefined({self.symbol_name!r})"


def _undefined(x):
    return isinstance(x, Undefined)


def is_symbolic(x):
    return isinstance(x, SymbolicTensor) and context.state.graph is not None


def _tf():
    import tensorflux as tf
    return tf


# ---- expressions ----------------------------------------------------------------------------


def and_(a_fn, b_fn):
    a = a_fn()
    if is_symbolic(a):
        return _tf().cond(a, lambda: convert_to_tensor(b_fn()), lambda: a)
    return a and b_fn()


def or_(a_fn, b_fn):
    a = a_fn()
    if is_symbolic(a):
        return _tf().cond(a, lambda: a, lambda: convert_to_tensor(b_fn()))
    return a or b_fn()


def not_(a):
    if isinstance(a, Tensor) and (is_symbolic(a) or a.dtype == _dt.bool):
        return _tf().logical_not(a)
    return not a


def if_exp(cond, true_fn, false_fn):
    if is_symbolic(cond):
        return _tf().cond(cond, true_fn, false_fn)
    return true_fn() if cond else false_fn()


def assert_stmt(cond, msg_fn):
    if is_symbolic(cond):
        data = [msg_fn()] if msg_fn is not None else ["Assertion failed"]
        return _tf().debugging.Assert(cond, data)
    if not cond:
        raise AssertionError(msg_fn() if msg_fn is not None else None)
    return None


def retval(value):
    return None if _undefined(value) else value


def ldu(load, name):
    """The value of an attribute/subscript state variable, or ``Undefined`` when it has none."""
    try:
        return load()
    except (KeyError, AttributeError, NameError, IndexError):
        return Undefined(name)


# ---- if -----------------------------------------------------------------------------------


def if_stmt(cond, body, orelse, get_state, set_state, names, nouts=None):
    """``if``; the first ``nouts`` state variables are outputs, the rest only inputs."""
    if is_symbolic(cond):
        return _tf_if(cond, body, orelse, get_state, set_state, names, nouts)
    if cond:
        body()
    else:
        orelse()
    return None


def _leaves_to_graph(value, g, name, where):
    leaves = cfu.flatten_vars(value)
    out = []
    for leaf in leaves:
        try:
            out.append(cfu.to_graph_tensor(leaf, g))
        except (TypeError, ValueError) as e:
            raise TypeError(f"'{name}' is modified in a tf.cond ({where}) and must be a tensor "
                            f"or a structure of tensors, got {type(leaf).__name__}: {leaf!r}. "
                            f"({e})") from None
    return out


def _trace_branch(fn, init, set_state, get_state, names, gname, nouts):
    g = cfu.new_graph(gname)
    with g.as_default():
        set_state(init)
        fn()
        vals = get_state()
        flats = []
        for n, v, v0 in zip(names[:nouts], vals, init):
            if _undefined(v) or v is v0:
                flats.append(None if _undefined(v) else v)
                continue
            try:
                flats.append(_leaves_to_graph(v, g, n, gname))
            except TypeError:
                if not _undefined(v0):
                    raise
                flats.append(None)  # a Python object local to the branch (e.g. a tape)
    return g, vals, flats


def _no_return(where):
    return ValueError(f"the {where} branch must also have a return statement. (A `return` "
                      f"under an `if` on a tensor becomes a tf.cond output, which needs a "
                      f"value on both paths: add a return to the {where} branch or after the "
                      f"`if`.)")


def _tf_if(cond, body, orelse, get_state, set_state, names, nouts=None):
    from tensorflux._src.ops import array_ops
    from tensorflux._src.ops.control_flow_cond import IF, _check_scalar_pred, _make_op

    pred = convert_to_tensor(cond)
    if pred.dtype != _dt.bool:
        raise TypeError(f"The condition of an `if` statement converted to tf.cond must be a "
                        f"boolean tensor, got {pred.dtype.name}: {pred!r}")
    _check_scalar_pred(pred, "if condition")
    init = get_state()
    nouts = len(names) if nouts is None else nouts
    g1, v1, f1 = _trace_branch(body, init, set_state, get_state, names, "if_true", nouts)
    g2, v2, f2 = _trace_branch(orelse, init, set_state, get_state, names, "if_false", nouts)
    final = list(init)
    outs1, outs2, slots = [], [], []
    for i, n in enumerate(names[:nouts]):
        a, b = f1[i], f2[i]
        if a is None and b is None:
            final[i] = v1[i] if not _undefined(v1[i]) else Undefined(n)
            continue
        if a is init[i] and b is init[i]:
            continue  # unchanged in both branches
        with g1.as_default():
            a = _leaves_to_graph(a, g1, n, "if_true") if a is init[i] else a
        with g2.as_default():
            b = _leaves_to_graph(b, g2, n, "if_false") if b is init[i] else b
        if n == RETVAL and (v1[i] is None) != (v2[i] is None):
            raise ValueError(f"'retval_' is None at the end of the "
                             f"{'main' if v1[i] is None else 'else'} branch. (Both paths of an "
                             f"`if` on a tensor must return a tensor.)")
        if (a is None or b is None) and n == RETVAL:
            if not getattr(_trial, "depth", 0):
                raise _no_return("main" if a is None else "else")
            # Trial run of a loop body (return value undefined before the loop): only the
            # type matters, the other path gets zeros of the same type.
            g, like = (g1, f2) if a is None else (g2, f1)
            with g.as_default():
                filled = [array_ops.zeros([d or 0 for d in t.shape.as_list()], t.dtype)
                          for t in like[i]]
            a, b = (filled, b) if a is None else (a, filled)
            v = v2[i] if a is filled else v1[i]
            slots.append((i, v, len(a)))
            outs1 += a
            outs2 += b
            continue
        if a is None or b is None:
            where = "main" if a is None else "else"
            final[i] = Undefined(n, f"'{n}' must also be initialized in the {where} branch: "
                                 f"it is assigned in only one branch of an `if` on a tensor, "
                                 f"and converted code (tf.cond) needs it in both.")
            continue
        else:
            v = v1[i]
            try:
                nest.assert_same_structure(v1[i], v2[i], check_types=False)
            except (TypeError, ValueError) as e:
                raise ValueError(f"'{n}' must have the same nested structure in the main and "
                                 f"else branches of an `if` on a tensor: {e}") from None
            for x, y in zip(a, b):
                if x.dtype != y.dtype:
                    raise TypeError(f"'{n}' has dtype {x.dtype.name} in the main branch, but "
                                    f"dtype {y.dtype.name} in the else branch of an `if` on a "
                                    f"tensor; make both branches produce the same dtype.")
        slots.append((i, v, len(a)))
        outs1 += a
        outs2 += b
    for g, outs in ((g1, outs1), (g2, outs2)):
        g.outputs = outs
        g.structured_outputs = outs
    result = _make_op(IF, pred, [g1, g2], [], [], "cond") if outs1 else []
    pos = 0
    for i, template, k in slots:
        final[i] = cfu.pack_vars(template, list(result[pos:pos + k]))
        pos += k
    set_state(tuple(final))
    return None


# ---- loops -------------------------------------------------------------------------------------


def while_stmt(test, body, get_state, set_state, names, opts=None):
    cond = test()
    if is_symbolic(cond):
        return _tf_loop(names, get_state, set_state, opts, (), lambda extra: test(),
                        lambda extra: (body(), ())[1], lambda: body())
    while cond:
        body()
        cond = test()
        if is_symbolic(cond):
            # e.g. a `break` under a tensor condition: the rest of the loop runs in the graph.
            return while_stmt(test, body, get_state, set_state, names, opts)
    return None


def _python_loop_became_tensor(kind, value):
    return ValueError(f"A Python `{kind}` loop's condition became a tensor ({value!r}) after "
                      f"the first iteration. Make it a tensor from the start (e.g. create the "
                      f"loop variables with tf.constant) so that the loop is converted to "
                      f"tf.while_loop.")


def for_stmt(iter_, extra_test, body, get_state, set_state, names, opts=None):
    from tensorflux._src.data.dataset_ops import DatasetV2
    from tensorflux._src.data.iterator_ops import OwnedIterator, SymbolicIterator

    if context.state.graph is not None:
        if isinstance(iter_, (DatasetV2, OwnedIterator, SymbolicIterator)):
            return _dataset_for(iter_, extra_test, body, get_state, set_state, names, opts)
        if isinstance(iter_, SymbolicTensor):
            return _tensor_for(iter_, extra_test, body, get_state, set_state, names, opts)
    for item in iter_:
        if extra_test is not None:
            ok = extra_test()
            if is_symbolic(ok):
                raise _python_loop_became_tensor("for", ok)
            if not ok:
                break
        body(item)
    return None


def _and_extra(cond, extra_test):
    if extra_test is None:
        return cond
    e = extra_test()
    if is_symbolic(e):
        return _tf().logical_and(cond, e)
    return cond if e else convert_to_tensor(False)


def _tensor_for(t, extra_test, body, get_state, set_state, names, opts):
    from tensorflux._src.ops import array_ops

    if t.shape.rank == 0:
        raise TypeError("Cannot iterate over a scalar tensor.")
    n = t.shape[0] if t.shape.rank is not None and t.shape[0] is not None else None
    n = convert_to_tensor(np.int32(n)) if n is not None else array_ops.shape(t)[0]

    def item(i):
        return array_ops.gather(t, i)

    def trial():
        ph = context.state.graph.placeholder(t.dtype, t.shape.as_tuple()[1:], "ag__itr")
        body(ph)

    return _tf_loop(names, get_state, set_state, opts, (convert_to_tensor(np.int32(0)),),
                    lambda extra: _and_extra(extra[0] < n, extra_test),
                    lambda extra: (body(item(extra[0])), (extra[0] + 1,))[1], trial)


def _dataset_for(ds, extra_test, body, get_state, set_state, names, opts):
    from tensorflux._src.autograph import optional_ops
    from tensorflux._src.data import ops as data_ops
    from tensorflux._src.data import structure
    from tensorflux._src.data.iterator_ops import OwnedIterator, SymbolicIterator, _out_attrs
    from tensorflux._src.framework.execute import execute
    from tensorflux._src.framework.tensor import EagerTensor

    if isinstance(ds, SymbolicIterator):
        handle = ds._handle
    elif isinstance(ds, OwnedIterator):
        handle = EagerTensor(data_ops.handle(ds))
    else:
        handle = SymbolicIterator(ds)._handle
    spec = ds.element_spec
    attrs = _out_attrs(spec)

    def get_value(opt):
        outs = execute(optional_ops.OPTIONAL_GET_VALUE, [opt], attrs)
        return structure.from_symbolic(spec, list(outs if isinstance(outs, tuple) else (outs,)))

    def loop_body(extra):
        opt = execute(optional_ops.ITERATOR_GET_NEXT_AS_OPTIONAL, [handle],
                      {"output_types": attrs["output_types"],
                       "output_shapes": attrs["output_shapes"]})
        has = execute(optional_ops.OPTIONAL_HAS_VALUE, [opt], {})
        _tf_if(has, lambda: body(get_value(opt)), lambda: None, get_state, set_state, names)
        return (has,)

    def trial():
        g = context.state.graph
        comps = [g.placeholder(d, s, "ag__itr") for d, s in
                 zip(attrs["output_types"], attrs["output_shapes"])]
        body(structure.from_symbolic(spec, comps))

    return _tf_loop(names, get_state, set_state, opts, (convert_to_tensor(True),),
                    lambda extra: _and_extra(extra[0], extra_test), loop_body, trial)


def _shape_le(s1, s2):
    from tensorflux._src.ops.control_flow_while import _shape_le as le
    return le(s1, s2)


def _spec_of(value):
    """A TensorSpec per leaf of ``value`` (call inside the graph that made it)."""
    from tensorflux._src.framework.function import TensorSpec

    return nest.map_structure(lambda x: TensorSpec.from_tensor(convert_to_tensor(x)), value)


def _placeholder_like(spec):
    """Zeros standing for a loop variable undefined before the loop, and its invariant."""
    from tensorflux._src.ops import array_ops

    zeros = nest.map_structure(
        lambda s: array_ops.zeros([d or 0 for d in s.shape.as_list()], s.dtype), spec)
    return zeros, nest.map_structure(lambda s: s.shape, spec)


def _as_placeholders(value, g):
    """Loop-variable stand-ins for a trial iteration (as the loop body will see them)."""
    if _undefined(value):
        return value

    def ph(x):
        if cfu.is_tensor_array(x):
            return x
        try:
            t = convert_to_tensor(x)
        except (TypeError, ValueError):
            return x
        return g.placeholder(t.dtype, t.shape.as_tuple(), "ag__trial")

    return nest.map_structure(ph, value)


def _tf_loop(names, get_state, set_state, opts, extra_init, test, body_fn, trial):
    """A ``tf.while_loop`` over (extra loop vars, defined state variables)."""
    from tensorflux._src.core.tensor_shape import TensorShape
    from tensorflux._src.ops.control_flow_while import while_loop

    opts = dict(opts or {})
    init = list(get_state())
    invariants = {}
    undefined = [i for i, v in enumerate(init) if _undefined(v)]
    if undefined:
        # Like TensorFlow: run the body once in a scratch graph to learn the types of the
        # variables first defined inside the loop, and start them from zeros.
        g = cfu.new_graph("ag__loop_trial")
        specs = {}
        with g.as_default():
            set_state(tuple(_as_placeholders(v, g) for v in init))
            _trial.depth = getattr(_trial, "depth", 0) + 1
            try:
                trial()
            finally:
                _trial.depth -= 1
            seen = get_state()
            for i in undefined:
                try:
                    if not _undefined(seen[i]):
                        specs[i] = _spec_of(seen[i])
                except (TypeError, ValueError):
                    pass
        set_state(tuple(init))
        for i, spec in specs.items():
            init[i], invariants[i] = _placeholder_like(spec)
    for var, shape in opts.get("shape_invariants") or ():
        for i, v in enumerate(init):
            if v is var:
                invariants[i] = TensorShape(shape)
                break
        else:
            raise ValueError(f"shape_invariants of set_loop_options: {var!r} is not a variable "
                             f"of this loop ({', '.join(names)}).")
    live = [i for i, v in enumerate(init) if not _undefined(v)]
    loop_init = []
    for i in live:
        try:
            loop_init.append(nest.map_structure(
                lambda x: x if cfu.is_tensor_array(x) else convert_to_tensor(x), init[i]))
        except (TypeError, ValueError) as e:
            raise TypeError(f"'{names[i]}' is modified inside a loop converted to "
                            f"tf.while_loop, so it must be a tensor (or a structure of tensors), "
                            f"got {init[i]!r}. ({e})") from None
    inv = [nest.map_structure(lambda x: TensorShape(()) if cfu.is_tensor_array(x) else x.shape,
                              v) for v in loop_init]
    for k, i in enumerate(live):
        if i in invariants:
            inv[k] = invariants[i]

    def merge(values):
        state = list(init)
        for k, i in enumerate(live):
            state[i] = values[k]
        for i in undefined:
            if i not in live:
                state[i] = Undefined(names[i])
        return tuple(state)

    def cond(extra, values):
        set_state(merge(values))
        c = test(extra)
        return c if isinstance(c, Tensor) else convert_to_tensor(bool(c))

    def body(extra, values):
        set_state(merge(values))
        new_extra = body_fn(extra)
        state = get_state()
        out = []
        for k, i in enumerate(live):
            v = state[i]
            _check_loop_var(names[i], loop_init[k], v, inv[k])
            out.append(v)
        return tuple(new_extra), tuple(out)

    res = while_loop(cond, body, (tuple(extra_init), tuple(loop_init)),
                     shape_invariants=(tuple(x.shape for x in extra_init), tuple(inv)),
                     maximum_iterations=opts.get("maximum_iterations"),
                     parallel_iterations=opts.get("parallel_iterations", 10))
    final = merge(res[1])
    final = tuple(Undefined(n, f"'{n}' is defined only inside a loop converted to "
                            f"tf.while_loop; define it before the loop to use it after.")
                  if i in undefined and i not in live else v
                  for i, (n, v) in enumerate(zip(names, final)))
    set_state(final)
    return None


def _check_loop_var(name, before, after, invariant):
    if _undefined(after):
        raise ValueError(f"'{name}' became undefined inside a loop converted to "
                         f"tf.while_loop.")
    try:
        nest.assert_same_structure(before, after, check_types=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"'{name}' must keep its nested structure across iterations of a "
                         f"loop converted to tf.while_loop: {e}") from None
    for b, a, s in zip(nest.flatten(before), nest.flatten(after),
                       nest.flatten(invariant) if nest.is_nested(invariant) else [invariant]):
        if cfu.is_tensor_array(b):
            continue
        a = convert_to_tensor(a, dtype=b.dtype if not isinstance(a, Tensor) else None)
        if a.dtype != b.dtype:
            raise TypeError(f"'{name}' has dtype {b.dtype.name} before the loop, but dtype "
                            f"{a.dtype.name} after one iteration. Give it the final dtype "
                            f"before the loop (e.g. tf.constant(0.0) instead of 0).")
        if not _shape_le(a.shape, s):
            raise ValueError(
                f"'{name}' has shape {b.shape} before the loop, but shape {a.shape} after one "
                f"iteration. To allow the shape to vary across iterations, use "
                f"`tf.autograph.experimental.set_loop_options(shape_invariants=[({name}, "
                f"tf.TensorShape([None, ...]))])` inside the loop body.")


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """Loop options for the enclosing converted loop (read by the converter; a no-op call)."""
    return None
