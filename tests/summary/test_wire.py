"""Our hand-encoded records equal what protobuf (TensorBoard's protos) serializes."""

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.util import tensor_util

from tensorflux._src.summary import wire


@pytest.mark.parametrize("arr", [
    np.float32(1.0), np.array([[1, 2], [3, 4]], np.int64), np.zeros((0, 3)),
    np.array([b"a", b"bc"], dtype=object), np.array(b"", dtype=object),
    np.array([True, False]), np.arange(6, dtype=np.float64).reshape(2, 3, 1),
])
def test_tensor_proto_roundtrip(arr):
    got = tensor_util.make_ndarray(
        summary_pb2.Summary.Value.FromString(wire.summary_value("t", wire.tensor_proto(arr)))
        .tensor)
    np.testing.assert_array_equal(got, np.asarray(arr))
    assert got.shape == np.asarray(arr).shape


def test_scalar_event_bytes_match_protobuf():
    md = wire.summary_metadata("scalars")
    got = wire.summary_event(123.5, 7, [wire.summary_value(
        "loss", wire.tensor_proto(np.float32(1.0)), md)])
    ev = event_pb2.Event(wall_time=123.5, step=7)
    v = ev.summary.value.add(tag="loss")
    v.metadata.plugin_data.plugin_name = "scalars"
    v.tensor.dtype = 1
    v.tensor.tensor_shape.SetInParent()
    v.tensor.tensor_content = np.float32(1.0).tobytes()
    assert got == ev.SerializeToString()
    # the spec's TF 2.21 scalar payload (section 2.3), step 0 omitted
    spec = bytes.fromhex("2a210a1f0a046c6f7373420a0801120022040000803f4a0b0a090a077363616c617273")
    assert wire.summary_event(0.0, 0, [wire.summary_value(
        "loss", wire.tensor_proto(np.float32(1.0)), md)])[9:] == spec


def test_negative_step_and_metadata_fields():
    md = wire.summary_metadata("text", b"\x08\x01", display_name="D", description="x",
                               data_class=2)
    ev = event_pb2.Event.FromString(wire.summary_event(
        1.0, -3, [wire.summary_value("a", wire.tensor_proto(np.float32(2)), md)]))
    assert ev.step == -3
    m = ev.summary.value[0].metadata
    assert (m.plugin_data.plugin_name, m.plugin_data.content, m.display_name,
            m.summary_description, m.data_class) == ("text", b"\x08\x01", "D", "x", 2)


def test_file_version_event_matches_tf_layout():
    got = wire.file_version_event(1795300398.0, "tensorflow.core.util.events_writer")
    spec = bytes.fromhex(
        "090000800b87c0da411a0d627261696e2e4576656e743a3252240a2274656e736f72666c6f772e63"
        "6f72652e7574696c2e6576656e74735f777269746572")
    assert got == spec
