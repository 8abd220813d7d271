"""``tf.keras`` / ``from tensorflux import keras``: Keras 3 API on tensorflux."""
