"""The batch_parse hot paths == the general paths: the reader's verified equal-run queue
(``RecordReader._ready``) and ``parse_example``'s cached batch layouts (``_fast_dense``).

References: the records as written, offsets computed from the framing spec, values from the
NumPy arrays the records were built from, and the protobuf oracle's serialization.
"""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.core import errors
from tensorflux._src.io import parsing_ops
from tensorflux._src.io.tfrecord import RecordReader, RecordWriter
from tests.io.test_example import ORACLE


def _write(path, recs):
    with RecordWriter(path) as wr:
        for rec in recs:
            wr.write(rec)


def _offsets(recs):
    return np.concatenate([[0], np.cumsum([16 + len(r) for r in recs])]).tolist()


def _runs(seed=0):
    """Long equal-length runs (several per 1 KiB chunk) broken by odd records."""
    r = np.random.default_rng(seed)
    recs = []
    for _ in range(8):
        n = int(r.integers(1, 60))
        recs += [r.bytes(n) for _ in range(int(r.integers(9, 70)))]
        recs.append(r.bytes(int(r.integers(0, 200))))
    return recs


@pytest.mark.parametrize("buffer_size", [None, 100, 1024])
def test_ready_queue_mixed_calls_offsets_and_seek(tmp_path, buffer_size):
    recs = _runs()
    offs = _offsets(recs)
    p = str(tmp_path / "r.tfrecord")
    _write(p, recs)
    rd = RecordReader(p, buffer_size=buffer_size)
    r = np.random.default_rng(1)
    i = 0
    while i < len(recs):
        assert rd.offset == offs[i]
        if r.random() < 0.3:
            assert rd.read() == recs[i]
            i += 1
        else:
            k = int(r.integers(1, 90))
            got = rd.read_many(k)
            assert got == recs[i:i + k]
            i += len(got)
        if r.random() < 0.1:  # jump somewhere (inside a verified run, too) and come back
            j = int(r.integers(0, len(recs)))
            rd.seek(offs[j])
            assert rd.read_many(3) == recs[j:j + 3]
            rd.seek(offs[i])
    assert rd.read_many(5) == [] and rd.read() is None
    assert rd.offset == offs[-1]


@pytest.mark.parametrize("where", [0, 1, 30, 59])
@pytest.mark.parametrize("part", ["data", "trailer"])
def test_bad_crc_inside_a_verified_run_one_record_at_a_time(tmp_path, where, part):
    recs = [bytes([i]) * 40 for i in range(60)]
    p = str(tmp_path / "c.tfrecord")
    _write(p, recs)
    raw = bytearray(open(p, "rb").read())
    at = _offsets(recs)[where]
    raw[at + (12 + 5 if part == "data" else 12 + 40 + 2)] ^= 0x10
    open(p, "wb").write(bytes(raw))
    rd = RecordReader(p)
    got = [rd.read() for _ in range(where)]   # the run before the bad record is delivered
    assert got == recs[:where]
    for _ in range(2):  # the error repeats, naming the record's offset and the file
        with pytest.raises(errors.DataLossError, match=f"corrupted record at {at}.*c.tfrecord"):
            rd.read_many(10)


def test_length_change_and_truncation_inside_a_chunk(tmp_path):
    recs = [b"a" * 20] * 30 + [b"bb" * 20] * 30 + [b"c" * 20] * 12
    p = str(tmp_path / "t.tfrecord")
    _write(p, recs)
    raw = open(p, "rb").read()
    at = _offsets(recs)[len(recs) - 3]
    open(p, "wb").write(raw[:at + 14])
    rd = RecordReader(p)
    assert rd.read_many(1000) == recs[:-3]
    with pytest.raises(errors.DataLossError, match=f"truncated record at {at}"):
        rd.read_many(1)


@pytest.mark.parametrize("ctype", ["GZIP", "ZLIB"])
def test_compressed_runs(tmp_path, ctype):
    recs = _runs(2)
    p = str(tmp_path / "z.tfrecord")
    with RecordWriter(p, ctype) as wr:
        for rec in recs:
            wr.write(rec)
    rd = RecordReader(p, ctype, buffer_size=300)
    assert rd.read_many(7) + list(rd) == recs


def test_dataset_checkpoint_inside_a_run(tmp_path):
    recs = _runs(3)
    p = str(tmp_path / "d.tfrecord")
    _write(p, recs)
    ds = tf.data.TFRecordDataset([p, p]).batch(13)
    it = iter(ds)
    first = [next(it) for _ in range(5)]
    path = str(tmp_path / "it.npz")
    it.save(path)
    rest = [b.numpy().tolist() for b in it]
    it2 = iter(tf.data.TFRecordDataset([p, p]).batch(13))
    it2.restore(path)
    assert [b.numpy().tolist() for b in it2] == rest
    got = sum((b.numpy().tolist() for b in first), []) + sum(rest, [])
    assert got == recs + recs


# ---- parse_example: cached batch layouts ---------------------------------------------------

def _example(feats):
    ex = ORACLE["Example"]()
    for k, v in feats.items():
        f = ex.features.feature[k]
        if isinstance(v, np.ndarray) and v.dtype == np.float32:
            f.float_list.value.extend(v.tolist())
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            f.bytes_list.value.extend(v)
        else:
            f.int64_list.value.extend(v)
    return ex.SerializeToString()


def _spec(n, k=1):
    return {"x": tf.io.FixedLenFeature([n], tf.float32),
            "y": tf.io.FixedLenFeature([k] if k != 1 else [], tf.int64)}


def _parse(recs, spec):
    return {k: v.numpy() for k, v in tf.io.parse_example(np.array(recs, object), spec).items()}


def _ld(field, payload):
    assert len(payload) < 128
    return bytes([field << 3 | 2, len(payload)]) + payload


def _manual(entries):
    """An Example with its map entries in the given order (a valid, non-sorted encoding)."""
    body = b""
    for key, kind, payload in entries:
        body += _ld(1, _ld(1, key) + _ld(2, _ld(kind, _ld(1, payload))))
    return _ld(1, body)


def test_fast_dense_layout_cache_follows_each_batch():
    """Batches of equal-length records whose layouts differ from the cached one (entry order,
    other keys, multi-byte varints) still parse to the true values."""
    r = np.random.default_rng(4)
    spec = _spec(6)
    calls = []
    orig = parsing_ops._dense_layout
    parsing_ops._dense_layout = lambda rec, dense: calls.append(1) or orig(rec, dense)
    try:
        for trial in range(12):
            X = r.standard_normal((9, 6)).astype(np.float32)
            Y = r.integers(0, 128, 9)
            ents = [[(b"x", 2, X[i].tobytes()), (b"y", 3, bytes([Y[i]])), (b"zz", 1, b"ab")]
                    for i in range(9)]
            if trial % 3 == 1:    # same length, other order: every payload moves
                ents = [e[::-1] for e in ents]
            elif trial % 3 == 2:  # same length and order, another extra key
                ents = [e[:2] + [(b"aa", 1, b"ab")] for e in ents]
            if trial == 7:        # one value needs two varint bytes: same result
                Y[4] = 300
                ents[4] = [(b"y", 3, b"\xac\x02"), (b"q", 1, b"a"), (b"x", 2, X[4].tobytes())]
            recs = [_manual(e) for e in ents]
            out = _parse(recs, spec)
            np.testing.assert_array_equal(out["x"], X)
            np.testing.assert_array_equal(out["y"], Y)
            only_x = _parse(recs, {"x": spec["x"]})["x"]   # no int64 range check to hide behind
            np.testing.assert_array_equal(only_x, X)
            assert out["x"].flags.c_contiguous and out["x"].dtype == np.float32
            assert out["y"].dtype == np.int64 and out["y"].shape == (9,)
    finally:
        parsing_ops._dense_layout = orig
    assert 0 < len(calls) < 24   # layouts were reused, and re-learnt when they changed


def test_fast_dense_matches_general_path_on_varied_batches():
    """Same values as the per-record general decode (a batch the fast path cannot take)."""
    r = np.random.default_rng(5)
    spec = _spec(3, 2)
    for _ in range(20):
        X = r.standard_normal((5, 3)).astype(np.float32)
        Y = r.integers(0, 128, (5, 2))
        recs = [_example({"x": X[i], "y": Y[i].tolist()}) for i in range(5)]
        fast = _parse(recs, spec)
        general = _parse(recs + [_example({"x": X[0], "y": [1000, 1], "pad": [7] * 9})], spec)
        for k in spec:
            np.testing.assert_array_equal(fast[k], general[k][:5])
        np.testing.assert_array_equal(fast["x"], X)
        np.testing.assert_array_equal(fast["y"], Y)


def test_fast_dense_rejects_mismatches():
    x = np.arange(4, dtype=np.float32)
    good = _example({"x": x, "y": [1]})
    spec = _spec(4)
    _parse([good, good], spec)   # cache a layout for this length
    bad_kind = _example({"x": [1, 2, 3, 4], "y": [1]})
    with pytest.raises(errors.InvalidArgumentError):
        _parse([bad_kind] * 2, spec)
    missing = _example({"x": x, "q": [1]})
    assert len(missing) == len(good)
    with pytest.raises(errors.InvalidArgumentError, match="y"):
        _parse([good, missing], spec)
