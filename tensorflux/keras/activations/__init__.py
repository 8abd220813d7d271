"""``keras.activations``."""

from tensorflux.keras.src.activations import (  # noqa: F401
    celu, deserialize, elu, exponential, gelu, get, hard_sigmoid, hard_silu, hard_swish,
    leaky_relu, linear, log_sigmoid, log_softmax, mish, relu, relu6, selu, serialize, sigmoid,
    silu, softmax, softplus, softsign, sparse_plus, swish, tanh)
