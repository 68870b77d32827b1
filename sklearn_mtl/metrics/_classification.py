"""Mask-aware classification metrics for multi-task targets."""

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

from ._base import per_task_scores

__all__ = ["multitask_accuracy_score", "multitask_roc_auc_score"]


def multitask_accuracy_score(
    Y_true,
    Y_pred,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
    missing_label=None,
):
    """Mean over tasks of each task's accuracy on its observed labels.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels (any type); NaN, ``None`` or ``missing_label`` where
        missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predicted labels for every task.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task accuracies (weighted by ``task_weights``) or
        return them all. A task with no observed label is skipped with a
        warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.
    missing_label : int, float, str or None, default=None
        Extra marker of a missing label in ``Y_true`` (for integer or string
        labels).

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_accuracy_score
    >>> Y_true = np.array([["a", None], ["b", "x"], ["b", "y"]], dtype=object)
    >>> Y_pred = np.array([["a", "x"], ["a", "x"], ["b", "x"]], dtype=object)
    >>> multitask_accuracy_score(Y_true, Y_pred, multioutput="raw_values")
    array([0.66666667, 0.5       ])
    """
    return per_task_scores(
        accuracy_score,
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_accuracy_score",
        target_type="classification",
        missing_label=missing_label,
    )


def _roc_auc(y_true, y_score, *, sample_weight=None):
    if y_score.ndim == 1 and np.unique(y_true).size > 2:
        raise ValueError(
            "Expected one column of scores per class (predict_proba output) for "
            f"a task with {np.unique(y_true).size} classes; got one score per row."
        )
    if y_score.ndim == 2 and y_score.shape[1] > 2:
        return roc_auc_score(
            y_true, y_score, sample_weight=sample_weight, multi_class="ovr"
        )
    if y_score.ndim == 2:
        y_score = y_score[:, -1]
    return roc_auc_score(y_true, y_score, sample_weight=sample_weight)


def multitask_roc_auc_score(
    Y_true,
    Y_score,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
    missing_label=None,
):
    """Mean over tasks of each task's ROC AUC on its observed labels.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels; NaN, ``None`` or ``missing_label`` where missing.
    Y_score : array-like of shape (n_samples, n_tasks) or list of ndarray
        Either the score of the greater (positive) class of each binary task,
        or the output of ``predict_proba``: a list with one array of shape
        ``(n_samples, n_classes_t)`` per task (the last column is used for a
        binary task; a multiclass task is scored one-vs-rest).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task AUCs (weighted by ``task_weights``) or return
        them all. A task whose observed labels hold a single class has no AUC:
        it is skipped with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.
    missing_label : int, float, str or None, default=None
        Extra marker of a missing label in ``Y_true``.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_roc_auc_score
    >>> Y_true = np.array([[0, 1], [1, np.nan], [1, 0], [0, 0]])
    >>> Y_score = np.array([[0.1, 0.9], [0.8, 0.5], [0.3, 0.2], [0.4, 0.7]])
    >>> multitask_roc_auc_score(Y_true, Y_score, multioutput="raw_values")
    array([0.75, 1.  ])
    """
    return per_task_scores(
        _roc_auc,
        Y_true,
        Y_score,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_roc_auc_score",
        target_type="classification",
        missing_label=missing_label,
        min_classes=2,
        score_arrays=True,
    )
