"""``tf.nn``: neural-network ops (explicit re-exports)."""

from tensorflux._src.ops.nn_activation import (  # noqa: F401
    crelu, elu, gelu, leaky_relu, log_softmax, log_sigmoid, relu, relu6, selu, sigmoid, silu,
    softmax, softplus, softsign, swish, tanh)
from tensorflux._src.ops.nn_conv_api import (  # noqa: F401
    atrous_conv2d, conv1d, conv1d_transpose, conv2d, conv2d_transpose, conv3d,
    conv3d_transpose, conv_transpose, convolution, depthwise_conv2d,
    depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input, separable_conv2d)
from tensorflux._src.ops.nn_loss import (  # noqa: F401
    compute_average_loss, l2_loss, log_poisson_loss, sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits,
    weighted_cross_entropy_with_logits)
from tensorflux._src.ops.nn_misc import (  # noqa: F401
    bias_add, depth_to_space, dropout, embedding_lookup, in_top_k, scale_regularization_loss,
    space_to_depth, top_k)
from tensorflux._src.ops.math_clip import l2_normalize  # noqa: F401
from tensorflux._src.ops.math_misc import zero_fraction  # noqa: F401
from tensorflux._src.ops.nn_norm import (  # noqa: F401
    batch_normalization, fused_batch_norm, local_response_normalization, lrn,
    moments, normalize_moments, weighted_moments)
from tensorflux._src.ops.nn_pool import (  # noqa: F401
    avg_pool, avg_pool1d, avg_pool2d, avg_pool3d, max_pool, max_pool1d, max_pool2d,
    max_pool3d, pool)

__all__ = [n for n in dir() if not n.startswith("_")]
