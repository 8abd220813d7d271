"""``keras.ops``: Keras 3's backend-agnostic ops, computed with tensorflux ops."""

from tensorflux.keras.src.ops import api as _api

__all__ = _api.export(globals(), _api.OPS)

from tensorflux.keras.ops import image, linalg, nn, numpy  # noqa: E402

__all__ += ["image", "linalg", "nn", "numpy"]
