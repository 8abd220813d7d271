"""``tf.compat.v1.summary``: TF1 summaries returning serialized ``Summary`` protos, and
``FileWriter`` (eager; see docs/tensorboard.md for what differs without Sessions)."""

from tensorflux._src.summary.v1 import (
    FileWriter,
    FileWriterCache,
    audio,
    get_summary_description,
    histogram,
    image,
    merge,
    merge_all,
    scalar,
    tensor_summary,
    text,
)


def __getattr__(name):
    if name in ("Summary", "SummaryDescription", "SummaryMetadata", "HistogramProto"):
        from tensorflux._src.proto import summary_pb2

        return getattr(summary_pb2, name)
    if name in ("Event", "SessionLog", "TaggedRunMetadata"):
        from tensorflux._src.proto import event_pb2

        return getattr(event_pb2, name)
    raise AttributeError(f"module 'tensorflux.compat.v1.summary' has no attribute {name!r}")


__all__ = ["FileWriter", "FileWriterCache", "audio", "get_summary_description", "histogram",
           "image", "merge", "merge_all", "scalar", "tensor_summary", "text"]
