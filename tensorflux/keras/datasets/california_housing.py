"""``keras.datasets.california_housing``: 20,640 districts, 8 features, house value."""

import numpy as np

from tensorflux.keras.datasets import _common as C

ORIGIN = C.ORIGIN_FOLDER + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``; ``version="small"`` keeps 600 samples."""
    from tensorflux._src.datasets import lookup

    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    with np.load(lookup.get_dataset_file("california_housing", path, ORIGIN, FILE_HASH),
                 allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError("Argument `version` must be one of 'small', 'large'. Received: "
                         f"version={version}")
    return C.shuffle_split(x, y, test_split, seed)
