"""Top-level tf.* names from the image family (explicit re-exports)."""

__all__: list = []
