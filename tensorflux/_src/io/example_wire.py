"""A hand-written protobuf wire decoder for ``tf.train.Example`` / ``SequenceExample``.

Decoding is lazy: a record is split into ``{key: (kind, start, end)}`` (the byte range of the
``BytesList``/``FloatList``/``Int64List`` message; ``kind`` 1 bytes, 2 float, 3 int64, 0 an
empty ``Feature``), and only the features a parse spec asks for are decoded into NumPy.
Packed float lists become one ``np.frombuffer``. Unknown fields are skipped, a repeated map
key keeps the last entry, packed and unpacked scalar encodings are both accepted.
"""

import numpy as np

KIND_NAMES = {1: "string", 2: "float", 3: "int64"}


class WireError(Exception):
    """The bytes are not a valid protobuf message of the expected type."""


def varint(buf, pos):
    b = buf[pos]
    if b < 0x80:
        return b, pos + 1
    result, shift = b & 0x7F, 7
    pos += 1
    while True:
        b = buf[pos]
        result |= (b & 0x7F) << shift
        pos += 1
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def _skip(buf, pos, wire_type, end):
    if wire_type == 0:
        _, pos = varint(buf, pos)
    elif wire_type == 2:
        n, pos = varint(buf, pos)
        pos += n
    elif wire_type == 5:
        pos += 4
    elif wire_type == 1:
        pos += 8
    else:
        raise WireError(f"unsupported wire type {wire_type}")
    if pos > end:
        raise WireError("field runs past the end of its message")
    return pos


def fields(buf, pos, end):
    """Yields ``(field_number, wire_type, value_start, value_end)``; for varint fields
    ``value_start`` holds the decoded value instead."""
    while pos < end:
        tag, pos = varint(buf, pos)
        fn, wt = tag >> 3, tag & 7
        if wt == 2:
            n, pos = varint(buf, pos)
            stop = pos + n
            if stop > end:
                raise WireError("length-delimited field runs past the end of its message")
            yield fn, 2, pos, stop
            pos = stop
        elif wt == 0:
            v, pos = varint(buf, pos)
            yield fn, 0, v, pos
        else:
            start = pos
            pos = _skip(buf, pos, wt, end)
            yield fn, wt, start, pos
    if pos != end:
        raise WireError("message truncated")


def feature_kind(buf, start, end):
    """``(kind, list_start, list_end)`` of a ``Feature`` message (last oneof member wins)."""
    kind, ls, le = 0, 0, 0
    for fn, wt, s, e in fields(buf, start, end):
        if wt == 2 and 1 <= fn <= 3:
            kind, ls, le = fn, s, e
    return kind, ls, le


def features_map(buf, start, end, out=None):
    """Decodes a ``Features`` message into ``{key bytes: (kind, start, end)}``."""
    out = {} if out is None else out
    for fn, wt, s, e in fields(buf, start, end):
        if fn != 1 or wt != 2:
            continue
        key, fs, fe = b"", 0, 0
        for efn, ewt, es, ee in fields(buf, s, e):
            if efn == 1 and ewt == 2:
                key = buf[es:ee]
            elif efn == 2 and ewt == 2:
                fs, fe = es, ee
        out[key] = feature_kind(buf, fs, fe) if fe > fs else (0, 0, 0)
    return out


def _canonical_features(buf):
    """Fast walk of an ``Example`` in the layout protobuf serializers emit (one ``Features``;
    entries ``key, value``; one list per ``Feature``). ``None`` when the layout differs."""
    n = len(buf)
    if not n:
        return {}
    try:
        if buf[0] != 0x0A:
            return None
        ln, pos = varint(buf, 1)
        if pos + ln != n:
            return None
        out = {}
        while pos < n:
            if buf[pos] != 0x0A:
                return None
            ln, pos = varint(buf, pos + 1)
            stop = pos + ln
            if stop > n or pos >= stop or buf[pos] != 0x0A:
                return None
            kl, ks = varint(buf, pos + 1)
            ke = ks + kl
            if ke >= stop or buf[ke] != 0x12:
                return None
            fl, fs = varint(buf, ke + 1)
            if fs + fl != stop:
                return None
            if fl:
                t = buf[fs]
                if t != 0x0A and t != 0x12 and t != 0x1A:
                    return None
                ll, ls = varint(buf, fs + 1)
                if ls + ll != stop:
                    return None
                out[buf[ks:ke]] = (t >> 3, ls, stop)
            else:
                out[buf[ks:ke]] = (0, 0, 0)
            pos = stop
        return out
    except (IndexError, WireError):
        return None


def example_features(buf):
    """``{key: (kind, start, end)}`` for a serialized ``Example``."""
    out = _canonical_features(buf)
    if out is not None:
        return out
    out = {}
    for fn, wt, s, e in fields(buf, 0, len(buf)):
        if fn == 1 and wt == 2:
            features_map(buf, s, e, out)
    return out


def sequence_example(buf):
    """``(context map, {key: [feature (kind, start, end) per step]})`` of a SequenceExample."""
    context, lists = {}, {}
    for fn, wt, s, e in fields(buf, 0, len(buf)):
        if wt != 2:
            continue
        if fn == 1:
            features_map(buf, s, e, context)
        elif fn == 2:
            for lfn, lwt, ls, le in fields(buf, s, e):
                if lfn != 1 or lwt != 2:
                    continue
                key, steps = b"", []
                for efn, ewt, es, ee in fields(buf, ls, le):
                    if efn == 1 and ewt == 2:
                        key = buf[es:ee]
                    elif efn == 2 and ewt == 2:
                        steps = [feature_kind(buf, fs, fe) if fe > fs else (0, 0, 0)
                                 for ffn, fwt, fs, fe in fields(buf, es, ee)
                                 if ffn == 1 and fwt == 2]
                lists[key] = steps
    return context, lists


def _varints(a):
    """Decodes a uint8 array of concatenated varints into int64 (two's complement)."""
    if not a.size:
        return np.zeros(0, np.int64)
    if a.max() < 0x80:
        return a.astype(np.int64)
    last = np.flatnonzero(a < 0x80)
    if not last.size or last[-1] != a.size - 1:
        raise WireError("truncated varint")
    starts = np.empty_like(last)
    starts[0] = 0
    starts[1:] = last[:-1] + 1
    lens = last - starts + 1
    if lens.max() > 10:
        raise WireError("varint too long")
    shift = (np.arange(a.size) - np.repeat(starts, lens)).astype(np.uint64) * np.uint64(7)
    vals = (a & 0x7F).astype(np.uint64) << shift
    return np.add.reduceat(vals, starts).view(np.int64)


def decode_floats(buf, start, end):
    pos = start
    if end - start >= 2 and buf[start] == 0x0A:  # common case: one packed run
        n, pos = varint(buf, start + 1)
        if pos + n == end and n % 4 == 0:
            return np.frombuffer(buf, "<f4", n // 4, pos)
    parts = []
    for fn, wt, s, e in fields(buf, start, end):
        if fn != 1:
            continue
        if wt == 2:
            if (e - s) % 4:
                raise WireError("packed float run is not a multiple of 4 bytes")
            parts.append(np.frombuffer(buf, "<f4", (e - s) // 4, s))
        elif wt == 5:
            parts.append(np.frombuffer(buf, "<f4", 1, s))
        else:
            raise WireError("bad wire type in FloatList")
    if not parts:
        return np.zeros(0, np.float32)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def decode_int64s(buf, start, end):
    if end - start >= 2 and buf[start] == 0x0A:  # common case: one packed run
        n, pos = varint(buf, start + 1)
        if pos + n == end:
            if n == 1:
                return np.array([buf[pos]], np.int64)
            return _varints(np.frombuffer(buf, np.uint8, n, pos))
    parts = []
    for fn, wt, s, e in fields(buf, start, end):
        if fn != 1:
            continue
        if wt == 2:
            if e - s == 1:
                parts.append(np.array([buf[s]], np.int64))
            else:
                parts.append(_varints(np.frombuffer(buf, np.uint8, e - s, s)))
        elif wt == 0:
            parts.append(np.array([s], np.uint64).view(np.int64))
        else:
            raise WireError("bad wire type in Int64List")
    if not parts:
        return np.zeros(0, np.int64)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def decode_bytes(buf, start, end):
    vals = [buf[s:e] for fn, wt, s, e in fields(buf, start, end) if fn == 1 and wt == 2]
    out = np.empty(len(vals), object)
    out[:] = vals
    return out


_DECODERS = {1: decode_bytes, 2: decode_floats, 3: decode_int64s}


def decode(buf, kind, start, end):
    """The values of a feature list of ``kind`` as a 1-D NumPy array."""
    return _DECODERS[kind](buf, start, end)


# ---- vectorized batch path -------------------------------------------------------------------

def value_regions(buf, fmap):
    """Byte ranges that may differ between records with the same layout: packed scalar payloads
    and bytes-list element contents. ``None`` when a list is not in the canonical form."""
    regions = {}
    for key, (kind, s, e) in fmap.items():
        if kind == 0 or s == e:
            regions[key] = []
            continue
        if kind == 1:
            regions[key] = [(es, ee) for _, _, es, ee in fields(buf, s, e)]
            continue
        got = list(fields(buf, s, e))
        if len(got) != 1 or got[0][0] != 1 or got[0][1] != 2:
            return None
        regions[key] = [(got[0][2], got[0][3])]
    return regions
