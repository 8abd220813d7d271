"""tf.summary.graph and trace_on/trace_export, read back by TensorBoard."""

import numpy as np

import tensorflux as tf
from tests.summary.util import accumulator, values


def _model():
    w = tf.Variable(np.ones((3, 2), np.float32))

    @tf.function
    def f(x):
        with tf.name_scope("dense"):
            y = tf.matmul(x, w)
            y = tf.nn.relu(y + 1.0)
        return tf.reduce_sum(y)

    return f


def test_graph_event_node_count_and_scopes(tmp_path):
    f = _model()
    cf = f.get_concrete_function(tf.constant(np.ones((2, 3), np.float32)))
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default():
        assert bool(tf.summary.graph(cf))
        assert bool(tf.summary.graph(cf.graph.as_graph_def()))
    acc = accumulator(str(tmp_path))
    g = acc.Graph()  # TensorBoard's GraphDef
    names = [n.name for n in g.node]
    assert len(g.node) == len(cf.graph.get_operations())
    assert any(n.startswith("dense/") for n in names)
    assert {n.op for n in g.node} >= {"MatMul", "Relu", "Sum"}
    assert "__run_graph__" in acc.PluginTagToContent("graphs")


def test_graph_without_writer_and_in_function():
    assert not bool(tf.summary.graph(_model().get_concrete_function(
        tf.constant(np.ones((1, 3), np.float32)))))


def test_trace_export_writes_run_metadata(tmp_path):
    from tensorboard.compat.proto import config_pb2

    f = _model()
    x = tf.constant(np.ones((2, 3), np.float32))
    w = tf.summary.create_file_writer(str(tmp_path))
    f(x)  # not traced: called before trace_on
    tf.summary.trace_on(graph=True, profiler=False)
    f(x)
    f(x)
    with w.as_default():
        tf.summary.trace_export("my_trace", step=4)
    f(x)  # after export: tracing is off
    acc = accumulator(str(tmp_path))
    md = acc.SummaryMetadata("my_trace")
    assert md.plugin_data.plugin_name == "graph_run_metadata_graph"
    assert md.plugin_data.content == b"1"
    steps, (blob,) = values(acc, "my_trace")
    assert steps == [4]
    rm = config_pb2.RunMetadata.FromString(blob.item())
    assert len(rm.function_graphs) == 1
    ops = {n.op for n in rm.function_graphs[0].pre_optimization_graph.node}
    assert {"MatMul", "Relu"} <= ops
