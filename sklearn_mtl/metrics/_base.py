"""Shared machinery of the mask-aware metrics: validation and per-task loops."""

import warnings
from dataclasses import dataclass

import numpy as np

from ..utils import check_multitask_targets, check_sample_weight, check_task_weights
from ..utils._targets import missing_in_object_array, native_labels, task_label

__all__ = ["MaskedPredictions", "check_multitask_predictions", "per_task_scores"]

MULTIOUTPUT_OPTIONS = ("uniform_average", "raw_values")


@dataclass(frozen=True)
class MaskedPredictions:
    """True labels and predictions of several tasks, with their masks.

    Attributes
    ----------
    y_true : list of ndarray
        Observed labels of each task, in their original type.
    y_pred : list of ndarray
        Predictions (or scores) on the same rows.
    rows : list of ndarray of int
        Observed rows of each task.
    sample_weight : ndarray of shape (n_samples,) or None
    task_names : ndarray of str or None
    task_types : tuple of str
        ``"continuous"``, ``"binary"`` or ``"multiclass"`` for each task.
    """

    y_true: list
    y_pred: list
    rows: list
    sample_weight: np.ndarray | None
    task_names: np.ndarray | None
    task_types: tuple = ()

    @property
    def n_tasks(self):
        """Number of tasks."""
        return len(self.y_true)

    def weights_of(self, task):
        """Sample weights of the observed rows of a task, or None."""
        if self.sample_weight is None:
            return None
        return self.sample_weight[self.rows[task]]

    def pooled(self):
        """All observed labels, their predictions and weights, as flat arrays."""
        true = np.concatenate(self.y_true).astype(np.float64)
        pred = np.concatenate(self.y_pred).astype(np.float64)
        weights = None
        if self.sample_weight is not None:
            weights = np.concatenate([self.weights_of(t) for t in range(self.n_tasks)])
        if true.size == 0:
            raise ValueError("Expected at least one observed label; got none.")
        return true, pred, weights


def _split_predictions(Y_pred, n_samples, n_tasks, score_arrays):
    """Per-task predictions from a list of ndarrays (one per task) or an array.

    A list of numpy arrays is read as one array per task (``predict_proba``
    output); anything else (including nested lists) as a 1-D or 2-D array.
    With ``score_arrays``, a 2-D array for a single task is that task's score
    array (``predict_proba`` of an estimator fitted on 1-D ``y``).
    """
    if isinstance(Y_pred, list) and all(isinstance(p, np.ndarray) for p in Y_pred):
        if len(Y_pred) != n_tasks:
            raise ValueError(
                f"Expected predictions for {n_tasks} tasks; got a list of "
                f"{len(Y_pred)} arrays instead."
            )
        columns = [np.asarray(p) for p in Y_pred]
    else:
        Y_pred = np.asarray(Y_pred.to_numpy() if hasattr(Y_pred, "iloc") else Y_pred)
        if score_arrays and n_tasks == 1 and Y_pred.ndim == 2:
            return [Y_pred]
        if Y_pred.ndim == 1:
            Y_pred = Y_pred[:, None]
        if Y_pred.ndim != 2 or Y_pred.shape[1] != n_tasks:
            raise ValueError(
                f"Expected predictions of shape ({n_samples}, {n_tasks}); got "
                f"shape {Y_pred.shape} instead."
            )
        columns = [Y_pred[:, t] for t in range(n_tasks)]
    for column in columns:
        if column.shape[0] != n_samples:
            raise ValueError(
                f"Expected predictions for {n_samples} samples, as in Y_true; "
                f"got {column.shape[0]} instead."
            )
    return columns


def check_multitask_predictions(
    Y_true,
    Y_pred,
    *,
    sample_weight=None,
    target_type="continuous",
    missing_label=None,
    score_arrays=False,
):
    """Validate true labels and predictions and keep the observed entries.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels with missing entries (NaN, ``None`` or ``missing_label``).
    Y_pred : array-like of shape (n_samples, n_tasks) or list of ndarray
        Predictions, or a list of per-task score arrays (``predict_proba``).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    target_type : str, sequence of str or dict, default="continuous"
        How to read ``Y_true``: ``"continuous"``, ``"classification"``,
        ``"auto"`` or per-task types (see
        :func:`~sklearn_mtl.utils.check_multitask_targets`). The predictions
        of a continuous task must be numbers (an object array of numbers is
        read as such).
    missing_label : int, float, str or None, default=None
        Extra marker of a missing label in ``Y_true``.
    score_arrays : bool, default=False
        Whether a task's predictions may be a 2-D array of class scores.

    Returns
    -------
    predictions : MaskedPredictions
    """
    targets = check_multitask_targets(
        Y_true,
        target_type=target_type,
        missing_label=missing_label,
        allow_unlabelled_tasks=True,
    )
    n_samples = targets.values.shape[0]
    columns = _split_predictions(Y_pred, n_samples, targets.n_tasks, score_arrays)
    for t, column in enumerate(columns):
        continuous = targets.task_types[t] == "continuous"
        if continuous and column.dtype.kind == "O":
            # numbers in an object array (predictions of tasks of mixed types)
            columns[t] = column = native_labels(column)
        observed = column[targets.mask[:, t]]
        numeric = column.dtype.kind in "fiub"
        if (
            (continuous and not numeric)
            or (column.dtype.kind == "f" and not np.all(np.isfinite(observed)))
            or (column.dtype.kind == "O" and np.any(missing_in_object_array(observed)))
        ):
            raise ValueError(
                "Expected finite predictions of the label type where labels are "
                f"observed; task {task_label(t, targets.task_names)} has NaN, "
                "None, infinite or non-numeric predictions."
            )
    sample_weight = check_sample_weight(sample_weight, n_samples)
    y_true, y_pred, rows = [], [], []
    for t in range(targets.n_tasks):
        task_rows, labels = targets.labels(t)
        rows.append(task_rows)
        y_true.append(labels)
        y_pred.append(native_labels(columns[t][task_rows]))
    return MaskedPredictions(
        y_true=y_true,
        y_pred=y_pred,
        rows=rows,
        sample_weight=sample_weight,
        task_names=targets.task_names,
        task_types=targets.task_types,
    )


def check_multioutput(multioutput):
    """Check the ``multioutput`` option of a metric."""
    if isinstance(multioutput, str) and multioutput in MULTIOUTPUT_OPTIONS:
        return multioutput
    raise ValueError(
        f"Expected multioutput to be one of {MULTIOUTPUT_OPTIONS}; got "
        f"{multioutput!r} instead. Use task_weights to weigh the tasks."
    )


def average_task_scores(scores, multioutput, task_weights, task_names, metric_name):
    """Warn about unscored tasks and average the others (or return them all).

    Parameters
    ----------
    scores : ndarray of shape (n_tasks,)
        Per-task scores, NaN for tasks that could not be scored.
    multioutput : {"uniform_average", "raw_values"}
    task_weights : None, array-like or dict
    task_names : ndarray of str or None
    metric_name : str
        Named in the warning.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
    """
    skipped = np.flatnonzero(np.isnan(scores))
    if skipped.size:
        labels = ", ".join(task_label(t, task_names) for t in skipped)
        warnings.warn(
            f"{metric_name}: task(s) {labels} could not be scored (no observed "
            "label, or a single class for a ranking metric) and are left out.",
            UserWarning,
            stacklevel=4,
        )
    if multioutput == "raw_values":
        return scores
    if skipped.size == scores.size:
        raise ValueError(
            f"{metric_name}: no task could be scored; every task has no "
            "observed label (or a single class for a ranking metric)."
        )
    weights = check_task_weights(task_weights, scores.size, task_names)
    scored = ~np.isnan(scores)
    if not np.any(weights[scored] > 0):
        raise ValueError(
            f"{metric_name}: every scored task has weight zero; got task "
            f"weights {weights.tolist()}."
        )
    return float(np.average(scores[scored], weights=weights[scored]))


def per_task_scores(
    metric,
    Y_true,
    Y_pred,
    *,
    sample_weight,
    multioutput,
    task_weights,
    metric_name,
    target_type="continuous",
    missing_label=None,
    min_classes=1,
    score_arrays=False,
    task_kwargs=None,
):
    """Apply a single-task metric to each task's observed labels.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_pred, sample_weight=...)`` for one task.
    Y_true, Y_pred, sample_weight
        As in the public metrics.
    multioutput : {"uniform_average", "raw_values"}
    task_weights : None, array-like or dict
    metric_name : str
        Name used in messages.
    target_type : {"continuous", "classification"}, default="continuous"
    missing_label : int, float, str or None, default=None
    min_classes : int, default=1
        Tasks with fewer distinct observed labels are not scored (2 for ROC
        AUC).
    score_arrays : bool, default=False
        Whether a task's predictions may be a 2-D array of class scores.
    task_kwargs : list of dict or None, default=None
        Extra keyword arguments of the metric for each task.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
    """
    multioutput = check_multioutput(multioutput)
    predictions = check_multitask_predictions(
        Y_true,
        Y_pred,
        sample_weight=sample_weight,
        target_type=target_type,
        missing_label=missing_label,
        score_arrays=score_arrays,
    )
    scores = np.full(predictions.n_tasks, np.nan)
    if task_kwargs is None:
        task_kwargs = [{}] * predictions.n_tasks
    elif len(task_kwargs) != predictions.n_tasks:
        raise ValueError(
            f"{metric_name}: expected one entry per task ({predictions.n_tasks}); "
            f"got {len(task_kwargs)} instead."
        )
    for t in range(predictions.n_tasks):
        y_true = predictions.y_true[t]
        if y_true.size == 0 or np.unique(y_true).size < min_classes:
            continue
        try:
            scores[t] = metric(
                y_true,
                predictions.y_pred[t],
                sample_weight=predictions.weights_of(t),
                **task_kwargs[t],
            )
        except ValueError as exc:
            name = task_label(t, predictions.task_names)
            raise ValueError(f"{metric_name}, task {name}: {exc}") from exc
    return average_task_scores(
        scores, multioutput, task_weights, predictions.task_names, metric_name
    )
