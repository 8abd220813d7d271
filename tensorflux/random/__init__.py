"""``tf.random``: seeding, stateful and stateless random ops, and ``tf.random.Generator``."""

from tensorflux._src.ops.random_generator import (  # noqa: F401
    Algorithm, Generator, create_rng_state, get_global_generator, set_global_generator)
from tensorflux._src.ops.random_ops import (  # noqa: F401
    categorical, gamma, normal, poisson, shuffle, truncated_normal, uniform)
from tensorflux._src.ops.random_seed import set_seed  # noqa: F401
from tensorflux._src.ops.random_stateless import (  # noqa: F401
    fold_in, split, stateless_categorical, stateless_truncated_normal)
from tensorflux._src.ops.random_stateless import (  # noqa: F401
    stateless_random_binomial as stateless_binomial)
from tensorflux._src.ops.random_stateless import (  # noqa: F401
    stateless_random_gamma as stateless_gamma)
from tensorflux._src.ops.random_stateless import (  # noqa: F401
    stateless_random_normal as stateless_normal)
from tensorflux._src.ops.random_stateless import (  # noqa: F401
    stateless_random_poisson as stateless_poisson)
from tensorflux._src.ops.random_stateless import (  # noqa: F401
    stateless_random_uniform as stateless_uniform)
from tensorflux.random import experimental  # noqa: F401

__all__ = [
    "Algorithm", "Generator", "categorical", "create_rng_state", "experimental", "fold_in",
    "gamma", "get_global_generator", "normal", "poisson", "set_global_generator", "set_seed",
    "shuffle", "split", "stateless_binomial", "stateless_categorical", "stateless_gamma",
    "stateless_normal", "stateless_poisson", "stateless_truncated_normal", "stateless_uniform",
    "truncated_normal", "uniform",
]
