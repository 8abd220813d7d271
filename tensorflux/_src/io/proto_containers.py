"""The containers of the pure-Python protobuf runtime (``proto_msg``): repeated scalars,
repeated messages and ``map<string, Message>``, with protobuf's behaviours (copies on
insertion, a missing map key on ``[]`` inserts a default message)."""

from tensorflux._src.io.proto_wire import map_key

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
    if not hasattr(type(v), "_FIELDS"):   # not a message of this runtime
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
