"""tf.summary writers and TF2 summaries, loaded back with TensorBoard's EventAccumulator."""

import io
import os
import re
import socket
import time
import wave

import numpy as np
import pytest

import tensorflux as tf
from tests.summary.util import accumulator, event_files, raw_events, reference_buckets, values


def test_file_name_and_first_record(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path / "run"))
    w.close()
    (path,) = event_files(tmp_path / "run")
    name = os.path.basename(path)
    m = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)\.v2", name)
    assert m and m.group(2) == socket.gethostname() and int(m.group(3)) == os.getpid()
    assert abs(int(m.group(1)) - time.time()) < 60
    first = raw_events(path)[0]
    assert first.file_version == "brain.Event:2" and first.wall_time == int(first.wall_time)


def test_scalars_with_name_scope_and_default_step(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=5):
        with tf.name_scope("train"):
            assert bool(tf.summary.scalar("loss", 0.25))
        tf.summary.scalar("acc", tf.constant(3, tf.int32), step=7)
        tf.summary.experimental.set_step(9)
        tf.summary.scalar("acc", np.float64(0.5))
    acc = accumulator(str(tmp_path))
    assert acc.SummaryMetadata("train/loss").plugin_data.plugin_name == "scalars"
    steps, vals = values(acc, "train/loss")
    assert steps == [5] and vals[0].dtype == np.float32 and vals[0].shape == ()
    steps, vals = values(acc, "acc")
    assert steps == [7, 9] and [float(v) for v in vals] == [3.0, 0.5]


def test_no_writer_returns_false_and_missing_step_raises(tmp_path):
    assert not bool(tf.summary.scalar("x", 1.0, step=0))
    w = tf.summary.create_file_writer(str(tmp_path))
    tf.summary.experimental.set_step(None)
    with w.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        with pytest.raises(ValueError, match="scalar shape"):
            tf.summary.scalar("x", [1.0, 2.0], step=0)


def test_record_if_and_should_record(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=0):
        assert bool(tf.summary.should_record_summaries())
        with tf.summary.record_if(False):
            assert not bool(tf.summary.should_record_summaries())
            assert not bool(tf.summary.scalar("off", 1.0))
        with tf.summary.record_if(lambda: tf.constant(True)):
            assert bool(tf.summary.scalar("on", 1.0))
    assert sorted(accumulator(str(tmp_path)).Tags()["tensors"]) == ["on"]


@pytest.mark.parametrize("data,k", [
    (np.array([1.0, 2, 2, 3]), 3), (np.random.RandomState(0).randn(1000), None),
    (np.zeros((0,)), 5), (np.full((4, 2), 7.0), 4), (np.array([1.0, 2.0]), 0),
])
def test_histograms_match_reference(tmp_path, data, k):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=1):
        tf.summary.histogram("h", data, buckets=k)
    acc = accumulator(str(tmp_path))
    assert acc.SummaryMetadata("h").plugin_data.plugin_name == "histograms"
    _, (got,) = values(acc, "h")
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, reference_buckets(data, 30 if k is None else k))


def test_histogram_spec_example():
    from tensorflux._src.summary.v2 import buckets_tensor

    np.testing.assert_allclose(buckets_tensor(tf.constant([1.0, 2, 2, 3]), 3).numpy(),
                               [[1, 5 / 3, 1], [5 / 3, 7 / 3, 2], [7 / 3, 3, 1]])


def test_images(tmp_path):
    from PIL import Image

    rng = np.random.RandomState(1)
    data = rng.rand(3, 4, 5, 3).astype(np.float32)
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=2):
        tf.summary.image("img", data, max_outputs=2)
        tf.summary.image("gray", (rng.rand(1, 2, 3, 1) * 255).astype(np.uint8))
    acc = accumulator(str(tmp_path))
    assert acc.SummaryMetadata("img").plugin_data.plugin_name == "images"
    _, (got,) = values(acc, "img")
    assert got.shape == (4,) and got[0] == b"5" and got[1] == b"4"  # width, height
    for i in range(2):
        png = np.asarray(Image.open(io.BytesIO(got[2 + i])))
        expected = np.clip(data[i].astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(png, expected)


def test_audio_and_text(tmp_path):
    clip = np.linspace(-1, 1, 50, dtype=np.float32).reshape(1, 25, 2)
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=3):
        tf.summary.audio("snd", clip, 16000)
        tf.summary.text("note", "hello *world*")
        tf.summary.text("table", tf.constant([["a", "b"], ["c", "d"]]))
    acc = accumulator(str(tmp_path))
    md = acc.SummaryMetadata("snd")
    assert md.plugin_data.plugin_name == "audio" and md.plugin_data.content == b"\x10\x0b"
    _, (got,) = values(acc, "snd")
    with wave.open(io.BytesIO(got[0])) as wf:
        assert (wf.getframerate(), wf.getnchannels(), wf.getsampwidth()) == (16000, 2, 2)
        pcm = np.frombuffer(wf.readframes(25), "<i2").reshape(25, 2)
    np.testing.assert_array_equal(
        pcm, np.clip(np.round(clip[0] * 32768.0), -32768, 32767).astype(np.int16))
    _, (txt,) = values(acc, "note")
    assert txt.shape == () and txt.item() == b"hello *world*"
    assert values(acc, "table")[1][0].shape == (2, 2)
    assert acc.SummaryMetadata("note").plugin_data.plugin_name == "text"


def test_write_inside_tf_function_with_variable_step(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)
    on = tf.Variable(True)

    @tf.function
    def train(x):
        with w.as_default(step=step):
            with tf.summary.record_if(on):
                tf.summary.scalar("loss", tf.reduce_mean(x))
            tf.summary.histogram("x", x, buckets=4)
            tf.summary.write("raw", x * 2.0)
        step.assign_add(1)

    for i in range(3):
        if i == 2:
            on.assign(False)
        train(tf.constant([1.0, 2.0, float(i)]))
    ops = {op.type for op in train.get_concrete_function(
        tf.constant([1.0, 2.0, 0.0])).graph.get_operations()}
    assert {"WriteSummary", "FlushSummaryWriter"} <= ops
    acc = accumulator(str(tmp_path))
    steps, vals = values(acc, "loss")
    assert steps == [0, 1] and np.allclose([float(v) for v in vals], [1.0, 4 / 3])
    steps, vals = values(acc, "x")
    assert steps == [0, 1, 2]
    np.testing.assert_allclose(vals[2], reference_buckets([1.0, 2.0, 2.0], 4))
    assert values(acc, "raw")[1][1].tolist() == [2.0, 4.0, 2.0]


def test_noop_writer_and_closed_writer(tmp_path):
    with tf.summary.create_noop_writer().as_default(step=0):
        assert bool(tf.summary.scalar("x", 1.0))
    w = tf.summary.create_file_writer(str(tmp_path))
    w.close()
    with w.as_default(step=0):
        tf.summary.scalar("x", 1.0)  # dropped, not an error (TF drops writes after close)
    assert accumulator(str(tmp_path)).Tags()["tensors"] == []


def test_background_flush_and_max_queue(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path / "a"), max_queue=1000, flush_millis=50)
    with w.as_default():
        tf.summary.scalar("x", 1.0, step=1)
    (path,) = event_files(tmp_path / "a")
    deadline = time.time() + 5
    while len(raw_events(path)) < 2 and time.time() < deadline:
        time.sleep(0.02)
    assert len(raw_events(path)) == 2  # flushed by the timer, no flush() called
    w2 = tf.summary.create_file_writer(str(tmp_path / "b"), max_queue=3, flush_millis=10**7)
    w2.set_as_default(step=0)
    for i in range(3):
        tf.summary.scalar("y", float(i))
    (path2,) = event_files(tmp_path / "b")
    deadline = time.time() + 5
    while len(raw_events(path2)) < 4 and time.time() < deadline:
        time.sleep(0.02)
    assert len(raw_events(path2)) == 4  # the full queue woke the flusher
    w.close()
    w2.close()


def test_writers_in_same_second_get_distinct_files(tmp_path):
    ws = [tf.summary.create_file_writer(str(tmp_path)) for _ in range(3)]
    for w in ws:
        w.close()
    assert len(event_files(tmp_path)) == 3
