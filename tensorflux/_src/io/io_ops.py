"""``tf.io`` tensor ops: serialize_tensor/parse_tensor, decode_raw, read_file/write_file."""

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops.op_util import tensor

__all__ = ["serialize_tensor", "parse_tensor", "decode_raw", "read_file", "write_file"]

_ND = NOT_DIFFERENTIABLE


def _scalar_bytes(x, what):
    if x.ndim != 0:
        raise errors.InvalidArgumentError(None, None, f"{what} must be a scalar string, got "
                                          f"shape {list(x.shape)}")
    v = x.item() if isinstance(x, np.ndarray) else x
    return v if isinstance(v, bytes) else str(v).encode()


def _serialize_kernel(x, T=None):
    from tensorflux._src.framework.graph_def import make_tensor_proto

    return np.array(make_tensor_proto(x, dtype=_dt.from_numpy(x.dtype)).SerializeToString(),
                    object)


def _parse_kernel(serialized, out_type=None):
    from tensorflux._src.framework.graph_def import make_ndarray
    from tensorflux._src.proto import tensor_pb2

    p = tensor_pb2.TensorProto()
    try:
        p.ParseFromString(_scalar_bytes(serialized, "serialized"))
    except Exception:  # noqa: BLE001 - protobuf raises its own DecodeError
        raise errors.InvalidArgumentError(
            None, None, "Could not parse `serialized` as TensorProto") from None
    want = _dt.as_dtype(out_type)
    got = _dt.as_dtype(p.dtype)
    if got is not want:
        raise errors.InvalidArgumentError(
            None, None, f"Type mismatch between parsed tensor ({got.name}) and dtype "
            f"({want.name}); pass out_type={got.name}")
    return make_ndarray(p)


SERIALIZE_TENSOR = defop("SerializeTensor", _serialize_kernel, inputs=("tensor: T",),
                         outputs=("serialized: string",), types={"T": ()},
                         infer=lambda ic: ((), _dt.string), grad=_ND,
                         doc="A tensor as serialized TensorProto bytes.")
PARSE_TENSOR = defop("ParseTensor", _parse_kernel, inputs=("serialized: string",),
                     outputs=("output: out_type",), types={"out_type": ()},
                     attrs={"out_type": None},
                     infer=lambda ic: (None, _dt.as_dtype(ic.attrs["out_type"])), grad=_ND,
                     doc="The tensor held by serialized TensorProto bytes.")


def serialize_tensor(tensor_, name=None):
    """Serializes a tensor to ``TensorProto`` bytes (``tf.io.serialize_tensor``)."""
    return execute(SERIALIZE_TENSOR, (tensor(tensor_),), None, name)


def parse_tensor(serialized, out_type, name=None):
    """Inverse of ``serialize_tensor``; ``out_type`` must match (``tf.io.parse_tensor``)."""
    out_type = _dt.as_dtype(out_type)
    return execute(PARSE_TENSOR, (tensor(serialized, dtype_hint=_dt.string),),
                   {"out_type": out_type}, name)


_RAW_TYPES = (_dt.float16, _dt.float32, _dt.float64, _dt.int8, _dt.int16, _dt.int32,
              _dt.int64, _dt.uint8, _dt.uint16, _dt.uint32, _dt.uint64, _dt.complex64,
              _dt.complex128, _dt.bool)


def _decode_raw_kernel(bytes_, out_type=None, little_endian=True, fixed_length=None):
    npdt = np.dtype(_dt.as_dtype(out_type).np_dtype).newbyteorder("<" if little_endian else ">")
    flat = bytes_.reshape(-1)
    if fixed_length is not None:
        n = int(fixed_length) // npdt.itemsize
        rows = [np.frombuffer(b[:fixed_length].ljust(fixed_length, b"\0"), npdt, n)
                for b in flat]
        return np.stack(rows).astype(npdt.newbyteorder("=")).reshape(bytes_.shape + (n,)) \
            if rows else np.zeros(bytes_.shape + (n,), npdt.newbyteorder("="))
    lens = {len(b) for b in flat}
    if len(lens) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"DecodeRaw requires input strings to all be the same size, but got "
            f"sizes {sorted(lens)}; pass fixed_length to pad or truncate")
    size = lens.pop() if lens else 0
    if size % npdt.itemsize:
        raise errors.InvalidArgumentError(
            None, None, f"Input to DecodeRaw has length {size} that is not a multiple of "
            f"{npdt.itemsize}, the size of {_dt.as_dtype(out_type).name}")
    n = size // npdt.itemsize
    data = np.frombuffer(b"".join(flat), npdt)
    return data.astype(npdt.newbyteorder("=")).reshape(bytes_.shape + (n,))


def _decode_raw_infer(ic):
    s = ic.shapes[0]
    fl = ic.attrs.get("fixed_length")
    n = None
    if fl is not None:
        n = int(fl) // _dt.as_dtype(ic.attrs["out_type"]).size
    return (None if s is None else tuple(s) + (n,)), _dt.as_dtype(ic.attrs["out_type"])


DECODE_RAW = defop("DecodeRaw", _decode_raw_kernel, inputs=("bytes: string",),
                   outputs=("output: out_type",), types={"out_type": _RAW_TYPES},
                   attrs={"out_type": None, "little_endian": True, "fixed_length": None},
                   infer=_decode_raw_infer, grad=_ND,
                   doc="Reinterprets the bytes of each string as a vector of numbers.")


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Bytes of each string reinterpreted as numbers (``tf.io.decode_raw``)."""
    out_type = _dt.as_dtype(out_type)
    if out_type not in _RAW_TYPES:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'out_type' of {out_type.name} is not in the list of "
            f"allowed values: {', '.join(t.name for t in _RAW_TYPES)}")
    attrs = {"out_type": out_type, "little_endian": bool(little_endian)}
    if fixed_length is not None:
        attrs["fixed_length"] = int(fixed_length)
    return execute(DECODE_RAW, (tensor(input_bytes, dtype_hint=_dt.string),), attrs, name)


def _read_file_kernel(filename):
    from tensorflux._src.io import gfile  # loaded on use: it pulls in shutil, glob, bz2, lzma

    with gfile.GFile(_scalar_bytes(filename, "filename").decode(), "rb") as f:
        return np.array(f.read(), object)


def _write_file_kernel(filename, contents):
    from tensorflux._src.io import gfile

    path = _scalar_bytes(filename, "filename").decode()
    parent = path.rsplit("/", 1)[0] if "/" in path.split("://")[-1] else ""
    if parent and not gfile.exists(parent):
        gfile.makedirs(parent)
    with gfile.GFile(path, "wb") as f:
        f.write(_scalar_bytes(contents, "contents"))


READ_FILE = defop("ReadFile", _read_file_kernel, inputs=("filename: string",),
                  outputs=("contents: string",), infer=lambda ic: ((), _dt.string), grad=_ND,
                  stateful=True, doc="The whole content of a file as a scalar string.")
WRITE_FILE = defop("WriteFile", _write_file_kernel,
                   inputs=("filename: string", "contents: string"), outputs=(),
                   infer=lambda ic: [], grad=_ND, stateful=True,
                   doc="Writes a scalar string to a file, creating parent directories.")


def read_file(filename, name=None):
    """Reads a whole file (local path or fsspec URL) (``tf.io.read_file``)."""
    return execute(READ_FILE, (tensor(filename, dtype_hint=_dt.string),), None, name)


def write_file(filename, contents, name=None):
    """Writes ``contents`` to ``filename`` (``tf.io.write_file``)."""
    return execute(WRITE_FILE, (tensor(filename, dtype_hint=_dt.string),
                                tensor(contents, dtype_hint=_dt.string)), None, name)
