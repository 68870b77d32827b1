"""Cross-validate several estimators on the same folds and compare them per task."""

import time
from numbers import Integral

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.parallel import Parallel, delayed

from ..metrics import get_metric
from ..metrics._scorer import estimator_metric_kwargs, final_estimator, get_response
from ..utils import check_multitask_targets
from ._comparison import ComparisonResult
from ._split import MultiTaskStratifiedKFold

__all__ = ["compare_estimators"]


def _named_estimators(estimators):
    pairs = list(estimators.items()) if isinstance(estimators, dict) else estimators
    try:
        names = [str(name) for name, _ in pairs]
    except (TypeError, ValueError):
        raise ValueError(
            "Expected estimators as a dict {name: estimator} or a list of "
            f"(name, estimator) pairs; got {estimators!r} instead."
        ) from None
    if not pairs:
        raise ValueError("Expected at least one estimator; got none.")
    if len(set(names)) != len(names):
        raise ValueError(f"Expected distinct estimator names; got {names}.")
    return names, [estimator for _, estimator in pairs]


def _fit_and_score(estimator, X, Y, train, test, spec):
    start = time.perf_counter()
    estimator.fit(_safe_indexing(X, train), _safe_indexing(Y, train))
    fit_time = time.perf_counter() - start
    Y_pred = get_response(estimator, _safe_indexing(X, test), spec.response_method)
    kwargs = {"multioutput": "raw_values", **estimator_metric_kwargs(spec, estimator)}
    scores = spec.function(_safe_indexing(Y, test), Y_pred, **kwargs)
    return np.atleast_1d(scores), fit_time


def compare_estimators(
    estimators,
    X,
    Y,
    *,
    cv=5,
    scoring=None,
    reference=None,
    greater_is_better=None,
    n_jobs=None,
):
    """Cross-validate estimators on the same folds and compare them task by task.

    Every estimator is fitted on the same training folds and scored on each
    task's observed test labels, so differences between estimators are paired
    by fold. The result gives, per task, the mean and standard deviation of
    each estimator's score and its paired difference to the reference (a
    baseline), and per estimator the number of tasks improved and hurt and the
    relative gain Delta_m.

    Parameters
    ----------
    estimators : dict or list of (str, estimator)
        The estimators to compare, by name (multi-task models, and baselines
        such as :class:`~sklearn_mtl.baselines.IndependentTaskRegressor`).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Input samples.
    Y : array-like of shape (n_samples, n_tasks)
        Targets, missing where NaN.
    cv : int, cross-validation splitter or iterable, default=5
        An int gives ``MultiTaskStratifiedKFold(n_splits=cv)``, which keeps
        every task labelled in every training fold; otherwise as in
        scikit-learn (a splitter, or an iterable of (train, test) indices).
    scoring : str or callable, default=None
        A per-task metric: a name known to
        :func:`~sklearn_mtl.metrics.get_metric` (``"r2"``,
        ``"mean_squared_error"``, ``"roc_auc"``, ...) or a function
        ``f(Y_true, Y_pred, multioutput="raw_values")``. None means ``"r2"``
        for regressors and ``"accuracy"`` for classifiers (judged on the
        reference).
    reference : str, default=None
        Name of the estimator the others are compared with; None means the
        first one.
    greater_is_better : bool or None, default=None
        For a custom ``scoring`` function: whether higher is better (default
        True). Known metrics set it themselves.
    n_jobs : int, default=None
        Number of (estimator, fold) fits run in parallel (joblib).

    Returns
    -------
    result : ComparisonResult
        Per-task tables, summaries and the raw per-fold scores.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor, PooledTaskRegressor
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.model_selection import compare_estimators
    >>> X, Y = make_multitask_regression(
    ...     n_samples=60, n_tasks=3, missing_rate=0.2, random_state=0
    ... )
    >>> result = compare_estimators(
    ...     {"independent": IndependentTaskRegressor(Ridge()),
    ...      "pooled": PooledTaskRegressor(Ridge(), add_task_indicator=True)},
    ...     X, Y, cv=3,
    ... )
    >>> result.scores.shape
    (2, 3, 3)
    """
    names, estimators = _named_estimators(estimators)
    reference = names[0] if reference is None else reference
    if reference not in names:
        raise ValueError(
            f"Expected reference to be one of the estimator names {names}; got "
            f"{reference!r} instead."
        )
    reference_estimator = estimators[names.index(reference)]
    classifier = is_classifier(reference_estimator)
    if scoring is None:
        scoring = "accuracy" if classifier else "r2"
    spec = get_metric(scoring, greater_is_better=greater_is_better)
    if not spec.per_task:
        raise ValueError(
            f"compare_estimators needs a per-task metric (one that takes "
            f"multioutput='raw_values'); got {scoring!r}."
        )
    missing_label = getattr(final_estimator(reference_estimator), "missing_label", None)
    targets = check_multitask_targets(
        Y,
        target_type="classification" if classifier else "continuous",
        missing_label=missing_label,
        allow_unlabelled_tasks=True,
    )
    if isinstance(cv, Integral):
        cv = MultiTaskStratifiedKFold(n_splits=cv, missing_label=missing_label)
    else:
        cv = check_cv(cv)
    splits = list(cv.split(X, Y))
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_fit_and_score)(clone(estimator), X, Y, train, test, spec)
        for estimator in estimators
        for train, test in splits
    )
    scores = np.array([score for score, _ in outputs]).reshape(
        len(estimators), len(splits), targets.n_tasks
    )
    fit_times = np.array([fit_time for _, fit_time in outputs]).reshape(
        len(estimators), len(splits)
    )
    task_names = (
        list(targets.task_names)
        if targets.task_names is not None
        else [f"task {t}" for t in range(targets.n_tasks)]
    )
    metric = scoring if isinstance(scoring, str) else spec.function.__name__
    return ComparisonResult(
        scores,
        names,
        task_names,
        reference,
        metric,
        spec.greater_is_better,
        fit_times,
    )
