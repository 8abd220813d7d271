"""``tf.io.gfile``: file access on local paths and fsspec URLs."""

from tensorflux._src.io.gfile import (  # noqa: F401
    GFile, copy, exists, get_registered_schemes, glob, isdir, join, listdir, makedirs, mkdir,
    remove, rename, rmtree, stat, walk)

__all__ = [n for n in dir() if not n.startswith("_")]
