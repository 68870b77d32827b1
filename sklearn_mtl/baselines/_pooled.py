"""Pooled baselines: one model fitted on the rows of all tasks at once."""

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.linear_model import Ridge
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array

from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin
from ._base import combine_weights, default_classifier, fit_with_weights, inner_tags

__all__ = ["PooledTaskClassifier", "PooledTaskRegressor"]


class _PooledTaskBase(BaseEstimator):
    """Stack the observed labels of all tasks and fit one model on them."""

    _parameter_constraints = {
        "estimator": "no_validation",
        "add_task_indicator": ["boolean"],
        "task_weights": ["array-like", dict, None],
    }

    def _inner_estimator(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def _design(self, X, task):
        """Rows of ``X``, with one-hot task columns appended when asked."""
        if not self.add_task_indicator:
            return X
        indicator = np.zeros((X.shape[0], self.n_tasks_))
        indicator[np.arange(X.shape[0]), task] = 1.0
        if sparse.issparse(X):
            return sparse.hstack([X, sparse.csr_matrix(indicator)], format="csr")
        X = check_array(X, dtype="numeric", ensure_all_finite=False)
        return np.hstack([X, indicator])

    def _fit(self, X, y, sample_weight):
        X, targets, task_weights, sample_weight = self._validate_fit_data(
            X, y, sample_weight
        )
        observed = [targets.labels(t) for t in range(targets.n_tasks)]
        sizes = [task_rows.size for task_rows, _ in observed]
        rows = np.concatenate([task_rows for task_rows, _ in observed])
        labels = self._pool_labels([task_labels for _, task_labels in observed])
        del observed, targets  # the stacked copies replace them
        # Each stacked label's task weight (a scalar when they are all 1).
        label_task_weights = (
            1.0 if np.all(task_weights == 1.0) else np.repeat(task_weights, sizes)
        )
        weights = combine_weights(sample_weight, rows, label_task_weights)
        del label_task_weights
        # Each stacked label's task, for the task indicator only.
        task = (
            np.repeat(np.arange(len(sizes)), sizes) if self.add_task_indicator else None
        )
        if self.estimator is None and not self.add_task_indicator:
            # The default estimator's loss is a weighted sum over its training
            # rows: the labels of a sample merge into one row per distinct
            # label (regression: their weighted mean), weighted by their
            # total weight. The same objective, on at most n_samples x
            # n_classes copies of X's rows instead of one per label (ToxCast:
            # 17,000 instead of 1.5 million).
            rows, labels, weights = self._merge_labels(
                rows, labels, weights, X.shape[0]
            )
        self.estimator_ = fit_with_weights(
            clone(self._inner_estimator()),
            self._design(_safe_indexing(X, rows), task),
            labels,
            weights,
            type(self).__name__,
        )
        return self

    def _pool_labels(self, labels):
        return np.concatenate(labels)

    def _merge_labels(self, rows, labels, weights, n_samples):
        """The stacked labels merged per sample: ``(rows, labels, weights)``."""
        raise NotImplementedError

    def _task_outputs(self, X, method):
        """``method`` of the pooled model for each task, as a list."""
        X = self._validate_X(X, reset=False)
        if not self.add_task_indicator:
            output = getattr(self.estimator_, method)(X)
            return [output.copy() for _ in range(self.n_tasks_)]
        return [
            getattr(self.estimator_, method)(
                self._design(X, np.full(X.shape[0], t, dtype=np.intp))
            )
            for t in range(self.n_tasks_)
        ]

    def predict(self, X):
        """Predict every task for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predictions of the pooled model for each task (identical columns
            without a task indicator); 1-D when fitted on 1-D ``y``.
        """
        return self._format_output(self._task_outputs(X, "predict"))

    def __sklearn_tags__(self):
        return inner_tags(super().__sklearn_tags__(), self._inner_estimator())


class PooledTaskRegressor(MultiTaskRegressorMixin, _PooledTaskBase):
    """One regressor fitted on the observed labels of all tasks pooled.

    The "one model for everything" baseline: every observed label ``Y[i, t]``
    becomes a training row ``(X[i], Y[i, t])``, optionally with a one-hot
    indicator of its task appended to the features (so a linear model gets a
    per-task intercept while sharing its slopes).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn regressor (or pipeline). None means
        :class:`~sklearn.linear_model.Ridge` with its defaults; without a
        task indicator it is then fitted on one row per sample, the weighted
        mean of its labels with their total weight (the same objective as
        one row per label, without copying ``X``'s row once per label).
    add_task_indicator : bool, default=False
        Append ``n_tasks`` one-hot columns giving each row's task (needs
        numeric ``X``).
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Non-negative task weights, rescaled to mean 1, applied as sample
        weights of each task's rows.

    Attributes
    ----------
    estimator_ : estimator
        The fitted pooled model.
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
    IndependentTaskRegressor : One model per task.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn_mtl.baselines import PooledTaskRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[0.0, np.nan], [1.0, 11.0], [2.0, 12.0], [np.nan, 13.0]])
    >>> model = PooledTaskRegressor(LinearRegression(), add_task_indicator=True)
    >>> model.fit(X, Y).predict([[4.0]]).round(6)
    array([[ 4., 14.]])
    """

    def __init__(self, estimator=None, *, add_task_indicator=False, task_weights=None):
        self.estimator = estimator
        self.add_task_indicator = add_task_indicator
        self.task_weights = task_weights

    def _default_estimator(self):
        return Ridge()

    def _merge_labels(self, rows, labels, weights, n_samples):
        """One training row per sample: the weighted mean of its labels.

        ``sum_t w_t (y_t - f)^2 = W (mean_w(y) - f)^2 + const`` with
        ``W = sum_t w_t``, so Ridge's objective is unchanged.
        """
        counts = np.bincount(rows, minlength=n_samples)
        if weights is None:
            weights = np.ones(rows.shape)
        totals = np.bincount(rows, weights=weights, minlength=n_samples)
        sums = np.bincount(rows, weights=weights * labels, minlength=n_samples)
        plain = np.bincount(rows, weights=labels, minlength=n_samples)
        merged = np.flatnonzero(counts)
        total = totals[merged]
        means = np.divide(
            sums[merged],
            total,
            out=plain[merged] / counts[merged],  # every weight 0: plain mean
            where=total > 0,
        )
        return merged, means, combine_weights(None, merged, total)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit one model on the observed labels of all tasks.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets, NaN where a label is missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (a row's weight applies to each of its labels).

        Returns
        -------
        self : PooledTaskRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)


class PooledTaskClassifier(MultiTaskClassifierMixin, _PooledTaskBase):
    """One classifier fitted on the observed labels of all tasks pooled.

    Every observed label becomes a training row of a single classifier, so
    the tasks must share a label type (all numbers or all strings). Every task
    then has the classes of the pooled model: ``classes_[t]`` is the same
    array for all tasks.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier (or pipeline). None means
        :class:`~sklearn.linear_model.LogisticRegression` with its defaults
        but ``max_iter=1000`` (its default of 100 stops short on ToxCast and
        census-income, with a ``ConvergenceWarning``); without a task
        indicator it is then fitted on one row per sample and
        class, weighted by the total weight of those labels (the same
        objective as one row per label, without copying ``X``'s row once per
        label).
    add_task_indicator : bool, default=False
        Append ``n_tasks`` one-hot columns giving each row's task (needs
        numeric ``X``).
    task_weights : None, array-like of shape (n_tasks,) or dict, default=None
        Non-negative task weights, rescaled to mean 1, applied as sample
        weights of each task's rows.
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label, for integer or string targets
        (NaN and ``None`` always mark one).

    Attributes
    ----------
    estimator_ : estimator
        The fitted pooled model.
    classes_ : list of ndarray
        The classes of the pooled model, once per task (an ndarray when
        fitted on 1-D ``y``).
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
    IndependentTaskClassifier : One model per task.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.baselines import PooledTaskClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[0, np.nan], [0, 0], [1, 1], [np.nan, 1]])
    >>> model = PooledTaskClassifier().fit(X, Y)
    >>> model.predict([[0.0], [3.0]])
    array([[0., 0.],
           [1., 1.]])
    """

    _parameter_constraints = {
        **_PooledTaskBase._parameter_constraints,
        "missing_label": [Integral, float, str, None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        add_task_indicator=False,
        task_weights=None,
        missing_label=None,
    ):
        self.estimator = estimator
        self.add_task_indicator = add_task_indicator
        self.task_weights = task_weights
        self.missing_label = missing_label

    def _default_estimator(self):
        return default_classifier()

    def _pool_labels(self, labels):
        is_text = {task_labels.dtype.kind in "OUS" for task_labels in labels}
        if len(is_text) > 1:
            raise ValueError(
                "PooledTaskClassifier fits one model on the labels of all tasks, "
                "so they must be all numbers or all strings; got a mix of both."
            )
        return np.concatenate(labels)

    def _merge_labels(self, rows, labels, weights, n_samples):
        """One training row per sample and class, weighted by its labels'
        total weight (the log-loss is a weighted sum over the rows)."""
        classes, codes = np.unique(labels, return_inverse=True)
        keys = codes * n_samples + rows  # (class, sample) pairs
        size = classes.size * n_samples
        merged = np.flatnonzero(np.bincount(keys, minlength=size))
        totals = np.bincount(keys, weights=weights, minlength=size)[merged]
        merged_rows = merged % n_samples
        return (
            merged_rows,
            classes[merged // n_samples],
            combine_weights(None, merged_rows, totals),
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit one classifier on the observed labels of all tasks.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels; NaN, ``None`` or ``missing_label`` where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (a row's weight applies to each of its labels).

        Returns
        -------
        self : PooledTaskClassifier
            The fitted estimator.
        """
        self._fit(X, y, sample_weight)
        classes = self.estimator_.classes_
        self.classes_ = classes if self._single_output else [classes] * self.n_tasks_
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
        proba : list of ndarray of shape (n_samples, n_classes)
            One array per task, columns in the order of ``classes_[t]``; a
            single array when fitted on 1-D ``y``.
        """
        probabilities = self._task_outputs(X, "predict_proba")
        return probabilities[0] if self._single_output else probabilities
