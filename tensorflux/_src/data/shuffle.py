"""``Dataset.shuffle``: TensorFlow's buffered shuffle with a checkpointable RNG."""

from __future__ import annotations

import numpy as np

from tensorflux._src.data import codec
from tensorflux._src.data.dataset_ops import UnaryDataset
from tensorflux._src.data.transforms import _FnIt


def make_rng(seeds, epoch):
    """A PCG64 generator from (global seed, op seed) and the iteration number."""
    g, o = seeds
    if g is None:
        return np.random.default_rng()
    return np.random.Generator(np.random.PCG64([int(g), int(o), int(epoch)]))


def op_seeds(seed):
    from tensorflux._src.ops.random_seed import get_seed
    g, o = get_seed(seed)
    if g is None:   # unseeded: nondeterministic, fixed for this dataset object
        g, o = (int(x) for x in np.random.SeedSequence().generate_state(2))
    return g, o


class _ShuffleIt(_FnIt):
    def __init__(self, inp, size, rng, ds, epoch):
        super().__init__(inp)
        self.size, self.rng, self.ds, self.epoch = size, rng, ds, epoch
        self.buf = []
        self.done = False

    def next(self):
        buf = self.buf
        while not self.done and len(buf) < self.size:
            try:
                buf.append(self.inp.next())
            except StopIteration:
                self.done = True
        if not buf:
            raise StopIteration
        j = int(self.rng.integers(len(buf)))
        e = buf[j]
        if not self.done:
            try:
                buf[j] = self.inp.next()
                return e
            except StopIteration:
                self.done = True
        buf[j] = buf[-1]
        buf.pop()
        return e

    def save(self):
        return {"in": self.inp.save(), "buf": codec.pack_elements(self.buf),
                "done": int(self.done), "rng": codec.rng_state(self.rng),
                "epoch": self.epoch}

    def restore(self, st):
        self.inp.restore(st["in"])
        self.buf = codec.unpack_elements(st["buf"])
        self.done = bool(st["done"])
        codec.set_rng_state(self.rng, st["rng"])
        self.epoch = int(st["epoch"])
        if self.ds._reshuffle:
            self.ds._epoch = self.epoch + 1   # the next iteration continues the sequence


class ShuffleDataset(UnaryDataset):
    def __init__(self, input_dataset, size, seed, reshuffle):
        super().__init__(input_dataset)
        self._size, self._reshuffle = size, reshuffle
        self._seeds = op_seeds(seed)
        self._epoch = 0

    def _make_it(self, ctx):
        epoch = self._epoch
        if self._reshuffle:
            self._epoch += 1
        else:
            epoch = 0
        return _ShuffleIt(self._input._make_it(ctx), self._size,
                          make_rng(self._seeds, epoch), self, epoch)
