"""Keras layers: regularization (placeholder until its helper lands)."""

__all__ = []
