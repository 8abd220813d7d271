"""The "Hands-on TensorBoard" demo (TF Dev Summit 2017) in TensorFlow 2 style, on tensorflux.

An MNIST CNN written with ``tf.name_scope`` blocks (conv / fc / xent / accuracy / train) is
trained with one ``tf.function`` step that writes, inside the function:
  * scalars ``xent/cross_entropy`` and ``accuracy/accuracy``,
  * the ``input`` images (``tf.summary.image``),
  * histograms of every weight, bias and activation;
plus the step's graph (``tf.summary.graph``). Then a hyperparameter sweep:
3 learning rates x (1 or 2 conv layers) x (1 or 2 fc layers) = 12 runs named like
``lr_1E-03,conv=2,fc=2``, each with ``hparams`` (and ``hparams_config`` at the top), and the
test images' fc-layer embeddings for the projector (tensor TSV, labels, sprite).

    python examples/tensorboard_demo.py [--quick] [--logdir logs/tensorboard_demo]
    python -m tensorflux tensorboard --logdir logs/tensorboard_demo

Data: ``$TENSORFLUX_DATASETS/mnist-10k`` or ``../shared/data/mnist-10k`` (gzipped IDX).
"""

import argparse
import os
import time

import numpy as np

import tensorflux as tf
from tensorflux._src.datasets.idx import read_idx
from tensorflux.plugins import projector
from tensorflux.plugins.hparams import api as hp

LEARNING_RATES = (1e-3, 3e-4, 1e-4)
EMBED_COUNT = 256


def find_data():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(os.environ.get("TENSORFLUX_DATASETS", ""), "mnist-10k"),
                  os.environ.get("TENSORFLUX_DATASETS", ""),
                  os.path.join(here, "..", "..", "shared", "data", "mnist-10k")]
    for d in candidates:
        if d and os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    raise FileNotFoundError("mnist-10k not found: set $TENSORFLUX_DATASETS to a directory "
                            "holding mnist-10k/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz")


def load(data_dir):
    def part(prefix):
        x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
        return (x[..., None].astype(np.float32) / 255.0), y.astype(np.int64)

    return part("train"), part("t10k")


class MnistCNN(tf.Module):
    """conv5x5 (16, 32 channels) + maxpool blocks, fc layers of 128, a 10-way output."""

    def __init__(self, conv_layers, fc_layers, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.params = []
        size, channels = 28, 1
        for i, out in enumerate((16, 32)[:conv_layers]):
            self.params.append(self._layer(rng, f"conv{i + 1}", [5, 5, channels, out]))
            size, channels = size // 2, out
        flat = size * size * channels
        for i in range(fc_layers - 1):
            self.params.append(self._layer(rng, f"fc{i + 1}", [flat, 128]))
            flat = 128
        self.params.append(self._layer(rng, f"fc{fc_layers}", [flat, 10]))
        self.conv_layers, self.fc_layers = conv_layers, fc_layers

    @staticmethod
    def _layer(rng, name, shape):
        with tf.name_scope(name):
            w = tf.Variable(rng.normal(0, 0.1, shape).astype(np.float32), name="W")
            b = tf.Variable(np.full(shape[-1:], 0.1, np.float32), name="B")
        return name, w, b

    def __call__(self, x):
        """Logits and the last hidden layer (the embedding); logs histograms."""
        h = x
        for name, w, b in self.params[:self.conv_layers]:
            with tf.name_scope(name):
                act = tf.nn.relu(tf.nn.conv2d(h, w, 1, "SAME") + b)
                for tag, v in (("weights", w), ("biases", b), ("activations", act)):
                    tf.summary.histogram(tag, v)
                h = tf.nn.max_pool2d(act, 2, 2, "SAME")
        h = tf.reshape(h, [-1, int(np.prod(h.shape[1:]))])
        embedding = h
        for name, w, b in self.params[self.conv_layers:]:
            with tf.name_scope(name):
                h = tf.matmul(h, w) + b
                if name != f"fc{self.fc_layers}":
                    h = tf.nn.relu(h)
                    embedding = h
                for tag, v in (("weights", w), ("biases", b), ("activations", h)):
                    tf.summary.histogram(tag, v)
        return h, embedding


def make_train_step(model, optimizer, image_every):
    variables = [v for _, w, b in model.params for v in (w, b)]

    @tf.function
    def train_step(x, y, step):
        tf.summary.experimental.set_step(step)
        with tf.summary.record_if(step % image_every == 0):
            with tf.GradientTape() as tape:
                logits, _ = model(x)
                with tf.name_scope("xent"):
                    loss = tf.reduce_mean(
                        tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
            tf.summary.image("input", x, max_outputs=3)
        tf.summary.scalar("xent/cross_entropy", loss)
        with tf.name_scope("train"):
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))
        with tf.name_scope("accuracy"):
            correct = tf.equal(tf.argmax(logits, 1), y)
            accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
        tf.summary.scalar("accuracy/accuracy", accuracy)
        return loss, accuracy

    return train_step


def run_name(lr, conv, fc):
    return f"lr_{lr:.0E},conv={conv},fc={fc}"


def train_run(logdir, data, lr, conv, fc, steps, batch):
    """Trains one configuration into ``logdir``; returns (final accuracy, model)."""
    (x, y), _ = data
    model = MnistCNN(conv, fc)
    writer = tf.summary.create_file_writer(logdir)
    step_fn = make_train_step(model, tf.keras.optimizers.Adam(lr), max(steps // 4, 1))
    rng = np.random.default_rng(0)
    acc = 0.0
    with writer.as_default():
        hp.hparams({"learning_rate": lr, "conv_layers": conv, "fc_layers": fc})
        for step in range(steps):
            idx = rng.integers(0, len(x), batch)
            args = (x[idx], y[idx], tf.constant(step, tf.int64))
            if step == 0:  # the graph dashboard's view of the traced step
                tf.summary.graph(step_fn.get_concrete_function(*args).graph)
            _, acc = step_fn(*args)
    writer.close()
    return float(acc), model


def write_embeddings(logdir, model, test):
    """The test images' last hidden layer, with labels and a sprite, for the projector."""
    x, y = test[0][:EMBED_COUNT], test[1][:EMBED_COUNT]
    _, emb = model(x)
    os.makedirs(logdir, exist_ok=True)
    projector.write_embedding_tsv(os.path.join(logdir, "embedding.tsv"), emb.numpy())
    projector.write_metadata_tsv(os.path.join(logdir, "metadata.tsv"), [str(v) for v in y])
    dim = projector.write_sprite(os.path.join(logdir, "sprite.png"), x)
    config = projector.ProjectorConfig()
    e = config.embeddings.add(tensor_name="fc1/activations", tensor_path="embedding.tsv",
                              metadata_path="metadata.tsv")
    e.sprite.image_path = "sprite.png"
    e.sprite.single_image_dim.extend(dim)
    projector.visualize_embeddings(logdir, config)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--logdir", default=os.path.join("logs", "tensorboard_demo"))
    p.add_argument("--quick", action="store_true", help="few steps on a small subset")
    p.add_argument("--steps", type=int, default=None, help="training steps per run")
    a = p.parse_args(argv)
    steps = a.steps or (4 if a.quick else 60)
    batch = 16 if a.quick else 50
    train, test = load(find_data())
    if a.quick:
        train = (train[0][:512], train[1][:512])
    data = (train, test)
    hp_lr = hp.HParam("learning_rate", hp.Discrete(list(LEARNING_RATES)))
    hp_conv = hp.HParam("conv_layers", hp.Discrete([1, 2]))
    hp_fc = hp.HParam("fc_layers", hp.Discrete([1, 2]))
    with tf.summary.create_file_writer(a.logdir).as_default():
        hp.hparams_config(hparams=[hp_lr, hp_conv, hp_fc],
                          metrics=[hp.Metric("accuracy/accuracy", display_name="Accuracy")])
    t0 = time.time()
    best = None
    for lr in LEARNING_RATES:
        for conv in (1, 2):
            for fc in (1, 2):
                name = run_name(lr, conv, fc)
                acc, model = train_run(os.path.join(a.logdir, name), data, lr, conv, fc, steps,
                                       batch)
                print(f"{name}: accuracy {acc:.3f} ({time.time() - t0:.1f} s)")
                if best is None or (conv, fc, lr) == (2, 2, LEARNING_RATES[0]):
                    best = model
    write_embeddings(a.logdir, best, test)
    print(f"done in {time.time() - t0:.1f} s; view with: "
          f"python -m tensorflux tensorboard --logdir {a.logdir}")


if __name__ == "__main__":
    main()
