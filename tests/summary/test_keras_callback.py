"""The Keras TensorBoard callback, driven through a fit-like loop on a stand-in model
(the tensorflux Keras engine's fit() is not available yet when this was written)."""

import json

import numpy as np
from tensorboard.compat.proto import config_pb2  # noqa: F401 - TB protos load

import tensorflux as tf
from tensorflux._src.summary.keras_callback import TensorBoard
from tests.summary.util import accumulator, values


class _Var:
    def __init__(self, path, value):
        self.path = path
        self.v = tf.Variable(value)

    def numpy(self):
        return self.v.numpy()


class _Layer:
    def __init__(self, name, weights):
        self.name = name
        self.weights = weights


class Embedding(_Layer):
    pass


class _Opt:
    def __init__(self):
        self.iterations = tf.Variable(0, dtype=tf.int64)
        self.learning_rate = tf.Variable(0.01)


class Sequential:  # the callback writes the config only for Sequential/Functional models
    def __init__(self):
        k = np.arange(6, dtype=np.float32).reshape(3, 2)
        self.layers = [_Layer("dense", [_Var("dense/kernel", k),
                                        _Var("dense/bias", np.zeros(2, np.float32))]),
                       Embedding("embedding", [_Var("embedding/embeddings",
                                                 np.eye(4, 3, dtype=np.float32))])]
        self.layers[1].embeddings = self.layers[1].weights[0]
        self.optimizer = _Opt()
        w = self.layers[0].weights[0].v
        self.train_function = tf.function(lambda x: tf.reduce_sum(tf.matmul(x, w)))
        self.train_function(tf.constant(np.ones((1, 3), np.float32)))

    def to_json(self):
        return json.dumps({"class_name": "Sequential", "config": {"layers": []}})


def _fit(cb, model, epochs=2, steps=3):
    cb.set_model(model)
    cb.set_params({"epochs": epochs, "steps": steps})
    cb.on_train_begin()
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        for b in range(steps):
            cb.on_train_batch_begin(b)
            model.optimizer.iterations.assign_add(1)
            cb.on_train_batch_end(b, {"loss": 1.0 / (epoch * steps + b + 1)})
        cb.on_test_begin()
        for b in range(2):
            cb.on_test_batch_begin(b)
            cb.on_test_batch_end(b, {"loss": 0.5})
        cb.on_test_end({"loss": 0.5})
        cb.on_epoch_end(epoch, {"loss": 0.3 - 0.1 * epoch, "val_loss": 0.4 - 0.1 * epoch})
    cb.on_train_end()


def test_epoch_layout_tags_histograms_graph(tmp_path):
    model = Sequential()
    _fit(TensorBoard(str(tmp_path), histogram_freq=1, write_images=True,
                     write_steps_per_second=True), model)
    train = accumulator(str(tmp_path / "train"))
    val = accumulator(str(tmp_path / "validation"))
    steps, vals = values(train, "epoch_loss")
    assert steps == [0, 1] and np.allclose([float(v) for v in vals], [0.3, 0.2])
    assert np.allclose([float(v) for v in values(train, "epoch_learning_rate")[1]], 0.01)
    assert values(train, "epoch_steps_per_second")[0] == [0, 1]
    steps, vals = values(val, "epoch_loss")  # val_ prefix removed, in the validation run
    assert steps == [0, 1] and np.allclose([float(v) for v in vals], [0.4, 0.3])
    assert values(val, "evaluation_loss_vs_iterations")[0] == [3, 6]
    assert values(train, "dense/kernel/histogram")[0] == [0, 1]
    assert train.SummaryMetadata("dense/kernel/image").plugin_data.plugin_name == "images"
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    assert json.loads(values(train, "keras")[1][0].item())["class_name"] == "Sequential"
    assert {n.op for n in train.Graph().node} >= {"MatMul"}
    assert "batch_loss" not in train.Tags()["tensors"]  # update_freq="epoch"


def test_update_freq_batch_and_int(tmp_path):
    _fit(TensorBoard(str(tmp_path / "a"), update_freq="batch", write_graph=False), Sequential())
    steps, vals = values(accumulator(str(tmp_path / "a" / "train")), "batch_loss")
    assert steps == list(range(1, 7)) and np.isclose(float(vals[0]), 1.0)
    _fit(TensorBoard(str(tmp_path / "b"), update_freq=2, write_graph=False), Sequential())
    assert values(accumulator(str(tmp_path / "b" / "train")), "batch_loss")[0] == [2, 4, 6]


def test_profile_batch_traces_graph(tmp_path):
    _fit(TensorBoard(str(tmp_path), profile_batch=2, write_graph=False), Sequential())
    train = accumulator(str(tmp_path / "train"))
    assert train.SummaryMetadata("batch_2").plugin_data.plugin_name == \
        "graph_run_metadata_graph"


def test_embeddings_projector(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2

    _fit(TensorBoard(str(tmp_path), embeddings_freq=1, write_graph=False,
                     embeddings_metadata={"embedding": "meta.tsv"}), Sequential())
    cfg = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                            projector_config_pb2.ProjectorConfig())
    assert cfg.embeddings[0].metadata_path == "meta.tsv"
    emb = np.loadtxt(str(tmp_path / cfg.embeddings[0].tensor_path), delimiter="\t")
    np.testing.assert_array_equal(emb, np.eye(4, 3))
