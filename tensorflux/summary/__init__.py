"""``tf.summary``: TensorBoard event files (scalars, histograms, images, text, graphs)."""

from tensorflux._src.summary.graph import graph, trace_export, trace_off, trace_on
from tensorflux._src.summary.v2 import audio, histogram, image, scalar, text
from tensorflux._src.summary.writer import (
    SummaryWriter,
    create_file_writer,
    create_noop_writer,
    flush,
    record_if,
    should_record_summaries,
    write,
)
from tensorflux.summary import experimental

__all__ = ["SummaryWriter", "audio", "create_file_writer", "create_noop_writer",
           "experimental", "flush", "graph", "histogram", "image", "record_if", "scalar",
           "should_record_summaries", "text", "trace_export", "trace_off", "trace_on", "write"]
