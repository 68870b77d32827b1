"""A mask-aware score for tasks of different types (regression and classification)."""

import numpy as np
from sklearn.metrics import accuracy_score, r2_score

from ..utils._targets import task_label
from ._base import average_task_scores, check_multioutput, check_multitask_predictions

__all__ = ["multitask_mixed_score"]


def multitask_mixed_score(
    Y_true,
    Y_pred,
    *,
    task_types="auto",
    sample_weight=None,
    multioutput="uniform_average",
    task_weights=None,
    missing_label=None,
):
    """Mean over tasks of a score suited to each task: R^2 or accuracy.

    A continuous task is scored by its R^2 on its observed labels (as in
    :func:`multitask_r2_score`), a classification task by its accuracy (as in
    :func:`multitask_accuracy_score`); both are at most 1, higher is better,
    and the score is their (task-weighted) mean. This is the ``score`` of
    :class:`~sklearn_mtl.neural.MultiTaskNet`;
    ``make_multitask_scorer(multitask_mixed_score)`` is its scorer, which
    passes the fitted estimator's ``task_types_``.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels: numbers for continuous tasks, any labels for
        classification tasks (an object array or a DataFrame holds both);
        NaN, ``None`` or ``missing_label`` where missing.
    Y_pred : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Predictions: values of the continuous tasks, labels of the others.
    task_types : "auto", sequence of str or dict, default="auto"
        Type of each task (``"continuous"``, ``"binary"``, ``"multiclass"``),
        or ``"auto"`` to infer it from ``Y_true`` (see
        :func:`~sklearn_mtl.utils.check_multitask_targets`; integer-valued
        continuous labels would be read as classes). Pass the fitted
        estimator's ``task_types_``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average the per-task scores (weighted by ``task_weights``) or return
        them all. A task with no observed label is skipped with a warning.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Weights of the tasks in the average.
    missing_label : int, float, str or None, default=None
        Extra marker of a missing label in ``Y_true``.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
        The average over tasks of each task's score (R^2 or accuracy by its
        type), or each task's score with ``multioutput="raw_values"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.metrics import multitask_mixed_score
    >>> Y_true = np.array([[1.0, "a"], [2.0, "b"], [3.0, None]], dtype=object)
    >>> Y_pred = np.array([[1.0, "a"], [2.0, "a"], [4.0, "a"]], dtype=object)
    >>> types = ["continuous", "binary"]
    >>> multitask_mixed_score(
    ...     Y_true, Y_pred, task_types=types, multioutput="raw_values"
    ... )
    array([0.5, 0.5])
    """
    multioutput = check_multioutput(multioutput)
    predictions = check_multitask_predictions(
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        target_type=task_types,
        missing_label=missing_label,
    )
    scores = np.full(predictions.n_tasks, np.nan)
    for t, task_type in enumerate(predictions.task_types):
        y_true = predictions.y_true[t]
        if y_true.size == 0:
            continue
        metric = r2_score if task_type == "continuous" else accuracy_score
        try:
            scores[t] = metric(
                y_true, predictions.y_pred[t], sample_weight=predictions.weights_of(t)
            )
        except (TypeError, ValueError) as exc:
            name = task_label(t, predictions.task_names)
            raise ValueError(f"multitask_mixed_score, task {name}: {exc}") from exc
    return average_task_scores(
        scores,
        multioutput,
        task_weights,
        predictions.task_names,
        "multitask_mixed_score",
    )
