"""``tf.nest``: flatten and rebuild nested structures (lists, tuples, namedtuples, dicts).

Dicts flatten in sorted-key order, as TensorFlow does; ``None`` is a leaf.
"""

from __future__ import annotations

import collections.abc as cabc


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict, cabc.Mapping)) and not isinstance(x, (str, bytes))


is_sequence = is_nested


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


def _children(x):
    if isinstance(x, cabc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    return list(x)


def flatten(structure, expand_composites=False) -> list:
    """All leaves of ``structure`` in order (``tf.nest.flatten``)."""
    if not is_nested(structure):
        if expand_composites and getattr(structure, "_is_composite_tensor", False):
            return flatten(structure._to_components(), True)
        return [structure]
    out = []
    stack = [structure]
    # Iterative depth-first walk keeps deep structures off the recursion limit.
    while stack:
        x = stack.pop()
        if is_nested(x):
            stack.extend(reversed(_children(x)))
        elif expand_composites and getattr(x, "_is_composite_tensor", False):
            stack.extend(reversed(flatten(x._to_components(), True)))
        else:
            out.append(x)
    return out


def _rebuild(proto, children):
    if isinstance(proto, cabc.Mapping):
        keys = _sorted_keys(proto)
        d = dict(zip(keys, children))
        if type(proto) is dict:
            return {k: d[k] for k in proto}
        try:
            return type(proto)((k, d[k]) for k in proto)
        except TypeError:
            return {k: d[k] for k in proto}
    if _is_namedtuple(proto):
        return type(proto)(*children)
    if isinstance(proto, tuple):
        return tuple(children) if type(proto) is tuple else type(proto)(children)
    if isinstance(proto, list):
        return list(children)
    return type(proto)(children)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuild ``structure`` with leaves taken from ``flat_sequence`` in order."""
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(f"Structure is a scalar but len(flat_sequence) == "
                             f"{len(flat_sequence)} > 1")
        return flat_sequence[0]
    pos = 0

    def build(s):
        nonlocal pos
        if is_nested(s):
            return _rebuild(s, [build(c) for c in _children(s)])
        v = flat_sequence[pos]
        pos += 1
        return v

    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {n} atoms, but flat_sequence "
                         f"had {len(flat_sequence)} items.")
    return build(structure)


def map_structure(func, *structures, check_types=True, expand_composites=False):
    """Apply ``func`` leaf-wise over structures of the same shape."""
    if not structures:
        raise ValueError("Must provide at least one structure")
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types=check_types)
    flats = [flatten(s, expand_composites) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)], expand_composites)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    def sig(x):
        if is_nested(x):
            kind = type(x).__name__ if check_types else ("dict" if isinstance(x, cabc.Mapping)
                                                         else "seq")
            if isinstance(x, cabc.Mapping):
                return (kind, tuple((k, sig(x[k])) for k in _sorted_keys(x)))
            return (kind, tuple(sig(c) for c in x))
        return None

    if check_types and is_nested(nest1) and is_nested(nest2):
        a, b = type(nest1), type(nest2)
        if a is not b:
            if not (isinstance(nest1, cabc.Mapping) and isinstance(nest2, cabc.Mapping)):
                raise TypeError(f"The two structures don't have the same sequence type. Input "
                                f"structure has type {a}, while shallow structure has type {b}.")
    if sig(nest1) != sig(nest2):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")


def flatten_with_paths(structure):
    out = []

    def walk(x, path):
        if is_nested(x):
            if isinstance(x, cabc.Mapping):
                for k in _sorted_keys(x):
                    walk(x[k], path + (k,))
            else:
                for i, c in enumerate(x):
                    walk(c, path + (i,))
        else:
            out.append((path, x))

    walk(structure, ())
    return out


def map_structure_with_paths(func, *structures, **kw):
    paths = [p for p, _ in flatten_with_paths(structures[0])]
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func("/".join(map(str, p)), *xs)
                                            for p, xs in zip(paths, zip(*flats))])
