"""tf.print: TensorFlow's summarized format, eagerly and on every call of a graph."""

import sys

import tensorflux as tf


def test_print_formats_like_tensorflow(capsys):
    tf.print("x:", tf.constant([[1, 2], [3, 4]]), tf.constant(2.5), output_stream=sys.stdout)
    tf.print(tf.range(10), output_stream=sys.stdout)
    tf.print(tf.constant([1.0, 0.5]), tf.constant("s"), sep="|", end="!\n",
             output_stream=sys.stdout)
    out = capsys.readouterr().out
    assert out == "x: [[1 2]\n [3 4]] 2.5\n[0 1 2 ... 7 8 9]\n[1 0.5]|s!\n"


def test_print_runs_on_every_graph_call(capsys):
    @tf.function
    def f(x):
        tf.print("got", x, output_stream=sys.stdout)
        return x

    f(tf.constant(1))
    f(tf.constant(2))
    assert capsys.readouterr().out == "got 1\ngot 2\n"


def test_print_to_file(tmp_path):
    p = tmp_path / "log.txt"
    tf.print("a", tf.constant([1, 2, 3, 4, 5, 6, 7]), summarize=2,
             output_stream=f"file://{p}")
    assert p.read_text() == "a [1 2 ... 6 7]\n"
