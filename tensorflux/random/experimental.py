"""``tf.random.experimental``: seed splitting and folding, Generator aliases."""

from tensorflux._src.ops.random_generator import (  # noqa: F401
    Algorithm, Generator, create_rng_state, get_global_generator, set_global_generator)
from tensorflux._src.ops.random_stateless import fold_in as stateless_fold_in  # noqa: F401
from tensorflux._src.ops.random_stateless import index_shuffle, stateless_shuffle  # noqa: F401
from tensorflux._src.ops.random_stateless import split as stateless_split  # noqa: F401

__all__ = [
    "Algorithm", "Generator", "create_rng_state", "get_global_generator", "index_shuffle",
    "set_global_generator", "stateless_fold_in", "stateless_shuffle", "stateless_split",
]
