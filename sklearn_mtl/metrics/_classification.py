"""Mask-aware classification metrics for multi-task targets."""

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    log_loss,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

from ._base import per_task_scores
from ._kernels import binary_roc_auc

__all__ = [
    "multitask_accuracy_score",
    "multitask_average_precision_score",
    "multitask_log_loss",
    "multitask_roc_auc_score",
]


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
        The accuracy averaged over tasks (see ``task_weights``), or each
        task's accuracy with ``multioutput="raw_values"``.

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
    return binary_roc_auc(y_true, y_score, sample_weight=sample_weight)


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
        The ROC AUC averaged over tasks (see ``task_weights``), or each
        task's ROC AUC with ``multioutput="raw_values"``.

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


def _task_classes(classes, Y_true):
    """Per-task keyword arguments ``{"labels": classes[t]}`` (or None)."""
    if classes is None:
        return None
    if isinstance(classes, np.ndarray) and classes.ndim == 1 and np.ndim(Y_true) == 1:
        classes = [classes]  # a single-output classifier's classes_
    return [{"labels": np.asarray(task_classes)} for task_classes in classes]


def _two_columns(y_score):
    """Scores of the greater class as a (n, 2) array of class probabilities."""
    if y_score.ndim == 1:
        return np.column_stack([1.0 - y_score, y_score])
    return y_score


def _log_loss(y_true, y_score, *, sample_weight=None, labels=None):
    return log_loss(
        y_true, _two_columns(y_score), sample_weight=sample_weight, labels=labels
    )


def _average_precision(y_true, y_score, *, sample_weight=None, labels=None):
    if labels is None:
        labels = np.unique(y_true)
    if y_score.ndim == 2 and y_score.shape[1] > 2:
        if len(labels) != y_score.shape[1]:
            raise ValueError(
                f"Expected one score column per class ({len(labels)} classes); "
                f"got {y_score.shape[1]} columns. Pass classes= (the "
                "classifier's classes_)."
            )
        indicator = label_binarize(y_true, classes=labels)
        return average_precision_score(
            indicator, y_score, average="macro", sample_weight=sample_weight
        )
    if y_score.ndim == 2:
        y_score = y_score[:, -1]
    return average_precision_score(
        y_true, y_score, pos_label=labels[-1], sample_weight=sample_weight
    )


def multitask_average_precision_score(
    Y_true,
    Y_score,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
    missing_label=None,
    classes=None,
):
    """Mean over tasks of each task's average precision on its observed labels.

    The area under the precision-recall curve of the greater (positive)
    class of each binary task, the macro average of the one-vs-rest areas of
    a multiclass task: the usual summary for rare positives (Tox21, ToxCast),
    where ROC AUC looks good whatever the precision.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels; NaN, ``None`` or ``missing_label`` where missing.
    Y_score : array-like of shape (n_samples, n_tasks) or list of ndarray
        The score of the greater class of each binary task, or the output of
        ``predict_proba`` (a list of ``(n_samples, n_classes_t)`` arrays).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task values (weighted by ``task_weights``) or return
        them all. A task whose observed labels hold a single class is skipped
        with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.
    missing_label : int, float, str or None, default=None
        Extra marker of a missing label in ``Y_true``.
    classes : list of array-like or None, default=None
        The classes of each task, in the order of its score columns (a
        classifier's ``classes_``); None: each task's observed labels, sorted.
        Needed when a task's observed labels miss a class it has a column
        for.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
        The average precision averaged over tasks (see ``task_weights``),
        or each task's with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_average_precision_score
    >>> Y_true = np.array([[0, 1], [1, np.nan], [1, 0], [0, 0]])
    >>> Y_score = np.array([[0.1, 0.9], [0.8, 0.5], [0.3, 0.2], [0.4, 0.7]])
    >>> multitask_average_precision_score(Y_true, Y_score, multioutput="raw_values")
    array([0.83333333, 1.        ])
    """
    return per_task_scores(
        _average_precision,
        Y_true,
        Y_score,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_average_precision_score",
        target_type="classification",
        missing_label=missing_label,
        min_classes=2,
        score_arrays=True,
        task_kwargs=_task_classes(classes, Y_true),
    )


def multitask_log_loss(
    Y_true,
    Y_proba,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
    missing_label=None,
    classes=None,
):
    """Mean over tasks of each task's log-loss on its observed labels.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels; NaN, ``None`` or ``missing_label`` where missing.
    Y_proba : array-like of shape (n_samples, n_tasks) or list of ndarray
        The probability of the greater class of each binary task, or the
        output of ``predict_proba`` (a list of ``(n_samples, n_classes_t)``
        arrays).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task losses (weighted by ``task_weights``) or return
        them all. A task with no observed label is skipped with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.
    missing_label : int, float, str or None, default=None
        Extra marker of a missing label in ``Y_true``.
    classes : list of array-like or None, default=None
        The classes of each task, in the order of its score columns (a
        classifier's ``classes_``); None: each task's observed labels, sorted.
        Needed when a task's observed labels miss a class it has a column
        for.

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
        The log-loss averaged over tasks (see ``task_weights``), or each
        task's log-loss with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_log_loss
    >>> Y_true = np.array([[0, 1], [1, np.nan], [1, 0]])
    >>> Y_proba = np.array([[0.2, 0.9], [0.8, 0.5], [0.6, 0.3]])
    >>> multitask_log_loss(Y_true, Y_proba, multioutput="raw_values").round(4)
    array([0.319, 0.231])
    """
    return per_task_scores(
        _log_loss,
        Y_true,
        Y_proba,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_log_loss",
        target_type="classification",
        missing_label=missing_label,
        score_arrays=True,
        task_kwargs=_task_classes(classes, Y_true),
    )
