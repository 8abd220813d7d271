"""``tf.random.Generator``: an RNG whose state lives in a ``tf.Variable``.

The state is an int64 vector (Philox: ``[counter_lo, counter_hi, key]``; ThreeFry:
``[counter, key]``), so it is checkpointable and usable inside ``tf.function``. Each draw
reads the state, samples with the stateless V2 kernels from the key and counter it
holds, and advances the counter with an ``AssignAddVariableOp`` (by one "draw": the
high counter word for Philox), so successive draws use disjoint Philox streams. The bit
streams differ from TensorFlow's; distributions and reproducibility rules match.
"""

from __future__ import annotations

import threading

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.framework.variables import Variable, init_scope
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops import random_kernels as rk
from tensorflux._src.ops import random_stateless as rs
from tensorflux._src.ops.op_util import tensor

PHILOX, THREEFRY, AUTO_SELECT = 1, 2, 3
_STATE_SIZE = {PHILOX: 3, THREEFRY: 2}
_M64 = (1 << 64) - 1


class Algorithm:
    """RNG algorithms (``tf.random.Algorithm``)."""

    PHILOX = PHILOX
    THREEFRY = THREEFRY
    AUTO_SELECT = AUTO_SELECT


def _alg(alg):
    a = rs.alg_to_int(alg)
    return PHILOX if a == AUTO_SELECT else a


def _to_int64(v):
    v = int(v) & _M64
    return v - (1 << 64) if v >= 1 << 63 else v


def create_rng_state(seed, alg):
    """Creates an RNG state from an integer or a 1-D vector (``tf.random.create_rng_state``).

    An integer is split into 64-bit words (low word first); a short vector is padded with
    zeros on the left.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.create_rng_state(1234, "philox").tolist()
        [1234, 0, 0]
    """
    size = _STATE_SIZE[_alg(alg)]
    if isinstance(seed, Tensor):
        seed = seed.numpy()
    if isinstance(seed, (int, np.integer)):
        seed = int(seed)
        words = []
        for _ in range(size):
            words.append(seed & _M64)
            seed >>= 64
        seed = words
    if np.ndim(seed) != 1:
        raise ValueError(f"seed should only have one dimension; got shape {np.shape(seed)}")
    arr = np.asarray([_to_int64(s) for s in np.asarray(seed).reshape(-1).tolist()], np.int64)
    arr = arr[:size]
    if arr.shape[0] < size:
        arr = np.pad(arr, [(size - arr.shape[0], 0)])
    return arr


def _state_array(state, alg):
    if isinstance(state, Variable):
        state = state.numpy()
    if isinstance(state, Tensor):
        state = state.numpy()
    a = np.asarray(state)
    size = _STATE_SIZE[alg]
    if a.shape != (size,):
        raise ValueError(f"The size of `state` for algorithm {alg} should be {size}, got shape "
                         f"{list(a.shape)}")
    return np.asarray([_to_int64(v) for v in a.tolist()], np.int64)


class Generator:
    """A random number generator with explicit, checkpointable state (``tf.random.Generator``).

    Example:
        >>> import tensorflux as tf
        >>> g = tf.random.Generator.from_seed(1)
        >>> a = g.normal([2])
        >>> b = tf.random.Generator.from_seed(1).normal([2])
        >>> bool(tf.reduce_all(a == b))
        True
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("When `copy_from` is not None, `state` and `alg` must be None.")
            alg = copy_from.algorithm
            state = copy_from.state.numpy()
        else:
            if state is None or alg is None:
                raise ValueError("When `copy_from` is None, `state` and `alg` must be both "
                                 "not None; use Generator.from_seed or "
                                 "Generator.from_non_deterministic_state.")
        self._alg = _alg(alg)
        with init_scope():
            self._state_var = Variable(_state_array(state, self._alg), dtype=_dt.int64,
                                       trainable=False, name="StateVar")
        self._lock = threading.Lock()

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def from_state(cls, state, alg):
        """A generator starting from ``state`` (``Generator.from_state``)."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose state is derived from the integer ``seed``."""
        alg = _alg(alg)
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator seeded from OS entropy."""
        alg = _alg(alg)
        words = np.random.SeedSequence().generate_state(_STATE_SIZE[alg], dtype=np.uint64)
        return cls(state=words.view(np.int64), alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        """A generator from a key (scalar) and a counter (vector)."""
        alg = _alg(alg)
        counter = np.asarray(counter).reshape(-1).tolist()
        size = _STATE_SIZE[alg]
        counter = (counter + [0] * size)[:size - 1]
        return cls(state=counter + [int(np.asarray(key).reshape(-1)[0])], alg=alg)

    def reset(self, state):
        """Resets the state to ``state``."""
        self._state_var.assign(_state_array(state, self._alg))

    def reset_from_seed(self, seed):
        """Resets the state as if created by ``from_seed(seed)``."""
        self.reset(create_rng_state(seed, self._alg))

    def reset_from_key_counter(self, key, counter):
        """Resets the state from a key and a counter."""
        size = _STATE_SIZE[self._alg]
        counter = (np.asarray(counter).reshape(-1).tolist() + [0] * size)[:size - 1]
        self.reset(counter + [int(np.asarray(key).reshape(-1)[0])])

    # ---- properties ------------------------------------------------------------------------
    @property
    def state(self):
        """The state variable (int64 vector)."""
        return self._state_var

    @property
    def algorithm(self):
        """The RNG algorithm id (1 Philox, 2 ThreeFry)."""
        return self._alg

    @property
    def key(self):
        """The key part of the state (a scalar int64 tensor)."""
        return array_ops.gather(self._state_var.value(), _STATE_SIZE[self._alg] - 1)

    def _advance(self, draws):
        delta = np.zeros(_STATE_SIZE[self._alg], np.int64)
        delta[1 if self._alg == PHILOX else 0] = draws
        self._state_var.assign_add(delta, read_value=False)

    def skip(self, delta):
        """Advances the state by ``delta`` draws; returns the state before skipping."""
        old = self._state_var.value()
        self._advance(int(delta))
        return old

    def _key_counter(self):
        """Reads the state, advances it by one draw, returns (key, counter, alg) tensors."""
        st = self._state_var.value()
        size = _STATE_SIZE[self._alg]
        counter = math_ops.cast(array_ops.gather(st, np.arange(size - 1, dtype=np.int32)),
                                _dt.uint64)
        key = math_ops.cast(array_ops.gather(st, np.array([size - 1], np.int32)), _dt.uint64)
        self._advance(1)
        return key, counter, tensor(np.int32(self._alg))

    # ---- draws -----------------------------------------------------------------------------
    def uniform(self, shape, minval=0, maxval=None, dtype=_dt.float32, name=None):
        """Uniform samples in ``[minval, maxval)``; integer dtypes need ``maxval`` (or both
        bounds None for the full range)."""
        dtype = _dt.as_dtype(dtype)
        if dtype.is_integer:
            if (minval is None) != (maxval is None):
                raise ValueError(f"For integer dtype {dtype!r}, minval and maxval must be both "
                                 f"`None` or both non-`None`; got minval={minval} and "
                                 f"maxval={maxval}")
        elif maxval is None:
            maxval = 1
        shape = rk.shape_tensor(shape)
        if dtype.is_integer and minval is None:
            return self.uniform_full_int(shape, dtype=dtype, name=name)
        minval = tensor(minval, dtype=dtype)
        maxval = tensor(maxval, dtype=dtype)
        key, counter, alg = self._key_counter()
        if dtype.is_integer:
            return execute(rs.UNIFORM_INT_V2, (shape, key, counter, alg, minval, maxval), None,
                           name)
        rnd = execute(rs.UNIFORM_V2, (shape, key, counter, alg), {"dtype": dtype})
        return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(maxval, minval)), minval,
                            name=name)

    def uniform_full_int(self, shape, dtype=_dt.uint64, name=None):
        """Integers uniformly distributed over the whole range of ``dtype``."""
        shape = rk.shape_tensor(shape)
        key, counter, alg = self._key_counter()
        return execute(rs.FULL_INT_V2, (shape, key, counter, alg),
                       {"dtype": _dt.as_dtype(dtype)}, name)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=_dt.float32, name=None):
        """Normal samples with the given ``mean`` and ``stddev``."""
        dtype = _dt.as_dtype(dtype)
        shape = rk.shape_tensor(shape)
        mean = tensor(mean, dtype=dtype)
        stddev = tensor(stddev, dtype=dtype)
        key, counter, alg = self._key_counter()
        rnd = execute(rs.NORMAL_V2, (shape, key, counter, alg), {"dtype": dtype})
        return math_ops.add(math_ops.multiply(rnd, stddev), mean, name=name)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=_dt.float32, name=None):
        """Normal samples redrawn when more than 2 stddevs from the mean."""
        dtype = _dt.as_dtype(dtype)
        shape = rk.shape_tensor(shape)
        mean = tensor(mean, dtype=dtype)
        stddev = tensor(stddev, dtype=dtype)
        key, counter, alg = self._key_counter()
        rnd = execute(rs.TRUNCATED_V2, (shape, key, counter, alg), {"dtype": dtype})
        return math_ops.add(math_ops.multiply(rnd, stddev), mean, name=name)

    def binomial(self, shape, counts, probs, dtype=_dt.int32, name=None):
        """Binomial samples; ``counts`` and ``probs`` broadcast to ``shape``."""
        seed = array_ops.reshape(self.make_seeds(1), [2])
        return rs.stateless_random_binomial(shape, seed, counts, probs, output_dtype=dtype,
                                            name=name)

    def make_seeds(self, count=1):
        """``count`` seeds for stateless ops, as an int64 ``[2, count]`` tensor."""
        keys = self.uniform_full_int([count], dtype=_dt.int64)
        return array_ops.stack([keys, array_ops.zeros_like(keys)])

    def split(self, count=1):
        """``count`` new generators with independent states; advances this one."""
        keys = self.uniform_full_int([count], dtype=_dt.int64)
        size = _STATE_SIZE[self._alg]
        if not hasattr(keys, "_value"):
            raise RuntimeError("Generator.split creates variables and must be called eagerly "
                               "(outside tf.function).")
        vals = np.asarray(keys._value).tolist()
        return [Generator(state=[0] * (size - 1) + [int(k)], alg=self._alg) for k in vals]

    def __repr__(self):
        return f"<tf.random.Generator alg={self._alg} state={self._state_var.numpy().tolist()}>"


_global = {"gen": None}
_global_lock = threading.Lock()


def get_global_generator():
    """The global generator, created from a nondeterministic state on first use
    (``tf.random.get_global_generator``).

    Example:
        >>> import tensorflux as tf
        >>> tf.random.get_global_generator().normal([2]).shape
        TensorShape([2])
    """
    with _global_lock:
        if _global["gen"] is None:
            _global["gen"] = Generator.from_non_deterministic_state()
        return _global["gen"]


def set_global_generator(generator):
    """Replaces the global generator (``tf.random.set_global_generator``)."""
    with _global_lock:
        _global["gen"] = generator
