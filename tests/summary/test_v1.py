"""tf.compat.v1.summary: values checked against TensorFlow 1's outputs (recorded from
tensorflow 2.21's compat.v1 ops in a Session) and read back by TensorBoard."""

import io
import re
import socket

import numpy as np
import pytest
from tensorboard.compat.proto import summary_pb2

import tensorflux as tf
from tests.summary.util import accumulator, raw_events, values

v1 = tf.compat.v1.summary


def _parse(t):
    return summary_pb2.Summary.FromString(t.numpy())


def test_scalar_and_text():
    s = _parse(v1.scalar("a", 1.5))
    assert s.value[0].tag == "a" and s.value[0].simple_value == 1.5
    assert not s.value[0].HasField("metadata")
    t = _parse(v1.text("t", tf.constant("hi")))
    assert t.value[0].metadata.plugin_data.plugin_name == "text"
    assert t.value[0].tensor.string_val == [b"hi"] and t.value[0].tensor.dtype == 7


def test_histogram_matches_tf1_default_buckets():
    h = _parse(v1.histogram("h", [1.0, 2, 3, 100, -5])).value[0].histo
    assert list(h.bucket_limit) == [
        -5.099814079160488, -4.636194617418625, 0.917246389039776, 1.0089710279437536,
        1.9661990955585713, 2.1628190051144287, 2.8787120958073054, 3.1665833053880363,
        97.88757810018231, 107.67633591020055, 1.7976931348623157e308]
    assert list(h.bucket) == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (-5, 100, 5, 101, 10039)


def test_image_normalization_and_tags():
    from PIL import Image

    def pixels(v):
        return np.asarray(Image.open(io.BytesIO(v.image.encoded_image_string))).ravel().tolist()

    s = _parse(v1.image("im", np.array([[[[0.0], [0.5]], [[0.26], [1.0]]]], np.float32)))
    assert [v.tag for v in s.value] == ["im/image/0"]
    assert (s.value[0].image.height, s.value[0].image.colorspace) == (2, 1)
    assert pixels(s.value[0]) == [0, 127, 66, 255]  # TF1's output
    img2 = np.array([[[[-1.0], [0.5]], [[0.26], [2.0]]]], np.float32)
    s = _parse(v1.image("im2", np.concatenate([img2, img2]), max_outputs=2))
    assert [v.tag for v in s.value] == ["im2/image/0", "im2/image/1"]
    assert pixels(s.value[0]) == [64, 159, 144, 255]
    assert [v.tag for v in _parse(v1.image("one", img2, max_outputs=1)).value] == ["one/image"]


def test_audio_header_matches_tf1():
    s = _parse(v1.audio("a", np.zeros((2, 10, 1), np.float32), 8000))
    assert [v.tag for v in s.value] == ["a/audio/0", "a/audio/1"]
    au = s.value[0].audio
    assert (au.sample_rate, au.num_channels, au.length_frames, au.content_type) == (
        8000, 1, 10, "audio/wav")
    assert au.encoded_audio_string == (
        b"RIFF8\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00"
        b"\x02\x00\x10\x00data\x14\x00\x00\x00" + b"\x00" * 20)


def test_merge_and_merge_all():
    v1.merge_all()  # drop anything collected by earlier tests
    a = v1.scalar("a", 1.0)
    v1.scalar("b", 2.0)
    assert [v.tag for v in _parse(v1.merge([a, v1.scalar("c", 3.0)])).value] == ["a", "c"]
    assert [v.tag for v in _parse(v1.merge_all()).value] == ["a", "b", "c"]
    assert v1.merge_all() is None


def test_file_writer(tmp_path):
    f = tf.function(lambda x: x * 2.0)
    cf = f.get_concrete_function(tf.constant(1.0))
    with v1.FileWriter(str(tmp_path), graph=cf) as fw:
        for step in range(3):
            fw.add_summary(v1.scalar("loss", float(step)), global_step=step)
            fw.add_summary(v1.text("t", tf.constant(f"s{step}")), step)
        fw.add_summary(v1.histogram("h", np.arange(10.0)), 3)
    (path,) = list(tmp_path.glob("*tfevents*"))
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\." + re.escape(socket.gethostname()),
                        path.name)  # TF1 naming
    evs = raw_events(str(path))
    text_md = [v.HasField("metadata") for e in evs for v in e.summary.value if v.tag == "t"]
    assert text_md == [True, False, False]  # metadata only on the first value of a tag
    acc = accumulator(str(tmp_path))
    steps, vals = values(acc, "loss")
    assert steps == [0, 1, 2] and [float(v) for v in vals] == [0, 1, 2]
    assert values(acc, "t")[1][2].item() == b"s2"
    assert acc.SummaryMetadata("h").plugin_data.plugin_name == "histograms"
    assert len(acc.Graph().node) == len(cf.graph.get_operations())


def test_errors():
    with pytest.raises(ValueError, match="scalar"):
        v1.scalar("x", [1.0, 2.0])
    with pytest.raises(ValueError, match="string"):
        v1.text("x", tf.constant(1.0))
