"""The data-only decoder of serialized dataset files (``_src/datasets/npz.py``) against
Python's own unpickler as the oracle: same values for every protocol, nothing executed."""

import io
import os
import pickle

import numpy as np
import pytest

from tensorflux._src.datasets import npz


def _values():
    r = np.random.default_rng(0)
    ragged = np.empty(3, dtype=object)
    ragged[:] = [[1, 2, 3], [4], list(range(50))]
    return [
        None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**70, -2**70,
        1.5, -0.0, float("inf"), "text", "é ключ", b"bytes", b"\x00\xff" * 300,
        [], [1, [2, [3]]], (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), {}, {"a": 1, b"k": [2]},
        {1, 2}, frozenset({3}), bytearray(b"xy"),
        r.standard_normal((3, 4)).astype(np.float32), r.integers(0, 9, (2, 3, 4), np.uint8),
        np.asfortranarray(r.standard_normal((3, 5))), r.standard_normal(4).astype(">f8"),
        np.array([], np.int64), ragged, np.float32(2.5), np.int64(-7),
        {b"data": r.integers(0, 255, (4, 3072), np.uint8), b"labels": [1, 2, 3, 4],
         b"filenames": [b"a.png", b"b.png"]},
    ]


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.flags.f_contiguous == \
            b.flags.f_contiguous
        if a.dtype.hasobject:
            for x, y in zip(a.ravel(), b.ravel()):
                _same(x, y)
        else:
            np.testing.assert_array_equal(a, b)
        assert a.flags.writeable
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_matches_python_unpickler(protocol):
    for v in _values():
        blob = pickle.dumps(v, protocol=protocol)
        _same(npz.restricted_load(io.BytesIO(blob)), pickle.loads(blob))


def test_python2_strings_come_back_as_bytes():
    # protocol-2 stream with Python 2 str opcodes (SHORT_BINSTRING), as the CIFAR files have
    blob = b"\x80\x02}q\x00(U\x04dataq\x01U\x03abcq\x02U\x06labelsq\x03]q\x04K\x01au."
    assert npz.restricted_load(io.BytesIO(blob), encoding="bytes") == {
        b"data": b"abc", b"labels": [1]}
    assert pickle.loads(blob, encoding="bytes") == {b"data": b"abc", b"labels": [1]}


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch should-not-exist",))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_code_is_refused_not_run(protocol, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for v in (_Evil(), [1, {"x": _Evil()}]):
        with pytest.raises(npz.UnsafeDataError, match="Refusing to deserialize"):
            npz.restricted_load(io.BytesIO(pickle.dumps(v, protocol=protocol)))
    assert not os.path.exists("should-not-exist")


def test_truncated_and_unknown_opcodes_are_errors():
    blob = pickle.dumps({"a": [1, 2, 3]}, protocol=4)
    with pytest.raises(npz.UnsafeDataError):
        npz.restricted_load(io.BytesIO(blob[:-5]))
    with pytest.raises(npz.UnsafeDataError, match="unsupported opcode"):
        npz.restricted_load(io.BytesIO(b"\x80\x02P1\n."))   # PERSID
