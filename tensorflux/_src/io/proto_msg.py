"""A small pure-Python protobuf message runtime (proto3, the field kinds tf.train needs).

Messages declare ``_FIELDS``: ``(name, number, kind, cls)`` with kind ``float``/``int64``/
``bytes`` (packed-or-not repeated scalars), ``msg`` (singular sub-message), ``repmsg``
(repeated messages) or ``map`` (``map<string, cls>``). Behaviour follows the upb classes
(protobuf's C runtime): unset sub-messages are stubs that attach to their parent on first
mutation, messages passed to constructors/containers are copied, unknown fields are kept and
re-serialized. Float values are stored as given and rounded to float32 (and type-checked) on
first read or serialization. NumPy only; protobuf is imported lazily for ``DESCRIPTOR``,
``ListFields`` and ``to_protobuf``. Values and wire format live in ``proto_wire``, the
repeated and map containers in ``proto_containers``.
"""

from tensorflux._src.io.example_wire import WireError
from tensorflux._src.io.proto_containers import (MessageMap, RepeatedCompositeContainer,
                                                 RepeatedScalarContainer)
from tensorflux._src.io.proto_wire import (_SMALL, decode_error, fmt_bytes, map_key,
                                           read_fields, sorted_entries, vb)

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
