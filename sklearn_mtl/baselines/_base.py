"""Helpers shared by the baseline meta-estimators."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.validation import has_fit_parameter

__all__ = ["combine_weights", "default_classifier", "fit_with_weights", "inner_tags"]


def default_classifier():
    """The baselines' classifier when none is given.

    scikit-learn's :class:`~sklearn.linear_model.LogisticRegression` with
    ``max_iter=1000``: its default of 100 lbfgs iterations stops short, with
    a ``ConvergenceWarning``, on the pooled labels of ToxCast and
    census-income (about 160-170 iterations needed with standardized
    features).
    """
    return LogisticRegression(max_iter=1000)


def inner_tags(tags, estimator):
    """Copy the input tags of the inner estimator (sparse, NaN support)."""
    inner = get_tags(estimator).input_tags
    tags.input_tags.sparse = inner.sparse
    tags.input_tags.allow_nan = inner.allow_nan
    tags.input_tags.string = inner.string
    tags.input_tags.categorical = inner.categorical
    return tags


def combine_weights(sample_weight, rows, task_weight):
    """Sample weights of some rows scaled by a task weight, or None if uniform.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,) or None
        Validated sample weights.
    rows : ndarray of int
        Rows used.
    task_weight : float or ndarray of shape (len(rows),)
        Weight of the task (or of each row's task).

    Returns
    -------
    weights : ndarray of shape (len(rows),) or None
        None when every weight is 1, so that the inner estimator is fitted
        without weights at all.
    """
    weights = np.broadcast_to(np.asarray(task_weight, dtype=np.float64), rows.shape)
    if sample_weight is not None:
        weights = sample_weight[rows] * weights
    if np.all(weights == 1.0):
        return None
    return np.array(weights)


def fit_with_weights(estimator, X, y, sample_weight, owner):
    """Fit ``estimator``, passing ``sample_weight`` only when it is not None.

    Parameters
    ----------
    estimator : estimator
        Unfitted estimator.
    X, y : array-like
        Training data.
    sample_weight : ndarray or None
        Weights to pass, or None.
    owner : str
        Name of the meta-estimator, for the error message.

    Returns
    -------
    estimator : estimator
        The fitted estimator.
    """
    if sample_weight is None:
        return estimator.fit(X, y)
    if not has_fit_parameter(estimator, "sample_weight"):
        raise ValueError(
            f"{owner} needs to pass sample weights (from sample_weight or "
            f"task_weights) to its inner estimator, but "
            f"{type(estimator).__name__}.fit does not accept sample_weight. Use "
            "an estimator that does, or leave both unset."
        )
    return estimator.fit(X, y, sample_weight=sample_weight)
