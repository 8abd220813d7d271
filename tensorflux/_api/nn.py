"""Top-level tf.* names from the nn family (explicit re-exports).

TensorFlow 2 exposes the nn family only under ``tf.nn`` (tensorflux/nn/__init__.py), so no
top-level aliases are defined here. Importing the op modules registers their ops eagerly.
"""

from tensorflux._src.ops import (  # noqa: F401
    nn_activation, nn_conv, nn_conv_api, nn_depthwise, nn_loss, nn_misc, nn_norm, nn_pool)

__all__: list = []
