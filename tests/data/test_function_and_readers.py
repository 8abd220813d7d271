"""tf.data inside tf.function (IteratorGetNext/ReduceDataset ops) and the file readers."""

import gzip
import os

import numpy as np
import pytest

import tensorflux as tf


def test_next_inside_function_pulls_each_call():
    it = iter(tf.data.Dataset.range(10).map(lambda x: x * 2))

    @tf.function
    def step(it):
        return next(it) + 1
    assert [int(step(it)) for _ in range(3)] == [1, 3, 5]
    assert step.experimental_get_tracing_count() == 1
    assert int(next(it)) == 6          # eager and graph pulls share the iterator
    ops = [op.type for op in step.get_concrete_function(it).graph._ops]
    assert "IteratorGetNext" in ops


def test_iter_inside_function_is_fresh_each_call_and_reduce():
    ds = tf.data.Dataset.range(10).map(lambda x: x * 2)

    @tf.function
    def first_two(ds):
        i = iter(ds)
        return next(i), next(i)
    assert [int(v) for v in first_two(ds)] == [0, 2]
    assert [int(v) for v in first_two(ds)] == [0, 2]

    @tf.function
    def total(ds, scale):
        return ds.reduce(tf.constant(0, tf.int64), lambda s, x: s + x) * scale
    assert int(total(ds, tf.constant(2, tf.int64))) == 180
    ops = [op.type for op in total.get_concrete_function(
        ds, tf.constant(2, tf.int64)).graph._ops]
    assert "ReduceDataset" in ops


def test_out_of_range_and_get_next():
    it = iter(tf.data.Dataset.range(1))

    @tf.function
    def g(it):
        return it.get_next()
    assert int(g(it)) == 0
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        g(it)
    with pytest.raises(tf.errors.OutOfRangeError):
        iter(tf.data.Dataset.range(0)).get_next()
    opt = iter(tf.data.Dataset.range(1)).get_next_as_optional()
    assert bool(opt.has_value()) and int(opt.get_value()) == 0


def test_tfrecord_dataset_roundtrip_and_parallel_reads(tmp_path):
    paths = []
    for f in range(3):
        p = str(tmp_path / f"r{f}.tfrecord")
        with tf.io.TFRecordWriter(p) as w:
            for i in range(4):
                w.write(b"f%d-%d" % (f, i))
        paths.append(p)
    seq = [r for r in tf.data.TFRecordDataset(paths).as_numpy_iterator()]
    assert seq == [b"f%d-%d" % (f, i) for f in range(3) for i in range(4)]
    par = list(tf.data.TFRecordDataset(paths, num_parallel_reads=2).as_numpy_iterator())
    # interleave order with cycle_length=2, block_length=1 (TensorFlow's):
    assert par[:4] == [b"f0-0", b"f1-0", b"f0-1", b"f1-1"]
    assert sorted(par) == sorted(seq)
    gz = str(tmp_path / "g.tfrecord.gz")
    with tf.io.TFRecordWriter(gz, options="GZIP") as w:
        w.write(b"zipped")
    assert list(tf.data.TFRecordDataset(gz, compression_type="GZIP").as_numpy_iterator()) \
        == [b"zipped"]
    with open(paths[0], "r+b") as f:
        f.seek(20)
        f.write(b"\xff\xff")
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.TFRecordDataset(paths[0]))


def test_text_fixed_length_and_list_files(tmp_path):
    a = tmp_path / "a.txt"
    a.write_bytes(b"one\r\ntwo\nthree")
    z = tmp_path / "b.txt.gz"
    with gzip.open(z, "wb") as f:
        f.write(b"x\ny\n")
    assert list(tf.data.TextLineDataset(str(a)).as_numpy_iterator()) == [b"one", b"two",
                                                                          b"three"]
    assert list(tf.data.TextLineDataset(str(z), compression_type="GZIP")
                .as_numpy_iterator()) == [b"x", b"y"]
    fx = tmp_path / "fixed.bin"
    fx.write_bytes(b"HH" + b"aaabbbccc" + b"F")
    ds = tf.data.FixedLengthRecordDataset(str(fx), 3, header_bytes=2, footer_bytes=1)
    assert list(ds.as_numpy_iterator()) == [b"aaa", b"bbb", b"ccc"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiple"):
        list(tf.data.FixedLengthRecordDataset(str(fx), 5))
    names = list(tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
                 .as_numpy_iterator())
    assert names == [os.fsencode(str(a))]
    shuffled = tf.data.Dataset.list_files(str(tmp_path / "*"), seed=1)
    assert sorted(shuffled.as_numpy_iterator()) == sorted(
        os.fsencode(str(p)) for p in tmp_path.iterdir())
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        tf.data.Dataset.list_files(str(tmp_path / "*.none"))


def test_csv_dataset_and_make_csv_dataset(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('a,b,c\n1,2.5,"x,y"\n3,,z\n')
    ds = tf.data.experimental.CsvDataset(str(p), [tf.int32, [0.0], [""]], header=True)
    rows = [(int(a), float(b), c) for a, b, c in ds.as_numpy_iterator()]
    assert rows == [(1, 2.5, b"x,y"), (3, 0.0, b"z")]
    sel = tf.data.experimental.CsvDataset(str(p), [[0], [""]], header=True, select_cols=[0, 2])
    assert [(int(a), c) for a, c in sel.as_numpy_iterator()] == [(1, b"x,y"), (3, b"z")]
    req = tf.data.experimental.CsvDataset(str(p), [tf.int32, tf.float32, tf.string],
                                          header=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="required"):
        list(req)
    m = tf.data.experimental.make_csv_dataset(str(p), batch_size=2, label_name="a",
                                              shuffle=False, num_epochs=1)
    feats, label = next(iter(m))
    assert label.numpy().tolist() == [1, 3] and label.dtype == tf.int32
    assert feats["b"].dtype == tf.float32 and feats["c"].numpy().tolist() == [b"x,y", b"z"]
    assert list(feats) == ["b", "c"]


def test_tfrecord_parse_pipeline_like_benchmark(tmp_path):
    p = str(tmp_path / "ex.tfrecord")
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    with tf.io.TFRecordWriter(p) as w:
        for i in range(3):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=X[i].tolist())),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}))
            w.write(ex.SerializeToString())
    feat = {"x": tf.io.FixedLenFeature([4], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64)}
    a = tf.data.TFRecordDataset(p).map(lambda s: tf.io.parse_single_example(s, feat),
                                       num_parallel_calls=tf.data.AUTOTUNE).batch(2)
    b = tf.data.TFRecordDataset(p).batch(2).map(lambda s: tf.io.parse_example(s, feat))
    for ds in (a, b):
        out = list(ds.prefetch(tf.data.AUTOTUNE))
        np.testing.assert_array_equal(out[0]["x"].numpy(), X[:2])
        assert out[1]["y"].numpy().tolist() == [2]
