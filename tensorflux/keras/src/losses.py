"""Keras losses (placeholder)."""
