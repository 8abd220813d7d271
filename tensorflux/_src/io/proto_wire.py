"""Values and wire format for the pure-Python protobuf runtime (``proto_msg``): varints,
packed float/int64 payloads with protobuf's range and type checks, text-format printing of
scalars, field walking, and upb's order of map entries."""

import math
import struct

import numpy as np

from tensorflux._src.io.example_wire import WireError, _varints, varint

_MASK64 = (1 << 64) - 1
_I64MIN, _I64MAX = -(1 << 63), (1 << 63) - 1
_SMALL = [bytes((i,)) for i in range(128)]
_F1 = struct.Struct("<f")
_FSTRUCTS = {}


def vb(n: int) -> bytes:
    """Varint bytes of a non-negative int (or an int64, as 10 bytes)."""
    if 0 <= n < 128:
        return _SMALL[n]
    if 0 < n < 16384:
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    n &= _MASK64
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def fstruct(n: int) -> struct.Struct:
    s = _FSTRUCTS.get(n)
    if s is None:
        s = struct.Struct(f"<{n}f")
        if len(_FSTRUCTS) < 512:
            _FSTRUCTS[n] = s
    return s


def decode_error(type_name, why="Wire format was corrupt"):
    """protobuf's ``DecodeError`` when protobuf is installed, else our own."""
    try:
        from google.protobuf.message import DecodeError as cls
    except ImportError:  # pragma: no cover - protobuf is installed in dev
        cls = DecodeError
    return cls(f"Error parsing message with type '{type_name}': {why}")


class DecodeError(ValueError):
    """Raised for malformed wire bytes when protobuf is not installed."""


# ---- scalar kinds: conversion, float32 rounding, encoding, text -----------------------------

def _f32(x, field):
    """One value as protobuf stores a float field (float32-rounded; inf past the range)."""
    if isinstance(x, float):
        f = x
    elif isinstance(x, (str, bytes, bytearray)) or not hasattr(type(x), "__float__"):
        raise TypeError(f"Field {field}: must be real number, not {type(x).__name__} "
                        f"(got {x!r})")
    else:
        f = float(x)
    try:
        return _F1.unpack(_F1.pack(f))[0]
    except OverflowError:
        return math.copysign(math.inf, f)


def round_floats(values, field):
    """A list of float32-rounded Python floats (validates every item)."""
    if isinstance(values, np.ndarray):
        return values.tolist()
    s = fstruct(len(values))
    try:
        return list(s.unpack(s.pack(*values)))
    except (struct.error, OverflowError, TypeError):
        return [_f32(x, field) for x in values]


def _i64(x, field):
    if type(x) is int:
        v = x
    elif isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f"Field {field}: Expected an int, got a boolean ({x!r}).")
    else:
        try:
            v = x.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"Field {field}: {type(x).__name__!r} object cannot be interpreted "
                            f"as an integer (got {x!r})") from None
    if not _I64MIN <= v <= _I64MAX:
        raise ValueError(f"Field {field}: Value out of range: {v}")
    return v


def check_ints(values, field):
    """A new list of validated int64 values (TypeError/ValueError like protobuf)."""
    out = list(values)
    for x in out:
        if type(x) is not int:
            return [_i64(x, field) for x in out]
    if out and (min(out) < _I64MIN or max(out) > _I64MAX):
        for x in out:
            _i64(x, field)
    return out


def int_array(a, field):
    if a.dtype.kind == "i":
        return a.astype(np.int64)
    if a.dtype.kind == "u":
        if a.size and a.max() > _I64MAX:
            raise ValueError(f"Field {field}: Value out of range: {int(a.max())}")
        return a.astype(np.int64)
    if a.dtype.kind == "O":
        return check_ints(a.tolist(), field)
    raise TypeError(f"Field {field}: '{a.dtype}' values cannot be interpreted as integers")


def varints_payload(values) -> bytes:
    """Concatenated varints of int64 values (NumPy for long lists)."""
    if len(values) <= 32:
        if isinstance(values, np.ndarray):
            values = values.tolist()
        if min(values) >= 0 and max(values) < 128:
            return bytes(values)
        return b"".join([vb(v) for v in values])
    a = np.asarray(values, np.int64).view(np.uint64)
    if a.max() < 128:
        return a.astype(np.uint8).tobytes()
    groups = [(a >> np.uint64(7 * k)) & np.uint64(0x7F) for k in range(10)]
    g = np.stack(groups, 1).astype(np.uint8)  # (n, 10) 7-bit groups
    nbytes = np.maximum(1, 10 - np.argmax(g[:, ::-1] != 0, axis=1))
    nbytes[(g == 0).all(axis=1)] = 1
    keep = np.arange(10) < nbytes[:, None]
    g[np.arange(10) < (nbytes - 1)[:, None]] |= 0x80
    return g[keep].tobytes()


def check_bytes(values, field):
    out = list(values)
    for i, x in enumerate(out):
        if type(x) is not bytes:
            if not isinstance(x, bytes):
                raise TypeError(f"Field {field}: expected bytes, {type(x).__name__} found "
                                f"(got {x!r})")
            out[i] = bytes(x)
    return out


def fmt_float(v: float) -> str:
    """upb's text format for a float field: shortest of %.6g/%.9g that round-trips."""
    if v != v:
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    s = f"{v:.6g}"
    if _F1.unpack(_F1.pack(float(s)))[0] != v:
        s = f"{v:.9g}"
    return s


_ESC = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: '\\"', 0x27: "\\'", 0x5C: "\\\\"}


def fmt_bytes(b: bytes, is_bytes=True) -> str:
    out = []
    for c in b:
        e = _ESC.get(c)
        if e is not None:
            out.append(e)
        elif is_bytes and (c < 0x20 or c >= 0x7F):
            out.append(f"\\{c:03o}")
        else:
            out.append(chr(c))
    s = "".join(out)
    return s if is_bytes else s.encode("latin-1").decode("utf-8")


# ---- wire reading ------------------------------------------------------------------------------

def read_fields(buf, pos, end):
    """Yields ``(number, wire_type, a, b, field_start)``: for wire type 2 ``a:b`` is the value's
    byte range, for 0 ``a`` is the value and ``b`` the next position, for 5/1 the value's
    range. Raises ``WireError`` (or IndexError) on malformed bytes."""
    while pos < end:
        t0 = pos
        tag, pos = varint(buf, pos)
        fn, wt = tag >> 3, tag & 7
        if fn == 0:
            raise WireError("field number 0")
        if wt == 2:
            n, pos = varint(buf, pos)
            if pos + n > end:
                raise WireError("truncated")
            yield fn, 2, pos, pos + n, t0
            pos += n
        elif wt == 0:
            v, pos = varint(buf, pos)
            yield fn, 0, v & _MASK64, pos, t0
        elif wt == 5 or wt == 1:
            stop = pos + (4 if wt == 5 else 8)
            if stop > end:
                raise WireError("truncated")
            yield fn, wt, pos, stop, t0
            pos = stop
        else:
            raise WireError("bad wire type")
    if pos != end:
        raise WireError("truncated")


def decode_ints(buf, a, b):
    n = b - a
    if n <= 16:
        out, pos = [], a
        while pos < b:
            v, pos = varint(buf, pos)
            v &= _MASK64
            out.append(v - (1 << 64) if v > _I64MAX else v)
        if pos != b:
            raise WireError("truncated varint")
        return out
    return _varints(np.frombuffer(buf, np.uint8, n, a)).tolist()


# ---- containers ------------------------------------------------------------------------------


_INVERT = bytes(range(255, -1, -1))


def sorted_entries(d, wire=False):
    """Map entries in upb's order: text format sorts keys by descending bytes (a prefix
    first); deterministic serialization writes the reverse of that order."""
    return sorted(d.items(), key=lambda kv: kv[0].encode("utf-8").translate(_INVERT),
                  reverse=wire)


def map_key(k):
    if isinstance(k, str):
        return k
    if isinstance(k, bytes):
        try:
            return k.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"map key {k!r} is not valid UTF-8") from None
    raise TypeError(f"bad argument type for built-in operation: map keys are str, got {k!r}")
