"""Cross-validated multi-task lasso and elastic net: warm-started alpha paths."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.parallel import Parallel, delayed

from ..base import MultiTaskRegressorMixin
from ..model_selection import MultiTaskStratifiedKFold
from ..utils._targets import task_label
from ._base import (
    COMMON_CONSTRAINTS,
    NOTES,
    HintedParameterValidation,
    LinearPredictionMixin,
    as_design,
    check_magnitudes,
    commit_fitted,
    observed_weights,
    solve,
    validate_on_scratch,
)
from ._datafits import Squared
from ._design import prepare
from ._penalties import L21ElasticNet
from ._regression import MultiTaskElasticNet, MultiTaskLasso
from ._solver_base import null_gradient

__all__ = ["MultiTaskElasticNetCV", "MultiTaskLassoCV", "alpha_grid"]


def alpha_grid(
    design, datafit, l1_ratio=1.0, *, eps=1e-3, n_alphas=100, fit_intercept=True
):
    """Decreasing alphas from ``alpha_max`` down to ``eps * alpha_max``, log-spaced.

    ``alpha_max`` is the smallest ``alpha`` for which all coefficients are
    zero: ``max_j ||X_j^T G||_2 / l1_ratio`` with ``G`` the datafit gradient at
    ``W = 0`` (best intercepts), over observed labels with their weights. For
    the squared datafit, ``(X_j^T G)_t = -(w_t / m) * sum_{i in O_t} s_i x_ij
    (y_it - b_t)`` with ``b_t`` the weighted mean of task ``t``'s labels and
    ``m`` the mean total sample weight of the observed labels per task: rows
    without labels add nothing, and a common factor on the sample weights
    cancels.

    Parameters
    ----------
    design : DenseDesign or ObservedDesign
        The design matrix on the datafit's entries (:func:`~._design.prepare`).
    datafit : Squared
        Datafit on the training rows, on the entries of ``design``.
    l1_ratio : float, default=1.0
        Share of the L2,1 term of the elastic net (1 for the lasso).
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha.
    n_alphas : int, default=100
        Number of alphas.
    fit_intercept : bool, default=True
        Whether the intercepts are fitted (they are at their best at ``W=0``).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    """
    intercept = (
        datafit.null_intercept() if fit_intercept else np.zeros(datafit.n_outputs)
    )
    minus_gradient = -null_gradient(design, datafit, intercept)
    alpha_max = L21ElasticNet(alpha=1.0, l1_ratio=l1_ratio).alpha_max(minus_gradient)
    if alpha_max <= 0:
        alpha_max = np.finfo(float).eps
    return np.geomspace(alpha_max, alpha_max * eps, n_alphas)


def _float_array(values):
    """``values`` as a float64 array, or None when they are not numbers."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _fold_path(X, Y, mask, sample_weight, task_weights, train, test, l1_ratio, alphas,
               options, solver, task_names):  # fmt: skip
    """Validation mean squared error along the alpha path of one fold."""
    for t in np.flatnonzero(~mask[train].any(axis=0)):
        raise ValueError(
            f"Task {task_label(t, task_names)} has no observed label in the "
            "training rows of a cross-validation split; use "
            "cv=MultiTaskStratifiedKFold(...), which keeps every task labelled in "
            "every training fold."
        )
    train_weight = None if sample_weight is None else sample_weight[train]
    design, datafit = prepare(
        X[train],
        Squared(Y[train], observed_weights(mask[train], train_weight), task_weights),
    )
    test_weights = mask[test] * task_weights
    if sample_weight is not None:
        test_weights = test_weights * sample_weight[test][:, np.newaxis]
    coefs = np.zeros((1, X.shape[1], Y.shape[1]))
    intercept = (
        datafit.null_intercept() if options["fit_intercept"] else np.zeros(Y.shape[1])
    )
    errors = np.empty(len(alphas))
    for k, alpha in enumerate(alphas):
        penalty = L21ElasticNet(alpha=alpha, l1_ratio=l1_ratio)
        result, _ = solve(
            design, datafit, penalty, solver=solver, coefs=coefs,
            intercept=intercept, **options,
        )  # fmt: skip
        coefs, intercept = result.coefs, result.intercept
        predictions = np.asarray(X[test] @ coefs[0]) + intercept
        residuals = np.where(mask[test], Y[test] - predictions, 0.0)
        errors[k] = np.sum(test_weights * residuals**2) / test_weights.sum()
    return errors


class _MultiTaskLinearModelCV(
    LinearPredictionMixin,
    MultiTaskRegressorMixin,
    HintedParameterValidation,
    BaseEstimator,
):
    """Alpha (and l1_ratio) by cross-validation, then a refit on all rows."""

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "eps": [Interval(Real, 0, 1, closed="right")],
        # An array of alphas is checked further in _validate_params.
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
    }

    def _validate_params(self):
        """scikit-learn's constraints, then the values of array parameters.

        An array of ``alphas`` (or of ``l1_ratio``) passes the declarative
        constraint "array-like" whatever it holds; its values are checked
        here, with a message in the same form.
        """
        super()._validate_params()
        if isinstance(self.alphas, bool):
            self._invalid("alphas", "an int in the range [1, inf) or an array-like")
        if not isinstance(self.alphas, Integral):
            alphas = _float_array(self.alphas)
            if (
                alphas is None
                or alphas.ndim != 1
                or alphas.size == 0
                or not (np.all(np.isfinite(alphas)) and np.all(alphas >= 0))
            ):
                self._invalid(
                    "alphas",
                    "an int in the range [1, inf) or a non-empty 1-D array-like "
                    "of finite floats >= 0",
                )

    def _invalid(self, name, expected):
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(self).__name__} must be {expected}. "
            f"Got {getattr(self, name)!r} instead."
        )

    def _l1_ratios(self):
        raise NotImplementedError

    def _final_estimator(self, alpha, l1_ratio):
        raise NotImplementedError

    def _splitter(self):
        if self.cv is None:
            return MultiTaskStratifiedKFold(n_splits=5)
        if isinstance(self.cv, Integral) and not isinstance(self.cv, bool):
            return MultiTaskStratifiedKFold(n_splits=self.cv)
        return check_cv(self.cv)

    def _alphas(self, design, datafit, l1_ratio):
        if isinstance(self.alphas, Integral):
            return alpha_grid(
                design, datafit, l1_ratio, eps=self.eps, n_alphas=self.alphas,
                fit_intercept=self.fit_intercept,
            )  # fmt: skip
        return np.sort(_float_array(self.alphas))[::-1]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose the penalty by cross-validation, then fit on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets, NaN where a label is missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_input, y_input = X, y
        X, targets, task_weights, sample_weight, fitted = validate_on_scratch(
            self, X, y, sample_weight
        )
        X = as_design(X)
        if X.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to cross-validate; "
                f"got n_samples = {X.shape[0]}."
            )
        Y = np.where(targets.mask, targets.values, 0.0)
        check_magnitudes(X, Y, targets.task_names)
        design, datafit = prepare(
            X, Squared(Y, observed_weights(targets.mask, sample_weight), task_weights)
        )
        l1_ratios = self._l1_ratios()
        alphas = np.array([self._alphas(design, datafit, ratio) for ratio in l1_ratios])
        splits = list(self._splitter().split(X, targets.values))
        options = {
            "max_iter": self.max_iter,
            "tol": self.tol,
            "fit_intercept": self.fit_intercept,
        }
        jobs = [
            (i, train, test) for i in range(len(l1_ratios)) for train, test in splits
        ]
        errors = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_path)(
                X, Y, targets.mask, sample_weight, task_weights, train, test,
                l1_ratios[i], alphas[i], options, self.solver, targets.task_names,
            )
            for i, train, test in jobs
        )  # fmt: skip
        mse_path = np.array(errors).reshape(len(l1_ratios), len(splits), -1)
        mse_path = mse_path.transpose(0, 2, 1)
        best_ratio, best_alpha = np.unravel_index(
            np.argmin(mse_path.mean(axis=2)), mse_path.shape[:2]
        )
        alpha = float(alphas[best_ratio, best_alpha])
        l1_ratio = float(l1_ratios[best_ratio])
        final = self._final_estimator(alpha, l1_ratio)
        # An alpha chosen at alpha_max (no feature helps) is the answer of the
        # cross-validation, not a mistake of the user's: no warning.
        final._warn_at_alpha_max = False
        final.fit(X_input, y_input, sample_weight=sample_weight)
        fitted.update(
            self._path_attributes(alphas, mse_path, l1_ratio),
            alpha_=alpha,
            n_iter_=final.n_iter_,
            dual_gap_=final.dual_gap_,
            coef_=final.coef_,
            intercept_=final.intercept_,
        )
        commit_fitted(self, fitted)
        return self

    def _path_attributes(self, alphas, mse_path, l1_ratio):
        """The fitted attributes that describe the path (``alphas_``...)."""
        raise NotImplementedError

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_CV_PARAMETERS = """
    eps : float, default=1e-3
        Ratio ``alpha_min / alpha_max`` of the automatic grid, in ``(0, 1]``.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, log-spaced from ``alpha_max``
        (the smallest alpha that zeroes every coefficient) down, or the alphas
        themselves.
    fit_intercept : bool, default=True
        Whether to fit a per-task intercept (never penalized).
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task in the datafit and in the validation error.
    cv : int, cross-validation generator, iterable or None, default=None
        None or an integer ``k``: ``k``-fold
        :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold` (5 by
        default), which keeps every task labelled in every training fold.
        Otherwise any splitter scikit-learn accepts.
    n_jobs : int or None, default=None
        Number of folds (and l1 ratios) fitted in parallel.
    solver : {"auto", "bcd", "fista"}, default="auto"
        See :class:`MultiTaskLinearRegressor`.
    max_iter : int, default=5000
        Maximum number of epochs per alpha.
        Enough, with standardized features, for every estimator on every real
        data set of the package (``benchmarks/linear_defaults.py``).
    tol : float, default=1e-4
        Duality-gap tolerance per alpha, as in :class:`MultiTaskLasso`.
"""


class MultiTaskLassoCV(_MultiTaskLinearModelCV):
    __doc__ = f"""Multi-task lasso with ``alpha`` chosen by cross-validation.

    For each fold, the lasso path over ``alphas_`` is fitted with warm starts
    on the training rows; the alpha with the smallest mean validation error
    (weighted mean squared error over the observed labels) is refitted on all
    rows. The objective is :class:`MultiTaskLasso`'s.

    Parameters
    ----------
    {_CV_PARAMETERS}
    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
    alphas_ : ndarray of shape (n_alphas,)
        The alphas tried, decreasing.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Validation error of each alpha on each fold.
    coef_ : ndarray of shape (n_tasks, n_features) or (n_features,)
        Coefficients of the refitted model.
    intercept_ : ndarray of shape (n_tasks,) or float
        Intercepts of the refitted model.
    n_iter_ : int
        Epochs of the final fit.
    dual_gap_ : float
        Duality gap of the final fit (>= 0).
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of features seen in fit.
{NOTES}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 10))
    >>> Y = X[:, :2] @ rng.standard_normal((2, 3)) + 0.1 * rng.standard_normal((60, 3))
    >>> Y[::3, 1] = np.nan
    >>> model = MultiTaskLassoCV(alphas=20, cv=3).fit(X, Y)
    >>> model.mse_path_.shape
    (20, 3)
    >>> bool(np.all(model.coef_[:, 2:] == 0))
    True
    """

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        task_weights=None,
        cv=None,
        n_jobs=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.cv = cv
        self.n_jobs = n_jobs
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol

    def _l1_ratios(self):
        return np.array([1.0])

    def _final_estimator(self, alpha, l1_ratio):
        return MultiTaskLasso(
            alpha=alpha, fit_intercept=self.fit_intercept,
            task_weights=self.task_weights, solver=self.solver,
            max_iter=self.max_iter, tol=self.tol,
        )  # fmt: skip

    def _path_attributes(self, alphas, mse_path, l1_ratio):
        return {"alphas_": alphas[0], "mse_path_": mse_path[0]}


class MultiTaskElasticNetCV(_MultiTaskLinearModelCV):
    __doc__ = f"""Multi-task elastic net with alpha and l1_ratio by cross-validation.

    For each l1 ratio and fold, the elastic-net path over its alphas is
    fitted with warm starts on the training rows; the pair with the smallest
    mean validation error (weighted mean squared error over the observed
    labels) is refitted on all rows. The objective is
    :class:`MultiTaskElasticNet`'s.

    Parameters
    ----------
    l1_ratio : float or array-like of float, default=0.5
        The l1 ratio(s) to try, in ``(0, 1]``.
    {_CV_PARAMETERS}
    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
    l1_ratio_ : float
        The chosen l1 ratio.
    alphas_ : ndarray of shape (n_l1_ratio, n_alphas) or (n_alphas,)
        The alphas tried for each l1 ratio (1-D for a single l1 ratio).
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds) or (n_alphas, n_folds)
        Validation error of each pair on each fold.
    coef_ : ndarray of shape (n_tasks, n_features) or (n_features,)
        Coefficients of the refitted model.
    intercept_ : ndarray of shape (n_tasks,) or float
        Intercepts of the refitted model.
    n_iter_ : int
        Epochs of the final fit.
    dual_gap_ : float
        Duality gap of the final fit (>= 0).
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of features seen in fit.
{NOTES}
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskElasticNetCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 10))
    >>> Y = X[:, :2] @ rng.standard_normal((2, 3))
    >>> model = MultiTaskElasticNetCV(l1_ratio=[0.5, 1.0], alphas=10, cv=3).fit(X, Y)
    >>> model.mse_path_.shape
    (2, 10, 3)
    """

    _parameter_constraints = {
        **_MultiTaskLinearModelCV._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="right"), "array-like"],
    }

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        task_weights=None,
        cv=None,
        n_jobs=None,
        solver="auto",
        max_iter=5000,
        tol=1e-4,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.cv = cv
        self.n_jobs = n_jobs
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol

    def _validate_params(self):
        super()._validate_params()
        if np.ndim(self.l1_ratio) == 0:
            return  # a number, checked by the declarative constraint
        ratios = _float_array(self.l1_ratio)
        if (
            ratios is None
            or ratios.ndim != 1
            or ratios.size == 0
            or not (np.all(ratios > 0) and np.all(ratios <= 1))
        ):
            self._invalid(
                "l1_ratio",
                "a float in the range (0.0, 1.0] or a non-empty 1-D array-like of "
                "such floats",
            )

    def _l1_ratios(self):
        return np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))

    def _final_estimator(self, alpha, l1_ratio):
        return MultiTaskElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, fit_intercept=self.fit_intercept,
            task_weights=self.task_weights, solver=self.solver,
            max_iter=self.max_iter, tol=self.tol,
        )  # fmt: skip

    def _path_attributes(self, alphas, mse_path, l1_ratio):
        if np.ndim(self.l1_ratio) == 0:
            alphas, mse_path = alphas[0], mse_path[0]
        return {"alphas_": alphas, "mse_path_": mse_path, "l1_ratio_": l1_ratio}
