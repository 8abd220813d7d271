"""Graph ops that connect tf.data to ``tf.function`` (registered at ``import tensorflux``).

Handles are 0-d object arrays holding the Python dataset / iterator; the kernels pull from
them, so the same ops run eagerly and inside traced graphs. They are stateful (never folded
or pruned) and not differentiable.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop


def handle(obj):
    a = np.empty((), dtype=object)
    a[()] = obj
    return a


def _out_infer(ic):
    return [(tuple(s) if s is not None else None, d)
            for s, d in zip(ic.attrs["output_shapes"], ic.attrs["output_types"])]


def _anon_iterator_kernel(dataset, **_):
    from tensorflux._src.data.iterator_ops import OwnedIterator
    return handle(OwnedIterator(dataset[()]))


def _get_next_kernel(iterator, **_):
    comps = iterator[()]._next_components()
    if comps is None:
        raise errors.OutOfRangeError(None, None, "End of sequence")
    return tuple(comps)


def _reduce_kernel(input_dataset, initial_state, f=None, **_):
    ds = input_dataset[()]
    it = ds._make_it(ds._root_ctx())
    state = tuple(np.asarray(s) for s in initial_state)
    n = len(state)
    try:
        while True:
            try:
                e = it.next()
            except StopIteration:
                break
            state = tuple(f(state + tuple(e)))[:n]
    finally:
        it.close()
    return state


# AnonymousIteratorV3 + MakeIterator in one step: TensorFlow builds an iterator resource and
# then binds the dataset to it; here the handle is created already bound.
ANONYMOUS_ITERATOR = defop(
    "AnonymousIteratorV3", _anon_iterator_kernel, inputs=("dataset: resource",),
    outputs=("handle: resource",), attrs={"output_types": (), "output_shapes": ()},
    infer=lambda ic: [()],
    grad=NOT_DIFFERENTIABLE, stateful=True,
    doc="A new iterator over the dataset handle (created each time the graph runs).")

ITERATOR_GET_NEXT = defop(
    "IteratorGetNext", _get_next_kernel, inputs=("iterator: resource",),
    outputs=("components: num_components*T",), types={"T": ()},
    attrs={"output_types": (), "output_shapes": (), "num_components": 0},
    infer=_out_infer, grad=NOT_DIFFERENTIABLE, stateful=True,
    doc="The next element of an iterator; OutOfRangeError at the end.")

REDUCE_DATASET = defop(
    "ReduceDataset", _reduce_kernel, inputs=("input_dataset: resource", "initial_state: list"),
    outputs=("components: num_components*T",), types={"T": ()},
    attrs={"f": None, "output_types": (), "output_shapes": (), "num_components": 0,
           "use_inter_op_parallelism": True},
    infer=_out_infer, grad=NOT_DIFFERENTIABLE, stateful=True,
    doc="Folds every element of the dataset into the state with the traced function f.")
