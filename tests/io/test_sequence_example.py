"""tf.io.parse_(single_)sequence_example; expected values recorded from TensorFlow 2.21."""

import numpy as np
import pytest

import tensorflux as tf


def _fl(kind, *steps):
    feats = []
    for s in steps:
        if kind == "f":
            feats.append(tf.train.Feature(float_list=tf.train.FloatList(value=s)))
        elif kind == "i":
            feats.append(tf.train.Feature(int64_list=tf.train.Int64List(value=s)))
        else:
            feats.append(tf.train.Feature(bytes_list=tf.train.BytesList(value=s)))
    return tf.train.FeatureList(feature=feats)


def _records():
    ctx1 = {"len": tf.train.Feature(int64_list=tf.train.Int64List(value=[3])),
            "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"a", b"b"]))}
    se1 = tf.train.SequenceExample(
        context=tf.train.Features(feature=ctx1),
        feature_lists=tf.train.FeatureLists(feature_list={
            "x": _fl("f", [1., 2.], [3., 4.], [5., 6.]), "w": _fl("i", [1], [2, 3], []),
            "s": _fl("b", [b"p"], [b"q", b"r"])}))
    se2 = tf.train.SequenceExample(
        context=tf.train.Features(feature={
            "len": tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))}),
        feature_lists=tf.train.FeatureLists(feature_list={
            "x": _fl("f", [7., 8.]), "w": _fl("i", [9, 10, 11])}))
    return se1.SerializeToString(), se2.SerializeToString()


CTX = {"tags": tf.io.VarLenFeature(tf.string),
       "d": tf.io.FixedLenFeature([2], tf.float32, default_value=[0.5, 0.25]),
       "rt": tf.io.RaggedFeature(tf.int64, value_key="len")}
SEQ = {"x": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True),
       "w": tf.io.VarLenFeature(tf.int64), "s": tf.io.RaggedFeature(tf.string)}


def _sp(st):
    return st.indices.numpy().tolist(), st.values.numpy().tolist(), st.dense_shape.numpy().tolist()


def test_batch_matches_tensorflow():
    b1, b2 = _records()
    c, f, lens = tf.io.parse_sequence_example([b1, b2], CTX, SEQ)
    assert set(c) == {"tags", "d", "rt"} and set(f) == {"x", "w", "s"} and set(lens) == {"x"}
    assert c["d"].numpy().tolist() == [[0.5, 0.25], [0.5, 0.25]]
    assert c["rt"].to_list() == [[3], [1]]
    assert _sp(c["tags"]) == ([[0, 0], [0, 1]], [b"a", b"b"], [2, 2])
    assert f["s"].to_list() == [[[b"p"], [b"q", b"r"]], []]
    assert _sp(f["w"]) == ([[0, 0, 0], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 0, 2]],
                           [1, 2, 3, 9, 10, 11], [2, 3, 3])
    assert f["x"].dtype == tf.float32
    assert f["x"].numpy().tolist() == [[[1, 2], [3, 4], [5, 6]], [[7, 8], [0, 0], [0, 0]]]
    assert lens["x"].dtype == tf.int64 and lens["x"].numpy().tolist() == [3, 1]


def test_single_matches_tensorflow():
    b1, b2 = _records()
    c, f = tf.io.parse_single_sequence_example(b1, CTX, SEQ)
    assert c["d"].numpy().tolist() == [0.5, 0.25]
    assert c["rt"].numpy().tolist() == [3]
    assert _sp(c["tags"]) == ([[0], [1]], [b"a", b"b"], [2])
    assert f["s"].to_list() == [[b"p"], [b"q", b"r"]]
    assert _sp(f["w"]) == ([[0, 0], [1, 0], [1, 1]], [1, 2, 3], [3, 2])
    assert f["x"].numpy().tolist() == [[1, 2], [3, 4], [5, 6]]
    c, f = tf.io.parse_single_sequence_example(b2, None, SEQ)
    assert c == {} and f["s"].to_list() == []
    assert _sp(f["w"]) == ([[0, 0], [0, 1], [0, 2]], [9, 10, 11], [1, 3])


def test_missing_lists_and_split_dtype():
    b1, b2 = _records()
    _, f, lens = tf.io.parse_sequence_example(
        [b2, b1], None, {"s": tf.io.VarLenFeature(tf.string),
                         "x": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True),
                         "w": tf.io.RaggedFeature(tf.int64, row_splits_dtype=tf.int64)})
    assert _sp(f["s"]) == ([[1, 0, 0], [1, 1, 0], [1, 1, 1]], [b"p", b"q", b"r"], [2, 2, 2])
    assert f["w"].to_list() == [[[9, 10, 11]], [[1], [2, 3], []]]
    assert f["w"].row_splits.dtype == tf.int64
    assert lens["x"].numpy().tolist() == [1, 3]


@pytest.mark.parametrize("seq,single,msg", [
    ({"x": tf.io.FixedLenSequenceFeature([3], tf.float32, allow_missing=True)}, False,
     "Key: x, Index: 0.  Number of values != expected.  values size: 2 but output shape: "),
    ({"x": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True)}, False,
     "Feature list: x, Index: 0.  Data types don't match. Expected type: int64"),
    ({"zz": tf.io.FixedLenSequenceFeature([2], tf.float32)}, False,
     "Feature list 'zz' is required but could not be found"),
    ({"zz": tf.io.FixedLenSequenceFeature([2], tf.float32)}, True,
     "Feature list 'zz' is required but could not be found"),
])
def test_errors_name_the_feature(seq, single, msg):
    b1, _ = _records()
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        if single:
            tf.io.parse_single_sequence_example(b1, None, seq)
        else:
            tf.io.parse_sequence_example([b1], None, seq)


def test_other_errors():
    b1, _ = _records()
    with pytest.raises(tf.errors.InvalidArgumentError, match="Feature: missing .* is required"):
        tf.io.parse_sequence_example([b1], {"missing": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid protocol message input"):
        tf.io.parse_sequence_example([b"\x01\x02"], None, SEQ)
    with pytest.raises(ValueError, match=r"dense_defaults\[x\] must be None"):
        tf.io.parse_sequence_example([b1], None, {"x": tf.io.FixedLenSequenceFeature(
            [2], tf.float32, default_value=1.0)})
    with pytest.raises(ValueError, match="Unsupported FixedLenFeature"):
        tf.io.parse_sequence_example([b1], None, {"x": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(ValueError, match="at least one should have values"):
        tf.io.parse_sequence_example([b1])
    with pytest.raises(ValueError, match="must be a scalar"):
        tf.io.parse_single_sequence_example([b1], None, SEQ)


def test_traced_matches_eager():
    b1, b2 = _records()
    ctx = {"len": tf.io.FixedLenFeature([], tf.int64)}
    seq = {"x": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True)}

    @tf.function
    def f(s):
        c, fl, lens = tf.io.parse_sequence_example(s, ctx, seq)
        return c["len"], fl["x"] * 2.0, lens["x"]

    n, x, lens = f(tf.constant([b1, b2]))
    assert n.numpy().tolist() == [3, 1] and lens.numpy().tolist() == [3, 1]
    np.testing.assert_array_equal(x.numpy()[1], [[14, 16], [0, 0], [0, 0]])
    cf = f.get_concrete_function(tf.TensorSpec([None], tf.string))
    assert cf.outputs[1].shape.as_list() == [None, None, 2]
    assert "ParseSequenceExampleV2" in {op.type for op in cf.graph.get_operations()}
