"""Cross-validated linear models: the strength chosen on warm-started paths.

Every ``*CV`` estimator of the package works the same way
(:class:`LinearModelCV`): for each fold (and each candidate penalty, such as
each ``l1_ratio`` of the elastic net) it fits the regularization path over
the grid of alphas on the training rows, with warm starts
(:func:`~._path.warm_path`), and evaluates each alpha on the validation
rows; the alpha with the best mean over the folds is refitted on all rows.
The folds run in parallel with joblib (``n_jobs``).

The estimators differ only in what a fold computes:
:class:`MultiTaskLassoCV` and :class:`MultiTaskElasticNetCV` compute the
weighted mean squared error over the validation labels directly from the
coefficients (:func:`squared_error_path`); the generic ones
(:mod:`._generic_cv`) score a model with the coefficients of each alpha with
a scorer, as a grid search would.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, InvalidParameterError

from ..base import MultiTaskRegressorMixin
from ..model_selection import MultiTaskStratifiedKFold
from ..utils._parallel import Parallel, delayed
from ..utils._targets import task_label
from ._base import (
    COMMON_CONSTRAINTS,
    NOTES,
    HintedParameterValidation,
    as_design,
    check_magnitudes,
    commit_fitted,
    observed_weights,
    validate_on_scratch,
)
from ._datafits import Squared
from ._design import prepare
from ._path import check_alphas, path_alphas, scaled_penalty, warm_path
from ._penalties import L21ElasticNet
from ._regression import (
    MultiTaskElasticNet,
    MultiTaskLasso,
    RegressionPredictionMixin,
)

__all__ = [
    "LinearModelCV",
    "MultiTaskElasticNetCV",
    "MultiTaskLassoCV",
    "alpha_grid",
    "check_fold_labels",
    "squared_error_path",
]


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
    return path_alphas(
        design, datafit, L21ElasticNet(alpha=1.0, l1_ratio=l1_ratio),
        n_alphas=n_alphas, eps=eps, fit_intercept=fit_intercept,
    )  # fmt: skip


def check_fold_labels(mask, train, task_names):
    """Raise if a task has no observed label in the training rows of a split.

    Parameters
    ----------
    mask : ndarray of bool of shape (n_samples, n_tasks)
        Where the labels are observed.
    train : ndarray of int
        The training rows of the split.
    task_names : array-like of str or None
        Task names, for the message.
    """
    for t in np.flatnonzero(~mask[train].any(axis=0)):
        raise ValueError(
            f"Task {task_label(t, task_names)} has no observed label in the "
            "training rows of a cross-validation split; use "
            "cv=MultiTaskStratifiedKFold(...), which keeps every task labelled in "
            "every training fold."
        )


def squared_error_path(data, penalty, alphas, train, test):
    """Validation mean squared error along the alpha path of one fold.

    The error is pooled over the observed validation labels, each weighted by
    its task weight and sample weight, and computed from the coefficients
    directly.

    Parameters
    ----------
    data : dict
        ``X`` (validated), ``Y`` (0 where missing), ``mask``,
        ``sample_weight``, ``task_weights``, ``task_names``, ``solver`` and
        ``options`` (``max_iter``, ``tol``, ``fit_intercept``).
    penalty : penalty object
        The penalty whose strength the path varies.
    alphas : ndarray of shape (n_alphas,)
        The alphas, decreasing.
    train, test : ndarray of int
        The rows of the split.

    Returns
    -------
    errors : ndarray of shape (n_alphas,)
    """
    X, Y, mask = data["X"], data["Y"], data["mask"]
    sample_weight, task_weights = data["sample_weight"], data["task_weights"]
    check_fold_labels(mask, train, data["task_names"])
    train_weight = None if sample_weight is None else sample_weight[train]
    design, datafit = prepare(
        X[train],
        Squared(Y[train], observed_weights(mask[train], train_weight), task_weights),
    )
    test_weights = mask[test] * task_weights
    if sample_weight is not None:
        test_weights = test_weights * sample_weight[test][:, np.newaxis]
    X_test, Y_test, test_mask = X[test], Y[test], mask[test]
    errors = np.empty(len(alphas))
    path = warm_path(
        design, datafit, penalty, alphas, solver=data["solver"], **data["options"]
    )
    for k, (_, result, _) in enumerate(path):
        predictions = np.asarray(X_test @ result.coefs.sum(axis=0)) + result.intercept
        residuals = np.where(test_mask, Y_test - predictions, 0.0)
        errors[k] = np.sum(test_weights * residuals**2) / test_weights.sum()
    return errors


class LinearModelCV(HintedParameterValidation, BaseEstimator):
    """The strength of a penalty by cross-validation, then a refit on all rows.

    Subclasses say what a fold computes and on which grid
    (:meth:`_prepare_search`), which estimator is refitted
    (:meth:`_estimator`) and which attributes describe the search
    (:meth:`_path_attributes`). The refit estimator's fitted attributes
    (``coef_``, ``intercept_``, ``n_iter_``...) become the CV estimator's,
    set together with the search's at the end of ``fit``.
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "eps": [Interval(Real, 0, 1, closed="right")],
        # An array of alphas is checked further in _validate_params.
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
    }

    #: ``target_type`` of the MultiTaskStratifiedKFold of ``cv=None`` or an int.
    _stratify = "auto"
    #: Whether a larger value of a fold's path is better (a score) or worse
    #: (an error).
    _greater_is_better = False

    def _validate_params(self):
        """scikit-learn's constraints, then the values of an array of alphas."""
        super()._validate_params()
        check_alphas(self.alphas, type(self).__name__)

    def _splitter(self):
        if self.cv is None or (
            isinstance(self.cv, Integral) and not isinstance(self.cv, bool)
        ):
            return MultiTaskStratifiedKFold(
                n_splits=5 if self.cv is None else self.cv,
                target_type=self._stratify,
                missing_label=getattr(self, "missing_label", None),
            )
        return check_cv(self.cv)

    def _alphas(self, design, datafit, penalty):
        """The alphas of ``alphas``, or the automatic grid of the penalty."""
        grid = check_alphas(self.alphas, type(self).__name__)
        if isinstance(grid, int):
            return path_alphas(
                design, datafit, penalty, n_alphas=grid, eps=self.eps,
                fit_intercept=self.fit_intercept,
            )  # fmt: skip
        return grid

    def _prepare_search(self, X, y, X_valid, targets, task_weights, sample_weight):
        """What the folds compute, and on which penalties and alphas.

        Returns
        -------
        fold_path : callable
            ``fold_path(data, penalty, alphas, train, test)``: the path of
            one fold, an ndarray of shape (n_alphas,).
        data : dict
            What ``fold_path`` needs (sent to the joblib workers).
        penalties : list of penalty objects
            The penalties whose strength the paths vary.
        alphas : ndarray of shape (n_penalties, n_alphas)
            The alphas of each penalty, decreasing.
        """
        raise NotImplementedError

    def _split_targets(self, y, targets):
        """The targets the splitter sees."""
        return targets.values

    def _estimator(self, penalty):
        """The estimator refitted with ``penalty`` (unfitted)."""
        raise NotImplementedError

    def _path_attributes(self, penalties, alphas, paths, best, penalty):
        """The fitted attributes that describe the search (``alphas_``...)."""
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose the penalty strength by cross-validation, then fit on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets, NaN (or another missing-label marker) where a label is
            missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: in the datafit of every fit, and in the
            validation metric.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_valid, targets, task_weights, sample_weight, fitted = validate_on_scratch(
            self, X, y, sample_weight
        )
        if X_valid.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to cross-validate; "
                f"got n_samples = {X_valid.shape[0]}."
            )
        fold_path, data, penalties, alphas = self._prepare_search(
            X, y, X_valid, targets, task_weights, sample_weight
        )
        splits = list(self._splitter().split(X_valid, self._split_targets(y, targets)))
        jobs = [
            (i, train, test) for i in range(len(penalties)) for train, test in splits
        ]
        paths = Parallel(n_jobs=self.n_jobs)(
            delayed(fold_path)(data, penalties[i], alphas[i], train, test)
            for i, train, test in jobs
        )
        paths = np.array(paths).reshape(len(penalties), len(splits), -1)
        paths = paths.transpose(0, 2, 1)
        mean = paths.mean(axis=2)
        if self._greater_is_better:
            best = np.argmax(np.where(np.isnan(mean), -np.inf, mean))
        else:
            best = np.argmin(np.where(np.isnan(mean), np.inf, mean))
        best = np.unravel_index(best, mean.shape)
        penalty = scaled_penalty(penalties[best[0]], alphas[best])
        final = self._estimator(penalty)
        # An alpha chosen at alpha_max (no feature helps) is the answer of the
        # cross-validation, not a mistake of the user's: no warning.
        final._warn_at_alpha_max = False
        before = set(vars(final))
        final.fit(X, y, sample_weight=sample_weight)
        fitted.update(
            {name: value for name, value in vars(final).items() if name not in before}
        )
        fitted.update(
            self._path_attributes(penalties, alphas, paths, best, penalty),
            alpha_=float(alphas[best]),
        )
        commit_fitted(self, fitted)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _SquaredErrorCV(
    RegressionPredictionMixin, MultiTaskRegressorMixin, LinearModelCV
):
    """The lasso and elastic net: the validation error from the coefficients."""

    def _l1_ratios(self):
        raise NotImplementedError

    def _prepare_search(self, X, y, X_valid, targets, task_weights, sample_weight):
        X = as_design(X_valid)
        Y = np.where(targets.mask, targets.values, 0.0)
        check_magnitudes(X, Y, targets.task_names)
        design, datafit = prepare(
            X, Squared(Y, observed_weights(targets.mask, sample_weight), task_weights)
        )
        penalties = [
            L21ElasticNet(alpha=1.0, l1_ratio=ratio) for ratio in self._l1_ratios()
        ]
        alphas = np.array(
            [self._alphas(design, datafit, penalty) for penalty in penalties]
        )
        data = {
            "X": X,
            "Y": Y,
            "mask": targets.mask,
            "sample_weight": sample_weight,
            "task_weights": task_weights,
            "task_names": targets.task_names,
            "solver": self.solver,
            "options": {
                "max_iter": self.max_iter,
                "tol": self.tol,
                "fit_intercept": self.fit_intercept,
            },
        }
        return squared_error_path, data, penalties, alphas


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


class MultiTaskLassoCV(_SquaredErrorCV):
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

    def _estimator(self, penalty):
        return MultiTaskLasso(
            alpha=penalty.alpha, fit_intercept=self.fit_intercept,
            task_weights=self.task_weights, solver=self.solver,
            max_iter=self.max_iter, tol=self.tol,
        )  # fmt: skip

    def _path_attributes(self, penalties, alphas, paths, best, penalty):
        return {"alphas_": alphas[0], "mse_path_": paths[0]}


class MultiTaskElasticNetCV(_SquaredErrorCV):
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
        **LinearModelCV._parameter_constraints,
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
        try:
            ratios = np.asarray(self.l1_ratio, dtype=np.float64)
        except (TypeError, ValueError):
            ratios = None
        if (
            ratios is None
            or ratios.ndim != 1
            or ratios.size == 0
            or not (np.all(ratios > 0) and np.all(ratios <= 1))
        ):
            raise InvalidParameterError(
                "The 'l1_ratio' parameter of MultiTaskElasticNetCV must be a float "
                "in the range (0.0, 1.0] or a non-empty 1-D array-like of such "
                f"floats. Got {self.l1_ratio!r} instead."
            )

    def _l1_ratios(self):
        return np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))

    def _estimator(self, penalty):
        return MultiTaskElasticNet(
            alpha=penalty.alpha, l1_ratio=penalty.l1_ratio,
            fit_intercept=self.fit_intercept, task_weights=self.task_weights,
            solver=self.solver, max_iter=self.max_iter, tol=self.tol,
        )  # fmt: skip

    def _path_attributes(self, penalties, alphas, paths, best, penalty):
        if np.ndim(self.l1_ratio) == 0:
            alphas, paths = alphas[0], paths[0]
        return {
            "alphas_": alphas,
            "mse_path_": paths,
            "l1_ratio_": float(penalty.l1_ratio),
        }
