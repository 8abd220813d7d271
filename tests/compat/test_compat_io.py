"""tf.compat.v1 record-file names read what tf.io writes."""

import tensorflux as tf


def test_tf_record_iterator_reads_tfrecordwriter_output(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    records = [b"", b"a", b"\x00\xff" * 100]
    with tf.compat.v1.python_io.TFRecordWriter(path) as w:
        for r in records:
            w.write(r)
    assert list(tf.compat.v1.io.tf_record_iterator(path)) == records
    assert list(tf.compat.v1.python_io.tf_record_iterator(path)) == records


def test_tf_record_iterator_gzip(tmp_path):
    path = str(tmp_path / "r.tfrecord.gz")
    opts = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(path, opts) as w:
        w.write(b"xyz")
    assert list(tf.compat.v1.io.tf_record_iterator(path, options=opts)) == [b"xyz"]
