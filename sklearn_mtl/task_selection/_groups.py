"""Groups of tasks given by hand, and each group's share of the data."""

import difflib
from numbers import Integral

import numpy as np

from ..utils import check_task_weights
from ..utils._targets import task_label

__all__ = ["check_groups", "columns", "full_task_weights"]


def columns(Y, members):
    """The columns ``members`` of targets ``Y``, always 2-D (a DataFrame stays
    one; a Series, one task, becomes one)."""
    if hasattr(Y, "to_frame") and getattr(Y, "ndim", 2) == 1:
        Y = Y.to_frame()
    if hasattr(Y, "iloc"):
        return Y.iloc[:, members]
    Y = np.asarray(Y.to_numpy() if hasattr(Y, "to_numpy") else Y)
    return Y.reshape(len(Y), -1)[:, members]


def full_task_weights(estimator, n_tasks, names):
    """The estimator's task weights for all tasks, or None when uniform."""
    task_weights = getattr(estimator, "task_weights", None)
    if task_weights is None:
        return None
    weights = check_task_weights(task_weights, n_tasks, names)
    return np.asarray(weights, dtype=np.float64)


def check_groups(groups, n_tasks, names):
    """Groups given by hand as sorted task indices, and the serving group of
    each task (the first group listing it)."""
    message = (
        "Expected groups to be a list of lists of task indices or names; got "
        f"{groups!r} instead."
    )
    if isinstance(groups, str | bytes) or not hasattr(groups, "__iter__"):
        raise ValueError(message)
    groups = list(groups)
    if not groups:
        raise ValueError(message)
    checked = []
    for g, group in enumerate(groups):
        if isinstance(group, str | bytes) or not hasattr(group, "__iter__"):
            raise ValueError(message)
        members = [_task_index(key, n_tasks, names) for key in group]
        if not members:
            raise ValueError(
                f"Expected every group of groups to hold a task; group {g} is empty."
            )
        seen = set()
        for t in members:
            if t in seen:
                raise ValueError(
                    f"Expected each task at most once in a group; task "
                    f"{task_label(t, names)} appears twice in group {g}."
                )
            seen.add(t)
        checked.append(members)
    served_by = np.full(n_tasks, -1, dtype=np.intp)
    for g, members in reversed(list(enumerate(checked))):
        served_by[members] = g
    missing = np.flatnonzero(served_by < 0)
    if missing.size:
        labels = ", ".join(task_label(t, names) for t in missing)
        raise ValueError(
            f"Expected every task in at least one group of groups; task"
            f"{'s' if missing.size > 1 else ''} {labels} "
            f"{'are' if missing.size > 1 else 'is'} in none."
        )
    return [sorted(members) for members in checked], served_by


def _task_index(key, n_tasks, names):
    """Index of a task of ``groups``, given by index or name."""
    if isinstance(key, Integral) and not isinstance(key, bool):
        if not 0 <= key < n_tasks:
            raise ValueError(
                f"Expected task indices in groups between 0 and {n_tasks - 1}; "
                f"got {key} instead."
            )
        return int(key)
    if not isinstance(key, str):
        raise ValueError(
            f"Expected task indices or names in groups; got {key!r} instead."
        )
    if names is None:
        raise ValueError(
            f"Got task name {key!r} in groups, but the tasks have no names (pass "
            "Y as a pandas DataFrame); use task indices instead."
        )
    names = [str(name) for name in names]
    if key not in names:
        close = difflib.get_close_matches(key, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown task {key!r} in groups; expected one of {names}.{hint}"
        )
    return names.index(key)
