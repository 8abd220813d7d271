"""Train the classic MNIST CNN on Fashion-MNIST with low-level TensorFlow 2 code.

Runs unchanged with ``import tensorflow as tf``; here it runs on tensorflux:

    python examples/fashion_mnist_cnn.py --epochs 2

The model is conv5x5x32-relu-maxpool, conv5x5x64-relu-maxpool, dense1024-relu, dense10,
trained with softmax cross-entropy and Adam written with tf ops, one ``tf.function`` step.
Data: $TENSORFLUX_DATASETS, Debian's dataset-fashion-mnist, or a verified download.
"""

import argparse
import time

import numpy as np

import tensorflux as tf
from tensorflux._src.datasets.idx import load_fashion_mnist


class CNN(tf.Module):
    def __init__(self, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)

        def glorot(shape, fan_in, fan_out):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            return tf.Variable(rng.uniform(-limit, limit, shape).astype(np.float32))

        self.w1 = glorot([5, 5, 1, 32], 25, 800)
        self.b1 = tf.Variable(tf.zeros([32]))
        self.w2 = glorot([5, 5, 32, 64], 800, 1600)
        self.b2 = tf.Variable(tf.zeros([64]))
        self.w3 = glorot([7 * 7 * 64, 1024], 3136, 1024)
        self.b3 = tf.Variable(tf.zeros([1024]))
        self.w4 = glorot([1024, 10], 1024, 10)
        self.b4 = tf.Variable(tf.zeros([10]))

    def __call__(self, x):
        with tf.name_scope("conv1"):
            x = tf.nn.relu(tf.nn.conv2d(x, self.w1, 1, "SAME") + self.b1)
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        with tf.name_scope("conv2"):
            x = tf.nn.relu(tf.nn.conv2d(x, self.w2, 1, "SAME") + self.b2)
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        x = tf.reshape(x, [-1, 7 * 7 * 64])
        with tf.name_scope("dense"):
            x = tf.nn.relu(tf.matmul(x, self.w3) + self.b3)
        with tf.name_scope("logits"):
            return tf.matmul(x, self.w4) + self.b4


class Adam:
    """Adam written with tf ops and variables, as in low-level TensorFlow tutorials."""

    def __init__(self, variables, lr=1e-4, beta1=0.9, beta2=0.999, eps=1e-7):
        self.lr, self.b1, self.b2, self.eps = lr, beta1, beta2, eps
        self.t = tf.Variable(0.0, trainable=False)
        self.m = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self.v = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]

    def apply(self, grads, variables):
        self.t.assign_add(1.0)
        t = self.t.read_value()
        lr = self.lr * tf.sqrt(1.0 - tf.pow(self.b2, t)) / (1.0 - tf.pow(self.b1, t))
        for g, var, m, v in zip(grads, variables, self.m, self.v):
            m.assign(self.b1 * m + (1.0 - self.b1) * g)
            v.assign(self.b2 * v + (1.0 - self.b2) * tf.square(g))
            var.assign_sub(lr * m / (tf.sqrt(v) + self.eps))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--train-limit", type=int, default=None, help="use the first N examples")
    args = p.parse_args()

    tf.random.set_seed(0)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    if args.train_limit:
        x_train, y_train = x_train[:args.train_limit], y_train[:args.train_limit]
    x_train = (x_train.astype(np.float32) / 255.0)[..., None]
    x_test = (x_test.astype(np.float32) / 255.0)[..., None]
    y_train = y_train.astype(np.int32)
    y_test = y_test.astype(np.int32)
    print(f"Fashion-MNIST: {len(x_train)} train, {len(x_test)} test images")

    model = CNN()
    variables = model.trainable_variables
    opt = Adam(variables, lr=args.lr)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, variables)
        opt.apply(grads, variables)
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y),
                                     tf.float32))
        return loss, acc

    @tf.function
    def predict(x):
        return tf.argmax(model(x), 1, output_type=tf.int32)

    rng = np.random.default_rng(0)
    bs = args.batch_size
    steps = len(x_train) // bs
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        t0 = time.perf_counter()
        tot_loss = tot_acc = 0.0
        for i in range(steps):
            idx = order[i * bs:(i + 1) * bs]
            loss, acc = train_step(tf.constant(x_train[idx]), tf.constant(y_train[idx]))
            tot_loss += float(loss)
            tot_acc += float(acc)
            if (i + 1) % 100 == 0 or i + 1 == steps:
                el = time.perf_counter() - t0
                print(f"epoch {epoch} step {i + 1}/{steps}  loss {tot_loss / (i + 1):.4f}  "
                      f"acc {tot_acc / (i + 1):.4f}  {(i + 1) / el:.1f} steps/s "
                      f"({(i + 1) * bs / el:.0f} examples/s)", flush=True)
        correct = 0
        for j in range(0, len(x_test), 500):
            correct += int(np.sum(predict(tf.constant(x_test[j:j + 500])).numpy() ==
                                  y_test[j:j + 500]))
        print(f"epoch {epoch}: test accuracy {correct / len(x_test):.4f} "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
