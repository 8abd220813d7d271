"""``tf.io``: TFRecord files, tf.train.Example parsing, tensor (de)serialization, images, gfile."""

from tensorflux.io import gfile  # noqa: F401
from tensorflux._src.io.csv_ops import decode_csv  # noqa: F401
from tensorflux._src.io.image_codecs import (  # noqa: F401
    decode_and_crop_jpeg, decode_bmp, decode_gif, decode_image, decode_jpeg, decode_png,
    encode_jpeg, encode_png, extract_jpeg_shape, is_jpeg)
from tensorflux._src.io.io_ops import (  # noqa: F401
    decode_raw, parse_tensor, read_file, serialize_tensor, write_file)
from tensorflux._src.io.parsing_ops import (  # noqa: F401
    FixedLenFeature, FixedLenSequenceFeature, RaggedFeature, SparseFeature, VarLenFeature,
    parse_example, parse_single_example)
from tensorflux._src.io.sequence_parsing import (  # noqa: F401
    parse_sequence_example, parse_single_sequence_example)
from tensorflux._src.io.tf_record_api import TFRecordOptions, TFRecordWriter  # noqa: F401

__all__ = [n for n in dir() if not n.startswith("_")]
