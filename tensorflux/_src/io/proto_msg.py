"""A small pure-Python protobuf message runtime (proto3, the field kinds tf.train needs).

Messages declare ``_FIELDS``: ``(name, number, kind, cls)`` with kind ``float``/``int64``/
``bytes`` (packed-or-not repeated scalars), ``msg`` (singular sub-message), ``repmsg``
(repeated messages) or ``map`` (``map<string, cls>``). Behaviour follows the upb classes
(protobuf's C runtime): unset sub-messages are stubs that attach to their parent on first
mutation, messages passed to constructors/containers are copied, unknown fields are kept and
re-serialized. Float values are stored as given and rounded to float32 (and type-checked) on
first read or serialization. NumPy only; protobuf is imported lazily for ``DESCRIPTOR``,
``ListFields`` and ``to_protobuf``.
"""

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

class RepeatedScalarContainer:
    """``msg.value`` of a BytesList/FloatList/Int64List: a list-like view of the message."""

    __slots__ = ("_m",)

    def __init__(self, msg):
        self._m = msg

    def __len__(self):
        return len(self._m._value)

    def __getitem__(self, i):
        return self._m._vals()[i]

    def __iter__(self):
        return iter(self._m._vals())

    def __setitem__(self, i, v):
        m = self._m
        lst = m._mlist()
        lst[i] = m._conv_list(v) if isinstance(i, slice) else m._conv_one(v)

    def __delitem__(self, i):
        del self._m._mlist()[i]

    def append(self, v):
        m = self._m
        m._mlist().append(m._conv_one(v))

    def insert(self, i, v):
        m = self._m
        m._mlist().insert(i, m._conv_one(v))

    def extend(self, values):
        m = self._m
        m._mlist().extend(m._conv_list(values))

    def MergeFrom(self, other):
        self.extend(other)

    def pop(self, i=-1):
        return self._m._mlist().pop(i)

    def remove(self, v):
        lst = self._m._mlist()
        try:
            lst.remove(v)
        except ValueError:
            raise ValueError("remove(x): x not in container") from None

    def sort(self, *args, **kwargs):
        self._m._mlist().sort(*args, **kwargs)

    def reverse(self):
        self._m._mlist().reverse()

    def __eq__(self, other):
        if isinstance(other, RepeatedScalarContainer):
            return self._m._vals() == other._m._vals()
        if isinstance(other, list):
            return self._m._vals() == other
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(self._m._vals())


def _check_msg(cls, v):
    if not isinstance(v, Message):
        raise TypeError(f"Expected a message object, but got {v!r}.")
    if type(v) is not cls:
        raise TypeError(f"Parameter to MergeFrom() must be instance of same class: expected "
                        f"{cls!r} got {type(v)!r}.")
    return v._copy()


class RepeatedCompositeContainer:
    """A repeated message field: ``add(**kw)``, ``append``/``extend`` (copies), indexing."""

    __slots__ = ("_m", "_slot", "_cls")

    def __init__(self, msg, slot, cls):
        self._m, self._slot, self._cls = msg, slot, cls

    def _list(self):
        return getattr(self._m, self._slot)

    def _mlist(self):
        self._m._touch()
        return getattr(self._m, self._slot)

    def add(self, **kwargs):
        c = self._cls(**kwargs)
        self._mlist().append(c)
        return c

    def append(self, v):
        c = _check_msg(self._cls, v)
        self._mlist().append(c)

    def insert(self, i, v):
        c = _check_msg(self._cls, v)
        self._mlist().insert(i, c)

    def extend(self, values):
        new = [_check_msg(self._cls, v) for v in values]
        self._mlist().extend(new)

    def MergeFrom(self, other):
        self.extend(other)

    def pop(self, i=-1):
        return self._mlist().pop(i)

    def remove(self, v):
        lst = self._mlist()
        lst.remove(v)

    def sort(self, *args, **kwargs):
        self._mlist().sort(*args, **kwargs)

    def reverse(self):
        self._mlist().reverse()

    def __len__(self):
        return len(self._list())

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self):
        return iter(self._list())

    def __setitem__(self, i, v):
        raise TypeError("does not support assignment")

    def __delitem__(self, i):
        del self._mlist()[i]

    def __eq__(self, other):
        if isinstance(other, RepeatedCompositeContainer):
            return self._list() == other._list()
        if isinstance(other, list):
            return self._list() == other
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return "[" + ", ".join(str(m) for m in self._list()) + "]"


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


class MessageMap:
    """``map<string, Message>``: a missing key on ``[]`` inserts a default message."""

    __slots__ = ("_m", "_slot", "_cls")

    def __init__(self, msg, slot, cls):
        self._m, self._slot, self._cls = msg, slot, cls

    def _d(self):
        return getattr(self._m, self._slot)

    def __getitem__(self, k):
        d = getattr(self._m, self._slot)
        v = d.get(k)
        if v is None:
            k = map_key(k)
            v = d.get(k)
            if v is None:
                self._m._touch()
                d = getattr(self._m, self._slot)
                v = d[k] = self._cls()
        return v

    get_or_create = __getitem__

    def get(self, k, default=None):
        return self._d().get(map_key(k), default)

    def __contains__(self, k):
        return map_key(k) in self._d()

    def __len__(self):
        return len(self._d())

    def __iter__(self):
        return iter(self._d())

    def keys(self):
        return self._d().keys()

    def values(self):
        return self._d().values()

    def items(self):
        return self._d().items()

    def __setitem__(self, k, v):
        raise ValueError("Message objects may not be assigned")

    def setdefault(self, k, v=None):
        raise NotImplementedError("Set message map value directly is not supported.")

    def update(self, *args, **kwargs):
        raise NotImplementedError("Set message map value directly is not supported.")

    def __delitem__(self, k):
        k = map_key(k)
        if k not in self._d():
            raise KeyError("Key not present in map")
        self._m._touch()
        del self._d()[k]

    def pop(self, k, *default):
        k = map_key(k)
        if k not in self._d():
            if default:
                return default[0]
            raise KeyError(k)
        self._m._touch()
        return self._d().pop(k)

    def clear(self):
        self._m._touch()
        self._d().clear()

    def MergeFrom(self, other):
        self._m._touch()
        d = self._d()
        for k, v in other.items():
            d[k] = _check_msg(self._cls, v)

    def __eq__(self, other):
        if isinstance(other, MessageMap):
            return self._d() == other._d()
        if isinstance(other, dict):
            return self._d() == other
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in self._d().items()) + "}"


# ---- messages ------------------------------------------------------------------------------

_SCALARS = ("float", "int64", "bytes")


class _LazyDescriptor:
    """``cls.DESCRIPTOR``: the generated protobuf descriptor (needs protobuf)."""

    def __get__(self, obj, cls):
        return cls._pb_class().DESCRIPTOR


class Message:
    """Base class: the protobuf Python message API over ``_FIELDS``."""

    __slots__ = ("_p", "_unk")
    _FIELDS = ()  # (name, number, kind, cls, slot)
    _BY_NAME = {}
    _BY_NUM = {}
    _FULL = ""
    _PB = None  # (module in tensorflux._src.proto, class name)
    _ONEOF = None  # (oneof name, member names)
    DESCRIPTOR = _LazyDescriptor()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._FIELDS = tuple((n, num, k, c, "_" + n) for n, num, k, c in cls._FIELDS)
        cls._BY_NAME = {f[0]: f for f in cls._FIELDS}
        cls._BY_NUM = {f[1]: f for f in cls._FIELDS}
        for f in cls._FIELDS:
            setattr(cls, f[0], _field_property(f))

    def __init__(self, **kwargs):
        self._p = None
        self._unk = b""
        self._defaults()
        for k, v in kwargs.items():
            f = self._BY_NAME.get(k)
            if f is None:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{k}" field.')
            if v is not None:
                self._init_field(f, v)

    def _defaults(self):
        for _name, _num, kind, _c, slot in self._FIELDS:
            setattr(self, slot, [] if kind == "repmsg" else {} if kind == "map" else None)

    def _init_field(self, f, v):
        name, num, kind, c, slot = f
        if kind == "msg":
            setattr(self, slot, coerce(c, v))
            if self._ONEOF is not None:
                self._select(name)
        elif kind == "map":
            if not hasattr(v, "items"):
                raise TypeError(f"Field {self._FULL}.{name}: expected a dict, got {v!r}")
            setattr(self, slot, {map_key(k): coerce(c, x) for k, x in v.items()})
        else:
            try:
                it = iter(v)
            except TypeError:
                raise TypeError(f"Field {self._FULL}.{name}: must assign iterable, got "
                                f"{type(v).__name__}") from None
            setattr(self, slot, [coerce(c, x) for x in it])

    def _select(self, name):
        """Makes oneof member ``name`` the set one (other members are cleared)."""
        for other in self._ONEOF[1]:
            if other != name:
                setattr(self, "_" + other, None)
        self._kind = name

    def _touch(self):
        """Called before a mutation: a stub sub-message attaches itself to its parent."""
        p = self._p
        if p is not None:
            self._p = None
            parent, name = p
            parent._touch()
            if parent._ONEOF is not None and name in parent._ONEOF[1]:
                parent._select(name)
            setattr(parent, "_" + name, self)

    # -- copying -------------------------------------------------------------------------
    def _copy(self):
        cls = type(self)
        n = cls.__new__(cls)
        n._p = None
        n._unk = self._unk
        for _name, _num, kind, _c, slot in self._FIELDS:
            v = getattr(self, slot)
            if kind == "msg":
                setattr(n, slot, v._copy() if v is not None and v._p is None else None)
            elif kind == "map":
                setattr(n, slot, {k: x._copy() for k, x in v.items()})
            else:
                setattr(n, slot, [x._copy() for x in v])
        if self._ONEOF is not None:
            n._kind = self._kind
        return n

    def __deepcopy__(self, memo=None):
        return self._copy()

    __copy__ = __deepcopy__

    def CopyFrom(self, other):
        if other is self:
            return
        other = _same_class(type(self), other, "CopyFrom")
        self.Clear()
        self.MergeFrom(other)

    def MergeFrom(self, other):
        other = _same_class(type(self), other, "MergeFrom")
        self._touch()
        self._merge_msg(other)

    def _merge_msg(self, other):
        for name, _num, kind, c, slot in self._FIELDS:
            v = getattr(other, slot)
            if kind == "msg":
                if v is not None and v._p is None:
                    mine = getattr(self, slot)
                    if mine is None or mine._p is not None:
                        mine = c()
                        setattr(self, slot, mine)
                        if self._ONEOF is not None:
                            self._select(name)
                    mine._merge_msg(v)
            elif kind == "map":
                d = getattr(self, slot)
                for k, x in v.items():
                    d[k] = x._copy()
            else:
                getattr(self, slot).extend(x._copy() for x in v)
        self._unk += other._unk

    def Clear(self):
        self._unk = b""
        self._defaults()

    def ClearField(self, name):
        if self._ONEOF is not None and name == self._ONEOF[0]:
            if self._kind is not None:
                self.ClearField(self._kind)
            return
        f = self._field(name)
        kind = f[2]
        if kind == "msg":
            setattr(self, f[4], None)
            if self._ONEOF is not None and self._kind == name:
                self._kind = None
        else:
            setattr(self, f[4], {} if kind == "map" else [])

    def _field(self, name):
        f = self._BY_NAME.get(name)
        if f is None:
            raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')
        return f

    def HasField(self, name):
        if self._ONEOF is not None and name == self._ONEOF[0]:
            return self._kind is not None
        f = self._field(name)
        if f[2] != "msg":
            raise ValueError(f"Field {self._FULL}.{name} does not have presence.")
        v = getattr(self, f[4])
        return v is not None and v._p is None

    def WhichOneof(self, name):
        if self._ONEOF is not None and name == self._ONEOF[0]:
            return self._kind
        raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')

    def ListFields(self):
        """``[(FieldDescriptor, value)]`` of the set fields (needs protobuf)."""
        fields = self.DESCRIPTOR.fields_by_name
        out = []
        for name, _num, kind, _c, slot in self._FIELDS:
            v = getattr(self, slot)
            if kind == "msg":
                if v is not None and v._p is None:
                    out.append((fields[name], v))
            elif len(v):
                out.append((fields[name], getattr(self, name)))
        return out

    def IsInitialized(self, errors=None):
        return True

    def FindInitializationErrors(self):
        return []

    # -- wire format ---------------------------------------------------------------------
    def _emit(self, out, det):
        """Appends the encoded fields to ``out``; returns their byte count."""
        total = 0
        for _name, num, kind, _c, slot in self._FIELDS:
            v = getattr(self, slot)
            tag = _SMALL[(num << 3) | 2]
            if kind == "msg":
                if v is not None and v._p is None:
                    i = len(out)
                    out.append(b"")
                    n = v._emit(out, det)
                    h = tag + vb(n)
                    out[i] = h
                    total += len(h) + n
            elif kind == "map":
                for k, x in (sorted_entries(v, True) if det else v.items()):
                    kb = k.encode("utf-8")
                    i = len(out)
                    key = b"\x0a" + vb(len(kb)) + kb
                    out += (b"", key, b"")
                    n = x._emit(out, det)
                    vh = b"\x12" + vb(n)
                    out[i + 2] = vh
                    n += len(key) + len(vh)
                    h = tag + vb(n)
                    out[i] = h
                    total += len(h) + n
            else:
                for x in v:
                    i = len(out)
                    out.append(b"")
                    n = x._emit(out, det)
                    h = tag + vb(n)
                    out[i] = h
                    total += len(h) + n
        if self._unk:
            out.append(self._unk)
            total += len(self._unk)
        return total

    def SerializeToString(self, deterministic=False):
        out = []
        self._emit(out, deterministic)
        return b"".join(out)

    def SerializePartialToString(self, deterministic=False):
        return self.SerializeToString(deterministic)

    def ByteSize(self):
        return self._emit([], False)

    def MergeFromString(self, serialized):
        buf = serialized if isinstance(serialized, bytes) else bytes(serialized)
        self._touch()
        try:
            self._merge_wire(buf, 0, len(buf))
        except (WireError, IndexError):
            raise decode_error(self._FULL) from None
        except UnicodeDecodeError:
            raise decode_error(self._FULL, "String field had bad UTF-8") from None
        return len(buf)

    def ParseFromString(self, serialized):
        self.Clear()
        return self.MergeFromString(serialized)

    @classmethod
    def FromString(cls, serialized):
        m = cls()
        m.MergeFromString(serialized)
        return m

    def _merge_wire(self, buf, a, b):
        unk = []
        for fn, wt, x, y, t0 in read_fields(buf, a, b):
            f = self._BY_NUM.get(fn)
            if f is None or wt != 2:
                unk.append(buf[t0:y])
                continue
            name, num, kind, c, slot = f
            if kind == "msg":
                child = getattr(self, slot)
                if child is None or child._p is not None:
                    child = c()
                    setattr(self, slot, child)
                    if self._ONEOF is not None:
                        self._select(name)
                child._merge_wire(buf, x, y)
            elif kind == "repmsg":
                child = c()
                child._merge_wire(buf, x, y)
                getattr(self, slot).append(child)
            else:
                key, child = "", None
                for efn, ewt, ex, ey, _ in read_fields(buf, x, y):
                    if ewt == 2 and efn == 1:
                        key = buf[ex:ey].decode("utf-8")
                    elif ewt == 2 and efn == 2:
                        if child is None:
                            child = c()
                        child._merge_wire(buf, ex, ey)
                getattr(self, slot)[key] = c() if child is None else child
        if unk:
            self._unk += b"".join(unk)

    # -- Python protocol -----------------------------------------------------------------
    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def _key(self):
        out = [self._unk]
        for _name, _num, kind, _c, slot in self._FIELDS:
            v = getattr(self, slot)
            if kind == "msg":
                out.append(v if v is not None and v._p is None else None)
            else:
                out.append(v)
        return out

    __hash__ = None

    def __str__(self):
        out = []
        self._text(out, "")
        return "".join(out)

    __repr__ = __str__

    def _text(self, out, ind):
        for name, _num, kind, _c, slot in self._FIELDS:
            v = getattr(self, slot)
            if kind == "msg":
                if v is not None and v._p is None:
                    out.append(f"{ind}{name} {{\n")
                    v._text(out, ind + "  ")
                    out.append(f"{ind}}}\n")
            elif kind == "map":
                for k, x in sorted_entries(v):
                    key = fmt_bytes(k.encode("utf-8"), False)
                    out.append(f'{ind}{name} {{\n{ind}  key: "{key}"\n{ind}  value {{\n')
                    x._text(out, ind + "    ")
                    out.append(f"{ind}  }}\n{ind}}}\n")
            else:
                for x in v:
                    out.append(f"{ind}{name} {{\n")
                    x._text(out, ind + "  ")
                    out.append(f"{ind}}}\n")

    def __reduce__(self):
        return type(self).FromString, (self.SerializeToString(),)

    # -- protobuf interop ----------------------------------------------------------------
    @classmethod
    def _pb_class(cls):
        import importlib

        try:
            mod = importlib.import_module(f"tensorflux._src.proto.{cls._PB[0]}")
        except ImportError as e:  # pragma: no cover - protobuf is installed in dev
            raise ImportError(f"{cls.__name__}.DESCRIPTOR / to_protobuf() need protobuf: "
                              "pip install tensorflux[io]") from e
        return getattr(mod, cls._PB[1])

    def to_protobuf(self):
        """This message as a real protobuf (upb) message of the generated class."""
        return self._pb_class().FromString(self.SerializeToString())

    @classmethod
    def from_protobuf(cls, message):
        """A copy of a protobuf message (or anything with SerializeToString) of this type."""
        return cls.FromString(message.SerializeToString())


class ScalarList(Message):
    """Base of BytesList/FloatList/Int64List: one repeated scalar field ``value`` = 1."""

    __slots__ = ("_value", "_shared")

    def __init__(self, *, value=None, **kwargs):
        self._p = None
        self._unk = b""
        self._shared = False
        if kwargs:
            for k in kwargs:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{k}" field.')
        self._value = [] if value is None else self._conv_store(value)

    def _defaults(self):
        self._value = []
        self._shared = False

    def _mlist(self):
        """The value list, ready for an in-place change (copies a list shared with a copy)."""
        self._touch()
        v = self._vals()
        if self._shared:
            v = self._value = v.copy()
            self._shared = False
        return v

    def _vals(self):
        v = self._value
        if type(v) is not list:
            v = self._value = v.tolist()
            self._shared = False
        return v

    def _copy(self):
        n = object.__new__(type(self))
        n._p = None
        n._unk = self._unk
        n._value = self._value  # shared until one side changes it in place (_mlist)
        n._shared = self._shared = True
        return n

    def _merge_msg(self, other):
        self._mlist().extend(other._vals())
        self._unk += other._unk

    def _key(self):
        return [self._unk, self._vals()]

    def _emit(self, out, det):
        v = self._value
        if not len(v):
            if self._unk:
                out.append(self._unk)
            return len(self._unk)
        h, p = self._payload(v)
        out += (h, p)
        n = len(h) + len(p)
        if self._unk:
            out.append(self._unk)
            n += len(self._unk)
        return n

    def _payload(self, v):
        p = self._packed(v)
        return b"\x0a" + vb(len(p)), p

    def ClearField(self, name):
        self._field(name)
        self._defaults()

    def ListFields(self):
        if not len(self._value):
            return []
        return [(self.DESCRIPTOR.fields_by_name["value"], self.value)]

    def _text(self, out, ind):
        fmt = self._fmt
        out += [f"{ind}value: {fmt(x)}\n" for x in self._vals()]


def _field_property(f):
    name, num, kind, cls, slot = f
    if kind in _SCALARS:
        def get(self):
            return RepeatedScalarContainer(self)
    elif kind == "msg":
        def get(self):
            v = getattr(self, slot)
            if v is None:
                v = cls()
                v._p = (self, name)
                setattr(self, slot, v)
            return v
    elif kind == "map":
        def get(self):
            return MessageMap(self, slot, cls)
    else:
        def get(self):
            return RepeatedCompositeContainer(self, slot, cls)

    what = "message" if kind == "msg" else "map, or repeated"

    def set_(self, v):
        raise AttributeError(f'Assignment not allowed to {what} field "{name}" in protocol '
                             "message object.")

    return property(get, set_)


def _same_class(cls, other, what):
    if type(other) is cls:
        return other
    if _is_pb(cls, other):
        return cls.FromString(other.SerializeToString())
    raise TypeError(f"Parameter to {what}() must be instance of same class: expected "
                    f"{cls!r} got {type(other)!r}.")


def _is_pb(cls, v):
    d = getattr(type(v), "DESCRIPTOR", None)
    return d is not None and getattr(d, "full_name", None) == cls._FULL and \
        hasattr(v, "SerializeToString")


def coerce(cls, v):
    """A message field's value from a message (copied), a dict of kwargs or a protobuf one."""
    if type(v) is cls:
        return v._copy()
    if isinstance(v, dict):
        return cls(**v)
    if _is_pb(cls, v):
        return cls.FromString(v.SerializeToString())
    raise TypeError("Parameter to initialize message field must be dict or instance of same "
                    f"class: expected {cls!r} got {type(v)!r}.")
