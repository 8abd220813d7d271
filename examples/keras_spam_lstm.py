"""Spam filter: TextVectorization -> Embedding -> LSTM -> Dense on the SpamAssassin corpus.

    python examples/keras_spam_lstm.py [--epochs 3] [--limit N]

Runs unchanged with TensorFlow by replacing the import below with ``import tensorflow as tf``.
The corpus (``spam/spamassassin.jsonl.gz``) is looked up in $TENSORFLUX_DATASETS, then in
``../shared/data`` next to the repository. Prints the held-out test accuracy (>= 0.95).
"""

import argparse
import gzip
import json
import os
import time

import numpy as np

import tensorflux as tf

keras = tf.keras


def find_corpus():
    """Path of spamassassin.jsonl.gz ($TENSORFLUX_DATASETS, else ../shared/data)."""
    here = os.path.dirname(os.path.abspath(__file__))
    roots = [os.environ.get("TENSORFLUX_DATASETS"),
             os.path.join(here, "..", "..", "shared", "data")]
    for root in roots:
        if root:
            path = os.path.join(root, "spam", "spamassassin.jsonl.gz")
            if os.path.exists(path):
                return path
    raise FileNotFoundError("spam/spamassassin.jsonl.gz not found: set $TENSORFLUX_DATASETS "
                            "to the folder holding it (see ../shared/data/README.md).")


def load_corpus(path, max_chars):
    """(texts, labels): the first ``max_chars`` characters of each raw e-mail, 1 = spam."""
    texts, labels = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"][:max_chars])
            labels.append(int(row["label"]))
    return np.array(texts, dtype=object), np.array(labels, dtype=np.float32)


def split(texts, labels, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(texts))
    n_test = int(len(texts) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (texts[train], labels[train]), (texts[test], labels[test])


def run(epochs=3, limit=None, seq_len=100, max_tokens=10000, batch_size=32, seed=0,
        verbose=2):
    """Train and evaluate; returns (test accuracy, seconds). ``limit`` caps the examples."""
    keras.utils.set_random_seed(seed)
    texts, labels = load_corpus(find_corpus(), max_chars=4 * seq_len * 8)
    (x_train, y_train), (x_test, y_test) = split(texts, labels, 0.2, seed)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[:max(limit // 4, 200)], y_test[:max(limit // 4, 200)]
    start = time.time()
    vectorize = keras.layers.TextVectorization(max_tokens=max_tokens,
                                               output_sequence_length=seq_len)
    vectorize.adapt(tf.data.Dataset.from_tensor_slices(x_train).batch(256))

    def to_ids(x, y):
        return vectorize(x), y

    train_ds = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
                .shuffle(len(x_train), seed=seed).batch(batch_size).map(to_ids))
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(256).map(to_ids)

    model = keras.Sequential([
        keras.Input((seq_len,), dtype="int64"),
        keras.layers.Embedding(max_tokens, 32),
        keras.layers.LSTM(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(train_ds, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(test_ds, verbose=0)
    return float(accuracy), time.time() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    accuracy, seconds = run(epochs=args.epochs, limit=args.limit)
    print(f"test accuracy: {accuracy:.4f} ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
