"""TensorBoard logging: event files, ``tf.summary`` ops, TF1 summaries, hparams, projector.

Only ``summary_ops`` (the op declarations) is imported by ``import tensorflux``; everything
else loads with ``tf.summary`` / ``tf.compat.v1.summary``.
"""
