"""Keras layers: preprocessing (placeholder until its helper lands)."""

__all__ = []
