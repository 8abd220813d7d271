"""``tf.compat``: compatibility layers (``tf.compat.v1``)."""
