"""Top-level tf.* names from the graph family (explicit re-exports)."""

__all__: list = []
