"""Mask-aware metrics and scorers for multi-task targets.

Every metric scores task ``t`` on the rows where ``Y_true[:, t]`` is observed
(not NaN); a task with nothing observed is skipped with a warning.
"""

from ._classification import (
    multitask_accuracy_score,
    multitask_average_precision_score,
    multitask_log_loss,
    multitask_roc_auc_score,
)
from ._mixed import multitask_mixed_score
from ._regression import (
    multitask_mean_absolute_error,
    multitask_mean_squared_error,
    multitask_r2_score,
    normalized_mean_squared_error,
    pooled_explained_variance_score,
)
from ._scorer import MetricSpec, MultiTaskScorer, get_metric, make_multitask_scorer

__all__ = [
    "MetricSpec",
    "MultiTaskScorer",
    "get_metric",
    "make_multitask_scorer",
    "multitask_accuracy_score",
    "multitask_average_precision_score",
    "multitask_log_loss",
    "multitask_mean_absolute_error",
    "multitask_mean_squared_error",
    "multitask_mixed_score",
    "multitask_r2_score",
    "multitask_roc_auc_score",
    "normalized_mean_squared_error",
    "pooled_explained_variance_score",
]
