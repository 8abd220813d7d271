"""``tf.autograph.experimental``."""

from tensorflux._src.autograph.impl import Feature, do_not_convert  # noqa: F401
from tensorflux._src.autograph.operators import set_loop_options  # noqa: F401

__all__ = ["Feature", "do_not_convert", "set_loop_options"]
