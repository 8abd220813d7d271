"""``keras.datasets.cifar10``: 50,000 + 10,000 32x32 colour images in 10 classes."""

import numpy as np

from tensorflux.keras.datasets import _cifar as cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 32, 32, 3) (channels_last)
    and uint8 labels of shape (N, 1)."""
    read = cifar.locate("cifar10", "cifar-10-python.tar.gz", "cifar-10-batches-py",
                        "cifar-10-batches-py-target", ORIGIN, FILE_HASH)
    xs, ys = [], []
    for i in range(1, 6):
        x, y = read(f"data_batch_{i}", "labels")
        xs.append(x)
        ys.extend(y)
    x_test, y_test = read("test_batch", "labels")
    x_train = np.concatenate(xs).astype(np.uint8, copy=False)
    return ((cifar.to_image_format(x_train), cifar.as_column(ys, np.uint8)),
            (cifar.to_image_format(x_test.astype(np.uint8, copy=False)),
             cifar.as_column(y_test, np.uint8)))
