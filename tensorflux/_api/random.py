"""Top-level tf.* names from the random family (explicit re-exports)."""

__all__: list = []
