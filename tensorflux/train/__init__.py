"""``tf.train``: Example messages and training utilities.

``Example``, ``Features``, ``Feature``, ``BytesList``, ``FloatList``, ``Int64List``,
``SequenceExample``, ``FeatureList`` and ``FeatureLists`` are tensorflux's pure-Python message
classes (``tensorflux/_src/io/example_proto.py``): the protobuf message API, the same wire
bytes and text format, no protobuf needed. ``msg.to_protobuf()`` gives a real protobuf
message. Loaded on first access.
"""

_EXAMPLE_PROTOS = ("Example", "SequenceExample", "Features", "Feature", "BytesList",
                   "FloatList", "Int64List", "FeatureList", "FeatureLists")


def __getattr__(name):
    if name not in _EXAMPLE_PROTOS:
        raise AttributeError(f"module 'tensorflux.train' has no attribute {name!r}")
    from tensorflux._src.io import example_proto

    value = getattr(example_proto, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXAMPLE_PROTOS))


__all__ = sorted(_EXAMPLE_PROTOS)
