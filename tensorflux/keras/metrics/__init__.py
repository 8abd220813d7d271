"""``keras.metrics`` (``tf.keras.metrics``): metric classes, functions, get/serialize."""

from tensorflux.keras.src.metrics import *  # noqa: F401,F403
from tensorflux.keras.src.metrics import __all__ as _src_all

# tf.keras's legacy aliases.
from tensorflux.keras.src.losses import (  # noqa: F401
    kl_divergence as kld, kl_divergence as KLD, kl_divergence as kullback_leibler_divergence,
    log_cosh as logcosh, mean_absolute_error as mae, mean_absolute_error as MAE,
    mean_absolute_percentage_error as mape, mean_absolute_percentage_error as MAPE,
    mean_squared_error as mse, mean_squared_error as MSE,
    mean_squared_logarithmic_error as msle, mean_squared_logarithmic_error as MSLE)

__all__ = list(_src_all) + ["kld", "KLD", "kullback_leibler_divergence", "logcosh", "mae",
                            "MAE", "mape", "MAPE", "mse", "MSE", "msle", "MSLE"]
