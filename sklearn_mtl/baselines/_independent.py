"""Independent single-task baselines: one clone of an estimator per task."""

import warnings
from numbers import Integral

from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import Ridge
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import available_if

from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin
from ..utils._parallel import Parallel, delayed
from ..utils._targets import task_label
from ._base import combine_weights, default_classifier, fit_with_weights, inner_tags

__all__ = ["IndependentTaskClassifier", "IndependentTaskRegressor"]


def _fit_task(estimator, X, y, sample_weight, owner):
    return fit_with_weights(estimator, X, y, sample_weight, owner)


class _IndependentTaskBase(BaseEstimator):
    """Fit a clone of ``estimator`` on the observed rows of each task."""

    _parameter_constraints = {
        "estimator": "no_validation",
        "task_weights": ["array-like", dict, None],
        "n_jobs": [Integral, None],
    }

    def _default_estimator(self):
        raise NotImplementedError

    def _inner_estimator(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def _task_estimator(self, targets, t):
        """An unfitted estimator for task ``t`` (the inner estimator's clone)."""
        return clone(self._inner_estimator())

    def _fit(self, X, y, sample_weight):
        X, targets, task_weights, sample_weight = self._validate_fit_data(
            X, y, sample_weight
        )
        owner = type(self).__name__
        estimators = []
        for t in range(targets.n_tasks):
            if task_weights[t] == 0:
                raise ValueError(
                    f"{owner} fits each task on its own, so task "
                    f"{task_label(t, targets.task_names)} cannot have weight 0; "
                    f"got task_weights {task_weights.tolist()}."
                )
            estimators.append(self._task_estimator(targets, t))

        def jobs():
            # A generator: each task's rows of X are copied when its fit is
            # dispatched and freed after it, not all at once (on ToxCast the
            # copies of every task together are about 180 times X).
            for t, estimator in enumerate(estimators):
                rows, labels = targets.labels(t)
                yield delayed(_fit_task)(
                    estimator,
                    _safe_indexing(X, rows),
                    labels,
                    combine_weights(sample_weight, rows, task_weights[t]),
                    owner,
                )

        self.estimators_ = Parallel(n_jobs=self.n_jobs)(jobs())
        return self

    def _task_outputs(self, X, method):
        X = self._validate_X(X, reset=False)
        return [getattr(estimator, method)(X) for estimator in self.estimators_]

    def predict(self, X):
        """Predict every task for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predictions of each task's model; 1-D when fitted on 1-D ``y``.
        """
        return self._format_output(self._task_outputs(X, "predict"))

    def __sklearn_tags__(self):
        return inner_tags(super().__sklearn_tags__(), self._inner_estimator())


class IndependentTaskRegressor(MultiTaskRegressorMixin, _IndependentTaskBase):
    """One regressor per task, each fitted on that task's observed rows only.

    The honest single-task baseline: task ``t`` gets a clone of ``estimator``
    fitted on the rows where ``Y[:, t]`` is observed; nothing is shared.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn regressor (or pipeline). None means
        :class:`~sklearn.linear_model.Ridge` with its defaults.
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Positive task weights, rescaled to mean 1. Each task's model gets its
        weight as a factor of its sample weights (for a penalized estimator
        this is the same as dividing its penalty by the weight). A zero weight
        is an error, since the tasks are fitted separately.
    n_jobs : int, default=None
        Number of tasks fitted in parallel (joblib); None means 1.

    Attributes
    ----------
    estimators_ : list of estimator
        The fitted estimator of each task.
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
    PooledTaskRegressor : One model for all tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[0.0, np.nan], [1.0, 2.0], [2.0, 4.0], [np.nan, 6.0]])
    >>> model = IndependentTaskRegressor(Ridge(alpha=1e-6)).fit(X, Y)
    >>> model.predict([[4.0]]).round(3)
    array([[4., 8.]])
    """

    def __init__(self, estimator=None, *, task_weights=None, n_jobs=None):
        self.estimator = estimator
        self.task_weights = task_weights
        self.n_jobs = n_jobs

    def _default_estimator(self):
        return Ridge()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit one clone of the estimator per task on its observed rows.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets, NaN where a label is missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : IndependentTaskRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)


class IndependentTaskClassifier(MultiTaskClassifierMixin, _IndependentTaskBase):
    """One classifier per task, each fitted on that task's observed rows only.

    A task whose observed labels hold a single class cannot train most
    classifiers; it gets a constant model that predicts that class (with a
    warning).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier (or pipeline). None means
        :class:`~sklearn.linear_model.LogisticRegression` with its defaults
        but ``max_iter=1000`` (its default of 100 can stop short of
        convergence on real data).
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Positive task weights, rescaled to mean 1, applied as a factor of each
        task's sample weights.
    n_jobs : int, default=None
        Number of tasks fitted in parallel (joblib); None means 1.
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label, for integer or string targets
        (NaN and ``None`` always mark one). With for instance ``-1``, an
        integer ``Y`` has no NaN, so scikit-learn's integer ``cv`` works.

    Attributes
    ----------
    estimators_ : list of estimator
        The fitted estimator of each task.
    classes_ : list of ndarray
        The classes of each task (an ndarray when fitted on 1-D ``y``).
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
    PooledTaskClassifier : One model for all tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.baselines import IndependentTaskClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([["no", "b"], ["no", None], ["yes", "a"], ["yes", "a"]])
    >>> model = IndependentTaskClassifier().fit(X, Y)
    >>> model.classes_
    [array(['no', 'yes'], dtype=object), array(['a', 'b'], dtype=object)]
    >>> model.predict([[3.0]])
    array([['yes', 'a']], dtype=object)
    """

    _parameter_constraints = {
        **_IndependentTaskBase._parameter_constraints,
        "missing_label": [Integral, float, str, None],
    }

    def __init__(
        self, estimator=None, *, task_weights=None, n_jobs=None, missing_label=None
    ):
        self.estimator = estimator
        self.task_weights = task_weights
        self.n_jobs = n_jobs
        self.missing_label = missing_label

    def _default_estimator(self):
        return default_classifier()

    def _task_estimator(self, targets, t):
        classes = targets.classes[t]
        if classes.size > 1:
            return super()._task_estimator(targets, t)
        warnings.warn(
            f"Task {task_label(t, targets.task_names)} has a single observed "
            f"class ({classes.tolist()[0]!r}); it gets a constant model predicting it.",
            UserWarning,
            stacklevel=4,
        )
        return DummyClassifier(strategy="prior")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit one clone of the classifier per task on its observed rows.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels of any type; NaN, ``None`` or ``missing_label`` where
            missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : IndependentTaskClassifier
            The fitted estimator.
        """
        self._fit(X, y, sample_weight)
        classes = [estimator.classes_ for estimator in self.estimators_]
        self.classes_ = classes[0] if self._single_output else classes
        return self

    @available_if(lambda self: hasattr(self._inner_estimator(), "predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of every task for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : list of ndarray of shape (n_samples, n_classes_t)
            One array per task, columns in the order of ``classes_[t]``; a
            single array when fitted on 1-D ``y``.
        """
        probabilities = self._task_outputs(X, "predict_proba")
        return probabilities[0] if self._single_output else probabilities
