"""keras.preprocessing.sequence.pad_sequences is Keras's."""

import os

import numpy as np

from tensorflux import keras


def test_pad_sequences_matches_real_keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras as real

    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    for kw in ({}, {"maxlen": 4, "padding": "post"}, {"maxlen": 2, "truncating": "post"},
               {"value": -1, "dtype": "float32"}):
        np.testing.assert_array_equal(keras.preprocessing.sequence.pad_sequences(seqs, **kw),
                                      real.preprocessing.sequence.pad_sequences(seqs, **kw))
