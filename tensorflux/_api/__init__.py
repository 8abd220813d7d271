"""Public re-export lists, one file per family (see tensorflux/__init__.py)."""
