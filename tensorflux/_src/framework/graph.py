"""The graph IR that ``tf.function`` traces into: ``Operation`` nodes in a ``FuncGraph``.

Nodes are kept in creation order, which is a valid schedule and is the program order
of stateful ops (TensorFlow 2's automatic control dependencies). Each node records the
user's source line that created it, so runtime errors point at user code.
"""

from __future__ import annotations

import contextlib

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, InferContext, OpDef, register
from tensorflux._src.framework import context
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor

state = context.state


def _const_kernel(value, dtype=None):
    return value


def _placeholder_kernel(dtype=None, shape=None):
    raise ValueError("A placeholder must be fed a value")


CONST = register(OpDef("Const", _const_kernel, outputs=("output: dtype",), types={"dtype": ()},
                       attrs={"value": None}, grad=NOT_DIFFERENTIABLE))
PLACEHOLDER = register(OpDef("Placeholder", _placeholder_kernel, outputs=("output: dtype",),
                             types={"dtype": ()}, attrs={"shape": None},
                             grad=NOT_DIFFERENTIABLE))
NO_OP = register(OpDef("NoOp", lambda: (), outputs=(), grad=NOT_DIFFERENTIABLE))


class Operation:
    """A node of a traced graph (``tf.Operation``)."""

    __slots__ = ("graph", "op_def", "name", "inputs", "outputs", "attrs", "call_attrs",
                 "control_inputs", "device", "traceback", "arg_spec", "__weakref__")

    def __init__(self, graph, op_def, name, inputs, attrs, call_attrs, arg_spec, traceback):
        self.graph = graph
        self.op_def = op_def
        self.name = name
        self.inputs = inputs
        self.attrs = attrs
        self.call_attrs = call_attrs
        self.arg_spec = arg_spec
        self.outputs = []
        self.control_inputs = []
        self.device = ""
        self.traceback = traceback

    @property
    def type(self) -> str:
        return self.op_def.name

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self.name!r} has no attr named {name!r}.") from None

    def values(self):
        return tuple(self.outputs)

    def _add_control_input(self, op):
        self.control_inputs.append(op)

    @property
    def node_def(self):
        from tensorflux._src.framework.graph_def import node_def

        return node_def(self)

    def location(self) -> str:
        tb = self.traceback
        return f'File "{tb[0]}", line {tb[1]}, in {tb[2]}' if tb else ""

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


def _arg_spec(op_def, args):
    """Where each kernel argument sits in the flat input list (lists become slices)."""
    spec = []
    pos = 0
    for a in args:
        if type(a) in (list, tuple):
            spec.append((pos, pos + len(a)))
            pos += len(a)
        else:
            spec.append(pos)
            pos += 1
    return spec


class FuncGraph:
    """A graph being traced by ``tf.function`` (or a branch/body of control flow)."""

    def __init__(self, name="graph", outer_graph=None):
        self.name = name
        self.outer_graph = outer_graph
        self._ops: list[Operation] = []
        self._names: dict[str, int] = {}
        self._name_stack = ""
        self.inputs: list[SymbolicTensor] = []
        self.outputs: list = []
        self.structured_outputs = None
        # external object (Variable, EagerTensor, outer SymbolicTensor) -> internal placeholder
        self._captures: dict[int, tuple] = {}
        self._const_cache: dict = {}
        self.variables = []
        self.seed = None
        self._op_seed_counter = 0
        self.finalized = False

    # ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        saved = (state.graph, state.tapes, state.control_deps)
        state.graph = self
        # Tapes of an enclosing eager context do not record ops inside the trace; the call of
        # the finished function is recorded instead (function.py).
        state.tapes = []
        state.control_deps = []
        try:
            yield self
        finally:
            state.graph, state.tapes, state.control_deps = saved

    def get_operations(self):
        return list(self._ops)

    def as_graph_def(self, add_shapes=False):
        """This graph as a TensorFlow ``GraphDef`` protocol buffer (needs ``protobuf``)."""
        from tensorflux._src.framework.graph_def import graph_to_graph_def

        return graph_to_graph_def(self, add_shapes=add_shapes)

    def get_operation_by_name(self, name):
        for op in self._ops:
            if op.name == name:
                return op
        raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")

    def get_tensor_by_name(self, name):
        op_name, _, idx = name.rpartition(":")
        return self.get_operation_by_name(op_name).outputs[int(idx)]

    def unique_name(self, name, mark_as_used=True):
        base = f"{self._name_stack}/{name}" if self._name_stack else name
        key = base.lower()
        n = self._names.get(key, 0)
        if mark_as_used:
            self._names[key] = n + 1
        if n:
            # Skip names that an explicit earlier name already took.
            while f"{key}_{n}" in self._names:
                n += 1
                if mark_as_used:
                    self._names[key] = n + 1
            if mark_as_used:
                self._names[f"{key}_{n}"] = 1
            return f"{base}_{n}"
        return base

    @contextlib.contextmanager
    def name_scope(self, name):
        old = self._name_stack
        if name is None or name == "":
            self._name_stack = "" if name == "" else old
        elif name.endswith("/"):
            self._name_stack = name[:-1]
        else:
            self._name_stack = self.unique_name(name)
        try:
            yield (self._name_stack + "/") if self._name_stack else ""
        finally:
            self._name_stack = old

    # ----------------------------------------------------------------------------------------
    def placeholder(self, dtype, shape, name="input"):
        op = self._add_op(PLACEHOLDER, [], {"dtype": dtype, "shape": shape}, {}, [],
                          name, [(shape, dtype)])
        return op.outputs[0]

    def constant(self, value, name="Const"):
        a = value
        dt = _dt.from_numpy(a.dtype)
        key = None
        if a.size <= 16 and a.dtype.kind != "O":
            key = (dt, a.shape, a.tobytes())
            hit = self._const_cache.get(key)
            if hit is not None:
                return hit
        op = self._add_op(CONST, [], {"value": a, "dtype": dt}, {"value": a, "dtype": dt}, [],
                          name or "Const", [(a.shape, dt)])
        t = op.outputs[0]
        if key is not None:
            self._const_cache[key] = t
        return t

    def capture(self, value):
        """Make an outside value usable here: eager tensors become constants; tensors of an
        enclosing graph and variables become placeholders fed at call time."""
        if type(value) is EagerTensor:
            return self.constant(np.asarray(value._value) if not isinstance(
                value._value, np.ndarray) else value._value)
        if isinstance(value, SymbolicTensor) and value.graph is self:
            return value
        key = id(value)
        hit = self._captures.get(key)
        if hit is not None:
            return hit[1]
        if isinstance(value, SymbolicTensor):
            g = value.graph
            if self.outer_graph is None or not self._is_ancestor(g):
                raise _foreign_tensor_error(value)
            outer = self.outer_graph.capture(value) if g is not self.outer_graph else value
            ph = self.placeholder(value.dtype, value.shape.as_tuple(), name="capture")
            self._captures[key] = (value, ph, outer)
            return ph
        if getattr(value, "_is_variable", False):
            outer = self.outer_graph.capture(value) if self.outer_graph is not None else None
            ph = self.placeholder(_dt.resource, (), name=value._shared_name + "_handle"
                                  if hasattr(value, "_shared_name") else "resource")
            self._captures[key] = (value, ph, outer)
            if not any(v is value for v in self.variables):
                self.variables.append(value)
            return ph
        raise TypeError(f"Cannot capture {value!r}")

    def _is_ancestor(self, g):
        o = self.outer_graph
        while o is not None:
            if o is g:
                return True
            o = o.outer_graph
        return False

    @property
    def captures(self):
        """(external value, internal placeholder) pairs in capture order."""
        return [(v[0], v[1]) for v in self._captures.values()]

    @property
    def external_captures(self):
        return [v[0] for v in self._captures.values()]

    @property
    def internal_captures(self):
        return [v[1] for v in self._captures.values()]

    def outer_capture_tensors(self):
        """For nested graphs: the tensors/variables of the enclosing graph to pass in."""
        return [v[2] if v[2] is not None else v[0] for v in self._captures.values()]

    # ----------------------------------------------------------------------------------------
    def create_op(self, op_def, args, attrs=None, name=None):
        """Add a node for ``op_def`` applied to ``args`` and return its output tensor(s)."""
        from tensorflux._src.framework.convert import convert_to_tensor

        attrs = attrs or {}
        flat = []
        for a in args:
            if type(a) in (list, tuple):
                flat.extend(convert_to_tensor(x) for x in a)
            else:
                flat.append(convert_to_tensor(a))
        types = _resolve_types(op_def, args, flat, attrs)
        full = dict(op_def.attrs)
        full.update(attrs)
        full.update(types)
        for a, x in zip(op_def.input_args, args):
            if a.is_list and a.number_attr:
                full[a.number_attr] = len(x)
        out_specs = self._infer(op_def, args, flat, full, types)
        op = self._add_op(op_def, flat, full, attrs, _arg_spec(op_def, args) if
                          op_def.has_list_inputs else None, name or op_def.name, out_specs)
        outs = op.outputs
        if state.tapes:
            from tensorflux._src.framework.tape import record_operation

            record_operation(op_def, attrs, flat, outs, op)
        if op_def.fixed_num_outputs == 1:
            return outs[0]
        if op_def.fixed_num_outputs == 0:
            return op
        return tuple(outs)

    def _infer(self, op_def, args, flat, full, types):
        n = op_def.num_outputs(full)
        dts = op_def.output_dtypes(full, types)
        if op_def.infer is None:
            return [(None, d) for d in dts]
        shapes, dtypes, values = [], [], []
        pos = 0
        for a in args:
            if type(a) in (list, tuple):
                ts = flat[pos:pos + len(a)]
                pos += len(a)
                shapes.append([t.shape.as_tuple() for t in ts])
                dtypes.append([t.dtype for t in ts])
                values.append([constant_value(t) for t in ts])
            else:
                t = flat[pos]
                pos += 1
                shapes.append(t.shape.as_tuple())
                dtypes.append(t.dtype)
                values.append(constant_value(t))
        try:
            res = op_def.infer(InferContext(shapes, dtypes, full, values, types))
        except ValueError as e:
            shown = ", ".join(str(list(s)) if s is not None else "<unknown>" for s in shapes)
            raise ValueError(
                f"{e}\n  for node {self.unique_name(op_def.name, False)!r} = {op_def.name}"
                f" with input shapes: {shown}{_where()}") from None
        if n == 1 and not (isinstance(res, list) and res and (res[0] is None or isinstance(
                res[0], tuple))):
            res = [res]
        if isinstance(res, tuple) and n != 1:
            res = list(res)
        out = []
        for i, d in enumerate(dts):
            r = res[i]
            if isinstance(r, tuple) and len(r) == 2 and isinstance(r[1], _dt.DType):
                out.append(r)
            else:
                out.append((r, d))
        return out

    def _add_op(self, op_def, inputs, attrs, call_attrs, arg_spec, name, out_specs):
        if self.finalized:
            raise RuntimeError(f"Graph {self.name} is finalized and cannot be modified.")
        f = context.user_frame()
        tb = (f.f_code.co_filename, f.f_lineno, f.f_code.co_name) if f is not None else None
        op = Operation(self, op_def, self.unique_name(name), inputs, attrs, call_attrs, arg_spec,
                       tb)
        op.outputs = [SymbolicTensor(op, i, s, d) for i, (s, d) in enumerate(out_specs)]
        if state.control_deps:
            for deps in state.control_deps:
                for d in deps:
                    if d.graph is self and d not in op.control_inputs:
                        op.control_inputs.append(d)
        if state.device_stack:
            op.device = state.device_stack[-1] or ""
        self._ops.append(op)
        return op


def constant_value(t):
    """The value of ``t`` if it is known while tracing (a constant), else None."""
    if type(t) is EagerTensor:
        return t._value
    op = getattr(t, "_op", None)
    if op is not None and op.op_def is CONST:
        return op.attrs["value"]
    return None


def _resolve_types(op_def, args, flat, attrs):
    types = {}
    first_arg = {}
    for a, x in zip(op_def.input_args, args):
        ts = x if type(x) in (list, tuple) else [x]
        if a.is_list and not ts:
            continue
        for t in (ts if a.is_list else [ts[0]]):
            t_dt = t.dtype if not isinstance(t, (list, tuple)) else None
            if a.type_attr is None:
                if a.fixed is not None and a.fixed is not _dt.resource and t_dt != a.fixed:
                    raise TypeError(f"Input '{a.name}' of '{op_def.name}' Op has type "
                                    f"{t_dt.name} that does not match expected type of "
                                    f"{a.fixed.name}.{_where()}")
                continue
            prev = types.get(a.type_attr)
            if prev is None:
                allowed = op_def.types[a.type_attr]
                if allowed and t_dt not in allowed:  # () means any dtype
                    raise TypeError(
                        f"Value passed to parameter '{a.name}' has DataType {t_dt.name} not in "
                        f"list of allowed values: {', '.join(d.name for d in allowed)}{_where()}")
                types[a.type_attr] = t_dt
                first_arg[a.type_attr] = a.name
            elif prev != t_dt:
                raise TypeError(
                    f"Input '{a.name}' of '{op_def.name}' Op has type {t_dt.name} that does not "
                    f"match type {prev.name} of argument '{first_arg[a.type_attr]}'.{_where()}")
    for k in op_def.types:
        if k in attrs and k not in types:
            types[k] = _dt.as_dtype(attrs[k])
    return types


def _where():
    loc = context.user_location()
    return f"\n  Called from: {loc}" if loc else ""


def _foreign_tensor_error(t):
    from tensorflux._src.core.errors import InvalidArgumentError

    return InvalidArgumentError(
        None, None, f"The tensor {t.name} cannot be accessed from here, because it was defined "
        f"in another function or code block ({t.graph.name}). Return it from that function, "
        "or pass it in as an argument.")

