"""Top-level tf.* names from the array family (explicit re-exports)."""

__all__: list = []
