"""Mask-aware regression metrics for multi-task targets."""

import numpy as np

from . import _kernels
from ._base import check_multitask_predictions, per_task_scores

__all__ = [
    "multitask_mean_absolute_error",
    "multitask_mean_squared_error",
    "multitask_r2_score",
    "normalized_mean_squared_error",
    "pooled_explained_variance_score",
]


def multitask_r2_score(
    Y_true,
    Y_pred,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
):
    """Mean over tasks of each task's R^2 on its observed labels.

    For task ``t`` with observed rows ``O_t``:
    ``R^2_t = 1 - sum_{i in O_t} (y_it - p_it)^2 / sum_{i in O_t} (y_it - mean_t)^2``,
    as :func:`sklearn.metrics.r2_score` computes it.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels, NaN where missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predictions for every task (values where ``Y_true`` is missing are
        ignored).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task scores (weighted by ``task_weights``) or return
        them all. A task with no observed label is skipped with a warning (its
        raw value is NaN; it does not enter the average).
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
        The R^2 averaged over tasks (see ``task_weights``), or each task's
        R^2 with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_r2_score
    >>> Y_true = np.array([[1.0, np.nan], [2.0, 0.0], [3.0, 2.0]])
    >>> Y_pred = np.array([[1.0, 5.0], [2.0, 1.0], [4.0, 1.0]])
    >>> multitask_r2_score(Y_true, Y_pred, multioutput="raw_values")
    array([0.5, 0. ])
    """
    return per_task_scores(
        _kernels.r2,
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_r2_score",
    )


def multitask_mean_squared_error(
    Y_true,
    Y_pred,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
):
    """Mean over tasks of each task's mean squared error on its observed labels.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels, NaN where missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predictions for every task.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task errors (weighted by ``task_weights``) or return
        them all. A task with no observed label is skipped with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
        The average over tasks of each task's mean squared error, or each
        task's error with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_mean_squared_error
    >>> Y_true = np.array([[1.0, np.nan], [2.0, 0.0]])
    >>> Y_pred = np.array([[2.0, 9.0], [2.0, 2.0]])
    >>> multitask_mean_squared_error(Y_true, Y_pred, multioutput="raw_values")
    array([0.5, 4. ])
    """
    return per_task_scores(
        _kernels.mean_squared_error,
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_mean_squared_error",
    )


def multitask_mean_absolute_error(
    Y_true,
    Y_pred,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
):
    """Mean over tasks of each task's mean absolute error on its observed labels.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels, NaN where missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predictions for every task.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task errors (weighted by ``task_weights``) or return
        them all. A task with no observed label is skipped with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
        The average over tasks of each task's mean absolute error, or each
        task's error with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_mean_absolute_error
    >>> Y_true = np.array([[1.0, np.nan], [2.0, 0.0]])
    >>> Y_pred = np.array([[2.0, 9.0], [2.0, 2.0]])
    >>> multitask_mean_absolute_error(Y_true, Y_pred, multioutput="raw_values")
    array([0.5, 2. ])
    """
    return per_task_scores(
        _kernels.mean_absolute_error,
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="multitask_mean_absolute_error",
    )


def normalized_mean_squared_error(
    Y_true,
    Y_pred,
    *,
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
):
    """Mean over tasks of each task's MSE divided by the variance of its labels.

    ``nMSE_t = MSE_t / Var_t`` on the observed rows of task ``t`` (population
    variance); this is ``1 - R^2_t``. A constant task gives 0 if predicted
    exactly and ``inf`` otherwise.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels, NaN where missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predictions for every task.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task values (weighted by ``task_weights``) or return
        them all. A task with no observed label is skipped with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
        The average over tasks of each task's normalized mean squared
        error, or each task's with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import normalized_mean_squared_error
    >>> Y_true = np.array([[1.0, np.nan], [3.0, 0.0], [np.nan, 4.0]])
    >>> Y_pred = np.array([[2.0, 0.0], [2.0, 1.0], [0.0, 4.0]])
    >>> normalized_mean_squared_error(Y_true, Y_pred, multioutput="raw_values")
    array([1.   , 0.125])
    """
    return per_task_scores(
        _kernels.normalized_mean_squared_error,
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        multioutput=multioutput,
        task_weights=task_weights,
        metric_name="normalized_mean_squared_error",
    )


def pooled_explained_variance_score(Y_true, Y_pred, *, sample_weight=None):
    """Explained variance over all observed labels of all tasks pooled.

    ``EV = 1 - MSE / Var`` where the mean squared error and the (population)
    variance are taken over every observed label of every task at once. This is
    the "explained variance" that the multi-task literature reports for the
    School data (in %, after multiplying by 100). Unlike the mean of per-task
    R^2, tasks with many labels weigh more, and the variance includes the
    differences between task means.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels, NaN where missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predictions for every task.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights (a row's weight applies to each of its labels).

    Returns
    -------
    score : float
        The explained variance of all observed labels pooled (1 is a
        perfect prediction).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import pooled_explained_variance_score
    >>> Y_true = np.array([[1.0, np.nan], [np.nan, 3.0], [5.0, np.nan]])
    >>> Y_pred = np.array([[2.0, 0.0], [0.0, 3.0], [5.0, 0.0]])
    >>> float(pooled_explained_variance_score(Y_true, Y_pred))
    0.875
    """
    true, pred, weights = check_multitask_predictions(
        Y_true, Y_pred, sample_weight=sample_weight
    ).pooled()
    mse = np.average((true - pred) ** 2, weights=weights)
    if np.all(true == true[0]):
        return 1.0 if mse == 0 else 0.0
    return float(1.0 - mse / np.cov(true, aweights=weights, ddof=0))
