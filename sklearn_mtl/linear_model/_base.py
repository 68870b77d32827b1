"""The generic multi-task linear model: validation, solver choice, fitted state."""

import difflib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array

from ._bcd import BlockCoordinateDescent
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
    TraceNorm,
    _Penalty,
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


def solve(X, datafit, penalty, *, solver, coefs, intercept, **options):
    """Minimize ``datafit(X W + b) + penalty(W)`` with the chosen solver.

    ``"auto"`` picks block coordinate descent for row-separable penalties and
    FISTA otherwise.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Design matrix (CSC when sparse).
    datafit : Squared or Logistic
        Datafit of the problem.
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
        solver = "bcd" if penalty.row_separable else "fista"
    null_intercept = (
        datafit.null_intercept() if options["fit_intercept"] else intercept * 0.0
    )
    if datafit.gap_scale(null_intercept) == 0:
        # No weighted label varies around its mean: W = 0 is optimal.
        zeros = np.zeros_like(coefs)
        return SolverResult(zeros, null_intercept, 0, 0.0), solver
    implementation = BlockCoordinateDescent if solver == "bcd" else FISTA
    return implementation(**options).solve(
        X, datafit, penalty, coefs, intercept
    ), solver


def check_penalty(penalty, default):
    """Return the penalty to use, or raise a clear error for anything else."""
    if penalty is None:
        return default
    if isinstance(penalty, _Penalty):
        return penalty
    names = [cls.__name__ for cls in PENALTIES]
    hint = ""
    if isinstance(penalty, str):
        close = difflib.get_close_matches(penalty.upper(), [n.upper() for n in names])
        if close:
            hint = (
                f" Did you mean {names[[n.upper() for n in names].index(close[0])]}()?"
            )
    raise TypeError(
        f"Expected penalty to be None or a penalty object ({', '.join(names)}); got "
        f"{penalty!r} instead.{hint}"
    )


def check_solver(solver):
    """Raise a clear error, with the closest name, for an unknown solver."""
    if solver in SOLVERS:
        return solver
    close = difflib.get_close_matches(str(solver), SOLVERS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"Expected solver to be one of {', '.join(map(repr, SOLVERS))}; got "
        f"{solver!r} instead.{hint}"
    )


def as_design(X):
    """Numeric float64 design: dense array or CSC matrix, finite values."""
    return check_array(
        X, accept_sparse="csc", dtype=np.float64, ensure_all_finite=True, input_name="X"
    )


def observed_weights(mask, sample_weight):
    """Sample weights rescaled to sum to n, times the mask of observed labels."""
    n_samples = mask.shape[0]
    if sample_weight is None:
        return mask.astype(np.float64)
    total = sample_weight.sum()
    if total <= 0:
        raise ValueError(
            "Expected sample_weight with a positive sum; got all zeros instead."
        )
    return mask * (sample_weight * (n_samples / total))[:, np.newaxis]


class MultiTaskLinearModel(BaseEstimator):
    """Shared parameters and fitting of the multi-task linear estimators."""

    _parameter_constraints = {
        "fit_intercept": ["boolean"],
        "task_weights": ["array-like", dict, None],
        "solver": [str],
        "max_iter": [Integral],
        "tol": [Real],
        "warm_start": ["boolean"],
    }

    def _penalty(self):
        """The penalty object this estimator minimizes with."""
        raise NotImplementedError

    def _check_options(self):
        if self.max_iter < 1:
            raise ValueError(f"Expected max_iter >= 1; got {self.max_iter!r} instead.")
        if not self.tol >= 0:
            raise ValueError(f"Expected tol >= 0; got {self.tol!r} instead.")
        return check_solver(self.solver)

    def _starting_point(self, penalty, n_features, n_outputs):
        """Zeros, or the previous solution when ``warm_start`` allows it."""
        coefs = np.zeros((penalty.n_parts, n_features, n_outputs))
        intercept = np.zeros(n_outputs)
        previous = getattr(self, "_coefs", None)
        if self.warm_start and previous is not None and previous.shape == coefs.shape:
            return previous.copy(), self._intercepts.copy()
        return coefs, intercept

    def _fit_datafit(self, X, datafit, n_tasks):
        """Solve the problem and set the fitted attributes."""
        solver = self._check_options()
        penalty = self._penalty()
        if penalty.relates_tasks and datafit.n_outputs != n_tasks:
            raise ValueError(
                f"The {type(penalty).__name__} penalty relates the coefficient "
                "columns of the tasks and needs one column per task, so binary "
                f"tasks; got {n_tasks} tasks with {datafit.n_outputs} columns (a "
                "multiclass task has one per class). Use L1, L2, L21, "
                "L21ElasticNet, Dirty or TraceNorm."
            )
        penalty._validate(datafit.n_outputs)
        coefs, intercept = self._starting_point(penalty, X.shape[1], datafit.n_outputs)
        if self.fit_intercept and not np.any(intercept):
            intercept = datafit.null_intercept()
        result, self.solver_ = solve(
            X,
            datafit,
            penalty,
            solver=solver,
            coefs=coefs,
            intercept=intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            fit_intercept=self.fit_intercept,
        )
        self._coefs, self._intercepts = result.coefs, result.intercept
        self.n_iter_ = result.n_iter
        self.dual_gap_ = result.dual_gap
        for part, name in enumerate(penalty.part_names or ()):
            setattr(self, f"coef_{name}_", result.coefs[part].T.copy())
        return result

    def _linear_predictions(self, X):
        """``X @ W + b`` of shape (n_samples, n_outputs) on validated X."""
        return np.asarray(X @ self._coefs.sum(axis=0)) + self._intercepts

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
