"""``tf.compat.v1.python_io``: TensorFlow 1's record-file module."""

from tensorflux._src.io.tfrecord import tf_record_iterator  # noqa: F401
from tensorflux.io import TFRecordOptions, TFRecordWriter  # noqa: F401
