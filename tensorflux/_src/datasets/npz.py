"""Reading the Keras dataset files that exist only in Python's serialization format (ragged
``.npz`` object arrays, CIFAR batches) without executing anything they contain.

tensorflux never writes this format. Real Keras reads these files with
``np.load(allow_pickle=True)``, which runs whatever the file says. Here a small decoder walks
the opcode stream itself and builds only data: ``None``, booleans, numbers, strings, bytes,
lists, tuples, dicts, sets, and NumPy arrays, dtypes and scalars (through a fixed table of
the NumPy reconstruction functions, reimplemented here). Any other class or function a file
names is refused with ``UnsafeDataError``, so a tampered download cannot run code, only fail
to load.
"""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np


class UnsafeDataError(ValueError):
    """A dataset file names something other than plain data or NumPy arrays."""


def _refuse(module, name):
    raise UnsafeDataError(f"Refusing to deserialize `{module}.{name}` while loading a dataset "
                          "file; it may be corrupted or malicious.")


# --- NumPy's reconstruction protocol, as data ------------------------------------------------
class _ArrayStub:
    """``numpy.core.multiarray._reconstruct(ndarray, ...)``: an array whose state comes next."""

    def __init__(self):
        self.value = None

    def setstate(self, state):
        if len(state) == 5:
            state = state[1:]                 # (version, shape, dtype, fortran, data)
        shape, dt, fortran, raw = state
        dt = _as_dtype(dt)
        order = "F" if fortran else "C"
        count = int(np.prod(shape, dtype=np.int64))
        if dt.hasobject:
            flat = np.empty(count, object)
            for i, v in enumerate(raw):
                flat[i] = v
            self.value = flat.reshape(shape, order=order)
            return
        if isinstance(raw, str):              # Python 2 strings read as text
            raw = raw.encode("latin1")
        a = np.frombuffer(raw, dt, count).reshape(shape, order=order)
        # NumPy's own reconstruction hands back native byte order, values unchanged
        self.value = a.astype(dt.newbyteorder("="), order=order)


class _DTypeStub:
    """``numpy.dtype(code, align, copy)`` whose byte order comes with its state."""

    def __init__(self, code, align=False, copy=False):
        self.code = code if isinstance(code, str) else code.decode("latin1")
        self.value = np.dtype(self.code)

    def setstate(self, state):
        endian = state[1] if len(state) > 1 else "|"
        if len(state) > 3 and (state[2] is not None or state[3] is not None):
            raise UnsafeDataError("structured dtypes are not supported in dataset files")
        if isinstance(endian, bytes):
            endian = endian.decode("latin1")
        if endian in "<>":
            self.value = self.value.newbyteorder(endian)


def _bytes(v):
    if isinstance(v, int):   # bytes(n) would allocate n zero bytes on the file's say-so
        raise UnsafeDataError("a dataset file asks for bytes of a given size")
    return bytes(v)


def _as_dtype(dt):
    return dt.value if isinstance(dt, _DTypeStub) else np.dtype(dt)


def _reconstruct(cls, shape, code):
    if cls is not _NDARRAY:
        _refuse("numpy", getattr(cls, "__name__", "?"))
    return _ArrayStub()


def _scalar(dt, data=None):
    dt = _as_dtype(dt)
    if dt.hasobject:
        return data
    if isinstance(data, str):
        data = data.encode("latin1")
    return np.frombuffer(data, dt, 1)[0]


def _frombuffer(buf, dt, shape, order):
    return np.frombuffer(bytes(buf), _as_dtype(dt)).reshape(shape, order=order).copy(order)


_NDARRAY = object()
_GLOBALS = {
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DTypeStub,
    ("_codecs", "encode"): lambda s, encoding="utf-8": s.encode(encoding),  # protocol-2 bytes
}
for _mod in ("builtins", "__builtin__"):   # containers older protocols build by a call
    _GLOBALS[(_mod, "bytearray")] = lambda v=b"", enc=None: bytearray(
        v if enc is None else v.encode(enc))
    _GLOBALS[(_mod, "bytes")] = lambda v=b"": _bytes(v)
    _GLOBALS[(_mod, "set")] = set
    _GLOBALS[(_mod, "frozenset")] = frozenset
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _GLOBALS[(_mod, "_reconstruct")] = _reconstruct
    _GLOBALS[(_mod, "scalar")] = _scalar
for _mod in ("numpy.core.numeric", "numpy._core.numeric"):
    _GLOBALS[(_mod, "_frombuffer")] = _frombuffer


# --- the opcode stream ---------------------------------------------------------------------
_MARK = object()


class _Decoder:
    def __init__(self, data, encoding):
        self.data, self.pos, self.encoding = data, 0, encoding
        self.stack, self.marks, self.memo = [], [], {}

    def take(self, n):
        if self.pos + n > len(self.data):
            raise UnsafeDataError("truncated data in a dataset file")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise UnsafeDataError("truncated data in a dataset file")
        b = self.data[self.pos:end]
        self.pos = end + 1
        return b

    def pop_mark(self):
        i = self.marks.pop()
        items = self.stack[i:]
        del self.stack[i:]
        return items

    def py2_string(self, b):
        return b if self.encoding == "bytes" else b.decode(self.encoding)

    def run(self):
        st = self.stack
        while True:
            op = self.take(1)
            handler = _OPS.get(op)
            if handler is None:
                raise UnsafeDataError(f"unsupported opcode {op!r} in a dataset file")
            if handler(self, st) is True:    # STOP
                return _materialize(st.pop())


def _global(d, module, name):
    fn = _GLOBALS.get((module, name))
    if fn is None:
        _refuse(module, name)
    d.stack.append(fn)


def _reduce(d, st):
    args = st.pop()
    fn = st.pop()
    if not callable(fn):
        raise UnsafeDataError("a dataset file calls something that is not a function")
    st.append(fn(*args))


def _build(d, st):
    state = st.pop()
    obj = st[-1]
    if not isinstance(obj, (_ArrayStub, _DTypeStub)):
        raise UnsafeDataError("a dataset file sets the state of a non-NumPy object")
    obj.setstate(_materialize(state))


def _dict(items):
    return dict(zip(items[::2], items[1::2]))


def _setitems(d, st):
    items = d.pop_mark()        # first: the target sits under the mark
    st[-1].update(_dict(items))


def _extend(d, st, add):
    items = d.pop_mark()
    add(st[-1], items)


def _long(b):
    return int.from_bytes(b, "little", signed=True)


def _text_int(b):
    if b in (b"00", b"01"):
        return b == b"01"
    return int(b.rstrip(b"L"))


_OPS = {
    b"\x80": lambda d, st: d.take(1),                               # PROTO
    b"\x95": lambda d, st: d.take(8),                               # FRAME
    b".": lambda d, st: True,                                       # STOP
    b"(": lambda d, st: d.marks.append(len(st)),                    # MARK
    b"0": lambda d, st: st.pop(),                                   # POP
    b"1": lambda d, st: d.pop_mark(),                               # POP_MARK
    b"2": lambda d, st: st.append(st[-1]),                          # DUP
    b"N": lambda d, st: st.append(None),
    b"\x88": lambda d, st: st.append(True),
    b"\x89": lambda d, st: st.append(False),
    b"I": lambda d, st: st.append(_text_int(d.line())),
    b"L": lambda d, st: st.append(int(d.line().rstrip(b"L"))),
    b"J": lambda d, st: st.append(d.unpack("<i")),
    b"K": lambda d, st: st.append(d.unpack("<B")),
    b"M": lambda d, st: st.append(d.unpack("<H")),
    b"\x8a": lambda d, st: st.append(_long(d.take(d.unpack("<B")))),
    b"\x8b": lambda d, st: st.append(_long(d.take(d.unpack("<i")))),
    b"F": lambda d, st: st.append(float(d.line())),
    b"G": lambda d, st: st.append(d.unpack(">d")),
    b"T": lambda d, st: st.append(d.py2_string(d.take(d.unpack("<i")))),
    b"U": lambda d, st: st.append(d.py2_string(d.take(d.unpack("<B")))),
    b"B": lambda d, st: st.append(d.take(d.unpack("<I"))),
    b"C": lambda d, st: st.append(d.take(d.unpack("<B"))),
    b"\x8e": lambda d, st: st.append(d.take(d.unpack("<Q"))),
    b"\x96": lambda d, st: st.append(bytearray(d.take(d.unpack("<Q")))),
    b"V": lambda d, st: st.append(d.line().decode("raw-unicode-escape")),
    b"X": lambda d, st: st.append(d.take(d.unpack("<I")).decode("utf-8", "surrogatepass")),
    b"\x8c": lambda d, st: st.append(d.take(d.unpack("<B")).decode("utf-8", "surrogatepass")),
    b"\x8d": lambda d, st: st.append(d.take(d.unpack("<Q")).decode("utf-8", "surrogatepass")),
    b"]": lambda d, st: st.append([]),
    b"a": lambda d, st: st[-2].append(st.pop()),
    b"e": lambda d, st: _extend(d, st, list.extend),
    b"l": lambda d, st: st.append(d.pop_mark()),
    b")": lambda d, st: st.append(()),
    b"t": lambda d, st: st.append(tuple(d.pop_mark())),
    b"\x85": lambda d, st: st.append((st.pop(),)),
    b"\x86": lambda d, st: st.append(tuple(reversed([st.pop(), st.pop()]))),
    b"\x87": lambda d, st: st.append(tuple(reversed([st.pop(), st.pop(), st.pop()]))),
    b"}": lambda d, st: st.append({}),
    b"d": lambda d, st: st.append(_dict(d.pop_mark())),
    b"s": lambda d, st: st[-3].__setitem__(*reversed([st.pop(), st.pop()])),
    b"u": _setitems,
    b"\x8f": lambda d, st: st.append(set()),
    b"\x90": lambda d, st: _extend(d, st, set.update),
    b"\x91": lambda d, st: st.append(frozenset(d.pop_mark())),
    b"c": lambda d, st: _global(d, d.line().decode("utf-8"), d.line().decode("utf-8")),
    b"\x93": lambda d, st: _global(d, *reversed([st.pop(), st.pop()])),
    b"R": _reduce,
    b"b": _build,
    b"p": lambda d, st: d.memo.__setitem__(int(d.line()), st[-1]),
    b"q": lambda d, st: d.memo.__setitem__(d.unpack("<B"), st[-1]),
    b"r": lambda d, st: d.memo.__setitem__(d.unpack("<I"), st[-1]),
    b"\x94": lambda d, st: d.memo.__setitem__(len(d.memo), st[-1]),
    b"g": lambda d, st: st.append(d.memo[int(d.line())]),
    b"h": lambda d, st: st.append(d.memo[d.unpack("<B")]),
    b"j": lambda d, st: st.append(d.memo[d.unpack("<I")]),
}


def _materialize(obj):
    """The loaded value with every NumPy stub replaced by its array or dtype."""
    if isinstance(obj, (_ArrayStub, _DTypeStub)):
        obj = obj.value
    if isinstance(obj, np.ndarray) and obj.dtype.hasobject:
        for idx in np.ndindex(obj.shape):
            obj[idx] = _materialize(obj[idx])
    elif isinstance(obj, list):
        obj[:] = [_materialize(v) for v in obj]
    elif isinstance(obj, tuple):
        obj = tuple(_materialize(v) for v in obj)
    elif isinstance(obj, dict):
        for k in list(obj):
            obj[k] = _materialize(obj[k])
    return obj


def restricted_load(f, encoding="ASCII"):
    """The data in serialized stream ``f`` (a file object), built without running any of it.
    ``encoding``: how Python 2 strings come back ("bytes" keeps them as ``bytes``)."""
    try:
        return _Decoder(f.read(), encoding).run()
    except (IndexError, KeyError, struct.error, TypeError) as e:
        raise UnsafeDataError(f"malformed data in a dataset file ({type(e).__name__}: {e})") \
            from None


def _read_npy(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {version}.") from None
        return restricted_load(fp)


def load_npz(path):
    """``{name: array}`` of an ``.npz`` file; object arrays through the data-only decoder."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    out[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return out
