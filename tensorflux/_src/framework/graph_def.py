"""Serializing traced graphs as TensorFlow ``GraphDef`` protocol buffers.

``graph_to_graph_def(graph)`` writes one ``NodeDef`` per ``Operation``, in creation
order: its name (name scopes included, ``"dense/MatMul"``), its op (the raw op name),
its inputs (``"x"``, ``"split:1"``, then ``"^ctrl"`` for control inputs), its device and
its attrs. Attrs are encoded by value:

* type attrs (``T``, ``dtype``, ...) and ``DType`` values -> ``type`` (DataType enum);
* bool -> ``b``, int -> ``i``, float -> ``f``, str/bytes -> ``s``;
* shapes (attrs named ``shape``, ``*_shape``, TensorShape values) -> ``shape``, with -1
  for unknown dims and ``unknown_rank`` for unknown rank; ``shapes``/``output_shapes``
  -> ``list(shape)``;
* lists/tuples -> ``list(...)`` of the element kind; NumPy arrays -> ``tensor``;
* nested graphs (control-flow branches and bodies) -> ``func``, naming a function that
  is added to the GraphDef's ``library`` as a ``FunctionDef``;
* ``None`` (an unset optional attr) and Python-only objects (callables, arbitrary
  objects) are omitted: they have no GraphDef encoding and TensorFlow readers fall back
  to the op's default.

Protobuf is imported on first use, never by ``import tensorflux``.
"""

from __future__ import annotations

import os

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.tensor_shape import TensorShape

# GraphDef versions of the TensorFlow 2 release line this mirrors (TF_GRAPH_DEF_VERSION).
PRODUCER_VERSION = 1766
MIN_CONSUMER_VERSION = 0

_SHAPE_LIST_ATTRS = ("shapes", "output_shapes", "_output_shapes", "element_shapes")


def _pb():
    from tensorflux._src.proto import (
        attr_value_pb2,
        function_pb2,
        graph_pb2,
        node_def_pb2,
        op_def_pb2,
        tensor_pb2,
        tensor_shape_pb2,
    )

    return (graph_pb2, node_def_pb2, attr_value_pb2, tensor_pb2, tensor_shape_pb2,
            function_pb2, op_def_pb2)


# --- shapes and tensors ------------------------------------------------------------------
def shape_proto(shape):
    """A ``TensorShapeProto`` for a shape (tuple with None dims, TensorShape, or None)."""
    from tensorflux._src.proto import tensor_shape_pb2

    p = tensor_shape_pb2.TensorShapeProto()
    if isinstance(shape, TensorShape):
        shape = shape.as_tuple()
    if shape is None:
        p.unknown_rank = True
        return p
    for d in shape:
        p.dim.add(size=-1 if d is None else int(d))
    return p


def shape_from_proto(p):
    """The tuple (None for unknown dims) or None (unknown rank) of a TensorShapeProto."""
    if p.unknown_rank:
        return None
    return tuple(None if d.size < 0 else int(d.size) for d in p.dim)


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False,
                      allow_broadcast=False):
    """A ``TensorProto`` holding ``values`` (``tf.make_tensor_proto``).

    Numeric arrays are stored as raw little-endian bytes in ``tensor_content``; strings
    in ``string_val``. With ``shape``, the values are reshaped to it, or a single value
    fills it.

    Example:
        >>> from tensorflux._src.framework.graph_def import make_tensor_proto
        >>> p = make_tensor_proto([1.0, 2.0])
        >>> p.tensor_shape.dim[0].size, p.dtype  # 1 is DT_FLOAT
        (2, 1)
    """
    from tensorflux._src.proto import tensor_pb2

    value = values
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    dt = None if dtype is None else _dt.as_dtype(dtype)
    if dt is _dt.string or (dt is None and _is_string_value(value)):
        a = np.asarray(value, dtype=object)
        dt = _dt.string
    else:
        a = np.asarray(value) if dt is None else np.asarray(value, dtype=dt.np_dtype)
        if dt is None:
            if not isinstance(value, (np.ndarray, np.generic)):
                # Python numbers: float32 and int32, as TensorFlow converts them.
                if a.dtype == np.float64:
                    a = a.astype(np.float32)
                elif a.dtype == np.int64 and (a.size == 0 or np.abs(a).max() < 2**31):
                    a = a.astype(np.int32)
            dt = _dt.as_dtype(a.dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if verify_shape and a.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, but got {a.shape}.")
        if a.size == int(np.prod(shape, dtype=np.int64)):
            a = a.reshape(shape)
        elif a.size == 1 or allow_broadcast:
            a = np.broadcast_to(a if a.size != 1 else a.reshape(()), shape)
        else:
            raise ValueError(f"Too many or too few elements ({a.size}) for shape {shape}.")
    p = tensor_pb2.TensorProto(dtype=dt.as_datatype_enum)
    p.tensor_shape.CopyFrom(shape_proto(a.shape))
    if dt is _dt.string:
        p.string_val.extend(_as_bytes(x) for x in a.reshape(-1))
    elif dt in (_dt.resource, _dt.variant):
        pass  # handles have no portable value
    else:
        p.tensor_content = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
    return p


def _is_string_value(v):
    if isinstance(v, (str, bytes)):
        return True
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "OSU"
    if isinstance(v, (list, tuple)):
        flat = np.asarray(v, dtype=object).reshape(-1)
        return flat.size > 0 and isinstance(flat[0], (str, bytes))
    return False


def _as_bytes(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    return str(x).encode("utf-8")


_TYPED_FIELDS = {
    "f": "float_val", "d": "double_val", "i": "int_val", "l": "int64_val", "b": "bool_val",
}


def make_ndarray(p):
    """The NumPy array held by a ``TensorProto`` (``tf.make_ndarray``)."""
    dt = _dt.as_dtype(p.dtype)
    shape = shape_from_proto(p.tensor_shape) or ()
    size = int(np.prod(shape, dtype=np.int64))
    if dt is _dt.string:
        vals = list(p.string_val)
        out = np.empty(len(vals), dtype=object)
        out[:] = vals
        return _fill(out, size).reshape(shape)
    npdt = dt.np_dtype
    if p.tensor_content:
        return np.frombuffer(p.tensor_content, dtype=npdt.newbyteorder("<")).astype(
            npdt).reshape(shape)
    if dt in (_dt.float16, _dt.bfloat16):
        bits = np.asarray(p.half_val, dtype=np.uint16)
        vals = bits.view(npdt)
    elif dt is _dt.float32:
        vals = np.asarray(p.float_val, dtype=npdt)
    elif dt is _dt.float64:
        vals = np.asarray(p.double_val, dtype=npdt)
    elif dt is _dt.int64:
        vals = np.asarray(p.int64_val, dtype=npdt)
    elif dt is _dt.uint32:
        vals = np.asarray(p.uint32_val, dtype=npdt)
    elif dt is _dt.uint64:
        vals = np.asarray(p.uint64_val, dtype=npdt)
    elif dt is _dt.bool:
        vals = np.asarray(p.bool_val, dtype=npdt)
    elif dt is _dt.complex64:
        vals = np.asarray(p.scomplex_val, dtype=np.float32).view(np.complex64)
    elif dt is _dt.complex128:
        vals = np.asarray(p.dcomplex_val, dtype=np.float64).view(np.complex128)
    else:
        vals = np.asarray(p.int_val, dtype=np.int64).astype(npdt)
    return _fill(vals, size).reshape(shape)


def _fill(vals, size):
    """TensorFlow's rule: fewer values than elements repeat the last value."""
    if vals.size == size:
        return vals
    if vals.size == 0:
        return np.zeros(size, dtype=vals.dtype)
    out = np.empty(size, dtype=vals.dtype)
    out[:vals.size] = vals
    out[vals.size:] = vals[-1]
    return out


# --- attrs -------------------------------------------------------------------------------
class _Library:
    """Collects the FunctionDefs of nested graphs met while serializing attrs."""

    def __init__(self):
        self.functions = {}  # name -> FunctionDef

    def add(self, graph):
        name = _function_name(graph)
        if name not in self.functions:
            self.functions[name] = None  # reserve first: a body may name itself
            self.functions[name] = function_def(graph, self, name)
        return name


def _function_name(graph):
    return f"__inference_{graph.name}_{id(graph) & 0xFFFFFF:x}"


def _is_graph(v):
    return hasattr(v, "_ops") and hasattr(v, "inputs") and hasattr(v, "outputs")


def attr_value(key, v, library=None, op_def=None):
    """An ``AttrValue`` for attr ``key`` with value ``v``, or None when it has no encoding."""
    from tensorflux._src.proto import attr_value_pb2

    a = attr_value_pb2.AttrValue()
    if op_def is not None and key in op_def.types:
        if v is None:
            return None
        a.type = _dt.as_dtype(v).as_datatype_enum
        return a
    if v is None:
        return None
    if isinstance(v, _dt.DType):
        a.type = v.as_datatype_enum
    elif isinstance(v, TensorShape) or (key == "shape" or key.endswith("_shape")) and (
            isinstance(v, (tuple, list)) or v is None):
        a.shape.CopyFrom(shape_proto(v))
    elif isinstance(v, (bool, np.bool_)):
        a.b = bool(v)
    elif isinstance(v, (int, np.integer)):
        a.i = int(v)
    elif isinstance(v, (float, np.floating)):
        a.f = float(v)
    elif isinstance(v, str):
        a.s = v.encode("utf-8")
    elif isinstance(v, bytes):
        a.s = v
    elif isinstance(v, np.ndarray):
        a.tensor.CopyFrom(make_tensor_proto(v))
    elif isinstance(v, (list, tuple)):
        if not _list_value(a, key, v, library):
            return None
    elif _is_graph(v) or hasattr(v, "graph") and _is_graph(v.graph):
        g = v if _is_graph(v) else v.graph
        if library is None:
            a.func.name = _function_name(g)
        else:
            a.func.name = library.add(g)
    else:
        return None
    return a


def _list_value(a, key, v, library):
    lst = a.list
    a.list.SetInParent()  # an empty list is still a (list-valued) attr
    if key in _SHAPE_LIST_ATTRS:
        for s in v:
            lst.shape.add().CopyFrom(shape_proto(s))
        return True
    for x in v:
        if isinstance(x, _dt.DType):
            lst.type.append(x.as_datatype_enum)
        elif isinstance(x, (bool, np.bool_)):
            lst.b.append(bool(x))
        elif isinstance(x, (int, np.integer)):
            lst.i.append(int(x))
        elif isinstance(x, (float, np.floating)):
            lst.f.append(float(x))
        elif isinstance(x, (str, bytes)):
            lst.s.append(_as_bytes(x))
        elif isinstance(x, TensorShape) or x is None or isinstance(x, tuple):
            lst.shape.add().CopyFrom(shape_proto(x))
        elif isinstance(x, np.ndarray):
            lst.tensor.add().CopyFrom(make_tensor_proto(x))
        elif _is_graph(x) or hasattr(x, "graph") and _is_graph(x.graph):
            g = x if _is_graph(x) else x.graph
            lst.func.add(name=library.add(g) if library is not None else _function_name(g))
        else:
            return False
    return True


# --- nodes and graphs --------------------------------------------------------------------
def _input_name(t):
    i = t.value_index
    return t.op.name if i == 0 else f"{t.op.name}:{i}"


def node_def(op, library=None, add_shapes=False):
    """The ``NodeDef`` of one ``Operation`` (``op.node_def``)."""
    from tensorflux._src.proto import node_def_pb2

    n = node_def_pb2.NodeDef(name=op.name, op=op.type, device=op.device or "")
    n.input.extend(_input_name(t) for t in op.inputs)
    n.input.extend("^" + c.name for c in op.control_inputs)
    od = op.op_def
    attrs = op.attrs
    if od.name == "Const":
        n.attr["dtype"].type = _dt.as_dtype(attrs["dtype"]).as_datatype_enum
        n.attr["value"].tensor.CopyFrom(make_tensor_proto(attrs["value"], attrs["dtype"]))
    else:
        for key in sorted(attrs):
            if key.startswith("__"):
                continue
            a = attr_value(key, attrs[key], library, od)
            if a is not None:
                n.attr[key].CopyFrom(a)
        if od.name == "Placeholder" and "shape" not in n.attr:
            n.attr["shape"].shape.unknown_rank = True
    if add_shapes and op.outputs:
        lst = n.attr["_output_shapes"].list
        for t in op.outputs:
            lst.shape.add().CopyFrom(shape_proto(t.shape.as_tuple()))
    original = attrs.get("__original_node_names") if isinstance(attrs, dict) else None
    if original:
        n.experimental_debug_info.original_node_names.extend(original)
    return n


def graph_to_graph_def(graph, add_shapes=False):
    """The ``GraphDef`` of a traced graph (``graph.as_graph_def()``).

    Example:
        >>> import tensorflux as tf
        >>> @tf.function
        ... def f(x):
        ...     return x * 2.0
        >>> gd = f.get_concrete_function(tf.TensorSpec([2])).graph.as_graph_def()
        >>> [n.op for n in gd.node]
        ['Placeholder', 'Const', 'Mul']
    """
    from tensorflux._src.proto import graph_pb2

    library = _Library()
    gd = graph_pb2.GraphDef()
    gd.versions.producer = PRODUCER_VERSION
    gd.versions.min_consumer = MIN_CONSUMER_VERSION
    for op in graph._ops:
        gd.node.add().CopyFrom(node_def(op, library, add_shapes))
    for fd in library.functions.values():
        if fd is not None:
            gd.library.function.add().CopyFrom(fd)
    return gd


def _arg_name(name):
    s = "".join(c if c.isalnum() or c == "_" else "_" for c in name.lower())
    return s if s and s[0].isalpha() else "arg_" + s


def function_def(graph, library=None, name=None):
    """A ``FunctionDef`` for a nested graph: its placeholders become the signature's
    inputs, its outputs ``output_<i>``, and node inputs use the ``node:out_arg:index``
    form of function bodies."""
    from tensorflux._src.proto import function_pb2

    fd = function_pb2.FunctionDef()
    fd.signature.name = name or _function_name(graph)
    inputs = list(graph.inputs) + list(getattr(graph, "internal_captures", []))
    in_names = {}
    for t in inputs:
        arg = _arg_name(t.op.name)
        in_names[id(t)] = arg
        fd.signature.input_arg.add(name=arg, type=t.dtype.as_datatype_enum)

    def ref(t):
        if id(t) in in_names:
            return in_names[id(t)]
        arg, idx = _output_arg(t)
        return f"{t.op.name}:{arg}:{idx}"

    for op in graph._ops:
        if op.op_def.name == "Placeholder" and any(o is t for t in inputs for o in op.outputs):
            continue
        n = node_def(op, library)
        del n.input[:]
        n.input.extend(ref(t) for t in op.inputs)
        n.input.extend("^" + c.name for c in op.control_inputs)
        fd.node_def.add().CopyFrom(n)
    for i, t in enumerate(graph.outputs):
        if t is None:
            continue
        out = f"output_{i}"
        fd.signature.output_arg.add(name=out, type=t.dtype.as_datatype_enum)
        fd.ret[out] = ref(t)
    return fd


def _output_arg(t):
    """(output arg name, index within it) of output tensor ``t`` of its op."""
    op = t.op
    k = t.value_index
    for a in op.op_def.output_args:
        n = int(op.attrs.get(a.number_attr, 1)) if a.is_list else 1
        if k < n:
            return a.name, k
        k -= n
    return "output", t.value_index


# --- files -------------------------------------------------------------------------------
def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Writes a graph's GraphDef to ``logdir/name`` (``tf.io.write_graph``).

    Args:
        graph_or_graph_def: a traced graph (``FuncGraph``), a ``ConcreteFunction`` or a
            ``GraphDef``.
        logdir: directory to write into (created if missing).
        name: file name, e.g. ``"graph.pbtxt"``.
        as_text: write the text format when True, else binary.

    Returns:
        The path written.

    Example:
        >>> import tempfile, tensorflux as tf
        >>> from tensorflux._src.framework.graph_def import write_graph
        >>> f = tf.function(lambda x: x + 1.0)
        >>> cf = f.get_concrete_function(tf.TensorSpec([]))
        >>> write_graph(cf.graph, tempfile.mkdtemp(), "g.pbtxt").endswith("g.pbtxt")
        True
    """
    gd = graph_or_graph_def
    if hasattr(gd, "graph") and _is_graph(gd.graph):
        gd = gd.graph
    if _is_graph(gd):
        gd = graph_to_graph_def(gd)
    path = os.path.join(logdir, name)
    if logdir:
        os.makedirs(logdir, exist_ok=True)
    if as_text:
        from google.protobuf import text_format

        with open(path, "w", encoding="utf-8") as f:
            f.write(text_format.MessageToString(gd))
    else:
        with open(path, "wb") as f:
            f.write(gd.SerializeToString(deterministic=True))
    return path
