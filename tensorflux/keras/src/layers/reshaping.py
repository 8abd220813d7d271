"""Keras layers: reshaping (placeholder until its helper lands)."""

__all__ = []
