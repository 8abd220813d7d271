"""``tf.autograph``: convert Python control flow on tensors into graph control flow."""

from tensorflux._src.autograph.impl import set_verbosity, to_code, to_graph, trace  # noqa: F401
from tensorflux.autograph import experimental  # noqa: F401

__all__ = ["experimental", "set_verbosity", "to_code", "to_graph", "trace"]
