"""Multi-task linear regression with any penalty; lasso and elastic net presets."""

from functools import partial
from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from ..base import MultiTaskRegressorMixin
from ._base import (
    ALPHA_MAX_NOTE,
    NOTES,
    FitProblem,
    LinearPredictionMixin,
    MultiTaskLinearModel,
    as_design,
    check_magnitudes,
    check_penalty,
    labelled_rows,
    observed_weights,
)
from ._datafits import Squared
from ._penalties import L21, L21ElasticNet

__all__ = [
    "MultiTaskElasticNet",
    "MultiTaskLasso",
    "MultiTaskLinearRegressor",
    "RegressionPredictionMixin",
    "regression_outputs",
]

_OBJECTIVE = """
    The datafit is the squared loss on the observed labels only:
    ``(1/(2m)) * sum_t w_t * sum_{i in O_t} s_i (y_it - x_i W[:, t] - b_t)^2``
    with ``W = coef_.T`` of shape (n_features, n_tasks), ``b = intercept_``
    (per task, never penalized), ``O_t`` the rows where task ``t`` is observed
    (not NaN), ``w_t`` the task weights rescaled to mean 1, ``s_i`` the
    sample weights (1 by default) and ``m = (1/T) * sum_t sum_{i in O_t} s_i``
    the mean total sample weight of the observed labels per task (``T`` tasks).
    With every label observed and unit weights, ``m = n``, the number of rows.
    A row without any label changes nothing, nor does multiplying all sample
    weights by a constant.
"""


def regression_outputs(result, single_output):
    """``coef_`` and ``intercept_`` of a solution of the squared datafit."""
    W = result.coefs.sum(axis=0)
    if single_output:
        return {"coef_": W[:, 0].copy(), "intercept_": float(result.intercept[0])}
    return {"coef_": W.T.copy(), "intercept_": result.intercept.copy()}


class RegressionPredictionMixin(LinearPredictionMixin):
    """``predict`` of the squared-loss models, from ``coef_`` and ``intercept_``."""

    def predict(self, X):
        """Predict every task for every row: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predictions; 1-D when fitted on 1-D ``y``.
        """
        predictions = self._linear_predictions(X)
        return predictions[:, 0] if self._single_output else predictions


class _RegressorBase(
    RegressionPredictionMixin, MultiTaskRegressorMixin, MultiTaskLinearModel
):
    """Fit, predict and fitted attributes of the squared-loss models."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model on the observed labels of every task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets, NaN where a label is missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; only their ratios matter.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def _fit_problem(self, X, y, sample_weight):
        X, targets, task_weights, sample_weight, fitted = self._validate_fit_inputs(
            X, y, sample_weight
        )
        X, mask, values, sample_weight = labelled_rows(
            as_design(X), targets.mask, targets.values, sample_weight
        )
        Y = np.zeros(values.shape, order="F")  # the compiled epochs' order
        np.copyto(Y, values, where=mask)
        check_magnitudes(X, Y, targets.task_names)
        datafit = Squared(Y, observed_weights(mask, sample_weight), task_weights)
        return FitProblem(
            X, datafit, targets.n_tasks, fitted,
            partial(regression_outputs, single_output=targets.single_output),
        )  # fmt: skip


class MultiTaskLinearRegressor(_RegressorBase):
    __doc__ = f"""Multi-task linear regression with a multi-task penalty.

    Minimizes ``datafit + penalty(W)``.
    {_OBJECTIVE}
    The penalty is any of :class:`L1`, :class:`L2`, :class:`L21`,
    :class:`L21ElasticNet`, :class:`Dirty`, :class:`TraceNorm`,
    :class:`MeanRegularized`, :class:`GraphLaplacian`, :class:`Clustered` and
    :class:`TaskRelationship`; see each for its formula.

    Parameters
    ----------
    penalty : penalty object or None, default=None
        The penalty on ``W``; None means ``L21(alpha=1.0)``, the multi-task
        lasso. Its parameters grid-search as ``penalty__alpha`` and whole
        penalty objects as ``penalty``.
    fit_intercept : bool, default=True
        Whether to fit a per-task intercept (never penalized).
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit, rescaled to mean 1.
    solver : {{"auto", "bcd", "fista"}}, default="auto"
        ``"bcd"``: block coordinate descent with working sets and gap-safe
        screening, for penalties that are a sum over features (L1, L2, L21,
        L21ElasticNet, Dirty). ``"fista"``: accelerated proximal gradient, for
        any penalty. ``"auto"`` picks ``"bcd"`` when it applies and ``"fista"``
        otherwise.
    max_iter : int, default=5000
        Maximum number of epochs (``"bcd"``) or iterations (``"fista"``).
        Enough, with standardized features, for every estimator on every real
        data set of the package (``benchmarks/linear_defaults.py``).
    tol : float, default=1e-4
        The solver stops when the duality gap is at most
        ``tol * ||Y - Y_mean||^2 / m`` (weighted, over observed labels), as in
        scikit-learn; for penalties without a computable gap (MeanRegularized
        and GraphLaplacian with ``beta=0``, Clustered) when the proximal
        gradient mapping is at most ``tol`` times the largest gradient entry
        at ``W = 0``.
    warm_start : bool, default=False
        Start from the fitted ``coef_`` and ``intercept_`` when refitting.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features) or (n_features,)
        ``W.T``; 1-D when fitted on 1-D ``y``.
    intercept_ : ndarray of shape (n_tasks,) or float
        Per-task intercepts.
    coef_group_, coef_sparse_ : ndarray of shape (n_tasks, n_features)
        With the :class:`Dirty` penalty only: the shared (row-sparse) and
        task-specific (sparse) parts, whose sum is ``coef_``.
    task_clusters_ : ndarray of int of shape (n_tasks,)
        With the :class:`Clustered` penalty only: the cluster of each task.
    task_cluster_matrix_ : ndarray of shape (n_tasks, n_tasks)
        With the :class:`Clustered` penalty only: the relaxed "same cluster"
        matrix ``M`` of the solution.
    task_covariance_ : ndarray of shape (n_tasks, n_tasks)
        With the :class:`TaskRelationship` penalty only: the learned task
        covariance ``Omega`` (unit trace).
    n_iter_ : int
        Epochs or iterations run.
    dual_gap_ : float
        Duality gap at the solution (>= 0); NaN for the penalties without one.
    solver_ : str
        The solver that ran: ``"bcd"`` or ``"fista"``.
    n_tasks_ : int
        Number of tasks.
    task_names_ : ndarray of str
        Task names, when ``y`` was a DataFrame.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    MultiTaskLasso : The L21 preset.
    MultiTaskLinearClassifier : The same penalties with the logistic loss.
    MultiTaskLinearRegressorCV : Chooses the penalty strength by
        cross-validation.
{NOTES}{ALPHA_MAX_NOTE}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLinearRegressor, TraceNorm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 5))
    >>> Y = X @ rng.standard_normal((5, 3))
    >>> Y[::4, 0] = np.nan
    >>> model = MultiTaskLinearRegressor(TraceNorm(alpha=0.1)).fit(X, Y)
    >>> model.coef_.shape
    (3, 5)
    >>> model.predict(X[:2]).shape
    (2, 3)
    """

    def __init__(
        self,
        penalty=None,
        *,
        fit_intercept=True,
        task_weights=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        warm_start=False,
    ):
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    _parameter_constraints = {
        **MultiTaskLinearModel._parameter_constraints,
        # Checked at fit by check_penalty (None or a penalty object, with the
        # closest class suggested for a string); a penalty object validates
        # its own parameters, with its own class name in the messages.
        "penalty": "no_validation",
    }

    def _penalty(self):
        return check_penalty(self.penalty, L21(), type(self).__name__)


class MultiTaskLasso(_RegressorBase):
    __doc__ = f"""Multi-task lasso: the L2,1 penalty ``alpha * sum_j ||W[j, :]||_2``.

    Minimizes ``datafit + alpha * sum_j ||W[j, :]||_2``: every feature is used
    by all tasks or by none.
    {_OBJECTIVE}
    On fully observed targets with uniform weights (``m = n``) this is exactly
    scikit-learn's :class:`~sklearn.linear_model.MultiTaskLasso` objective
    ``(1/(2n)) ||Y - XW||_F^2 + alpha ||W||_21`` and gives its solution.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``. Every coefficient is zero from
        ``alpha_max = max_j ||g_j||_2`` on, with
        ``g_jt = (w_t / m) * sum_{{i in O_t}} s_i x_ij (y_it - b_t)`` and
        ``b_t`` the weighted mean of the labels of task ``t`` (0 without
        intercept).
    fit_intercept : bool, default=True
        Whether to fit a per-task intercept (never penalized).
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit, rescaled to mean 1.
    solver : {{"auto", "bcd", "fista"}}, default="auto"
        See :class:`MultiTaskLinearRegressor`.
    max_iter : int, default=5000
        Maximum number of epochs.
        Enough, with standardized features, for every estimator on every real
        data set of the package (``benchmarks/linear_defaults.py``).
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||Y - Y_mean||^2 / m``.
    warm_start : bool, default=False
        Start from the fitted ``coef_`` and ``intercept_`` when refitting.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features) or (n_features,)
        ``W.T``; 1-D when fitted on 1-D ``y``.
    intercept_ : ndarray of shape (n_tasks,) or float
        Per-task intercepts.
    n_iter_ : int
        Epochs run.
    dual_gap_ : float
        Duality gap at the solution (>= 0).
    solver_ : str
        The solver that ran.
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of features seen in fit.

    See Also
    --------
    MultiTaskLassoCV : Chooses ``alpha`` by cross-validation.
{NOTES}{ALPHA_MAX_NOTE}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6))
    >>> Y = X[:, :2] @ np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 1.0]])
    >>> Y[::2, 0] = np.nan  # task 0 is labelled on half of the rows
    >>> model = MultiTaskLasso(alpha=0.1).fit(X, Y)
    >>> np.flatnonzero(np.any(model.coef_ != 0, axis=0))  # shared support
    array([0, 1])
    """

    _parameter_constraints = {
        **MultiTaskLinearModel._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
    }
    _alpha_search = "MultiTaskLassoCV"

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        task_weights=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        warm_start=False,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def _penalty(self):
        return L21(alpha=self.alpha)


class MultiTaskElasticNet(_RegressorBase):
    __doc__ = f"""Multi-task elastic net: L2,1 plus squared Frobenius penalty.

    Minimizes ``datafit + alpha * l1_ratio * ||W||_21
    + alpha * (1 - l1_ratio) / 2 * ||W||_F^2``.
    {_OBJECTIVE}
    On fully observed targets with uniform weights (``m = n``) this is exactly
    scikit-learn's :class:`~sklearn.linear_model.MultiTaskElasticNet`.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``.
    l1_ratio : float, default=0.5
        Share of the L2,1 term, in ``[0, 1]``.
    fit_intercept : bool, default=True
        Whether to fit a per-task intercept (never penalized).
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit, rescaled to mean 1.
    solver : {{"auto", "bcd", "fista"}}, default="auto"
        See :class:`MultiTaskLinearRegressor`.
    max_iter : int, default=5000
        Maximum number of epochs.
        Enough, with standardized features, for every estimator on every real
        data set of the package (``benchmarks/linear_defaults.py``).
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||Y - Y_mean||^2 / m``.
    warm_start : bool, default=False
        Start from the fitted ``coef_`` and ``intercept_`` when refitting.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features) or (n_features,)
        ``W.T``; 1-D when fitted on 1-D ``y``.
    intercept_ : ndarray of shape (n_tasks,) or float
        Per-task intercepts.
    n_iter_ : int
        Epochs run.
    dual_gap_ : float
        Duality gap at the solution (>= 0).
    solver_ : str
        The solver that ran.
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of features seen in fit.

    See Also
    --------
    MultiTaskElasticNetCV : Chooses ``alpha`` and ``l1_ratio`` by
        cross-validation.
{NOTES}{ALPHA_MAX_NOTE}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskElasticNet
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    >>> Y = np.array([[0.0, 0.0], [1.0, np.nan], [2.0, 2.0]])
    >>> MultiTaskElasticNet(alpha=0.1).fit(X, Y).coef_.shape
    (2, 2)
    """

    _parameter_constraints = {
        **MultiTaskLinearModel._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }
    _alpha_search = "MultiTaskElasticNetCV"

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        task_weights=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
        warm_start=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def _penalty(self):
        return L21ElasticNet(alpha=self.alpha, l1_ratio=self.l1_ratio)
