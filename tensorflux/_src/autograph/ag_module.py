"""The ``ag__`` namespace that converted code refers to."""

from tensorflux._src.autograph.impl import converted_call  # noqa: F401
from tensorflux._src.autograph.operators import (  # noqa: F401
    Undefined,
    and_,
    assert_stmt,
    for_stmt,
    if_exp,
    if_stmt,
    ldu,
    not_,
    or_,
    retval,
    while_stmt,
)
