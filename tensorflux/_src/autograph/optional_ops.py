"""Optional-valued iterator ops used by AutoGraph's ``for x in dataset`` loops.

``IteratorGetNextAsOptional`` never raises at the end of the data: it returns an optional
(a variant: 0-d object array holding the components, or None); ``OptionalHasValue`` and
``OptionalGetValue`` read it. Registered at ``import tensorflux`` (ops/families.py).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop


class OptionalValue:
    """The variant payload: a tuple of component arrays, or None when empty."""

    __slots__ = ("components",)

    def __init__(self, components):
        self.components = components


def _variant(value):
    a = np.empty((), dtype=object)
    a[()] = value
    return a


def _get_next_as_optional_kernel(iterator, **_):
    comps = iterator[()]._next_components()
    return _variant(OptionalValue(None if comps is None else tuple(comps)))


def _has_value_kernel(optional, **_):
    return np.bool_(optional[()].components is not None)


def _get_value_kernel(optional, **_):
    comps = optional[()].components
    if comps is None:
        raise errors.InvalidArgumentError(None, None, "The optional does not have a value: "
                                          "check OptionalHasValue before OptionalGetValue.")
    return comps


def _out_infer(ic):
    return [(tuple(s) if s is not None else None, d)
            for s, d in zip(ic.attrs["output_shapes"], ic.attrs["output_types"])]


ITERATOR_GET_NEXT_AS_OPTIONAL = defop(
    "IteratorGetNextAsOptional", _get_next_as_optional_kernel, inputs=("iterator: resource",),
    outputs=("optional: variant",), attrs={"output_types": (), "output_shapes": ()},
    infer=lambda ic: [()], grad=NOT_DIFFERENTIABLE, stateful=True,
    doc="The next element of an iterator as an optional (empty at the end).")

OPTIONAL_HAS_VALUE = defop(
    "OptionalHasValue", _has_value_kernel, inputs=("optional: variant",),
    outputs=("has_value: bool",), infer=lambda ic: [()], grad=NOT_DIFFERENTIABLE,
    doc="True when the optional holds a value.")

OPTIONAL_GET_VALUE = defop(
    "OptionalGetValue", _get_value_kernel, inputs=("optional: variant",),
    outputs=("components: num_components*T",), types={"T": ()},
    attrs={"output_types": (), "output_shapes": (), "num_components": 0},
    infer=_out_infer, grad=NOT_DIFFERENTIABLE,
    doc="The components held by the optional; InvalidArgumentError when empty.")
