"""tf.train message classes (pure Python) vs the upb protobuf classes as the oracle."""

import copy
import math
import pickle
import random

import numpy as np
import pytest

from tensorflux._src.io import example_proto as P

pb_example = pytest.importorskip("tensorflux._src.proto.example_pb2")
from tensorflux._src.proto import feature_pb2 as pb_feature  # noqa: E402

NAMES = P.__all__
UPB = {n: getattr(pb_example, n, None) or getattr(pb_feature, n) for n in NAMES}
OURS = {n: getattr(P, n) for n in NAMES}
KEYS = ["x", "y", "label", "é", "a\nb", "", "img/encoded", "a", "ab", "abc", "b"]


def _floats(r):
    pool = [0.0, -0.0, 1.5, 0.1, 1 / 3, 1e30, -2.5e-8, 3.4028235e38, float("inf"), 123456789]
    return [r.choice(pool) if r.random() < 0.5 else r.uniform(-1e3, 1e3)
            for _ in range(r.choice([0, 1, 2, 5, 40]))]


def _ints(r):
    pool = [0, 1, 127, 128, -1, 2 ** 63 - 1, -2 ** 63, 300, 2 ** 35]
    return [r.choice(pool) if r.random() < 0.5 else r.randrange(-10 ** 6, 10 ** 6)
            for _ in range(r.choice([0, 1, 3, 40, 70]))]


def _bytes(r):
    return [bytes(r.randrange(256) for _ in range(r.randrange(6)))
            for _ in range(r.choice([0, 1, 3]))]


def _feature(r):
    k = r.randrange(4)
    if k == 0:
        return {}
    return [{"bytes_list": {"value": _bytes(r)}}, {"float_list": {"value": _floats(r)}},
            {"int64_list": {"value": _ints(r)}}][k - 1]


def _features(r, nkeys):
    return {"feature": {k: _feature(r) for k in r.sample(KEYS, nkeys)}}


def _spec(r, nkeys=None):
    """A random Example or SequenceExample as nested kwargs dicts."""
    n = r.randrange(1, 4) if nkeys is None else nkeys
    if r.random() < 0.7:
        return "Example", ({"features": _features(r, n)} if r.random() < 0.95 else {})
    return "SequenceExample", {
        "context": _features(r, n),
        "feature_lists": {"feature_list": {
            k: {"feature": [_feature(r) for _ in range(r.randrange(3))]}
            for k in r.sample(KEYS, r.randrange(3))}}}


def _both(name, spec):
    return OURS[name](**spec), UPB[name](**spec)


def test_random_messages_match_upb():
    r = random.Random(0)
    for _ in range(300):
        name, spec = _spec(r)
        ours, ref = _both(name, spec)
        b = ref.SerializeToString(deterministic=True)
        assert ours.SerializeToString(deterministic=True) == b
        assert ours.ByteSize() == ref.ByteSize()
        assert str(ours) == str(ref) and repr(ours) == repr(ref)
        # both directions through the wire
        assert UPB[name].FromString(ours.SerializeToString()) == ref
        back = OURS[name].FromString(b)
        assert back == ours
        assert str(back) == str(ref)
        assert back.SerializeToString(deterministic=True) == b


def test_single_key_maps_default_serialization_matches():
    r = random.Random(1)
    for _ in range(100):
        name, spec = _spec(r, nkeys=1)
        if name == "SequenceExample":
            spec["feature_lists"]["feature_list"] = dict(
                list(spec["feature_lists"]["feature_list"].items())[:1])
        ours, ref = _both(name, spec)
        assert ours.SerializeToString() == ref.SerializeToString()


def test_benchmark_shape_and_numpy_inputs():
    x = np.random.default_rng(0).standard_normal(784).astype(np.float32)
    for value in (x.tolist(), x, x.astype(np.float64), list(x.astype(np.float64))):
        ours = P.Example(features=P.Features(feature={
            "x": P.Feature(float_list=P.FloatList(value=value)),
            "y": P.Feature(int64_list=P.Int64List(value=[7]))}))
        ref = pb_example.Example(features=pb_feature.Features(feature={
            "x": pb_feature.Feature(float_list=pb_feature.FloatList(value=value)),
            "y": pb_feature.Feature(int64_list=pb_feature.Int64List(value=[7]))}))
        assert ours.SerializeToString(deterministic=True) == \
            ref.SerializeToString(deterministic=True)
    ints = np.arange(-5, 300, dtype=np.int64)
    assert P.Int64List(value=ints).SerializeToString() == \
        pb_feature.Int64List(value=ints).SerializeToString()
    assert P.Int64List(value=ints[5:].astype(np.uint16)).value == ints[5:].tolist()


def _outcome(fn):
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - comparing exception classes
        return "raise", type(e)


BAD = [
    ("FloatList", {"value": ["a"]}), ("FloatList", {"value": 1.0}), ("FloatList", {"value": [b"x"]}),
    ("FloatList", {"value": [10 ** 400]}), ("FloatList", {"value": [None]}),
    ("Int64List", {"value": [1.5]}), ("Int64List", {"value": [True]}),
    ("Int64List", {"value": [2 ** 63]}), ("Int64List", {"value": [-2 ** 63 - 1]}),
    ("Int64List", {"value": ["1"]}), ("Int64List", {"value": np.array([1.0])}),
    ("Int64List", {"value": np.array([2 ** 64 - 1], np.uint64)}), ("Int64List", {"value": 3}),
    ("BytesList", {"value": ["s"]}), ("BytesList", {"value": [1]}),
    ("BytesList", {"value": [bytearray(b"x")]}), ("BytesList", {"value": b"abc"}),
    ("Example", {"nope": 1}), ("Example", {"features": P.FloatList()}),
    ("Feature", {"float_list": pb_feature.Int64List()}),
]


@pytest.mark.parametrize("name,kw", BAD)
def test_bad_inputs_raise_like_upb(name, kw):
    def make(cls):
        def f():
            kw2 = dict(kw)
            for k, v in kw2.items():  # a message argument of the other runtime's kind
                if hasattr(v, "SerializeToString") and cls is UPB[name]:
                    kw2[k] = getattr(pb_feature, type(v).__name__)()
                elif hasattr(v, "SerializeToString"):
                    kw2[k] = getattr(P, type(v).__name__)()
            return cls(**kw2).SerializeToString()  # a FloatList checks at construction
        return f
    ours, ref = _outcome(make(OURS[name])), _outcome(make(UPB[name]))
    assert ours[0] == ref[0]
    if ours[0] == "raise":
        assert issubclass(ours[1], ref[1]) or ours[1] is ref[1], (ours, ref)
    else:
        assert ours[1] == ref[1]


def test_float_reads_are_float32_and_text_format():
    vals = [0.1, 1 / 3, 1e-45, 3.4028235e38, 1e40, -0.0, 16777217, 2.5, True, np.float16(1.5)]
    ours, ref = P.FloatList(value=vals), pb_feature.FloatList(value=vals)
    assert list(ours.value) == list(ref.value) and ours.value[1] == ref.value[1]
    assert str(ours) == str(ref)
    assert math.isinf(ours.value[4])
    nan = P.FloatList(value=[float("nan")])
    assert str(nan) == "value: nan\n"


def test_repeated_scalar_container_ops_match():
    r = random.Random(2)
    for kind, gen in (("FloatList", lambda: r.uniform(-9, 9)),
                      ("Int64List", lambda: r.randrange(-2 ** 40, 2 ** 40))):
        a, b = OURS[kind](value=[gen() for _ in range(5)]), UPB[kind]()
        b.CopyFrom(UPB[kind].FromString(a.SerializeToString()))
        for _ in range(200):
            op = r.randrange(9)
            n = len(b.value)
            args = [gen() for _ in range(3)]
            i = r.randrange(-n, n) if n else 0
            for m in (a, b):
                v = m.value
                if op == 0:
                    v.append(args[0])
                elif op == 1:
                    v.extend(args)
                elif op == 2 and n:
                    v.insert(i, args[1])
                elif op == 3 and n:
                    v.pop(i)
                elif op == 4 and n:
                    v[i] = args[2]
                elif op == 5 and n:
                    del v[i]
                elif op == 6 and n > 2:
                    v[1:3] = args[:2]
                elif op == 7:
                    v.sort()
                elif op == 8 and n:
                    v.remove(v[i])
            assert list(a.value) == list(b.value)
            assert len(a.value) == len(b.value) and a.value[:2] == b.value[:2]
            assert repr(a.value) == repr(b.value)
        assert a.SerializeToString() == b.SerializeToString()


def test_message_containers_and_maps():
    for M in (OURS, UPB):
        fl = M["FeatureList"](feature=[{}, {"float_list": {"value": [2]}}])
        added = fl.feature.add(int64_list=M["Int64List"](value=[1]))
        added.int64_list.value.append(2)  # add() returns the stored element
        fl.feature.append(M["Feature"](bytes_list={"value": [b"q"]}))
        fl.feature.extend([M["Feature"]()])
        del fl.feature[0]
        with pytest.raises(TypeError):  # (upb appends an empty element before raising)
            M["FeatureList"]().feature.append(M["FloatList"]())
        assert len(fl.feature) == 4 and fl.feature[1].int64_list.value == [1, 2]
        with pytest.raises(TypeError):
            fl.feature[0] = M["Feature"]()
        fs = M["Features"]()
        assert fs.feature.get("a") is None and "a" not in fs.feature
        fs.feature["a"].float_list.value.append(1)  # missing key inserts
        fs.feature["b"]
        assert "b" in fs.feature and len(fs.feature) == 2 and sorted(fs.feature) == ["a", "b"]
        with pytest.raises(ValueError):
            fs.feature["c"] = M["Feature"]()
        del fs.feature["b"]
        with pytest.raises(KeyError):
            del fs.feature["zz"]
        assert list(fs.feature.keys()) == ["a"]
        M["r"] = (fl.SerializeToString(), fs.SerializeToString(), repr(fl.feature),
                  repr(fs.feature))
    assert OURS["r"] == UPB["r"]


def test_stubs_oneof_presence_and_clear():
    for M in (OURS, UPB):
        ex = M["Example"]()
        s = ex.features
        assert ex.features is s and not ex.HasField("features")
        ex.features.feature["x"].float_list.value.extend([1, 2])
        assert ex.HasField("features")
        f = M["Feature"](float_list=M["FloatList"](value=[1]))
        a = f.float_list
        f.int64_list.value.append(3)
        assert f.WhichOneof("kind") == "int64_list" and list(a.value) == [1.0]
        a.value.append(7)  # a detached former member stays detached
        assert f.WhichOneof("kind") == "int64_list"
        g = M["Feature"]()
        g.bytes_list
        assert g.WhichOneof("kind") is None and not g.HasField("kind")
        f.ClearField("kind")
        assert f.WhichOneof("kind") is None
        with pytest.raises(AttributeError):
            f.float_list = M["FloatList"]()
        with pytest.raises(AttributeError):
            a.value = [1]
        with pytest.raises(ValueError):
            a.HasField("value")
        with pytest.raises(ValueError):
            a.HasField("zz")
        with pytest.raises(ValueError):
            M["Example"](nope=1)
        with pytest.raises(TypeError):
            M["FloatList"]([1])
        with pytest.raises(TypeError):
            hash(ex)
        e2 = M["Example"]()
        e2.CopyFrom(ex)
        e2.MergeFrom(ex)
        M["r"] = (str(ex), e2.SerializeToString(), ex == e2, str(f))
    assert OURS["r"] == UPB["r"]


def test_copy_semantics():
    fl = P.FloatList()
    exs = []
    for i in range(3):
        fl.value.append(float(i))
        exs.append(P.Example(features={"feature": {"x": P.Feature(float_list=fl)}}))
    assert [list(e.features.feature["x"].float_list.value) for e in exs] == \
        [[0.0], [0.0, 1.0], [0.0, 1.0, 2.0]]
    feat = P.Feature(int64_list=P.Int64List(value=[1]))
    inner = feat.int64_list
    fs = P.Features(feature={"a": feat})
    ex = P.Example(features=fs)
    inner.value.append(2)  # changes feat only
    fs.feature["a"].int64_list.value.append(3)  # changes fs only
    ex.features.feature["a"].int64_list.value[0] = 9
    assert list(feat.int64_list.value) == [1, 2]
    assert list(fs.feature["a"].int64_list.value) == [1, 3]
    assert list(ex.features.feature["a"].int64_list.value) == [9]
    c = copy.deepcopy(ex)
    c.features.feature["a"].int64_list.value.append(4)
    assert list(ex.features.feature["a"].int64_list.value) == [9]
    assert pickle.loads(pickle.dumps(ex)) == ex
    arr = np.arange(3, dtype=np.float32)
    f = P.FloatList(value=arr)
    arr[0] = 5
    assert list(f.value) == [0.0, 1.0, 2.0]


def test_parsing_wire_variants_match_upb():
    cases = [
        b"\x0d\x00\x00\x80\x3f\x0a\x04\x00\x00\x00\x40",  # unpacked + packed floats
        b"\x0d\x00\x00\x80\x3f\x0a\x04\x00\x00\x00\x40\x18\x05",  # + unknown varint
        b"\x08\x01",  # wrong wire type for the field: kept as unknown
    ]
    for b in cases:
        assert P.FloatList.FromString(b).SerializeToString() == \
            pb_feature.FloatList.FromString(b).SerializeToString()
    for b in (b"\x08\x05\x0a\x02\x01\x7f\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
              b"\x0a" + bytes([40]) + bytes(range(1, 41)), b"\x0d\x01\x02\x03\x04"):
        assert P.Int64List.FromString(b).SerializeToString() == \
            pb_feature.Int64List.FromString(b).SerializeToString()
    merged = (b"\x12\x05\x0d\x00\x00\x80\x3f\x12\x05\x0d\x00\x00\x00\x40"  # repeated member merges
              b"\x1a\x02\x08\x01\x12\x05\x0d\x00\x00\x40\x40\x28\x07")  # last member wins; unknown
    assert P.Feature.FromString(merged) == P.Feature.FromString(
        pb_feature.Feature.FromString(merged).SerializeToString())
    assert str(P.Feature.FromString(merged)) == str(pb_feature.Feature.FromString(merged))
    dup = b"\x0a\x05\x0a\x01a\x12\x00\x0a\x09\x0a\x01a\x12\x04\x1a\x02\x08\x01\x50\x01"
    for cls in ("Features",):
        assert OURS[cls].FromString(dup).SerializeToString() == \
            UPB[cls].FromString(dup).SerializeToString()
    from google.protobuf.message import DecodeError

    for bad in (b"\x0a\x05\x0a\x01", b"\x0a\x03\x0a\x01\xff", b"\x0f", b"\x0a\x80"):
        with pytest.raises(DecodeError):
            pb_example.Example.FromString(bad)
        with pytest.raises(DecodeError):
            P.Example.FromString(bad)


def test_protobuf_interop():
    ex = P.Example(features={"feature": {"x": {"float_list": {"value": [1.5]}}}})
    pb = ex.to_protobuf()
    assert isinstance(pb, pb_example.Example) and str(pb) == str(ex)
    assert P.Example.from_protobuf(pb) == ex
    assert P.Example.DESCRIPTOR.full_name == "tensorflow.Example"
    assert [(f.name, type(v).__name__) for f, v in ex.ListFields()] == [("features", "Features")]
    copied = P.Example(features=pb.features)  # a protobuf sub-message is accepted too
    assert copied == ex
    e2 = P.Example()
    e2.CopyFrom(pb)
    assert e2 == ex


def test_public_namespace_and_lazy_protobuf():
    import subprocess
    import sys

    code = ("import sys, tensorflux as tf; ex = tf.train.Example(features=tf.train.Features("
            "feature={'a': tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))}));"
            "b = ex.SerializeToString(); assert tf.train.Example.FromString(b) == ex;"
            "print('google.protobuf' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
