"""``tf.train.Example`` and friends as pure-Python messages (``feature.proto``/``example.proto``).

Wire- and text-compatible with the protobuf classes (same bytes as upb's
``SerializeToString``; ``str()`` is protobuf text format). Built for the dataset-writing loop:
a ``FloatList`` keeps the given list (copied) or NumPy array and packs it with one ``struct``
call when serialized; values are float32-rounded and type-checked on first read or
serialization (a bad value raises ``TypeError`` naming the field then, not at construction).
Int64 and bytes values are checked at once, like protobuf.
"""

import struct

import numpy as np

from tensorflux._src.io import proto_wire as pw
from tensorflux._src.io.proto_msg import Message, ScalarList, coerce
from tensorflux._src.io.proto_wire import read_fields

__all__ = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
           "FeatureLists", "Example", "SequenceExample"]


def _iterable(v, field):
    try:
        return iter(v)
    except TypeError:
        raise TypeError(f"Field {field}: must assign iterable, got {type(v).__name__}") from None


class FloatList(ScalarList):
    """Values are float32-rounded (and type-checked) when given; a list is packed at once
    (one ``struct`` call) and kept as a read-only float32 array until changed in place."""

    __slots__ = ()
    _FIELDS = (("value", 1, "float", None),)
    _FULL = "tensorflow.FloatList"
    _PB = ("feature_pb2", "FloatList")
    _fmt = staticmethod(pw.fmt_float)

    def __init__(self, *, value=None, **kwargs):
        self._p = None
        self._unk = b""
        self._shared = False
        if kwargs:
            ScalarList.__init__(self, **kwargs)
        if type(value) is list and value:
            s = _FSTRUCTS.get(len(value)) or pw.fstruct(len(value))
            try:
                self._value = np.frombuffer(s.pack(*value), "<f4")
            except (struct.error, OverflowError, TypeError):
                self._value = np.array(pw.round_floats(value, self._FULL), "<f4")
        elif value is None:
            self._value = []
        else:
            self._value = self._conv_store(value)

    def _conv_store(self, v):
        if isinstance(v, np.ndarray):
            if v.ndim != 1:
                raise TypeError(f"Field {self._FULL}: expected a 1-D array or a list of "
                                f"numbers, got an array of shape {v.shape}")
            if v.dtype.kind in "fiub":
                with np.errstate(over="ignore"):
                    return v.astype("<f4")
            if v.dtype.kind != "O":
                raise TypeError(f"Field {self._FULL}: must be real number, not {v.dtype} "
                                "values")
        return pw.round_floats(list(_iterable(v, self._FULL)), self._FULL)

    def _conv_list(self, v):
        out = self._conv_store(v)
        return out if type(out) is list else out.tolist()

    def _conv_one(self, x):
        return pw._f32(x, self._FULL)

    def _packed(self, v):
        if type(v) is list:
            return pw.fstruct(len(v)).pack(*v)
        return v.tobytes()

    def _merge_wire(self, buf, a, b):
        vals, unk = [], []
        for fn, wt, x, y, t0 in read_fields(buf, a, b):
            if fn == 1 and wt == 2:
                if (y - x) % 4:
                    raise pw.WireError("packed float run is not a multiple of 4 bytes")
                vals += np.frombuffer(buf, "<f4", (y - x) // 4, x).tolist()
            elif fn == 1 and wt == 5:
                vals.append(pw._F1.unpack_from(buf, x)[0])
            else:
                unk.append(buf[t0:y])
        if vals:
            if not len(self._value):
                self._touch()
                self._value = np.array(vals, "<f4")
            else:
                self._mlist().extend(vals)
        if unk:
            self._unk += b"".join(unk)


class Int64List(ScalarList):
    __slots__ = ()
    _FIELDS = (("value", 1, "int64", None),)
    _FULL = "tensorflow.Int64List"
    _PB = ("feature_pb2", "Int64List")
    _fmt = staticmethod(str)

    def __init__(self, *, value=None, **kwargs):
        self._p = None
        self._unk = b""
        self._shared = False
        if kwargs:
            ScalarList.__init__(self, **kwargs)
        if type(value) is list:
            v = value.copy()
            for x in v:
                if type(x) is not int:
                    v = pw.check_ints(v, self._FULL)
                    break
            else:
                if v and (min(v) < pw._I64MIN or max(v) > pw._I64MAX):
                    v = pw.check_ints(v, self._FULL)
            self._value = v
        else:
            self._value = [] if value is None else self._conv_store(value)

    def _conv_store(self, v):
        if isinstance(v, np.ndarray):
            if v.ndim != 1:
                raise TypeError(f"Field {self._FULL}: expected a 1-D array or a list of ints, "
                                f"got an array of shape {v.shape}")
            return pw.int_array(v, self._FULL)
        return pw.check_ints(_iterable(v, self._FULL), self._FULL)

    def _conv_list(self, v):
        out = self._conv_store(v)
        return out if type(out) is list else out.tolist()

    def _conv_one(self, x):
        return pw._i64(x, self._FULL)

    def _packed(self, v):
        if len(v) == 1 and 0 <= v[0] < 128:
            return _SMALL[v[0]]
        return pw.varints_payload(v)

    def _merge_wire(self, buf, a, b):
        vals, unk = [], []
        for fn, wt, x, y, t0 in read_fields(buf, a, b):
            if fn == 1 and wt == 2:
                vals += pw.decode_ints(buf, x, y)
            elif fn == 1 and wt == 0:
                vals.append(x - (1 << 64) if x > pw._I64MAX else x)
            else:
                unk.append(buf[t0:y])
        if vals:
            self._mlist().extend(vals)
        if unk:
            self._unk += b"".join(unk)


class BytesList(ScalarList):
    __slots__ = ()
    _FIELDS = (("value", 1, "bytes", None),)
    _FULL = "tensorflow.BytesList"
    _PB = ("feature_pb2", "BytesList")

    @staticmethod
    def _fmt(x):
        return '"' + pw.fmt_bytes(x) + '"'

    def _conv_store(self, v):
        return pw.check_bytes(_iterable(v, self._FULL), self._FULL)

    _conv_list = _conv_store

    def _conv_one(self, x):
        return pw.check_bytes((x,), self._FULL)[0]

    def _payload(self, v):
        parts = []
        for x in v:
            parts += (b"\x0a", pw.vb(len(x)), x)
        return b"", b"".join(parts)

    def _merge_wire(self, buf, a, b):
        vals, unk = [], []
        for fn, wt, x, y, t0 in read_fields(buf, a, b):
            if fn == 1 and wt == 2:
                vals.append(buf[x:y])
            else:
                unk.append(buf[t0:y])
        if vals:
            self._mlist().extend(vals)
        if unk:
            self._unk += b"".join(unk)


_new = object.__new__
_ndarray = np.ndarray
_FSTRUCTS = pw._FSTRUCTS
_SMALL = pw._SMALL
_HDR = {}  # payload length -> the Feature/list length prefix
_KEYS = {}  # map key -> its encoded ``key`` field
_vb = pw.vb
_MEMBERS = ("bytes_list", "float_list", "int64_list")
_TAGS = {"bytes_list": b"\x0a", "float_list": b"\x12", "int64_list": b"\x1a"}


class Feature(Message):
    __slots__ = ("_bytes_list", "_float_list", "_int64_list", "_kind")
    _FIELDS = (("bytes_list", 1, "msg", BytesList), ("float_list", 2, "msg", FloatList),
               ("int64_list", 3, "msg", Int64List))
    _ONEOF = ("kind", _MEMBERS)
    _FULL = "tensorflow.Feature"
    _PB = ("feature_pb2", "Feature")

    def __init__(self, *, bytes_list=None, float_list=None, int64_list=None, **kwargs):
        self._p = None
        self._unk = b""
        self._bytes_list = self._float_list = self._int64_list = self._kind = None
        if kwargs:
            Message.__init__(self, **kwargs)
        if float_list is not None:
            self._float_list = (float_list._copy() if type(float_list) is FloatList
                                else coerce(FloatList, float_list))
            self._kind = "float_list"
        if int64_list is not None:
            self._int64_list = (int64_list._copy() if type(int64_list) is Int64List
                                else coerce(Int64List, int64_list))
            if self._kind is not None:
                self._float_list = None
            self._kind = "int64_list"
        if bytes_list is not None:
            self._bytes_list = (bytes_list._copy() if type(bytes_list) is BytesList
                                else coerce(BytesList, bytes_list))
            if self._kind is not None:
                self._float_list = self._int64_list = None
            self._kind = "bytes_list"

    def _defaults(self):
        self._bytes_list = self._float_list = self._int64_list = self._kind = None

    def _copy(self):
        n = _new(Feature)
        n._p = None
        n._unk = self._unk
        n._bytes_list = n._float_list = n._int64_list = None
        k = n._kind = self._kind
        if k == "float_list":
            n._float_list = self._float_list._copy()
        elif k == "int64_list":
            n._int64_list = self._int64_list._copy()
        elif k is not None:
            n._bytes_list = self._bytes_list._copy()
        return n

    def _emit(self, out, det):
        k = self._kind
        n = 0
        if k is not None:
            c = getattr(self, "_" + k)
            v = c._value
            if len(v) and not c._unk and k != "bytes_list":  # usual case: one packed list
                p = v.tobytes() if type(v) is _ndarray else c._packed(v)
                n = len(p)
                h = _HDR.get(n)
                if h is None:
                    h = _vb(n)
                    h = _vb(n + 1 + len(h)) + b"\x0a" + h
                    if len(_HDR) < 4096:
                        _HDR[n] = h
                h = _TAGS[k] + h
                out += (h, p)
                n += len(h)
            else:
                i = len(out)
                out.append(b"")
                n = c._emit(out, det)
                h = _TAGS[k] + pw.vb(n)
                out[i] = h
                n += len(h)
        if self._unk:
            out.append(self._unk)
            n += len(self._unk)
        return n


class Features(Message):
    __slots__ = ("_feature",)
    _FIELDS = (("feature", 1, "map", Feature),)
    _FULL = "tensorflow.Features"
    _PB = ("feature_pb2", "Features")

    def __init__(self, *, feature=None, **kwargs):
        self._p = None
        self._unk = b""
        self._feature = {}
        if kwargs:
            Message.__init__(self, **kwargs)
        if type(feature) is dict:
            d = self._feature
            for k, v in feature.items():
                if type(k) is not str:
                    k = pw.map_key(k)
                d[k] = v._copy() if type(v) is Feature else coerce(Feature, v)
        elif feature is not None:
            self._init_field(self._FIELDS[0], feature)

    def _copy(self):
        n = _new(Features)
        n._p = None
        n._unk = self._unk
        n._feature = {k: f._copy() for k, f in self._feature.items()}
        return n

    def _emit(self, out, det):
        total = 0
        d = self._feature
        for k, f in (pw.sorted_entries(d, True) if det and len(d) > 1 else d.items()):
            kh = _KEYS.get(k)
            if kh is None:
                kb = k.encode("utf-8")
                kh = b"\x0a" + _vb(len(kb)) + kb + b"\x12"
                if len(_KEYS) < 4096:
                    _KEYS[k] = kh
            i = len(out)
            out.append(b"")
            n = f._emit(out, det)
            kv = kh + _vb(n)
            n += len(kv)
            out[i] = h = b"\x0a" + _vb(n) + kv
            total += n + len(h) - len(kv)
        if self._unk:
            out.append(self._unk)
            total += len(self._unk)
        return total


class FeatureList(Message):
    __slots__ = ("_feature",)
    _FIELDS = (("feature", 1, "repmsg", Feature),)
    _FULL = "tensorflow.FeatureList"
    _PB = ("feature_pb2", "FeatureList")


class FeatureLists(Message):
    __slots__ = ("_feature_list",)
    _FIELDS = (("feature_list", 1, "map", FeatureList),)
    _FULL = "tensorflow.FeatureLists"
    _PB = ("feature_pb2", "FeatureLists")


class Example(Message):
    __slots__ = ("_features",)
    _FIELDS = (("features", 1, "msg", Features),)
    _FULL = "tensorflow.Example"
    _PB = ("example_pb2", "Example")

    def __init__(self, *, features=None, **kwargs):
        self._p = None
        self._unk = b""
        self._features = None
        if kwargs:
            Message.__init__(self, **kwargs)
        if features is not None:
            self._features = (features._copy() if type(features) is Features
                              else coerce(Features, features))

    def _emit(self, out, det):
        f = self._features
        n = 0
        if f is not None and f._p is None:
            i = len(out)
            out.append(b"")
            n = f._emit(out, det)
            h = out[i] = b"\x0a" + _vb(n)
            n += len(h)
        if self._unk:
            out.append(self._unk)
            n += len(self._unk)
        return n


class SequenceExample(Message):
    __slots__ = ("_context", "_feature_lists")
    _FIELDS = (("context", 1, "msg", Features), ("feature_lists", 2, "msg", FeatureLists))
    _FULL = "tensorflow.SequenceExample"
    _PB = ("example_pb2", "SequenceExample")
