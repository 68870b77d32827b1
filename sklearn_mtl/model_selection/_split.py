"""Task-aware cross-validation: iterative stratification over tasks and classes."""

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length

from ..utils import check_multitask_targets
from ..utils._targets import holds_text, task_label

__all__ = ["MultiTaskStratifiedKFold"]


def _has_classes(labels, n_splits, target_type):
    """Whether a task's observed labels are classes to stratify on."""
    if target_type != "auto":
        return target_type == "classification"
    if labels.dtype.kind not in "fiub":
        return True
    n_classes = np.unique(labels).size
    return (
        type_of_target(labels) in ("binary", "multiclass")
        and n_classes * n_splits <= labels.size
    )


def _stratification_labels(Y, n_splits, target_type, missing_label):
    """Boolean matrix of the strata of each row, and the validated targets.

    Every task gives one stratum "row is labelled in task t"; a classification
    task also gives one stratum per class ("row has class c in task t").
    """
    targets = check_multitask_targets(
        Y,
        # text labels: classes, next to the numbers of continuous tasks
        target_type="auto" if holds_text(Y) else "continuous",
        missing_label=missing_label,
        allow_unlabelled_tasks=True,
    )
    strata = [targets.mask]
    for t in range(targets.n_tasks):
        rows, labels = targets.labels(t)
        if rows.size == 0 or not _has_classes(labels, n_splits, target_type):
            continue
        _, codes = np.unique(labels, return_inverse=True)
        classes = np.zeros((targets.mask.shape[0], codes.max() + 1), dtype=bool)
        classes[rows, codes] = True
        strata.append(classes)
    return np.column_stack(strata), targets


def _iterative_stratification(labels, n_splits, rng, proportions=None):
    """Assign rows to folds, stratum by stratum, rarest stratum first.

    The iterative stratification of Sechidis, Tsoumakas & Vlahavas (2011):
    each fold wants ``1 / n_splits`` (or its share in ``proportions``) of the
    rows of every stratum; the rows of the stratum with fewest unplaced rows
    are placed first, each into the fold that most lacks that stratum; ties go
    to the fold that most lacks the row's other strata, then rows overall,
    then at random (or the lowest index when ``rng`` is None). Rows in no
    stratum fill the folds last.

    Parameters
    ----------
    labels : ndarray of bool of shape (n_samples, n_strata)
    n_splits : int
    rng : numpy.random.RandomState or None
    proportions : ndarray of shape (n_splits,) or None, default=None
        The share of the rows each fold wants (summing to 1); None: equal
        shares.

    Returns
    -------
    folds : ndarray of int of shape (n_samples,)
    """
    n_samples = labels.shape[0]
    folds = np.full(n_samples, -1, dtype=np.intp)
    remaining = labels.sum(axis=0).astype(np.float64)
    if proportions is None:
        wanted_per_label = np.tile(remaining / n_splits, (n_splits, 1))
        wanted = np.full(n_splits, n_samples / n_splits)
    else:
        wanted_per_label = np.outer(proportions, remaining)
        wanted = proportions * n_samples

    def place(row, primary):
        candidates = np.arange(n_splits)
        row_labels = labels[row]
        for key in (primary, wanted_per_label[:, row_labels].sum(axis=1), wanted):
            candidates = candidates[key[candidates] == key[candidates].max()]
        fold = candidates[0] if rng is None else rng.choice(candidates)
        folds[row] = fold
        remaining[row_labels] -= 1
        wanted_per_label[fold, row_labels] -= 1
        wanted[fold] -= 1

    def visiting_order(rows):
        return rows if rng is None else rng.permutation(rows)

    while np.any(remaining > 0):
        counts = np.where(remaining > 0, remaining, np.inf)
        rarest = np.flatnonzero(counts == counts.min())
        label = rarest[0] if rng is None else rng.choice(rarest)
        for row in visiting_order(np.flatnonzero(labels[:, label] & (folds < 0))):
            place(row, wanted_per_label[:, label])
    for row in visiting_order(np.flatnonzero(folds < 0)):
        place(row, wanted)
    return folds


def _spread_tasks(folds, mask, n_splits):
    """Move one row of any task whose labelled rows all fell in a single fold.

    Such a task would be missing from that fold's training set.
    """
    for t in range(mask.shape[1]):
        rows = np.flatnonzero(mask[:, t])
        if rows.size >= 2 and np.unique(folds[rows]).size == 1:
            sizes = np.bincount(folds, minlength=n_splits).astype(np.float64)
            sizes[folds[rows[0]]] = np.inf
            folds[rows[-1]] = np.argmin(sizes)
    return folds


class MultiTaskStratifiedKFold(BaseCrossValidator):
    """K-fold splitter that keeps every task labelled in every training fold.

    Rows are assigned to folds by iterative stratification over the tasks
    (Sechidis et al., 2011): the observed labels of each task, and of each
    class within a classification task, are spread evenly across the folds.
    So each task (with at least two observed labels) is observed in every
    training fold, and each class keeps about the same share in every fold.
    Regression tasks are spread by "labelled or not", with no strata on the
    values.

    This is the splitter to use for classifiers whose ``Y`` has missing
    labels: scikit-learn's integer ``cv`` needs ``type_of_target(Y)``, which
    fails on NaN. Pass ``cv=MultiTaskStratifiedKFold(5)`` to
    ``GridSearchCV``, ``cross_validate`` or
    :func:`~sklearn_mtl.model_selection.compare_estimators`.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to visit rows in random order and break ties at random; when
        False, the folds depend only on ``Y``.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffling, used only when ``shuffle=True``.
    target_type : {"auto", "classification", "continuous"}, default="auto"
        Whether to stratify on the classes of each task (besides spreading its
        labelled rows). ``"auto"`` stratifies a task on its classes when its
        labels are not numbers, or when they are discrete (binary or
        multiclass for :func:`~sklearn.utils.multiclass.type_of_target`) with
        every class able to appear in every fold on average
        (``n_classes * n_splits <= n_labelled``); integer-valued regression
        targets with many values (exam scores) are thus not stratified.
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label in ``Y`` (NaN and ``None`` always
        mark one).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
    >>> Y = np.array([[0, np.nan], [1, 1], [0, 0], [1, np.nan], [np.nan, 1],
    ...               [0, 0]])
    >>> cv = MultiTaskStratifiedKFold(n_splits=2)
    >>> for train, test in cv.split(np.zeros((6, 1)), Y):
    ...     print(train, test)
    [3 4 5] [0 1 2]
    [0 1 2] [3 4 5]
    """

    def __init__(
        self,
        n_splits=5,
        *,
        shuffle=False,
        random_state=None,
        target_type="auto",
        missing_label=None,
    ):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state
        self.target_type = target_type
        self.missing_label = missing_label

    def split(self, X, y, groups=None):
        """Generate indices of the training and test rows of each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (only its length is used).
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Multi-task targets, with missing labels.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray of int
            Training rows of the fold.
        test : ndarray of int
            Test rows of the fold.
        """
        if not isinstance(self.n_splits, int | np.integer) or self.n_splits < 2:
            raise ValueError(
                f"Expected n_splits to be an int of at least 2; got "
                f"{self.n_splits!r} instead."
            )
        if not isinstance(self.shuffle, bool | np.bool_):
            raise ValueError(
                f"Expected shuffle to be True or False; got {self.shuffle!r} instead."
            )
        if self.target_type not in ("auto", "classification", "continuous"):
            raise ValueError(
                "Expected target_type to be 'auto', 'classification' or "
                f"'continuous'; got {self.target_type!r} instead."
            )
        check_consistent_length(X, y)
        labels, targets = _stratification_labels(
            y, self.n_splits, self.target_type, self.missing_label
        )
        self._check_enough_labels(targets)
        rng = check_random_state(self.random_state) if self.shuffle else None
        folds = _iterative_stratification(labels, self.n_splits, rng)
        folds = _spread_tasks(folds, targets.mask, self.n_splits)
        for fold in range(self.n_splits):
            yield np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)

    def _check_enough_labels(self, targets):
        counts = targets.mask.sum(axis=0)
        for t in np.flatnonzero(counts < 2):
            raise ValueError(
                f"Task {task_label(t, targets.task_names)} has {counts[t]} observed "
                "label(s); MultiTaskStratifiedKFold needs at least 2 per task so "
                "that every training fold sees the task."
            )
        if targets.mask.shape[0] < self.n_splits:
            raise ValueError(
                f"Cannot have n_splits={self.n_splits} greater than the number "
                f"of samples: n_samples={targets.mask.shape[0]}."
            )

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
            The ``n_splits`` parameter.
        """
        return self.n_splits
