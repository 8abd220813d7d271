"""Top-level tf.* names from the linalg family (explicit re-exports)."""

__all__: list = []
