"""Cross-validate several estimators on the same folds and compare them per task."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import clone, is_classifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.model_selection import GroupKFold, check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import _check_method_params

from ..metrics import get_metric
from ..metrics._scorer import estimator_metric_kwargs, final_estimator, get_response
from ..utils import check_multitask_targets
from ..utils._parallel import Parallel, delayed
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
    for name, estimator in pairs:
        if not callable(getattr(estimator, "fit", None)):
            raise TypeError(
                f"Expected estimator {name!r} to be an estimator with a fit "
                f"method; got {type(estimator).__name__} instead."
            )
    return names, [estimator for _, estimator in pairs]


def _fit_and_score(
    estimator, X, Y, train, test, spec, fit_params, *, log=None, keep=False
):
    """Fit on ``train``, score on ``test``: ``(scores, fit_time, estimator)``.

    The fitted estimator is returned only when ``keep`` (None otherwise): the
    folds' models are not held until every fit has ended.
    """
    start = time.perf_counter()
    fit_params = _check_method_params(X, params=fit_params, indices=train)
    estimator.fit(_safe_indexing(X, train), _safe_indexing(Y, train), **fit_params)
    fit_time = time.perf_counter() - start
    Y_pred = get_response(estimator, _safe_indexing(X, test), spec.response_method)
    kwargs = {"multioutput": "raw_values", **estimator_metric_kwargs(spec, estimator)}
    scores = np.atleast_1d(spec.function(_safe_indexing(Y, test), Y_pred, **kwargs))
    del Y_pred
    if log is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN fold
            mean = np.nanmean(scores)
        print(f"{log}: fit {fit_time:.1f} s, mean score {mean:.4f}", flush=True)
    return scores, fit_time, estimator if keep else None


def _routing_enabled():
    """Whether scikit-learn's metadata routing is on (``set_config``)."""
    return get_config().get("enable_metadata_routing", False)


def _routed_params(estimators, cv, groups, params):
    """Fit parameters of each estimator and the splitter's, scikit-learn's way.

    With metadata routing enabled, each estimator gets what it requested
    (``set_fit_request``) and the splitter what it takes (``groups``);
    otherwise every estimator gets every parameter and the splitter
    ``groups``.
    """
    if not _routing_enabled():
        return [dict(params) for _ in estimators], {"groups": groups}
    if groups is not None:
        raise ValueError(
            "Expected groups in params when metadata routing is enabled "
            "(sklearn.set_config(enable_metadata_routing=True)); got groups= "
            "instead. Pass params={'groups': groups}."
        )
    router = MetadataRouter(owner="compare_estimators").add(
        splitter=cv, method_mapping=MethodMapping().add(caller="fit", callee="split")
    )
    for e, estimator in enumerate(estimators):
        router.add(
            **{f"estimator{e}": estimator},
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
    try:
        routed = process_routing(router, "fit", **params)
    except UnsetMetadataPassedError as exc:
        raise UnsetMetadataPassedError(
            message=str(exc).replace("compare_estimators.fit", "compare_estimators"),
            unrequested_params=exc.unrequested_params,
            routed_params=exc.routed_params,
        ) from None
    fit = [dict(routed[f"estimator{e}"].fit) for e in range(len(estimators))]
    return fit, dict(routed.splitter.split)


def compare_estimators(
    estimators,
    X,
    Y,
    *,
    groups=None,
    cv=5,
    scoring=None,
    reference=None,
    greater_is_better=None,
    params=None,
    alpha=0.05,
    n_jobs=None,
    verbose=0,
    return_estimator=False,
):
    """Cross-validate estimators on the same folds and compare them task by task.

    Every estimator is fitted on the same training folds and scored on each
    task's observed test labels, so differences between estimators are paired
    by fold. The result gives, per task, the mean and standard deviation of
    each estimator's score, its paired difference to the reference (a
    baseline) and the p-value of a corrected resampled t-test of that
    difference; per estimator, the number of tasks significantly improved and
    hurt (and the raw counts of better and worse means), the mean paired
    difference and the relative gain Delta_m.

    Parameters
    ----------
    estimators : dict or list of (str, estimator)
        The estimators to compare, by name (multi-task models, and baselines
        such as :class:`~sklearn_mtl.baselines.IndependentTaskRegressor`).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Input samples.
    Y : array-like of shape (n_samples, n_tasks)
        Targets, missing where NaN.
    groups : array-like of shape (n_samples,), default=None
        Group labels of the rows (a patient, a school) for a group splitter:
        with an int ``cv`` they give :class:`~sklearn.model_selection.GroupKFold`
        (no row of a test group is seen in training; unlike the default
        splitter, a task may then lose all its training labels in a fold).
        With metadata routing enabled, pass them in ``params`` instead.
    cv : int, cross-validation splitter or iterable, default=5
        An int gives ``MultiTaskStratifiedKFold(n_splits=cv)``, which keeps
        every task labelled in every training fold (``GroupKFold`` with
        ``groups``); otherwise as in scikit-learn (a splitter, or an iterable
        of (train, test) indices).
    scoring : str or callable, default=None
        A per-task metric: a name known to
        :func:`~sklearn_mtl.metrics.get_metric` (``"r2"``,
        ``"mean_squared_error"``, ``"roc_auc"``, ...) or a function
        ``f(Y_true, Y_pred, multioutput="raw_values")``. None means ``"r2"``
        for regressors, ``"accuracy"`` for classifiers and ``"mixed"`` (R^2
        or accuracy by task type) for an estimator with ``task_types``, such
        as :class:`~sklearn_mtl.neural.MultiTaskNet` (judged on the
        reference).
    reference : str, default=None
        Name of the estimator the others are compared with; None means the
        first one.
    greater_is_better : bool or None, default=None
        For a custom ``scoring`` function: whether higher is better (default
        True). Known metrics set it themselves.
    params : dict, default=None
        Parameters of the estimators' ``fit`` (``sample_weight``...); those
        of length ``n_samples`` are split with the rows. With metadata routing
        enabled (``sklearn.set_config(enable_metadata_routing=True)``), each
        estimator gets those it requests (``set_fit_request``) and the
        splitter ``groups``; otherwise every estimator gets all of them.
    alpha : float, default=0.05
        Level of the per-task tests: a task counts as improved (hurt) when
        the mean paired difference is in favour of (against) the estimator
        and its p-value is below ``alpha``.
    n_jobs : int, default=None
        Number of (estimator, fold) fits run in parallel (joblib).
    verbose : int, default=0
        ``> 0`` prints a line per fit (estimator, fold, fit time, mean
        score) as it ends; larger values also make joblib report progress.
    return_estimator : bool, default=False
        Whether to keep the fitted estimators in the result
        (``result.estimators``, one list of folds per estimator).

    Returns
    -------
    result : ComparisonResult
        Per-task tables, summaries, tests and the raw per-fold scores.

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
    >>> result.p_values().shape
    (2, 3)
    """
    names, estimators = _named_estimators(estimators)
    reference = names[0] if reference is None else reference
    if reference not in names:
        raise ValueError(
            f"Expected reference to be one of the estimator names {names}; got "
            f"{reference!r} instead."
        )
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(
            f"Expected alpha strictly between 0 and 1; got {alpha!r} instead."
        )
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        raise ValueError(
            f"Expected params to be a dict of fit parameters; got {params!r} instead."
        )
    reference_estimator = estimators[names.index(reference)]
    classifier = is_classifier(reference_estimator)
    # An estimator of tasks of several types (MultiTaskNet) says which.
    task_types = getattr(final_estimator(reference_estimator), "task_types", None)
    if task_types is not None:
        target_type = task_types
    else:
        target_type = "classification" if classifier else "continuous"
    if scoring is None:
        if task_types is not None:
            scoring = "mixed"
        else:
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
        target_type=target_type,
        missing_label=missing_label,
        allow_unlabelled_tasks=True,
    )
    # Only the number of tasks and their names are needed from here on: the
    # validated values are not held while the estimators fit.
    n_tasks = targets.n_tasks
    task_names = (
        list(targets.task_names)
        if targets.task_names is not None
        else [f"task {t}" for t in range(n_tasks)]
    )
    del targets
    if isinstance(cv, Integral):
        if groups is not None or (_routing_enabled() and "groups" in params):
            cv = GroupKFold(n_splits=cv)
        else:
            cv = MultiTaskStratifiedKFold(n_splits=cv, missing_label=missing_label)
    else:
        cv = check_cv(cv)
    fit_params, split_params = _routed_params(estimators, cv, groups, params)
    splits = list(cv.split(X, Y, **split_params))
    outputs = Parallel(n_jobs=n_jobs, verbose=max(verbose - 1, 0))(
        delayed(_fit_and_score)(
            clone(estimator),
            X,
            Y,
            train,
            test,
            spec,
            fit_params[e],
            log=f"[{names[e]}] fold {k + 1}/{len(splits)}" if verbose > 0 else None,
            keep=return_estimator,
        )
        for e, estimator in enumerate(estimators)
        for k, (train, test) in enumerate(splits)
    )
    shape = (len(estimators), len(splits))
    scores = np.array([score for score, _, _ in outputs]).reshape(*shape, n_tasks)
    fit_times = np.array([fit_time for _, fit_time, _ in outputs]).reshape(shape)
    fitted = None
    if return_estimator:
        fitted = [
            [outputs[e * len(splits) + k][2] for k in range(len(splits))]
            for e in range(len(estimators))
        ]
    metric = scoring if isinstance(scoring, str) else spec.function.__name__
    test_train_ratio = float(
        np.mean([len(test) / len(train) for train, test in splits])
    )
    return ComparisonResult(
        scores,
        names,
        task_names,
        reference,
        metric,
        spec.greater_is_better,
        fit_times,
        test_train_ratio=test_train_ratio,
        alpha=alpha,
        estimators=fitted,
    )
