"""``tensorboard.plugins.hparams`` on tensorflux; the API is in ``.api``."""
