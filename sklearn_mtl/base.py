"""Base classes and helpers shared by every multi-task estimator."""

import numpy as np
from scipy import sparse
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .metrics import multitask_accuracy_score, multitask_r2_score
from .utils import check_multitask_targets, check_sample_weight, check_task_weights
from .utils._weights import check_weighted_labels

__all__ = ["MultiTaskClassifierMixin", "MultiTaskRegressorMixin"]


class _MultiTaskMixin:
    """Validation of ``fit`` inputs and formatting of outputs, for both kinds."""

    _target_type = "continuous"

    def _validate_fit_data(self, X, y, sample_weight=None):
        """Validate ``X``, ``y``, weights; set ``n_tasks_`` and ``task_names_``.

        ``X`` keeps its type (DataFrame, sparse, array) so that inner
        estimators such as pipelines with column transformers receive it as is;
        they check its values.

        Returns
        -------
        X : array-like or sparse matrix
        targets : MultiTaskTargets
        task_weights : ndarray of shape (n_tasks,)
        sample_weight : ndarray of shape (n_samples,) or None
        """
        X = self._validate_X(X, reset=True)
        targets = check_multitask_targets(
            y,
            target_type=self._target_type,
            missing_label=getattr(self, "missing_label", None),
            n_samples=X.shape[0],
        )
        self.n_tasks_ = targets.n_tasks
        if targets.task_names is not None:
            self.task_names_ = targets.task_names
        elif hasattr(self, "task_names_"):
            del self.task_names_
        self._single_output = targets.single_output
        task_weights = check_task_weights(
            self.task_weights, targets.n_tasks, targets.task_names
        )
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        check_weighted_labels(targets, sample_weight)
        return X, targets, task_weights, sample_weight

    def _validate_X(self, X, *, reset):
        """Check feature names and counts; return X as a 2-D indexable container."""
        if not reset:
            check_is_fitted(self)
        if sparse.issparse(X):
            X = X.tocsr()
        elif not hasattr(X, "iloc"):
            X = check_array(X, dtype=None, ensure_all_finite=False)
        validate_data(self, X, reset=reset, skip_check_array=True)
        return X

    def _format_output(self, columns):
        """Stack per-task columns into ``(n_samples, n_tasks)``, or 1-D for 1-D y."""
        if self._single_output:
            return columns[0]
        if len({column.dtype for column in columns}) == 1:
            return np.column_stack(columns)
        output = np.empty((columns[0].shape[0], len(columns)), dtype=object)
        for t, column in enumerate(columns):
            output[:, t] = column
        return output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class MultiTaskRegressorMixin(_MultiTaskMixin, RegressorMixin):
    """Mixin for multi-task regressors: mask-aware ``score`` (mean per-task R^2)."""

    _target_type = "continuous"

    def score(self, X, y, sample_weight=None):
        """Mean over tasks of the R^2 of each task on its observed labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            True labels, NaN where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn_mtl.metrics.multitask_r2_score` of
            ``self.predict(X)``.

        Notes
        -----
        This is what ``GridSearchCV`` uses without ``scoring``. scikit-learn's
        scoring strings (``scoring="r2"``...) fail on missing labels ("Input
        contains NaN"); pass
        :func:`~sklearn_mtl.metrics.make_multitask_scorer` ``("r2")``, or
        another metric name, instead.
        """
        return multitask_r2_score(y, self.predict(X), sample_weight=sample_weight)


class MultiTaskClassifierMixin(_MultiTaskMixin, ClassifierMixin):
    """Mixin for multi-task classifiers: mask-aware ``score`` (mean accuracy)."""

    _target_type = "classification"

    def score(self, X, y, sample_weight=None):
        """Mean over tasks of the accuracy of each task on its observed labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            True labels; NaN, ``None`` or ``missing_label`` where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn_mtl.metrics.multitask_accuracy_score` of
            ``self.predict(X)``.

        Notes
        -----
        This is what ``GridSearchCV`` uses without ``scoring``. scikit-learn's
        scoring strings (``scoring="roc_auc"``...) fail on missing labels
        ("Input contains NaN"); pass
        :func:`~sklearn_mtl.metrics.make_multitask_scorer` ``("roc_auc")``, or
        another metric name, instead.
        """
        return multitask_accuracy_score(
            y,
            self.predict(X),
            sample_weight=sample_weight,
            missing_label=self.missing_label,
        )
