"""User functions of a pipeline, traced ONCE into a graph (as TensorFlow does).

The function is traced with ``tf.function`` on placeholders built from the input
``element_spec``; Python side effects therefore run once, at trace time. Each element then
runs the optimized graph's plan directly on NumPy arrays (no tensor wrapping per call), through
a straight-line Python function generated from the plan (``compile_plan``: no interpreter loop
over steps, constants and attributes bound once).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors, nest
from tensorflux._src.data import structure
from tensorflux._src.framework import executor
from tensorflux._src.framework.function import Function

_SETTINGS = executor.settings
_CAUGHT = (ValueError, TypeError, IndexError, ArithmeticError, np.linalg.LinAlgError)


def compile_plan(plan):
    """A function ``run(*feeds) -> tuple`` doing exactly what ``plan.run(feeds)`` does (same
    kernels, order, error types and messages), as generated straight-line code."""
    ns = {"OpError": errors.OpError, "InvalidArgumentError": errors.InvalidArgumentError,
          "CAUGHT": _CAUGHT, "graph_error": executor._graph_error, "STEPS": plan.steps}
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
    exec(compile("\n".join(src), "<tf.data plan>", "exec"), ns)  # noqa: S102
    return ns["run"]


def _should_unpack(spec):
    return type(spec) is tuple


class TracedFunction:
    """``fn`` traced for elements of ``input_spec``; call with a tuple of arrays."""

    def __init__(self, fn, input_spec, name="map_fn"):
        if not callable(fn):
            raise TypeError(f"`{name}` must be callable, got {type(fn).__name__}: {fn!r}")
        self.input_spec = input_spec
        self.fn = fn
        self.output_spec = None
        self._out_structure = None
        cspecs = structure.component_specs(input_spec)

        def wrapper(*flat):
            from tensorflux._src.autograph.impl import convert_for_trace
            from tensorflux._src.framework.convert import convert_to_tensor

            elem = structure.from_symbolic(input_spec, list(flat))
            call = convert_for_trace(fn)  # TF traces dataset functions with AutoGraph on
            out = call(*elem) if _should_unpack(elem) else call(elem)
            if isinstance(out, list):
                out = tuple(out)   # TensorFlow treats a returned list as a tuple
            if out is None:
                raise ValueError(f"The function passed to `{name}` returned None; it must "
                                 "return a tensor or a nested structure of tensors.")
            out = nest.map_structure(
                lambda x: x if getattr(x, "_is_composite_tensor", False)
                else convert_to_tensor(x), out)
            self.output_spec = structure.spec_of_output(out)
            return tuple(nest.flatten(out, expand_composites=True))

        fname = getattr(fn, "__name__", name)
        if fname == "<lambda>":
            fname = name
        self._function = Function(wrapper, name=fname, input_signature=cspecs)
        self.concrete = self._function.get_concrete_function()
        self._plan = self.concrete._get_plan()
        caps = self.concrete.graph.external_captures
        self._caps = [c if getattr(c, "_is_variable", False) else c._value for c in caps]
        self._run = compile_plan(self._plan)

    def __call__(self, comps):
        if executor.profiler_hook is None and not _SETTINGS.check_numerics:
            if self._caps:
                return self._run(*comps, *self._caps)
            return self._run(*comps)
        if self._caps:   # profiling or check_numerics: the executor's instrumented loop
            return tuple(self._plan.run(list(comps) + self._caps))
        return tuple(self._plan.run(list(comps)))


class PythonFunction:
    """A function that returns datasets (flat_map, interleave, group_by_window reducers).

    Dataset-valued functions build Python dataset objects, so they are called once per
    element on eager tensors (documented deviation: TensorFlow traces them once).
    """

    def __init__(self, fn, input_spec, name):
        if not callable(fn):
            raise TypeError(f"`{name}` must be callable, got {type(fn).__name__}: {fn!r}")
        self.fn = fn
        self.input_spec = input_spec
        self.name = name

    def __call__(self, comps):
        elem = structure.from_components(self.input_spec, comps)
        out = self.fn(*elem) if _should_unpack(elem) else self.fn(elem)
        from tensorflux._src.data.dataset_ops import DatasetV2
        if not isinstance(out, DatasetV2):
            raise TypeError(f"The function passed to `{self.name}` must return a "
                            f"`tf.data.Dataset` object, got {type(out).__name__}.")
        return out
