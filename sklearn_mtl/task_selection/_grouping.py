"""One multi-task net per group of tasks, the groups chosen from the affinity."""

from copy import deepcopy

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..base import _MultiTaskMixin
from ..metrics import (
    multitask_accuracy_score,
    multitask_mixed_score,
    multitask_r2_score,
)
from ..utils import check_sample_weight
from ..utils._weights import check_weighted_labels
from ._affinity import TaskAffinity
from ._groups import check_groups, columns, full_task_weights
from ._nets import check_net, check_positive_int, default_net, targets_of
from ._selection import SEARCHES, select_task_groups

__all__ = ["GroupedMultiTaskNet"]


def _nets_have(method):
    """``available_if`` check: the fitted nets (or the estimator) have ``method``."""

    def check(self):
        nets = getattr(self, "estimators_", None)
        if nets is not None:
            if not any(hasattr(net, method) for net in nets):
                raise AttributeError(
                    f"{type(self).__name__} has no {method}: none of its nets has."
                )
            return True
        if self.estimator is not None and not hasattr(self.estimator, method):
            raise AttributeError(
                f"{type(self).__name__} has no {method}: its estimator "
                f"{type(self.estimator).__name__} has none."
            )
        return True

    return check


class GroupedMultiTaskNet(_MultiTaskMixin, BaseEstimator):
    """Train the tasks in groups: one multi-task net per group of tasks.

    The groups are chosen from the inter-task affinity (Fifty et al., 2021)
    or given by hand. ``fit`` measures the affinity with a
    :class:`TaskAffinity` (unless ``groups`` or a precomputed ``affinity``
    is given), selects at most ``n_groups`` groups that maximize the total
    affinity onto the tasks (:func:`select_task_groups`: each task is
    served by one group it belongs to; groups may overlap, a task then
    helps train a group that does not serve it), and fits a clone of the
    net on each group's task columns. ``predict`` returns every task, each
    predicted by the net of the group that serves it, in the usual
    ``(n_samples, n_tasks)`` layout.

    One class serves regression, classification and mixed task types: it
    takes its kind from the wrapped net, as :class:`~sklearn.pipeline.Pipeline`
    takes it from its last step (its scikit-learn tags, ``score``,
    ``predict_proba`` and ``classes_`` follow the net's). With
    ``estimator=None`` the net is chosen from ``Y`` in ``fit``, so before
    ``fit`` the model is neither a classifier nor a regressor for
    scikit-learn: pass the estimator for stratified cross-validation of
    classification tasks.

    Parameters
    ----------
    estimator : multi-task net or None, default=None
        The net trained on each group (cloned): a
        :class:`~sklearn_mtl.neural.MultiTaskNetRegressor`,
        :class:`~sklearn_mtl.neural.MultiTaskNetClassifier` or
        :class:`~sklearn_mtl.neural.MultiTaskNet`. Array-like or dict
        ``task_weights`` of the net are restricted to each group's tasks.
        None: chosen from ``Y``'s task types as
        :class:`TaskAffinity` does.
    n_groups : int, default=2
        The most groups (nets) to train when the groups are selected from
        the affinity. Grid-searchable. Not used with ``groups``.
    groups : list of list of int or str, or None, default=None
        Groups given by hand, by task indices or names (of a DataFrame
        ``Y``): the baseline "train these together". Every task must be in
        a group; a task in several groups is served by the first that lists
        it. None: the groups are selected from the affinity.
    affinity : None, TaskAffinity or array-like of shape (n_tasks, n_tasks), \
            default=None
        Where the affinity comes from. None: a ``TaskAffinity`` of the
        estimator with its defaults, fitted on the training data. A
        ``TaskAffinity``: fitted (a clone) on the training data, with this
        model's estimator when its own is None. An array: a precomputed
        ``affinity_``, used as is (it saves the affinity run in every fit
        of a grid search over ``n_groups``; computed on all the data, it
        has seen the validation folds).
    search : {"auto", "exact", "beam"}, default="auto"
        How the groups are searched; see :func:`select_task_groups`
        (``"auto"``: exact up to 12 tasks).
    random_state : int, RandomState instance or None, default=None
        Seed of every net's fit and of the affinity run (replaces the
        estimator's ``random_state`` unless None).

    Attributes
    ----------
    groups_ : list of list of int
        The tasks each net is trained on.
    served_by_ : ndarray of shape (n_tasks,)
        Index in ``groups_`` (and ``estimators_``) of the net that predicts
        each task.
    estimators_ : list of multi-task nets
        The fitted net of each group.
    affinity_ : ndarray of shape (n_tasks, n_tasks)
        The affinity the groups were selected from (absent with ``groups``).
    task_affinity_ : TaskAffinity
        The fitted affinity run (only when this model ran it).
    classes_ : list of ndarray
        Classes of each task, for classification nets.
    n_tasks_ : int
        Number of tasks seen in ``fit``.
    task_names_ : ndarray of str
        Task names, when ``Y`` was a pandas DataFrame.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` was a pandas DataFrame.

    See Also
    --------
    TaskAffinity : The affinity the groups are selected from.
    select_task_groups : The group selection on its own.

    References
    ----------
    C. Fifty, E. Amid, Z. Zhao, T. Yu, R. Anil and C. Finn, "Efficiently
    identifying task groupings for multi-task learning", NeurIPS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor
    >>> from sklearn_mtl.task_selection import GroupedMultiTaskNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> Y = np.column_stack([X[:, 0], X[:, 0], X[:, 1], X[:, 1]])
    >>> net = MultiTaskNetRegressor(
    ...     module__hidden_units=(8,), max_epochs=5, verbose=0
    ... )
    >>> model = GroupedMultiTaskNet(net, groups=[[0, 1], [2, 3]], random_state=0)
    >>> model.fit(X, Y).predict(X).shape
    (200, 4)
    >>> model.served_by_
    array([0, 0, 1, 1])
    """

    def __init__(
        self,
        estimator=None,
        *,
        n_groups=2,
        groups=None,
        affinity=None,
        search="auto",
        random_state=None,
    ):
        self.estimator = estimator
        self.n_groups = n_groups
        self.groups = groups
        self.affinity = affinity
        self.search = search
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Select the groups (or take them), then fit one net per group.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels, NaN where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row, passed to every net's ``fit``
            and to the affinity run (see the nets' ``fit``).
        **fit_params : dict
            Passed to every net's ``fit`` and to the affinity run.

        Returns
        -------
        self : GroupedMultiTaskNet
            The fitted estimator.
        """
        self._check_params()
        X = self._validate_X(X, reset=True)
        targets = targets_of(y, n_samples=X.shape[0])
        n_tasks, names = targets.n_tasks, targets.task_names
        # Checked here too, so that an error names the task as y does (a
        # group's net numbers its tasks from 0).
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        check_weighted_labels(targets, sample_weight)
        estimator = default_net(y) if self.estimator is None else self.estimator
        fit_params = {"sample_weight": sample_weight, **fit_params}
        fitted = {}
        if self.groups is not None:
            groups, served_by = check_groups(self.groups, n_tasks, names)
        else:
            affinity = self._affinity(X, y, estimator, n_tasks, fitted, fit_params)
            groups, served_by = select_task_groups(
                affinity, self.n_groups, search=self.search
            )
            fitted["affinity_"] = affinity
        task_weights = full_task_weights(estimator, n_tasks, names)
        nets = []
        for members in groups:
            net = self._group_net(estimator, members, task_weights)
            nets.append(net.fit(X, columns(y, members), **fit_params))
        for name in ("affinity_", "task_affinity_", "classes_", "task_names_"):
            if hasattr(self, name):
                delattr(self, name)
        self.__dict__.update(fitted)
        self.groups_ = groups
        self.served_by_ = served_by
        self.estimators_ = nets
        self.n_tasks_ = n_tasks
        self._single_output = targets.single_output
        if names is not None:
            self.task_names_ = names
        classes = self._served("classes_")
        if classes is not None:
            self.classes_ = classes[0] if targets.single_output else classes
        return self

    def _check_params(self):
        owner = type(self).__name__
        if self.estimator is not None:
            check_net(self.estimator, owner)
        check_positive_int(self.n_groups, "n_groups", owner)
        if self.search not in SEARCHES:
            raise ValueError(
                f"Expected search of {owner} to be one of "
                f"{', '.join(map(repr, SEARCHES))}; got {self.search!r} instead."
            )
        if self.affinity is not None and not isinstance(self.affinity, TaskAffinity):
            try:
                np.asarray(self.affinity, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(
                    f"Expected affinity of {owner} to be None, a TaskAffinity or "
                    "an array of shape (n_tasks, n_tasks); got "
                    f"{self.affinity!r} instead."
                ) from None

    def _affinity(self, X, Y, estimator, n_tasks, fitted, fit_params):
        """The affinity matrix: given, or measured (recorded in ``fitted``)."""
        source = self.affinity
        if source is not None and not isinstance(source, TaskAffinity):
            affinity = np.asarray(source, dtype=np.float64)
            if affinity.shape != (n_tasks, n_tasks):
                raise ValueError(
                    f"Expected affinity of shape ({n_tasks}, {n_tasks}), one row "
                    f"and one column per task; got shape {affinity.shape} instead."
                )
            return affinity
        run = TaskAffinity() if source is None else clone(source)
        if run.estimator is None:
            run.set_params(estimator=estimator)
        if run.random_state is None and self.random_state is not None:
            run.set_params(random_state=self.random_state)
        fitted["task_affinity_"] = run.fit(X, Y, **fit_params)
        return run.affinity_

    def _group_net(self, estimator, members, task_weights):
        """An unfitted net for the tasks ``members``."""
        net = clone(estimator)
        if getattr(net, "primary_tasks", None) is not None:
            raise ValueError(
                f"{type(self).__name__} fits each group's net on the group's "
                "tasks only; set primary_tasks=None on its estimator (got "
                f"primary_tasks={net.primary_tasks!r})."
            )
        if task_weights is not None:
            net.set_params(task_weights=task_weights[members])
        if self.random_state is not None:
            net.set_params(random_state=self.random_state)
        return net

    # ------------------------------------------------------------ predict
    def _served(self, attribute):
        """Each task's ``attribute`` from the net that serves it (or None)."""
        if not all(hasattr(net, attribute) for net in self.estimators_):
            return None
        return [
            getattr(self.estimators_[g], attribute)[self.groups_[g].index(t)]
            for t, g in enumerate(self.served_by_)
        ]

    def _group_outputs(self, X, method):
        """``method`` of every net on ``X`` (None for a net without it)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return [
            getattr(net, method)(X) if hasattr(net, method) else None
            for net in self.estimators_
        ]

    def _per_task(self, outputs, column):
        """Each task's output from its serving net's outputs."""
        per_task = []
        for t, g in enumerate(self.served_by_):
            position = self.groups_[g].index(t)
            per_task.append(
                None if outputs[g] is None else column(outputs[g], position)
            )
        return per_task

    def predict(self, X):
        """Predict every task, each by the net of the group that serves it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predictions (1-D when fitted on 1-D ``y``).
        """
        outputs = self._group_outputs(X, "predict")
        return self._format_output(
            self._per_task(outputs, lambda output, position: output[:, position])
        )

    @available_if(_nets_have("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of every task, from the net that serves it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        probabilities : list of ndarray of shape (n_samples, n_classes_t)
            One array per task (None for a continuous task of mixed-type
            nets); a single array when fitted on 1-D ``y``.
        """
        outputs = self._group_outputs(X, "predict_proba")
        probabilities = self._per_task(
            outputs, lambda output, position: output[position]
        )
        return probabilities[0] if self._single_output else probabilities

    def score(self, X, y, sample_weight=None):
        """The wrapped nets' score on every task: mean R^2, accuracy, or both.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            True labels, NaN where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn_mtl.metrics.multitask_r2_score` for regression
            nets, :func:`~sklearn_mtl.metrics.multitask_accuracy_score` for
            classification nets and
            :func:`~sklearn_mtl.metrics.multitask_mixed_score` (with each
            task's type) for mixed-type nets, of ``self.predict(X)``.
        """
        Y_pred = self.predict(X)
        nets = self.estimators_
        if all(is_regressor(net) for net in nets):
            return multitask_r2_score(y, Y_pred, sample_weight=sample_weight)
        missing_label = getattr(nets[0], "missing_label", None)
        if all(is_classifier(net) for net in nets):
            return multitask_accuracy_score(
                y, Y_pred, sample_weight=sample_weight, missing_label=missing_label
            )
        return multitask_mixed_score(
            y,
            Y_pred,
            task_types=self._served("task_types_"),
            sample_weight=sample_weight,
            missing_label=missing_label,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            inner = get_tags(self.estimator)
            tags.estimator_type = inner.estimator_type
            tags.classifier_tags = deepcopy(inner.classifier_tags)
            tags.regressor_tags = deepcopy(inner.regressor_tags)
            tags.input_tags.sparse = inner.input_tags.sparse
        return tags
