"""``tf.train``: Example protos and training utilities.

The Example messages are protobuf classes, loaded on first access (``pip install
tensorflux[io]`` provides protobuf).
"""

_EXAMPLE_PROTOS = {
    "Example": "example_pb2", "SequenceExample": "example_pb2",
    "Features": "feature_pb2", "Feature": "feature_pb2", "BytesList": "feature_pb2",
    "FloatList": "feature_pb2", "Int64List": "feature_pb2", "FeatureList": "feature_pb2",
    "FeatureLists": "feature_pb2",
}


def __getattr__(name):
    mod = _EXAMPLE_PROTOS.get(name)
    if mod is None:
        raise AttributeError(f"module 'tensorflux.train' has no attribute {name!r}")
    import importlib

    try:
        m = importlib.import_module(f"tensorflux._src.proto.{mod}")
    except ImportError as e:  # pragma: no cover - protobuf is installed in dev
        raise ImportError(f"tf.train.{name} needs protobuf: pip install tensorflux[io]") from e
    value = getattr(m, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXAMPLE_PROTOS))


__all__ = sorted(_EXAMPLE_PROTOS)
