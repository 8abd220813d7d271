"""``keras.preprocessing.sequence``."""

from tensorflux.keras.src.utils.sequence_utils import pad_sequences  # noqa: F401
