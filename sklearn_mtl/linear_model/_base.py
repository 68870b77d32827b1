"""The generic multi-task linear model: validation, solver choice, fitted state."""

import difflib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_array

from ..utils._targets import task_label
from ._bcd import BlockCoordinateDescent
from ._clustered import Clustered
from ._design import prepare
from ._fista import FISTA
from ._mtrl import TaskRelationship
from ._penalties import (
    L1,
    L2,
    L21,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    Penalty,
    TraceNorm,
)
from ._solver_base import SolverResult, null_gradient

__all__ = ["FitProblem", "solve", "solver_attributes"]

PENALTIES = (
    L1,
    L2,
    L21,
    L21ElasticNet,
    Dirty,
    TraceNorm,
    MeanRegularized,
    GraphLaplacian,
    Clustered,
    TaskRelationship,
)
SOLVERS = ("auto", "bcd", "fista")


def solve(design, datafit, penalty, *, solver, coefs, intercept, **options):
    """Minimize ``datafit(X W + b) + penalty(W)`` with the chosen solver.

    ``"auto"`` picks block coordinate descent when it can handle the pair
    (the penalty is a sum over the rows of ``W``) and FISTA otherwise.

    Parameters
    ----------
    design : DenseDesign or ObservedDesign
        The design matrix on the datafit's entries, from
        :func:`~._design.prepare`.
    datafit : Squared or Logistic
        Datafit of the problem, on the entries of ``design``.
    penalty : penalty object
        Validated penalty.
    solver : {"auto", "bcd", "fista"}
        Solver name.
    coefs : ndarray of shape (n_parts, n_features, n_outputs)
        Starting point.
    intercept : ndarray of shape (n_outputs,)
        Starting intercepts.
    **options : dict
        ``max_iter``, ``tol`` and ``fit_intercept``.

    Returns
    -------
    result : SolverResult
    solver : str
        Name of the solver that ran: ``"bcd"`` or ``"fista"``.
    """
    if solver == "auto":
        solver = (
            "bcd"
            if BlockCoordinateDescent.requires.accepts(datafit, penalty)
            else "fista"
        )
    null_intercept = (
        datafit.null_intercept() if options["fit_intercept"] else intercept * 0.0
    )
    if datafit.gap_scale(null_intercept) == 0:
        # No weighted label varies around its mean: W = 0 is optimal.
        zeros = np.zeros_like(coefs)
        return SolverResult(zeros, null_intercept, 0, 0.0), solver
    implementation = BlockCoordinateDescent if solver == "bcd" else FISTA
    return implementation(**options).solve(
        design, datafit, penalty, coefs, intercept
    ), solver


@dataclass
class FitProblem:
    """What ``fit`` solves: the validated data as a datafit, and how to report it.

    Built by an estimator's ``_fit_problem`` from ``fit``'s arguments; ``fit``
    solves it once, a regularization path (:mod:`._path`) once per ``alpha``.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_labelled, n_features)
        The validated design, without the rows that have no label.
    datafit : Squared or Logistic
        The datafit on every (row, output) entry of ``X``.
    n_tasks : int
        Number of tasks.
    fitted : dict
        The attributes the validation set (``n_features_in_``, ``n_tasks_``,
        ``task_names_``...), by name.
    outputs : callable
        ``outputs(result)`` gives, from a :class:`~._solver_base.SolverResult`,
        the attributes that define the predictions (``coef_``,
        ``intercept_``, and ``classes_``... for a classifier), by name.
    """

    X: object
    datafit: object
    n_tasks: int
    fitted: dict
    outputs: Callable


def check_penalty(penalty, default, owner):
    """Return the penalty to use, or raise a clear error for anything else.

    Parameters
    ----------
    penalty : penalty object, None or anything else
        The ``penalty`` parameter as the user set it.
    default : penalty object
        The penalty that None stands for.
    owner : str
        Name of the estimator, for the message.

    Returns
    -------
    penalty : penalty object

    Raises
    ------
    InvalidParameterError
        If ``penalty`` is neither None nor a penalty object; for a string,
        the message suggests the closest penalty class.
    """
    if penalty is None:
        return default
    if isinstance(penalty, Penalty):
        return penalty
    names = [cls.__name__ for cls in PENALTIES]
    hint = ""
    if isinstance(penalty, str):
        upper = [name.upper() for name in names]
        close = difflib.get_close_matches(penalty.upper(), upper, n=1)
        if close:
            hint = f" Did you mean {names[upper.index(close[0])]}()?"
    raise InvalidParameterError(
        f"The 'penalty' parameter of {owner} must be None or a penalty object "
        f"({', '.join(names)}, or a subclass of "
        f"sklearn_mtl.linear_model.extending.Penalty). Got {penalty!r} "
        f"instead.{hint}"
    )


class HintedParameterValidation:
    """scikit-learn's parameter validation, plus the closest option of a typo.

    A string parameter constrained by ``StrOptions`` that matches none of the
    options gets scikit-learn's message followed by "Did you mean ...?".
    """

    def _validate_params(self):
        try:
            super()._validate_params()
        except InvalidParameterError as error:
            hint = _closest_option(self, str(error))
            if hint is None:
                raise
            raise InvalidParameterError(f"{error} Did you mean {hint!r}?") from None


def _closest_option(estimator, message):
    """The option closest to the invalid string parameter named in ``message``."""
    params = estimator.get_params(deep=False)
    for name, constraints in estimator._parameter_constraints.items():
        value = params.get(name)
        if not (isinstance(value, str) and message.startswith(f"The {name!r} ")):
            continue
        for constraint in constraints if isinstance(constraints, list) else ():
            if isinstance(constraint, StrOptions):
                close = difflib.get_close_matches(value, sorted(constraint.options), 1)
                if close:
                    return close[0]
    return None


def as_design(X):
    """Numeric float64 design: dense array or CSC matrix, finite values."""
    return check_array(
        X, accept_sparse="csc", dtype=np.float64, ensure_all_finite=True, input_name="X"
    )


def labelled_rows(X, mask, *arrays):
    """``X``, ``mask`` and ``arrays`` restricted to the rows with a label.

    A row without any observed label adds nothing to the datafit, its
    gradient or its normalizer ``m``, so the solvers never see it: the
    problem they get is the same, to the last bit, with or without such
    rows.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design.
    mask : ndarray of bool of shape (n_samples, n_tasks)
        Where the labels are observed.
    *arrays : ndarray of shape (n_samples, ...) or None
        Other per-row arrays (targets, sample weights); None stays None.

    Returns
    -------
    X, mask, *arrays
        The same objects when every row has a label, row subsets otherwise.
    """
    keep = mask.any(axis=1)
    if keep.all():
        return (X, mask, *arrays)
    return (
        X[keep],
        mask[keep],
        *(None if array is None else array[keep] for array in arrays),
    )


def observed_weights(mask, sample_weight):
    """Sample weights times the mask of observed labels.

    The weights are rescaled to mean 1 over the rows given (so weights that
    are all equal become exactly 1); a common factor changes nothing, since
    the datafits divide by ``m``, the mean total weight of the observed labels
    per task (:func:`~._datafits.label_normalizer`), which scales alike.
    In Fortran order, as the compiled epochs store their entry arrays (one
    contiguous column per task), so that they use it without a copy.
    """
    n_samples = mask.shape[0]
    if sample_weight is None:
        return mask.astype(np.float64, order="F")
    total = sample_weight.sum()
    if total <= 0:
        raise ValueError(
            "Expected sample_weight with a positive sum over the rows that have a "
            "label; got all zeros instead."
        )
    scaled = sample_weight * (n_samples / total)
    return np.multiply(mask, scaled[:, np.newaxis], order="F")


def linear_predict(X, coef, intercept):
    """``X @ coef.T + intercept`` of shape (n_samples, n_outputs).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design.
    coef : ndarray of shape (n_outputs, n_features) or (n_features,)
        The estimator's ``coef_``.
    intercept : ndarray of shape (n_outputs,) or float
        The estimator's ``intercept_``.
    """
    W = np.atleast_2d(np.asarray(coef, dtype=np.float64)).T
    return np.asarray(X @ W) + np.atleast_1d(intercept)


class LinearPredictionMixin:
    """Linear scores from the public fitted attributes ``coef_`` and ``intercept_``.

    As in scikit-learn, setting ``coef_`` or ``intercept_`` on a fitted model
    changes its predictions.
    """

    def _linear_predictions(self, X):
        """``X @ coef_.T + intercept_`` of shape (n_samples, n_outputs)."""
        X = as_design(self._validate_X(X, reset=False))
        return linear_predict(X, self.coef_, self.intercept_)


#: The Notes section of the estimators' docstrings.
NOTES = """
    Notes
    -----
    Standardize the features (``StandardScaler`` in a ``Pipeline``): the
    penalty treats every coefficient alike, so what it does depends on the
    scales of the features, and the solvers converge in far fewer iterations
    on features of comparable scales. A fit that is interrupted (an error or
    ``KeyboardInterrupt``) leaves the estimator as it was: the fitted
    attributes are set together at the end of ``fit``.
"""

#: The same, for the estimators that take their penalty strength from the
#: user.
ALPHA_MAX_NOTE = """
    A penalty strength at or above ``alpha_max``, the smallest one that zeroes
    every coefficient (for the penalties that have one: L1, L21,
    L21ElasticNet, TraceNorm, Dirty), gives a ``UserWarning`` that names
    ``alpha_max``.
"""


#: Constraints of the parameters every generic linear model and preset shares.
COMMON_CONSTRAINTS = {
    "fit_intercept": ["boolean"],
    "task_weights": ["array-like", dict, None],
    "solver": [StrOptions(set(SOLVERS))],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
}


class MultiTaskLinearModel(
    LinearPredictionMixin, HintedParameterValidation, BaseEstimator
):
    """Shared parameters and fitting of the multi-task linear estimators."""

    _parameter_constraints = {**COMMON_CONSTRAINTS, "warm_start": ["boolean"]}

    #: How to choose ``alpha`` by cross-validation, for the warning at
    #: ``alpha_max`` (:func:`warn_at_alpha_max`).
    _alpha_search = "GridSearchCV over penalty__alpha"

    def _penalty(self):
        """The penalty object this estimator minimizes with."""
        raise NotImplementedError

    def _starting_point(self, penalty, n_features, n_outputs):
        """Zeros, or the fitted ``coef_`` and ``intercept_`` with ``warm_start``.

        A penalty with several coefficient parts (:class:`Dirty`) starts from
        its fitted parts (``coef_group_``, ``coef_sparse_``).
        """
        coefs = np.zeros((penalty.n_parts, n_features, n_outputs))
        intercept = np.zeros(n_outputs)
        if not (self.warm_start and hasattr(self, "coef_")):
            return coefs, intercept
        names = [f"coef_{name}_" for name in penalty.part_names or ()] or ["coef_"]
        if not all(hasattr(self, name) for name in names):
            return coefs, intercept
        previous = np.stack(
            [np.atleast_2d(np.asarray(getattr(self, name), float)).T for name in names]
        )
        previous_intercept = np.atleast_1d(np.asarray(self.intercept_, float))
        if previous.shape != coefs.shape or previous_intercept.shape != (n_outputs,):
            return coefs, intercept
        return previous.copy(), previous_intercept.copy()

    def _validate_fit_inputs(self, X, y, sample_weight):
        """Validate the inputs of ``fit`` without touching the fitted state.

        Returns what ``_validate_fit_data`` returns, and the attributes it
        sets (``n_features_in_``, ``n_tasks_``, ``task_names_``...) as a
        dict, for :func:`commit_fitted` to set at the end of ``fit``.
        """
        return validate_on_scratch(self, X, y, sample_weight)

    def _fit_problem(self, X, y, sample_weight):
        """The problem ``fit`` solves, as a :class:`FitProblem`."""
        raise NotImplementedError

    def _fit(self, X, y, sample_weight):
        """Solve the problem of ``fit`` and set the fitted attributes at once."""
        problem = self._fit_problem(X, y, sample_weight)
        result, attributes = self._fit_datafit(
            problem.X, problem.datafit, problem.n_tasks
        )
        commit_fitted(self, {**problem.fitted, **attributes, **problem.outputs(result)})
        return self

    def _checked_penalty(self, n_features, n_outputs, n_tasks):
        """The penalty, validated for ``W`` of shape (n_features, n_outputs)."""
        penalty = self._penalty()
        if penalty.relates_tasks and n_outputs != n_tasks:
            raise ValueError(
                f"The {type(penalty).__name__} penalty relates the coefficient "
                "columns of the tasks and needs one column per task, so binary "
                f"tasks; got {n_tasks} tasks with {n_outputs} columns (a "
                "multiclass task has one per class). Use L1, L2, L21, "
                "L21ElasticNet, Dirty or TraceNorm."
            )
        penalty.validate(n_features, n_outputs)
        return penalty

    def _fit_datafit(self, X, datafit, n_tasks):
        """Solve the problem; return the result and the solver's attributes.

        The attributes (:func:`solver_attributes`) are returned as a dict, not
        set: the caller sets everything together at the end of ``fit``, so
        that an interrupted fit leaves the previous model intact.
        """
        penalty = self._checked_penalty(X.shape[1], datafit.n_outputs, n_tasks)
        coefs, intercept = self._starting_point(penalty, X.shape[1], datafit.n_outputs)
        design, datafit = prepare(X, datafit)
        null_intercept = (
            datafit.null_intercept()
            if self.fit_intercept
            else np.zeros(datafit.n_outputs)
        )
        if self.fit_intercept and not np.any(intercept):
            intercept = null_intercept
        result, solver = solve(
            design,
            datafit,
            penalty,
            solver=self.solver,
            coefs=coefs,
            intercept=intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            fit_intercept=self.fit_intercept,
        )
        if getattr(self, "_warn_at_alpha_max", True):
            warn_at_alpha_max(
                penalty,
                -null_gradient(design, datafit, null_intercept),
                self._alpha_search,
            )
        return result, solver_attributes(penalty, result, solver)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def solver_attributes(penalty, result, solver):
    """The fitted attributes that describe a solution, besides ``coef_``.

    ``n_iter_``, ``dual_gap_``, ``solver_``, the coefficient parts of a
    penalty with several (``coef_group_`` and ``coef_sparse_`` of
    :class:`Dirty`) and the task structure a penalty learned
    (``task_structure``: ``task_clusters_`` of :class:`Clustered`,
    ``task_covariance_`` of :class:`TaskRelationship`).

    Parameters
    ----------
    penalty : penalty object
        The penalty of the problem.
    result : SolverResult
        The solution.
    solver : str
        The solver that ran.

    Returns
    -------
    attributes : dict
    """
    attributes = {
        "n_iter_": result.n_iter,
        "dual_gap_": result.dual_gap,
        "solver_": solver,
    }
    for part, name in enumerate(penalty.part_names or ()):
        attributes[f"coef_{name}_"] = result.coefs[part].T.copy()
    if hasattr(penalty, "task_structure"):
        attributes.update(penalty.task_structure(result.coefs.sum(axis=0)))
    return attributes


def _is_fitted_name(name):
    """Whether ``name`` is a public fitted attribute (scikit-learn's rule)."""
    return name.endswith("_") and not name.startswith("__")


def validate_on_scratch(estimator, X, y, sample_weight):
    """``estimator._validate_fit_data`` run on a scratch copy of ``estimator``.

    The validation sets fitted attributes (``n_features_in_``,
    ``feature_names_in_``, ``n_tasks_``, ``task_names_``...); run on a copy
    that holds the parameters only, it leaves ``estimator`` untouched and the
    attributes it set are returned, to be set with the others at the end of
    ``fit`` (:func:`commit_fitted`).

    Returns
    -------
    X, targets, task_weights, sample_weight
        What ``_validate_fit_data`` returns.
    attributes : dict
        The attributes the validation set, by name.
    """
    before = {k: v for k, v in vars(estimator).items() if not _is_fitted_name(k)}
    scratch = object.__new__(type(estimator))
    scratch.__dict__.update(before)
    validated = scratch._validate_fit_data(X, y, sample_weight)
    attributes = {
        name: value
        for name, value in vars(scratch).items()
        if name not in before or before[name] is not value
    }
    return (*validated, attributes)


def commit_fitted(estimator, attributes):
    """Replace the fitted state of ``estimator`` by ``attributes``, at once.

    Every public fitted attribute of a previous fit (a name ending with
    ``_``) is dropped, then ``attributes`` are set; the new ``__dict__`` is
    installed by one assignment, so an interruption (``KeyboardInterrupt``)
    leaves either the previous model or the new one, never a mix.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted.
    attributes : dict
        Every attribute of the new fit: the public fitted ones and the
        private ones the estimator's methods read (``_single_output``...).
    """
    state = {k: v for k, v in vars(estimator).items() if not _is_fitted_name(k)}
    state.update(attributes)
    estimator.__dict__ = state


def check_magnitudes(X, Y=None, task_names=None):
    """Raise if ``X`` or ``Y`` hold values too large (or small) to square.

    The solvers work with sums of squares (Lipschitz constants, the loss, the
    duality gap). A feature whose sum of squares overflows float64 (values
    around ``1e154`` and above) would make them infinite, and a non-zero one
    whose sum of squares underflows to 0 would be taken for a constant;
    either way the fit would end as a wrong model, so it is refused.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design.
    Y : ndarray of shape (n_samples, n_tasks) or None, default=None
        Regression targets, 0 where a label is missing (checked without a
        copy).
    task_names : array-like of str or None, default=None
        Task names, for the message.

    Raises
    ------
    ValueError
        Naming the first feature or task out of range.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if sparse.issparse(X):
            squares = np.asarray(X.multiply(X).sum(axis=0)).ravel()
            largest = np.maximum(
                X.max(axis=0).toarray().ravel(), -X.min(axis=0).toarray().ravel()
            )
        elif X.size:
            squares = np.einsum("ij,ij->j", X, X)
            largest = np.maximum(X.max(axis=0), -X.min(axis=0))
        else:
            squares = largest = np.zeros(X.shape[1])
        tiny = np.finfo(np.float64).tiny
        for j in np.flatnonzero(~np.isfinite(squares)):
            raise ValueError(
                f"Expected features whose squares float64 can sum; feature {j} of X "
                f"holds values up to {largest[j]:.3g} in size, and its sum of "
                "squares overflows. Rescale the features, for instance with "
                "StandardScaler in a Pipeline."
            )
        for j in np.flatnonzero((squares < tiny) & (largest > 0)):
            raise ValueError(
                f"Expected features whose squares float64 can sum; feature {j} of X "
                f"holds values of at most {largest[j]:.3g} in size, and its sum of "
                "squares underflows to 0. Rescale the features, for instance with "
                "StandardScaler in a Pipeline."
            )
        if Y is None:
            return
        label_squares = np.einsum("ij,ij->j", Y, Y)
        for t in np.flatnonzero(~np.isfinite(label_squares)):
            size = np.abs(Y[:, t]).max()
            raise ValueError(
                "Expected labels whose squares float64 can sum; task "
                f"{task_label(t, task_names)} holds labels up to {size:.3g} in size, "
                "and its sum of squares overflows. Rescale the targets (divide Y by "
                "a constant)."
            )


def zeroing_thresholds(penalty, C):
    """The penalty's parameters that zero every coefficient, with their bounds.

    ``W = 0`` is a solution exactly when every listed parameter is at or
    above its bound.

    Parameters
    ----------
    penalty : penalty object
        The penalty of the problem.
    C : ndarray of shape (n_features, n_outputs)
        Minus the gradient of the datafit at ``W = 0`` (best intercepts).

    Returns
    -------
    thresholds : list of (str, float, float)
        ``(name, value, bound)`` for each parameter: ``alpha`` with
        ``alpha_max`` for a penalty with a closed-form ``alpha_max`` (L1,
        L21, L21ElasticNet with ``l1_ratio > 0``, TraceNorm), both strengths
        of :class:`Dirty` (its dual ball is the intersection of the L2,1 and
        L1 ones); empty for the others (a smooth penalty never zeroes ``W``).
    """
    if isinstance(penalty, Dirty):
        return [
            ("alpha_group", penalty.alpha_group, L21(alpha=1.0).alpha_max(C)),
            ("alpha_sparse", penalty.alpha_sparse, L1(alpha=1.0).alpha_max(C)),
        ]
    if not hasattr(penalty, "alpha"):
        return []
    try:
        bound = penalty.alpha_max(C)
    except (NotImplementedError, ValueError):  # none, or infinite
        return []
    return [("alpha", penalty.alpha, bound)]


def warn_at_alpha_max(penalty, C, alpha_search):
    """Warn when the penalty is so strong that every coefficient is zero.

    Nothing is said when the bounds are 0 (no feature correlates with the
    targets: no ``alpha`` gives a non-zero coefficient).

    Parameters
    ----------
    penalty : penalty object
        The penalty of the problem.
    C : ndarray of shape (n_features, n_outputs)
        Minus the gradient of the datafit at ``W = 0`` (best intercepts).
    alpha_search : str
        How to choose ``alpha`` by cross-validation, for the message.
    """
    thresholds = zeroing_thresholds(penalty, C)
    if not thresholds or not all(
        bound > 0 and value >= bound for _, value, bound in thresholds
    ):
        return
    if len(thresholds) == 1:
        ((_, alpha, alpha_max),) = thresholds
        message = (
            f"alpha={alpha:.4g} is at or above alpha_max={alpha_max:.4g} for this "
            "data: every coefficient is zero. Use a smaller alpha, e.g. alpha_max "
            f"/ 10 = {alpha_max / 10:.4g}, or choose it by cross-validation "
            f"({alpha_search})."
        )
    else:
        parts = " and ".join(
            f"{name}={value:.4g} is at or above {name}_max={bound:.4g}"
            for name, value, bound in thresholds
        )
        message = (
            f"{parts} for this data: every coefficient is zero. Make either "
            "smaller, e.g. a tenth of its maximum, or choose them by "
            "cross-validation (GridSearchCV over penalty__alpha_group and "
            "penalty__alpha_sparse)."
        )
    warnings.warn(message, UserWarning, stacklevel=5)
