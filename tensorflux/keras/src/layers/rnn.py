"""Keras layers: rnn (placeholder until its helper lands)."""

__all__ = []
