"""``tf.map_fn``, ``tf.scan``, ``tf.foldl`` and ``tf.foldr``: loops over the first dimension.

All four are written once, on top of ``tf.while_loop`` and ``tf.TensorArray``: eagerly that
is a Python loop over a list of tensors (gradients flow through the recorded ops), inside
``tf.function`` it is a ``While`` node whose loop variables include TensorList flows, so
gradients flow through the While gradient and the TensorList op gradients.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import nest
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.ops import array_ops, math_ops
from tensorflux._src.ops.control_flow_while import while_loop
from tensorflux._src.ops.tensor_array import TensorArray


def _flat_elems(elems, what="elems"):
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{what} must be a Tensor or (possibly nested) sequence of Tensors. "
                         f"Got {elems!r}, which does not contain any Tensors.")
    for e in flat:
        if e.shape.rank == 0:
            raise ValueError(f"Elements in {what} must be 1+ dimensional Tensors, not "
                             f"scalars")
    return flat


def _length(flat):
    n_static = None
    for e in flat:
        d = e.shape[0] if e.shape.rank else None
        if d is not None:
            if n_static is not None and d != n_static:
                raise ValueError(f"All elements must have the same first dimension, got "
                                 f"{n_static} and {d}")
            n_static = d
    if n_static is not None:
        return n_static, n_static
    return array_ops.shape(flat[0])[0], None


def _unstacked(flat, n):
    return [TensorArray(e.dtype, size=n, dynamic_size=False, infer_shape=True).unstack(e)
            for e in flat]


def _spec_dtype(s):
    return s.dtype if hasattr(s, "shape") and hasattr(s, "dtype") and not isinstance(
        s, _dt.DType) else _dt.as_dtype(s)


def _spec_shape(s):
    return TensorShape(s.shape) if hasattr(s, "shape") and not isinstance(s, _dt.DType) \
        else TensorShape(None)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Applies ``fn`` to each element of ``elems`` (unpacked on dimension 0) and stacks.

    Example:
        >>> import tensorflux as tf
        >>> tf.map_fn(lambda x: tf.multiply(x, x), tf.constant([1, 2, 3])).numpy().tolist()
        [1, 4, 9]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    if fn_output_signature is None:
        fn_output_signature = dtype
    flat = _flat_elems(elems)
    n, n_static = _length(flat)
    if fn_output_signature is None:
        sig = nest.map_structure(lambda e: e.dtype, elems)
        flat_sig = [e.dtype for e in flat]
        sig_struct = elems
    else:
        sig = fn_output_signature
        flat_sig = nest.flatten(sig)
        sig_struct = sig
    tas = _unstacked(flat, n)
    accs = [TensorArray(_spec_dtype(s), size=n, dynamic_size=False, infer_shape=infer_shape,
                        element_shape=_spec_shape(s)) for s in flat_sig]

    def body(i, accs):
        x = nest.pack_sequence_as(elems, [ta.read(i) for ta in tas])
        y = fn(x)
        try:
            nest.assert_same_structure(sig_struct, y, check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(f"The structure of the output of `fn` does not match "
                             f"`fn_output_signature` (or the structure of `elems`).\n{e}") \
                from None
        ys = []
        for v, s in zip(nest.flatten(y), flat_sig):
            t = convert_to_tensor(v, dtype=_spec_dtype(s)) if not hasattr(v, "dtype") else \
                convert_to_tensor(v)
            if t.dtype != _spec_dtype(s):
                raise TypeError(f"map_fn: fn returned a {t.dtype.name} tensor where "
                                f"fn_output_signature expects {_spec_dtype(s).name}; pass "
                                "fn_output_signature to map_fn.")
            ys.append(t)
        return math_ops.add(i, np.int32(1)), [a.write(i, t) for a, t in zip(accs, ys)]

    _, accs = while_loop(lambda i, a: True, body, (convert_to_tensor(np.int32(0)), accs),
                         maximum_iterations=n, parallel_iterations=parallel_iterations or 10,
                         back_prop=back_prop, swap_memory=swap_memory)
    results = [_stack(a, n_static) for a in accs]
    return nest.pack_sequence_as(sig, results)


def _stack(ta, n_static):
    out = ta.stack()
    if n_static is not None and out.shape.rank is not None and hasattr(out, "_op"):
        out.set_shape([n_static] + out.shape.as_list()[1:])
    return out


def _idx(i, n, reverse):
    return math_ops.subtract(math_ops.subtract(n, np.int32(1)), i) if reverse else i


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """Accumulates ``fn(acc, x)`` over ``elems`` (dimension 0); returns every accumulator.

    Example:
        >>> import tensorflux as tf
        >>> tf.scan(lambda a, x: tf.add(a, x), tf.constant([1, 2, 3, 4])).numpy().tolist()
        [1, 3, 6, 10]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    flat = _flat_elems(elems)
    n, n_static = _length(flat)
    nt = convert_to_tensor(n, dtype=_dt.int32) if not hasattr(n, "dtype") else n
    tas = _unstacked(flat, n)
    if initializer is None:
        if n_static == 0:
            raise ValueError("elems is empty and no initializer was given to tf.scan")
        first = _idx(convert_to_tensor(np.int32(0)), nt, reverse)
        a_struct = elems
        a_flat = [ta.read(first) for ta in tas]
        start = 1
    else:
        a_struct = initializer
        a_flat = [convert_to_tensor(a) for a in nest.flatten(initializer)]
        start = 0
    accs = [TensorArray(a.dtype, size=n, dynamic_size=False, infer_shape=infer_shape,
                        element_shape=a.shape) for a in a_flat]
    if start:
        accs = [ta.write(first, a) for ta, a in zip(accs, a_flat)]

    def body(i, a_flat, accs):
        k = _idx(i, nt, reverse)
        x = nest.pack_sequence_as(elems, [ta.read(k) for ta in tas])
        a = fn(nest.pack_sequence_as(a_struct, a_flat), x)
        try:
            nest.assert_same_structure(a_struct, a, check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(f"The output of `fn` of tf.scan must have the structure of "
                             f"the accumulator (initializer or elems).\n{e}") from None
        new = [convert_to_tensor(v) for v in nest.flatten(a)]
        return (math_ops.add(i, np.int32(1)), new,
                [ta.write(k, v) for ta, v in zip(accs, new)])

    iters = n - start if n_static is not None else math_ops.subtract(nt, np.int32(start))
    _, _, accs = while_loop(lambda i, a, t: True, body,
                            (convert_to_tensor(np.int32(start)), a_flat, accs),
                            maximum_iterations=iters, parallel_iterations=parallel_iterations,
                            back_prop=back_prop, swap_memory=swap_memory)
    return nest.pack_sequence_as(a_struct, [_stack(a, n_static) for a in accs])


def _fold(fn, elems, initializer, reverse, back_prop, parallel_iterations, what):
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r}")
    flat = _flat_elems(elems)
    n, n_static = _length(flat)
    nt = convert_to_tensor(n, dtype=_dt.int32) if not hasattr(n, "dtype") else n
    tas = _unstacked(flat, n)
    if initializer is None:
        if n_static == 0:
            raise ValueError(f"elems is empty and no initializer was given to {what}")
        a_struct = elems
        a_flat = [ta.read(_idx(convert_to_tensor(np.int32(0)), nt, reverse)) for ta in tas]
        start = 1
    else:
        a_struct = initializer
        a_flat = [convert_to_tensor(a) for a in nest.flatten(initializer)]
        start = 0

    def body(i, a_flat):
        k = _idx(i, nt, reverse)
        x = nest.pack_sequence_as(elems, [ta.read(k) for ta in tas])
        a = fn(nest.pack_sequence_as(a_struct, a_flat), x)
        try:
            nest.assert_same_structure(a_struct, a, check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(f"The output of `fn` of {what} must have the structure of the "
                             f"accumulator.\n{e}") from None
        return math_ops.add(i, np.int32(1)), [convert_to_tensor(v) for v in nest.flatten(a)]

    iters = n - start if n_static is not None else math_ops.subtract(nt, np.int32(start))
    _, a_flat = while_loop(lambda i, a: True, body,
                           (convert_to_tensor(np.int32(start)), a_flat),
                           maximum_iterations=iters, parallel_iterations=parallel_iterations,
                           back_prop=back_prop)
    return nest.pack_sequence_as(a_struct, a_flat)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """Folds ``fn(acc, x)`` over ``elems`` from the first element to the last.

    Example:
        >>> import tensorflux as tf
        >>> int(tf.foldl(lambda a, x: tf.add(a, x), tf.constant([1, 2, 3])))
        6
    """
    return _fold(fn, elems, initializer, False, back_prop, parallel_iterations, "tf.foldl")


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """Folds ``fn(acc, x)`` over ``elems`` from the last element to the first.

    Example:
        >>> import tensorflux as tf
        >>> int(tf.foldr(lambda a, x: tf.subtract(x, a), tf.constant([1, 2, 3])))
        2
    """
    return _fold(fn, elems, initializer, True, back_prop, parallel_iterations, "tf.foldr")
