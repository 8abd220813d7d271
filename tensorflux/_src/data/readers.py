"""File datasets: TFRecordDataset, TextLineDataset, FixedLengthRecordDataset, CsvDataset,
make_csv_dataset and list_files. Records come from ``tf.io``'s reader (``_src/io``)."""

from __future__ import annotations

import collections
import csv
import io as _pyio
import os

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.data.dataset_ops import DatasetV2, _int
from tensorflux._src.data.iterator_base import AUTOTUNE, It
from tensorflux._src.framework.function import TensorSpec

_STR = TensorSpec([], _dt.string)


def _filenames(filenames):
    if isinstance(filenames, DatasetV2):
        spec = filenames.element_spec
        if not (isinstance(spec, TensorSpec) and spec.dtype is _dt.string and
                spec.shape.rank == 0):
            raise TypeError("`filenames` must be a `tf.data.Dataset` of scalar `tf.string` "
                            f"elements, got {spec}.")
        return filenames
    if hasattr(filenames, "numpy"):
        filenames = filenames.numpy()
    arr = np.asarray(filenames, dtype=object).reshape(-1)
    if arr.size == 0:
        raise ValueError("`filenames` must be a non-empty list of file paths.")
    vals = np.empty(arr.size, dtype=object)
    vals[:] = [os.fspath(f).encode() if not isinstance(f, bytes) else f for f in arr]
    return DatasetV2.from_tensor_slices(vals)


def _per_file(filenames, make, num_parallel_reads, spec):
    files = _filenames(filenames)
    fn = _FileFn(make)
    if num_parallel_reads is None:
        from tensorflux._src.data.transforms import _FlatMapDataset
        ds = _FlatMapDataset.__new__(_FlatMapDataset)
        from tensorflux._src.data.dataset_ops import UnaryDataset
        UnaryDataset.__init__(ds, files, spec)
        ds._fn = fn
        ds._tf_stage = None       # the reader class names the stage
        return ds
    from tensorflux._src.data.parallel import InterleaveDataset
    n = _int(num_parallel_reads, "num_parallel_reads")
    if n == AUTOTUNE:
        from tensorflux._src.data.iterator_base import _cores
        n = _cores()
    ds = InterleaveDataset.__new__(InterleaveDataset)
    from tensorflux._src.data.dataset_ops import UnaryDataset
    UnaryDataset.__init__(ds, files, spec)
    ds._fn, ds._cycle, ds._block, ds._parallel = fn, max(1, n), 1, True
    ds._tf_stage = None
    return ds


class _FileFn:
    """Maps a filename element (component tuple) to a per-file dataset."""

    input_spec = _STR

    def __init__(self, make):
        self.make = make

    def __call__(self, comps):
        name = comps[0]
        if isinstance(name, np.ndarray):
            name = name[()]
        name = name.decode() if isinstance(name, bytes) else str(name)
        return self.make(name)


class _SingleFile(DatasetV2):
    _tf_stage = None

    def __init__(self, it_factory, spec):
        self._factory, self._spec = it_factory, spec

    def _make_it(self, ctx):
        return self._factory()


# --- TFRecord ---------------------------------------------------------------------------
class _TFRecordIt(It):
    def __init__(self, path, ctype, buffer_size):
        self.path, self.ctype, self.bs = path, ctype, buffer_size
        self.reader = None
        self.chunk, self.i = [], 0
        self.chunk_start = 0
        self.seek_to = 0

    def _open(self):
        from tensorflux._src.io.tfrecord import RecordReader
        self.reader = RecordReader(self.path, self.ctype, self.bs)
        if self.seek_to:
            self.reader.seek(self.seek_to)

    def next(self):
        if self.i >= len(self.chunk):
            if self.reader is None:
                self._open()
            self.chunk_start = self.reader.offset
            self.chunk, self.i = self.reader.read_many(64), 0
            if not self.chunk:
                raise StopIteration
        r = self.chunk[self.i]
        self.i += 1
        return (np.array(r, dtype=object),)

    def next_records(self, n):
        out = []
        while len(out) < n:
            if self.i >= len(self.chunk):
                if self.reader is None:
                    self._open()
                self.chunk_start = self.reader.offset
                self.chunk, self.i = self.reader.read_many(max(64, n - len(out))), 0
                if not self.chunk:
                    break
            take = self.chunk[self.i:self.i + n - len(out)]
            self.i += len(take)
            out += take
        return out

    def next_many(self, n):
        return [(np.array(r, dtype=object),) for r in self.next_records(n)]

    def _offset(self):
        if self.reader is None:
            return self.seek_to
        return self.chunk_start + sum(16 + len(r) for r in self.chunk[:self.i])

    def save(self):
        return {"offset": self._offset()}

    def restore(self, st):
        self.close()
        self.chunk, self.i = [], 0
        self.seek_to = int(st["offset"])

    def close(self):
        if self.reader is not None:
            self.reader.close()
            self.reader = None


def _tfrecord(filenames, compression_type=None, buffer_size=None, num_parallel_reads=None,
              name=None):
    """Records (serialized bytes) of one or more TFRecord files (``tf.data.TFRecordDataset``).

    ``num_parallel_reads`` reads that many files at once on background threads, in
    TensorFlow's (deterministic) interleave order.
    """
    from tensorflux._src.io.tfrecord import normalize_compression_type
    ctype = normalize_compression_type(compression_type.numpy().decode() if hasattr(
        compression_type, "numpy") else compression_type)
    bs = None if buffer_size is None else _int(buffer_size, "buffer_size")
    return _per_file(filenames, lambda p: _SingleFile(
        lambda: _TFRecordIt(p, ctype, bs), _STR), num_parallel_reads, _STR)


# --- text lines -------------------------------------------------------------------------
def _open_text(path, ctype):
    from tensorflux._src.io import gfile
    raw = gfile.open_binary(path, "rb")
    if ctype == "GZIP":
        import gzip
        return gzip.GzipFile(fileobj=raw)
    if ctype == "ZLIB":
        import zlib
        data = zlib.decompress(raw.read())
        raw.close()
        return _pyio.BytesIO(data)
    return raw


class _LineIt(It):
    def __init__(self, path, ctype, skip=0):
        self.path, self.ctype, self.f, self.pos = path, ctype, None, 0
        self.skip = skip

    def next(self):
        if self.f is None:
            self.f = _open_text(self.path, self.ctype)
            if self.pos:
                self.f.seek(self.pos)
            else:
                for _ in range(self.skip):
                    self.f.readline()
        line = self.f.readline()
        if not line:
            raise StopIteration
        self.pos = self.f.tell()
        if line.endswith(b"\n"):
            line = line[:-1]
            if line.endswith(b"\r"):
                line = line[:-1]
        return (np.array(line, dtype=object),)

    def save(self):
        if self.f is not None:
            self.pos = self.f.tell()
        return {"pos": self.pos}

    def restore(self, st):
        self.close()
        self.pos = int(st["pos"])

    def close(self):
        if self.f is not None:
            self.f.close()
            self.f = None


def _ctype(compression_type):
    from tensorflux._src.io.tfrecord import normalize_compression_type
    return normalize_compression_type(compression_type)


def _textline(filenames, compression_type=None, buffer_size=None, num_parallel_reads=None,
              name=None):
    """The lines (without line ends) of text files (``tf.data.TextLineDataset``)."""
    ct = _ctype(compression_type)
    return _per_file(filenames, lambda p: _SingleFile(lambda: _LineIt(p, ct), _STR),
                     num_parallel_reads, _STR)


# --- fixed length -----------------------------------------------------------------------
class _FixedIt(It):
    def __init__(self, path, rb, hb, fb, ctype):
        self.path, self.rb, self.hb, self.fb, self.ctype = path, rb, hb, fb, ctype
        self.data, self.i = None, 0

    def next(self):
        if self.data is None:
            f = _open_text(self.path, self.ctype)
            try:
                self.data = f.read()
            finally:
                f.close()
            body = len(self.data) - self.hb - self.fb
            if body < 0 or body % self.rb:
                raise errors.InvalidArgumentError(
                    None, None, f"Excluding the header ({self.hb} bytes) and footer "
                    f"({self.fb} bytes), input file \"{self.path}\" has body length {body} "
                    f"bytes, which is not an exact multiple of the record length "
                    f"({self.rb} bytes).")
            self.n = body // self.rb
        if self.i >= self.n:
            raise StopIteration
        s = self.hb + self.i * self.rb
        self.i += 1
        return (np.array(self.data[s:s + self.rb], dtype=object),)

    def save(self):
        return {"i": self.i}

    def restore(self, st):
        self.i = int(st["i"])


def _fixed(filenames, record_bytes, header_bytes=None, footer_bytes=None, buffer_size=None,
           compression_type=None, num_parallel_reads=None, name=None):
    """Fixed-size records of binary files (``tf.data.FixedLengthRecordDataset``)."""
    rb = _int(record_bytes, "record_bytes")
    if rb <= 0:
        raise errors.InvalidArgumentError(None, None, f"record_bytes must be > 0, got {rb}")
    hb = 0 if header_bytes is None else _int(header_bytes, "header_bytes")
    fb = 0 if footer_bytes is None else _int(footer_bytes, "footer_bytes")
    ct = _ctype(compression_type)
    return _per_file(filenames, lambda p: _SingleFile(lambda: _FixedIt(p, rb, hb, fb, ct),
                                                      _STR), num_parallel_reads, _STR)


# --- CSV --------------------------------------------------------------------------------
def _default_of(d):
    """(dtype, default value or None when the column is required)."""
    if isinstance(d, _dt.DType):
        return d, None
    if hasattr(d, "numpy") and hasattr(d, "dtype"):
        v = np.asarray(d.numpy()).reshape(-1)
        return d.dtype, (v[0] if v.size else None)
    arr = np.asarray(d if not isinstance(d, str) else d.encode(), dtype=None)
    if arr.dtype.kind in "SUO":
        v = arr.reshape(-1)
        return _dt.string, (v[0] if v.size else None)
    from tensorflux._src.framework.convert import convert_to_tensor
    t = convert_to_tensor(d)
    v = np.asarray(t.numpy()).reshape(-1)
    return t.dtype, (v[0] if v.size else None)


def _convert(field, dtype, default, col, path):
    if field == "" or field is None:
        if default is None:
            raise errors.InvalidArgumentError(
                None, None, f"Field {col} is required but missing in record in file {path}")
        v = default
    else:
        try:
            if dtype is _dt.string:
                v = field.encode()
            elif dtype.is_integer:
                v = int(field)
            else:
                v = float(field)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Field {col} in record is not a valid {dtype.name}: {field!r} "
                f"(file {path})") from None
    if dtype is _dt.string:
        return np.array(v if isinstance(v, bytes) else str(v).encode(), dtype=object)
    return np.asarray(v, dtype=dtype.np_dtype)


class _CsvIt(_LineIt):
    def __init__(self, path, ctype, header, defaults, cols, delim, quote, na):
        super().__init__(path, ctype, skip=1 if header else 0)
        self.defaults, self.cols, self.delim, self.quote, self.na = (
            defaults, cols, delim, quote, na)

    def next(self):
        while True:
            line = super().next()[0][()]
            if line.strip():
                break
        text = line.decode("utf-8")
        if self.quote:
            fields = next(csv.reader([text], delimiter=self.delim))
        else:
            fields = text.split(self.delim)
        out = []
        for (dtype, default), c in zip(self.defaults, self.cols):
            if c >= len(fields):
                raise errors.InvalidArgumentError(
                    None, None, f"Expect {len(self.cols)} fields but have {len(fields)} in "
                    f"record in file {self.path}")
            f = fields[c]
            if self.na and f == self.na:
                f = ""
            out.append(_convert(f, dtype, default, c, self.path))
        return tuple(out)


def _csv(filenames, record_defaults, compression_type=None, buffer_size=None, header=False,
         field_delim=",", use_quote_delim=True, na_value="", select_cols=None,
         exclude_cols=None, name=None):
    """Records of CSV files as tuples of scalars (``tf.data.experimental.CsvDataset``)."""
    defaults = [_default_of(d) for d in record_defaults]
    for dt_, _ in defaults:
        if dt_ not in (_dt.int32, _dt.int64, _dt.float32, _dt.float64, _dt.string):
            raise TypeError(f"record_defaults must be int32, int64, float32, float64 or "
                            f"string, got {dt_.name}")
    if select_cols is not None and exclude_cols is not None:
        raise ValueError("Either select_cols or exclude_cols should be empty")
    if select_cols is not None:
        cols = [int(c) for c in select_cols]
        if cols != sorted(cols) or len(set(cols)) != len(cols):
            raise errors.InvalidArgumentError(None, None, "select_cols is not strictly "
                                                          "increasing.")
        if len(cols) != len(defaults):
            raise ValueError("Length of select_cols and record_defaults do not match.")
    elif exclude_cols is not None:
        ex = set(int(c) for c in exclude_cols)
        cols, c = [], 0
        while len(cols) < len(defaults):
            if c not in ex:
                cols.append(c)
            c += 1
    else:
        cols = list(range(len(defaults)))
    ct = _ctype(compression_type)
    spec = tuple(TensorSpec([], d) for d, _ in defaults)
    return _per_file(filenames, lambda p: _SingleFile(
        lambda: _CsvIt(p, ct, header, defaults, cols, field_delim, use_quote_delim, na_value),
        spec), None, spec)


class _ReaderDataset(DatasetV2):
    """A public reader class (isinstance-checkable) wrapping the pipeline that reads."""

    _build = None

    def __init__(self, *args, **kwargs):
        self._impl = type(self)._build(*args, **kwargs)
        self._inputs = (self._impl,)
        self._spec = self._impl.element_spec

    def _make_it(self, ctx):
        return self._impl._make_it(ctx)

    def _cardinality(self):
        return self._impl._cardinality()


class TFRecordDataset(_ReaderDataset):
    """Records (serialized bytes) of TFRecord files (``tf.data.TFRecordDataset``);
    ``num_parallel_reads`` reads that many files at once in TensorFlow's interleave order."""

    _build = staticmethod(_tfrecord)
    _tf_stage = "TFRecord"


class TextLineDataset(_ReaderDataset):
    """The lines (without line ends) of text files (``tf.data.TextLineDataset``)."""

    _build = staticmethod(_textline)
    _tf_stage = "TextLine"


class FixedLengthRecordDataset(_ReaderDataset):
    """Fixed-size records of binary files (``tf.data.FixedLengthRecordDataset``)."""

    _build = staticmethod(_fixed)
    _tf_stage = "FixedLengthRecord"


class CsvDataset(_ReaderDataset):
    """CSV records as tuples of scalars (``tf.data.experimental.CsvDataset``)."""

    _build = staticmethod(_csv)
    _tf_stage = "CSV"


def _infer_type(values):
    kind = _dt.int32
    for v in values:
        if v == "":
            continue
        try:
            iv = int(v)
            if kind is _dt.int32 and not -2 ** 31 <= iv < 2 ** 31:
                kind = _dt.int64
            continue
        except ValueError:
            pass
        try:
            float(v)
            if kind in (_dt.int32, _dt.int64):
                kind = _dt.float32
            continue
        except ValueError:
            return _dt.string
    return kind


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim=True, na_value="", header=True, num_epochs=None,
                     shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8"):
    """Batches of ``(features dict, label)`` from CSV files (TensorFlow's helper)."""
    from tensorflux._src.io import gfile
    files = sorted(gfile.glob(file_pattern)) if isinstance(file_pattern, str) else \
        list(file_pattern)
    if not files:
        raise ValueError(f"No files match `file_pattern` {file_pattern!r}.")
    with _open_text(files[0], _ctype(compression_type)) as f:
        head = [f.readline().decode(encoding).rstrip("\r\n")
                for _ in range(num_rows_for_inference + 1)]
    rows = [next(csv.reader([h], delimiter=field_delim)) for h in head if h]
    if column_names is None:
        if not header:
            raise ValueError("Cannot infer column names without a header line.")
        column_names = rows[0]
    column_names = list(column_names)
    data_rows = rows[1:] if header else rows
    if select_columns is not None:
        idx = [column_names.index(c) if isinstance(c, str) else int(c) for c in select_columns]
    else:
        idx = list(range(len(column_names)))
    if column_defaults is None:
        column_defaults = [_infer_type([r[i] if i < len(r) else "" for r in data_rows])
                           for i in idx]
        column_defaults = [_dt.as_dtype(d) if d is not _dt.string else "" for d in
                           column_defaults]
        column_defaults = [d if d != "" else "" for d in column_defaults]
        column_defaults = [(np.array([0], d.np_dtype) if isinstance(d, _dt.DType) else [""])
                           for d in column_defaults]
    names = [column_names[i] for i in idx]
    if label_name is not None and label_name not in names:
        raise ValueError(f"`label_name` provided must be one of the columns: {names}.")
    ds = _csv(files, column_defaults, compression_type, None, header, field_delim,
                    use_quote_delim, na_value, select_cols=idx)
    if ignore_errors:
        ds = ds.ignore_errors()
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)

    def to_dict(*cols):
        feats = collections.OrderedDict(zip(names, cols))
        if label_name is None:
            return feats
        label = feats.pop(label_name)
        return feats, label
    ds = ds.batch(batch_size).map(to_dict)
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


def list_files(file_pattern, shuffle=None, seed=None):
    """Files matching glob pattern(s), sorted; shuffled unless ``shuffle=False``."""
    from tensorflux._src.io import gfile
    pats = file_pattern.numpy() if hasattr(file_pattern, "numpy") else file_pattern
    pats = [p.decode() if isinstance(p, bytes) else str(p)
            for p in np.asarray(pats, dtype=object).reshape(-1)]
    names = sorted({n for p in pats for n in gfile.glob(p)})
    if not names:
        raise errors.InvalidArgumentError(
            None, None, f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. No "
            f"files matched pattern: {', '.join(pats)}")
    arr = np.empty(len(names), dtype=object)
    arr[:] = [n.encode() for n in names]
    ds = DatasetV2.from_tensor_slices(arr)
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds


__all__ = ["TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset", "CsvDataset",
           "make_csv_dataset", "list_files", "nest"]
