"""The generic multi-task linear model: validation, solver choice, fitted state."""

import difflib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_array

from ._bcd import BlockCoordinateDescent
from ._design import prepare
from ._fista import FISTA
from ._penalties import (
    L1,
    L2,
    L21,
    Clustered,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    Penalty,
    TraceNorm,
)
from ._solver_base import SolverResult

__all__ = ["solve"]

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
    """
    n_samples = mask.shape[0]
    if sample_weight is None:
        return mask.astype(np.float64)
    total = sample_weight.sum()
    if total <= 0:
        raise ValueError(
            "Expected sample_weight with a positive sum over the rows that have a "
            "label; got all zeros instead."
        )
    return mask * (sample_weight * (n_samples / total))[:, np.newaxis]


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

    def _fit_datafit(self, X, datafit, n_tasks):
        """Solve the problem; set the fitted attributes but coef_ and intercept_.

        The caller sets these two from the result, at the end of its ``fit``.
        """
        penalty = self._penalty()
        if penalty.relates_tasks and datafit.n_outputs != n_tasks:
            raise ValueError(
                f"The {type(penalty).__name__} penalty relates the coefficient "
                "columns of the tasks and needs one column per task, so binary "
                f"tasks; got {n_tasks} tasks with {datafit.n_outputs} columns (a "
                "multiclass task has one per class). Use L1, L2, L21, "
                "L21ElasticNet, Dirty or TraceNorm."
            )
        penalty.validate(X.shape[1], datafit.n_outputs)
        coefs, intercept = self._starting_point(penalty, X.shape[1], datafit.n_outputs)
        design, datafit = prepare(X, datafit)
        if self.fit_intercept and not np.any(intercept):
            intercept = datafit.null_intercept()
        result, self.solver_ = solve(
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
        self.n_iter_ = result.n_iter
        self.dual_gap_ = result.dual_gap
        for name in [name for name in vars(self) if _is_part_attribute(name)]:
            delattr(self, name)
        for part, name in enumerate(penalty.part_names or ()):
            setattr(self, f"coef_{name}_", result.coefs[part].T.copy())
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _is_part_attribute(name):
    """Whether ``name`` is a fitted coefficient part such as ``coef_group_``."""
    return name.startswith("coef_") and name.endswith("_") and name != "coef_"
