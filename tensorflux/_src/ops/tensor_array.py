"""``tf.TensorArray``: a list of tensors usable as a loop variable.

Two implementations behind one class, chosen when the array is created:

* eagerly it keeps a Python list of tensors. ``write`` stores the tensor (and, as in
  TensorFlow, mutates the array and returns it), ``read`` returns the stored tensor and
  ``stack`` is ``tf.stack``, so gradients flow through ordinary recorded ops;
* inside ``tf.function`` it is functional: the array is a variant ``flow`` tensor holding an
  immutable TensorList (see tensor_list_ops.py), every ``write`` returns a new TensorArray
  around a new flow, and the ops have gradient rules, so arrays work as ``tf.while_loop``
  loop variables and are differentiable.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework import context
from tensorflux._src.framework.convert import convert_to_tensor
from tensorflux._src.framework.tensor import EagerTensor
from tensorflux._src.ops import array_ops
from tensorflux._src.ops import tensor_list_ops as tl

state = context.state


class TensorArray:
    """Class wrapping dynamic-sized, per-time-step, write-once Tensor arrays.

    Example:
        >>> import tensorflux as tf
        >>> ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        >>> ta = ta.write(0, 10.0)
        >>> ta = ta.write(1, 20.0)
        >>> ta.stack().numpy().tolist()
        [10.0, 20.0]
    """

    _is_tensor_array = True

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = _dt.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(element_shape)
        self._name = name or tensor_array_name
        self._eager = state.graph is None and flow is None
        self._static_size = None
        if self._eager:
            if size is None:
                raise ValueError("Size must be provided if handle is not provided")
            n = int(size)
            self._tensors = [None] * n
            self._read = set()
            return
        if flow is not None:
            self._flow = flow
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        size_t = convert_to_tensor(size, dtype=_dt.int32)
        from tensorflux._src.framework.graph import constant_value

        cv = constant_value(size_t)
        if cv is not None and not self._dynamic_size:
            self._static_size = int(cv)
        self._flow = tl.tensor_list_reserve(self._element_shape, size_t, self._dtype)

    # ---- properties --------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def flow(self):
        if self._eager:
            return convert_to_tensor(0.0)
        return self._flow

    @property
    def handle(self):
        return self.flow

    @property
    def element_shape(self):
        return self._element_shape

    @property
    def dynamic_size(self):
        return self._dynamic_size

    def _with_flow(self, flow):
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._eager = False
        ta._flow = flow
        ta.__dict__.pop("_tensors", None)
        return ta

    def _merge_shape(self, shape):
        if not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {TensorShape(shape)} but expected "
                             f"{self._element_shape} (and infer_shape=True)")
        if self._infer_shape:
            self._element_shape = self._element_shape.merge_with(shape)

    def _value(self, value):
        t = convert_to_tensor(value, dtype=self._dtype) if not hasattr(value, "dtype") else \
            convert_to_tensor(value)
        if t.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"TensorArray dtype is {self._dtype.name} but Op is trying to write "
                f"dtype {t.dtype.name}.")
        return t

    # ---- element access ----------------------------------------------------------------------
    def read(self, index, name=None):
        """The tensor at ``index``."""
        if self._eager:
            i = int(index)
            n = len(self._tensors)
            if i < 0 or i >= n:
                raise errors.OutOfRangeError(None, None, f"Tried to read from index {i} but "
                                             f"array size is: {n}")
            t = self._tensors[i]
            if t is None:
                if i in self._read:
                    raise errors.InvalidArgumentError(
                        None, None, f"Could not read index {i} twice because it was cleared "
                        "after a previous read (perhaps try setting clear_after_read = false?)")
                t = self._zero(i)
            if self._clear_after_read:
                self._tensors[i] = None
                self._read.add(i)
            return t
        out = tl.tensor_list_get_item(self._flow, index, self._element_shape, self._dtype,
                                      name=name)
        if self._element_shape.rank is not None:
            out.set_shape(self._element_shape)
        return out

    def _zero(self, i):
        if not self._element_shape.is_fully_defined():
            raise errors.InvalidArgumentError(
                None, None, f"Could not read from TensorArray index {i}. Furthermore, the "
                f"element shape is not fully defined: {self._element_shape}. It is possible "
                "you are working with a resizeable TensorArray and stop_gradients is not "
                "allowing the gradients to be written.")
        return EagerTensor(np.zeros(self._element_shape.as_list(), self._dtype.np_dtype))

    def write(self, index, value, name=None):
        """Writes ``value`` at ``index``; returns the new TensorArray."""
        t = self._value(value)
        self._merge_shape(t.shape)
        if self._eager:
            i = int(index)
            if i < 0:
                raise errors.InvalidArgumentError(None, None, f"Tried to write to index {i} but "
                                                  "array size is: {len(self._tensors)}")
            if i >= len(self._tensors):
                if not self._dynamic_size:
                    raise errors.InvalidArgumentError(
                        None, None, f"Tried to write to index {i} but array is not resizeable "
                        f"and size is: {len(self._tensors)}")
                self._tensors.extend([None] * (i + 1 - len(self._tensors)))
            self._tensors[i] = t
            return self
        flow = tl.tensor_list_set_item(self._flow, index, t,
                                       resize_if_index_out_of_bounds=self._dynamic_size,
                                       name=name)
        return self._with_flow(flow)

    def stack(self, name=None):
        """All elements stacked into one tensor (first dimension: the array size)."""
        if self._eager:
            if not self._tensors:
                return self._empty()
            return array_ops.stack([self._get(i) for i in range(len(self._tensors))],
                                   name=name or "stack")
        out = tl.tensor_list_stack(self._flow, self._element_shape, self._dtype,
                                   num_elements=self._static_size if self._static_size
                                   is not None else -1, name=name)
        return out

    def _get(self, i):
        t = self._tensors[i]
        return t if t is not None else self._zero(i)

    def _empty(self):
        if not self._element_shape.is_fully_defined():
            return EagerTensor(np.zeros((0,), self._dtype.np_dtype))
        return EagerTensor(np.zeros([0] + self._element_shape.as_list(), self._dtype.np_dtype))

    def gather(self, indices, name=None):
        """The elements at ``indices``, stacked."""
        if self._eager:
            idx = np.asarray(indices).reshape(-1)
            if idx.size == 0:
                return self._empty()
            for i in idx.tolist():
                if not 0 <= i < len(self._tensors):
                    raise errors.OutOfRangeError(None, None, f"Tried to read from index {i} but "
                                                 f"array size is: {len(self._tensors)}")
            return array_ops.stack([self._get(i) for i in idx.tolist()])
        return tl.tensor_list_gather(self._flow, indices, self._element_shape, self._dtype,
                                     name=name)

    def unstack(self, value, name=None):
        """Splits ``value`` along its first dimension into the array's elements."""
        t = self._value(value)
        if t.shape.rank == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        self._merge_shape(t.shape[1:])
        if self._eager:
            parts = array_ops.unstack(t, num=t.shape[0]) if t.shape[0] else []
            if len(parts) > len(self._tensors) and not self._dynamic_size and self._tensors:
                raise errors.InvalidArgumentError(
                    None, None, f"Could not write to TensorArray: size {len(self._tensors)} is "
                    f"smaller than the {len(parts)} values unstacked.")
            self._tensors = list(parts) + self._tensors[len(parts):]
            return self
        flow = tl.tensor_list_from_tensor(t, self._element_shape, name=name)
        ta = self._with_flow(flow)
        if t.shape.rank is not None and t.shape[0] is not None and not self._dynamic_size:
            ta._static_size = t.shape[0]
        return ta

    def scatter(self, indices, value, name=None):
        """Writes ``value[k]`` at ``indices[k]``."""
        t = self._value(value)
        self._merge_shape(t.shape[1:])
        if self._eager:
            idx = np.asarray(indices).reshape(-1).tolist()
            parts = array_ops.unstack(t, num=len(idx)) if idx else []
            for i, p in zip(idx, parts):
                self.write(i, p)
            return self
        flow = tl.tensor_list_scatter_into_existing_list(self._flow, t, indices, name=name)
        return self._with_flow(flow)

    def concat(self, name=None):
        """All elements concatenated along their first dimension."""
        if self._eager:
            if not self._tensors:
                return self._empty()
            return array_ops.concat([self._get(i) for i in range(len(self._tensors))], 0)
        es = [None] + self._element_shape.as_list()[1:] if self._element_shape.rank else None
        out, _ = tl.tensor_list_concat_v2(self._flow, es, np.zeros((0,), np.int64),
                                          self._dtype, name=name)
        return out

    def split(self, value, lengths, name=None):
        """Splits ``value`` into elements of the given ``lengths`` along dimension 0."""
        t = self._value(value)
        if self._eager:
            ln = [int(v) for v in np.asarray(lengths).reshape(-1)]
            if sum(ln) != (t.shape[0] or 0):
                raise errors.InvalidArgumentError(
                    None, None, f"Expected sum of lengths to be equal to values.shape[0], but "
                    f"sum of lengths is {sum(ln)} and value's shape is: {t.shape}")
            parts = array_ops.split(t, ln, axis=0) if ln else []
            self._tensors = list(parts) + self._tensors[len(parts):]
            return self
        flow = tl.tensor_list_split(t, [None] + t.shape.as_list()[1:] if t.shape.rank else
                                    None, lengths, name=name)
        return self._with_flow(flow)

    def size(self, name=None):
        """The number of elements, an int32 scalar tensor."""
        if self._eager:
            return EagerTensor(np.int32(len(self._tensors)))
        return tl.tensor_list_length(self._flow, name=name)

    def identity(self):
        """A TensorArray with the same content (a new flow in graphs)."""
        if self._eager:
            return self
        return self._with_flow(array_ops.identity(self._flow))

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError("TensorArray.grad is not supported in TF2; use tf.GradientTape")

    def close(self, name=None):
        """Closes the array (a no-op)."""
        return None

    def __repr__(self):
        return f"<TensorArray dtype={self._dtype.name} element_shape={self._element_shape}>"
