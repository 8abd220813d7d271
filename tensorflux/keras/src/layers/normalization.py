"""Keras layers: normalization (placeholder until its helper lands)."""

__all__ = []
