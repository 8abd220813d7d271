"""sample_from_datasets, choose_from_datasets and scan."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.data import codec, structure
from tensorflux._src.data.dataset_ops import DatasetV2, UnaryDataset
from tensorflux._src.data.iterator_base import INFINITE, UNKNOWN, It
from tensorflux._src.data.shuffle import make_rng, op_seeds
from tensorflux._src.data.tracing import TracedFunction
from tensorflux._src.data.transforms import _FnIt
from tensorflux._src.framework.function import TensorSpec


def _common_spec(datasets):
    spec = datasets[0].element_spec
    for d in datasets[1:]:
        spec = structure.relax(spec, d.element_spec)
    return spec


class _ChooseIt(It):
    """Picks the next input with ``choose() -> index``; ``None`` means stop."""

    def __init__(self, its, choose, stop_on_empty):
        self.its, self.choose, self.stop_on_empty = its, choose, stop_on_empty
        self.live = [True] * len(its)

    def next(self):
        while True:
            k = self.choose(self.live)
            if k is None:
                raise StopIteration
            if not self.live[k]:
                continue
            try:
                return self.its[k].next()
            except StopIteration:
                if self.stop_on_empty:
                    raise
                self.live[k] = False

    def save(self):
        st = {str(i): it.save() for i, it in enumerate(self.its)}
        st["live"] = np.array(self.live, np.int8)
        return st

    def restore(self, st):
        for i, it in enumerate(self.its):
            it.restore(st[str(i)])
        self.live = [bool(x) for x in st["live"]]

    def close(self):
        for it in self.its:
            it.close()


class _SampleDataset(DatasetV2):
    _tf_stage = "DirectedInterleave"

    def __init__(self, datasets, weights, seeds, stop_on_empty):
        self._inputs = tuple(datasets)
        self._spec = _common_spec(datasets)
        self._w, self._seeds, self._stop = weights, seeds, stop_on_empty
        self._epoch = 0

    def _make_it(self, ctx):
        rng = make_rng(self._seeds, self._epoch)
        self._epoch += 1
        w = self._w

        def choose(live):
            p = w * np.array(live, np.float64)
            if p.sum() <= 0:
                return None
            return int(rng.choice(len(p), p=p / p.sum()))
        it = _ChooseIt([d._make_it(ctx) for d in self._inputs], choose, self._stop)
        base_save, base_restore = it.save, it.restore
        it.save = lambda: {**base_save(), "rng": codec.rng_state(rng)}
        it.restore = lambda st: (base_restore(st), codec.set_rng_state(rng, st["rng"]))
        return it

    def _cardinality(self):
        cs = [d._cardinality() for d in self._inputs]
        if all(c == INFINITE for c in cs):
            return INFINITE
        return UNKNOWN


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    datasets = list(datasets)
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    if weights is None:
        w = np.ones(len(datasets), np.float64)
    else:
        if isinstance(weights, DatasetV2):
            raise NotImplementedError("weights given as a Dataset are not supported; pass a "
                                      "list or tensor of floats.")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, np.float64)
        if w.shape != (len(datasets),):
            raise ValueError(f"Invalid `weights`. The shape of `weights` should be compatible "
                             f"with `[len(datasets)]` but is {list(w.shape)}.")
    return _SampleDataset(datasets, w, op_seeds(seed), stop_on_empty_dataset)


class _ChooseDataset(DatasetV2):
    _tf_stage = "DirectedInterleave"

    def __init__(self, datasets, choice, stop_on_empty):
        self._inputs = tuple(datasets) + (choice,)
        self._datasets, self._choice = tuple(datasets), choice
        self._spec = _common_spec(list(datasets))
        self._stop = stop_on_empty

    def _make_it(self, ctx):
        cit = self._choice._make_it(ctx)
        n = len(self._datasets)

        def choose(live):
            if not any(live):
                return None
            try:
                k = int(cit.next()[0])
            except StopIteration:
                return None
            if not 0 <= k < n:
                raise errors.InvalidArgumentError(
                    None, None, f"Selector index out of range: {k} >= {n} datasets.")
            return k
        it = _ChooseIt([d._make_it(ctx) for d in self._datasets], choose, self._stop)
        base_save, base_restore = it.save, it.restore
        it.save = lambda: {**base_save(), "choice": cit.save()}
        it.restore = lambda st: (base_restore(st), cit.restore(st["choice"]))
        return it


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    datasets = list(datasets)
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    cs = choice_dataset.element_spec
    if not (isinstance(cs, TensorSpec) and cs.dtype is _dt.int64 and cs.shape.rank == 0):
        raise TypeError(f"Invalid `choice_dataset`. Elements of `choice_dataset` must be "
                        f"scalar of `tf.int64` dtype, but got {cs}.")
    return _ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)


class _ScanIt(_FnIt):
    def __init__(self, inp, fn, state, nstate):
        super().__init__(inp)
        self.fn, self.state, self.nstate = fn, state, nstate

    def next(self):
        e = self.inp.next()
        out = self.fn(tuple(self.state) + tuple(e))
        self.state = out[:self.nstate]
        return out[self.nstate:]

    def save(self):
        return {"in": self.inp.save(), "state": codec.pack_elements([self.state])}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.state = codec.unpack_elements(st["state"])[0]


class ScanDataset(UnaryDataset):
    def __init__(self, input_dataset, initial_state, scan_func):
        sspec, scomps = structure.normalize(initial_state)
        self._fn = TracedFunction(scan_func, (sspec, input_dataset.element_spec), "scan_func")
        out = self._fn.output_spec
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError("`scan_func` must return a pair (new_state, output_element).")
        new_state, elem = out
        try:
            structure.relax(sspec, new_state)
        except (TypeError, ValueError) as e:
            raise TypeError(f"The element types for the new state must match the initial "
                            f"state. Expected {sspec}; got {new_state}. ({e})") from None
        super().__init__(input_dataset, elem)
        self._state = scomps
        self._nstate = len(scomps)

    def _make_it(self, ctx):
        return _ScanIt(self._input._make_it(ctx), self._fn, self._state, self._nstate)
