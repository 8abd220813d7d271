"""``tf.summary.experimental``: the default step, summary scopes, raw Summary protos."""

from tensorflux._src.summary.writer import get_step, set_step, summary_scope, write_raw_pb

__all__ = ["get_step", "set_step", "summary_scope", "write_raw_pb"]
