"""TFRecord framing vs the spec's TensorFlow vectors, tensorboard's reader/writer, gzip/zlib."""

import gzip
import os
import struct
import zlib

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.io import crc32c as C
from tensorflux._src.io.tfrecord import RecordReader, RecordWriter, tf_record_iterator

HELLO = bytes.fromhex("0500000000000000eab2043e68656c6c6fbb1f1c19")
EMPTY = bytes.fromhex("000000000000000029039807d8ea82a2")
EX21 = bytes.fromhex("0a130a110a0166120c120a0a080000c03f000000c0")
EX21_REC = bytes.fromhex("1500000000000000d6ab6b2b") + EX21 + bytes.fromhex("24dfeb65")


def _records(n=60, seed=0):
    r = np.random.default_rng(seed)
    return [r.bytes(int(k)) for k in r.integers(0, 3000, n)]


def test_crc32c_check_values():
    for fn in (C.crc32c, C._crc32c_py):
        assert fn(b"123456789") == 0xE3069283
        assert fn(b"") == 0
        assert fn(b"hello") == 0x9A71BB4C
    assert C.masked_crc32c(b"") == 0xA282EAD8
    assert C.masked_crc32c(bytes(8)) == 0x07980329
    data = os.urandom(1000)
    for n in range(0, 40):
        assert C._crc32c_py(data[:n]) == C.crc32c(data[:n])
        assert C.unmask(C.mask(C.crc32c(data[:n]))) == C.crc32c(data[:n])


def test_writer_matches_tensorflow_vectors(tmp_path):
    p = str(tmp_path / "a.tfrecord")
    with tf.io.TFRecordWriter(p) as w:
        w.write(b"")
        w.write(b"hello")
        w.write(EX21)
    assert open(p, "rb").read() == EMPTY + HELLO + EX21_REC
    assert list(tf_record_iterator(p)) == [b"", b"hello", EX21]


@pytest.mark.parametrize("ctype", ["", "GZIP", "ZLIB"])
def test_round_trip_and_cross_read(tmp_path, ctype):
    recs = _records()
    p = str(tmp_path / "r.tfrecord")
    with tf.io.TFRecordWriter(p, tf.io.TFRecordOptions(compression_type=ctype)) as w:
        for r in recs:
            w.write(r)
    raw = open(p, "rb").read()
    plain = {"": lambda b: b, "GZIP": gzip.decompress, "ZLIB": zlib.decompress}[ctype](raw)
    expect = b"".join(struct.pack("<QI", len(r), C.masked_crc32c(struct.pack("<Q", len(r))))
                      + r + struct.pack("<I", C.masked_crc32c(r)) for r in recs)
    assert plain == expect
    if ctype == "GZIP":
        assert raw[:10] == bytes.fromhex("1f8b0800000000000003")
    assert list(tf_record_iterator(p, ctype)) == recs
    # files compressed by Python's own gzip/zlib read back
    q = str(tmp_path / "q")
    with open(q, "wb") as f:
        f.write({"": lambda b: b, "GZIP": gzip.compress, "ZLIB": zlib.compress}[ctype](expect))
    assert list(tf_record_iterator(q, tf.io.TFRecordOptions(ctype))) == recs


def test_offset_seek_and_read_many(tmp_path):
    recs = _records(100)
    for ctype in ("", "GZIP"):
        p = str(tmp_path / f"s{ctype}")
        with RecordWriter(p, ctype) as w:
            w.write_many(recs[:50])
            for r in recs[50:]:
                w.write(r)
        rd = RecordReader(p, ctype, buffer_size=777)
        offs = []
        while True:
            offs.append(rd.offset)
            if rd.read() is None:
                break
        assert offs[1:] == list(np.cumsum([len(r) + 16 for r in recs]))
        rd.seek(offs[70])
        assert rd.read_many(10) == recs[70:80]
        rd.seek(offs[3])
        assert rd.read() == recs[3]
        assert rd.read_many(1000) == recs[4:]
        assert rd.read() is None
        rd.close()


def test_multi_member_gzip(tmp_path):
    recs = _records(20)
    p = str(tmp_path / "a")
    with RecordWriter(p) as w:
        w.write_many(recs)
    raw = open(p, "rb").read()
    q = str(tmp_path / "b.gz")
    with open(q, "wb") as f:
        f.write(gzip.compress(raw[:1000]) + gzip.compress(raw[1000:]))
    assert list(tf_record_iterator(q, "GZIP")) == recs


def _write_plain(path, recs):
    with RecordWriter(path) as w:
        w.write_many(recs)
    return open(path, "rb").read()


def test_corruption_errors_name_file_and_offset(tmp_path):
    recs = [b"a" * 10, b"b" * 20, b"c" * 30]
    p = str(tmp_path / "c")
    raw = _write_plain(p, recs)
    bad = bytearray(raw)
    bad[26 + 12 + 3] ^= 1  # payload of record 1 (starts at offset 26)
    open(p, "wb").write(bytes(bad))
    rd = RecordReader(p)
    assert rd.read_many(10) == recs[:1]  # good records first, then the error
    with pytest.raises(tf.errors.DataLossError, match=r"corrupted record at 26 .*'.*c'"):
        rd.read()
    bad = bytearray(raw)
    bad[0] ^= 1
    open(p, "wb").write(bytes(bad))
    with pytest.raises(tf.errors.DataLossError,
                       match=r"corrupted record at 0 \(Is this even a TFRecord file\?\)"):
        list(tf_record_iterator(p))
    open(p, "wb").write(raw[:26 + 20])
    with pytest.raises(tf.errors.DataLossError, match="truncated record at 26'"):
        list(tf_record_iterator(p))
    open(p, "wb").write(raw + b"\x01" * 11)  # 1-11 trailing bytes: clean EOF, as TF
    assert list(tf_record_iterator(p)) == recs
    assert tf.errors.DataLossError.error_code == 15


def test_truncated_record_is_picked_up_after_append(tmp_path):
    recs = [b"x" * 100, b"y" * 100]
    p = str(tmp_path / "t")
    raw = _write_plain(p, recs)
    open(p, "wb").write(raw[:150])
    rd = RecordReader(p)
    assert rd.read() == recs[0]
    with pytest.raises(tf.errors.DataLossError, match="truncated record at 116'"):
        rd.read()
    with open(p, "ab") as f:
        f.write(raw[150:])
    assert rd.read() == recs[1]


def test_compressed_errors(tmp_path):
    raw = _write_plain(str(tmp_path / "p"), _records(30))
    q = str(tmp_path / "cut.gz")
    open(q, "wb").write(gzip.compress(raw)[: len(gzip.compress(raw)) // 2])
    with pytest.raises(tf.errors.DataLossError, match="truncated record"):
        list(tf_record_iterator(q, "GZIP"))
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    open(q, "wb").write(c.compress(raw) + c.flush())
    with pytest.raises(tf.errors.DataLossError, match="inflate.*incorrect header check"):
        list(tf_record_iterator(q, "ZLIB"))
    with pytest.raises(ValueError, match="SNAPPY"):
        tf.io.TFRecordOptions("SNAPPY")


def test_tensorboard_record_writer_and_reader_agree(tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.summary.writer.record_writer import RecordWriter as TBWriter

    recs = _records(25, seed=3)
    p = str(tmp_path / "tb.tfrecord")
    with open(p, "wb") as f:
        w = TBWriter(f)
        for r in recs:
            w.write(r)
        w.flush()
    ours = str(tmp_path / "ours.tfrecord")
    with tf.io.TFRecordWriter(ours) as w:
        for r in recs:
            w.write(r)
    assert open(p, "rb").read() == open(ours, "rb").read()
    assert list(tf_record_iterator(p)) == recs
    assert list(RawEventFileLoader(ours).Load()) == recs


def test_fsspec_memory_urls():
    recs = _records(10, seed=5)
    url = "memory://tfrecord_test/a.tfrecord.gz"
    with tf.io.TFRecordWriter(url, "GZIP") as w:
        for r in recs:
            w.write(r)
    assert list(tf_record_iterator(url, "GZIP")) == recs
    tf.io.gfile.remove(url)
