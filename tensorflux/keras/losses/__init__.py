"""``keras.losses`` (``tf.keras.losses``): loss classes, functions, get/serialize/deserialize."""

from tensorflux.keras.src.losses import (  # noqa: F401
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy, CategoricalHinge,
    CosineSimilarity, Dice, Hinge, Huber, KLDivergence, LogCosh, Loss, LossFunctionWrapper,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, Poisson, Reduction, SparseCategoricalCrossentropy,
    SquaredHinge, Tversky, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy,
    categorical_generalized_cross_entropy, categorical_hinge, cosine_similarity, deserialize,
    dice, get, hinge, huber, kl_divergence, log_cosh, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, poisson,
    serialize, sparse_categorical_crossentropy, squared_hinge, tversky)

# tf.keras's legacy aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

__all__ = [n for n in dir() if not n.startswith("_")]
