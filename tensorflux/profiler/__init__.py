"""``tf.profiler``: op timeline tracing (Chrome trace JSON and TensorBoard xplane.pb)."""
