"""``tf.io.decode_csv``: the ``DecodeCSV`` op.

Records without quotes are split with ``bytes.split`` and each column is converted with one
NumPy ``astype``; records with quotes (``use_quote_delim``) go through a small RFC 4180 parser
with TensorFlow's rules and error texts. When a column fails to convert, the offending fields
are located one by one so the error names the first bad (record, field) as TensorFlow does.
"""

import re

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops.op_util import tensor

__all__ = ["decode_csv"]

_TYPES = (_dt.float32, _dt.float64, _dt.int32, _dt.int64, _dt.string)
_INT_RE = re.compile(rb"\s*[+-]?[0-9]+\s*\Z")


def _err(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _split_quoted(rec, delim):
    """Fields of one record with quoting: ``"..."`` fields, ``""`` is an escaped quote."""
    fields, i, n = [], 0, len(rec)
    while True:
        if i < n and rec[i] == 0x22:  # opening quote
            buf, i = bytearray(), i + 1
            while True:
                j = rec.find(b'"', i)
                if j < 0:
                    raise _err("Quoted field has to end with quote followed by delim or end")
                buf += rec[i:j]
                if j + 1 < n and rec[j + 1] == 0x22:
                    buf += b'"'
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and rec[i:i + len(delim)] != delim:
                raise _err("Quote inside a string has to be escaped by another quote")
            fields.append(bytes(buf))
        else:
            j = rec.find(delim, i)
            field = rec[i:] if j < 0 else rec[i:j]
            if b'"' in field or b"\n" in field or b"\r" in field:
                raise _err("Unquoted fields cannot have quotes/CRLFs inside")
            fields.append(field)
            i = n if j < 0 else j
        if i >= n:
            return fields
        i += len(delim)
        if i == n:  # trailing delimiter: one more empty field
            fields.append(b"")
            return fields


def _parse_one(field, dt):
    """One field as a number of dtype ``dt``; ``None`` when it is not a valid number."""
    if b"_" in field:
        return None
    if dt.is_integer:
        if not _INT_RE.match(field):
            return None
        v = int(field)
        info = np.iinfo(dt.np_dtype)
        return v if info.min <= v <= info.max else None
    s = field.strip()
    if not s or s != field.strip(b" \t\n\r\f\v"):
        return None
    try:
        return float(s)
    except ValueError:
        if not s.lstrip(b"+-").lower().startswith(b"0x"):
            return None
        try:
            return float.fromhex(s.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            return None


_TYPE_NAMES = {_dt.float32: "float", _dt.float64: "double", _dt.int32: "int32",
               _dt.int64: "int64"}


def _column(vals, dt, default, na, col, problems):
    """Converts one column (list of bytes); records the first problem as (record, field, msg)."""
    n = len(vals)
    if dt is _dt.string:
        out = np.empty(n, object)
        out[:] = vals
        missing = (out == b"") | (out == na) if n else np.zeros(0, bool)
    else:
        sub = np.array(vals, dtype=bytes) if n else np.zeros(0, "S1")
        missing = (sub == b"") | (sub == na)  # 'S' arrays drop trailing NULs; fine for numbers
    if missing.any() and default.size == 0:
        r = int(np.argmax(missing))
        problems.append((r, col, f"Field {col} is required but missing in record {r}!"))
        return None
    dflt = default.reshape(-1)[0] if default.size else None
    if dt is _dt.string:
        if missing.any():
            out[missing] = dflt
        return out
    npdt = dt.np_dtype
    present = ~missing
    out = np.empty(n, npdt)
    if missing.any():
        out[missing] = dflt
        sub = sub[present]
    try:
        if sub.size and np.char.count(sub, b"_").any():
            raise ValueError
        conv = sub.astype(np.int64 if dt.is_integer else np.float64)
        if dt.is_integer:
            info = np.iinfo(npdt)
            if conv.size and (conv.min() < info.min or conv.max() > info.max):
                raise ValueError
        with np.errstate(over="ignore"):
            out[present] = conv.astype(npdt)
        return out
    except (ValueError, OverflowError):
        pass
    for r in np.flatnonzero(present):
        v = _parse_one(vals[r], dt)
        if v is None:
            shown = vals[r].decode("utf-8", "replace")
            problems.append((int(r), col, f"Field {col} in record {r} is not a valid "
                             f"{_TYPE_NAMES[dt]}: {shown}"))
            return None
        out[r] = v
    return out


def _decode_csv_kernel(records, record_defaults, OUT_TYPE=(), field_delim=",",
                       use_quote_delim=True, na_value="", select_cols=(), **_):
    delim = field_delim.encode() if isinstance(field_delim, str) else field_delim
    if len(delim) != 1:
        raise _err("field_delim should be only 1 char")
    na = na_value.encode() if isinstance(na_value, str) else na_value
    ncols = len(record_defaults)
    for i, d in enumerate(record_defaults):
        if np.size(d) > 1:
            raise _err(f"There should only be 1 default per field but field {i} has "
                       f"{np.size(d)}")
    recs = [r if isinstance(r, bytes) else bytes(r) for r in records.reshape(-1)]
    sel = list(select_cols)
    want = (max(sel) + 1) if sel else ncols
    crlf = use_quote_delim and (b"\n" in b"".join(recs) or b"\r" in b"".join(recs))
    rows = []
    for i, rec in enumerate(recs):
        if not rec:
            row = []
        elif use_quote_delim and b'"' in rec:
            row = _split_quoted(rec, delim)
        else:
            row = rec.split(delim)
            if crlf and (b"\n" in rec or b"\r" in rec):
                raise _err("Unquoted fields cannot have quotes/CRLFs inside")
        if len(row) < want or (not sel and len(row) != want):
            have = sum(c < len(row) for c in sel) if sel else len(row)
            raise _err(f"Expect {ncols} fields but have {have} in record {i}")
        rows.append(row)
    cols = sel or range(ncols)
    problems, outs = [], []
    for j, (c, dt, default) in enumerate(zip(cols, OUT_TYPE, record_defaults)):
        vals = [row[c] for row in rows]
        out = _column(vals, _dt.as_dtype(dt), np.asarray(default), na, j, problems)
        outs.append(out)
    if problems:
        raise _err(min(problems)[2])
    return tuple(o.reshape(records.shape) for o in outs)


def _decode_csv_infer(ic):
    shape = None if ic.shapes[0] is None else tuple(ic.shapes[0])
    return [(shape, _dt.as_dtype(t)) for t in ic.attrs["OUT_TYPE"]]


DECODE_CSV = defop(
    "DecodeCSV", _decode_csv_kernel, inputs=("records: string", "record_defaults: list"),
    outputs=("output: num_outputs*T",), types={"T": ()},
    attrs={"OUT_TYPE": (), "field_delim": ",", "use_quote_delim": True, "na_value": "",
           "select_cols": (), "num_outputs": 0},
    infer=_decode_csv_infer, grad=NOT_DIFFERENTIABLE,
    doc="Converts CSV records to tensors, one per column.")


def _default(d, i):
    t = tensor(d)
    if t.dtype not in _TYPES:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'OUT_TYPE' of {t.dtype.name} is not in the list of "
            f"allowed values: float, double, int32, int64, string (record_defaults[{i}])")
    return t


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None,
               na_value="", select_cols=None):
    """Converts CSV records to a list of tensors, one per column (``tf.io.decode_csv``).

    ``record_defaults[i]`` is a one-element tensor giving column ``i``'s dtype and default, or
    an empty tensor to make the column required.
    """
    if select_cols is not None:
        select_cols = [int(c) for c in select_cols]
        if any(b <= a for a, b in zip(select_cols, select_cols[1:])):
            raise ValueError("select_cols is not strictly increasing.")
        if select_cols and select_cols[0] < 0:
            raise ValueError("select_cols contains negative values.")
        if len(select_cols) != len(record_defaults):
            raise ValueError("Length of select_cols and record_defaults do not match.")
    defaults = [_default(d, i) for i, d in enumerate(record_defaults)]
    attrs = {"OUT_TYPE": tuple(d.dtype for d in defaults), "field_delim": field_delim,
             "use_quote_delim": bool(use_quote_delim), "na_value": na_value,
             "select_cols": tuple(select_cols or ()), "num_outputs": len(defaults)}
    outs = execute(DECODE_CSV, (tensor(records, dtype_hint=_dt.string), defaults), attrs, name)
    return list(outs) if isinstance(outs, tuple) else [outs]
