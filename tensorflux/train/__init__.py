"""``tf.train``: Example protos and training utilities."""
