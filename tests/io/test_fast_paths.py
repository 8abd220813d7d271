"""Fast paths of TFRecord reading and Example parsing == the general paths, on varied inputs.

References: the general wire walk (``fields``/``features_map``), protobuf-decoded values from an
independent descriptor (``ORACLE``) and the records as written.
"""

import struct

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.core import errors
from tensorflux._src.io import example_wire as w
from tensorflux._src.io.crc32c import masked_crc32c
from tensorflux._src.io.tfrecord import RecordReader, RecordWriter
from tests.io.test_example import ORACLE


def _general_map(buf):
    out = {}
    for fn, wt, s, e in w.fields(buf, 0, len(buf)):
        if fn == 1 and wt == 2:
            w.features_map(buf, s, e, out)
    return out


def _example(feats):
    ex = ORACLE["Example"]()
    for k, v in feats.items():
        f = ex.features.feature[k]
        if v is None:
            f.SetInParent()
        elif isinstance(v, np.ndarray) and v.dtype == np.float32:
            f.float_list.value.extend(v.tolist())
        elif v and isinstance(v[0], bytes):
            f.bytes_list.value.extend(v)
        elif isinstance(v, list) and v and isinstance(v[0], float):
            f.float_list.value.extend(v)
        else:
            f.int64_list.value.extend(v)
    return ex.SerializeToString()


def _ld(field, payload):
    return bytes([field << 3 | 2]) + _varint(len(payload)) + payload


def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _varied_records():
    r = np.random.default_rng(3)
    recs = [b"", _example({}), _example({"a": None}), _example({"a": [b"x", b""]}),
            _example({"x": r.standard_normal(5).astype(np.float32), "y": [3]}),
            _example({"y": [-1, 2 ** 40, 0, 127, 128]}), _example({"x": [], "y": []}),
            _example({"k" * 200: [1.5] * 100, "b": [b"q" * 300]})]
    entry = _ld(1, b"x") + _ld(2, _ld(3, _ld(1, b"\x07")))
    recs += [
        _ld(1, _ld(1, entry) + _ld(1, entry)),                    # duplicate key
        _ld(1, _ld(1, entry)) + _ld(1, _ld(1, entry)),            # two Features messages
        _ld(1, _ld(1, _ld(2, _ld(3, _ld(1, b"\x07"))) + _ld(1, b"x"))),  # value before key
        _ld(1, _ld(1, entry + b"\x18\x01")),                      # unknown field in entry
        _ld(1, _ld(1, _ld(1, b"x") + _ld(2, _ld(2, b"") + _ld(3, _ld(1, b"\x05"))))),  # 2 kinds
        _ld(1, _ld(1, _ld(1, b"x") + _ld(2, _ld(3, b"\x08\x05\x08\x06")))),  # unpacked int64
        b"\x10\x01" + _ld(1, _ld(1, entry)),                       # unknown Example field
    ]
    return recs


def test_canonical_walk_equals_general_walk():
    for rec in _varied_records():
        fast = w._canonical_features(rec)
        ref = _general_map(rec)
        assert w.example_features(rec) == ref
        if fast is not None:
            assert fast == ref
    assert w._canonical_features(_example({"a": [1]})) is not None
    for bad in (b"\x0a\x05\x0a\x03", b"\x0a", b"\x0a\x02\x0a\x7f"):
        assert w._canonical_features(bad) is None
        with pytest.raises((w.WireError, IndexError)):
            _general_map(bad)


def test_int64_fast_decode_matches_protobuf():
    r = np.random.default_rng(0)
    for vals in ([], [0], [5], [127], [128], [-1], [2 ** 63 - 1, -2 ** 63],
                 r.integers(-2 ** 40, 2 ** 40, 50).tolist()):
        rec = _example({"y": vals})
        kind, s, e = w.example_features(rec)[b"y"]
        np.testing.assert_array_equal(w.decode(rec, kind, s, e), np.array(vals, np.int64))


def _spec(n):
    return {"x": tf.io.FixedLenFeature([n], tf.float32),
            "y": tf.io.FixedLenFeature([], tf.int64, default_value=-7)}


def test_single_example_fast_path_equals_reference():
    r = np.random.default_rng(1)
    for n in (1, 3, 784):
        x = r.standard_normal(n).astype(np.float32)
        for y in (0, 9, 300, -5):
            rec = _example({"x": x, "y": [y], "extra": [b"s"]})
            out = tf.io.parse_single_example(rec, _spec(n))
            np.testing.assert_array_equal(out["x"].numpy(), x)
            assert out["y"].numpy() == y and out["y"].dtype == tf.int64
            assert out["x"].shape == (n,) and out["x"].numpy().flags.owndata
    x = r.standard_normal(4).astype(np.float32)
    out = tf.io.parse_single_example(_example({"x": x}), _spec(4))  # default used
    assert out["y"].numpy() == -7
    entry = _ld(1, b"x") + _ld(2, _ld(2, b"".join(b"\x0d" + v.tobytes() for v in x)))
    out = tf.io.parse_single_example(_ld(1, _ld(1, entry)), _spec(4))  # unpacked floats
    np.testing.assert_array_equal(out["x"].numpy(), x)
    with pytest.raises(errors.InvalidArgumentError, match="Values size: 4"):
        tf.io.parse_single_example(_example({"x": x, "y": [1]}), _spec(5))
    with pytest.raises(errors.InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(_example({"x": [1, 2, 3, 4], "y": [1]}), _spec(4))


def test_single_example_fast_path_in_dataset_map():
    r = np.random.default_rng(2)
    X = r.standard_normal((20, 6)).astype(np.float32)
    recs = [_example({"x": X[i], "y": [i * 50]}) for i in range(20)]
    recs[7] = _example({"x": X[7]})                       # missing: default
    ds = tf.data.Dataset.from_tensor_slices(recs).map(
        lambda s: tf.io.parse_single_example(s, _spec(6))).batch(8)
    got = list(ds)
    np.testing.assert_array_equal(np.concatenate([b["x"].numpy() for b in got]), X)
    ys = np.concatenate([b["y"].numpy() for b in got])
    np.testing.assert_array_equal(ys, [-7 if i == 7 else i * 50 for i in range(20)])


def _write(path, recs):
    with RecordWriter(path) as wr:
        for rec in recs:
            wr.write(rec)


def _mixed_records(seed=0):
    r = np.random.default_rng(seed)
    recs = []
    for _ in range(12):
        n = int(r.integers(0, 300))
        recs += [r.bytes(n) for _ in range(int(r.integers(1, 40)))]
    return recs


@pytest.mark.parametrize("buffer_size", [None, 7, 100, 1000, 4096])
@pytest.mark.parametrize("batch", [1, 5, 64, 1000])
def test_reader_equal_runs_and_bridging(tmp_path, buffer_size, batch):
    recs = _mixed_records()
    p = str(tmp_path / "m.tfrecord")
    _write(p, recs)
    rd = RecordReader(p, buffer_size=buffer_size)
    got, offsets = [], [rd.offset]
    while True:
        part = rd.read_many(batch)
        if not part:
            break
        got += part
        offsets.append(rd.offset)
    assert got == recs
    assert offsets[-1] == sum(16 + len(x) for x in recs)
    rd.seek(16 + len(recs[0]))
    assert rd.read_many(3) == recs[1:4]


def _offset(recs, i):
    return sum(16 + len(x) for x in recs[:i])


@pytest.mark.parametrize("where", ["data", "trailer", "header"])
def test_corruption_inside_an_equal_run(tmp_path, where):
    recs = [bytes([i]) * 50 for i in range(40)]
    p = str(tmp_path / "c.tfrecord")
    _write(p, recs)
    raw = bytearray(open(p, "rb").read())
    at = _offset(recs, 17) + {"data": 20, "trailer": 12 + 50 + 1, "header": 9}[where]
    raw[at] ^= 0xFF
    open(p, "wb").write(bytes(raw))
    rd = RecordReader(p)
    assert rd.read_many(100) == recs[:17]
    with pytest.raises(errors.DataLossError, match=f"corrupted record at {_offset(recs, 17)}"):
        rd.read_many(100)


def test_truncated_inside_an_equal_run(tmp_path):
    recs = [bytes(30)] * 20
    p = str(tmp_path / "t.tfrecord")
    _write(p, recs)
    raw = open(p, "rb").read()
    open(p, "wb").write(raw[:_offset(recs, 12) + 20])
    rd = RecordReader(p)
    assert rd.read_many(100) == recs[:12]
    with pytest.raises(errors.DataLossError, match=f"truncated record at {_offset(recs, 12)}"):
        rd.read_many(100)


def test_header_with_bad_length_crc_is_rejected_even_if_cached(tmp_path):
    recs = [b"a" * 10] * 10
    p = str(tmp_path / "h.tfrecord")
    _write(p, recs)
    raw = bytearray(open(p, "rb").read())
    # record 5 claims length 11 with a correct header CRC but a wrong data CRC
    at = _offset(recs, 5)
    raw[at:at + 12] = struct.pack("<QI", 11, masked_crc32c(struct.pack("<Q", 11)))
    open(p, "wb").write(bytes(raw))
    rd = RecordReader(p)
    assert rd.read_many(100) == recs[:5]
    with pytest.raises(errors.DataLossError, match=f"corrupted record at {at}"):
        rd.read_many(100)


def test_dataset_batches_of_records(tmp_path):
    recs = _mixed_records(1)
    paths = []
    for k in range(3):
        p = str(tmp_path / f"f{k}.tfrecord")
        _write(p, recs[k::3])
        paths.append(p)
    flat = [x for k in range(3) for x in recs[k::3]]
    for bs in (1, 7, 64):
        got = [b.numpy() for b in tf.data.TFRecordDataset(paths).batch(bs)]
        assert all(g.dtype == object for g in got)
        assert [x for g in got for x in g.tolist()] == flat
        assert len(got) == -(-len(flat) // bs)
    got = [b.numpy() for b in tf.data.TFRecordDataset(paths).repeat(2).batch(50, True)]
    assert [x for g in got for x in g.tolist()] == (flat * 2)[:len(got) * 50]
    assert all(len(g) == 50 for g in got)
    got = [b.numpy() for b in tf.data.TFRecordDataset(paths, num_parallel_reads=2).batch(10)]
    assert sorted(x for g in got for x in g.tolist()) == sorted(flat)


def test_dataset_record_batches_checkpoint(tmp_path):
    recs = _mixed_records(2)
    p = str(tmp_path / "ck.tfrecord")
    _write(p, recs)
    ds = tf.data.TFRecordDataset(p).repeat(2).batch(9)
    it = iter(ds)
    head = [next(it).numpy().tolist() for _ in range(5)]
    path = str(tmp_path / "it.npz")
    it.save(path)
    rest = [b.numpy().tolist() for b in it]
    it2 = iter(ds)
    it2.restore(path)
    assert [b.numpy().tolist() for b in it2] == rest
    assert [x for b in head + rest for x in b] == recs * 2


def test_string_batches_from_other_sources():
    vals = [b"a", b"", b"ccc", b"d"]
    got = list(tf.data.Dataset.from_tensor_slices(vals).batch(3))
    assert got[0].numpy().tolist() == vals[:3] and got[0].numpy().dtype == object
    ds = tf.data.Dataset.from_tensor_slices([b"a", b"b"]).flat_map(
        lambda s: tf.data.Dataset.from_tensors(s).repeat(2)).repeat(2).batch(3)
    assert [x for b in ds for x in b.numpy().tolist()] == [b"a", b"a", b"b", b"b"] * 2
