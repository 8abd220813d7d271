"""tf.data sources and transformations against hand-computed values and TF's docs."""

import collections

import numpy as np
import pytest

import tensorflux as tf


def _list(ds):
    return [np.asarray(e).tolist() if not isinstance(e, (tuple, dict)) else e
            for e in ds.as_numpy_iterator()]


def test_range_map_batch_and_spec():
    ds = tf.data.Dataset.range(5).map(lambda x: x * 2).batch(2)
    assert _list(ds) == [[0, 2], [4, 6], [8]]
    assert ds.element_spec == tf.TensorSpec([None], tf.int64)
    assert tf.data.Dataset.range(5).batch(2, drop_remainder=True).element_spec.shape == [2]
    assert len(ds) == 3
    assert _list(tf.data.Dataset.range(2, 9, 3)) == [2, 5, 8]
    assert _list(tf.data.Dataset.range(5, 0, -2)) == [5, 3, 1]


def test_from_tensor_slices_structures():
    ds = tf.data.Dataset.from_tensor_slices({"a": [1, 2], "b": [[1., 2.], [3., 4.]]})
    spec = ds.element_spec
    assert spec["a"] == tf.TensorSpec([], tf.int32) and spec["b"] == tf.TensorSpec([2])
    first = next(iter(ds))
    assert int(first["a"]) == 1 and first["b"].numpy().tolist() == [1.0, 2.0]
    P = collections.namedtuple("P", "x y")
    e = next(iter(tf.data.Dataset.from_tensor_slices(P(np.arange(3), np.arange(3) * 2.0))))
    assert isinstance(e, P) and float(e.y) == 0.0
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError):
        tf.data.Dataset.from_tensor_slices(np.float32(1.0))


def test_from_tensors_zip_concat_enumerate():
    assert _list(tf.data.Dataset.from_tensors([1, 2])) == [[1, 2]]
    z = tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(3, 7)))
    assert [tuple(int(v) for v in e) for e in z.as_numpy_iterator()] == [(0, 3), (1, 4),
                                                                           (2, 5)]
    assert len(z) == 3
    c = tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7))
    assert _list(c) == [0, 1, 5, 6] and len(c) == 4
    e = list(tf.data.Dataset.from_tensor_slices([b"a", b"b"]).enumerate(5).as_numpy_iterator())
    assert [(int(i), s) for i, s in e] == [(5, b"a"), (6, b"b")]
    with pytest.raises(TypeError):
        tf.data.Dataset.range(2).concatenate(tf.data.Dataset.from_tensors(1.0))


def test_filter_take_skip_shard_repeat():
    assert _list(tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert _list(tf.data.Dataset.range(10).skip(2).take(3)) == [2, 3, 4]
    assert _list(tf.data.Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert len(tf.data.Dataset.range(10).shard(3, 1)) == 3
    assert _list(tf.data.Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert _list(tf.data.Dataset.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert _list(tf.data.Dataset.range(0).repeat()) == []
    assert _list(tf.data.Dataset.range(10).take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="tf.bool"):
        tf.data.Dataset.range(3).filter(lambda x: x)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.data.Dataset.range(3).shard(2, 2)


def test_cardinality_constants():
    D = tf.data.Dataset
    assert int(D.range(10).repeat().cardinality()) == tf.data.INFINITE_CARDINALITY == -1
    assert int(D.range(10).filter(lambda x: True).cardinality()) == \
        tf.data.UNKNOWN_CARDINALITY == -2
    assert int(D.range(10).batch(3).cardinality()) == 4
    assert int(D.range(10).batch(3, drop_remainder=True).cardinality()) == 3
    assert int(D.range(7).window(3, 2, drop_remainder=True).cardinality()) == 3
    assert int(tf.data.experimental.cardinality(D.range(10).skip(4).take(3))) == 3
    with pytest.raises(TypeError, match="infinite"):
        len(D.range(1).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(D.range(4).filter(lambda x: True))


def test_padded_batch_shapes():
    ds = tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x))
    out = _list(ds.padded_batch(2))
    assert out == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    out = _list(ds.padded_batch(2, padded_shapes=[5],
                                padding_values=tf.constant(-1, tf.int64)))
    assert out[0] == [[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]]
    assert ds.padded_batch(2, padded_shapes=[5]).element_spec.shape.as_list() == [None, 5]
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller"):
        list(ds.padded_batch(2, padded_shapes=[2]))


def test_batch_errors_and_unbatch_rebatch():
    ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x))
    with pytest.raises(tf.errors.InvalidArgumentError, match="different shapes"):
        list(ds.batch(2))
    x = np.arange(6).reshape(3, 2)
    assert _list(tf.data.Dataset.from_tensor_slices(x).unbatch()) == list(range(6))
    assert _list(tf.data.Dataset.range(10).batch(4).rebatch(3)) == [[0, 1, 2], [3, 4, 5],
                                                                     [6, 7, 8], [9]]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.data.Dataset.range(3).batch(0)


def test_window_semantics():
    flat = tf.data.Dataset.range(7).window(3, shift=2).flat_map(lambda w: w.batch(3))
    assert _list(flat) == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
    strided = tf.data.Dataset.range(10).window(3, shift=1, stride=2, drop_remainder=True)
    assert _list(strided.flat_map(lambda w: w.batch(3)))[:2] == [[0, 2, 4], [1, 3, 5]]
    assert len(_list(strided.flat_map(lambda w: w.batch(3)))) == 6
    gap = tf.data.Dataset.range(10).window(2, shift=5).flat_map(lambda w: w.batch(2))
    assert _list(gap) == [[0, 1], [5, 6]]
    pairs = tf.data.Dataset.zip((tf.data.Dataset.range(4), tf.data.Dataset.range(4) * 0
                                 if False else tf.data.Dataset.range(10, 14)))
    w = next(iter(pairs.window(2)))
    assert isinstance(w, tuple) and len(w) == 2
    assert _list(w[1]) == [10, 11]


def test_interleave_order_from_tf_docs():
    ds = tf.data.Dataset.range(1, 6)
    for kw in ({}, {"num_parallel_calls": 2}, {"num_parallel_calls": tf.data.AUTOTUNE}):
        out = _list(ds.interleave(lambda x: tf.data.Dataset.from_tensors(x).repeat(6),
                                  cycle_length=2, block_length=4, **kw))
        assert out == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4,
                       4, 5, 5, 5, 5, 5, 5]
    out = _list(tf.data.Dataset.range(3).flat_map(
        lambda x: tf.data.Dataset.range(x)))
    assert out == [0, 0, 1]


def test_scan_reduce_unique():
    s = tf.data.Dataset.range(5).scan(tf.constant(0, tf.int64), lambda st, x: (st + x, st * 10))
    assert _list(s) == [0, 0, 10, 30, 60]
    assert int(tf.data.Dataset.range(5).reduce(np.int64(0), lambda a, x: a + x)) == 10
    r = tf.data.Dataset.range(4).reduce((np.int64(0), np.int64(1)),
                                        lambda st, x: (st[0] + x, st[1] * (x + 1)))
    assert [int(v) for v in r] == [6, 24]
    assert _list(tf.data.Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique()) == [1, 2, 3]
    with pytest.raises(TypeError):
        tf.data.Dataset.range(3).reduce(np.float32(0), lambda a, x: a + x)


def test_group_by_window_and_bucketing():
    g = tf.data.Dataset.range(10).group_by_window(lambda x: x % 2,
                                                  lambda k, w: w.batch(3), window_size=3)
    assert _list(g) == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
    gen = tf.data.Dataset.from_generator(lambda: ([1] * n for n in [1, 3, 2, 5, 4, 1, 6]),
                                         output_signature=tf.TensorSpec([None], tf.int32))
    b = gen.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 5], [2, 2, 2])
    assert [np.asarray(x).shape for x in b.as_numpy_iterator()] == [(2, 2), (2, 4), (2, 6),
                                                                     (1, 1)]
    with pytest.raises(ValueError):
        tf.data.Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w)


def test_ragged_batch_and_spec():
    ds = tf.data.Dataset.range(4).map(lambda x: tf.range(x)).ragged_batch(2)
    assert ds.element_spec == tf.data.RaggedTensorSpec([None, None], tf.int64, 1)
    first = next(iter(ds))
    assert first.to_list() == [[], [0]]
    lengths = _list(ds.map(lambda r: r.row_lengths()))
    assert lengths == [[0, 1], [2, 3]]


def test_from_generator_signatures():
    def gen():
        yield 1, [1.0, 2.0]
        yield 2, [3.0, 4.0]
    new = tf.data.Dataset.from_generator(gen, output_signature=(
        tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32)))
    old = tf.data.Dataset.from_generator(gen, output_types=(tf.int32, tf.float32),
                                         output_shapes=((), (2,)))
    for ds in (new, old):
        out = [(int(a), b.tolist()) for a, b in ds.as_numpy_iterator()]
        assert out == [(1, [1.0, 2.0]), (2, [3.0, 4.0])]
    assert _list(tf.data.Dataset.from_generator(lambda n: range(int(n)), tf.int64,
                                                args=(3,))) == [0, 1, 2]
    bad = tf.data.Dataset.from_generator(lambda: iter([[1, 2, 3]]),
                                         output_signature=tf.TensorSpec([2], tf.int32))
    with pytest.raises(ValueError, match="shape"):
        list(bad)
    with pytest.raises(TypeError):
        tf.data.Dataset.from_generator(gen)


def test_sample_and_choose():
    a = tf.data.Dataset.from_tensors(b"a").repeat()
    b = tf.data.Dataset.from_tensors(b"b").repeat()
    choice = tf.data.Dataset.range(3).repeat(2).map(lambda x: x % 2)
    assert _list(tf.data.Dataset.choose_from_datasets([a, b], choice)) == [
        b"a", b"b", b"a", b"a", b"b", b"a"]
    s = tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(0, 100), tf.data.Dataset.range(100, 200)], [0.5, 0.5], seed=3)
    out = _list(s)
    assert sorted(out) == list(range(200))
    assert out == _list(tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(0, 100), tf.data.Dataset.range(100, 200)], [0.5, 0.5], seed=3))
    left = [v for v in out if v < 100]
    assert left == sorted(left)


def test_shuffle_seeded_permutation_and_reshuffle():
    ds = tf.data.Dataset.range(50).shuffle(10, seed=7)
    a, b = _list(ds), _list(ds)
    assert sorted(a) == list(range(50)) and sorted(b) == list(range(50))
    assert a != list(range(50))
    assert a != b                                 # reshuffle_each_iteration=True
    assert _list(tf.data.Dataset.range(50).shuffle(10, seed=7)) == a   # deterministic
    fixed = tf.data.Dataset.range(50).shuffle(10, seed=7, reshuffle_each_iteration=False)
    assert _list(fixed) == _list(fixed)
    # A buffer of size k can only move an element up to k-1 places earlier.
    assert all(v <= i + 9 for i, v in enumerate(a))
    epochs = _list(tf.data.Dataset.range(5).shuffle(5, seed=1).repeat(2))
    assert sorted(epochs[:5]) == sorted(epochs[5:]) == list(range(5))


def test_cache_memory_and_file(tmp_path):
    calls = []
    gen = tf.data.Dataset.from_generator(lambda: (calls.append(1) or i for i in range(3)),
                                         output_signature=tf.TensorSpec([], tf.int64))
    c = gen.cache()
    assert _list(c) == [0, 1, 2] and _list(c) == [0, 1, 2]
    assert len(calls) == 3
    f = str(tmp_path / "cache")
    strs = tf.data.Dataset.from_tensor_slices([b"x", b"yy"]).cache(f)
    assert _list(strs) == [b"x", b"yy"]
    assert _list(tf.data.Dataset.from_tensor_slices([b"other"]).cache(f)) == [b"x", b"yy"]


def test_save_load_snapshot(tmp_path):
    ds = tf.data.Dataset.from_tensor_slices(({"a": np.arange(4)}, [b"p", b"q", b"r", b"s"]))
    ds.save(str(tmp_path / "saved"))
    back = tf.data.Dataset.load(str(tmp_path / "saved"))
    assert back.element_spec == ds.element_spec
    got = [(int(d["a"]), s) for d, s in back.as_numpy_iterator()]
    assert got == [(0, b"p"), (1, b"q"), (2, b"r"), (3, b"s")]
    snap = tf.data.Dataset.range(3).snapshot(str(tmp_path / "snap"))
    assert _list(snap) == [0, 1, 2] and _list(snap) == [0, 1, 2]
    with pytest.raises(tf.errors.NotFoundError):
        tf.data.Dataset.load(str(tmp_path / "missing"))


def test_errors_ignore_and_assert_cardinality():
    ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0, 2.0]).map(
        lambda x: tf.debugging.check_numerics(1.0 / x, "inf"))
    with pytest.raises(tf.errors.InvalidArgumentError):
        list(ds)
    assert _list(ds.ignore_errors()) == [1.0, 0.5]
    assert _list(ds.apply(tf.data.experimental.ignore_errors())) == [1.0, 0.5]
    ok = tf.data.Dataset.range(3).filter(lambda x: True).assert_cardinality(3)
    assert len(ok) == 3 and _list(ok) == [0, 1, 2]
    with pytest.raises(tf.errors.FailedPreconditionError, match="expected to contain 4"):
        list(tf.data.Dataset.range(3).assert_cardinality(4))


def test_map_traced_once_with_python_side_effects():
    seen = []

    def f(x):
        seen.append(1)      # runs at trace time only (as in TensorFlow)
        return x + 1
    ds = tf.data.Dataset.range(5).map(f)
    assert _list(ds) == [1, 2, 3, 4, 5] and _list(ds) == [1, 2, 3, 4, 5]
    assert len(seen) == 1
    v = tf.Variable(10, dtype=tf.int64)
    dv = tf.data.Dataset.range(2).map(lambda x: x + v)
    v.assign(20)
    assert _list(dv) == [20, 21]     # variables are read when the element is produced


def test_map_structures_and_bad_functions():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    assert _list(ds.map(lambda a, b: a + b)) == [0, 11, 22]
    d = ds.map(lambda a, b: {"s": a + b, "a": a})
    assert set(d.element_spec) == {"s", "a"}
    assert _list(ds.map(lambda a, b: [a, b]).map(lambda a, b: a))[:2] == [0, 1]
    with pytest.raises(TypeError, match="callable"):
        ds.map(3)
    with pytest.raises(ValueError, match="num_parallel_calls"):
        ds.map(lambda a, b: a, num_parallel_calls=0)


def test_options_and_experimental_helpers():
    opts = tf.data.Options()
    opts.deterministic = False
    opts.threading.private_threadpool_size = 2
    ds = tf.data.Dataset.range(4).with_options(opts).map(lambda x: x)
    assert ds.options().deterministic is False
    assert ds.options().threading.private_threadpool_size == 2
    with pytest.raises(AttributeError):
        opts.no_such_option = 1
    sr = tf.data.Dataset.range(3).apply(tf.data.experimental.shuffle_and_repeat(3, 2, seed=1))
    assert sorted(_list(sr)) == [0, 0, 1, 1, 2, 2]
    mb = tf.data.Dataset.range(5).apply(tf.data.experimental.map_and_batch(lambda x: x * 3, 2))
    assert _list(mb) == [[0, 3], [6, 9], [12]]
    with pytest.raises(TypeError, match="Dataset"):
        tf.data.Dataset.range(3).apply(lambda d: 3)


def test_sparse_and_ragged_elements():
    st = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    ds = tf.data.Dataset.from_tensors(st)
    assert ds.element_spec == tf.data.SparseTensorSpec([3, 4], tf.float32)
    assert repr(ds.element_spec) == "SparseTensorSpec(TensorShape([3, 4]), tf.float32)"
    assert isinstance(next(iter(ds)), tf.SparseTensor)
    dense = next(iter(ds.map(tf.sparse.to_dense))).numpy()
    ref = np.zeros((3, 4), np.float32)
    ref[0, 0], ref[1, 2] = 1.0, 2.0
    np.testing.assert_array_equal(dense, ref)
    r = tf.data.Dataset.from_tensors(tf.ragged.constant([[1, 2], [3]]))
    assert r.element_spec == tf.data.RaggedTensorSpec([2, None], tf.int32, 1)
    assert next(iter(r.map(lambda x: x.row_lengths()))).numpy().tolist() == [2, 1]
