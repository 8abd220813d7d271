"""tensorflux: the TensorFlow system in Python. Use it as ``import tensorflux as tf``.

This module holds only re-exports. Op families are imported here (they are small);
heavy subpackages (keras, data, summary, ...) load on first attribute access.
"""

from tensorflux._api.core import *  # noqa: F401,F403
from tensorflux._api.math import *  # noqa: F401,F403
from tensorflux._api.array import *  # noqa: F401,F403
from tensorflux._api.nn import *  # noqa: F401,F403
from tensorflux._api.linalg import *  # noqa: F401,F403
from tensorflux._api.random import *  # noqa: F401,F403
from tensorflux._api.control_flow import *  # noqa: F401,F403
from tensorflux._api.strings import *  # noqa: F401,F403
from tensorflux._api.image import *  # noqa: F401,F403
from tensorflux._api.sparse import *  # noqa: F401,F403
from tensorflux._api.ragged import *  # noqa: F401,F403
from tensorflux._api.graph import *  # noqa: F401,F403
from tensorflux._src.core import errors  # noqa: F401
from tensorflux._src.ops.logging_ops import print_ as print  # noqa: F401, A001
from tensorflux._src.ops import families as _families  # noqa: F401 - registers every op

__version__ = "0.1.0"

# Namespaces loaded on first use: name -> module path.
_LAZY = {
    "math": "tensorflux.math",
    "nn": "tensorflux.nn",
    "linalg": "tensorflux.linalg",
    "random": "tensorflux.random",
    "strings": "tensorflux.strings",
    "image": "tensorflux.image",
    "sparse": "tensorflux.sparse",
    "ragged": "tensorflux.ragged",
    "bitwise": "tensorflux.bitwise",
    "dtypes": "tensorflux.dtypes",
    "config": "tensorflux.config",
    "debugging": "tensorflux.debugging",
    "experimental": "tensorflux.experimental",
    "nest": "tensorflux.nest",
    "types": "tensorflux.types",
    "autodiff": "tensorflux.autodiff",
    "raw_ops": "tensorflux.raw_ops",
    "data": "tensorflux.data",
    "io": "tensorflux.io",
    "train": "tensorflux.train",
    "summary": "tensorflux.summary",
    "profiler": "tensorflux.profiler",
    "keras": "tensorflux.keras",
    "compat": "tensorflux.compat",
    "autograph": "tensorflux.autograph",
}


def __getattr__(name):
    path = _LAZY.get(name)
    if path is None:
        raise AttributeError(f"module 'tensorflux' has no attribute {name!r}")
    import importlib

    mod = importlib.import_module(path)
    globals()[name] = mod
    return mod


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
