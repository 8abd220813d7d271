"""GraphDef serialization of traced graphs: structure, attrs, and wire compatibility."""

import subprocess
import sys

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework import graph_def as gdm

pytest.importorskip("google.protobuf")

from google.protobuf import json_format, text_format  # noqa: E402

from tensorflux._src.proto import graph_pb2, types_pb2  # noqa: E402


def _graph():
    @tf.function
    def f(x, y):
        with tf.name_scope("dense"):
            z = tf.matmul(x, y)
        s = tf.add(tf.reduce_sum(z, axis=[0, 1]), 1.5)
        parts = tf.unstack(z, axis=1)
        return s, tf.reshape(z, [-1]), tf.add(parts[1], parts[2])

    return f.get_concrete_function(tf.TensorSpec([None, 2]), tf.TensorSpec([2, 3]))


def _nodes(gd):
    return {n.name: n for n in gd.node}


def test_nodes_ops_inputs_and_name_scopes():
    gd = _graph().graph.as_graph_def()
    nodes = _nodes(gd)
    assert nodes["dense/MatMul"].op == "MatMul"
    assert list(nodes["dense/MatMul"].input) == ["x", "y"]
    unpack = [n for n in gd.node if n.op == "Unpack"][0]
    add = [n for n in gd.node if n.op == "AddV2" and unpack.name in n.input[0]][0]
    assert list(add.input) == [f"{unpack.name}:1", f"{unpack.name}:2"]
    assert unpack.attr["num"].i == 3 and unpack.attr["axis"].i == 1
    assert gd.versions.producer == gdm.PRODUCER_VERSION


def test_attrs_types_shapes_and_consts():
    gd = _graph().graph.as_graph_def()
    nodes = _nodes(gd)
    x = nodes["x"]
    assert x.op == "Placeholder"
    assert x.attr["dtype"].type == types_pb2.DT_FLOAT
    assert [d.size for d in x.attr["shape"].shape.dim] == [-1, 2]
    mm = nodes["dense/MatMul"]
    assert mm.attr["T"].type == types_pb2.DT_FLOAT
    assert mm.attr["transpose_a"].b is False and mm.attr["transpose_a"].WhichOneof("value") == "b"
    s = nodes["Sum"]
    assert s.attr["Tidx"].type == types_pb2.DT_INT32
    axis = nodes[s.input[1]]
    assert axis.op == "Const"
    np.testing.assert_array_equal(gdm.make_ndarray(axis.attr["value"].tensor), [0, 1])
    consts = [n for n in gd.node if n.op == "Const" and n.attr["dtype"].type == types_pb2.DT_FLOAT]
    assert any(gdm.make_ndarray(c.attr["value"].tensor) == np.float32(1.5) for c in consts)


def test_control_inputs_and_device():
    @tf.function
    def f(x):
        a = tf.add(x, 1.0)
        with tf.control_dependencies([a]):
            with tf.device("/CPU:0"):
                y = tf.identity(x)
        return y

    gd = f.get_concrete_function(tf.TensorSpec([])).graph.as_graph_def()
    ident = [n for n in gd.node if n.op == "Identity"][0]
    assert ident.input[0] == "x"
    ctrl = [i for i in ident.input if i.startswith("^")]
    assert ctrl and _nodes(gd)[ctrl[0][1:]].op == "AddV2"
    assert "CPU" in ident.device.upper()


def test_round_trip_and_json_decoder():
    gd = _graph().graph.as_graph_def(add_shapes=True)
    data = gd.SerializeToString()
    back = graph_pb2.GraphDef.FromString(data)
    assert back == gd
    js = json_format.MessageToDict(back)
    assert [n["name"] for n in js["node"]] == [n.name for n in gd.node]
    shapes = _nodes(gd)["dense/MatMul"].attr["_output_shapes"].list.shape
    assert [d.size for d in shapes[0].dim] == [-1, 3]
    text = text_format.MessageToString(gd)
    assert text_format.Parse(text, graph_pb2.GraphDef()) == gd


def _varint(b, i):
    shift = out = 0
    while True:
        c = b[i]
        i += 1
        out |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return out, i


def _fields(b):
    """A minimal independent protobuf wire decoder: [(field number, wire type, value)]."""
    i, out = 0, []
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        else:
            raise AssertionError(f"bad wire type {wt}")
        out.append((num, wt, v))
    return out


def test_bytes_decode_with_tensorflow_field_numbers():
    gd = _graph().graph.as_graph_def()
    top = _fields(gd.SerializeToString())
    nodes = [v for num, _, v in top if num == 1]      # GraphDef.node = 1
    versions = [v for num, _, v in top if num == 4]   # GraphDef.versions = 4
    assert len(nodes) == len(gd.node) and versions
    first = _fields(nodes[2])
    name = [v for num, _, v in first if num == 1][0].decode()   # NodeDef.name = 1
    op = [v for num, _, v in first if num == 2][0].decode()     # NodeDef.op = 2
    inputs = [v.decode() for num, _, v in first if num == 3]    # NodeDef.input = 3
    assert (name, op, inputs) == ("dense/MatMul", "MatMul", ["x", "y"])
    attrs = {}
    for num, _, v in first:
        if num == 5:                                            # NodeDef.attr = 5 (map)
            entry = dict((n, val) for n, _, val in _fields(v))
            attrs[entry[1].decode()] = _fields(entry[2])
    assert attrs["T"] == [(6, 0, 1)]                            # AttrValue.type = 6, DT_FLOAT
    assert attrs["transpose_a"] == [(5, 0, 0)]                  # AttrValue.b = 5


def test_tensor_proto_round_trip():
    for v in [np.arange(6, dtype=np.int64).reshape(2, 3), np.float32(2.5),
              np.array([True, False]), np.array([1 + 2j], np.complex64),
              np.array([b"ab", b"c"], dtype=object), np.zeros((0, 2), np.float16)]:
        p = gdm.make_tensor_proto(v)
        back = gdm.make_ndarray(p)
        assert back.shape == np.shape(v)
        if back.dtype != object:
            assert back.dtype == np.asarray(v).dtype
        np.testing.assert_array_equal(back, v)
    assert gdm.make_tensor_proto(1.0).dtype == types_pb2.DT_FLOAT
    assert gdm.make_tensor_proto(["a"]).string_val == [b"a"]
    p = gdm.make_tensor_proto(3.0, shape=[2, 2])
    np.testing.assert_array_equal(gdm.make_ndarray(p), np.full((2, 2), 3.0, np.float32))
    # The typed fields (as TensorFlow writes small constants) also decode, with fill.
    from tensorflux._src.proto import tensor_pb2

    p = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[7.0])
    p.tensor_shape.dim.add(size=3)
    np.testing.assert_array_equal(gdm.make_ndarray(p), [7.0, 7.0, 7.0])


def test_operation_node_def_and_unknown_rank():
    @tf.function
    def f(x):
        return tf.multiply(x, 2.0)

    g = f.get_concrete_function(tf.TensorSpec(None)).graph
    nd = g.get_operations()[0].node_def
    assert nd.op == "Placeholder" and nd.attr["shape"].shape.unknown_rank


def test_write_graph(tmp_path):
    cf = _graph()
    p = gdm.write_graph(cf.graph, str(tmp_path / "logs"), "g.pbtxt")
    back = text_format.Parse(open(p).read(), graph_pb2.GraphDef())
    assert [n.name for n in back.node] == [op.name for op in cf.graph.get_operations()]
    p2 = gdm.write_graph(cf, str(tmp_path), "g.pb", as_text=False)
    assert graph_pb2.GraphDef.FromString(open(p2, "rb").read()) == back


def test_nested_graph_attr_becomes_library_function():
    from tensorflux._src.framework.graph import FuncGraph, Operation

    @tf.function
    def body(x):
        return tf.multiply(x, 3.0)

    inner = body.get_concrete_function(tf.TensorSpec([2])).graph
    outer = _graph().graph
    op = outer.get_operations()[2]
    fake = Operation(outer, op.op_def, "call", op.inputs, dict(op.attrs, body=inner),
                     op.call_attrs, op.arg_spec, None)
    g = FuncGraph("holder")
    g._ops = [fake]
    gd = gdm.graph_to_graph_def(g)
    fname = gd.node[0].attr["body"].func.name
    fd = {f.signature.name: f for f in gd.library.function}[fname]
    assert [a.name for a in fd.signature.input_arg] == ["x"]
    mul = [n for n in fd.node_def if n.op == "Mul"][0]
    assert mul.input[0] == "x" and mul.input[1].endswith(":output:0")
    assert fd.ret["output_0"] == f"{mul.name}:z:0"


def test_import_does_not_load_protobuf():
    code = "import sys, tensorflux as tf; tf.constant(1.0); print('google.protobuf' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
