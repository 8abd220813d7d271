"""Hand-rolled protobuf encoding of the hot records (events carrying tensor summaries).

Byte-identical to what protobuf serializes for ``tensorflow.Event`` / ``Summary`` /
``TensorProto`` (fields in number order, proto3 defaults omitted), so scalar writes need
neither the protobuf runtime nor its per-message overhead. Other records use the generated
``*_pb2`` classes.
"""

from __future__ import annotations

import struct

import numpy as np

from tensorflux._src.core import dtypes as _dt

_DOUBLE = struct.Struct("<d")
_U64 = (1 << 64) - 1
DT_STRING = 7


def varint(n: int) -> bytes:
    n &= _U64  # negative int64 values take ten bytes (two's complement)
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(num: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def _as_bytes(x) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, np.bytes_):
        return bytes(x)
    raise TypeError(f"string tensor element must be bytes or str, got {type(x).__name__}")


def shape_bytes(shape) -> bytes:
    """A ``TensorShapeProto`` body (a size-0 dimension is an empty ``Dim``)."""
    return b"".join(field(2, b"\x08" + varint(int(d)) if d else b"") for d in shape)


_F32_SCALAR = b"\x08\x01\x12\x00\x22\x04"  # dtype DT_FLOAT, shape [], 4 content bytes
_F32 = np.dtype(np.float32)


def tensor_proto(arr: np.ndarray) -> bytes:
    """A serialized ``TensorProto``: numeric values as ``tensor_content``, strings as
    ``string_val`` (as TensorFlow's summary writer stores them)."""
    arr = np.asarray(arr)
    if arr.dtype == _F32 and arr.ndim == 0:  # the scalar fast path
        return _F32_SCALAR + arr.astype("<f4").tobytes()
    if arr.dtype.kind in "OSU":
        enum = DT_STRING
        body = b"".join(field(8, _as_bytes(x)) for x in arr.reshape(-1).tolist())
    else:
        enum = _dt.as_dtype(arr.dtype).as_datatype_enum
        content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
        body = field(4, content) if content else b""
    return b"\x08" + varint(enum) + field(2, shape_bytes(arr.shape)) + body


def summary_metadata(plugin_name: str, content: bytes = b"", display_name: str = "",
                     description: str = "", data_class: int = 0) -> bytes:
    """A serialized ``SummaryMetadata``."""
    pd = field(1, plugin_name.encode()) + (field(2, content) if content else b"")
    out = field(1, pd)
    if display_name:
        out += field(2, display_name.encode())
    if description:
        out += field(3, description.encode())
    if data_class:
        out += b"\x20" + varint(data_class)
    return out


def summary_value(tag: str, tensor: bytes, metadata: bytes = b"") -> bytes:
    """A serialized ``Summary.Value`` with a ``tensor`` payload."""
    out = field(1, tag.encode("utf-8")) + field(8, tensor)
    return out + field(9, metadata) if metadata else out


def event(wall_time: float, step: int = 0, what: int = 0, payload: bytes = b"") -> bytes:
    """A serialized ``Event``; ``what`` is the oneof field number (5: summary, 4: graph_def,
    3: file_version, 7: session_log, 8: tagged_run_metadata, 9: meta_graph_def)."""
    out = b"\x09" + _DOUBLE.pack(wall_time)
    if step:
        out += b"\x10" + varint(step)
    if what:
        out += field(what, payload)
    return out


def tensor_summary_event(wall_time: float, step: int, tag_field: bytes, tensor: bytes,
                         metadata_field: bytes) -> bytes:
    """``summary_event`` of one tensor value from pre-encoded ``field(1, tag)`` and
    ``field(9, metadata)`` (the per-call hot path)."""
    val = tag_field + b"\x42" + varint(len(tensor)) + tensor + metadata_field
    summ = b"\x0a" + varint(len(val)) + val
    head = b"\x09" + _DOUBLE.pack(wall_time)
    if step:
        head += b"\x10" + varint(step)
    return head + b"\x2a" + varint(len(summ)) + summ


def summary_event(wall_time: float, step: int, values) -> bytes:
    """An ``Event`` whose ``summary`` holds the given serialized ``Summary.Value``s."""
    return event(wall_time, step, 5, b"".join(field(1, v) for v in values))


def file_version_event(wall_time: float, writer: str) -> bytes:
    """The first record of every event file: ``brain.Event:2`` plus the writer's name."""
    return (event(wall_time, 0, 3, b"brain.Event:2")
            + field(10, field(1, writer.encode())))
