"""``keras.ops.linalg``."""

from tensorflux.keras.src.ops import api as _api

__all__ = _api.export(globals(), _api.LINALG, ("linalg", "numpy",))
