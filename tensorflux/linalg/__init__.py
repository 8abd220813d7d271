"""``tf.linalg``: linear algebra (explicit re-exports)."""

from tensorflux._src.ops.array_manip import eye  # noqa: F401
from tensorflux._src.ops.linalg_decomp import (  # noqa: F401
    cholesky,
    det,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    inv,
    logdet,
    qr,
    slogdet,
    svd,
)
from tensorflux._src.ops.linalg_diag import (  # noqa: F401
    adjoint,
    band_part,
    cross,
    matrix_transpose,
    trace,
)
from tensorflux._src.ops.linalg_diag import matrix_diag as diag  # noqa: F401
from tensorflux._src.ops.linalg_diag import matrix_diag_part as diag_part  # noqa: F401
from tensorflux._src.ops.linalg_diag import matrix_set_diag as set_diag  # noqa: F401
from tensorflux._src.ops.linalg_einsum import einsum, matvec, tensordot  # noqa: F401
from tensorflux._src.ops.linalg_norm import norm, normalize, pinv  # noqa: F401
from tensorflux._src.ops.linalg_solve import (  # noqa: F401
    cholesky_solve,
    expm,
    lstsq,
    solve,
    triangular_solve,
)
from tensorflux._src.ops.math_clip import l2_normalize  # noqa: F401
from tensorflux._src.ops.math_ops import matmul  # noqa: F401
