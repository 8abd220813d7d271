"""``tf.io``: TFRecord files, tf.train.Example parsing, tensor (de)serialization, images, gfile."""
