"""Generated ``tf.raw_ops`` wrappers: keyword arguments -> an ``execute`` of the OpDef."""

from __future__ import annotations

from tensorflux._src.core import op_def as _registry
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops.op_util import tensor

_HIDDEN = ("Placeholder", "PartitionedCall", "CustomGradient")


def raw_op_names():
    import tensorflux  # noqa: F401 - every family registers its ops on import

    return sorted(n for n in _registry.all_ops() if not n.startswith("_") and n not in _HIDDEN)


def make_raw_op(name):
    import tensorflux  # noqa: F401

    if name.startswith("_") or name in _HIDDEN:
        raise AttributeError(f"module 'tensorflux.raw_ops' has no attribute {name!r}")
    try:
        op = _registry.get(name)
    except LookupError:
        raise AttributeError(f"module 'tensorflux.raw_ops' has no attribute {name!r}") from None
    in_names = [a.name for a in op.input_args]

    def raw_op(**kwargs):
        from tensorflux._src.ops.training_ops import handle_arg

        kwargs.pop("name", None)
        missing = [n for n in in_names if n not in kwargs]
        if missing:
            raise TypeError(f"tf.raw_ops.{name} missing required input(s) {missing}; "
                            f"inputs are {in_names}")
        args = []
        for a in op.input_args:
            v = kwargs.pop(a.name)
            if a.fixed is not None and a.fixed.name == "resource":
                args.append(handle_arg(v))
            elif a.is_list:
                args.append([tensor(x) for x in v])
            else:
                args.append(tensor(v))
        unknown = [k for k in kwargs if k not in op.attrs and k not in op.types]
        if unknown:
            raise TypeError(f"tf.raw_ops.{name} got unexpected argument(s) {unknown}; "
                            f"attributes are {sorted(op.attrs)}")
        return execute(op, tuple(args), kwargs or None)

    raw_op.__name__ = name
    raw_op.__qualname__ = name
    raw_op.__doc__ = f"The raw op ``{name}``: inputs {in_names}, attributes {sorted(op.attrs)}."
    return raw_op
