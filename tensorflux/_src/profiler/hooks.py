"""Op hooks installed into the eager dispatcher and the graph executor while profiling.

The core modules hold one module-level ``profiler_hook`` each (``None`` when off), so
the unprofiled cost is a single global read per eager op and per graph run.
"""

from __future__ import annotations

import os
import sys
import threading

from tensorflux._src.profiler import trace

now_ns = trace.now_ns


def _signature(arrays):
    """``(dtype, shape)`` per input (nested for list inputs), without keeping the data alive."""
    out = []
    for a in arrays:
        if type(a) is list:
            out.append(tuple(_one(x) for x in a))
        else:
            out.append(_one(a))
    return out


def _one(a):
    try:
        return (a.dtype, a.shape)
    except AttributeError:
        return type(a).__name__


def eager_kernel(op, arrays, attrs, name):
    """Runs ``op``'s kernel eagerly and records it (called from ``execute.execute``)."""
    start = now_ns()
    try:
        return op.kernel(*arrays, **attrs) if attrs else op.kernel(*arrays)
    finally:
        end = now_ns()
        rec = trace._recorder
        if rec is not None:
            rec.add("Op", op.name, start, end, (name or op.name, True, _signature(arrays)))


def run_plan(plan, feed_values):
    """Runs a graph ``Plan`` with recording kernels, as one ``Function`` range."""
    rec = trace._recorder
    steps = rec.plan_steps.get(id(plan))
    if steps is None or steps[0] is not plan:
        steps = (plan, [_wrap_step(s) for s in plan.steps])
        rec.plan_steps[id(plan)] = steps
    start = now_ns()
    try:
        return plan.run(feed_values, steps[1])
    finally:
        end = now_ns()
        if rec is trace._recorder:
            rec.add("Function", plan.graph.name, start, end, {"num_ops": len(plan.steps)})


def _wrap_step(step):
    op, kernel = step[0], step[1]
    op_type, node = op.type, op.name

    def timed(*arrays, **attrs):
        start = now_ns()
        try:
            return kernel(*arrays, **attrs)
        finally:
            end = now_ns()
            rec = trace._recorder
            if rec is not None:
                rec.add("Op", op_type, start, end, (node, False, _signature(arrays)))

    return (op, timed) + tuple(step[2:])


# --- Python tracer (python_tracer_level=1) ----------------------------------------------------
_ident = threading.get_ident
_previous = []  # (sys, threading) profile functions replaced by install()


def python_profile(frame, event, arg):
    """``sys.setprofile`` function: one range per Python function call."""
    rec = trace._recorder
    if rec is None:
        return
    if event == "call":
        rec.py_stacks.setdefault(_ident(), []).append(now_ns())
    elif event == "return":
        stack = rec.py_stacks.get(_ident())
        if stack:
            start = stack.pop()
            code = frame.f_code
            rec.add("Python", f"${os.path.basename(code.co_filename)}:{code.co_firstlineno} "
                    f"{code.co_qualname}", start, now_ns())


def install(recorder):
    """Turns the hooks on for ``recorder``'s tracer levels."""
    from tensorflux._src.framework import execute, executor

    if recorder.host_level >= 2:
        execute.profiler_hook = eager_kernel
        executor.profiler_hook = run_plan
    if recorder.python_level >= 1:
        _previous[:] = [sys.getprofile(), threading.getprofile()]
        threading.setprofile(python_profile)
        sys.setprofile(python_profile)


def uninstall():
    from tensorflux._src.framework import execute, executor

    execute.profiler_hook = None
    executor.profiler_hook = None
    prev_sys, prev_threads = _previous or (None, None)
    _previous.clear()
    if sys.getprofile() is python_profile:
        sys.setprofile(prev_sys)  # give back a profiler the user had (e.g. cProfile)
    if threading.getprofile() is python_profile:
        threading.setprofile(prev_threads)
