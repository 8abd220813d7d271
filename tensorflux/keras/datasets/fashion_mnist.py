"""``keras.datasets.fashion_mnist``."""


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays (60000/10000 x 28 x 28) and
    uint8 labels. Looks in ``$TENSORFLUX_DATASETS``, a system install and the cache before
    downloading (SHA-256 verified)."""
    from tensorflux._src.datasets.idx import load_fashion_mnist

    return load_fashion_mnist()
