"""``tf.io.TFRecordWriter``, ``tf.io.TFRecordOptions`` and ``TFRecordCompressionType``."""

import zlib

from tensorflux._src.io.tfrecord import (RecordWriter, normalize_compression_type,
                                         tf_record_iterator)

__all__ = ["TFRecordOptions", "TFRecordWriter", "TFRecordCompressionType",
           "tf_record_iterator"]


class TFRecordCompressionType:
    """``tf.compat.v1.io.TFRecordCompressionType``."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


class TFRecordOptions:
    """Options for TFRecord files; only ``compression_type`` affects compatibility."""

    compression_type_map = {TFRecordCompressionType.ZLIB: "ZLIB",
                            TFRecordCompressionType.GZIP: "GZIP",
                            TFRecordCompressionType.NONE: ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        normalize_compression_type(compression_type)  # validates early, as TensorFlow does
        self.compression_type = compression_type
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """'' / 'ZLIB' / 'GZIP' for options given as TFRecordOptions, string or enum."""
        return normalize_compression_type(options)

    def __repr__(self):
        return f"TFRecordOptions(compression_type={self.compression_type!r})"


class TFRecordWriter(RecordWriter):
    """Writes records to a TFRecord file (``tf.io.TFRecordWriter``).

    Example:
        >>> with tf.io.TFRecordWriter("/tmp/x.tfrecord") as w:
        ...     w.write(b"hello")
    """

    def __init__(self, path, options=None):
        if options is None or not isinstance(options, TFRecordOptions):
            options = TFRecordOptions(normalize_compression_type(options))
        method = options.compression_method
        if method not in (None, zlib.DEFLATED):
            raise ValueError(f"compression_method {method!r} is not supported; only "
                             f"zlib.DEFLATED ({zlib.DEFLATED})")
        super().__init__(path, normalize_compression_type(options),
                         options.compression_level, window_bits=options.window_bits,
                         mem_level=options.mem_level,
                         compression_strategy=options.compression_strategy,
                         flush_mode=options.flush_mode)
