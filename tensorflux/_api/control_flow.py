"""Top-level tf.* names from the control_flow family (explicit re-exports)."""

__all__: list = []
