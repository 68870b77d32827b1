"""Conversions between the layouts of multi-task data.

* **wide**: ``X`` of shape ``(n_samples, n_features)`` and ``Y`` of shape
  ``(n_samples, n_tasks)`` with NaN where a row has no label for a task (the
  layout every estimator of the package takes);
* **long**: one row per observed label, ``y`` of shape ``(n_rows,)`` and
  ``task`` giving the task index of each row;
* **task lists**: one ``(X_t, y_t)`` pair per task (the MALSAR layout).
"""

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing, check_consistent_length
from sklearn.utils.validation import column_or_1d

from ._targets import check_multitask_targets, holds_text

__all__ = ["from_task_lists", "long_to_wide", "select_own_task", "wide_to_long"]


def _check_task_indices(task, n_tasks, n_rows):
    task = column_or_1d(task)
    if task.shape[0] != n_rows:
        raise ValueError(
            f"Expected task of length {n_rows}, one index per row; got "
            f"{task.shape[0]} instead."
        )
    if task.dtype.kind not in "iu":
        if task.dtype.kind == "f" and np.all(np.isfinite(task)):
            if np.all(task == np.round(task)):
                task = task.astype(np.intp)
        if task.dtype.kind not in "iu":
            raise ValueError(
                "Expected integer task indices; got an array of dtype "
                f"{task.dtype} instead. Encode task labels first, e.g. with "
                "numpy.unique(task, return_inverse=True)."
            )
    if n_tasks is None:
        n_tasks = int(task.max()) + 1 if task.size else 0
    elif not isinstance(n_tasks, Integral) or n_tasks < 1:
        raise ValueError(f"Expected n_tasks to be a positive int; got {n_tasks!r}.")
    if task.size and (task.min() < 0 or task.max() >= n_tasks):
        raise ValueError(
            f"Expected task indices in [0, {n_tasks}); got values from "
            f"{task.min()} to {task.max()} instead."
        )
    return task.astype(np.intp), int(n_tasks)


def long_to_wide(X, y, task, n_tasks=None):
    """Stack long-layout data (one label per row) into the wide layout.

    Row ``i`` keeps its features and gets its label in column ``task[i]`` of
    ``Y``; its other columns are NaN (missing).

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Features, returned unchanged.
    y : array-like of shape (n_samples,)
        One label per row.
    task : array-like of int of shape (n_samples,)
        Task index of each row, in ``[0, n_tasks)``.
    n_tasks : int or None, default=None
        Number of tasks; defaults to ``max(task) + 1``. Give it when the last
        tasks may have no rows (for instance in a test split).

    Returns
    -------
    X : array-like of shape (n_samples, n_features)
        The input ``X``.
    Y : ndarray of shape (n_samples, n_tasks)
        Float labels with NaN where missing; object dtype (``None`` where
        missing) when ``y`` holds strings or other non-numeric labels.

    Examples
    --------
    >>> from sklearn_mtl.utils import long_to_wide
    >>> X, Y = long_to_wide([[0.0], [1.0], [2.0]], [5.0, 6.0, 7.0], [0, 1, 0])
    >>> Y
    array([[ 5., nan],
           [nan,  6.],
           [ 7., nan]])
    """
    y = column_or_1d(y)
    check_consistent_length(X, y)
    task, n_tasks = _check_task_indices(task, n_tasks, y.shape[0])
    if y.dtype.kind in "fiub":
        Y = np.full((y.shape[0], n_tasks), np.nan)
    else:
        Y = np.full((y.shape[0], n_tasks), None, dtype=object)
    Y[np.arange(y.shape[0]), task] = y
    return X, Y


def wide_to_long(X, Y, *, missing_label=None):
    """Unstack wide-layout data into one row per observed label.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Features.
    Y : array-like of shape (n_samples, n_tasks)
        Labels with NaN (or ``None``) where missing.
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label, as in
        :func:`~sklearn_mtl.utils.check_multitask_targets`.

    Returns
    -------
    X_long : array-like or sparse matrix of shape (n_labels, n_features)
        The row of ``X`` of each observed label, in row-major order (by row,
        then by task).
    y : ndarray of shape (n_labels,)
        The observed labels.
    task : ndarray of int of shape (n_labels,)
        The task index of each label.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import wide_to_long
    >>> X_long, y, task = wide_to_long([[0.0], [1.0]], [[5.0, np.nan], [6.0, 7.0]])
    >>> y, task
    (array([5., 6., 7.]), array([0, 0, 1]))
    """
    targets = check_multitask_targets(
        Y,
        target_type="classification" if holds_text(Y) else "continuous",
        missing_label=missing_label,
        allow_unlabelled_tasks=True,
    )
    check_consistent_length(X, targets.values)
    rows, task = np.nonzero(targets.mask)
    Y_raw = np.asarray(Y) if not hasattr(Y, "iloc") else Y.to_numpy(dtype=object)
    if Y_raw.ndim == 1:
        Y_raw = Y_raw[:, None]
    y = Y_raw[rows, task]
    if y.dtype.kind == "O":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            pass
    return _safe_indexing(X, rows), y, task.astype(np.intp)


def from_task_lists(X_list, y_list):
    """Stack per-task data sets (the MALSAR layout) into the wide layout.

    Parameters
    ----------
    X_list : list of array-like of shape (n_samples_t, n_features)
        Features of each task; all with the same number of columns.
    y_list : list of array-like of shape (n_samples_t,)
        Labels of each task.

    Returns
    -------
    X : ndarray or sparse matrix of shape (sum_t n_samples_t, n_features)
        The stacked features, task by task.
    Y : ndarray of shape (sum_t n_samples_t, n_tasks)
        Each row labelled for its own task only (NaN elsewhere).

    Examples
    --------
    >>> from sklearn_mtl.utils import from_task_lists
    >>> X, Y = from_task_lists([[[0.0], [1.0]], [[2.0]]], [[1.0, 2.0], [3.0]])
    >>> Y
    array([[ 1., nan],
           [ 2., nan],
           [nan,  3.]])
    """
    if len(X_list) != len(y_list):
        raise ValueError(
            f"Expected as many label arrays as feature arrays; got {len(X_list)} "
            f"feature arrays and {len(y_list)} label arrays."
        )
    if len(X_list) == 0:
        raise ValueError("Expected at least one task; got empty lists.")
    blocks = [X_t if sparse.issparse(X_t) else np.asarray(X_t) for X_t in X_list]
    n_features = {block.shape[1] if block.ndim == 2 else None for block in blocks}
    if len(n_features) != 1 or None in n_features:
        raise ValueError(
            "Expected 2-D feature arrays with the same number of columns for "
            f"every task; got shapes {[block.shape for block in blocks]}."
        )
    ys = [column_or_1d(y_t) for y_t in y_list]
    for t, (block, y_t) in enumerate(zip(blocks, ys, strict=True)):
        if block.shape[0] != y_t.shape[0]:
            raise ValueError(
                f"Task {t}: expected {block.shape[0]} labels, one per row of its "
                f"X; got {y_t.shape[0]} instead."
            )
    task = np.repeat(np.arange(len(ys)), [y_t.shape[0] for y_t in ys])
    if any(sparse.issparse(block) for block in blocks):
        X = sparse.vstack(blocks, format="csr")
    else:
        X = np.vstack(blocks)
    return long_to_wide(X, np.concatenate(ys), task, n_tasks=len(ys))


def select_own_task(Y, task):
    """Pick, for each row, the entry of its own task.

    Where every row belongs to one task (School: a student and their school),
    ``predict`` still returns every task's prediction; this picks the one of
    the row's task.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_tasks)
        Per-task values, for instance ``estimator.predict(X)``.
    task : array-like of int of shape (n_samples,)
        Task index of each row.

    Returns
    -------
    values : ndarray of shape (n_samples,)
        ``Y[i, task[i]]`` for each row ``i``.

    Examples
    --------
    >>> from sklearn_mtl.utils import select_own_task
    >>> select_own_task([[1.0, 2.0], [3.0, 4.0]], [1, 0])
    array([2., 3.])
    """
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(
            f"Expected Y of shape (n_samples, n_tasks); got shape {Y.shape} instead."
        )
    task, _ = _check_task_indices(task, Y.shape[1], Y.shape[0])
    return Y[np.arange(Y.shape[0]), task]
