"""Keras preprocessing layers (``keras.layers.StringLookup``, ``TextVectorization``, ...).

Implementations live in the ``preprocessing_*`` modules; this module is the family's index.
"""

from tensorflux.keras.src.layers.preprocessing_image import (  # noqa: F401
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
    RandomTranslation, RandomZoom, Resizing)
from tensorflux.keras.src.layers.preprocessing_lookup import (  # noqa: F401
    IntegerLookup, StringLookup)
from tensorflux.keras.src.layers.preprocessing_numeric import (  # noqa: F401
    CategoryEncoding, Discretization, Hashing, Normalization, Rescaling)
from tensorflux.keras.src.layers.preprocessing_text import TextVectorization  # noqa: F401

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup",
           "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
           "StringLookup", "TextVectorization"]
