"""``tf.io.gfile``: file access for local paths (os) and any fsspec URL (``scheme://...``).

Local paths need nothing beyond the standard library; URLs need ``fsspec`` (``pip install
tensorflux[io]``). Errors are TensorFlow's: missing files raise ``NotFoundError``, existing
targets ``AlreadyExistsError``, other OS failures ``FailedPreconditionError``/``UnknownError``.
"""

import errno
import glob as _glob
import os
import shutil

from tensorflux._src.core import errors

__all__ = ["GFile", "FileStatistics", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir",
           "remove", "rename", "rmtree", "stat", "walk", "copy", "join", "get_registered_schemes"]


def _fspath(path) -> str:
    if isinstance(path, bytes):
        return path.decode("utf-8")
    if hasattr(path, "numpy"):  # a scalar string tensor
        v = path.numpy()
        return v.decode("utf-8") if isinstance(v, bytes) else str(v)
    return os.fspath(path)


def _is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _local(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def _remote(path: str):
    """(filesystem, stripped path) for an fsspec URL."""
    try:
        import fsspec
    except ImportError as e:  # pragma: no cover - fsspec is installed in dev
        raise ImportError(f"Opening {path!r} needs fsspec: pip install tensorflux[io]") from e
    return fsspec.core.url_to_fs(path)


def _raise_os_error(e: OSError, path: str):
    msg = f"{path}; {e.strerror or e}"
    if isinstance(e, FileNotFoundError) or e.errno == errno.ENOENT:
        raise errors.NotFoundError(None, None, msg) from None
    if isinstance(e, FileExistsError) or e.errno == errno.EEXIST:
        raise errors.AlreadyExistsError(None, None, msg) from None
    if isinstance(e, PermissionError):
        raise errors.PermissionDeniedError(None, None, msg) from None
    if isinstance(e, (IsADirectoryError, NotADirectoryError)) or e.errno == errno.ENOTEMPTY:
        raise errors.FailedPreconditionError(None, None, msg) from None
    raise errors.UnknownError(None, None, msg) from None


def _not_found(path: str):
    raise errors.NotFoundError(None, None, f"{path}; No such file or directory")


def open_binary(path, mode: str = "rb"):
    """A raw binary file object for ``path`` (used by the TFRecord reader/writer)."""
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        if "r" in mode and not fs.exists(p):
            _not_found(path)
        return fs.open(p, mode)
    try:
        return open(_local(path), mode)
    except OSError as e:
        _raise_os_error(e, path)


class GFile:
    """TensorFlow's file object: byte offsets for seek/tell, ``str`` in text modes."""

    def __init__(self, name, mode="r"):
        if mode not in ("r", "rb", "w", "wb", "a", "ab", "r+", "rb+", "w+", "wb+", "a+", "ab+"):
            raise errors.InvalidArgumentError(
                None, None, f"mode {mode!r} not supported; use r, w, a (+ 'b' for bytes)")
        self._name = _fspath(name)
        self._mode = mode
        self._binary = "b" in mode
        self._f = None  # opened lazily, as TensorFlow does

    name = property(lambda self: self._name)
    mode = property(lambda self: self._mode)

    def _file(self):
        if self._f is None:
            self._f = open_binary(self._name, self._mode.replace("b", "") + "b")
        return self._f

    def _out(self, data: bytes):
        return data if self._binary else data.decode("utf-8")

    def size(self) -> int:
        return stat(self._name).length

    def read(self, n=-1):
        return self._out(self._file().read(-1 if n is None or n < 0 else n))

    def readline(self):
        return self._out(self._file().readline())

    def readlines(self):
        return [self._out(line) for line in self._file().readlines()]

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__

    def write(self, file_content):
        if isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        self._file().write(bytes(file_content))

    def seek(self, offset=None, whence=0, position=None):
        if position is not None:
            offset = position
        self._file().seek(offset, whence)

    def tell(self) -> int:
        return self._file().tell()

    def seekable(self) -> bool:
        return True

    def flush(self):
        if self._f is not None:
            self._f.flush()

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileStatistics:
    """Result of ``stat``: ``length``, ``mtime_nsec``, ``is_directory``."""

    def __init__(self, length=0, mtime_nsec=0, is_directory=False):
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory

    def __repr__(self):
        return (f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, "
                f"is_directory={self.is_directory})")


def exists(path) -> bool:
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        return fs.exists(p)
    return os.path.exists(_local(path))


def isdir(path) -> bool:
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        return fs.isdir(p)
    return os.path.isdir(_local(path))


def stat(path) -> FileStatistics:
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        if not fs.exists(p):
            _not_found(path)
        info = fs.info(p)
        mtime = info.get("mtime") or info.get("created") or 0
        if hasattr(mtime, "timestamp"):
            mtime = mtime.timestamp()
        return FileStatistics(int(info.get("size") or 0), int(float(mtime) * 1e9),
                              info.get("type") == "directory")
    try:
        st = os.stat(_local(path))
    except OSError as e:
        _raise_os_error(e, path)
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(_local(path)))


def listdir(path) -> list:
    """Entry names (not paths) in directory ``path``."""
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        if not fs.isdir(p):
            _not_found(path)
        return sorted(e.rstrip("/").rsplit("/", 1)[-1] for e in fs.ls(p, detail=False))
    if not os.path.isdir(_local(path)):
        _not_found(path)
    return os.listdir(_local(path))


def glob(pattern) -> list:
    """Paths matching ``pattern`` (``*``, ``?``, ``[...]``), sorted."""
    pattern = _fspath(pattern)
    if _is_url(pattern):
        fs, p = _remote(pattern)
        return sorted(fs.unstrip_protocol(m) for m in fs.glob(p))
    return sorted(_glob.glob(_local(pattern)))


def makedirs(path):
    """Creates ``path`` and missing parents; fine if it already exists."""
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        fs.makedirs(p, exist_ok=True)
        return
    try:
        os.makedirs(_local(path), exist_ok=True)
    except OSError as e:
        _raise_os_error(e, path)


def mkdir(path):
    """Creates one directory; the parent must exist and ``path`` must not."""
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        if fs.exists(p):
            raise errors.AlreadyExistsError(None, None, f"{path}; File exists")
        fs.mkdir(p, create_parents=False)
        return
    try:
        os.mkdir(_local(path))
    except OSError as e:
        _raise_os_error(e, path)


def remove(path):
    """Deletes a file (``NotFoundError`` if missing)."""
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        if not fs.exists(p):
            _not_found(path)
        fs.rm_file(p)
        return
    try:
        os.remove(_local(path))
    except OSError as e:
        _raise_os_error(e, path)


def rmtree(path):
    """Deletes a directory and everything under it."""
    path = _fspath(path)
    if _is_url(path):
        fs, p = _remote(path)
        if not fs.exists(p):
            _not_found(path)
        fs.rm(p, recursive=True)
        return
    try:
        shutil.rmtree(_local(path))
    except OSError as e:
        _raise_os_error(e, path)


def _check_target(dst: str, overwrite: bool):
    if not overwrite and exists(dst):
        raise errors.AlreadyExistsError(
            None, None, f"file already exists: {dst}; pass overwrite=True to replace it")


def rename(src, dst, overwrite=False):
    """Moves ``src`` to ``dst`` (``AlreadyExistsError`` unless ``overwrite``)."""
    src, dst = _fspath(src), _fspath(dst)
    _check_target(dst, overwrite)
    if not exists(src):
        _not_found(src)
    if not _is_url(src) and not _is_url(dst):
        try:
            os.replace(_local(src), _local(dst))
        except OSError as e:
            _raise_os_error(e, src)
        return
    if _is_url(src) and _is_url(dst) and src.split("://")[0] == dst.split("://")[0]:
        fs, p = _remote(src)
        fs.mv(p, _remote(dst)[1])
        return
    copy(src, dst, overwrite=True)
    remove(src)


def copy(src, dst, overwrite=False):
    """Copies file ``src`` to ``dst`` (``AlreadyExistsError`` unless ``overwrite``)."""
    src, dst = _fspath(src), _fspath(dst)
    _check_target(dst, overwrite)
    if not _is_url(src) and not _is_url(dst):
        try:
            shutil.copyfile(_local(src), _local(dst))
        except OSError as e:
            _raise_os_error(e, src)
        return
    with open_binary(src, "rb") as fin, open_binary(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)


def walk(top, topdown=True, onerror=None):
    """Yields ``(dirname, subdirs, files)`` like ``os.walk``."""
    top = _fspath(top)
    if not _is_url(top):
        yield from os.walk(_local(top), topdown=topdown, onerror=onerror)
        return
    try:
        names = listdir(top)
    except errors.NotFoundError as e:
        if onerror is not None:
            onerror(e)
        return
    subdirs, files = [], []
    for name in names:
        (subdirs if isdir(join(top, name)) else files).append(name)
    if topdown:
        yield top, subdirs, files
    for d in subdirs:
        yield from walk(join(top, d), topdown, onerror)
    if not topdown:
        yield top, subdirs, files


def join(path, *paths) -> str:
    path = _fspath(path)
    for p in paths:
        p = _fspath(p)
        if "://" in p or p.startswith("/"):
            path = p
        elif not path or path.endswith("/"):
            path += p
        else:
            path += "/" + p
    return path


def get_registered_schemes() -> list:
    """Schemes usable in paths: ``file`` plus every fsspec protocol."""
    try:
        from fsspec.registry import known_implementations
    except ImportError:
        return ["file"]
    return sorted({"file", *known_implementations})
