"""Top-level tf.* names from the graph family (explicit re-exports)."""

from tensorflux._src.framework.graph_def import make_ndarray, make_tensor_proto

__all__: list = ["make_ndarray", "make_tensor_proto"]
