"""Turn what ``fit``/``evaluate``/``predict`` accept into per-epoch batch iterators.

NumPy arrays / tensors / dicts / lists (sliced into batches), ``tf.data.Dataset`` (duck
typed), Python generators and ``keras.utils.PyDataset``/``Sequence``.
"""

from __future__ import annotations

import math

import numpy as np

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux._src.framework.tensor import Tensor


def unpack_x_y_sample_weight(data):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> the triple (Keras's helper)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,) if not isinstance(x, (list, tuple)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_dataset(x):
    mod = type(x).__module__
    return hasattr(x, "element_spec") and hasattr(x, "__iter__") and (
        mod.startswith("tensorflux") or "Dataset" in type(x).__name__)


def _is_pydataset(x):
    return hasattr(x, "__getitem__") and hasattr(x, "__len__") and not isinstance(
        x, (np.ndarray, list, tuple, dict, Tensor)) and not _is_dataset(x)


def _is_generator(x):
    import types

    return isinstance(x, types.GeneratorType) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__") and not _is_dataset(x))


def _to_array(x):
    if x is None:
        return None
    if isinstance(x, Tensor) or getattr(x, "_is_variable", False):
        return x.numpy()
    if hasattr(x, "values") and hasattr(x, "columns"):     # pandas DataFrame
        return np.asarray(x.values)
    return np.asarray(x)


def _to_tensor(a):
    if a is None:
        return None
    if a.dtype == np.float64:
        a = a.astype(np.float32)
    return tf.convert_to_tensor(a)


def _as_float32(a):
    return a.astype(np.float32) if a is not None and a.dtype == np.float64 else a


def _repack(parts, flat, vals):
    out, k = [], 0
    for p, f in zip(parts, flat):
        if p is None:
            out.append(None)
            continue
        out.append(nest.pack_sequence_as(p, vals[k:k + len(f)]))
        k += len(f)
    return out


def class_weight_to_sample_weight(y, class_weight):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        idx = np.argmax(y, axis=-1)
    elif y.ndim == 2 and y.shape[1] == 1:
        idx = np.round(y[:, 0]).astype(np.int64)
    else:
        idx = np.round(y).astype(np.int64)
    lut = np.ones(max(int(idx.max()) + 1, max(class_weight) + 1), np.float32)
    for k, v in class_weight.items():
        lut[int(k)] = v
    return lut[idx]


class ArrayAdapter:
    """Batches of in-memory arrays; a shuffle permutes once per epoch, then slices."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None):
        self._x = nest.map_structure(_to_array, x)
        self._y = nest.map_structure(_to_array, y) if y is not None else None
        sw = _to_array(sample_weight) if sample_weight is not None else None
        if class_weight and self._y is not None:
            cw = class_weight_to_sample_weight(nest.flatten(self._y)[0], class_weight)
            sw = cw if sw is None else sw * cw
        self._sw = sw
        leaves = [a for a in nest.flatten((self._x, self._y, self._sw)) if a is not None]
        sizes = {a.shape[0] for a in leaves}
        if len(sizes) > 1:
            raise ValueError(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number "
                f"of samples. Received sizes: {sorted(sizes)}")
        self.num_samples = sizes.pop()
        self.batch_size = batch_size or 32
        self._steps = steps
        self.shuffle = shuffle

    @property
    def num_batches(self):
        n = math.ceil(self.num_samples / self.batch_size)
        return n if self._steps is None else min(self._steps, n)

    def epoch_batches(self):
        # The structure is flattened once per epoch (float64 -> float32 once, not per batch);
        # each step only slices the leaves and converts them (fit's per-step overhead).
        parts = (self._x, self._y, self._sw)
        flat = [nest.flatten(p) if p is not None else None for p in parts]
        leaves = [_as_float32(a) for f in flat if f is not None for a in f]
        if self.shuffle and self.shuffle != "batch":
            perm = np.random.permutation(self.num_samples)
            leaves = [None if a is None else a[perm] for a in leaves]
        bs = self.batch_size
        order = range(self.num_batches)
        if self.shuffle == "batch":
            order = np.random.permutation(self.num_batches)
        simple = all(f is not None and len(f) == 1 and not nest.is_nested(p)
                     for f, p in zip(flat, parts) if p is not None)
        convert = tf.convert_to_tensor
        for i in order:
            lo = i * bs
            vals = [None if a is None else convert(a[lo:lo + bs]) for a in leaves]
            if simple:
                it = iter(vals)
                x, y, sw = (None if p is None else next(it) for p in parts)
            else:
                x, y, sw = _repack(parts, flat, vals)
            yield pack_x_y_sample_weight(x, y, sw)


class IterableAdapter:
    """tf.data datasets, generators and PyDatasets: yields their elements as batches."""

    def __init__(self, data, steps=None, class_weight=None):
        self._data = data
        self._steps = steps
        self._class_weight = class_weight
        self._iter = None
        if _is_pydataset(data):
            self._kind = "pydataset"
        elif _is_dataset(data):
            self._kind = "dataset"
        else:
            self._kind = "generator"

    @property
    def num_batches(self):
        if self._steps is not None:
            return self._steps
        if self._kind == "pydataset":
            return len(self._data)
        if self._kind == "dataset":
            try:
                n = int(self._data.cardinality())
            except Exception:
                return None
            return n if n >= 0 else None
        return None

    def _fresh_iter(self):
        if self._kind == "pydataset":
            d = self._data
            return (d[i] for i in range(len(d)))
        return iter(self._data)

    def _convert(self, elem):
        if isinstance(elem, list):
            elem = tuple(elem)
        x, y, sw = unpack_x_y_sample_weight(elem)

        def conv(a):
            if a is None or isinstance(a, Tensor):
                return a
            return _to_tensor(np.asarray(a))
        x, y, sw = (nest.map_structure(conv, v) if v is not None else None for v in (x, y, sw))
        if self._class_weight and y is not None:
            cw = class_weight_to_sample_weight(nest.flatten(y)[0].numpy(), self._class_weight)
            sw = tf.constant(cw) if sw is None else sw * cw
        return pack_x_y_sample_weight(x, y, sw)

    def epoch_batches(self):
        if self._steps is None or self._kind == "pydataset":
            it = self._fresh_iter()
            count = 0
            for elem in it:
                if self._steps is not None and count >= self._steps:
                    break
                yield self._convert(elem)
                count += 1
            if self._kind == "pydataset" and hasattr(self._data, "on_epoch_end"):
                self._data.on_epoch_end()
            return
        # With steps_per_epoch, one iterator spans epochs (Keras 3), restarted when exhausted.
        if self._iter is None:
            self._iter = self._fresh_iter()
        for _ in range(self._steps):
            try:
                elem = next(self._iter)
            except StopIteration:
                if self._kind == "generator":
                    return
                self._iter = self._fresh_iter()
                try:
                    elem = next(self._iter)
                except StopIteration:
                    return
            yield self._convert(elem)


def get_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                class_weight=None):
    if _is_dataset(x) or _is_pydataset(x) or _is_generator(x):
        if y is not None:
            raise ValueError("`y` argument is not supported when using a dataset, generator or "
                             "PyDataset as input: pass the targets inside `x`.")
        if sample_weight is not None:
            raise ValueError("`sample_weight` argument is not supported when using a dataset, "
                             "generator or PyDataset as input.")
        return IterableAdapter(x, steps, class_weight)
    if x is None:
        raise ValueError("Unexpected value for `x`: None. Pass NumPy arrays, tensors, a "
                         "tf.data.Dataset, a generator or a keras.utils.PyDataset.")
    return ArrayAdapter(x, y, sample_weight, batch_size, steps, shuffle, class_weight)


def train_validation_split(arrays, validation_split):
    """Split the last ``validation_split`` fraction off every array (before shuffling)."""
    flat = [a for a in nest.flatten(arrays) if a is not None]
    for a in flat:
        if not isinstance(a, (np.ndarray, Tensor, list)):
            raise ValueError("`validation_split` is only supported for arrays and tensors, not "
                             f"for {type(a).__name__}. Pass `validation_data` instead.")
    n = len(_to_array(flat[0]))
    split = int(math.floor(n * (1.0 - validation_split)))
    if split == 0 or split == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, "
                         "or a different value for the `validation_split` argument.")

    def cut(a, lo, hi):
        return None if a is None else _to_array(a)[lo:hi]
    train = nest.map_structure(lambda a: cut(a, 0, split), arrays)
    val = nest.map_structure(lambda a: cut(a, split, None), arrays)
    return train, val
