"""Keras layers: conv (placeholder until its helper lands)."""

__all__ = []
