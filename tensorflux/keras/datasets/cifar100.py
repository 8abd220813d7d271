"""``keras.datasets.cifar100``: 50,000 + 10,000 32x32 colour images in 100 (or 20 coarse)
classes."""

from tensorflux.keras.datasets import _cifar as cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """``(x_train, y_train), (x_test, y_test)``; ``label_mode`` "fine" or "coarse"."""
    if label_mode not in ["fine", "coarse"]:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. Received: '
                         f"label_mode={label_mode}.")
    read = cifar.locate("cifar100", "cifar-100-python.tar.gz", "cifar-100-python",
                        "cifar-100-python-target", ORIGIN, FILE_HASH)
    key = f"{label_mode}_labels"
    x_train, y_train = read("train", key)
    x_test, y_test = read("test", key)
    return ((cifar.to_image_format(x_train), cifar.as_column(y_train)),
            (cifar.to_image_format(x_test), cifar.as_column(y_test)))
