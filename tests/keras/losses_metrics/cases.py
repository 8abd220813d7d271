"""Loss/metric cases shared by the tests and the keras oracle script (no keras import here).

Each case names a class of ``keras.losses``/``keras.metrics``, its constructor kwargs and
an input kind; ``inputs(kind, seed)`` makes the same random batch on both sides.
"""

from __future__ import annotations

import numpy as np

B, C = 6, 4


def inputs(kind, seed=0):
    """``(y_true, y_pred)`` float32/int arrays for one input kind."""
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(C), size=B).astype("float32")
    logits = rng.normal(0, 2, (B, C)).astype("float32")
    labels = rng.integers(0, C, B)
    if kind == "binary":
        return rng.integers(0, 2, (B, C)).astype("float32"), rng.random((B, C)).astype(
            "float32")
    if kind == "binary_logits":
        return rng.integers(0, 2, (B, C)).astype("float32"), logits
    if kind == "binary_1d":
        return rng.integers(0, 2, (B,)).astype("float32"), rng.random((B, 1)).astype(
            "float32")
    if kind == "categorical":
        return np.eye(C, dtype="float32")[labels], probs
    if kind == "categorical_logits":
        return np.eye(C, dtype="float32")[labels], logits
    if kind == "sparse":
        return labels.astype("int32"), probs
    if kind == "sparse_logits":
        return labels.astype("int32"), logits
    if kind == "sparse_col":
        return labels.reshape(B, 1).astype("int32"), logits
    if kind == "regression":
        return rng.random((B, C)).astype("float32") * 3, rng.random((B, C)).astype(
            "float32") * 3
    if kind == "signed":
        return rng.choice([-1.0, 1.0], (B, C)).astype("float32"), logits
    if kind == "seq_sparse":   # (batch, time) labels for ignore_class
        lab = rng.integers(0, C, (B, 3)).astype("int32")
        return lab, rng.normal(0, 2, (B, 3, C)).astype("float32")
    if kind == "iou":
        return rng.integers(0, C, (B, 3)).astype("int32"), rng.integers(0, C, (B, 3)).astype(
            "int32")
    raise ValueError(kind)


def sample_weight(kind, seed=0):
    rng = np.random.default_rng(seed + 100)
    if kind is None:
        return None
    if kind == "per_sample":
        return rng.random(B).astype("float32")
    if kind == "per_element":
        return rng.random((B, C)).astype("float32")
    raise ValueError(kind)


# (id, class, kwargs, input kind)
LOSSES = [
    ("mse", "MeanSquaredError", {}, "regression"),
    ("mae", "MeanAbsoluteError", {}, "regression"),
    ("mape", "MeanAbsolutePercentageError", {}, "regression"),
    ("msle", "MeanSquaredLogarithmicError", {}, "regression"),
    ("huber", "Huber", {"delta": 0.7}, "regression"),
    ("logcosh", "LogCosh", {}, "regression"),
    ("cosine", "CosineSimilarity", {"axis": -1}, "regression"),
    ("poisson", "Poisson", {}, "regression"),
    ("kld", "KLDivergence", {}, "categorical"),
    ("hinge", "Hinge", {}, "binary_logits"),
    ("hinge_signed", "Hinge", {}, "signed"),
    ("sq_hinge", "SquaredHinge", {}, "binary_logits"),
    ("cat_hinge", "CategoricalHinge", {}, "categorical_logits"),
    ("bce", "BinaryCrossentropy", {}, "binary"),
    ("bce_logits_ls", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     "binary_logits"),
    ("bce_1d", "BinaryCrossentropy", {}, "binary_1d"),
    ("bfce", "BinaryFocalCrossentropy", {"gamma": 1.5}, "binary"),
    ("bfce_bal_logits", "BinaryFocalCrossentropy",
     {"apply_class_balancing": True, "alpha": 0.3, "from_logits": True,
      "label_smoothing": 0.05}, "binary_logits"),
    ("cce", "CategoricalCrossentropy", {}, "categorical"),
    ("cce_logits_ls", "CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
     "categorical_logits"),
    ("cfce", "CategoricalFocalCrossentropy", {}, "categorical"),
    ("cfce_logits", "CategoricalFocalCrossentropy",
     {"from_logits": True, "alpha": 0.4, "gamma": 1.0, "label_smoothing": 0.1},
     "categorical_logits"),
    ("scce_logits", "SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("scce_col", "SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_col"),
    ("scce_ignore", "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1},
     "seq_sparse"),
    ("dice", "Dice", {}, "binary"),
    ("dice_axis", "Dice", {"axis": -1}, "binary"),
    ("tversky", "Tversky", {"alpha": 0.3, "beta": 0.7, "axis": -1}, "binary"),
]
# Weighting/reduction variants run for every loss id in REDUCED_IDS.
REDUCTIONS = [(None, "sum_over_batch_size"), ("per_sample", "sum_over_batch_size"),
              ("per_sample", "sum"), ("per_sample", "none"), ("per_sample", "mean"),
              ("per_sample", "mean_with_sample_weight"), (None, "sum")]
REDUCED_IDS = ("mse", "bce", "cce_logits_ls", "scce_logits", "huber")
# Keras's masks (ignore_class) combine only with weights of the mask's shape.
EXTRA_IDS = ("scce_ignore-None-sum", "scce_ignore-None-none", "scce_ignore-None-mean")

# (id, class, kwargs, input kind, sample weight kind)
METRICS = [
    ("mean", "Mean", {}, "regression", "per_sample"),
    ("sum", "Sum", {}, "regression", "per_sample"),
    ("acc", "Accuracy", {}, "iou", None),
    ("bin_acc", "BinaryAccuracy", {"threshold": 0.4}, "binary", "per_sample"),
    ("cat_acc", "CategoricalAccuracy", {}, "categorical", "per_sample"),
    ("sparse_acc", "SparseCategoricalAccuracy", {}, "sparse", "per_sample"),
    ("sparse_acc_col", "SparseCategoricalAccuracy", {}, "sparse_col", None),
    ("topk", "TopKCategoricalAccuracy", {"k": 2}, "categorical", "per_sample"),
    ("sparse_topk", "SparseTopKCategoricalAccuracy", {"k": 2}, "sparse", "per_sample"),
    ("auc", "AUC", {}, "binary", "per_sample"),
    ("auc_pr", "AUC", {"curve": "PR", "num_thresholds": 50}, "binary", "per_sample"),
    ("auc_pr_majoring", "AUC", {"curve": "PR", "summation_method": "majoring"}, "binary",
     None),
    ("auc_minoring", "AUC", {"summation_method": "minoring"}, "binary", None),
    ("auc_prgain", "AUC", {"curve": "PRGAIN"}, "binary", None),
    ("auc_multi", "AUC", {"multi_label": True}, "binary", "per_sample"),
    ("auc_multi_lw", "AUC", {"multi_label": True, "num_labels": 4,
                             "label_weights": [1.0, 2.0, 0.5, 1.0]}, "binary", None),
    ("auc_thresholds", "AUC", {"thresholds": [0.2, 0.45, 0.7]}, "binary", "per_sample"),
    ("auc_logits", "AUC", {"from_logits": True}, "binary_logits", None),
    ("auc_lw", "AUC", {"label_weights": [1.0, 2.0, 0.5, 1.0]}, "binary", None),
    ("precision", "Precision", {}, "binary", "per_sample"),
    ("precision_thr", "Precision", {"thresholds": [0.3, 0.6]}, "binary", None),
    ("precision_topk", "Precision", {"top_k": 2}, "binary", None),
    ("precision_cls", "Precision", {"class_id": 2, "thresholds": 0.4}, "binary", "per_sample"),
    ("recall", "Recall", {}, "binary", "per_sample"),
    ("recall_topk_cls", "Recall", {"top_k": 2, "class_id": 1}, "binary", None),
    ("tp", "TruePositives", {}, "binary", "per_sample"),
    ("tn", "TrueNegatives", {"thresholds": [0.25, 0.5, 0.75]}, "binary", None),
    ("fp", "FalsePositives", {}, "binary", "per_sample"),
    ("fn", "FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "binary", None),
    ("p_at_r", "PrecisionAtRecall", {"recall": 0.6}, "binary", "per_sample"),
    ("r_at_p", "RecallAtPrecision", {"precision": 0.6, "num_thresholds": 30}, "binary", None),
    ("sens_at_spec", "SensitivityAtSpecificity", {"specificity": 0.5}, "binary", None),
    ("spec_at_sens", "SpecificityAtSensitivity", {"sensitivity": 0.5, "class_id": 1},
     "binary", None),
    ("mean_iou", "MeanIoU", {"num_classes": 4}, "iou", None),
    ("mean_iou_ignore", "MeanIoU", {"num_classes": 4, "ignore_class": 0}, "iou", None),
    ("iou", "IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "iou", None),
    ("onehot_iou", "OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]},
     "categorical", None),
    ("onehot_mean_iou", "OneHotMeanIoU", {"num_classes": 4}, "categorical", None),
    ("binary_iou", "BinaryIoU", {"threshold": 0.4}, "binary", None),
    ("f1", "F1Score", {}, "categorical", None),
    ("f1_macro_thr", "F1Score", {"average": "macro", "threshold": 0.3}, "binary", None),
    ("fbeta_micro", "FBetaScore", {"average": "micro", "beta": 2.0}, "categorical",
     "per_sample"),
    ("fbeta_weighted", "FBetaScore", {"average": "weighted", "beta": 0.5, "threshold": 0.5},
     "binary", "per_sample"),
    ("m_mse", "MeanSquaredError", {}, "regression", "per_sample"),
    ("m_mae", "MeanAbsoluteError", {}, "regression", "per_sample"),
    ("mean_elem", "Mean", {}, "regression", "per_element"),
    ("m_rmse", "RootMeanSquaredError", {}, "regression", "per_sample"),
    ("m_mape", "MeanAbsolutePercentageError", {}, "regression", None),
    ("m_msle", "MeanSquaredLogarithmicError", {}, "regression", "per_sample"),
    ("m_cosine", "CosineSimilarity", {}, "regression", "per_sample"),
    ("m_logcosh", "LogCoshError", {}, "regression", None),
    ("m_hinge", "Hinge", {}, "binary_logits", None),
    ("m_sq_hinge", "SquaredHinge", {}, "binary_logits", "per_sample"),
    ("m_cat_hinge", "CategoricalHinge", {}, "categorical_logits", None),
    ("m_kld", "KLDivergence", {}, "categorical", "per_sample"),
    ("m_poisson", "Poisson", {}, "regression", None),
    ("m_bce", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     "binary_logits", "per_sample"),
    ("m_cce", "CategoricalCrossentropy", {}, "categorical", "per_sample"),
    ("m_scce", "SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits",
     "per_sample"),
    ("r2", "R2Score", {}, "regression", None),
    ("r2_weighted", "R2Score", {"class_aggregation": "variance_weighted_average"},
     "regression", "per_sample"),
    ("r2_raw_adjusted", "R2Score", {"class_aggregation": None, "num_regressors": 2},
     "regression", None),
]


def loss_case_ids():
    ids = [c[0] for c in LOSSES]
    ids += [f"{i}-{w}-{r}" for i in REDUCED_IDS for w, r in REDUCTIONS]
    return ids + list(EXTRA_IDS)


def loss_case(case_id):
    """``(class, kwargs, kind, sample weight kind)`` of a loss case id."""
    base, _, variant = case_id.partition("-")
    _, cls, kwargs, kind = next(c for c in LOSSES if c[0] == base)
    sw = None
    if variant:
        w, r = variant.split("-")
        sw = None if w == "None" else w
        kwargs = {**kwargs, "reduction": None if r == "None" else r}
    return cls, dict(kwargs), kind, sw
