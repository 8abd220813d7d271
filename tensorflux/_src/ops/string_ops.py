"""tf.strings: string tensors are NumPy object arrays of Python ``bytes``.

Every op here is a primitive with TensorFlow's raw-op name; none has a gradient.
Ops that return ragged results (split, unicode_decode, ngrams) return the
``RaggedTensor`` built from the op's flat outputs, as TensorFlow does.
"""

from __future__ import annotations

import re
import struct

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_ND = NOT_DIFFERENTIABLE
_S = ("input: string",)


def _smap(fn, x, dtype=object):
    """Apply ``fn`` to every element of an object array; keep the shape."""
    a = np.asarray(x, dtype=object)
    flat = [fn(v) for v in a.reshape(-1)]
    if dtype is object:
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
    else:
        out = np.array(flat, dtype=dtype).reshape(len(flat))
    return out.reshape(a.shape)


def _obj(values, shape=None):
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out if shape is None else out.reshape(shape)


def _str(x, name="input"):
    t = tensor(x, dtype_hint=_dt.string)
    if t.dtype is not _dt.string:
        raise TypeError(f"{name} must be a string tensor, got {t.dtype.name}")
    return t


def _def(name, kernel, inputs=_S, outputs=("output: string",), **kw):
    kw.setdefault("infer", u.infer_same)
    return defop(name, kernel, inputs=inputs, outputs=outputs, grad=_ND, **kw)


def _check_unit(unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")


# ---- elementwise -------------------------------------------------------------------------------

def _decode(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidArgumentError(None, None, f"Invalid UTF-8 string: {b!r}") from None


STRING_LENGTH = _def(
    "StringLength",
    lambda x, unit="BYTE": _smap(len if unit == "BYTE" else (lambda b: len(_decode(b))), x,
                                 np.int32),
    outputs=("output: int32",), attrs={"unit": "BYTE"})
STRING_LOWER = _def("StringLower", lambda x, encoding="": _smap(
    (lambda b: b.lower()) if not encoding else (lambda b: _decode(b).lower().encode()), x),
    attrs={"encoding": ""})
STRING_UPPER = _def("StringUpper", lambda x, encoding="": _smap(
    (lambda b: b.upper()) if not encoding else (lambda b: _decode(b).upper().encode()), x),
    attrs={"encoding": ""})
STRING_STRIP = _def("StringStrip", lambda x: _smap(lambda b: b.strip(b" \t\n\r\f\v"), x))


def length(input, unit="BYTE", name=None):  # noqa: A002 - TensorFlow's argument name
    """Length of each string in bytes or UTF-8 characters (``tf.strings.length``).

    Example:
        >>> tf.strings.length(["hi", "héllo"], unit="UTF8_CHAR").numpy()
        array([2, 5], dtype=int32)
    """
    _check_unit(unit)
    return execute(STRING_LENGTH, (_str(input),), None if unit == "BYTE" else {"unit": unit},
                   name)


def lower(input, encoding="", name=None):  # noqa: A002
    """Lower-cases every string; ASCII only unless ``encoding='utf-8'`` (``tf.strings.lower``).

    Example:
        >>> tf.strings.lower("CamelCase").numpy()
        b'camelcase'
    """
    return execute(STRING_LOWER, (_str(input),), {"encoding": encoding} if encoding else None,
                   name)


def upper(input, encoding="", name=None):  # noqa: A002
    """Upper-cases every string (``tf.strings.upper``).

    Example:
        >>> tf.strings.upper("abc").numpy()
        b'ABC'
    """
    return execute(STRING_UPPER, (_str(input),), {"encoding": encoding} if encoding else None,
                   name)


def strip(input, name=None):  # noqa: A002
    """Strips leading and trailing whitespace (``tf.strings.strip``).

    Example:
        >>> tf.strings.strip("  hi \\n").numpy()
        b'hi'
    """
    return execute(STRING_STRIP, (_str(input),), None, name)


def _join_kernel(inputs, separator=""):
    sep = separator.encode() if isinstance(separator, str) else separator
    arrs = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in inputs])
    shape = arrs[0].shape
    flat = [a.reshape(-1) for a in arrs]
    return _obj([sep.join(parts) for parts in zip(*flat)], shape)


def _join_infer(ic):
    out = ()
    for s in ic.shapes[0]:
        out = u.broadcast_shapes(out, s)
    return out


STRING_JOIN = _def("StringJoin", _join_kernel, inputs=("inputs: N*string",),
                   attrs={"separator": ""}, infer=_join_infer)


def join(inputs, separator="", name=None):
    """Joins a list of string tensors elementwise (``tf.strings.join``).

    Example:
        >>> tf.strings.join(["a", "b"], separator="-").numpy()
        b'a-b'
    """
    ts = [_str(x) for x in inputs]
    return execute(STRING_JOIN, (ts,), {"separator": separator} if separator else None, name)


def _reduce_join_kernel(x, axes, keep_dims=False, separator=""):
    sep = separator.encode() if isinstance(separator, str) else separator
    x = np.asarray(x, dtype=object)
    r = x.ndim
    ax = sorted({int(a) % r for a in np.asarray(axes).reshape(-1)}) if r else []
    keep = [i for i in range(r) if i not in ax]
    moved = np.transpose(x, keep + ax)
    out_shape = tuple(x.shape[i] for i in keep)
    flat = moved.reshape(out_shape + (-1,)) if moved.size or not ax else \
        np.empty(out_shape + (0,), dtype=object)
    res = _obj([sep.join(row) for row in flat.reshape(-1, flat.shape[-1])], out_shape)
    if keep_dims:
        res = res.reshape(tuple(1 if i in ax else d for i, d in enumerate(x.shape)))
    return res


REDUCE_JOIN = _def("ReduceJoin", _reduce_join_kernel,
                   inputs=("inputs: string", "reduction_indices: int32"),
                   attrs={"keep_dims": False, "separator": ""}, infer=u.infer_reduce)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins strings across dimensions (``tf.strings.reduce_join``).

    Example:
        >>> tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=",").numpy()
        array([b'a,b', b'c,d'], dtype=object)
    """
    x = _str(inputs)
    if axis is None:
        r = x.shape.rank
        axis = list(range(r)) if r is not None else None
        if axis is None:
            from tensorflux._src.ops import array_ops
            axis = array_ops.range(0, array_ops.rank(x))
    ax = tensor(axis, dtype=_dt.int32) if not isinstance(axis, (int, list, tuple)) else \
        tensor(np.asarray(axis, np.int32))
    attrs = {}
    if keepdims:
        attrs["keep_dims"] = True
    if separator:
        attrs["separator"] = separator
    return execute(REDUCE_JOIN, (x, ax), attrs or None, name)


# ---- regex -------------------------------------------------------------------------------------

def _pattern(p):
    p = bytes(np.asarray(p, dtype=object).reshape(()).item())
    try:
        return re.compile(p)
    except re.error as e:
        raise errors.InvalidArgumentError(None, None, f"Invalid pattern: {p!r}, error: {e}") \
            from None


def _rewrite(rw):
    rw = bytes(np.asarray(rw, dtype=object).reshape(()).item())
    # RE2 writes the whole match as \0; Python spells it \g<0>.
    return re.sub(rb"\\0", rb"\\g<0>", rw)


def _regex_replace_kernel(x, pattern, rewrite, replace_global=True):
    pat, rw = _pattern(pattern), _rewrite(rewrite)
    return _smap(lambda b: pat.sub(rw, b, count=0 if replace_global else 1), x)


REGEX_REPLACE = _def("RegexReplace", _regex_replace_kernel,
                     inputs=("input: string", "pattern: string", "rewrite: string"),
                     attrs={"replace_global": True})
REGEX_FULL_MATCH = _def(
    "RegexFullMatch",
    lambda x, p: _smap(lambda b, c=_pattern(p): c.fullmatch(b) is not None, x, np.bool_),
    inputs=("input: string", "pattern: string"), outputs=("output: bool",))


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replaces matches of a regular expression (``tf.strings.regex_replace``).

    ``\\1`` in ``rewrite`` refers to a group, ``\\0`` to the whole match (RE2 syntax).

    Example:
        >>> tf.strings.regex_replace("a1b22", r"\\d+", "#").numpy()
        b'a#b#'
    """
    return execute(REGEX_REPLACE, (_str(input), _str(pattern), _str(rewrite)),
                   None if replace_global else {"replace_global": False}, name)


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """True where the whole string matches ``pattern`` (``tf.strings.regex_full_match``).

    Example:
        >>> tf.strings.regex_full_match(["ab", "abc"], "a.").numpy()
        array([ True, False])
    """
    return execute(REGEX_FULL_MATCH, (_str(input), _str(pattern)), None, name)


# ---- substr ------------------------------------------------------------------------------------

def _substr_kernel(x, pos, ln, unit="BYTE"):
    xs, ps, ls = np.broadcast_arrays(np.asarray(x, dtype=object), np.asarray(pos),
                                     np.asarray(ln))
    out = []
    for b, p, n in zip(xs.reshape(-1), ps.reshape(-1), ls.reshape(-1)):
        s = b if unit == "BYTE" else _decode(b)
        p, n = int(p), int(n)
        if p > len(s) or p < -len(s):
            raise errors.InvalidArgumentError(
                None, None, f"pos {p} out of range for string b'{b!r}' at index 0")
        if p < 0:
            p += len(s)
        r = s[p:p + max(n, 0)]
        out.append(r if unit == "BYTE" else r.encode("utf-8"))
    return _obj(out, xs.shape)


def _substr_infer(ic):
    return u.broadcast_shapes(u.broadcast_shapes(ic.shapes[0], ic.shapes[1]), ic.shapes[2])


SUBSTR = _def("Substr", _substr_kernel, inputs=("input: string", "pos: T", "len: T"),
              types={"T": u.INDEX}, attrs={"unit": "BYTE"}, infer=_substr_infer)


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002
    """Substrings starting at ``pos`` of length ``len`` (``tf.strings.substr``).

    Example:
        >>> tf.strings.substr("Hello", 1, 3).numpy()
        b'ell'
    """
    _check_unit(unit)
    pos = tensor(pos)
    ln = tensor(len, dtype=pos.dtype)
    return execute(SUBSTR, (_str(input), pos, ln), None if unit == "BYTE" else {"unit": unit},
                   name)


# ---- conversions -------------------------------------------------------------------------------

def _to_number_kernel(x, out_type=_dt.float32):
    npdt = out_type.np_dtype

    def conv(b):
        s = b.decode("utf-8", "replace").strip()
        try:
            if out_type.is_integer:
                v = int(s, 10)
                info = np.iinfo(npdt)
                if not info.min <= v <= info.max:
                    raise ValueError
                return v
            return float(s)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"StringToNumberOp could not correctly convert string: {b.decode()}"
            ) from None

    return _smap(conv, x, npdt)


STRING_TO_NUMBER = _def("StringToNumber", _to_number_kernel, inputs=("string_tensor: string",),
                        outputs=("output: out_type",),
                        types={"out_type": (_dt.float32, _dt.float64, _dt.int32, _dt.int64)},
                        attrs={})


def to_number(input, out_type=_dt.float32, name=None):  # noqa: A002
    """Parses each string as a number of ``out_type`` (``tf.strings.to_number``).

    Example:
        >>> tf.strings.to_number(["1.5", "-2"]).numpy()
        array([ 1.5, -2. ], dtype=float32)
    """
    out_type = _dt.as_dtype(out_type)
    return execute(STRING_TO_NUMBER, (_str(input),), {"out_type": out_type}, name)


def _as_string_kernel(x, precision=-1, scientific=False, shortest=False, width=-1, fill=""):
    kind = x.dtype.kind
    flags = fill if fill else ""
    w = str(width) if width > -1 else ""
    if kind == "f" or kind == "c":
        prec = f".{precision}" if precision > -1 else ""
        code = "e" if scientific else ("g" if shortest else "f")
        if kind == "c":
            fmt = "(%" + flags + w + prec + code + ",%" + flags + w + prec + code + ")"
            return _smap(lambda v: (fmt % (v.real, v.imag)).encode(), x)
        fmt = "%" + flags + w + prec + code
        return _smap(lambda v: (fmt % v).encode(), x)
    if kind == "b":
        return _smap(lambda v: (b"true" if v else b"false"), x)
    if kind == "O":
        return _smap(lambda v: ("%" + flags + w + "s") % v.decode(), x).astype(object)
    fmt = "%" + flags + w + "d"
    return _smap(lambda v: (fmt % int(v)).encode(), x)


AS_STRING = _def("AsString", _as_string_kernel, inputs=("input: T",),
                 types={"T": u.NUMERIC + (_dt.bool, _dt.string)},
                 attrs={"precision": -1, "scientific": False, "shortest": False, "width": -1,
                        "fill": ""})


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1,  # noqa: A002
              fill="", name=None):
    """Formats each number as a string (``tf.strings.as_string``).

    Example:
        >>> tf.strings.as_string([3.14159, 2.0], precision=2).numpy()
        array([b'3.14', b'2.00'], dtype=object)
    """
    x = tensor(input)
    if fill and (len(fill) > 1 or fill not in " 0"):
        raise ValueError(f"Fill argument not supported: \"{fill}\"")
    if scientific and shortest:
        raise ValueError("Cannot select both scientific and shortest notation")
    if x.dtype.is_integer and precision > -1:
        raise ValueError("precision not supported for datatype " + x.dtype.name)
    attrs = {k: v for k, v in (("precision", precision), ("scientific", scientific),
                               ("shortest", shortest), ("width", width), ("fill", fill))
             if v != AS_STRING.attrs[k]}
    return execute(AS_STRING, (x,), attrs or None, name)


def _fmt_value(v, summarize):
    a = np.asarray(v)
    if a.dtype.kind == "O":
        a = _smap(lambda b: b.decode("utf-8", "replace"), a)
        fmt = str
    elif a.dtype.kind == "f":
        def fmt(e):
            return f"{e:g}"
    elif a.dtype.kind == "b":
        def fmt(e):
            return "1" if e else "0"
    else:
        fmt = str

    def rec(x):
        if x.ndim == 0:
            return fmt(x[()])
        n = x.shape[0]
        if summarize >= 0 and n > 2 * summarize:
            items = [rec(x[i]) for i in range(summarize)] + ["..."] + \
                [rec(x[i]) for i in range(n - summarize, n)]
        else:
            items = [rec(x[i]) for i in range(n)]
        sep = " " if x.ndim == 1 else "\n" + " " * 0
        return "[" + sep.join(items) + "]"

    return rec(a)


def _format_kernel(inputs, template="%s", placeholder="%s", summarize=3):
    parts = template.split(placeholder)
    if len(parts) - 1 != len(inputs):
        raise errors.InvalidArgumentError(
            None, None, f"{len(parts) - 1} placeholders in template vs. {len(inputs)} inputs")
    out = parts[0]
    for v, p in zip(inputs, parts[1:]):
        out += _fmt_value(v, summarize) + p
    return _obj([out.encode("utf-8")], ())


STRING_FORMAT = _def("StringFormat", _format_kernel, inputs=("inputs: list",),
                     attrs={"template": "%s", "placeholder": "%s", "summarize": 3},
                     infer=u.infer_scalar)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """Formats tensors into a scalar string template (``tf.strings.format``).

    Example:
        >>> tf.strings.format("x={} y={}", (1, [1.5, 2.0])).numpy()
        b'x=1 y=[1.5 2]'
    """
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    ts = [tensor(x) for x in inputs]
    if template.count(placeholder) != len(ts):
        raise ValueError(f"{template.count(placeholder)} placeholder(s) in template does not "
                         f"match {len(ts)} tensor(s) provided as input")
    return execute(STRING_FORMAT, (ts,), {"template": template, "placeholder": placeholder,
                                         "summarize": summarize}, name)


# ---- hashing -----------------------------------------------------------------------------------

STRING_TO_HASH_BUCKET_FAST = _def(
    "StringToHashBucketFast",
    lambda x, num_buckets=1: _smap(lambda b: fingerprint64(b) % num_buckets, x, np.int64),
    outputs=("output: int64",), attrs={"num_buckets": 1})
STRING_TO_HASH_BUCKET_STRONG = _def(
    "StringToHashBucketStrong",
    lambda x, num_buckets=1, key=(): _smap(
        lambda b: siphash24(int(key[0]), int(key[1]), b) % num_buckets, x, np.int64),
    outputs=("output: int64",), attrs={"num_buckets": 1, "key": ()})


def _check_buckets(n):
    if int(n) < 1:
        raise ValueError(f"num_buckets must be >= 1, got {n}")


def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    """Hashes strings into ``num_buckets`` buckets with FarmHash Fingerprint64, exactly as
    TensorFlow (``tf.strings.to_hash_bucket_fast``).

    Example:
        >>> tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3).numpy()
        array([0, 2, 2])
    """
    _check_buckets(num_buckets)
    return execute(STRING_TO_HASH_BUCKET_FAST, (_str(input),),
                   {"num_buckets": int(num_buckets)}, name)


def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """Hashes strings with keyed SipHash-2-4 (``tf.strings.to_hash_bucket_strong``).

    Example:
        >>> tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]).numpy()
        array([2, 0])
    """
    _check_buckets(num_buckets)
    key = [int(k) for k in key]
    if len(key) != 2:
        raise ValueError(f"Key must have 2 elements, got {len(key)}")
    return execute(STRING_TO_HASH_BUCKET_STRONG, (_str(input),),
                   {"num_buckets": int(num_buckets), "key": tuple(key)}, name)



# ---- FarmHash Fingerprint64 (farmhashna::Hash64) and SipHash-2-4, in pure Python ----------
_M = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66BE98B2C0F
_K2 = 0x9AE16A3B2F90404F


def _f64(s, i):
    return struct.unpack_from("<Q", s, i)[0]


def _f32(s, i):
    return struct.unpack_from("<I", s, i)[0]


def _rot(v, r):
    return ((v >> r) | (v << (64 - r))) & _M if r else v


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash16(u, v, mul):
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _len0to16(s, n):
    if n >= 8:
        mul = _K2 + n * 2
        a = (_f64(s, 0) + _K2) & _M
        b = _f64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _M
        d = ((_rot(a, 25) + b) * mul) & _M
        return _hash16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        a = _f32(s, 0)
        return _hash16((n + (a << 3)) & _M, _f32(s, n - 4), mul)
    if n > 0:
        a, b, c = s[0], s[n >> 1], s[n - 1]
        y = (a + (b << 8)) & 0xFFFFFFFF
        z = (n + (c << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _len17to32(s, n):
    mul = _K2 + n * 2
    a = (_f64(s, 0) * _K1) & _M
    b = _f64(s, 8)
    c = (_f64(s, n - 8) * mul) & _M
    d = (_f64(s, n - 16) * _K2) & _M
    return _hash16((_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M,
                   (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)


def _len33to64(s, n):
    mul = _K2 + n * 2
    a = (_f64(s, 0) * _K2) & _M
    b = _f64(s, 8)
    c = (_f64(s, n - 8) * mul) & _M
    d = (_f64(s, n - 16) * _K2) & _M
    y = (_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M
    z = _hash16(y, (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)
    e = (_f64(s, 16) * mul) & _M
    f = _f64(s, 24)
    g = ((y + _f64(s, n - 32)) * mul) & _M
    h = ((z + _f64(s, n - 24)) * mul) & _M
    return _hash16((_rot((e + f) & _M, 43) + _rot(g, 30) + h) & _M,
                   (e + _rot((f + a) & _M, 18) + g) & _M, mul)


def _weak32(s, i, a, b):
    w, x, y, z = _f64(s, i), _f64(s, i + 8), _f64(s, i + 16), _f64(s, i + 24)
    a = (a + w) & _M
    b = _rot((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _rot(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def fingerprint64(s: bytes) -> int:
    """FarmHash Fingerprint64 of ``s`` as an unsigned 64-bit integer."""
    n = len(s)
    if n <= 16:
        return _len0to16(s, n)
    if n <= 32:
        return _len17to32(s, n)
    if n <= 64:
        return _len33to64(s, n)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M
    z = (_shift_mix((y * _K2 + 113) & _M) * _K2) & _M
    v = (0, 0)
    w = (0, 0)
    x = (x * _K2 + _f64(s, 0)) & _M
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    p = 0
    while True:
        x = (_rot((x + y + v[0] + _f64(s, p + 8)) & _M, 37) * _K1) & _M
        y = (_rot((y + v[1] + _f64(s, p + 48)) & _M, 42) * _K1) & _M
        x ^= w[1]
        y = (y + v[0] + _f64(s, p + 40)) & _M
        z = (_rot((z + w[0]) & _M, 33) * _K1) & _M
        v = _weak32(s, p, (v[1] * _K1) & _M, (x + w[0]) & _M)
        w = _weak32(s, p + 32, (z + w[1]) & _M, (y + _f64(s, p + 16)) & _M)
        z, x = x, z
        p += 64
        if p == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    p = last64
    w = ((w[0] + ((n - 1) & 63)) & _M, w[1])
    v = ((v[0] + w[0]) & _M, v[1])
    w = ((w[0] + v[0]) & _M, w[1])
    x = (_rot((x + y + v[0] + _f64(s, p + 8)) & _M, 37) * mul) & _M
    y = (_rot((y + v[1] + _f64(s, p + 48)) & _M, 42) * mul) & _M
    x ^= (w[1] * 9) & _M
    y = (y + v[0] * 9 + _f64(s, p + 40)) & _M
    z = (_rot((z + w[0]) & _M, 33) * mul) & _M
    v = _weak32(s, p, (v[1] * mul) & _M, (x + w[0]) & _M)
    w = _weak32(s, p + 32, (z + w[1]) & _M, (y + _f64(s, p + 16)) & _M)
    z, x = x, z
    return _hash16((_hash16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _M,
                   (_hash16(v[1], w[1], mul) + x) & _M, mul)


def siphash24(key0: int, key1: int, data: bytes) -> int:
    """SipHash-2-4 of ``data`` with the 128-bit key ``(key0, key1)``."""
    v0 = key0 ^ 0x736F6D6570736575
    v1 = key1 ^ 0x646F72616E646F6D
    v2 = key0 ^ 0x6C7967656E657261
    v3 = key1 ^ 0x7465646279746573

    def rounds(v0, v1, v2, v3, k):
        for _ in range(k):
            v0 = (v0 + v1) & _M
            v1 = ((v1 << 13) | (v1 >> 51)) & _M
            v1 ^= v0
            v0 = ((v0 << 32) | (v0 >> 32)) & _M
            v2 = (v2 + v3) & _M
            v3 = ((v3 << 16) | (v3 >> 48)) & _M
            v3 ^= v2
            v0 = (v0 + v3) & _M
            v3 = ((v3 << 21) | (v3 >> 43)) & _M
            v3 ^= v0
            v2 = (v2 + v1) & _M
            v1 = ((v1 << 17) | (v1 >> 47)) & _M
            v1 ^= v2
            v2 = ((v2 << 32) | (v2 >> 32)) & _M
        return v0, v1, v2, v3

    n = len(data)
    full = n - n % 8
    for i in range(0, full, 8):
        m = _f64(data, i)
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    tail = data[full:] + b"\0" * (7 - n % 8)
    m = ((n & 0xFF) << 56) | int.from_bytes(tail[:7], "little")
    v3 ^= m
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
    v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3
