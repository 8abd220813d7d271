"""tf.train.Example wire format and the parse_example family vs independent references.

The oracle messages are built from a FileDescriptorProto written here from the spec's field
table (not from tensorflux's .proto files), so encoder and decoder are checked independently.
"""

import numpy as np
import pytest

import tensorflux as tf


def _oracle():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(name="oracle_example.proto", package="oracle",
                                            syntax="proto3")

    def msg(name, *fields, entry=None):
        m = fd.message_type.add(name=name)
        for fname, num, ftype, label, tname, oneof in fields:
            f = m.field.add(name=fname, number=num, type=ftype, label=label)
            if tname:
                f.type_name = tname
            if oneof is not None:
                f.oneof_index = oneof
        return m

    R, OPT = F.LABEL_REPEATED, F.LABEL_OPTIONAL
    msg("BytesList", ("value", 1, F.TYPE_BYTES, R, None, None))
    msg("FloatList", ("value", 1, F.TYPE_FLOAT, R, None, None))
    msg("Int64List", ("value", 1, F.TYPE_INT64, R, None, None))
    feat = msg("Feature", ("bytes_list", 1, F.TYPE_MESSAGE, OPT, ".oracle.BytesList", 0),
               ("float_list", 2, F.TYPE_MESSAGE, OPT, ".oracle.FloatList", 0),
               ("int64_list", 3, F.TYPE_MESSAGE, OPT, ".oracle.Int64List", 0))
    feat.oneof_decl.add(name="kind")
    fs = msg("Features", ("feature", 1, F.TYPE_MESSAGE, R, ".oracle.Features.FeatureEntry",
                          None))
    e = fs.nested_type.add(name="FeatureEntry")
    e.field.add(name="key", number=1, type=F.TYPE_STRING, label=OPT)
    e.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=OPT, type_name=".oracle.Feature")
    e.options.map_entry = True
    msg("Example", ("features", 1, F.TYPE_MESSAGE, OPT, ".oracle.Features", None))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName("oracle." + n))
            for n in ("Example", "Features", "Feature", "FloatList", "Int64List", "BytesList")}


ORACLE = _oracle()


def _ours(features):
    feat = {}
    for k, v in features.items():
        if isinstance(v, np.ndarray) and v.dtype == np.float32 or v and isinstance(v[0], float):
            feat[k] = tf.train.Feature(float_list=tf.train.FloatList(value=list(v)))
        elif v and isinstance(v[0], bytes):
            feat[k] = tf.train.Feature(bytes_list=tf.train.BytesList(value=v))
        else:
            feat[k] = tf.train.Feature(int64_list=tf.train.Int64List(value=list(v)))
    return tf.train.Example(features=tf.train.Features(feature=feat)).SerializeToString()


def test_spec_bytes():
    ex = tf.train.Example(features=tf.train.Features(feature={
        "f": tf.train.Feature(float_list=tf.train.FloatList(value=[1.5, -2.0]))}))
    assert ex.SerializeToString().hex() == "0a130a110a0166120c120a0a080000c03f000000c0"
    f = tf.train.Feature(int64_list=tf.train.Int64List(value=[1, -1, 300]))
    assert f.SerializeToString().hex() == "1a0f0a0d01ffffffffffffffffff01ac02"
    b = tf.train.BytesList(value=[b"ab", b""])
    assert b.SerializeToString().hex() == "0a0261620a00"
    assert tf.train.Example.FromString(ex.SerializeToString()) == ex
    assert "float_list" in str(ex)  # text format


def test_single_feature_bytes_equal_oracle():
    orc = ORACLE
    vals = np.random.default_rng(0).standard_normal(50).astype(np.float32)
    o = orc["Example"](features=orc["Features"](feature={
        "x": orc["Feature"](float_list=orc["FloatList"](value=vals.tolist()))}))
    assert _ours({"x": vals.tolist()}) == o.SerializeToString()
    o = orc["Example"](features=orc["Features"](feature={
        "n": orc["Feature"](int64_list=orc["Int64List"](value=[0, -5, 2**40, 127, 128]))}))
    assert _ours({"n": [0, -5, 2**40, 127, 128]}) == o.SerializeToString()


def _oracle_bytes(**kw):
    orc = ORACLE
    feat = {}
    for k, v in kw.items():
        if v is None:
            feat[k] = orc["Feature"]()
        elif isinstance(v, tuple):  # explicitly empty list of a kind
            feat[k] = orc["Feature"](**{v[0]: orc[{"float_list": "FloatList", "int64_list":
                                                "Int64List", "bytes_list": "BytesList"}[v[0]]]()})
        elif isinstance(v[0], float):
            feat[k] = orc["Feature"](float_list=orc["FloatList"](value=v))
        elif isinstance(v[0], bytes):
            feat[k] = orc["Feature"](bytes_list=orc["BytesList"](value=v))
        else:
            feat[k] = orc["Feature"](int64_list=orc["Int64List"](value=v))
    return orc["Example"](features=orc["Features"](feature=feat)).SerializeToString()


RECS = [_oracle_bytes(x=[1.5, -2.0], n=[5], s=[b"a"], q=[1, 2]),
        _oracle_bytes(x=[3.0, 4.0], n=[6, 7], s=[b"b", b"cc"], q=[1, 2, 3, 4])]


def test_parse_example_dense_varlen_ragged():
    out = tf.io.parse_example(RECS, {
        "x": tf.io.FixedLenFeature([2], tf.float32),
        "n": tf.io.VarLenFeature(tf.int64),
        "s": tf.io.RaggedFeature(tf.string),
        "q": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True),
        "m": tf.io.FixedLenFeature([2], tf.float32, default_value=[-1.0, -1.0])})
    np.testing.assert_array_equal(out["x"].numpy(), [[1.5, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(out["n"].indices.numpy(), [[0, 0], [1, 0], [1, 1]])
    np.testing.assert_array_equal(out["n"].values.numpy(), [5, 6, 7])
    np.testing.assert_array_equal(out["n"].dense_shape.numpy(), [2, 2])
    assert out["s"].to_list() == [[b"a"], [b"b", b"cc"]]
    np.testing.assert_array_equal(out["q"].numpy(), [[[1, 2], [0, 0]], [[1, 2], [3, 4]]])
    np.testing.assert_array_equal(out["m"].numpy(), [[-1, -1], [-1, -1]])
    single = tf.io.parse_single_example(RECS[1], {"n": tf.io.VarLenFeature(tf.int64),
                                                  "x": tf.io.FixedLenFeature([2], tf.float32)})
    np.testing.assert_array_equal(single["n"].indices.numpy(), [[0], [1]])
    np.testing.assert_array_equal(single["n"].dense_shape.numpy(), [2])
    np.testing.assert_array_equal(single["x"].numpy(), [3.0, 4.0])


def test_vectorized_path_equals_general_path():
    r = np.random.default_rng(1)
    X = r.standard_normal((64, 30)).astype(np.float32)
    Y = r.integers(0, 100, 64)
    recs = [_ours({"x": X[i].tolist(), "y": [int(Y[i])]}) for i in range(64)]
    spec = {"x": tf.io.FixedLenFeature([30], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64)}
    out = tf.io.parse_example(recs, spec)
    np.testing.assert_array_equal(out["x"].numpy(), X)
    np.testing.assert_array_equal(out["y"].numpy(), Y)
    recs[5] = _ours({"x": X[5].tolist(), "y": [300]})  # 2-byte varint: layout differs
    out = tf.io.parse_example(recs + recs[:1], spec)
    assert out["y"].numpy()[5] == 300 and out["y"].numpy()[-1] == Y[0]


def test_ragged_partitions_and_sparse_feature():
    R = tf.io.RaggedFeature
    rec = _oracle_bytes(v=[1, 2, 3, 4, 5], l=[2, 3], v6=[1, 2, 3, 4, 5, 6], sp=[0, 2, 6])
    out = tf.io.parse_example([rec], {
        "a": R(tf.int64, value_key="v", partitions=[R.RowLengths("l")]),
        "b": R(tf.int64, value_key="v6", partitions=[R.RowSplits("sp")]),
        "c": R(tf.int64, value_key="v6", partitions=[R.UniformRowLength(3)])})
    assert out["a"].to_list() == [[[1, 2], [3, 4, 5]]]
    assert out["b"].to_list() == [[[1, 2], [3, 4, 5, 6]]]
    assert out["c"].to_list() == [[[1, 2, 3], [4, 5, 6]]]
    rec = _oracle_bytes(i=[3, 0], v=[2.0, 1.0])
    sp = tf.io.parse_example([rec], {"s": tf.io.SparseFeature("i", "v", tf.float32, 5)})["s"]
    np.testing.assert_array_equal(sp.indices.numpy(), [[0, 0], [0, 3]])
    np.testing.assert_array_equal(sp.values.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(sp.dense_shape.numpy(), [1, 5])


def test_presence_semantics():
    rec = _oracle_bytes(e=("float_list",), z=None)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Key: e, Index: 0.*Values size: 0 but output shape: \[2\]"):
        tf.io.parse_example([rec], {"e": tf.io.FixedLenFeature([2], tf.float32, [1.0, 2.0])})
    out = tf.io.parse_example([rec], {"z": tf.io.FixedLenFeature([2], tf.float32, [1.0, 2.0])})
    np.testing.assert_array_equal(out["z"].numpy(), [[1.0, 2.0]])


def test_errors_name_feature_and_example():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Key: n, Index: 1\..*Values "
                       r"size: 2 but output shape: \[1\]"):
        tf.io.parse_example(RECS, {"n": tf.io.FixedLenFeature([1], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Data type: float but expected type: int64"):
        tf.io.parse_example(RECS, {"x": tf.io.FixedLenFeature([2], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Feature: w \(data type: float\) is required"):
        tf.io.parse_example(RECS, {"w": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse example input"):
        tf.io.parse_example([b"\xff\xff\xff"], {"x": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="'Tdense' of int32"):
        tf.io.parse_example(RECS, {"x": tf.io.FixedLenFeature([2], tf.int32)})
    with pytest.raises(ValueError, match="requires allow_missing"):
        tf.io.parse_example(RECS, {"q": tf.io.FixedLenSequenceFeature([2], tf.int64)})
    with pytest.raises(ValueError, match="Dense and ragged keys must not intersect"):
        tf.io.parse_example(RECS, {"x": tf.io.FixedLenFeature([2], tf.float32),
                                   "r": tf.io.RaggedFeature(tf.float32, value_key="x")})
    with pytest.raises(ValueError, match="scalars are not broadcast"):
        tf.io.parse_example(RECS, {"m": tf.io.FixedLenFeature([2], tf.float32, 0.0)})


def test_unpacked_and_duplicate_keys():
    # hand-built: FloatList with two unpacked values; key "x" twice (last wins)
    fl = bytes.fromhex("0d0000803f") + bytes.fromhex("0d00000040")  # 1.0, 2.0 unpacked
    feat = b"\x12" + bytes([len(fl)]) + fl
    entry = b"\x0a\x01x\x12" + bytes([len(feat)]) + feat
    first = b"\x0a\x01x\x12\x04\x1a\x02\x0a\x00"  # x = empty int64 list
    feats = b"\x0a" + bytes([len(first)]) + first + b"\x0a" + bytes([len(entry)]) + entry
    rec = b"\x0a" + bytes([len(feats)]) + feats
    out = tf.io.parse_single_example(rec, {"x": tf.io.FixedLenFeature([2], tf.float32)})
    np.testing.assert_array_equal(out["x"].numpy(), [1.0, 2.0])


def test_parse_inside_tf_function():
    spec = {"x": tf.io.FixedLenFeature([2], tf.float32), "n": tf.io.VarLenFeature(tf.int64)}

    @tf.function
    def f(s):
        o = tf.io.parse_example(s, spec)
        return o["x"] * 2.0, o["n"].values

    x, n = f(tf.constant(np.array(RECS, object)))
    np.testing.assert_array_equal(x.numpy(), [[3.0, -4.0], [6.0, 8.0]])
    np.testing.assert_array_equal(n.numpy(), [5, 6, 7])

    @tf.function
    def g(s):
        return tf.io.parse_single_example(s, spec)["x"]

    np.testing.assert_array_equal(g(tf.constant(RECS[0])).numpy(), [1.5, -2.0])
