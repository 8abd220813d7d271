"""``keras.random``: seeded random tensors and ``SeedGenerator``."""

from tensorflux.keras.src.random import (  # noqa: F401
    SeedGenerator, beta, binomial, categorical, dropout, gamma, normal, randint, shuffle,
    truncated_normal, uniform)

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]
