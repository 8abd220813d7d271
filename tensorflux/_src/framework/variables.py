"""``tf.Variable``: mutable state that ops read and assign, eagerly or inside graphs.

Eagerly, a variable holds a NumPy array; reads return it wrapped as a tensor (no copy)
and assignments replace it, so a value read earlier never changes under the reader.
Inside ``tf.function`` the variable is captured as a resource input and reads/writes
become ``ReadVariableOp``/``AssignVariableOp`` nodes, run in program order.
"""

from __future__ import annotations

import contextlib
import enum
import sys

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.scatter import add_at
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, OpDef, register
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework import context
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor, Tensor

state = context.state


class VariableSynchronization(enum.Enum):
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


def _read_kernel(handle, dtype=None):
    return handle._value


def writable_buffer(handle):
    """The variable's array if it may be updated in place, else None.

    Reads hand out the buffer itself (no copy), so a write may reuse it only when nothing
    else holds it: no tensor read earlier, no executor slot, no view. This is TensorFlow's
    copy-on-write rule for resource variables, with Python's reference count standing in
    for the buffer's."""
    buf = handle._value
    # References: the variable's attribute, `buf`, and getrefcount's argument.
    if (type(buf) is np.ndarray and buf.base is None and buf.flags.writeable
            and sys.getrefcount(buf) <= 3):
        return buf
    return None


def _assign_kernel(handle, value, dtype=None):
    buf = writable_buffer(handle)
    if buf is not None and np.shape(value) == buf.shape:
        np.copyto(buf, value)
    else:
        handle._set(np.array(value, copy=True) if isinstance(value, np.ndarray) else value)
    return None


def _assign_add_kernel(handle, value, dtype=None):
    buf = writable_buffer(handle)
    if buf is not None and np.broadcast_shapes(buf.shape, np.shape(value)) == buf.shape:
        np.add(buf, value, out=buf)
    else:
        handle._set(handle._value + value)


def _assign_sub_kernel(handle, value, dtype=None):
    buf = writable_buffer(handle)
    if buf is not None and np.broadcast_shapes(buf.shape, np.shape(value)) == buf.shape:
        np.subtract(buf, value, out=buf)
    else:
        handle._set(handle._value - value)


def _scatter_kernel(fn):
    def k(handle, indices, updates, dtype=None):
        v = np.array(handle._value, copy=True)
        fn(v, indices, updates)
        handle._set(v)
    return k


def _upd(v, i, u):
    v[i] = u


def _read_grad(op, g):
    return [g]


_T = {"dtype": ()}
READ = register(OpDef("ReadVariableOp", _read_kernel, inputs=("resource: resource",),
                      outputs=("value: dtype",), types=_T, grad=_read_grad, stateful=True))
ASSIGN = register(OpDef("AssignVariableOp", _assign_kernel,
                        inputs=("resource: resource", "value: dtype"), outputs=(), types=_T,
                        grad=NOT_DIFFERENTIABLE, stateful=True))
ASSIGN_ADD = register(OpDef("AssignAddVariableOp", _assign_add_kernel,
                            inputs=("resource: resource", "value: dtype"), outputs=(), types=_T,
                            grad=NOT_DIFFERENTIABLE, stateful=True))
ASSIGN_SUB = register(OpDef("AssignSubVariableOp", _assign_sub_kernel,
                            inputs=("resource: resource", "value: dtype"), outputs=(), types=_T,
                            grad=NOT_DIFFERENTIABLE, stateful=True))
_SCATTER = {}
for _name, _fn in [("ResourceScatterUpdate", _upd),
                   ("ResourceScatterAdd", add_at),
                   ("ResourceScatterSub", lambda v, i, u: add_at(v, i, -np.asarray(u))),
                   ("ResourceScatterMul", lambda v, i, u: np.multiply.at(v, i, u)),
                   ("ResourceScatterDiv", lambda v, i, u: np.divide.at(v, i, u)),
                   ("ResourceScatterMax", lambda v, i, u: np.maximum.at(v, i, u)),
                   ("ResourceScatterMin", lambda v, i, u: np.minimum.at(v, i, u))]:
    _SCATTER[_name] = register(OpDef(
        _name, _scatter_kernel(_fn), inputs=("resource: resource", "indices: Tindices",
                                             "updates: dtype"),
        outputs=(), types={"dtype": (), "Tindices": (_dt.int32, _dt.int64)},
        grad=NOT_DIFFERENTIABLE, stateful=True))


def _nd_scatter(fn):
    def k(handle, indices, updates, dtype=None):
        v = np.array(handle._value, copy=True)
        idx = tuple(np.moveaxis(np.asarray(indices), -1, 0))
        fn(v, idx, updates)
        handle._set(v)
    return k


for _name, _fn in [("ResourceScatterNdUpdate", _upd),
                   ("ResourceScatterNdAdd", lambda v, i, u: np.add.at(v, i, u)),
                   ("ResourceScatterNdSub", lambda v, i, u: np.subtract.at(v, i, u))]:
    _SCATTER[_name] = register(OpDef(
        _name, _nd_scatter(_fn), inputs=("ref: resource", "indices: Tindices",
                                         "updates: dtype"),
        outputs=(), types={"dtype": (), "Tindices": (_dt.int32, _dt.int64)},
        grad=NOT_DIFFERENTIABLE, stateful=True))


@contextlib.contextmanager
def init_scope():
    """Leave any trace: code inside runs eagerly (``tf.init_scope``)."""
    saved = (state.graph, state.tapes, state.control_deps)
    state.graph, state.tapes, state.control_deps = None, [], []
    try:
        yield
    finally:
        state.graph, state.tapes, state.control_deps = saved


def _lift(t):
    """Evaluate a traced initial value eagerly, as TensorFlow lifts variable initializers out
    of ``tf.function``. It must not depend on the function's inputs."""
    from tensorflux._src.framework.executor import Plan

    try:
        plan = Plan(t.graph, [], [t], keep_stateful=False)
    except Exception as e:
        raise ValueError(
            f"The initial value of a tf.Variable created inside tf.function depends on the "
            f"function's inputs ({t.name}). Create the variable outside the function, or "
            f"initialize it with a value that does not depend on the arguments.") from e
    with init_scope():
        return EagerTensor(plan.run([])[0])


class Variable:
    """A tensor-like value that persists across calls and can be assigned (``tf.Variable``).

    Example:
        >>> import tensorflux as tf
        >>> v = tf.Variable([1.0, 2.0])
        >>> _ = v.assign_add([1.0, 1.0])
        >>> v.numpy().tolist()
        [2.0, 3.0]
    """

    _is_variable = True
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("The initial_value must be specified.")
        if constraint is not None and not callable(constraint):
            raise ValueError(f"The `constraint` argument must be a callable, got {constraint!r}")
        from tensorflux._src.framework.convert import convert_to_tensor

        if isinstance(initial_value, SymbolicTensor):
            initial_value = _lift(initial_value)
        with init_scope():
            if callable(initial_value):
                initial_value = initial_value()
            if getattr(initial_value, "_is_variable", False):
                initial_value = initial_value.value()
            t = convert_to_tensor(initial_value, dtype=dtype) if dtype is not None and \
                not isinstance(initial_value, Tensor) else convert_to_tensor(initial_value)
            if dtype is not None and t.dtype != dtype:
                from tensorflux._src.ops.math_ops import cast
                t = cast(t, dtype)
        value = t._value
        if isinstance(value, np.ndarray):
            value = value.copy()
        self._value = value
        self._dtype = t.dtype
        self._shape = TensorShape(shape) if shape is not None else TensorShape(np.shape(value))
        if validate_shape and shape is not None and not self._shape.is_compatible_with(
                np.shape(value)):
            raise ValueError(f"Initial value shape {np.shape(value)} is not compatible with "
                             f"shape {self._shape}")
        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization value can be set to VariableSynchronization."
                             "ON_READ only for non-trainable variables.")
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        self._trainable = bool(trainable)
        base = name or "Variable"
        scope = state.graph._name_stack if state.graph is not None else state.name_scope
        self._shared_name = (f"{scope.rstrip('/')}/{base}" if scope else base)
        self._name = self._shared_name + ":0"
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        self._initial_value = t

    # --- properties -----------------------------------------------------------------------
    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)
    synchronization = property(lambda self: self._synchronization)
    aggregation = property(lambda self: self._aggregation)
    initial_value = property(lambda self: self._initial_value)
    device = property(lambda self: "/job:localhost/replica:0/task:0/device:CPU:0")
    handle = property(lambda self: self)

    @property
    def ndim(self):
        return self._shape.rank

    def get_shape(self):
        return self._shape

    def _set(self, value):
        """Kernel-level write (shape/dtype already checked)."""
        self._value = value

    # --- reading ----------------------------------------------------------------------------
    def value(self):
        """The current value as a tensor (records a read on active tapes)."""
        g = state.graph
        if g is None:
            t = EagerTensor(self._value)
            if state.tapes:
                from tensorflux._src.framework.tape import record_operation, variable_accessed

                variable_accessed(self)
                record_operation(READ, None, [self], (t,))
            return t
        from tensorflux._src.framework.tape import record_operation, variable_accessed

        handle = g.capture(self)
        saved = state.tapes
        state.tapes = []
        try:
            t = g.create_op(READ, [handle], {"dtype": self._dtype}, name="ReadVariableOp")
        finally:
            state.tapes = saved
        t.set_shape(self._shape)
        if state.tapes:
            variable_accessed(self)
            record_operation(READ, None, [self], (t,), t.op)
        return t

    read_value = value

    def read_value_no_copy(self):
        return self.value()

    def numpy(self):
        if state.graph is not None:
            raise NotImplementedError("numpy() is only available when eager execution is "
                                      "enabled.")
        v = self._value
        return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else np.array(v)

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._value)
        return a if dtype is None else a.astype(dtype)

    def _as_tensor(self):
        return self.value()

    def sparse_read(self, indices, name=None):
        from tensorflux._src.ops.array_ops import gather
        return gather(self.value(), indices)

    def gather_nd(self, indices, name=None):
        from tensorflux._src.ops.array_scatter import gather_nd
        return gather_nd(self.value(), indices)

    # --- writing ----------------------------------------------------------------------------
    def _convert_value(self, value):
        from tensorflux._src.framework.convert import convert_to_tensor

        t = convert_to_tensor(value, dtype_hint=self._dtype)
        if t.dtype != self._dtype:
            raise TypeError(f"Cannot assign a value of dtype {t.dtype.name} to the variable "
                            f"{self._name!r} of dtype {self._dtype.name}. Cast it with tf.cast.")
        return t

    def _write(self, op_def, value, name, read_value):
        t = self._convert_value(value)
        g = state.graph
        if g is None:
            v = t._value
            if op_def is ASSIGN and not self._shape.is_compatible_with(np.shape(v)):
                raise ValueError(
                    f"Cannot assign value of shape {np.shape(v)} to the variable "
                    f"{self._name!r} of shape {self._shape}.")
            if op_def is not ASSIGN and np.broadcast_shapes(np.shape(self._value),
                                                            np.shape(v)) != np.shape(self._value):
                raise ValueError(f"Shapes {self._shape} and {np.shape(v)} are incompatible "
                                 f"for {op_def.name} on {self._name!r}")
            del t
            op_def.kernel(self, v)
            return self if read_value else None
        handle = g.capture(self)
        if not self._shape.is_compatible_with(t.shape) and op_def is ASSIGN:
            raise ValueError(f"Cannot assign value of shape {t.shape} to the variable "
                             f"{self._name!r} of shape {self._shape}.")
        op = g.create_op(op_def, [handle, t], {"dtype": self._dtype}, name=name)
        return self if read_value else op

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the variable to ``value`` (``tf.Variable.assign``)."""
        return self._write(ASSIGN, value, name or "AssignVariableOp", read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._write(ASSIGN_ADD, delta, name or "AssignAddVariableOp", read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._write(ASSIGN_SUB, delta, name or "AssignSubVariableOp", read_value)

    def _scatter(self, opname, sparse_delta, use_locking=False, name=None):
        from tensorflux._src.framework.convert import convert_to_tensor

        indices = convert_to_tensor(sparse_delta.indices)
        updates = self._convert_value(sparse_delta.values)
        op_def = _SCATTER[opname]
        g = state.graph
        if g is None:
            op_def.kernel(self, indices._value, updates._value)
            return self
        g.create_op(op_def, [g.capture(self), indices, updates], {"dtype": self._dtype},
                    name=name or opname)
        return self

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterUpdate", sparse_delta, name=name)

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterAdd", sparse_delta, name=name)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterSub", sparse_delta, name=name)

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterMul", sparse_delta, name=name)

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterDiv", sparse_delta, name=name)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterMax", sparse_delta, name=name)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return self._scatter("ResourceScatterMin", sparse_delta, name=name)

    def _nd(self, opname, indices, updates, name):
        from tensorflux._src.framework.indexed_slices import IndexedSlices
        return self._scatter(opname, IndexedSlices(updates, indices), name=name)

    def scatter_nd_update(self, indices, updates, name=None):
        return self._nd("ResourceScatterNdUpdate", indices, updates, name)

    def scatter_nd_add(self, indices, updates, name=None):
        return self._nd("ResourceScatterNdAdd", indices, updates, name)

    def scatter_nd_sub(self, indices, updates, name=None):
        return self._nd("ResourceScatterNdSub", indices, updates, name)

    def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self.scatter_update(sparse_delta, name=name)

    # --- misc -------------------------------------------------------------------------------
    def ref(self):
        from tensorflux._src.framework.tensor import _Reference
        return _Reference(self)

    experimental_ref = ref

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def __repr__(self):
        if state.graph is not None:
            return f"<tf.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}>"
        from tensorflux._src.framework.tensor import _numpy_repr
        return (f"<tf.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={_numpy_repr(self._value)}>")

    def __bool__(self):
        return bool(self.value())

    def __len__(self):
        return len(self.value())

    def __iter__(self):
        return iter(self.value())

    def __index__(self):
        return self.value().__index__()

    def __int__(self):
        return int(self._value)

    def __float__(self):
        return float(self._value)

    def __deepcopy__(self, memo):
        v = Variable(np.array(self._value, copy=True), trainable=self._trainable,
                     name=self._shared_name, dtype=self._dtype, constraint=self._constraint,
                     shape=self._shape)
        memo[id(self)] = v
        return v

    def __copy__(self):
        return self

    def get_initial_value(self):
        return self._initial_value

    def initialized_value(self):
        return self.value()

    def eval(self, session=None):
        return self.numpy()


def is_variable(x) -> bool:
    return getattr(x, "_is_variable", False)
