"""``tf.summary``: TensorBoard event files (scalars, histograms, images, text, graphs)."""
