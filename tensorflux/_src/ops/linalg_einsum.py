"""Einstein summation and the contractions built on it: einsum, tensordot, matvec.

Raw op: Einsum (``equation`` attr, ``N`` inputs). Ellipses broadcast like NumPy's and
TensorFlow's. The gradient of each operand is another einsum: the output gradient with
the other operands, contracted to the operand's subscripts (identity matrices restore
repeated labels, ones restore labels summed away, and broadcast ellipsis dimensions
are summed back).
"""

from __future__ import annotations

import string

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_LETTERS = string.ascii_letters


def _tokens(sub):
    """Split one subscript string into labels, with ``...`` as one token."""
    out = []
    i = 0
    while i < len(sub):
        if sub.startswith("...", i):
            if "..." in out:
                raise ValueError(f"Einsum subscript {sub!r} has more than one ellipsis")
            out.append("...")
            i += 3
            continue
        c = sub[i]
        if c not in _LETTERS:
            raise ValueError(f"Invalid character {c!r} in einsum subscript {sub!r}: labels must "
                             f"be letters")
        out.append(c)
        i += 1
    return out


def _parse(equation):
    """(input token lists, output token list) of an einsum equation (explicit or implicit)."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
        ins = [_tokens(s) for s in lhs.split(",")]
        out = _tokens(rhs)
        all_in = {t for toks in ins for t in toks}
        for t in out:
            if t not in all_in and t != "...":
                raise ValueError(f"Output subscript {t!r} of einsum equation {equation!r} does "
                                 f"not appear in any input subscript")
            if out.count(t) > 1:
                raise ValueError(f"Output subscript {t!r} appears more than once in einsum "
                                 f"equation {equation!r}")
        return ins, out
    ins = [_tokens(s) for s in eq.split(",")]
    counts = {}
    for toks in ins:
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
    out = (["..."] if "..." in counts else []) + sorted(
        t for t, c in counts.items() if c == 1 and t != "...")
    return ins, out


def _join(toks):
    return "".join(toks)


def normalize_equation(equation):
    ins, out = _parse(equation)
    return ",".join(_join(t) for t in ins) + "->" + _join(out)


# ---- the op -------------------------------------------------------------------------------------


def _einsum_kernel(inputs, equation="", N=None):
    arrays = [np.asarray(x) for x in inputs]
    dt = arrays[0].dtype
    for i, a in enumerate(arrays[1:], 1):
        if a.dtype != dt:
            raise InvalidArgumentError(
                None, None, f"cannot compute Einsum as input #{i}(zero-based) was expected to "
                f"be a {_dt.from_numpy(dt).name} tensor but is a "
                f"{_dt.from_numpy(a.dtype).name} tensor")
    ins, out = _parse(equation)
    if "..." not in out and any("..." in t for t in ins):
        # An ellipsis missing from the output is summed over (NumPy refuses this form).
        ne = max(a.ndim - len(t) + 1 for a, t in zip(arrays, ins) if "..." in t)
        lhs = equation.replace(" ", "").split("->")[0]
        res = np.einsum(lhs + "->..." + _join(out), *arrays, optimize=len(arrays) > 2)
        res = np.sum(res, axis=tuple(range(ne)))
    else:
        res = np.einsum(equation, *arrays, optimize=len(arrays) > 2)
    return np.asarray(res).astype(dt, copy=False)


def _einsum_infer(ic):
    ins, out = _parse(ic.attrs["equation"])
    shapes = ic.shapes[0]
    if len(shapes) != len(ins):
        raise ValueError(f"Einsum equation {ic.attrs['equation']!r} has {len(ins)} input "
                         f"subscripts but {len(shapes)} inputs were given")
    dims = {}
    ell = ()
    ell_known = True
    for k, (toks, s) in enumerate(zip(ins, shapes)):
        if s is None:
            if "..." in toks:
                ell_known = False
            continue
        labels = [t for t in toks if t != "..."]
        if "..." in toks:
            ne = len(s) - len(labels)
            if ne < 0:
                raise ValueError(f"Input {k} of einsum has rank {len(s)}, fewer than the "
                                 f"{len(labels)} labels of subscript {_join(toks)!r}")
            p = toks.index("...")
            ell = u.broadcast_shapes(ell, tuple(s[p:p + ne]))
            pairs = list(zip(toks[:p], s[:p])) + list(zip(toks[p + 1:], s[p + ne:]))
        else:
            if len(s) != len(labels):
                raise ValueError(f"Input {k} of einsum has rank {len(s)} but subscript "
                                 f"{_join(toks)!r} has {len(labels)} labels")
            pairs = list(zip(toks, s))
        for t, d in pairs:
            if d is None:
                continue
            prev = dims.get(t)
            if prev is not None and prev != d:
                raise ValueError(f"Expected dimension {prev} for label {t!r} of einsum "
                                 f"equation {ic.attrs['equation']!r} but got dimension {d} in "
                                 f"input {k} of shape {list(s)}")
            dims[t] = d
    res = []
    for t in out:
        if t == "...":
            if not ell_known:
                return None
            res.extend(ell)
        else:
            res.append(dims.get(t))
    return tuple(res)


def _dim(x, axis):
    s = x.shape.as_list()
    if s is not None and s[axis] is not None:
        return s[axis]
    return array_ops.gather(array_ops.shape(x), axis)


def _ones(shape_dims, dtype):
    if all(isinstance(d, int) for d in shape_dims):
        return array_ops.ones(list(shape_dims), dtype)
    parts = [array_ops.reshape(math_ops.cast(tensor(d), _dt.int32), [1]) for d in shape_dims]
    return array_ops.ones(array_ops.concat(parts, 0) if len(parts) > 1 else parts[0], dtype)


def _sum_to_shape(grad, target):
    """Sum a broadcast gradient back to ``target`` (a tuple of ints or an int32 tensor)."""
    if isinstance(target, tuple):
        sg = u.static_shape(grad)
        if sg is not None:
            if sg == target:
                return grad
            nd = len(sg) - len(target)
            axes = list(range(nd)) + [i + nd for i, d in enumerate(target)
                                      if d == 1 and sg[i + nd] != 1]
            if axes:
                grad = math_ops.reduce_sum(grad, axes)
            return array_ops.reshape(grad, list(target))
        target = tensor(np.asarray(target, np.int32))
    rx, _ = execute(math_ops.BROADCAST_GRADIENT_ARGS, [target, array_ops.shape(grad)])
    return array_ops.reshape(math_ops.reduce_sum(grad, rx), target)


def _operand_grad(g, xs, ins, out, k):
    x = xs[k]
    toks = ins[k]
    used = {t for tt in ins for t in tt} | set(out)
    fresh = (c for c in _LETTERS if c not in used)
    operands = [g]
    subs = [list(out)]
    covered = set(out)
    for j, (tj, xj) in enumerate(zip(ins, xs)):
        if j != k:
            operands.append(math_ops.conj(xj) if xj.dtype.is_complex else xj)
            subs.append(list(tj))
            covered |= set(tj)
    has_ell = "..." in toks
    rank = x.shape.rank
    nl = len([t for t in toks if t != "..."])
    if has_ell and rank is None:
        raise NotImplementedError("The einsum gradient needs the rank of operands with an "
                                  "ellipsis to be known")
    ne = rank - nl if has_ell else 0
    p = toks.index("...") if has_ell else len(toks)

    def axis_of(i):
        return i if i < p else i - 1 + ne

    res = []
    seen = set()
    for i, t in enumerate(toks):
        if t == "...":
            continue
        if t in seen:
            f = next(fresh)
            res.append(f)
            n = _dim(x, axis_of(i))
            from tensorflux._src.ops.linalg_diag import matrix_diag
            operands.append(matrix_diag(_ones([n], x.dtype)))
            subs.append([t, f])
            continue
        seen.add(t)
        res.append(t)
        if t not in covered:
            operands.append(_ones([_dim(x, axis_of(i))], x.dtype))
            subs.append([t])
            covered.add(t)
    ell_from_x = False
    if has_ell and "..." not in covered:
        operands.append(_ones([_dim(x, a) for a in range(p, p + ne)], x.dtype))
        subs.append(["..."])
        ell_from_x = True
    order = (["..."] if has_ell else []) + res
    eq = ",".join(_join(s) for s in subs) + "->" + _join(order)
    r = einsum(eq, *operands)
    if has_ell and not ell_from_x:
        axes = list(range(p, p + ne)) + [axis_of(i) for i, t in enumerate(toks) if t != "..."]
        sx = u.static_shape(x)
        if sx is not None:
            target = tuple(sx[a] for a in axes)
        else:
            target = array_ops.gather(array_ops.shape(x), np.asarray(axes, np.int32))
        r = _sum_to_shape(r, target)
    if has_ell and p > 0:
        perm = [ne + i for i in range(p)] + list(range(ne)) + [ne + j for j in range(p, nl)]
        r = array_ops.transpose_(r, perm)
    return r


def _einsum_grad(op, g):
    ins, out = _parse(op.get_attr("equation"))
    xs = list(op.inputs)
    return [_operand_grad(g, xs, ins, out, k) if (x.dtype.is_floating or x.dtype.is_complex)
            else None for k, x in enumerate(xs)]


EINSUM = defop("Einsum", _einsum_kernel, inputs=("inputs: N*T",), outputs=("output: T",),
               types={"T": u.NUMERIC}, attrs={"equation": "", "N": None},
               infer=_einsum_infer, grad=_einsum_grad)


def einsum(equation, *inputs, **kwargs):
    """Tensor contraction over specified indices and outer product (``tf.einsum``).

    Supports explicit (``"ij,jk->ik"``) and implicit (``"ij,jk"``) equations, repeated
    labels (diagonals) and ``...`` for broadcast batch dimensions.

    Example:
        >>> tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([3, 4])).shape
        TensorShape([2, 4])
        >>> tf.einsum("...ii->...", tf.ones([5, 3, 3])).numpy()[0]
        3.0
    """
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for einsum: {sorted(kwargs)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum equation must be a string, got {type(equation).__name__}")
    if not inputs:
        raise ValueError("einsum needs at least one input tensor")
    eq = normalize_equation(equation)
    n_subs = len(eq.split("->")[0].split(","))
    if n_subs != len(inputs):
        raise ValueError(f"Einsum equation {equation!r} has {n_subs} input subscripts but "
                         f"{len(inputs)} inputs were given")
    ts = array_ops._same_dtype(list(inputs))
    dt = ts[0].dtype
    for i, t in enumerate(ts[1:], 1):
        if t.dtype != dt:
            raise InvalidArgumentError(
                None, None, f"cannot compute Einsum as input #{i}(zero-based) was expected to "
                f"be a {dt.name} tensor but is a {t.dtype.name} tensor [Op:Einsum]")
    return execute(EINSUM, (ts,), {"equation": eq, "N": len(ts)}, name)


# ---- tensordot / matvec ---------------------------------------------------------------------


def _axes_list(ax, rank, which):
    if isinstance(ax, Tensor):
        ax = ax.numpy()
    ax = [int(v) for v in np.asarray(ax).reshape(-1)]
    out = []
    for v in ax:
        if not -rank <= v < rank:
            raise ValueError(f"axis {v} is out of range for tensor '{which}' of rank {rank}")
        out.append(v % rank)
    return out


def tensordot(a, b, axes, name=None):
    """Contracts ``a`` and ``b`` over the given axes (``tf.tensordot``).

    ``axes`` is an int N (the last N axes of ``a`` with the first N of ``b``) or a pair of
    axis lists ``[a_axes, b_axes]``.

    Example:
        >>> tf.tensordot(tf.ones([2, 3]), tf.ones([3, 4]), axes=1).shape
        TensorShape([2, 4])
    """
    a, b = u.binary_args(a, b)
    ra, rb = a.shape.rank, b.shape.rank
    if ra is None or rb is None:
        raise ValueError("tensordot needs the ranks of both inputs to be known")
    if isinstance(axes, Tensor):
        axes = axes.numpy()
    if not isinstance(axes, (list, tuple)) and np.ndim(axes) == 0:
        n = int(axes)
        if n < 0:
            raise ValueError(f"'axes' must be at least 0, got {n}.")
        if n > ra or n > rb:
            raise ValueError(f"'axes' must not be larger than the number of dimensions of "
                             f"tensor {a if n > ra else b}, got {n}.")
        a_axes, b_axes = list(range(ra - n, ra)), list(range(n))
    else:
        if len(axes) != 2:
            raise ValueError(f"'axes' must be an integer or have length 2, got {axes}.")
        a_axes = _axes_list(axes[0], ra, "a")
        b_axes = _axes_list(axes[1], rb, "b")
        if len(a_axes) != len(b_axes):
            raise ValueError(f"Different number of contraction axes 'a' and 'b', "
                             f"{len(a_axes)} != {len(b_axes)}.")
    if ra + rb - len(a_axes) > len(_LETTERS) or ra > len(_LETTERS):
        raise ValueError("tensordot supports at most 52 distinct dimensions")
    la = list(_LETTERS[:ra])
    lb = list(_LETTERS[ra:ra + rb])
    for i, j in zip(a_axes, b_axes):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in a_axes] + \
        [c for j, c in enumerate(lb) if j not in b_axes]
    return einsum(f"{_join(la)},{_join(lb)}->{_join(out)}", a, b, name=name)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Matrix-vector product ``a @ b`` with batch broadcasting (``tf.linalg.matvec``).

    Example:
        >>> tf.linalg.matvec([[1., 2.], [3., 4.]], [1., 1.]).numpy()
        array([3., 7.], dtype=float32)
    """
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    a, b = u.binary_args(a, b)
    if adjoint_a and a.dtype.is_complex:
        a = math_ops.conj(a)
    eq = "...ji,...j->...i" if (transpose_a or adjoint_a) else "...ij,...j->...i"
    return einsum(eq, a, b, name=name)
