"""TensorBoard plugin APIs on tensorflux (``tensorboard.plugins.*``): ``hparams``,
``projector``."""
