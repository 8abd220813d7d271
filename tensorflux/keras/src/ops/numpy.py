"""``keras.ops.numpy``: NumPy-style ops with Keras 3's dtype promotion, on tensorflux ops.

Result dtypes follow ``keras.backend.result_type`` (TensorFlow backend: ``int64``/``float64``
are kept, Python scalars are weak types). Every function accepts tensors, variables, NumPy
arrays, lists and Python scalars. The functions live in ``numpy_elementwise``,
``numpy_reduce`` and ``numpy_shape`` (helpers in ``numpy_common``); this module is the one
namespace the public ``keras.ops`` looks them up in.
"""

from tensorflux.keras.src.ops.numpy_common import (  # noqa: F401
    _float_dtype, moveaxis, nonzero, result_type)
from tensorflux.keras.src.ops.numpy_elementwise import *  # noqa: F401,F403
from tensorflux.keras.src.ops.numpy_reduce import *  # noqa: F401,F403
from tensorflux.keras.src.ops.numpy_shape import *  # noqa: F401,F403
