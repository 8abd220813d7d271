"""``tf.strings``: operations on string tensors (explicit re-exports)."""

from tensorflux._src.ops.ragged_string_ops import (  # noqa: F401
    bytes_split,
    ngrams,
    split,
    unicode_decode,
    unicode_encode,
    unicode_split,
)
from tensorflux._src.ops.string_ops import (  # noqa: F401
    as_string,
    format,
    join,
    length,
    lower,
    reduce_join,
    regex_full_match,
    regex_replace,
    strip,
    substr,
    to_hash_bucket_fast,
    to_hash_bucket_strong,
    to_number,
    upper,
)
