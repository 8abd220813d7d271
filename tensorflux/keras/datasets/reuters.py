"""``keras.datasets.reuters``: 11,228 newswires in 46 topics as word-index sequences."""

import json

import numpy as np

from tensorflux.keras.datasets import _common as C

ORIGIN = C.ORIGIN_FOLDER + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = C.ORIGIN_FOLDER + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
           "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
           "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
           "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
           "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)`` (see ``imdb.load_data`` for the encoding)."""
    from tensorflux._src.datasets import lookup, npz

    f = npz.load_npz(lookup.get_dataset_file("reuters", path, ORIGIN, FILE_HASH))
    xs, labels = f["x"], f["y"]
    idx = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(idx)
    xs, labels = xs[idx], labels[idx]
    xs = C.encode_sequences(xs, start_char, index_from)
    if maxlen:
        xs, labels = C.remove_long_seq(maxlen, xs, labels)
    xs = C.clip_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((C.object_array(xs[:n]), np.array(labels[:n])),
            (C.object_array(xs[n:]), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json"):
    from tensorflux._src.datasets import lookup

    with open(lookup.get_dataset_file("reuters", path, WORD_INDEX_ORIGIN,
                                      WORD_INDEX_HASH)) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return _LABELS
