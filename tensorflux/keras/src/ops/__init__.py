"""Implementation of ``keras.ops`` (numpy-style, nn, image, linalg, core) on tensorflux."""
