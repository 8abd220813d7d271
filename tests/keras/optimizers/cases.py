"""Optimizer and schedule cases shared by the tests and by ``make_reference.py``.

Plain Python + NumPy only: ``make_reference.py`` imports this module under real TensorFlow/Keras
to produce ``reference.json``; the tests import it to replay the same cases on tensorflux.
"""

import numpy as np

STEPS = 5

# (key, optimizer class name, constructor kwargs, learning-rate schedule or None)
OPTIMIZER_CASES = [
    ("sgd", "SGD", {"learning_rate": 0.1}, None),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}, None),
    ("sgd_nesterov", "SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, None),
    ("adam", "Adam", {"learning_rate": 0.05}, None),
    ("adam_amsgrad", "Adam", {"learning_rate": 0.05, "amsgrad": True}, None),
    ("adam_wd", "Adam", {"learning_rate": 0.05, "weight_decay": 0.1}, None),
    ("adamw", "AdamW", {"learning_rate": 0.05}, None),
    ("adamax", "Adamax", {"learning_rate": 0.05}, None),
    ("nadam", "Nadam", {"learning_rate": 0.05}, None),
    ("rmsprop", "RMSprop", {"learning_rate": 0.05}, None),
    ("rmsprop_centered", "RMSprop",
     {"learning_rate": 0.05, "momentum": 0.5, "centered": True}, None),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}, None),
    ("adadelta", "Adadelta", {"learning_rate": 1.0}, None),
    ("ftrl", "Ftrl", {"learning_rate": 0.1}, None),
    ("ftrl_reg", "Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01,
                          "l2_regularization_strength": 0.02,
                          "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1}, None),
    ("lion", "Lion", {"learning_rate": 0.05}, None),
    ("adafactor", "Adafactor", {"learning_rate": 0.05}, None),
    ("sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 0.5}, None),
    ("sgd_global_clipnorm", "SGD", {"learning_rate": 0.1, "global_clipnorm": 0.5}, None),
    ("adam_clipvalue", "Adam", {"learning_rate": 0.05, "clipvalue": 0.1}, None),
    ("sgd_ema", "SGD", {"learning_rate": 0.1, "momentum": 0.5, "use_ema": True,
                        "ema_momentum": 0.9, "ema_overwrite_frequency": 3}, None),
    ("adam_ema", "Adam", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.8}, None),
    ("sgd_accum", "SGD", {"learning_rate": 0.1, "momentum": 0.5,
                          "gradient_accumulation_steps": 2}, None),
    ("adam_loss_scale", "Adam", {"learning_rate": 0.05, "loss_scale_factor": 4.0}, None),
    ("sgd_schedule", "SGD", {"momentum": 0.5},
     ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5})),
    ("adam_schedule", "Adam", {},
     ("CosineDecay", {"initial_learning_rate": 0.05, "decay_steps": 4})),
]

# Sparse (IndexedSlices) gradient cases: unique, unsorted indices.
SPARSE_CASES = [
    ("sgd", "SGD", {"learning_rate": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("adam", "Adam", {"learning_rate": 0.05}),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.05}),
]
SPARSE_SHAPE = (6, 3)
SPARSE_INDICES = [4, 0, 2]

SCHEDULE_CASES = [
    ("exp", "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3,
                                 "decay_rate": 0.5}),
    ("exp_stair", "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3,
                                       "decay_rate": 0.5, "staircase": True}),
    ("piecewise", "PiecewiseConstantDecay", {"boundaries": [3, 7], "values": [1.0, 0.5, 0.1]}),
    ("poly", "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                                 "end_learning_rate": 0.01, "power": 2.0}),
    ("poly_cycle", "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4,
                                       "cycle": True}),
    ("inverse", "InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2,
                                     "decay_rate": 0.5}),
    ("inverse_stair", "InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2,
                                           "decay_rate": 0.5, "staircase": True}),
    ("cosine", "CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                               "alpha": 0.1}),
    ("cosine_warmup", "CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 10,
                                      "warmup_target": 0.2, "warmup_steps": 4}),
    ("restarts", "CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                         "first_decay_steps": 3}),
    ("restarts_t1", "CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                            "first_decay_steps": 4, "t_mul": 1.0,
                                            "m_mul": 0.5, "alpha": 0.05}),
]
SCHEDULE_STEPS = list(range(0, 25))


def initial_values():
    """Starting values of the two model variables ``w`` (3, 4) and ``b`` (4,)."""
    rs = np.random.RandomState(0)
    return (rs.normal(size=(3, 4)).astype(np.float32),
            rs.normal(size=(4,)).astype(np.float32))


def gradients(step):
    """Dense gradients for ``w`` and ``b`` at ``step``."""
    rs = np.random.RandomState(100 + step)
    return (rs.normal(size=(3, 4)).astype(np.float32),
            rs.normal(size=(4,)).astype(np.float32))


def sparse_initial():
    return np.random.RandomState(1).normal(size=SPARSE_SHAPE).astype(np.float32)


def sparse_values(step):
    rs = np.random.RandomState(200 + step)
    return rs.normal(size=(len(SPARSE_INDICES), SPARSE_SHAPE[1])).astype(np.float32)
