"""User functions of a pipeline, traced ONCE into a graph (as TensorFlow does).

The function is traced with ``tf.function`` on placeholders built from the input
``element_spec``; Python side effects therefore run once, at trace time. Each element then
runs the optimized graph's plan directly on NumPy arrays (no tensor wrapping per call), through
the plan's generated straight-line function (``executor.Plan.compiled``).
"""

from __future__ import annotations

from tensorflux._src.core import nest
from tensorflux._src.data import structure
from tensorflux._src.framework import executor
from tensorflux._src.framework.function import Function

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
        self._run = self._plan.compiled()

    def __call__(self, comps):
        if executor.profiler_hook is None and not executor.settings.check_numerics:
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
