"""Implementation of ``keras.applications`` (ImageNet model builders and their helpers)."""
