"""Imports every module that declares ops, so that ``import tensorflux`` registers them all.

The op registry (and so ``tf.raw_ops``, graph import and the coverage tests) must not depend on
which namespaces (``tf.image``, ``tf.sparse``, ...) or code paths ran first: no op may be
declared lazily. A module that calls ``defop`` belongs in this list
(tests/ops/test_registry_complete.py checks it).
"""

from tensorflux._src.framework import optimize_remap  # noqa: F401 - _FusedMatMul, _FusedConv2D
from tensorflux._src.framework import optimize_remap_grad  # noqa: F401 - _FusedMatMulApply, ...
from tensorflux._src.ops import (  # noqa: F401
    array_manip,
    array_misc,
    array_ops,
    array_scatter,
    array_slicing,
    array_sort,
    control_flow_cond,
    control_flow_while,
    debugging,
    image_ops,
    image_resize,
    linalg_decomp,
    linalg_diag,
    linalg_einsum,
    linalg_solve,
    logging_ops,
    math_binary,
    math_compare,
    math_ops,
    math_reduce,
    math_segment,
    math_special,
    math_unary,
    nn_activation,
    nn_conv,
    nn_depthwise,
    nn_loss,
    nn_misc,
    nn_norm,
    nn_pool,
    nn_rnn,
    ragged_ops,
    ragged_string_ops,
    ragged_tensor,
    random_gamma_grad,
    random_ops,
    random_stateless,
    sparse_math,
    sparse_ops,
    string_ops,
    tensor_list_ops,
    training_ops,
)
from tensorflux._src.summary import summary_ops  # noqa: F401,E402 - WriteSummary, FlushSummaryWriter
from tensorflux._src.data import ops as _data_ops  # noqa: F401,E402 - IteratorGetNext, ReduceDataset
from tensorflux._src.autograph import optional_ops  # noqa: F401,E402 - IteratorGetNextAsOptional
from tensorflux._src.io import io_ops, parsing_ops  # noqa: F401,E402 - ParseExampleV2, ReadFile, ...
from tensorflux._src.io import (  # noqa: F401,E402 - DecodeCSV, DecodePng, ParseSequenceExampleV2
    csv_ops, image_codecs, sequence_parsing)
