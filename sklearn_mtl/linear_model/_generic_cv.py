"""Cross-validated generic linear models: the strength of any penalty.

For each fold, the regularization path of the penalty is fitted on the
training rows with warm starts; at each alpha, a model holding the path's
coefficients (the fitted state the generic estimator would have after
``fit`` on the training rows at that alpha) is scored on the validation rows
by the scorer, exactly as a grid search over the same alphas, folds and
scorer would score it. The alpha with the best mean score is refitted on all
rows.
"""

import copy
from numbers import Real

import numpy as np
from sklearn.utils import _safe_indexing, indexable

from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin
from ..metrics import make_multitask_scorer
from ..utils._targets import task_label
from ._base import NOTES, check_penalty, commit_fitted
from ._classification import (
    ClassificationPredictionMixin,
    MultiTaskLinearClassifier,
    MultiTaskLogisticRegression,
)
from ._cv import LinearModelCV, check_fold_labels
from ._design import prepare
from ._path import warm_path
from ._penalties import L21
from ._regression import MultiTaskLinearRegressor, RegressionPredictionMixin

__all__ = [
    "MultiTaskLinearClassifierCV",
    "MultiTaskLinearRegressorCV",
    "MultiTaskLogisticRegressionCV",
    "scored_path",
]


def scored_path(data, penalty, alphas, train, test):
    """Validation scores along the alpha path of one fold.

    Parameters
    ----------
    data : dict
        ``X`` and ``y`` (as given to ``fit``), ``sample_weight`` (validated,
        or None), ``mask`` and ``task_names`` (of the validated targets),
        ``estimator`` (the unfitted generic estimator) and ``scorer``.
    penalty : penalty object
        The penalty whose strength the path varies.
    alphas : ndarray of shape (n_alphas,)
        The alphas, decreasing.
    train, test : ndarray of int
        The rows of the split.

    Returns
    -------
    scores : ndarray of shape (n_alphas,)
        ``scorer(model, X[test], y[test])`` for the model at each alpha (with
        ``sample_weight=sample_weight[test]`` when ``fit`` had sample weights).
    """
    X, y, sample_weight = data["X"], data["y"], data["sample_weight"]
    estimator, scorer = data["estimator"], data["scorer"]
    check_fold_labels(data["mask"], train, data["task_names"])
    problem = estimator._fit_problem(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        None if sample_weight is None else sample_weight[train],
    )
    estimator._checked_penalty(
        problem.X.shape[1], problem.datafit.n_outputs, problem.n_tasks
    )
    design, datafit = prepare(problem.X, problem.datafit)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight[test]}
    scores = np.empty(len(alphas))
    path = warm_path(
        design, datafit, penalty, alphas, solver=estimator.solver,
        max_iter=estimator.max_iter, tol=estimator.tol,
        fit_intercept=estimator.fit_intercept,
    )  # fmt: skip
    for k, (_, result, _) in enumerate(path):
        model = copy.copy(estimator)
        commit_fitted(model, {**problem.fitted, **problem.outputs(result)})
        scores[k] = scorer(model, X_test, y_test, **kwargs)
    return scores


class _ScoredCV(LinearModelCV):
    """The generic models: each alpha of a fold's path scored by a scorer."""

    _parameter_constraints = {
        **LinearModelCV._parameter_constraints,
        "scoring": [str, callable, None],
    }
    _greater_is_better = True

    #: The metric of ``scoring=None``.
    _default_metric = None

    def _penalty_template(self):
        """The penalty whose strength is searched (its ratios fixed)."""
        raise NotImplementedError

    def _scorer(self):
        if callable(self.scoring):
            return self.scoring
        if self.scoring is not None:
            return make_multitask_scorer(self.scoring)
        if self.task_weights is None:
            return make_multitask_scorer(self._default_metric)
        return make_multitask_scorer(
            self._default_metric, task_weights=self.task_weights
        )

    def _prepare_search(self, X, y, X_valid, targets, task_weights, sample_weight):
        # Row subsets of X and y as GridSearchCV takes them (X as validated:
        # a DataFrame stays one, a sparse matrix becomes CSR).
        X, y = indexable(X_valid, y)
        estimator = self._estimator(self._penalty_template())
        problem = estimator._fit_problem(X, y, sample_weight)
        penalty = estimator._checked_penalty(
            problem.X.shape[1], problem.datafit.n_outputs, problem.n_tasks
        )
        design, datafit = prepare(problem.X, problem.datafit)
        alphas = self._alphas(design, datafit, penalty)[np.newaxis]
        data = {
            "X": X,
            "y": y,
            "sample_weight": sample_weight,
            "mask": targets.mask,
            "task_names": targets.task_names,
            "estimator": estimator,
            "scorer": self._scorer(),
        }
        return scored_path, data, [penalty], alphas

    def _path_attributes(self, penalties, alphas, paths, best, penalty):
        return {
            "alphas_": alphas[0],
            "scores_path_": paths[0],
            "penalty_": penalty,
            "scorer_": self._scorer(),
        }


_CV_PARAMETERS = """\
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the alphas themselves. The
        automatic grid is log-spaced from ``alpha_max``, the smallest
        strength that zeroes every coefficient, down to ``eps * alpha_max``,
        for the penalties that have one (L1, L21, L21ElasticNet with
        ``l1_ratio > 0``, TraceNorm, Dirty with both strengths positive).
        For the penalties that only shrink the coefficients (L2,
        MeanRegularized, GraphLaplacian, Clustered, TaskRelationship) it is
        log-spaced from ``alpha_0 / sqrt(eps)`` down to
        ``alpha_0 * sqrt(eps)``, around the strength ``alpha_0`` at which the
        penalty's largest curvature equals the datafit's (see
        :func:`multitask_path`).
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of the automatic grid, in
        ``(0, 1]``.
    fit_intercept : bool, default=True
        Whether to fit per-task intercepts (never penalized).
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit, rescaled to mean 1, and in the
        default validation metric.
    cv : int, cross-validation generator, iterable or None, default=None
        None or an integer ``k``: ``k``-fold
        :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold` (5 by
        default), which keeps every task labelled in every training fold{stratified}.
        Otherwise any splitter scikit-learn accepts.
    n_jobs : int or None, default=None
        Number of folds fitted in parallel (joblib).
    scoring : str, callable or None, default=None
        How a model is scored on the validation rows of a fold (greater is
        better). None: {default_metric}, on the observed labels of each task
        (weighted by ``task_weights``), averaged over the tasks. A string:
        a metric name of :func:`~sklearn_mtl.metrics.make_multitask_scorer`
        (mean over tasks, unweighted). A callable: a scorer
        ``scorer(estimator, X, y)``, as for ``GridSearchCV``; it gets
        ``sample_weight=`` the validation rows' weights when ``fit`` has
        sample weights.
    solver : {{"auto", "bcd", "fista"}}, default="auto"
        See :class:`{generic}`.
    max_iter : int, default=5000
        Maximum number of epochs or iterations per alpha.
    tol : float, default=1e-4
        Tolerance of each fit, as in :class:`{generic}`."""

_SEARCH = """
    For each fold, the regularization path of the penalty is fitted on the
    training rows with warm starts (:func:`multitask_path`), from the largest
    alpha down; the model at each alpha is scored on the validation rows by
    ``scoring``, as :class:`~sklearn.model_selection.GridSearchCV` with the
    same alphas, folds and scorer would score it. The alpha with the best
    mean score over the folds (the largest such alpha on a tie) is refitted
    on all rows.

    The searched alpha is the penalty's first strength parameter: ``alpha``,
    or ``alpha_group`` for :class:`Dirty`. The penalty's other strengths
    (``alpha_sparse`` of :class:`Dirty`; ``beta`` of
    :class:`MeanRegularized`, :class:`GraphLaplacian`, :class:`Clustered`
    and :class:`TaskRelationship`) keep their ratio to it, so that the path
    scales the whole penalty, and its other parameters (``l1_ratio``,
    ``adjacency``, ``n_clusters``) stay as given. The value of the searched
    strength in ``penalty`` only fixes those ratios.
"""

_ATTRIBUTES = """\
    alpha_ : float
        The chosen alpha.
    alphas_ : ndarray of shape (n_alphas,)
        The alphas tried, decreasing.
    scores_path_ : ndarray of shape (n_alphas, n_folds)
        Validation score of each alpha on each fold (greater is better:
        errors and losses are negated, as by scikit-learn's scorers).
    penalty_ : penalty object
        The penalty at ``alpha_``, refitted on all rows.
    scorer_ : callable
        The scorer used.
    coef_ : ndarray of shape {coef_shape}
        Coefficients of the refitted model.
    intercept_ : ndarray of shape {intercept_shape}
        Intercepts of the refitted model.
    n_iter_ : int
        Epochs or iterations of the final fit.
    dual_gap_ : float
        Duality gap of the final fit (NaN for the penalties without one).
    solver_ : str
        The solver of the final fit.{extra}
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of features seen in fit.
"""

_STRUCTURE = """
    coef_group_, coef_sparse_, task_clusters_, task_cluster_matrix_, \
task_covariance_
        As the refitted estimator has them, with :class:`Dirty`,
        :class:`Clustered` or :class:`TaskRelationship`."""

_CLASSIFIER_EXTRA = """
    output_task_ : ndarray of shape (n_outputs,)
        Task of each row of ``coef_``.
    classes_ : list of ndarray
        Classes of each task (one array when fitted on 1-D ``y``)."""


_MISSING_LABEL = """
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label for targets that cannot hold NaN
        (such as ``-1`` in an integer array); NaN and None always mark one."""

_STRATIFIED = (
    ",\n        and the classes of each task in about the same shares in every fold"
)

_REGRESSOR_PARAMETERS = _CV_PARAMETERS.format(
    stratified="",
    default_metric="the mean squared error",
    generic="MultiTaskLinearRegressor",
)
_REGRESSOR_ATTRIBUTES = _ATTRIBUTES.format(
    coef_shape="(n_tasks, n_features) or (n_features,)",
    intercept_shape="(n_tasks,) or float",
    extra=_STRUCTURE,
)
_CLASSIFIER_PARAMETERS = (
    _CV_PARAMETERS.format(
        stratified=_STRATIFIED,
        default_metric="the log loss",
        generic="MultiTaskLinearClassifier",
    )
    + _MISSING_LABEL
)
_CLASSIFIER_ATTRIBUTES = _ATTRIBUTES.format(
    coef_shape="(n_outputs, n_features)",
    intercept_shape="(n_outputs,)",
    extra=_CLASSIFIER_EXTRA + _STRUCTURE,
)
_LOGISTIC_PARAMETERS = (
    _CV_PARAMETERS.format(
        stratified=_STRATIFIED,
        default_metric="the log loss",
        generic="MultiTaskLogisticRegression",
    )
    + _MISSING_LABEL
)
_LOGISTIC_ATTRIBUTES = _ATTRIBUTES.format(
    coef_shape="(n_outputs, n_features)",
    intercept_shape="(n_outputs,)",
    extra=_CLASSIFIER_EXTRA,
)


class MultiTaskLinearRegressorCV(
    RegressionPredictionMixin, MultiTaskRegressorMixin, _ScoredCV
):
    __doc__ = f"""Multi-task linear regression with the penalty strength chosen by CV.

    The model of :class:`MultiTaskLinearRegressor`, with the strength of its
    penalty chosen by cross-validation.
    {_SEARCH}
    Parameters
    ----------
    penalty : penalty object or None, default=None
        The penalty whose strength is searched; None means :class:`L21`.
{_REGRESSOR_PARAMETERS}

    Attributes
    ----------
{_REGRESSOR_ATTRIBUTES}
    See Also
    --------
    multitask_path : The regularization path of any penalty.
    MultiTaskLassoCV : The lasso, scored by the pooled squared error.
{NOTES}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLinearRegressorCV, TraceNorm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> Y = X @ rng.standard_normal((8, 4)) + 0.5 * rng.standard_normal((60, 4))
    >>> Y[::3, 1] = np.nan
    >>> model = MultiTaskLinearRegressorCV(TraceNorm(), alphas=10, cv=3).fit(X, Y)
    >>> model.scores_path_.shape
    (10, 3)
    >>> model.penalty_.alpha == model.alpha_
    True
    """

    _parameter_constraints = {
        **_ScoredCV._parameter_constraints,
        # Checked at fit by check_penalty (see MultiTaskLinearRegressor).
        "penalty": "no_validation",
    }
    _default_metric = "mean_squared_error"

    def __init__(
        self,
        penalty=None,
        *,
        alphas=100,
        eps=1e-3,
        fit_intercept=True,
        task_weights=None,
        cv=None,
        n_jobs=None,
        scoring=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
    ):
        self.penalty = penalty
        self.alphas = alphas
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.cv = cv
        self.n_jobs = n_jobs
        self.scoring = scoring
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol

    def _penalty_template(self):
        return check_penalty(self.penalty, L21(), type(self).__name__)

    def _estimator(self, penalty):
        return MultiTaskLinearRegressor(
            penalty, fit_intercept=self.fit_intercept,
            task_weights=self.task_weights, solver=self.solver,
            max_iter=self.max_iter, tol=self.tol,
        )  # fmt: skip


class _ClassifierCV(ClassificationPredictionMixin, MultiTaskClassifierMixin, _ScoredCV):
    """The logistic-loss models: stratified folds, log loss by default."""

    _parameter_constraints = {
        **_ScoredCV._parameter_constraints,
        "missing_label": [Real, str, None],
    }
    _stratify = "classification"
    _default_metric = "log_loss"

    def _split_targets(self, y, targets):
        return y

    def _prepare_search(self, X, y, X_valid, targets, task_weights, sample_weight):
        if self.scoring is None:
            for t, classes in enumerate(targets.classes):
                if classes.size > 1:
                    continue
                raise ValueError(
                    f"Task {task_label(t, targets.task_names)} has a single "
                    f"observed class ({classes.tolist()[0]!r}): the log loss that "
                    f"{type(self).__name__} compares alphas with by default is "
                    "undefined for it. Give the task labels of two classes, drop "
                    "it, or pass another scoring."
                )
        return super()._prepare_search(
            X, y, X_valid, targets, task_weights, sample_weight
        )

    def _estimator_params(self):
        return {
            "fit_intercept": self.fit_intercept,
            "task_weights": self.task_weights,
            "solver": self.solver,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "missing_label": self.missing_label,
        }


class MultiTaskLinearClassifierCV(_ClassifierCV):
    __doc__ = f"""Multi-task linear classification, the penalty strength chosen by CV.

    The model of :class:`MultiTaskLinearClassifier`, with the strength of
    its penalty chosen by cross-validation.
    {_SEARCH}
    Parameters
    ----------
    penalty : penalty object or None, default=None
        The penalty whose strength is searched; None means :class:`L21`.
{_CLASSIFIER_PARAMETERS}

    Attributes
    ----------
{_CLASSIFIER_ATTRIBUTES}
    See Also
    --------
    multitask_path : The regularization path of any penalty.
    MultiTaskLogisticRegressionCV : The L21 preset.
{NOTES}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLinearClassifierCV
    >>> from sklearn_mtl.linear_model import MeanRegularized
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((90, 4))
    >>> noisy = X + rng.standard_normal((90, 4))
    >>> Y = np.column_stack([noisy[:, 0] > 0, noisy[:, 0] + noisy[:, 1] > 0])
    >>> Y = Y.astype(float)
    >>> Y[::5, 1] = np.nan
    >>> clf = MultiTaskLinearClassifierCV(MeanRegularized(), alphas=8, cv=3)
    >>> clf.fit(X, Y).scores_path_.shape
    (8, 3)
    """

    _parameter_constraints = {
        **_ClassifierCV._parameter_constraints,
        # Checked at fit by check_penalty (see MultiTaskLinearClassifier).
        "penalty": "no_validation",
    }

    def __init__(
        self,
        penalty=None,
        *,
        alphas=100,
        eps=1e-3,
        fit_intercept=True,
        task_weights=None,
        cv=None,
        n_jobs=None,
        scoring=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        missing_label=None,
    ):
        self.penalty = penalty
        self.alphas = alphas
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.cv = cv
        self.n_jobs = n_jobs
        self.scoring = scoring
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.missing_label = missing_label

    def _penalty_template(self):
        return check_penalty(self.penalty, L21(), type(self).__name__)

    def _estimator(self, penalty):
        return MultiTaskLinearClassifier(penalty, **self._estimator_params())


class MultiTaskLogisticRegressionCV(_ClassifierCV):
    __doc__ = f"""Multi-task logistic regression with ``alpha`` chosen by CV.

    :class:`MultiTaskLogisticRegression` (the L2,1 penalty
    ``alpha * sum_j ||W[j, :]||_2``), with ``alpha`` chosen by
    cross-validation.
    {_SEARCH}
    Parameters
    ----------
{_LOGISTIC_PARAMETERS}

    Attributes
    ----------
{_LOGISTIC_ATTRIBUTES}
    See Also
    --------
    MultiTaskLinearClassifierCV : Any penalty.
{NOTES}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLogisticRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((90, 6))
    >>> noisy = X + rng.standard_normal((90, 6))
    >>> Y = np.column_stack([noisy[:, 0] > 0, noisy[:, 0] - noisy[:, 1] > 0])
    >>> clf = MultiTaskLogisticRegressionCV(alphas=10, cv=3).fit(X, Y)
    >>> clf.alphas_.shape, clf.scores_path_.shape
    ((10,), (10, 3))
    """

    def __init__(
        self,
        *,
        alphas=100,
        eps=1e-3,
        fit_intercept=True,
        task_weights=None,
        cv=None,
        n_jobs=None,
        scoring=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        missing_label=None,
    ):
        self.alphas = alphas
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.cv = cv
        self.n_jobs = n_jobs
        self.scoring = scoring
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.missing_label = missing_label

    def _penalty_template(self):
        return L21()

    def _estimator(self, penalty):
        return MultiTaskLogisticRegression(
            alpha=penalty.alpha, **self._estimator_params()
        )
