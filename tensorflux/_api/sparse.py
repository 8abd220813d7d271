"""Top-level tf.* names from the sparse family (explicit re-exports)."""

__all__: list = []
