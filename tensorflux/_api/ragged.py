"""Top-level tf.* names from the ragged family (explicit re-exports)."""

__all__: list = []
