"""Runs a traced graph: a schedule computed once, then a tight loop over kernels.

The plan keeps only the nodes the fetches need plus every stateful node (variable
writes, prints, random draws), in creation order, which is program order. Each value
lives in a numbered slot and is dropped as soon as its last consumer has run, so peak
memory is the live set, not the whole graph. From its second run on, a plan runs as
straight-line Python generated from its steps (``Plan.compiled``: no interpreter loop over
steps, kernels, constants and attributes bound once); the step loop stays for profiling
and ``check_numerics``.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors
from tensorflux._src.framework import context, malloc_tuning
from tensorflux._src.framework.graph import CONST, PLACEHOLDER

settings = context.settings
MAX_COMPILED_STEPS = 20_000
# Set by tf.profiler while it records (``_src/profiler/hooks.run_plan``), else None.
profiler_hook = None


def needed_ops(graph, fetches, keep_stateful=True):
    """The ops that compute ``fetches`` (plus stateful ops and their inputs)."""
    need = set()
    stack = [t.op for t in fetches if t is not None]
    if keep_stateful:
        stack.extend(op for op in graph._ops if op.op_def.stateful)
    while stack:
        op = stack.pop()
        if id(op) in need:
            continue
        need.add(id(op))
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return [op for op in graph._ops if id(op) in need]


class Plan:
    """An executable schedule for ``graph`` mapping ``feeds`` placeholders to ``fetches``."""

    def __init__(self, graph, feeds, fetches, keep_stateful=True):
        malloc_tuning.tune()  # reuse freed step buffers instead of fresh mmap pages
        self.graph = graph
        ops = needed_ops(graph, fetches, keep_stateful)
        slot = {}
        init = []

        def slot_of(t):
            return slot[id(t)]

        for t in feeds:
            slot[id(t)] = len(init)
            init.append(None)
        self.n_feeds = len(feeds)
        steps = []
        for op in ops:
            if op.op_def is PLACEHOLDER:
                if id(op.outputs[0]) not in slot:
                    raise errors.InvalidArgumentError(
                        None, op, f"You must feed a value for placeholder tensor '{op.name}'")
                continue
            if op.op_def is CONST:
                slot[id(op.outputs[0])] = len(init)
                init.append(op.attrs["value"])
                continue
            in_slots = [slot_of(t) for t in op.inputs]
            if op.arg_spec is not None:
                args = tuple(in_slots[s] if isinstance(s, int) else
                             tuple(in_slots[s[0]:s[1]]) for s in op.arg_spec)
            else:
                args = tuple(in_slots)
            outs = []
            for t in op.outputs:
                slot[id(t)] = len(init)
                outs.append(len(init))
                init.append(None)
            steps.append([op, op.op_def.kernel, args, op.call_attrs or None, tuple(outs),
                          op.arg_spec is not None, (), op.op_def.fixed_num_outputs == 1])
        self.fetch_slots = [slot_of(t) if t is not None else None for t in fetches]
        # Liveness: drop a slot after its last reader unless it is fetched or constant.
        keep = set(s for s in self.fetch_slots if s is not None)
        keep.update(range(self.n_feeds))
        const_slots = {i for i, v in enumerate(init) if v is not None}
        last = {}
        for i, st in enumerate(steps):
            for a in st[2]:
                for s in (a if isinstance(a, tuple) else (a,)):
                    last[s] = i
            for s in st[4]:
                last.setdefault(s, i)  # unread outputs die right away
        frees = [[] for _ in steps]
        for s, i in last.items():
            if s not in keep and s not in const_slots:
                frees[i].append(s)
        for st, fr in zip(steps, frees):
            st[6] = tuple(fr)
        self.steps = [tuple(s) for s in steps]
        self.init = init
        self._fast = None
        self._runs = 0

    def run(self, feed_values, steps=None):
        if steps is None:
            if profiler_hook is not None:
                return profiler_hook(self, feed_values)
            if not settings.check_numerics:
                if self._fast is not None:
                    return list(self._fast(*feed_values))
                self._runs += 1
                # Plans run once (initializers, branches) are not worth compiling, nor are
                # huge ones (unrolled loops), whose generated code would take long to compile.
                if self._runs > 1 and len(self.steps) <= MAX_COMPILED_STEPS:
                    return list(self.compiled()(*feed_values))
            steps = self.steps
        vals = self.init.copy()
        vals[:self.n_feeds] = feed_values
        check = settings.check_numerics
        step = None
        try:
            for step in steps:
                _, kernel, args, attrs, outs, has_lists, frees, single = step
                if has_lists:
                    a = [[vals[i] for i in s] if isinstance(s, tuple) else vals[s] for s in args]
                else:
                    a = [vals[i] for i in args]
                r = kernel(*a, **attrs) if attrs else kernel(*a)
                if single:
                    vals[outs[0]] = r
                elif outs:
                    for s, v in zip(outs, r):
                        vals[s] = v
                if check:
                    _check(step[0], [vals[s] for s in outs])
                for s in frees:
                    vals[s] = None
        except errors.OpError as e:
            raise _graph_error(step, e, type(e)) from None
        except _CAUGHT as e:
            raise _graph_error(step, e, errors.InvalidArgumentError) from e
        return [vals[s] if s is not None else None for s in self.fetch_slots]


    def compiled(self):
        """A function ``run(*feeds) -> tuple`` doing exactly what ``run(feeds)`` does (same
        kernels, order, frees, error types and messages), as generated straight-line code."""
        if self._fast is None:
            self._fast = _compile(self)
        return self._fast


_CAUGHT = (ValueError, TypeError, IndexError, ArithmeticError, np.linalg.LinAlgError)


def _compile(plan):
    ns = {"OpError": errors.OpError, "InvalidArgumentError": errors.InvalidArgumentError,
          "CAUGHT": _CAUGHT, "graph_error": _graph_error, "STEPS": plan.steps}
    feeds = [f"f{i}" for i in range(plan.n_feeds)]

    def name(s):
        if s < plan.n_feeds:
            return f"f{s}"
        if plan.init[s] is not None:
            ns[f"C{s}"] = plan.init[s]
            return f"C{s}"
        return f"v{s}"

    body = []
    for i, (_, kernel, args, attrs, outs, _lists, frees, single) in enumerate(plan.steps):
        ns[f"K{i}"] = kernel
        a = [f"[{', '.join(name(x) for x in s)}]" if isinstance(s, tuple) else name(s)
             for s in args]
        if attrs:
            ns[f"A{i}"] = attrs
            a.append(f"**A{i}")
        call = f"K{i}({', '.join(a)})"
        body.append(f"_i = {i}")
        if single:
            body.append(f"{name(outs[0])} = {call}")
        elif outs:
            body.append(f"_r = {call}")
            body += [f"{name(o)} = _r[{j}]" for j, o in enumerate(outs)]
        else:
            body.append(call)
        body += [f"{name(s)} = None" for s in frees]
    ret = ", ".join("None" if s is None else name(s) for s in plan.fetch_slots)
    src = [f"def run({', '.join(feeds)}):", "    _i = None", "    try:"]
    src += ["        " + b for b in body] or ["        pass"]
    src += ["    except OpError as e:",
            "        raise graph_error(None if _i is None else STEPS[_i], e, type(e)) from None",
            "    except CAUGHT as e:",
            "        raise graph_error(None if _i is None else STEPS[_i], e, "
            "InvalidArgumentError) from e",
            f"    return ({ret}{',' if len(plan.fetch_slots) == 1 else ''})"]
    exec(compile("\n".join(src), f"<plan of {plan.graph.name}>", "exec"), ns)  # noqa: S102
    return ns["run"]


def _graph_error(step, e, cls):
    op = step[0] if step is not None else None
    msg = e.message if isinstance(e, errors.OpError) else str(e)
    if op is None:
        return cls(None, None, msg)
    shapes = []
    return cls(None, op,
               f"{msg}\n\t [[{{{{node {op.name}}}}} = {op.type}]]{shapes and ''}"
               f"\n  The op was created at: {op.location() or '<unknown>'}")


def _check(op, values):
    for v in values:
        if getattr(v, "dtype", None) is not None and v.dtype.kind in "fc":
            if not np.all(np.isfinite(v)):
                raise errors.InvalidArgumentError(
                    None, op, f"Tensor had NaN or Inf values in output of {op.type} "
                              f"op {op.name!r}")
