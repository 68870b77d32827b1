"""The nets' validation splits: every task keeps a training label.

``train_split="auto"`` holds out ``validation_fraction`` of the rows so that
each task's labelled rows, and each class of a classification task (the
strata), are shared between the training and the validation rows in about
that proportion, and every task with at least two labels has labels on both
sides. The rows of the rare strata are placed by the iterative stratification
of :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold` (with two
folds of unequal sizes); the other rows, whose strata are large enough for a
random draw to share them in about the right proportion, are drawn at random,
at a cost linear in the number of rows (placing every row one by one takes
seconds on 100,000 rows). With the rows' groups (``fit(X, Y, groups=...)``),
it holds out whole groups instead, drawn at random, about
``validation_fraction`` of the rows, leaving every task a training label.
Any split (the automatic one or the user's ``train_split``) is then checked:
a task without a training label would keep the untrained weights of its
head, so it is an error naming it.
"""

import numpy as np
from sklearn.utils import check_random_state
from torch.utils.data import Subset

from ..model_selection._split import (
    _iterative_stratification,
    _spread_tasks,
    _stratification_labels,
)
from ..utils._targets import task_label

__all__ = ["RARE_STRATUM_ROWS", "CheckedSplit", "TaskAwareValidSplit"]

#: A stratum whose expected share of the smaller side (``fraction`` or
#: ``1 - fraction`` of its rows) is at most this many rows is rare: its rows
#: are placed by iterative stratification, not drawn at random.
RARE_STRATUM_ROWS = 20

# The task kinds (see MaskedMultiTaskLoss) whose classes are strata.
_CLASS_KINDS = ("binary", "multiclass")


class TaskAwareValidSplit:
    """Hold out a fraction of the rows, every task keeping labels on both sides.

    Called as skorch calls ``train_split``: with the dataset of the rows given
    to ``fit`` and their encoded labels (NaN where missing), it returns the
    training and validation subsets of the dataset.

    Parameters
    ----------
    fraction : float
        Share of the rows to validate on, in (0, 1).
    random_state : int, default=0
        Seed of the order in which the rows are placed (a fixed one: the same
        rows give the same split).
    owner : str, default="The net"
        Who splits, for the messages.
    task_kinds : sequence of str or None, default=None
        The kind of each task (``"regression"``, ``"binary"``,
        ``"multiclass"`` or ``"constant"``): the classes of the binary and
        multiclass tasks are strata. None: inferred from the labels, as
        :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold` does.
    """

    def __init__(self, fraction, random_state=0, owner="The net", task_kinds=None):
        self.fraction = fraction
        self.random_state = random_state
        self.owner = owner
        self.task_kinds = task_kinds

    def __repr__(self):
        return f"{type(self).__name__}({self.fraction!r})"

    def __call__(self, dataset, y=None, groups=None, **fit_params):
        if y is None:
            raise ValueError(
                f"{self.owner} splits the rows with train_split='auto' from their "
                "labels; got a dataset without labels (y=None). Pass the labels "
                "to fit, or a train_split of your own."
            )
        valid = self.validation_rows(np.asarray(y, dtype=np.float64), groups=groups)
        return (
            Subset(dataset, np.flatnonzero(~valid)),
            Subset(dataset, np.flatnonzero(valid)),
        )

    def validation_rows(self, labels, groups=None):
        """Which rows to validate on.

        Parameters
        ----------
        labels : ndarray of shape (n_samples, n_tasks)
            Encoded labels (class indices or values), NaN where missing.
        groups : array-like of shape (n_samples,) or None, default=None
            Group of each row: whole groups are held out (see
            :meth:`group_validation_rows`).

        Returns
        -------
        valid : ndarray of bool of shape (n_samples,)
        """
        labels = labels.reshape(labels.shape[0], -1)
        mask = ~np.isnan(labels)
        counts = mask.sum(axis=0)
        if groups is not None:
            return self.group_validation_rows(mask, groups)
        if labels.shape[0] < 2 or counts.max(initial=0) < 2:
            raise ValueError(
                f"{self.owner} holds out validation_fraction={self.fraction} of the "
                "rows for early stopping (train_split='auto'), which needs a task "
                "with at least 2 labels, one to train on and one to validate on; "
                f"got n_samples={labels.shape[0]} and at most "
                f"{counts.max(initial=0)} label(s) per task. Set "
                "early_stopping=False (or validation_fraction=None) to train on "
                "every row."
            )
        fraction = float(self.fraction)
        smaller_share = min(fraction, 1.0 - fraction)
        strata = self._strata(labels, mask, 1.0 / smaller_share)
        rng = check_random_state(self.random_state)
        n_samples = labels.shape[0]
        valid = np.zeros(n_samples, dtype=bool)
        rare = strata.sum(axis=0) * smaller_share <= RARE_STRATUM_ROWS
        placed = strata[:, rare].any(axis=1)
        if placed.any():
            folds = _iterative_stratification(
                strata[placed], 2, rng, proportions=np.array([fraction, 1 - fraction])
            )
            valid[placed] = folds == 0
        others = rng.permutation(np.flatnonzero(~placed))
        n_drawn = round(fraction * n_samples) - np.count_nonzero(valid)
        valid[others[: min(max(n_drawn, 0), others.size)]] = True
        valid = _spread_tasks(np.where(valid, 0, 1), mask, 2) == 0
        valid = keep_tasks_on_both_sides(valid, mask)
        if not (mask & valid[:, np.newaxis]).any():
            raise ValueError(
                f"{self.owner} could not hold out a labelled row for early "
                "stopping (train_split='auto') without taking a task's only "
                "training label. Set early_stopping=False (or "
                "validation_fraction=None) to train on every row."
            )
        return valid

    def group_validation_rows(self, mask, groups):
        """Whole groups to validate on: about ``fraction`` of the rows.

        The groups are taken in a random order (seeded by ``random_state``);
        each is held out if that brings the number of validation rows closer
        to ``fraction`` of the rows and leaves every task a training label.
        When none does (a few large groups), the smallest group that leaves
        every task a training label is held out.

        Parameters
        ----------
        mask : ndarray of bool of shape (n_samples, n_tasks)
            Where the labels are observed.
        groups : array-like of shape (n_samples,)
            Group of each row.

        Returns
        -------
        valid : ndarray of bool of shape (n_samples,)
        """
        _, codes = np.unique(np.asarray(groups), return_inverse=True)
        codes = codes.ravel()
        n_groups = int(codes.max(initial=-1)) + 1
        sizes = np.bincount(codes, minlength=n_groups)
        labels_per_group = np.zeros((n_groups, mask.shape[1]), dtype=np.intp)
        np.add.at(labels_per_group, codes, mask)
        in_train = mask.sum(axis=0)
        target = float(self.fraction) * mask.shape[0]

        def keeps_training_labels(group):
            remaining = in_train - labels_per_group[group]
            return bool(np.all((remaining > 0) | (in_train == 0)))

        held_out, n_valid = [], 0
        for group in check_random_state(self.random_state).permutation(n_groups):
            closer = abs(n_valid + sizes[group] - target) < abs(n_valid - target)
            if closer and keeps_training_labels(group):
                held_out.append(group)
                in_train = in_train - labels_per_group[group]
                n_valid += sizes[group]
        if not held_out:
            by_size = np.argsort(sizes, kind="stable")
            held_out = [g for g in by_size if keeps_training_labels(g)][:1]
        valid = np.isin(codes, held_out)
        if not (mask & valid[:, np.newaxis]).any():
            raise ValueError(
                f"{self.owner} holds out whole groups for early stopping "
                "(train_split='auto' with groups), which needs a group with "
                "labels that are not a task's only training labels; got "
                f"{n_groups} group(s). Give more groups, or set "
                "early_stopping=False (or validation_fraction=None) to train on "
                "every row."
            )
        return valid

    def _strata(self, labels, mask, n_splits):
        """Boolean matrix of the rows of each stratum: each task's labelled
        rows, and each class of its classification tasks."""
        if self.task_kinds is None:
            strata, _ = _stratification_labels(labels, n_splits, "auto", None)
            return strata
        strata = [mask]
        for t, kind in enumerate(self.task_kinds):
            if kind not in _CLASS_KINDS:
                continue
            rows = np.flatnonzero(mask[:, t])
            codes = labels[rows, t].astype(np.intp)
            classes = np.zeros((labels.shape[0], codes.max() + 1), dtype=bool)
            classes[rows, codes] = True
            strata.append(classes)
        return np.column_stack(strata)


def keep_tasks_on_both_sides(valid, mask):
    """Move rows so that every task has a training label, and every task with
    at least two labels a validation label when no other task pays for it.

    Parameters
    ----------
    valid : ndarray of bool of shape (n_samples,)
        The validation rows (changed in place).
    mask : ndarray of bool of shape (n_samples, n_tasks)
        Where the labels are observed.

    Returns
    -------
    valid : ndarray of bool of shape (n_samples,)
    """
    in_valid = (mask & valid[:, np.newaxis]).sum(axis=0)
    in_train = mask.sum(axis=0) - in_valid
    # 1. Training labels first: a task's only labels may all be held out.
    for t in np.flatnonzero((in_train == 0) & (in_valid > 0)):
        if in_train[t]:  # given by an earlier move
            continue
        rows = np.flatnonzero(mask[:, t] & valid)
        # the row whose move leaves the fewest tasks without validation labels
        cost = [np.count_nonzero(in_valid[mask[row]] == 1) for row in rows]
        row = rows[int(np.argmin(cost))]
        valid[row] = False
        in_valid -= mask[row]
        in_train += mask[row]
    # 2. Then validation labels, from rows no task needs for training.
    for t in np.flatnonzero((in_valid == 0) & (in_train >= 2)):
        if in_valid[t]:  # given by an earlier move
            continue
        for row in np.flatnonzero(mask[:, t] & ~valid):
            if np.all(in_train[mask[row]] >= 2):
                valid[row] = True
                in_valid += mask[row]
                in_train -= mask[row]
                break
    return valid


class CheckedSplit:
    """A ``train_split`` whose training rows are checked to hold every task.

    Parameters
    ----------
    split : callable
        The split (``train_split``), called with the arguments given.
    net : BaseMultiTaskNet
        The net being fitted (its task names, and its targets' layout).
    """

    def __init__(self, split, net):
        self.split = split
        self.net = net

    def __call__(self, dataset, *args, **kwargs):
        try:
            dataset_train, dataset_valid = self.split(dataset, *args, **kwargs)
        except TypeError as error:
            if "groups" not in kwargs or "groups" not in str(error):
                raise
            raise TypeError(
                f"fit got groups, which the net gives to train_split as its "
                f"groups argument; train_split={self.split!r} does not take it "
                f"({error}). Use train_split='auto', which holds out whole "
                "groups, or a split that takes groups (skorch's ValidSplit "
                "with a group splitter)."
            ) from error
        except ValueError as error:
            if isinstance(self.split, TaskAwareValidSplit):
                raise
            raise ValueError(
                f"train_split could not split the {_rows(len(dataset))} given to "
                f"fit: {error} Set "
                "train_split='auto' or None, or fit on more rows."
            ) from error
        check_training_labels(self.net, dataset, dataset_train)
        return dataset_train, dataset_valid


def check_training_labels(net, dataset, dataset_train):
    """Raise if a task labelled in ``dataset`` has no label in ``dataset_train``.

    Checks the datasets that hold their labels in memory (a skorch
    ``Dataset`` of arrays, or a ``Subset`` of one, as ``ValidSplit`` returns);
    others are left to the user.
    """
    labels = _labels_of(dataset)
    if labels is None:
        return
    if dataset_train is dataset:
        return
    if isinstance(dataset_train, Subset) and dataset_train.dataset is dataset:
        rows = np.asarray(dataset_train.indices, dtype=np.intp)
    else:
        return
    labels, _ = net.unpack_targets(labels)
    mask = ~np.isnan(np.asarray(labels, dtype=np.float64))
    trained = mask[rows].any(axis=0)
    names = getattr(net, "task_names_", None)
    for t in np.flatnonzero(mask.any(axis=0) & ~trained):
        raise ValueError(
            f"Task {task_label(t, names)} has no label in the training rows of "
            f"train_split (its {mask[:, t].sum()} label(s) are all in the "
            "validation rows): its head would keep its initial "
            "weights. Use train_split='auto', which keeps every task on both "
            "sides, or a split that leaves every task a training label."
        )


def _labels_of(dataset):
    """The labels of a skorch ``Dataset`` of arrays, or None."""
    y = getattr(dataset, "y", None)
    if y is None or not hasattr(y, "shape") or len(y.shape) != 2:
        return None
    return y.numpy() if hasattr(y, "numpy") else np.asarray(y)


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"
