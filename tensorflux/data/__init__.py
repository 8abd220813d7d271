"""``tf.data``: input pipelines (Dataset, Options, AUTOTUNE, experimental)."""
