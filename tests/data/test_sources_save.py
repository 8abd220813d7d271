"""Dataset.random / counter, save/load (compression, shard_func, reader_func), composites."""

import os

import numpy as np
import pytest

import tensorflux as tf


def _take(ds, n):
    return [int(x) for x in ds.take(n)]


def test_random_seeded_repeatable_and_rerandomized():
    ds = tf.data.Dataset.random(seed=7)
    assert ds.element_spec == tf.TensorSpec([], tf.int64)
    assert int(ds.cardinality()) == tf.data.INFINITE_CARDINALITY
    a, b = _take(ds, 200), _take(ds, 200)
    assert a == b                                   # same sequence every iteration
    assert a != _take(tf.data.Dataset.random(seed=8), 200)
    assert min(a) < -2**61 and max(a) > 2**61       # uniform over the whole int64 range
    assert len(set(a)) == 200
    r = tf.data.Dataset.random(seed=7, rerandomize_each_iteration=True)
    assert _take(r, 50) != _take(r, 50)


def test_random_checkpoint_resumes():
    it = iter(tf.data.Dataset.random(seed=3))
    [next(it) for _ in range(5)]
    st = it._serialize_state()
    want = [int(next(it)) for _ in range(5)]
    it2 = iter(tf.data.Dataset.random(seed=3))
    it2._restore_state(st)
    assert [int(next(it2)) for _ in range(5)] == want


def test_counter_infinite_and_negative_step():
    c = tf.data.Dataset.counter(10, -3, dtype=tf.int32)
    assert int(c.cardinality()) == -1 and c.element_spec.dtype == tf.int32
    assert _take(c, 4) == [10, 7, 4, 1]
    assert _take(tf.data.experimental.Counter(), 3) == [0, 1, 2]


def _files(path):
    return sorted(n for n in os.listdir(path) if n.startswith("shard_"))


def test_save_load_gzip_roundtrip(tmp_path):
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "y": np.arange(12)})
    p = str(tmp_path / "saved")
    ds.save(p, compression="GZIP")
    (f,) = _files(p)
    with open(os.path.join(p, f), "rb") as fh:
        assert fh.read(2) == b"\x1f\x8b"            # a real gzip stream
    back = tf.data.Dataset.load(p, compression="GZIP")
    assert back.element_spec == ds.element_spec
    assert int(back.cardinality()) == 12
    got = list(back.as_numpy_iterator())
    np.testing.assert_array_equal(np.stack([g["x"] for g in got]), x)
    np.testing.assert_array_equal([g["y"] for g in got], np.arange(12))


def test_save_shard_func_and_reader_func(tmp_path):
    p = str(tmp_path / "sh")
    ds = tf.data.Dataset.range(10)
    ds.save(p, shard_func=lambda x: x % 3)
    assert _files(p) == ["shard_00000.tfxcache", "shard_00001.tfxcache",
                         "shard_00002.tfxcache"]
    # default reader: the shards one after another, in shard-id order
    assert _take(tf.data.Dataset.load(p), 100) == [0, 3, 6, 9, 1, 4, 7, 2, 5, 8]
    inter = tf.data.Dataset.load(
        p, reader_func=lambda dss: dss.interleave(lambda d: d, cycle_length=3))
    assert _take(inter, 100) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    # saving again replaces the old shards
    tf.data.Dataset.range(2).save(p)
    assert _files(p) == ["shard_00000.tfxcache"]
    assert _take(tf.data.Dataset.load(p), 10) == [0, 1]


def test_save_errors(tmp_path):
    ds = tf.data.Dataset.range(3)
    with pytest.raises(ValueError, match="int64"):
        ds.save(str(tmp_path / "a"), shard_func=lambda x: tf.cast(x, tf.int32))
    with pytest.raises(tf.errors.UnimplementedError, match="GZIP"):
        ds.save(str(tmp_path / "b"), compression="SNAPPY")
    with pytest.raises(tf.errors.NotFoundError):
        tf.data.Dataset.load(str(tmp_path / "missing"))


def test_save_load_sparse_and_ragged(tmp_path):
    rt = tf.ragged.constant([[1, 2], [], [3]])
    st = tf.SparseTensor([[0, 1], [2, 0]], [5, 6], [3, 2])
    ds = tf.data.Dataset.from_tensor_slices((rt, st))
    p = str(tmp_path / "c")
    ds.save(p)
    back = tf.data.Dataset.load(p)
    assert back.element_spec == ds.element_spec
    got = [(a.numpy().tolist(), tf.sparse.to_dense(b).numpy().tolist()) for a, b in back]
    assert got == [([1, 2], [0, 5]), ([], [0, 0]), ([3], [6, 0])]


def test_unbatch_ragged_checkpoint():
    rt = tf.ragged.constant([[[1], [2, 3]], [[4, 5, 6]], [[7], [], [8]]])
    ds = tf.data.Dataset.from_tensors(rt).repeat(2).unbatch()
    it = iter(ds)
    next(it), next(it)
    st = it._serialize_state()
    rest = [x.to_list() for x in it]
    it2 = iter(ds)
    it2._restore_state(st)
    assert [x.to_list() for x in it2] == rest
    assert rest[0] == [[7], [], [8]] and len(rest) == 4


def test_composite_errors():
    ds = tf.data.Dataset.from_tensor_slices(np.ones([2, 4], np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="exceeds the row shape"):
        list(ds.sparse_batch(2, [3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank"):
        ds.sparse_batch(2, [3, 3])
    with pytest.raises(ValueError, match="not compatible"):
        tf.data.experimental.from_list([1, "a"])
    with pytest.raises(ValueError, match="empty"):
        tf.data.experimental.from_list([])
