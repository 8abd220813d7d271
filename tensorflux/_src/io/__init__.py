"""tf.io internals: TFRecord framing, CRC32C, gfile, Example encode/parse, image/CSV ops."""
