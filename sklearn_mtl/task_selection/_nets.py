"""What the task-selection estimators share: the net they train and task names."""

from numbers import Integral

import numpy as np

from ..neural import MultiTaskNet, MultiTaskNetClassifier, MultiTaskNetRegressor
from ..neural._base import BaseMultiTaskNet
from ..utils import check_multitask_targets

__all__ = [
    "check_net",
    "check_positive_int",
    "default_net",
    "targets_of",
    "task_names",
]


def targets_of(Y, n_samples=None):
    """``Y`` through the data contract, each task's type inferred.

    ``n_samples``: the number of rows ``Y`` must have (that of ``X``), or None.
    """
    return check_multitask_targets(
        Y, target_type="auto", allow_unlabelled_tasks=True, n_samples=n_samples
    )


def default_net(Y):
    """The multi-task net for ``Y`` when none is given.

    :class:`~sklearn_mtl.neural.MultiTaskNetRegressor` when every task is
    continuous, :class:`~sklearn_mtl.neural.MultiTaskNetClassifier` when every
    task holds classes, :class:`~sklearn_mtl.neural.MultiTaskNet` for a mix;
    each task's type is inferred from its labels as
    ``check_multitask_targets(Y, target_type="auto")`` does (an
    integer-valued float column holds classes).

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_tasks) or (n_samples,)

    Returns
    -------
    net : BaseMultiTaskNet
        Unfitted, with ``verbose=0``.
    """
    types = set(targets_of(Y).task_types)
    if types == {"continuous"}:
        return MultiTaskNetRegressor(verbose=0)
    if "continuous" not in types:
        return MultiTaskNetClassifier(verbose=0)
    return MultiTaskNet(verbose=0)


def check_net(estimator, owner):
    """Raise unless ``estimator`` is a multi-task net of :mod:`sklearn_mtl.neural`.

    Parameters
    ----------
    estimator : object
    owner : str
        The class whose parameter it is, named in the message.
    """
    if not isinstance(estimator, BaseMultiTaskNet):
        raise TypeError(
            f"Expected estimator of {owner} to be None or a multi-task net of "
            "sklearn_mtl.neural (MultiTaskNetRegressor, MultiTaskNetClassifier, "
            f"MultiTaskNet); got {estimator!r} instead."
        )


def task_names(names, n_tasks):
    """Task names as a list of str: ``names``, else ``task 0``, ``task 1``...

    The defaults are those of :func:`~sklearn_mtl.model_selection.compare_estimators`
    and the Displays, so that an affinity and a comparison of an array ``Y``
    name the tasks alike.

    Parameters
    ----------
    names : array-like of str or None
        Column names of a DataFrame ``Y``.
    n_tasks : int

    Returns
    -------
    names : ndarray of str
    """
    if names is None:
        return np.array([f"task {t}" for t in range(n_tasks)], dtype=object)
    return np.asarray([str(name) for name in names], dtype=object)


def check_positive_int(value, name, owner, *, allow_none=False):
    """Raise unless ``value`` is an integer >= 1 (or None when allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(
            f"Expected {name} of {owner} to be an integer >= 1"
            f"{' or None' if allow_none else ''}; got {value!r} instead."
        )
