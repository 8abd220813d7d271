"""Top-level tf.* names from the math family (explicit re-exports)."""

__all__: list = []
