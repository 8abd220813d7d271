"""String ops whose results are ragged: split, bytes_split, unicode_decode/encode, ngrams."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops.op_util import tensor
from tensorflux._src.ops.ragged_tensor import RaggedTensor
from tensorflux._src.ops.string_ops import _obj, _str

_ND = NOT_DIFFERENTIABLE


def _sparse_rows(rows):
    idx = [(i, j) for i, r in enumerate(rows) for j in range(len(r))]
    vals = [v for r in rows for v in r]
    width = max((len(r) for r in rows), default=0)
    return (np.asarray(idx, np.int64).reshape(-1, 2), _obj(vals),
            np.asarray([len(rows), width], np.int64))


def _split_v2_kernel(x, sep, maxsplit=-1):
    sep = bytes(np.asarray(sep, dtype=object).reshape(()).item())
    rows = []
    for b in np.asarray(x, dtype=object).reshape(-1):
        if sep:
            rows.append(b.split(sep, maxsplit))
        else:
            rows.append(b.split(None, maxsplit))
    return _sparse_rows(rows)


_SPLIT_OUT = ("indices: int64", "values: string", "shape: int64")
_SPLIT_INFER = lambda ic: [(None, 2), (None,), (2,)]  # noqa: E731
STRING_SPLIT_V2 = defop("StringSplitV2", _split_v2_kernel, inputs=("input: string",
                                                                    "sep: string"),
                        outputs=_SPLIT_OUT, attrs={"maxsplit": -1}, infer=_SPLIT_INFER,
                        grad=_ND)


def _split_v1_kernel(x, delimiter, skip_empty=True):
    d = bytes(np.asarray(delimiter, dtype=object).reshape(()).item())
    rows = []
    for b in np.asarray(x, dtype=object).reshape(-1):
        if not d:
            parts = [b[i:i + 1] for i in range(len(b))]
        else:
            parts, cur = [], b""
            for i in range(len(b)):
                c = b[i:i + 1]
                if c in d:
                    parts.append(cur)
                    cur = b""
                else:
                    cur += c
            parts.append(cur)
        if skip_empty:
            parts = [p for p in parts if p]
        rows.append(parts)
    return _sparse_rows(rows)


STRING_SPLIT = defop("StringSplit", _split_v1_kernel, inputs=("input: string",
                                                              "delimiter: string"),
                     outputs=_SPLIT_OUT, attrs={"skip_empty": True}, infer=_SPLIT_INFER,
                     grad=_ND)


def _ragged_from_sparse_rows(x, indices, values, shape):
    from tensorflux._src.ops import array_ops
    rowids = array_ops.gather(indices, 0, axis=1)
    nrows = array_ops.gather(shape, 0)
    rt = RaggedTensor.from_value_rowids(values, rowids, nrows=nrows, validate=False)
    return _reshape_outer(rt, x)


def _reshape_outer(rt, x):
    """Give a ragged result built over ``x``'s flattened elements ``x``'s outer shape."""
    r = x.shape.rank
    if r == 0:
        return rt[0]
    if r == 1:
        return rt
    s = x.shape.as_list()
    if any(d is None for d in s):
        raise ValueError("ragged string ops on rank > 1 inputs need a static shape")
    out = rt
    for k in range(len(s) - 1, 0, -1):
        outer = int(np.prod(s[:k]))
        out = RaggedTensor.from_row_splits(out, np.arange(outer + 1, dtype=np.int64) * s[k],
                                           validate=False)
    return out


def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002
    """Splits each string on ``sep`` (whitespace if None) into a RaggedTensor
    (``tf.strings.split``).

    Example:
        >>> tf.strings.split(["a b", "c"]).to_list()
        [[b'a', b'b'], [b'c']]
    """
    x = _str(input)
    from tensorflux._src.ops import array_ops
    flat = array_ops.reshape(x, [-1])
    ind, val, shp = execute(STRING_SPLIT_V2, (flat, _str(sep if sep is not None else "")),
                            None if maxsplit == -1 else {"maxsplit": int(maxsplit)}, name)
    return _ragged_from_sparse_rows(x, ind, val, shp)


def bytes_split(input, name=None):  # noqa: A002
    """Splits each string into its bytes (``tf.strings.bytes_split``).

    Example:
        >>> tf.strings.bytes_split("abc").numpy()
        array([b'a', b'b', b'c'], dtype=object)
    """
    x = _str(input)
    from tensorflux._src.ops import array_ops
    flat = array_ops.reshape(x, [-1])
    ind, val, shp = execute(STRING_SPLIT, (flat, _str("")), {"skip_empty": False}, name)
    return _ragged_from_sparse_rows(x, ind, val, shp)


# ---- unicode -----------------------------------------------------------------------------------

_CODECS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _codec(enc):
    try:
        return _CODECS[enc]
    except KeyError:
        raise ValueError(f"input_encoding must be one of {sorted(_CODECS)}, got {enc!r}") \
            from None


def _unicode_decode_kernel(x, input_encoding="UTF-8", errors="replace",
                           replacement_char=65533, replace_control_characters=False,
                           Tsplits=_dt.int64):
    codec = _codec(input_encoding)
    chars, splits = [], [0]
    for b in np.asarray(x, dtype=object).reshape(-1):
        try:
            s = b.decode(codec, "strict")
            cps = [ord(c) for c in s]
        except UnicodeDecodeError:
            if errors == "strict":
                raise _errors().InvalidArgumentError(
                    None, None, f"Invalid formatting on input string: {b!r}") from None
            s = b.decode(codec, "replace")
            cps = [replacement_char if c == "\ufffd" else ord(c) for c in s]
            if errors == "ignore":
                cps = [c for c, ch in zip(cps, s) if ch != "\ufffd"]
        if replace_control_characters:
            cps = [replacement_char if c < 32 else c for c in cps]
        chars.extend(cps)
        splits.append(len(chars))
    return np.asarray(splits, Tsplits.np_dtype), np.asarray(chars, np.int32)


def _errors():
    return errors


UNICODE_DECODE = defop(
    "UnicodeDecode", _unicode_decode_kernel, inputs=("input: string",),
    outputs=("row_splits: Tsplits", "char_values: int32"), types={"Tsplits": ()},
    attrs={"input_encoding": "UTF-8", "errors": "replace", "replacement_char": 65533,
           "replace_control_characters": False},
    infer=lambda ic: [(None if not ic.shapes[0] or ic.shapes[0][0] is None
                       else ic.shapes[0][0] + 1,), (None,)], grad=_ND)


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                   replace_control_characters=False, name=None):
    """Decodes each string into a ragged vector of code points (``tf.strings.unicode_decode``).

    Example:
        >>> tf.strings.unicode_decode(["hé", "x"], "UTF-8").to_list()
        [[104, 233], [120]]
    """
    _codec(input_encoding)
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
    x = _str(input)
    from tensorflux._src.ops import array_ops
    flat = array_ops.reshape(x, [-1])
    attrs = {"input_encoding": input_encoding, "errors": errors,
             "replacement_char": int(replacement_char),
             "replace_control_characters": bool(replace_control_characters),
             "Tsplits": _dt.int64}
    splits, chars = execute(UNICODE_DECODE, (flat,), attrs, name)
    return _reshape_outer(RaggedTensor.from_row_splits(chars, splits, validate=False), x)


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                  name=None):
    """Splits each string into its characters (``tf.strings.unicode_split``)."""
    cps = unicode_decode(input, input_encoding, errors, replacement_char)
    if isinstance(cps, RaggedTensor):
        return cps.with_flat_values(unicode_encode(_rows_of_one(cps.flat_values),
                                                   input_encoding))
    return unicode_encode(_rows_of_one(cps), input_encoding)


def _rows_of_one(t):
    from tensorflux._src.ops import array_ops
    return array_ops.expand_dims(t, -1)


def _unicode_encode_kernel(values, splits, errors="replace", output_encoding="UTF-8",
                           replacement_char=65533):
    codec = _codec(output_encoding)
    out = []
    for i in range(len(splits) - 1):
        cs = []
        for c in values[int(splits[i]):int(splits[i + 1])].tolist():
            if not (0 <= c <= 0x10FFFF) or 0xD800 <= c <= 0xDFFF:
                if errors == "strict":
                    raise _errors().InvalidArgumentError(
                        None, None, f"Invalid code point {c}")
                if errors == "ignore":
                    continue
                c = replacement_char
            cs.append(chr(c))
        out.append("".join(cs).encode(codec))
    return _obj(out)


UNICODE_ENCODE = defop(
    "UnicodeEncode", _unicode_encode_kernel,
    inputs=("input_values: int32", "input_splits: Tsplits"), outputs=("output: string",),
    types={"Tsplits": (_dt.int32, _dt.int64)},
    attrs={"errors": "replace", "output_encoding": "UTF-8", "replacement_char": 65533},
    infer=lambda ic: (None if not ic.shapes[1] or ic.shapes[1][0] is None
                      else ic.shapes[1][0] - 1,), grad=_ND)


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                   name=None):
    """Encodes ragged (or dense) code points into strings (``tf.strings.unicode_encode``).

    Example:
        >>> tf.strings.unicode_encode([[104, 105]], "UTF-8").numpy()
        array([b'hi'], dtype=object)
    """
    _codec(output_encoding)
    attrs = {"errors": errors, "output_encoding": output_encoding,
             "replacement_char": int(replacement_char)}
    if isinstance(input, RaggedTensor):
        if isinstance(input.values, RaggedTensor):
            return input.with_values(unicode_encode(input.values, output_encoding, errors,
                                                    replacement_char))
        return execute(UNICODE_ENCODE, (tensor(input.values, dtype=_dt.int32),
                                        input.row_splits), attrs, name)
    x = tensor(input, dtype=_dt.int32)
    r = x.shape.rank
    if r == 1:
        return _encode_dense(x, attrs, name)
    return unicode_encode(RaggedTensor.from_tensor(x, ragged_rank=max(r - 1, 1)),
                          output_encoding, errors, replacement_char, name)


def _encode_dense(x, attrs, name):
    from tensorflux._src.ops import array_ops
    rt = RaggedTensor.from_tensor(array_ops.expand_dims(x, 0))
    out = execute(UNICODE_ENCODE, (rt.values, rt.row_splits), attrs, name)
    return array_ops.reshape(out, [])


# ---- ngrams ------------------------------------------------------------------------------------

def _ngrams_kernel(data, splits, separator=" ", ngram_widths=(), left_pad="", right_pad="",
                   pad_width=0, preserve_short_sequences=False):
    sep = separator.encode()
    lp, rp = left_pad.encode(), right_pad.encode()
    out, osplits = [], [0]
    for i in range(len(splits) - 1):
        row = list(data[int(splits[i]):int(splits[i + 1])])
        for w in ngram_widths:
            pw = pad_width if pad_width >= 0 else w - 1
            pw = min(pw, w - 1)
            padded = [lp] * pw + row + [rp] * pw
            grams = [sep.join(padded[j:j + w]) for j in range(len(padded) - w + 1)]
            out.extend(grams)
        if preserve_short_sequences and len(out) == osplits[-1] and row:
            pw = max(pad_width, 0)
            out.append(sep.join([lp] * pw + row + [rp] * pw))
        osplits.append(len(out))
    return _obj(out), np.asarray(osplits, splits.dtype)


STRING_NGRAMS = defop(
    "StringNGrams", _ngrams_kernel, inputs=("data: string", "data_splits: Tsplits"),
    outputs=("ngrams: string", "ngrams_splits: Tsplits"), types={"Tsplits": (_dt.int32,
                                                                            _dt.int64)},
    attrs={"separator": " ", "ngram_widths": (), "left_pad": "", "right_pad": "",
           "pad_width": 0, "preserve_short_sequences": False},
    infer=lambda ic: [(None,), ic.shapes[1]], grad=_ND)


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """Joins every ``ngram_width`` consecutive strings of each row (``tf.strings.ngrams``).

    Example:
        >>> tf.strings.ngrams(["a", "b", "c"], 2).numpy()
        array([b'a b', b'b c'], dtype=object)
    """
    widths = [ngram_width] if isinstance(ngram_width, int) else list(ngram_width)
    if pad_values is None:
        lp = rp = ""
    elif isinstance(pad_values, (tuple, list)):
        lp, rp = pad_values
    else:
        lp = rp = pad_values
    lp = lp.decode() if isinstance(lp, bytes) else lp
    rp = rp.decode() if isinstance(rp, bytes) else rp
    if padding_width is None:
        pw = -1 if pad_values is not None else 0
    else:
        if padding_width < 1:
            raise ValueError("padding_width must be at least 1")
        pw = padding_width
    attrs = {"separator": separator, "ngram_widths": tuple(widths), "left_pad": lp,
             "right_pad": rp, "pad_width": pw,
             "preserve_short_sequences": bool(preserve_short_sequences)}
    if isinstance(data, RaggedTensor):
        if isinstance(data.values, RaggedTensor):
            return data.with_values(ngrams(data.values, ngram_width, separator, pad_values,
                                           padding_width, preserve_short_sequences))
        vals, spl = execute(STRING_NGRAMS, (_str(data.values), data.row_splits), attrs, name)
        return RaggedTensor.from_row_splits(vals, spl, validate=False)
    x = _str(data)
    if x.shape.rank == 1:
        from tensorflux._src.ops import array_ops
        n = array_ops.size(x, out_type=_dt.int64)
        spl = array_ops.stack([tensor(np.int64(0)), n])
        return execute(STRING_NGRAMS, (x, spl), attrs, name)[0]
    return ngrams(RaggedTensor.from_tensor(x), ngram_width, separator, pad_values,
                  padding_width, preserve_short_sequences, name).to_tensor(b"")
