"""``tf.compat.v1.io``: TensorFlow 1 names for record files (the rest is ``tf.io``)."""

from tensorflux.io import *  # noqa: F401,F403
from tensorflux._src.io.tfrecord import tf_record_iterator  # noqa: F401
