"""Keras layers: pooling (placeholder until its helper lands)."""

__all__ = []
