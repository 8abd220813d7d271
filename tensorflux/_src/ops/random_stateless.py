"""Stateless random ops: pure functions of a ``[2]`` seed (``tf.random.stateless_*``).

The seed becomes a Philox key and counter (``StatelessRandomGetKeyCounter``); the
kernels draw from NumPy's Philox bit generator keyed by them, so one seed gives the same
numbers eagerly, inside ``tf.function`` and on every run. Bit streams differ from
TensorFlow's; distributions match.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops import random_kernels as rk
from tensorflux._src.ops.op_util import tensor
from tensorflux._src.ops.random_gamma_grad import gamma_sample_grad
from tensorflux._src.ops.random_ops import infer_multinomial

_FLOATS = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)
_INTS = (_dt.int32, _dt.int64, _dt.uint32, _dt.uint64)
_ALGS = {"philox": 1, "threefry": 2, "auto_select": 3}
_M64 = (1 << 64) - 1


def alg_to_int(alg):
    """``"philox"``/``"threefry"``/``"auto_select"``, an ``Algorithm`` or an int -> int."""
    if alg is None:
        return 1
    if isinstance(alg, str):
        key = alg.lower()
        if key not in _ALGS:
            raise ValueError(f"Argument `alg` got unsupported value {alg!r}. Supported values "
                             "are 'philox', 'threefry' and 'auto_select'.")
        return _ALGS[key]
    val = getattr(alg, "value", alg)
    if int(val) not in (1, 2, 3):
        raise ValueError(f"Argument `alg` got unsupported value {alg!r}.")
    return int(val)


def _seed_pair(seed):
    s = np.asarray(seed)
    if s.shape != (2,):
        raise InvalidArgumentError(None, None, f"seed must have shape [2], not {list(s.shape)}")
    return int(s[0]) & _M64, int(s[1]) & _M64


def philox_generator(key, counter):
    """A NumPy generator from a TF-style key (``uint64[1]``) and counter (``uint64[2]``)."""
    k = int(np.asarray(key).reshape(-1)[0]) & _M64
    c = np.asarray(counter).reshape(-1)
    c0 = int(c[0]) & _M64
    c1 = int(c[1]) & _M64 if c.size > 1 else 0
    bg = np.random.Philox(key=np.array([k, 0], np.uint64),
                          counter=np.array([0, 0, c0, c1], np.uint64))
    return np.random.Generator(bg)


def seed_generator(seed):
    """The generator a ``[2]`` seed selects (the same one its key/counter select)."""
    s0, s1 = _seed_pair(seed)
    return philox_generator(np.uint64(s0), np.array([s1, 0], np.uint64))


# ---- key / counter ---------------------------------------------------------------------------


def _get_key_counter_kernel(seed):
    s0, s1 = _seed_pair(seed)
    return np.array([s0], np.uint64), np.array([s1, 0], np.uint64)


GET_KEY_COUNTER = defop(
    "StatelessRandomGetKeyCounter", _get_key_counter_kernel, inputs=("seed: Tseed",),
    outputs=("key: uint64", "counter: uint64"), types={"Tseed": u.INDEX},
    infer=lambda ic: [(1,), (2,)], grad=NOT_DIFFERENTIABLE)


def _check_alg(alg):
    a = int(np.asarray(alg))
    if a not in (1, 2, 3):
        raise InvalidArgumentError(None, None, f"Unsupported RNG algorithm {a}: expected 1 "
                                   "(philox), 2 (threefry) or 3 (auto_select)")


def _v2(sample):
    def kernel(shape, key, counter, alg, dtype=_dt.float32):
        _check_alg(alg)
        return sample(philox_generator(key, counter), rk.kernel_shape(shape), dtype)
    return kernel


_V2_IN = ("shape: Tshape", "key: uint64", "counter: uint64", "alg: int32")
UNIFORM_V2 = defop(
    "StatelessRandomUniformV2", _v2(rk.uniform01), inputs=_V2_IN, outputs=("output: dtype",),
    types={"Tshape": u.INDEX, "dtype": _FLOATS}, infer=rk.infer_shape_input,
    grad=NOT_DIFFERENTIABLE)
NORMAL_V2 = defop(
    "StatelessRandomNormalV2", _v2(rk.standard_normal), inputs=_V2_IN,
    outputs=("output: dtype",), types={"Tshape": u.INDEX, "dtype": _FLOATS},
    infer=rk.infer_shape_input, grad=NOT_DIFFERENTIABLE)
TRUNCATED_V2 = defop(
    "StatelessTruncatedNormalV2", _v2(rk.truncated_normal), inputs=_V2_IN,
    outputs=("output: dtype",), types={"Tshape": u.INDEX, "dtype": _FLOATS},
    infer=rk.infer_shape_input, grad=NOT_DIFFERENTIABLE)
FULL_INT_V2 = defop(
    "StatelessRandomUniformFullIntV2",
    _v2(lambda g, size, dtype: rk.full_int(g, size, dtype.np_dtype)), inputs=_V2_IN,
    outputs=("output: dtype",), types={"Tshape": u.INDEX, "dtype": _INTS},
    attrs={"dtype": _dt.uint64}, infer=rk.infer_shape_input, grad=NOT_DIFFERENTIABLE)


def _uniform_int_v2_kernel(shape, key, counter, alg, minval, maxval):
    _check_alg(alg)
    npdt = np.asarray(minval).dtype
    return rk.uniform_int(philox_generator(key, counter), rk.kernel_shape(shape), minval, maxval,
                          npdt)


UNIFORM_INT_V2 = defop(
    "StatelessRandomUniformIntV2", _uniform_int_v2_kernel,
    inputs=_V2_IN + ("minval: dtype", "maxval: dtype"), outputs=("output: dtype",),
    types={"Tshape": u.INDEX, "dtype": _INTS}, infer=rk.infer_shape_input,
    grad=NOT_DIFFERENTIABLE)


def _key_counter(seed, alg):
    seed = tensor(seed)
    if seed.dtype not in (_dt.int32, _dt.int64):
        seed = math_ops.cast(seed, _dt.int64)
    key, counter = execute(GET_KEY_COUNTER, (seed,))
    return key, counter, tensor(np.int32(alg_to_int(alg)))


def stateless_random_uniform(shape, seed, minval=0, maxval=None, dtype=_dt.float32, name=None,
                             alg="auto_select"):
    """Deterministic uniform samples for a ``[2]`` seed (``tf.random.stateless_uniform``).

    Integer dtypes need both ``minval`` and ``maxval``, or neither (the full range).

    Example:
        >>> import tensorflux as tf
        >>> a = tf.random.stateless_uniform([3], seed=[1, 2])
        >>> b = tf.random.stateless_uniform([3], seed=[1, 2])
        >>> bool(tf.reduce_all(a == b))
        True
    """
    dtype = _dt.as_dtype(dtype)
    if dtype not in _FLOATS + _INTS:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
                         f"{', '.join('tf.' + d.name for d in _FLOATS + _INTS)}.")
    if dtype.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(f"For integer `dtype` argument {dtype!r}, argument `minval` and "
                             f"`maxval` must be both None or not None. Got `minval`={minval} "
                             f"and `maxval`={maxval}.")
        if minval is not None and dtype in (_dt.uint32, _dt.uint64):
            raise ValueError(f"Argument `dtype` got invalid value {dtype!r} when argument "
                             "`minval` is not None. Please don't use unsigned integers in this "
                             "case.")
    elif maxval is None:
        maxval = 1
    shape = rk.shape_tensor(shape)
    key, counter, alg = _key_counter(seed, alg)
    if dtype.is_integer and minval is None:
        return execute(FULL_INT_V2, (shape, key, counter, alg), {"dtype": dtype}, name)
    minval = tensor(minval, dtype=dtype)
    maxval = tensor(maxval, dtype=dtype)
    if dtype.is_integer:
        return execute(UNIFORM_INT_V2, (shape, key, counter, alg, minval, maxval), None, name)
    rnd = execute(UNIFORM_V2, (shape, key, counter, alg), {"dtype": dtype})
    return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(maxval, minval)), minval,
                        name=name)


def stateless_random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dt.float32, name=None,
                            alg="auto_select"):
    """Deterministic normal samples for a ``[2]`` seed (``tf.random.stateless_normal``).

    Example:
        >>> import tensorflux as tf
        >>> tf.random.stateless_normal([2, 3], seed=[7, 0]).shape
        TensorShape([2, 3])
    """
    dtype = _dt.as_dtype(dtype)
    shape = rk.shape_tensor(shape)
    mean = tensor(mean, dtype=dtype)
    stddev = tensor(stddev, dtype=dtype)
    key, counter, alg = _key_counter(seed, alg)
    rnd = execute(NORMAL_V2, (shape, key, counter, alg), {"dtype": dtype})
    return math_ops.add(math_ops.multiply(rnd, stddev), mean, name=name)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dt.float32, name=None,
                               alg="auto_select"):
    """Deterministic truncated-normal samples (``tf.random.stateless_truncated_normal``).

    Example:
        >>> import tensorflux as tf
        >>> x = tf.random.stateless_truncated_normal([50], seed=[1, 1])
        >>> bool(tf.reduce_all(tf.abs(x) <= 2.0))
        True
    """
    dtype = _dt.as_dtype(dtype)
    shape = rk.shape_tensor(shape)
    mean = tensor(mean, dtype=dtype)
    stddev = tensor(stddev, dtype=dtype)
    key, counter, alg = _key_counter(seed, alg)
    rnd = execute(TRUNCATED_V2, (shape, key, counter, alg), {"dtype": dtype})
    return math_ops.add(math_ops.multiply(rnd, stddev), mean, name=name)


# ---- V1-style stateless ops taking the seed directly -----------------------------------------


def _seed_tensor(seed):
    seed = tensor(seed)
    if seed.dtype not in (_dt.int32, _dt.int64):
        raise TypeError(f"seed must be an int32 or int64 tensor, got {seed.dtype.name}")
    return seed


def _multinomial_kernel(logits, num_samples, seed, output_dtype=_dt.int64):
    return rk.multinomial(seed_generator(seed), logits, num_samples, output_dtype.np_dtype)


STATELESS_MULTINOMIAL = defop(
    "StatelessMultinomial", _multinomial_kernel,
    inputs=("logits: T", "num_samples: int32", "seed: Tseed"),
    outputs=("output: output_dtype",),
    types={"T": u.REAL, "Tseed": u.INDEX, "output_dtype": u.INDEX},
    attrs={"output_dtype": _dt.int64}, infer=infer_multinomial, grad=NOT_DIFFERENTIABLE)


def stateless_categorical(logits, num_samples, seed, dtype=_dt.int64, name=None):
    """Deterministic categorical samples (``tf.random.stateless_categorical``).

    Example:
        >>> import tensorflux as tf
        >>> tf.random.stateless_categorical([[0.0, 0.0]], 4, seed=[1, 2]).shape
        TensorShape([1, 4])
    """
    return execute(STATELESS_MULTINOMIAL,
                   (tensor(logits), tensor(num_samples, dtype=_dt.int32), _seed_tensor(seed)),
                   {"output_dtype": _dt.as_dtype(dtype)}, name)


def _gamma_v2_kernel(shape, seed, alpha):
    dtype = _dt.from_numpy(np.asarray(alpha).dtype)
    return rk.gamma(seed_generator(seed), rk.kernel_shape(shape), alpha, dtype)


def _gamma_v2_grad(op, g):
    return [None, None, gamma_sample_grad(op.inputs[0], op.inputs[2], op.outputs[0], g)]


STATELESS_GAMMA_V2 = defop(
    "StatelessRandomGammaV2", _gamma_v2_kernel, inputs=("shape: T", "seed: Tseed",
                                                        "alpha: dtype"),
    outputs=("output: dtype",),
    types={"T": u.INDEX, "Tseed": u.INDEX, "dtype": (_dt.float16, _dt.float32, _dt.float64)},
    infer=lambda ic: rk.infer_shape_plus(ic, 0, 2), grad=_gamma_v2_grad)


def stateless_random_gamma(shape, seed, alpha, beta=None, dtype=_dt.float32, name=None):
    """Deterministic Gamma(alpha, beta) samples (``tf.random.stateless_gamma``).

    The output has shape ``shape + broadcast(alpha, beta).shape``.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.stateless_gamma([5], seed=[1, 2], alpha=[1.0, 2.0]).shape
        TensorShape([5, 2])
    """
    dtype = _dt.as_dtype(dtype)
    shape = rk.shape_tensor(shape)
    alpha = tensor(alpha, dtype=dtype)
    if beta is not None:
        beta = tensor(beta, dtype=dtype)
        alpha = math_ops.add(alpha, array_ops.zeros_like(beta))
    sample = execute(STATELESS_GAMMA_V2, (shape, _seed_tensor(seed), alpha), None,
                     name if beta is None else None)
    if beta is None:
        return sample
    return math_ops.divide_no_check(sample, beta, name=name)


_PTYPES = (_dt.float16, _dt.float32, _dt.float64, _dt.int32, _dt.int64)


def _poisson_kernel(shape, seed, lam, dtype=_dt.int32):
    return rk.poisson(seed_generator(seed), rk.kernel_shape(shape), lam, dtype.np_dtype)


STATELESS_POISSON = defop(
    "StatelessRandomPoisson", _poisson_kernel, inputs=("shape: T", "seed: Tseed", "lam: Rtype"),
    outputs=("output: dtype",),
    types={"T": u.INDEX, "Tseed": u.INDEX, "Rtype": _PTYPES, "dtype": _PTYPES},
    infer=lambda ic: rk.infer_shape_plus(ic, 0, 2), grad=NOT_DIFFERENTIABLE)


def stateless_random_poisson(shape, seed, lam, dtype=_dt.int32, name=None):
    """Deterministic Poisson samples (``tf.random.stateless_poisson``).

    The output has shape ``shape + lam.shape``.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.stateless_poisson([3], seed=[1, 2], lam=[1.0, 4.0]).shape
        TensorShape([3, 2])
    """
    return execute(STATELESS_POISSON, (rk.shape_tensor(shape), _seed_tensor(seed), tensor(lam)),
                   {"dtype": _dt.as_dtype(dtype)}, name)


def _binomial_kernel(shape, seed, counts, probs, dtype=_dt.int64):
    return rk.binomial(seed_generator(seed), rk.kernel_shape(shape), counts, probs,
                       dtype.np_dtype)


STATELESS_BINOMIAL = defop(
    "StatelessRandomBinomial", _binomial_kernel,
    inputs=("shape: S", "seed: Tseed", "counts: T", "probs: T"), outputs=("output: dtype",),
    types={"S": u.INDEX, "Tseed": u.INDEX, "T": _PTYPES, "dtype": _PTYPES},
    attrs={"dtype": _dt.int64}, infer=rk.infer_shape_input, grad=NOT_DIFFERENTIABLE)


def stateless_random_binomial(shape, seed, counts, probs, output_dtype=_dt.int32, name=None):
    """Deterministic binomial samples (``tf.random.stateless_binomial``).

    ``counts`` and ``probs`` must broadcast to ``shape``.

    Example:
        >>> import tensorflux as tf
        >>> tf.random.stateless_binomial([2, 3], seed=[1, 2], counts=10.0, probs=0.5).dtype
        tf.int32
    """
    counts = tensor(counts)
    probs = tensor(probs, dtype=counts.dtype)
    return execute(STATELESS_BINOMIAL, (rk.shape_tensor(shape), _seed_tensor(seed), counts, probs),
                   {"dtype": _dt.as_dtype(output_dtype)}, name)


# ---- seed manipulation -----------------------------------------------------------------------


def split(seed, num=2, alg="auto_select"):
    """Splits a ``[2]`` seed into ``num`` new seeds, a ``[num, 2]`` tensor
    (``tf.random.split`` / ``tf.random.experimental.stateless_split``).

    Example:
        >>> import tensorflux as tf
        >>> tf.random.split([1, 2], 3).shape
        TensorShape([3, 2])
    """
    seed = tensor(seed)
    return stateless_random_uniform([num, 2], seed=seed, dtype=seed.dtype, minval=None,
                                    maxval=None, alg=alg)


def fold_in(seed, data, alg="auto_select"):
    """Folds an integer ``data`` into a ``[2]`` seed, giving a new seed
    (``tf.random.fold_in`` / ``tf.random.experimental.stateless_fold_in``).

    Example:
        >>> import tensorflux as tf
        >>> tf.random.fold_in([1, 2], 7).shape
        TensorShape([2])
    """
    data = tensor(data)
    seed1 = stateless_random_uniform([], seed=seed, dtype=data.dtype, minval=None, maxval=None,
                                     alg=alg)
    return array_ops.stack([seed1, data])


# ---- shuffles --------------------------------------------------------------------------------


def _stateless_shuffle_kernel(value, key, counter, alg):
    _check_alg(alg)
    return rk.shuffle(philox_generator(key, counter), value)


STATELESS_SHUFFLE = defop(
    "StatelessShuffle", _stateless_shuffle_kernel,
    inputs=("value: T", "key: uint64", "counter: uint64", "alg: int32"), outputs=("output: T",),
    types={"T": ()}, infer=u.infer_same, grad=NOT_DIFFERENTIABLE)


def stateless_shuffle(value, seed, alg="auto_select", name=None):
    """Deterministically shuffles ``value`` along its first dimension
    (``tf.random.experimental.stateless_shuffle``).

    Example:
        >>> import tensorflux as tf
        >>> sorted(tf.random.experimental.stateless_shuffle(tf.range(4), [1, 2]).numpy().tolist())
        [0, 1, 2, 3]
    """
    key, counter, alg = _key_counter(seed, alg)
    return execute(STATELESS_SHUFFLE, (tensor(value), key, counter, alg), None, name)


def _mix(x, k):
    """A keyed 64-bit mixing function (SplitMix64 finalizer) on uint64 arrays."""
    z = x + k + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _feistel(x, keys, half):
    mask = np.uint64((1 << half) - 1)
    left, right = x >> np.uint64(half), x & mask
    for k in keys:
        left, right = right, left ^ (_mix(right, k) & mask)
    return (left << np.uint64(half)) | right


def _index_shuffle_kernel(index, seed, max_index, rounds=4):
    idx = np.asarray(index)
    mx = np.asarray(max_index)
    if np.any(idx < 0) or np.any(idx > mx):
        raise InvalidArgumentError(None, None, "index must be in [0, max_index]")
    s = np.asarray(seed).reshape(-1)
    if s.size != 3:
        raise InvalidArgumentError(None, None,
                                   f"seed must have shape [3], not {list(np.shape(seed))}")
    words = [int(v) & 0xFFFFFFFF for v in s.tolist()]
    keys = np.random.SeedSequence(words).generate_state(int(rounds), dtype=np.uint64)
    idx_b, mx_b = np.broadcast_arrays(idx.astype(np.uint64), mx.astype(np.uint64))
    out = np.array(idx_b, copy=True)
    for m in np.unique(mx_b):
        sel = mx_b == m
        bits = max(int(m).bit_length(), 2)
        half = (bits + 1) // 2
        y = _feistel(idx_b[sel], keys, half)
        bad = y > m
        while bad.any():  # cycle-walk back into [0, max_index]
            y[bad] = _feistel(y[bad], keys, half)
            bad = y > m
        out[sel] = y
    return out.astype(idx.dtype)


INDEX_SHUFFLE = defop(
    "IndexShuffle", _index_shuffle_kernel,
    inputs=("index: dtype", "seed: Tseed", "max_index: dtype"), outputs=("output: dtype",),
    types={"dtype": _INTS, "Tseed": _INTS}, attrs={"rounds": 4},
    infer=lambda ic: u.broadcast_shapes(ic.shapes[0], ic.shapes[2]),
    grad=NOT_DIFFERENTIABLE)


def index_shuffle(index, seed, max_index):
    """The position of ``index`` in a pseudo-random permutation of ``[0, max_index]``
    (``tf.random.experimental.index_shuffle``); a bijection for a fixed ``seed`` ([3]).

    Example:
        >>> import tensorflux as tf
        >>> p = tf.random.experimental.index_shuffle(tf.range(5), [1, 2, 3], 4)
        >>> sorted(p.numpy().tolist())
        [0, 1, 2, 3, 4]
    """
    big = isinstance(max_index, int) and max_index > 2**31 - 1
    index = tensor(index, dtype=_dt.int64) if big and not isinstance(index, Tensor) \
        else tensor(index)
    return execute(INDEX_SHUFFLE, (index, tensor(seed), tensor(max_index, dtype=index.dtype)))
