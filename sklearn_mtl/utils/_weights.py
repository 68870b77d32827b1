"""Validation of task weights and sample weights."""

import difflib
from collections.abc import Mapping
from numbers import Integral

import numpy as np

from ._targets import task_label

__all__ = ["check_sample_weight", "check_task_weights", "check_weighted_labels"]


def check_task_weights(task_weights, n_tasks, task_names=None):
    """Validate task weights and rescale them to mean 1.

    Parameters
    ----------
    task_weights : None, array-like of shape (n_tasks,) or dict
        ``None`` gives uniform weights. A dict maps task names (when the
        targets were a DataFrame) or task indices to weights; tasks it does not
        name keep weight 1 before the rescaling.
    n_tasks : int
        Number of tasks.
    task_names : array-like of str or None, default=None
        Names of the tasks, used to resolve the keys of a dict.

    Returns
    -------
    weights : ndarray of shape (n_tasks,)
        Non-negative weights with mean 1.

    Raises
    ------
    ValueError
        If a weight is negative or not finite, all weights are zero, the array
        has the wrong length, or a dict names an unknown task.

    Examples
    --------
    >>> from sklearn_mtl.utils import check_task_weights
    >>> check_task_weights([1, 3], n_tasks=2)
    array([0.5, 1.5])
    >>> check_task_weights({"math": 2.0}, n_tasks=2, task_names=["math", "art"])
    array([1.33333333, 0.66666667])
    """
    if task_weights is None:
        return np.ones(n_tasks)
    if isinstance(task_weights, Mapping):
        weights = _weights_from_mapping(task_weights, n_tasks, task_names)
    else:
        try:
            weights = np.asarray(task_weights, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "Expected task_weights to be None, an array-like of "
                f"{n_tasks} non-negative numbers or a dict keyed by task; got "
                f"{task_weights!r} instead."
            ) from None
        if weights.shape != (n_tasks,):
            raise ValueError(
                f"Expected task_weights of shape ({n_tasks},), one per task; got "
                f"shape {weights.shape} instead."
            )
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            f"Expected finite task_weights; got {weights.tolist()} instead."
        )
    if np.any(weights < 0):
        raise ValueError(
            f"Expected non-negative task_weights; got {weights.tolist()} instead."
        )
    if not np.any(weights > 0):
        raise ValueError("Expected at least one positive task weight; got all zeros.")
    return weights / weights.mean()


def _weights_from_mapping(task_weights, n_tasks, task_names):
    weights = np.ones(n_tasks)
    names = None if task_names is None else [str(name) for name in task_names]
    for key, value in task_weights.items():
        if isinstance(key, Integral) and not isinstance(key, bool):
            if not 0 <= key < n_tasks:
                raise ValueError(
                    f"Expected task indices in [0, {n_tasks}) as task_weights "
                    f"keys; got {key} instead."
                )
            index = int(key)
        elif names is not None and str(key) in names:
            index = names.index(str(key))
        else:
            if names is None:
                raise ValueError(
                    "task_weights is keyed by task name, but the tasks have no "
                    f"names (pass Y as a pandas DataFrame); got key {key!r}. Use "
                    "task indices instead."
                )
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Unknown task {key!r} in task_weights; expected one of {names}.{hint}"
            )
        try:
            weights[index] = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"Expected a number as the weight of task {key!r}; got "
                f"{value!r} instead."
            ) from None
    return weights


def check_sample_weight(sample_weight, n_samples):
    """Validate sample weights: finite, non-negative, one per sample.

    Parameters
    ----------
    sample_weight : None or array-like of shape (n_samples,)
        Sample weights; None means no weighting.
    n_samples : int
        Number of samples.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        The weights as float64, or None.

    Examples
    --------
    >>> from sklearn_mtl.utils import check_sample_weight
    >>> check_sample_weight([1, 2], n_samples=2)
    array([1., 2.])
    """
    if sample_weight is None:
        return None
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"Expected sample_weight of shape ({n_samples},), one per sample; got "
            f"shape {sample_weight.shape} instead."
        )
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("Expected finite sample_weight; got NaN or infinite values.")
    if np.any(sample_weight < 0):
        raise ValueError(
            "Expected non-negative sample_weight; got values down to "
            f"{sample_weight.min()} instead."
        )
    return sample_weight


def check_weighted_labels(targets, sample_weight):
    """Raise unless every task has an observed label of positive sample weight.

    A task whose observed labels all have sample weight 0 has nothing to be
    fitted on; every estimator of the package refuses it in ``fit`` (rather
    than returning a model of that task fitted on nothing).

    Parameters
    ----------
    targets : MultiTaskTargets
        Validated targets (:func:`~sklearn_mtl.utils.check_multitask_targets`).
    sample_weight : ndarray of shape (n_samples,) or None
        Validated sample weights (:func:`check_sample_weight`); None checks
        nothing.

    Raises
    ------
    ValueError
        Naming the first task without an observed label of positive weight.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import check_multitask_targets
    >>> from sklearn_mtl.utils._weights import check_weighted_labels
    >>> targets = check_multitask_targets([[1.0, np.nan], [2.0, 3.0]])
    >>> check_weighted_labels(targets, np.array([1.0, 0.0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Task 1 has no observed label with a non-zero sample_weight; ...
    """
    if sample_weight is None:
        return
    weighted = (targets.mask & (sample_weight[:, np.newaxis] > 0)).any(axis=0)
    for t in np.flatnonzero(~weighted):
        raise ValueError(
            f"Task {task_label(t, targets.task_names)} has no observed label with "
            "a non-zero sample_weight; every task needs at least one to be fitted."
        )
