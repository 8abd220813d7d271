"""Keras layers: attention (placeholder until its helper lands)."""

__all__ = []
