"""Pickle-free encoding of arrays (incl. string arrays) and of nested iterator state."""

from __future__ import annotations

import io
import os
import struct

import numpy as np


def encode(a) -> bytes:
    """One array as bytes: dtype, shape, data (string arrays as lengths + blob)."""
    a = np.asarray(a)
    shape = struct.pack(f"<I{a.ndim}q", a.ndim, *a.shape)
    if a.dtype.kind in "OSU":
        items = [x if isinstance(x, bytes) else str(x).encode() for x in a.reshape(-1)]
        lens = np.array([len(x) for x in items], np.int64).tobytes()
        return b"S" + shape + lens + b"".join(items)
    dt = a.dtype.str.encode()
    return b"N" + struct.pack("<B", len(dt)) + dt + shape + np.ascontiguousarray(a).tobytes()


def decode(buf: bytes):
    kind = buf[:1]
    pos = 1
    if kind == b"N":
        n = buf[pos]
        dt = np.dtype(buf[pos + 1:pos + 1 + n].decode())
        pos += 1 + n
    (ndim,) = struct.unpack_from("<I", buf, pos)
    shape = struct.unpack_from(f"<{ndim}q", buf, pos + 4)
    pos += 4 + 8 * ndim
    if kind == b"N":
        return np.frombuffer(buf, dt, count=int(np.prod(shape, dtype=np.int64)),
                             offset=pos).reshape(shape).copy()
    count = int(np.prod(shape, dtype=np.int64))
    lens = np.frombuffer(buf, np.int64, count=count, offset=pos)
    pos += 8 * count
    out = np.empty(count, dtype=object)
    for i, n in enumerate(lens.tolist()):
        out[i] = bytes(buf[pos:pos + n])
        pos += n
    return out.reshape(shape)


def flatten_state(state, prefix="") -> dict:
    """Nested dict -> flat ``{"a/b": value}`` (values: arrays, bytes, ints)."""
    out = {}
    for k, v in state.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten_state(v, key + "/"))
        else:
            out[key] = v
    return out


def unflatten_state(flat: dict) -> dict:
    root: dict = {}
    for key, v in flat.items():
        parts = key.split("/")
        d = root
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    return root


def as_array(c):
    """A component as an array; Python/NumPy bytes stay a string (object) array."""
    if isinstance(c, np.ndarray):
        return c
    if isinstance(c, (bytes, np.bytes_)):
        a = np.empty((), dtype=object)
        a[()] = bytes(c)
        return a
    return np.asarray(c)


def pack_elements(elems) -> dict:
    """A list of elements (tuples of arrays) as a state dict."""
    d = {"n": len(elems)}
    for i, e in enumerate(elems):
        for j, c in enumerate(e):
            d[f"e{i}_{j}"] = as_array(c)
        d[f"k{i}"] = len(e)
    return d


def unpack_elements(d) -> list:
    out = []
    for i in range(int(d["n"])):
        out.append(tuple(d[f"e{i}_{j}"] for j in range(int(d[f"k{i}"]))))
    return out


def save_state_file(path, flat: dict):
    """Atomically write a flat state dict as an ``.npz`` (no pickle)."""
    arrays = {}
    for k, v in flat.items():
        if isinstance(v, bytes):
            arrays["b:" + k] = np.frombuffer(v, np.uint8)
        elif isinstance(v, np.ndarray) and v.dtype.kind in "OSU":
            arrays["s:" + k] = np.frombuffer(encode(v), np.uint8)
        else:
            arrays["a:" + k] = np.asarray(v)
    d = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, f".{os.path.basename(path)}.tmp{os.getpid()}")
    bio = io.BytesIO()
    np.savez(bio, **arrays)
    with open(tmp, "wb") as f:
        f.write(bio.getvalue())
    os.replace(tmp, path)


def load_state_file(path) -> dict:
    out = {}
    with np.load(path, allow_pickle=False) as z:
        for k in z.files:
            tag, key = k[:2], k[2:]
            v = z[k]
            if tag == "b:":
                out[key] = v.tobytes()
            elif tag == "s:":
                out[key] = decode(v.tobytes())
            else:
                out[key] = v
    return out


def rng_state(rng) -> dict:
    st = rng.bit_generator.state
    return {"s": np.frombuffer(st["state"]["state"].to_bytes(16, "little") +
                               st["state"]["inc"].to_bytes(16, "little"), np.uint8).copy(),
            "h": int(st["has_uint32"]), "u": int(st["uinteger"])}


def set_rng_state(rng, d):
    b = np.asarray(d["s"], np.uint8).tobytes()
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int.from_bytes(b[:16], "little"),
                  "inc": int.from_bytes(b[16:], "little")},
        "has_uint32": int(d["h"]), "uinteger": int(d["u"])}
