"""Train a Keras CNN on Fashion-MNIST with tensorflux (>= 90% test accuracy).

    python examples/keras_fashion_mnist.py [--epochs 8]

Runs unchanged with TensorFlow by replacing the import below with ``import tensorflow as tf``.
The data is looked up in $TENSORFLUX_DATASETS, ../shared/data, a system install, the cache,
and downloaded as a last resort.
"""

import argparse
import os

import numpy as np

import tensorflux as tf

keras = tf.keras


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                          "data")
    if "TENSORFLUX_DATASETS" not in os.environ and os.path.isdir(shared):
        os.environ["TENSORFLUX_DATASETS"] = shared

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    x_train = (x_train.astype(np.float32) / 255.0)[..., None]
    x_test = (x_test.astype(np.float32) / 255.0)[..., None]

    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="fashion_cnn")
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1)
    loss, acc = model.evaluate(x_test, y_test, verbose=2)
    print(f"Test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
