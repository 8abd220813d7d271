"""``tf.function``: trace a Python function into a graph once per input signature.

A ``Function`` keeps a cache of ``ConcreteFunction``s keyed by the structure of its
arguments: tensors by dtype and shape, variables and other objects by identity, Python
scalars by value (TensorFlow's rules). When only shapes differ from an earlier trace,
the new trace uses the relaxed shape (differing dims unknown) so that one graph serves
all of them; when tracing keeps repeating, a warning names the argument that changed.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import nest
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework import context
from tensorflux._src.framework.graph import FuncGraph
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor, Tensor

state = context.state
# Callables run on every eager ConcreteFunction call (tf.summary.trace_on registers one).
call_observers: list = []
settings = context.settings


class TensorSpec:
    """Describes a tensor argument: shape, dtype and name (``tf.TensorSpec``)."""

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=_dt.float32, name=None):
        self._shape = TensorShape(shape)
        self._dtype = _dt.as_dtype(dtype)
        self._name = name

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other):
        if isinstance(other, TensorSpec):
            return self._dtype == other.dtype and self._shape.is_compatible_with(other.shape)
        return (self._dtype == other.dtype and self._shape.is_compatible_with(other.shape))

    def most_specific_compatible_type(self, other):
        return TensorSpec(self._shape.most_specific_compatible_shape(other.shape), self._dtype)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self._shape == other.shape and
                self._dtype == other.dtype and self._name == other.name)

    def __hash__(self):
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self):
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"


def _leaf_key(x):
    if isinstance(x, Tensor):
        return ("T", x.dtype, x.shape.as_tuple())
    if isinstance(x, np.ndarray):
        return ("T", _dt.as_dtype(x.dtype), x.shape)
    if getattr(x, "_is_variable", False):
        return ("V", id(x))
    if isinstance(x, TensorSpec):
        return ("T", x.dtype, x.shape.as_tuple())
    try:
        hash(x)
    except TypeError:
        return ("O", id(x))
    if isinstance(x, (int, float, str, bytes, bool, type(None))):
        return ("P", type(x), x)
    return ("O", id(x))


def _is_tensor_key(k):
    return k[0] == "T"


class Function:
    """A callable that runs its Python function as a traced, optimized graph."""

    def __init__(self, python_function, name=None, input_signature=None, autograph=True,
                 jit_compile=None, reduce_retracing=False, experimental_relax_shapes=None,
                 experimental_compile=None, **unused):
        self._python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._input_signature = (None if input_signature is None else
                                 tuple(nest.flatten(input_signature)) and input_signature)
        self._jit_compile = jit_compile if jit_compile is not None else experimental_compile
        self._autograph = autograph
        self._cache: dict = {}
        self._by_skeleton: dict = {}
        self._tracing_count = 0
        self._recent = []  # 1 = this call traced
        try:
            import inspect  # loaded on the first tf.function, not at import

            self._signature = inspect.signature(python_function)
        except (TypeError, ValueError):
            self._signature = None
        self._bound_cache = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, python_function)

    # --- binding to instances (tf.function used on methods) -------------------------------
    def __get__(self, instance, owner):
        if instance is None:
            return self
        try:
            return self._bound_cache[instance]
        except (KeyError, TypeError):
            pass
        bound = Function(self._python_function.__get__(instance, owner), self._name,
                         self._input_signature, self._autograph, self._jit_compile)
        try:
            self._bound_cache[instance] = bound
        except TypeError:
            pass
        return bound

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def function_spec(self):
        return self._signature

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def __repr__(self):
        return f"<tensorflux.function {self._name}>"

    # --- calling ----------------------------------------------------------------------------
    def _canonicalize(self, args, kwargs):
        if self._input_signature is not None:
            sig = list(self._input_signature)
            if kwargs and self._signature is not None:
                ba = self._signature.bind(*args, **kwargs)
                args, kwargs = ba.args, {}
            if len(args) != len(sig):
                raise TypeError(f"{self._name}: expected {len(sig)} positional arguments "
                                f"matching input_signature, got {len(args)}")
            return tuple(args), {}
        if kwargs and self._signature is not None:
            try:
                ba = self._signature.bind(*args, **kwargs)
                ba.apply_defaults()
                return tuple(ba.args), dict(ba.kwargs)
            except TypeError:
                pass
        return tuple(args), kwargs

    def __call__(self, *args, **kwargs):
        if settings.run_functions_eagerly:
            return self._python_function(*args, **kwargs)
        if state.graph is not None:
            # Called while tracing another function: inline it.
            return self._traced_function()(*args, **kwargs)
        cf, flat = self._lookup(args, kwargs)
        return cf._call_flat(flat)

    def _lookup(self, args, kwargs):
        args, kwargs = self._canonicalize(args, kwargs)
        structure = (args, kwargs)
        flat = nest.flatten(structure)
        if self._input_signature is not None:
            specs = nest.flatten(self._input_signature)
            flat = [_check_spec(x, s, self._name) for x, s in zip(flat, specs)]
            key = ("sig",)
        else:
            key = (_structure_key(structure), tuple(_leaf_key(x) for x in flat))
        cf = self._cache.get(key)
        if cf is None:
            cf = self._find_or_trace(key, structure, flat)
        else:
            self._note(False)
        return cf, flat

    def _find_or_trace(self, key, structure, flat):
        if key == ("sig",):
            specs = [TensorSpec(s.shape, s.dtype, s.name) for s in
                     nest.flatten(self._input_signature)]
            cf = self._trace(structure, flat, specs)
            self._cache[key] = cf
            return cf
        skel = (key[0], tuple(k if not _is_tensor_key(k) else ("T", k[1], None if k[2] is None
                                                                else len(k[2])) for k in key[1]))
        shapes = [k[2] for k in key[1] if _is_tensor_key(k)]
        for cand_shapes, cand in self._by_skeleton.get(skel, []):
            if all(_shape_fits(s, c) for s, c in zip(shapes, cand_shapes)):
                self._cache[key] = cand
                self._note(False)
                return cand
        prior = self._by_skeleton.get(skel)
        if prior:
            # Relax: dims that differ from the last trace become unknown.
            last = prior[-1][0]
            shapes = [_relax(s, c) for s, c in zip(shapes, last)]
        specs = []
        it = iter(shapes)
        for k in key[1]:
            specs.append(TensorSpec(next(it), k[1]) if _is_tensor_key(k) else None)
        if self._tracing_count >= 1:
            self._explain_retrace(key)
        cf = self._trace(structure, flat, specs)
        self._cache[key] = cf
        self._by_skeleton.setdefault(skel, []).append((shapes, cf))
        self._last_key = key
        return cf

    def _note(self, traced):
        self._recent.append(traced)
        if len(self._recent) > 5:
            self._recent.pop(0)

    def _explain_retrace(self, key):
        self._note(True)
        if len(self._recent) == 5 and sum(self._recent) >= 5 or self._tracing_count >= 5:
            prev = getattr(self, "_last_key", None)
            cause = _describe_change(prev, key, self._signature)
            import logging

            logging.getLogger("tensorflux").warning(
                "%d out of the last %d calls to %s triggered tf.function retracing. Tracing is "
                "expensive. Cause: %s. Pass tensors instead of Python values, use an "
                "input_signature with None dimensions, or define the tf.function outside loops.",
                sum(self._recent), len(self._recent), self._name, cause)

    def _trace(self, structure, flat, specs):
        from tensorflux._src.framework.convert import convert_to_tensor

        self._tracing_count += 1
        g = FuncGraph(self._name)
        with g.as_default():
            names = _arg_names(structure, self._signature)
            new_flat = []
            for x, spec, nm in zip(flat, specs, names):
                if spec is not None:
                    ph = g.placeholder(spec.dtype, spec.shape.as_tuple(), name=nm)
                    g.inputs.append(ph)
                    new_flat.append(ph)
                else:
                    new_flat.append(x)
            args, kwargs = nest.pack_sequence_as(structure, new_flat)
            out = self._traced_function()(*args, **kwargs)
            g.structured_outputs = out
            outs = []
            for o in nest.flatten(out):
                if o is None or _is_operation(o):
                    outs.append(None)
                else:
                    outs.append(convert_to_tensor(o))
            g.outputs = outs
        cf = ConcreteFunction(g, self._name, jit_compile=self._jit_compile)
        cf._arg_is_tensor = [s is not None for s in specs]
        return cf

    def _traced_function(self):
        """The function to trace: converted by AutoGraph (once, cached) when autograph=True."""
        if not self._autograph:
            return self._python_function
        from tensorflux._src.autograph.impl import convert_for_trace
        return convert_for_trace(self._python_function)

    def get_concrete_function(self, *args, **kwargs):
        """The ``ConcreteFunction`` for these arguments (tensors, TensorSpecs or values)."""
        if self._input_signature is not None and not args and not kwargs:
            args = tuple(self._input_signature)
        cf, _ = self._lookup(args, kwargs)
        return cf


def _is_operation(o):
    from tensorflux._src.framework.graph import Operation
    return isinstance(o, Operation)


def _structure_key(structure):
    def k(x):
        if isinstance(x, dict):
            return ("D", tuple((kk, k(x[kk])) for kk in sorted(x, key=repr)))
        if isinstance(x, tuple):
            return ("U" if type(x) is tuple else type(x), tuple(k(c) for c in x))
        if isinstance(x, list):
            return ("L", tuple(k(c) for c in x))
        return None
    return k(structure)


def _shape_fits(actual, cand):
    if cand is None:
        return True
    if actual is None or len(actual) != len(cand):
        return False
    return all(c is None or a == c for a, c in zip(actual, cand))


def _relax(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _arg_names(structure, signature):
    args, kwargs = structure
    names = []
    params = list(signature.parameters) if signature is not None else []
    for i, a in enumerate(args):
        base = params[i] if i < len(params) else f"arg{i}"
        n = len(nest.flatten(a))
        names.extend([base] if n == 1 else [f"{base}_{j}" for j in range(n)])
    for kname in sorted(kwargs, key=repr):
        n = len(nest.flatten(kwargs[kname]))
        names.extend([kname] if n == 1 else [f"{kname}_{j}" for j in range(n)])
    return names


def _describe_change(prev, key, signature):
    if prev is None or prev[0] != key[0]:
        return "the structure of the arguments changed"
    for i, (a, b) in enumerate(zip(prev[1], key[1])):
        if a != b:
            if a[0] == "P" or b[0] == "P":
                return f"Python argument #{i} changed value from {a[-1]!r} to {b[-1]!r}"
            if a[0] == "T" and b[0] == "T":
                if a[1] != b[1]:
                    return f"tensor argument #{i} changed dtype from {a[1].name} to {b[1].name}"
                return f"tensor argument #{i} changed shape from {a[2]} to {b[2]}"
            return f"argument #{i} is a different object"
    return "unknown"


def _check_spec(x, spec, fname):
    from tensorflux._src.framework.convert import convert_to_tensor

    if not isinstance(spec, TensorSpec) or isinstance(x, TensorSpec):
        return x
    t = convert_to_tensor(x, dtype_hint=spec.dtype)
    if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
        raise TypeError(
            f"Binding inputs to tf.function {fname!r} failed: the argument {t!r} does not match "
            f"the input_signature {spec} (dtype {t.dtype.name}, shape {t.shape}).")
    return t


class ConcreteFunction:
    """One traced graph with fixed input types (``tf.types.experimental.ConcreteFunction``)."""

    def __init__(self, graph, name, jit_compile=None):
        self.graph = graph
        self.name = name
        self._jit_compile = jit_compile
        self._plan = None
        self._tape_plan = None
        self._intermediates = None
        self._arg_is_tensor = None
        self._backward = {}

    @property
    def inputs(self):
        return list(self.graph.inputs) + self.graph.internal_captures

    @property
    def outputs(self):
        return [o for o in self.graph.outputs if o is not None]

    @property
    def structured_outputs(self):
        return self.graph.structured_outputs

    @property
    def variables(self):
        return tuple(self.graph.variables)

    @property
    def trainable_variables(self):
        return tuple(v for v in self.graph.variables if v.trainable)

    @property
    def captured_inputs(self):
        return self.graph.external_captures

    @property
    def output_dtypes(self):
        return nest.map_structure(lambda t: t.dtype if t is not None else None,
                                  self.graph.structured_outputs)

    @property
    def output_shapes(self):
        return nest.map_structure(lambda t: t.shape if t is not None else None,
                                  self.graph.structured_outputs)

    def pretty_printed_signature(self):
        return f"{self.name}({', '.join(t.name for t in self.graph.inputs)})"

    def _get_plan(self):
        if self._plan is None:
            from tensorflux._src.framework import executor
            from tensorflux._src.framework.graph_optimize import optimize

            feeds = list(self.graph.inputs) + self.graph.internal_captures
            fetches = [o for o in self.graph.outputs]
            graph, fetches = optimize(self.graph, feeds, fetches)
            self._plan = executor.Plan(graph, feeds, fetches)
        return self._plan

    def __call__(self, *args, **kwargs):
        flat = nest.flatten((args, kwargs))
        if self._arg_is_tensor is not None and len(flat) == len(self._arg_is_tensor):
            return self._call_flat(flat)
        tensors = [x for x in flat if isinstance(x, (Tensor, np.ndarray)) or
                   getattr(x, "_is_variable", False)]
        return self._call_flat(tensors, all_tensors=True)

    def _call_flat(self, flat, all_tensors=False):
        from tensorflux._src.framework.convert import convert_to_tensor

        if state.graph is not None:
            return self._inline(flat, all_tensors)
        if call_observers:
            for observe in call_observers:
                observe(self)
        mask = self._arg_is_tensor if not all_tensors else None
        inputs = []
        for i, x in enumerate(flat):
            if mask is not None and not mask[i]:
                continue
            if type(x) is not EagerTensor:
                x = convert_to_tensor(x)
                if isinstance(x, SymbolicTensor):
                    raise TypeError("Cannot call a ConcreteFunction with symbolic tensors "
                                    "outside a trace")
            inputs.append(x)
        caps = self.graph.external_captures
        feed = [t._value for t in inputs]
        for c in caps:
            feed.append(c if getattr(c, "_is_variable", False) else c._value)
        if state.tapes and self._watched(inputs, caps):
            out_tensors = self._run_recorded(inputs, caps, feed)
        else:
            outs = self._get_plan().run(feed)
            out_tensors = [EagerTensor(o) if o is not None else None for o in outs]
        # Leaves that were None or Operations have no output: they come back as None.
        return nest.pack_sequence_as(self.graph.structured_outputs, out_tensors)

    def _inline(self, flat, all_tensors):
        from tensorflux._src.framework.function_inline import inline_function

        mask = self._arg_is_tensor if not all_tensors else None
        inputs = [x for i, x in enumerate(flat) if mask is None or mask[i]]
        outs = inline_function(self.graph, inputs)
        return nest.pack_sequence_as(self.graph.structured_outputs, outs)

    def _watched(self, inputs, caps):
        from tensorflux._src.framework.tape import variable_accessed

        for c in caps:
            if getattr(c, "_is_variable", False):
                variable_accessed(c)
        return any(id(x) in t._ids for t in state.tapes for x in list(inputs) + list(caps))

    def _run_recorded(self, inputs, caps, feed):
        """Run under a tape: also fetch the intermediates the gradient will read, and record
        the call (outputs first, then intermediates) as one tape entry."""
        from tensorflux._src.framework import executor
        from tensorflux._src.framework.function_inline import CallOp, intermediates, record_call

        inter = intermediates(self)
        if self._tape_plan is None:
            for op in self.graph._ops:
                if op.op_def.prepare_gradient is not None:
                    op.op_def.prepare_gradient(op)
            feeds = list(self.graph.inputs) + self.graph.internal_captures
            self._tape_plan = executor.Plan(self.graph, feeds, list(self.graph.outputs) + inter)
        vals = self._tape_plan.run(feed)
        n = len(self.graph.outputs)
        out_tensors = [EagerTensor(o) if o is not None else None for o in vals[:n]]
        real = [o for o in out_tensors if o is not None]
        saved = [EagerTensor(v) for v in vals[n:]]
        record_call(CallOp(self, list(inputs) + list(caps), real + saved, len(real)))
        return out_tensors


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, experimental_compile=None,
             name=None, **kwargs):
    """Compiles a function into a callable graph (``tf.function``).

    Example:
        >>> import tensorflux as tf
        >>> @tf.function
        ... def f(x):
        ...     return x * 2.0 + 1.0
        >>> float(f(tf.constant(3.0)))
        7.0
    """
    def decorate(fn):
        return Function(fn, name=name, input_signature=input_signature, autograph=autograph,
                        jit_compile=jit_compile, reduce_retracing=reduce_retracing,
                        experimental_relax_shapes=experimental_relax_shapes,
                        experimental_compile=experimental_compile)

    if func is None:
        return decorate
    return decorate(func)


def run_functions_eagerly(run_eagerly: bool):
    """Run every ``tf.function`` as plain Python (for debugging)."""
    settings.run_functions_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return settings.run_functions_eagerly

