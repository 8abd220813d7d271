"""TensorFlow 2's seeding rules (``tf.random.set_seed``) and the state of stateful random ops.

An op gets a seed pair ``(seed, seed2)`` from :func:`get_seed`, exactly by TensorFlow's
rules:

* no global seed and no op seed: ``(None, None)``, nondeterministic numbers;
* a global seed and no op seed: the op seed comes from a counter (eagerly: a Python
  ``random.Random`` seeded by the global seed; while tracing: the graph's op counter), so
  the same program after ``set_seed`` sees the same sequence;
* an op seed and no global seed: the global seed defaults to ``DEFAULT_GRAPH_SEED``;
* both: both.

Like TensorFlow's kernels, a stateful random op keeps generator state per op instance:
eagerly, one state per (op, seed pair, attrs), so repeated calls with the same explicit
seed continue one stream (different numbers each call); inside ``tf.function``, one state
per traced node, persisting across calls. ``set_seed`` resets all of it.

The numbers come from NumPy's Philox/PCG64 bit generators keyed by the seed pair: the
distributions and the determinism rules match TensorFlow, the bit streams do not.
"""

from __future__ import annotations

import random as _pyrandom
import threading

import numpy as np

from tensorflux._src.framework.context import state

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1

_lock = threading.RLock()


class _Global:
    seed = None            # the global seed (None: not set)
    rng = None             # random.Random producing eager op seeds
    generation = 0         # bumped by set_seed: every op state re-seeds itself
    nondet = None          # NumPy Generator for unseeded ops (numpy.random loads lazily)
    eager_states: dict = {}


_g = _Global()
_EAGER_CACHE_LIMIT = 4096


def _truncate_seed(seed):
    return int(seed) % _MAXINT32


def set_seed(seed):
    """Sets the global random seed (``tf.random.set_seed``).

    Operations that rely on a random seed derive it from the global seed and their own
    op seed. After ``set_seed``, the same program draws the same sequence of numbers.

    Args:
        seed: an integer, or None to clear the global seed.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.set_seed(5)
        >>> a = tf.random.uniform([2])
        >>> tf.random.set_seed(5)
        >>> b = tf.random.uniform([2])
        >>> bool(tf.reduce_all(a == b))
        True
    """
    with _lock:
        if seed is not None:
            seed = int(getattr(seed, "numpy", lambda: seed)())
        g = state.graph
        if g is not None:
            # Inside a trace, set the seed of the graph being built (tf.compat.v1 style).
            g.seed = seed
            g._op_seed_counter = 0
            return
        _g.seed = seed
        _g.rng = _pyrandom.Random(seed) if seed is not None else None
        _g.generation += 1
        _g.eager_states.clear()


def global_seed():
    """The global seed set with ``set_seed`` (None when unset)."""
    return _g.seed


def _graph_seed(g):
    """A traced graph's seed: its own (or an enclosing graph's), else the global seed."""
    while g is not None:
        if g.seed is not None:
            return g.seed
        g = g.outer_graph
    return _g.seed


def _next_graph_op_seed(g):
    root = g
    while root.outer_graph is not None:
        root = root.outer_graph
    with _lock:
        s = root._op_seed_counter
        root._op_seed_counter = s + 1
    return s


def get_seed(op_seed):
    """Returns the ``(global_seed, op_seed)`` pair an op should use (TF's ``get_seed``).

    Args:
        op_seed: the op's own seed (int or None).

    Returns:
        A pair of Python ints, or ``(None, None)`` for nondeterministic ops.
    """
    g = state.graph
    gseed = _graph_seed(g) if g is not None else _g.seed
    if gseed is not None:
        if op_seed is None:
            if g is not None:
                op_seed = _next_graph_op_seed(g)
            else:
                with _lock:
                    if _g.rng is None:
                        _g.rng = _pyrandom.Random(_g.seed)
                    op_seed = _g.rng.randint(0, _MAXINT32)
        seeds = (_truncate_seed(gseed), _truncate_seed(op_seed))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, _truncate_seed(op_seed))
    else:
        seeds = (None, None)
    if seeds == (None, None):
        _check_determinism()
    if seeds == (0, 0):
        return (0, _MAXINT32)
    return seeds


def _check_determinism():
    from tensorflux._src.framework import context

    if getattr(context.settings, "op_determinism", False):
        from tensorflux._src.core.errors import InvalidArgumentError
        raise InvalidArgumentError(
            None, None, "Random ops require a seed to be set when determinism is enabled. "
            "Please set a seed before running the op, e.g. by calling tf.random.set_seed(1).")


class RngState:
    """The generator state of one stateful random op instance (kernel state in TF).

    Seeded from ``(seed, seed2)``; ``(0, 0)`` means nondeterministic. Re-seeds itself
    after ``set_seed``.
    """

    __slots__ = ("seed", "seed2", "_gen", "_generation", "_lock")

    def __init__(self, seed=0, seed2=0):
        self.seed = int(seed)
        self.seed2 = int(seed2)
        self._gen = None
        self._generation = -1
        self._lock = threading.Lock()

    def generator(self) -> np.random.Generator:
        if self._gen is None or self._generation != _g.generation:
            self._gen = make_generator(self.seed, self.seed2)
            self._generation = _g.generation
        return self._gen

    def draw(self, fn):
        """Calls ``fn(generator)`` under this state's lock."""
        with self._lock:
            return fn(self.generator())

    def __repr__(self):
        return f"RngState(seed={self.seed}, seed2={self.seed2})"


def make_generator(seed, seed2):
    """A NumPy generator for a stateful op seeded with ``(seed, seed2)``."""
    if seed == 0 and seed2 == 0:
        with _lock:
            if _g.nondet is None:
                _g.nondet = np.random.default_rng()
            entropy = _g.nondet.integers(0, 2**63, size=2)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy.tolist())))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(seed2)])))


def op_attrs(op_name, seed, extra=None):
    """The attrs (``seed``, ``seed2``, the hidden per-instance state ``_rng``) for a
    stateful random op called with op seed ``seed``."""
    explicit = seed is not None
    s1, s2 = get_seed(seed)
    s1 = 0 if s1 is None else s1
    s2 = 0 if s2 is None else s2
    attrs = {"seed": s1, "seed2": s2}
    if extra:
        attrs.update(extra)
    if state.graph is not None or not explicit or (s1 == 0 and s2 == 0):
        # A traced node owns its state; eager ops with a drawn op seed never repeat it.
        attrs["_rng"] = RngState(s1, s2)
        return attrs
    key = (op_name, s1, s2, tuple(sorted((k, repr(v)) for k, v in (extra or {}).items())))
    with _lock:
        st = _g.eager_states.get(key)
        if st is None:
            if len(_g.eager_states) >= _EAGER_CACHE_LIMIT:
                _g.eager_states.clear()
            st = _g.eager_states[key] = RngState(s1, s2)
    attrs["_rng"] = st
    return attrs


def draw(_rng, seed, seed2, fn):
    """Run ``fn(generator)`` with the op instance's state (or a fresh one)."""
    if _rng is None:
        return fn(make_generator(seed, seed2))
    return _rng.draw(fn)
