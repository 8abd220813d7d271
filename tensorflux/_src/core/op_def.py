"""One declaration per primitive op: ``OpDef`` and the registry.

An ``OpDef`` carries everything the system needs to know about a primitive:

* ``name``: TensorFlow's raw-op name (``"MatMul"``), the node's ``op`` in a GraphDef;
* ``inputs``/``outputs``: TensorFlow-style typed signatures such as
  ``("x: T", "y: T")``, ``("values: N*T", "axis: Tidx")`` or ``("shape: int32",)``.
  A type named in ``types`` is a type attribute (``T``) whose allowed dtypes are given;
  any other name is a fixed dtype. ``N*T`` is a list of ``N`` tensors of type ``T``;
* ``attrs``: the non-type attributes with their defaults (``transpose_a=False``);
* ``kernel``: the NumPy implementation, ``kernel(*inputs, **attrs)``; list inputs arrive
  as Python lists, several outputs are returned as a tuple;
* ``infer``: the static shape rule (used while tracing, and to explain eager errors);
* ``grad``: the gradient rule ``grad(op, *output_grads) -> input_grads``, written with
  tensorflux ops so that it can be traced and differentiated again; or
  ``NOT_DIFFERENTIABLE``;
* ``stateful``: never folded, deduplicated or pruned (random ops, variable writes, I/O);
* ``prepare_gradient``: optional ``fn(operation)`` called before a traced function runs under
  a gradient tape, for ops that must save extra state in the forward pass (``While`` saves
  its iterations); ``accepts_none_grads``: the rule takes ``None`` for unused outputs.
"""

from __future__ import annotations


import numpy as np

from tensorflux._src.core import dtypes as _dt

NOT_DIFFERENTIABLE = "not differentiable"

_REGISTRY: dict[str, OpDef] = {}


class ArgDef:
    """One input or output of an op signature."""

    __slots__ = ("name", "type_attr", "fixed", "number_attr", "is_list")

    def __init__(self, name, type_attr, fixed, number_attr, is_list):
        self.name = name                # argument name
        self.type_attr = type_attr      # "T" when typed by an attribute
        self.fixed = fixed              # a fixed dtype otherwise
        self.number_attr = number_attr  # "N" for list args "N*T"
        self.is_list = is_list

    def __repr__(self):
        return f"ArgDef({self.name!r}, {self.type_attr or self.fixed})"


def _parse_arg(spec: str, types: dict) -> ArgDef:
    name, _, ty = (p.strip() for p in spec.partition(":"))
    number_attr = None
    is_list = False
    if "*" in ty:
        number_attr, ty = (p.strip() for p in ty.split("*"))
        is_list = True
    if ty == "list":  # heterogeneous list, no dtype constraint
        return ArgDef(name, None, None, None, True)
    if ty in types:
        return ArgDef(name, ty, None, number_attr, is_list)
    return ArgDef(name, None, _dt.as_dtype(ty), number_attr, is_list)


class InferContext:
    """What a shape rule sees: input shapes (tuples, None entries unknown; None for unknown
    rank), dtypes, attrs and the constant value of inputs when it is known at trace time."""

    __slots__ = ("shapes", "dtypes", "attrs", "values", "types")

    def __init__(self, shapes, dtypes, attrs, values, types):
        self.shapes = shapes
        self.dtypes = dtypes
        self.attrs = attrs
        self.values = values
        self.types = types

    def value(self, i):
        return self.values[i]


class OpDef:
    """The declaration of one primitive op (see the module docstring)."""

    def __init__(self, name, kernel, *, inputs=(), outputs=("y: T",), types=None, attrs=None,
                 infer=None, grad=None, stateful=False, xla=None, doc="",
                 prepare_gradient=None, accepts_none_grads=False):
        self.name = name
        self.kernel = kernel
        self.types = {k: tuple(_dt.as_dtype(d) for d in v) for k, v in (types or {}).items()}
        self.attrs = dict(attrs or {})
        self.input_args = tuple(_parse_arg(s, self.types) for s in inputs)
        self.output_args = tuple(_parse_arg(s, self.types) for s in outputs)
        self.infer = infer
        self.grad = grad
        self.stateful = stateful
        self.prepare_gradient = prepare_gradient
        self.accepts_none_grads = accepts_none_grads
        self.xla = xla
        self.doc = doc
        self.has_list_inputs = any(a.is_list for a in self.input_args)
        self.fixed_num_outputs = (None if any(a.is_list for a in self.output_args)
                                  else len(self.output_args))
        # Eager dtype check: (input positions, allowed NumPy dtypes, attr name) per type attr.
        groups = {}
        for i, a in enumerate(self.input_args):
            if a.type_attr is not None and not a.is_list:
                groups.setdefault(a.type_attr, []).append(i)
        self.eager_checks = tuple(
            (tuple(pos), frozenset(_np_dtypes(self.types[t])) if self.types[t] else _ANY, t)
            for t, pos in groups.items())

    def __repr__(self):
        return f"OpDef({self.name})"

    @property
    def differentiable(self):
        return self.grad is not None and self.grad != NOT_DIFFERENTIABLE

    def num_outputs(self, attrs) -> int:
        if self.fixed_num_outputs is not None:
            return self.fixed_num_outputs
        n = 0
        for a in self.output_args:
            n += int(attrs[a.number_attr]) if a.is_list else 1
        return n

    def output_dtypes(self, attrs, types) -> list:
        out = []
        for a in self.output_args:
            dt = a.fixed if a.fixed is not None else types.get(a.type_attr)
            n = int(attrs[a.number_attr]) if a.is_list else 1
            out.extend([dt] * n)
        return out


class _AnyDtype(frozenset):
    """An unconstrained type attribute: every dtype is allowed."""

    def __contains__(self, item):
        return True


_ANY = _AnyDtype()


def _np_dtypes(dts):
    out = []
    for d in dts:
        if d is _dt.bfloat16:
            continue  # added lazily when ml_dtypes is loaded
        if d is _dt.string:
            out.append(np.dtype(object))
            continue
        try:
            out.append(d.np_dtype)
        except TypeError:
            pass
    return out


def register(op: OpDef) -> OpDef:
    if op.name in _REGISTRY:
        raise KeyError(f"Op {op.name!r} is already registered")
    _REGISTRY[op.name] = op
    return op


def defop(name, kernel=None, **kw) -> OpDef:
    """Declare and register a primitive op. Usable directly or as a kernel decorator."""
    if kernel is None:
        return lambda k: register(OpDef(name, k, **kw))
    return register(OpDef(name, kernel, **kw))


def get(name: str) -> OpDef:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"No op named {name!r} is registered") from None


def all_ops() -> dict:
    return dict(_REGISTRY)
