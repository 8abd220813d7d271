"""``keras.datasets``: the Keras datasets, looked up locally first ($TENSORFLUX_DATASETS, a
system install, the Keras cache) and otherwise downloaded and hash-checked like Keras."""

from tensorflux.keras.datasets import (  # noqa: F401
    boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,
    reuters)
