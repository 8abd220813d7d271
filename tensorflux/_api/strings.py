"""Top-level tf.* names from the strings family (explicit re-exports)."""

__all__: list = []
