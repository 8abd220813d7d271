"""``keras.datasets.boston_housing``: 506 samples, 13 features, median value target."""

import numpy as np

from tensorflux.keras.datasets import _common as C

ORIGIN = C.ORIGIN_FOLDER + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``, shuffled with ``seed``."""
    from tensorflux._src.datasets import lookup

    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    with np.load(lookup.get_dataset_file("boston_housing", path, ORIGIN, FILE_HASH),
                 allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return C.shuffle_split(x, y, test_split, seed)
