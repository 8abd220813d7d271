"""TFRecord files: byte-identical writer and a verifying reader (plain, GZIP, ZLIB).

Record framing (little-endian): ``uint64 length | uint32 masked_crc32c(length bytes) | data |
uint32 masked_crc32c(data)``. Compression wraps the whole framed stream in one zlib/gzip
stream. Reader outcomes follow TensorFlow 2.21 (``DataLossError`` texts "corrupted record at
<offset>" / "truncated record at <offset>", 1-11 trailing bytes read as a clean end).
"""

import io
import struct
import zlib

import numpy as np

from tensorflux._src.core import errors
from tensorflux._src.framework import malloc_tuning
from tensorflux._src.io import gfile
from tensorflux._src.io.crc32c import crc32c, mask, masked_crc32c

__all__ = ["RecordWriter", "RecordReader", "tf_record_iterator", "masked_crc32c",
           "normalize_compression_type"]

_HEADER = struct.Struct("<QI")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_DEFAULT_CHUNK = 1 << 20
_SIZE_MAX = (1 << 64) - 1
_WRITE_BUFFER = 1 << 20
def normalize_compression_type(compression_type) -> str:
    """None/''/'GZIP'/'ZLIB' (or a TFRecordOptions / 0,1,2 enum) -> '', 'GZIP' or 'ZLIB'."""
    if compression_type is None:
        return ""
    if hasattr(compression_type, "compression_type"):  # TFRecordOptions
        compression_type = compression_type.compression_type
        if compression_type is None:
            return ""
    if isinstance(compression_type, int) and not isinstance(compression_type, bool):
        if compression_type in (0, 1, 2):
            return ("", "ZLIB", "GZIP")[compression_type]
    if hasattr(compression_type, "numpy"):
        compression_type = compression_type.numpy()
    if isinstance(compression_type, bytes):
        compression_type = compression_type.decode()
    if isinstance(compression_type, str) and compression_type.upper() in ("", "GZIP", "ZLIB"):
        return compression_type.upper()
    raise ValueError(f'Not a valid compression_type: "{compression_type}"; '
                     'use None, "", "GZIP" or "ZLIB"')


def _wbits(ctype: str, window_bits=None) -> int:
    bits = 15 if window_bits is None else int(window_bits)
    return bits + 16 if ctype == "GZIP" else bits


class RecordWriter:
    """Appends records to a TFRecord file; output is byte-identical to TensorFlow's."""

    def __init__(self, path, compression_type=None, compression_level=None, *,
                 window_bits=None, mem_level=None, compression_strategy=None, flush_mode=None):
        self._path = gfile._fspath(path)
        self._ctype = normalize_compression_type(compression_type)
        self._f = gfile.open_binary(self._path, "wb")
        self._z = None
        self._flush_mode = zlib.Z_SYNC_FLUSH if flush_mode is None else int(flush_mode)
        if self._ctype:
            level = -1 if compression_level is None else int(compression_level)
            self._z = zlib.compressobj(
                level, zlib.DEFLATED, _wbits(self._ctype, window_bits),
                9 if mem_level is None else int(mem_level),
                zlib.Z_DEFAULT_STRATEGY if compression_strategy is None
                else int(compression_strategy))
        self._headers = {}
        self._pending, self._pending_n = [], 0  # compressed bytes not yet handed to the file
        if isinstance(self._f, io.BufferedWriter):  # local file: one ~1 MiB buffer
            self._f = io.BufferedWriter(self._f.detach(), _WRITE_BUFFER)

    def _drain(self):
        if self._pending:
            self._f.write(b"".join(self._pending))
            self._pending, self._pending_n = [], 0

    def _header(self, n: int) -> bytes:
        h = self._headers.get(n)
        if h is None:
            lb = _U64.pack(n)
            h = _HEADER.pack(n, masked_crc32c(lb))
            if len(self._headers) < 4096:
                self._headers[n] = h
        return h

    def write(self, record):
        """Appends one record (bytes-like, or str encoded as UTF-8)."""
        if self._f is None:
            raise errors.FailedPreconditionError(None, None, f"{self._path}: writer is closed")
        if type(record) is not bytes:
            record = record.encode("utf-8") if isinstance(record, str) else bytes(record)
        h = self._headers.get(len(record))
        if h is None:
            h = self._header(len(record))
        c = crc32c(record)
        c = _U32.pack((((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF)
        if self._z is None:  # straight into the buffered file: no framed copy
            w = self._f.write
            w(h)
            w(record)
            w(c)
            return
        framed = self._z.compress(b"".join((h, record, c)))
        if framed:
            self._pending.append(framed)
            self._pending_n += len(framed)
            if self._pending_n >= _WRITE_BUFFER:  # one file write per ~1 MiB
                self._drain()

    def write_many(self, records):
        """Appends several records in one file write."""
        parts = []
        for r in records:
            if not isinstance(r, bytes):
                r = r.encode("utf-8") if isinstance(r, str) else bytes(r)
            parts += (self._header(len(r)), r, _U32.pack(mask(crc32c(r))))
        data = b"".join(parts)
        if self._z is not None:
            data = self._z.compress(data)
        self._drain()
        self._f.write(data)

    def flush(self):
        """Pushes buffered bytes to the file (a compressed stream is sync-flushed)."""
        if self._f is None:
            return
        self._drain()
        if self._z is not None and self._flush_mode != zlib.Z_NO_FLUSH:
            self._f.write(self._z.flush(self._flush_mode))
        self._f.flush()

    def close(self):
        """Finishes the compressed stream (if any) and closes the file."""
        if self._f is None:
            return
        self._drain()
        if self._z is not None:
            self._f.write(self._z.flush(zlib.Z_FINISH))
            self._z = None
        self._f.close()
        self._f = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


class _Inflater:
    """File-like ``read(n)`` over a zlib/gzip stream (several gzip members allowed)."""

    def __init__(self, raw, wbits: int, chunk: int):
        self._raw, self._wbits, self._chunk = raw, wbits, chunk
        self._d = zlib.decompressobj(wbits)
        self._started = False
        self.truncated = False  # raw EOF inside an unfinished stream

    def read(self, n: int) -> bytes:
        out, got = [], 0
        while got < n:
            d = self._d
            if d.eof:
                feed = d.unused_data
                if not feed:
                    feed = self._raw.read(self._chunk)
                    if not feed:
                        break
                self._d = d = zlib.decompressobj(self._wbits)
            else:
                feed = d.unconsumed_tail or self._raw.read(self._chunk)
                if not feed:
                    self.truncated = self._started
                    break
            self._started = True
            try:
                data = d.decompress(feed, max(n - got, self._chunk))
            except zlib.error as e:
                code = str(e).split(" while")[0].replace("Error", "error")
                err = str(e).split(": ", 1)[-1]
                raise errors.DataLossError(
                    None, None, f"inflate() failed with {code}: {err}") from None
            if data:
                out.append(data)
                got += len(data)
        self.truncated = self.truncated and not self._d.eof
        return b"".join(out)

    def close(self):
        self._raw.close()


_MIN_RUN = 8
_MASK_DELTA = np.uint32(0xA282EAD8)


def _equal_run(buf, pos, end, length, header):
    """Bulk path for consecutive records of one length (fixed-shape data): one NumPy view
    finds the records from ``pos`` to the end of ``buf`` whose 12-byte header equals the
    (verified) ``header``, ``map`` computes their CRCs and one list comparison checks them
    against the stored (unmasked in NumPy) ones. Returns the good records; a record with
    another header or a bad CRC ends the run (the per-record loop then handles it and
    reports errors). Returns an empty list for runs shorter than ``_MIN_RUN``."""
    stride = length + 16
    m = (end - pos) // stride
    if m < _MIN_RUN:
        return []
    rows = np.frombuffer(buf, np.uint8, m * stride, pos).reshape(m, stride)
    if rows[:, :12].tobytes() != header * m:
        m = int(np.argmin((rows[:, :12] == rows[0, :12]).all(axis=1)))
        rows = rows[:m]
    start = pos + 12
    recs = [buf[p:p + length] for p in range(start, start + m * stride, stride)]
    crcs = list(map(crc32c, recs))
    x = rows[:, stride - 4:].copy().view("<u4").reshape(m) - _MASK_DELTA
    stored = ((x << 15) | (x >> 17)).tolist()  # unmasked stored CRCs
    if crcs != stored:
        del recs[next(i for i, (a, b) in enumerate(zip(crcs, stored)) if a != b):]
    return recs


class RecordReader:
    """Sequential TFRecord reader that checks both CRCs of every record.

    ``read()`` returns the next record or ``None`` at the end; ``offset`` is the byte offset
    of the next record in the uncompressed stream; ``seek(offset)`` restores a position.
    """

    def __init__(self, path, compression_type=None, buffer_size=None):
        self._path = gfile._fspath(path)
        self._ctype = normalize_compression_type(compression_type)
        self._chunk = int(buffer_size) if buffer_size and int(buffer_size) > 0 else _DEFAULT_CHUNK
        self._src = None
        self._headers = {}  # verified 12-byte headers -> record length
        malloc_tuning.tune()  # record batches reuse heap memory instead of fresh pages
        self._open()

    def _open(self):
        raw = gfile.open_binary(self._path, "rb")
        self._src = _Inflater(raw, _wbits(self._ctype), self._chunk) if self._ctype else raw
        self._buf, self._pos, self._base = b"", 0, 0
        self._next = None  # (chunk, start): stream bytes that follow ``_buf``, not yet used
        self._drop_ready()

    def _drop_ready(self):
        # records of an equal run already verified, lying in ``_buf`` from ``_pos`` on with
        # a common ``_ready_stride``; ``_ready_i`` is the next one to hand out
        self._ready, self._ready_i, self._ready_stride = [], 0, 0

    @property
    def path(self) -> str:
        return self._path

    @property
    def offset(self) -> int:
        return self._base + self._pos

    def _fill(self, k: int) -> int:
        """Makes at least ``k`` bytes available from ``_pos`` if the file has them.

        A record that straddles two chunks is copied into a small bridge buffer; the new
        chunk is kept in ``_next`` and becomes ``_buf`` (without a copy) once the bridge is
        used up."""
        have = len(self._buf) - self._pos
        if have >= k:
            return have
        if not have and self._next is not None:
            data, start = self._next
            self._next = None
            self._base += self._pos - start
            self._buf, self._pos = data, start
            have = len(data) - start
            if have >= k:
                return have
        parts = [self._buf[self._pos:]]
        need = k - have
        while need > 0:
            if self._next is not None:
                data, start = self._next
                self._next = None
            else:
                data, start = self._src.read(max(self._chunk, need)), 0
                if not data:
                    break
            piece = data[start:start + need]
            if start + need < len(data):
                self._next = (data, start + need)
            parts.append(piece)
            need -= len(piece)
        self._base += self._pos
        self._buf, self._pos = b"".join(parts), 0
        return len(self._buf)

    def _error(self, kind: str, offset: int, detail: str = ""):
        if kind == "corrupted" and offset == 0:
            detail = " (Is this even a TFRecord file?)"
        return errors.DataLossError(
            None, None, f"{kind} record at {offset}{detail} in file {self._path!r}")

    def read_many(self, n: int) -> list:
        """Up to ``n`` records; fewer at the end of the file. A bad record raises
        ``DataLossError`` once the good records before it have been returned."""
        if self._src is None:
            raise errors.FailedPreconditionError(None, None, f"{self._path}: reader is closed")
        out = []
        append = out.append
        unpack_header, unpack_u32, crc = _HEADER.unpack, _U32.unpack_from, crc32c
        headers = self._headers
        buf, pos, end = self._buf, self._pos, len(self._buf)
        try:
            while len(out) < n:
                ready = self._ready
                if ready:  # hand out verified records of the current equal run
                    i = self._ready_i
                    k = min(n - len(out), len(ready) - i)
                    out += ready[i:i + k] if k < len(ready) else ready
                    pos += k * self._ready_stride
                    if i + k < len(ready):
                        self._ready_i = i + k
                    else:
                        self._drop_ready()
                    continue
                if end - pos < 12:
                    self._pos = pos
                    avail = self._fill(12)
                    buf, pos, end = self._buf, self._pos, len(self._buf)
                    if avail < 12:
                        if getattr(self._src, "truncated", False):
                            raise self._error("truncated", self._base + pos,
                                              "' failed with EOF reached")
                        break  # clean end (0-11 trailing bytes are ignored, as in TF)
                header = buf[pos:pos + 12]
                length = headers.get(header)
                if length is None:  # records of one size share a header: check it once
                    length, hcrc = unpack_header(header)
                    c = crc(header[:8])
                    if (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF != hcrc:
                        raise self._error("corrupted", self._base + pos)
                    if length >= _SIZE_MAX - 4:
                        raise errors.DataLossError(None, None, "record size too large")
                    if len(headers) < 4096:
                        headers[header] = length
                if end - pos >= _MIN_RUN * (length + 16):
                    # verify the rest of the chunk at once; later calls take from ``_ready``
                    run = _equal_run(buf, pos, end, length, header)
                    if run:
                        self._ready, self._ready_stride = run, length + 16
                        continue
                stop = pos + 12 + length
                if stop + 4 > end:
                    self._pos = pos
                    avail = self._fill(16 + length)
                    buf, pos, end = self._buf, self._pos, len(self._buf)
                    if avail < 16 + length:
                        raise self._error("truncated", self._base + pos,
                                          "' failed with Read less bytes than requested")
                    stop = pos + 12 + length
                data = buf[pos + 12:stop]
                c = crc(data)
                if (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF != unpack_u32(buf, stop)[0]:
                    raise self._error("corrupted", self._base + pos)
                append(data)
                pos = stop + 4
        except errors.DataLossError:
            if not out:
                raise
            # deliver the good records; the next call reaches the bad one again
        self._pos = pos
        return out

    def read(self):
        """The next record as bytes, or ``None`` at the end of the file."""
        recs = self.read_many(1)
        return recs[0] if recs else None

    def __iter__(self):
        while True:
            recs = self.read_many(256)
            if not recs:
                return
            yield from recs

    def seek(self, offset: int):
        """Continues reading at uncompressed byte ``offset`` (a value of ``.offset``)."""
        offset = int(offset)
        self._drop_ready()
        if self._base <= offset <= self._base + len(self._buf):
            self._pos = offset - self._base
            return
        if not self._ctype and hasattr(self._src, "seek"):
            self._src.seek(offset)
            self._buf, self._pos, self._base = b"", 0, offset
            self._next = None
            return
        self._src.close()
        self._open()
        skip = offset
        while skip > 0:
            data = self._src.read(min(skip, self._chunk))  # may return more than asked
            if not data:
                raise errors.OutOfRangeError(
                    None, None, f"cannot seek {self._path!r} to {offset}: the stream ends first")
            if len(data) > skip:
                self._buf = data[skip:]
            skip -= len(data)
        self._base = offset

    def close(self):
        if self._src is not None:
            self._src.close()
            self._src = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tf_record_iterator(path, options=None):
    """``tf.compat.v1.io.tf_record_iterator``: yields each record's bytes."""
    with RecordReader(path, options) as reader:
        yield from reader
