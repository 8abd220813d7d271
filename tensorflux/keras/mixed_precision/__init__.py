"""``keras.mixed_precision``: dtype policies (``"mixed_float16"``: float32 variables, float16
compute)."""

from tensorflux.keras.src.engine.layer import DTypePolicy  # noqa: F401
from tensorflux.keras.src.engine.layer import DTypePolicy as Policy  # noqa: F401
from tensorflux.keras.src.engine.layer import dtype_policy  # noqa: F401
from tensorflux.keras.src.engine.layer import dtype_policy as global_policy  # noqa: F401
from tensorflux.keras.src.engine.layer import set_dtype_policy  # noqa: F401
from tensorflux.keras.src.engine.layer import set_dtype_policy as set_global_policy  # noqa: F401
from tensorflux.keras.src.optimizers.loss_scale_optimizer import LossScaleOptimizer  # noqa: F401
