"""``tf.compat.v1``: TensorFlow 1 API on tensorflux."""
