"""Top-level tf.* names from the nn family (explicit re-exports)."""

__all__: list = []
