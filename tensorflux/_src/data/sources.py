"""Dataset sources: tensor slices, tensors, range, zip, concatenate, from_generator, random,
from_list."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors, nest
from tensorflux._src.data import structure
from tensorflux._src.data.dataset_ops import DatasetV2
from tensorflux._src.data.iterator_base import INFINITE, UNKNOWN, It, ListIt
from tensorflux._src.framework.function import TensorSpec


class _GenIt(It):
    def __init__(self, gen, args, spec):
        self.gen, self.args, self.spec = gen, args, spec
        self.it = None

    def next(self):
        if self.it is None:
            self.it = iter(self.gen(*self.args))
        v = next(self.it)
        return structure.to_components(v, self.spec)

    def save(self):
        raise errors.FailedPreconditionError(
            None, None, "Failed to checkpoint the iterator: a `from_generator` dataset runs "
            "Python code whose state cannot be saved. Use a dataset built from tensors or "
            "files, or save the generator's own position.")

    def close(self):
        close = getattr(self.it, "close", None)
        if close is not None:
            try:
                close()
            except ValueError:  # still running in another thread: it ends with the thread
                pass


class _GeneratorDataset(DatasetV2):
    def __init__(self, gen, args, spec):
        self._gen, self._args, self._spec = gen, args, spec

    def _make_it(self, ctx):
        return _GenIt(self._gen, self._args, self._spec)


def from_generator(generator, output_types=None, output_shapes=None, args=None,
                   output_signature=None):
    if not callable(generator):
        raise TypeError("`generator` must be a Python callable.")
    if output_signature is not None:
        if output_types is not None:
            raise TypeError("The `output_types` argument can not be used together with the "
                            "`output_signature` argument.")
        if output_shapes is not None:
            raise TypeError("The `output_shapes` argument can not be used together with the "
                            "`output_signature` argument.")
        for s in nest.flatten(output_signature):
            if not structure.is_spec(s):
                raise TypeError(f"`output_signature` must contain objects that are subclass "
                                f"of `tf.TypeSpec` but found {type(s).__name__} which is not.")
        spec = output_signature
    else:
        if output_types is None:
            raise TypeError("To specify the output signature you need to provide either the "
                            "`output_signature` argument or the `output_types` argument.")
        if output_shapes is None:
            output_shapes = nest.map_structure(lambda _: None, output_types)
        flat_types = nest.flatten(output_types)
        if nest.is_nested(output_types) and not nest.is_nested(output_shapes):
            flat_shapes = [output_shapes] * len(flat_types)
        else:
            flat_shapes = _shapes_up_to(output_types, output_shapes)
        spec = nest.pack_sequence_as(output_types, [
            TensorSpec(s, _dt.as_dtype(t)) for t, s in zip(flat_types, flat_shapes)])
    if args is not None:
        from tensorflux._src.framework.tensor import EagerTensor
        args = tuple(a if isinstance(a, EagerTensor) else a for a in args)
        args = tuple(a.numpy() if hasattr(a, "numpy") else a for a in args)
    return _GeneratorDataset(generator, tuple(args or ()), spec)


def _shapes_up_to(types, shapes):
    if not nest.is_nested(types):
        return [shapes]
    if isinstance(types, dict):
        return [x for k in sorted(types) for x in _shapes_up_to(types[k], shapes[k])]
    out = []
    for t, s in zip(types, shapes):
        out.extend(_shapes_up_to(t, s))
    return out


# --- Dataset.random ---------------------------------------------------------------------
class _RandomIt(It):
    def __init__(self, rng):
        self.rng, self.bits = rng, rng.bit_generator

    def next(self):
        v = self.bits.random_raw()
        return (np.int64(v - (1 << 64) if v >= (1 << 63) else v),)

    def save(self):
        from tensorflux._src.data import codec
        return {"rng": codec.rng_state(self.rng)}

    def restore(self, st):
        from tensorflux._src.data import codec
        codec.set_rng_state(self.rng, st["rng"])


class RandomDataset(DatasetV2):
    """Uniform int64 scalars forever (``Dataset.random``); the same sequence every
    iteration unless ``rerandomize_each_iteration``."""

    _tf_stage = "Random"

    def __init__(self, seed, rerandomize):
        from tensorflux._src.data.shuffle import op_seeds
        self._seeds, self._rerandomize, self._epoch = op_seeds(seed), rerandomize, 0
        self._spec = TensorSpec([], _dt.int64)

    def _make_it(self, ctx):
        from tensorflux._src.data.shuffle import make_rng
        epoch = self._epoch
        if self._rerandomize:
            self._epoch += 1
        return _RandomIt(make_rng(self._seeds, epoch))

    def _cardinality(self):
        return INFINITE


# --- tf.data.experimental.from_list -----------------------------------------------------
def from_list(elements):
    """A dataset of the given list of elements (all of the same structure)."""
    if not isinstance(elements, list):
        raise TypeError(f"`elements` must be a list of elements, got {type(elements).__name__}")
    if not elements:
        raise ValueError("Invalid `elements`. `elements` should not be empty.")
    spec, comps, k = None, [], 0
    for k, e in enumerate(elements):
        s, c = structure.normalize(e)
        try:
            spec = s if spec is None else structure.relax(spec, s)
        except (TypeError, ValueError) as err:
            raise ValueError(f"Invalid `elements`. Element {k} ({s}) is not compatible with "
                             f"the earlier elements ({spec}): {err}") from None
        comps.append(c)
    return _ElementsDataset(comps, spec, "List")


class _SliceIt(It):
    def __init__(self, comps, n):
        self.comps, self.n, self.i = comps, n, 0

    def next(self):
        i = self.i
        if i >= self.n:
            raise StopIteration
        self.i = i + 1
        return tuple(c[i, ...] if c.dtype.hasobject else c[i] for c in self.comps)

    def save(self):
        return {"i": self.i}

    def restore(self, st):
        self.i = int(st["i"])


class _SliceDataset(DatasetV2):
    _tf_stage = "TensorSlice"

    def __init__(self, comps, spec, n):
        self._comps, self._spec, self._n = comps, spec, n

    def _make_it(self, ctx):
        return _SliceIt(self._comps, self._n)

    def _cardinality(self):
        return self._n


class _ElementsDataset(DatasetV2):
    """A fixed list of elements (from_tensors, windows)."""

    _tf_stage = "FromTensor"

    def __init__(self, elems, spec, stage=None):
        self._elems, self._spec = list(elems), spec
        if stage is not None:
            self._tf_stage = stage

    def _make_it(self, ctx):
        return ListIt(self._elems)

    def _cardinality(self):
        return len(self._elems)


class _RangeIt(It):
    def __init__(self, start, stop, step, np_dtype):
        self.cur, self.stop, self.step, self.dt = start, stop, step, np_dtype
        if stop is None:   # Dataset.counter
            self.stop = float("inf") if step > 0 else float("-inf")

    def next(self):
        c = self.cur
        if (self.step > 0 and c >= self.stop) or (self.step < 0 and c <= self.stop):
            raise StopIteration
        self.cur = c + self.step
        return (self.dt(c),)

    def save(self):
        return {"cur": self.cur}

    def restore(self, st):
        self.cur = int(st["cur"])


class _RangeDataset(DatasetV2):
    def __init__(self, start, stop, step, dtype, stage="Range"):
        self._args = (start, stop, step)
        self._dtype = dtype
        self._spec = TensorSpec([], dtype)
        self._tf_stage = stage

    def _make_it(self, ctx):
        return _RangeIt(*self._args, self._dtype.np_dtype.type)

    def _cardinality(self):
        start, stop, step = self._args
        if stop is None:
            return INFINITE
        return max(0, len(range(start, stop, step)))


class _ZipIt(It):
    def __init__(self, its):
        self.its = its

    def next(self):
        out = []
        for it in self.its:
            out.extend(it.next())
        return tuple(out)

    def save(self):
        return {str(i): it.save() for i, it in enumerate(self.its)}

    def restore(self, st):
        for i, it in enumerate(self.its):
            it.restore(st[str(i)])

    def close(self):
        for it in self.its:
            it.close()


class _ZipDataset(DatasetV2):
    def __init__(self, datasets):
        flat = nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, DatasetV2):
                raise TypeError(f"Invalid input to `zip`. Inputs are expected to be (nested) "
                                f"structures of `tf.data.Dataset` objects. Python `list` is "
                                f"not supported and you should use `tuple` instead. Got "
                                f"{type(d).__name__}.")
        if not flat:
            raise ValueError("Invalid input to `zip`. Expected at least one dataset.")
        self._datasets = flat
        self._inputs = tuple(flat)
        self._spec = nest.pack_sequence_as(datasets, [d.element_spec for d in flat])

    def _make_it(self, ctx):
        return _ZipIt([d._make_it(ctx) for d in self._datasets])

    def _cardinality(self):
        cs = [d._cardinality() for d in self._datasets]
        finite = [c for c in cs if c >= 0]
        if finite:
            return min(finite) if UNKNOWN not in cs else UNKNOWN
        return UNKNOWN if UNKNOWN in cs else INFINITE


class _ConcatIt(It):
    def __init__(self, ds, ctx):
        self.ds, self.ctx, self.k = ds, ctx, 0
        self.it = ds[0]._make_it(ctx)

    def next(self):
        while True:
            try:
                return self.it.next()
            except StopIteration:
                if self.k + 1 >= len(self.ds):
                    raise
                self.it.close()
                self.k += 1
                self.it = self.ds[self.k]._make_it(self.ctx)

    def save(self):
        return {"k": self.k, "it": self.it.save()}

    def restore(self, st):
        self.k = int(st["k"])
        self.it.close()
        self.it = self.ds[self.k]._make_it(self.ctx)
        self.it.restore(st["it"])

    def close(self):
        self.it.close()


class _ConcatenateDataset(DatasetV2):
    def __init__(self, a, b):
        if not isinstance(b, DatasetV2):
            raise TypeError(f"`dataset` must be a tf.data.Dataset, got {type(b).__name__}")
        try:
            self._spec = structure.relax(a.element_spec, b.element_spec)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Incompatible dataset elements:\n  {a.element_spec} vs. "
                            f"  {b.element_spec}\n({e})") from None
        self._inputs = (a, b)

    def _make_it(self, ctx):
        return _ConcatIt(self._inputs, ctx)

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b
