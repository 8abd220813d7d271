"""Top-level tf.* names from the control_flow family (explicit re-exports)."""

from tensorflux._src.ops.control_flow_cond import case, cond, switch_case
from tensorflux._src.ops.control_flow_functional import foldl, foldr, map_fn, scan
from tensorflux._src.ops.control_flow_while import while_loop
from tensorflux._src.ops.tensor_array import TensorArray

__all__ = ["TensorArray", "case", "cond", "foldl", "foldr", "map_fn", "scan", "switch_case",
           "while_loop"]
