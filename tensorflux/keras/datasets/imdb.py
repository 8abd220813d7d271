"""``keras.datasets.imdb``: 25k/25k movie reviews as word-index sequences."""

import json

import numpy as np

from tensorflux.keras.datasets import _common as C

ORIGIN = C.ORIGIN_FOLDER + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = C.ORIGIN_FOLDER + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of int lists and int labels,
    shuffled with ``seed``; words ranked by frequency, shifted by ``index_from``, outside
    ``[skip_top, num_words)`` replaced by ``oov_char`` (or dropped if it is None)."""
    from tensorflux._src.datasets import lookup, npz

    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    f = npz.load_npz(lookup.get_dataset_file("imdb", path, ORIGIN, FILE_HASH))
    rng = np.random.RandomState(seed)
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train, labels_train = x_train[idx], labels_train[idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test, labels_test = x_test[idx], labels_test[idx]
    x_train = C.encode_sequences(x_train, start_char, index_from)
    x_test = C.encode_sequences(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = C.remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = C.remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    xs = C.clip_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return ((C.object_array(xs[:n]), labels[:n]), (C.object_array(xs[n:]), labels[n:]))


def get_word_index(path="imdb_word_index.json"):
    """``{word: rank}`` (rank 1 = most frequent; add ``index_from`` for load_data's ids)."""
    from tensorflux._src.datasets import lookup

    with open(lookup.get_dataset_file("imdb", path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)) as f:
        return json.load(f)
