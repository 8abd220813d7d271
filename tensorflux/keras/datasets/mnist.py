"""``keras.datasets.mnist``."""

import os

import numpy as np

from tensorflux.keras.datasets import _common as C

ORIGIN = C.ORIGIN_FOLDER + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_IDX = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays. IDX files in
    ``$TENSORFLUX_DATASETS/mnist`` (or a system ``/usr/share/datasets/mnist``) are used when
    present; else Keras's ``mnist.npz`` from a local directory, the Keras cache or a
    (hash-checked) download."""
    from tensorflux._src.datasets import lookup

    for d in lookup.local_dirs("mnist"):
        if os.path.basename(os.path.normpath(d)) == "mnist" and all(
                os.path.isfile(os.path.join(d, f)) for f in _IDX):
            from tensorflux._src.datasets.idx import read_idx

            a = [read_idx(os.path.join(d, f)) for f in _IDX]
            return (a[0], a[1]), (a[2], a[3])
    fpath = lookup.get_dataset_file("mnist", path, ORIGIN, FILE_HASH)
    with np.load(fpath, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
