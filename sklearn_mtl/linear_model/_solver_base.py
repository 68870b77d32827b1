"""What both solvers share: the duality gap, the stopping rule and the result."""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "Optimality",
    "SolverResult",
    "evaluate_optimality",
    "gradient_scale",
    "null_gradient",
    "warn_not_converged",
]


@dataclass
class SolverResult:
    """Coefficients and diagnostics returned by a solver.

    Attributes
    ----------
    coefs : ndarray of shape (n_parts, n_features, n_outputs)
        Coefficient parts; ``W`` is their sum.
    intercept : ndarray of shape (n_outputs,)
        Intercepts (zeros without ``fit_intercept``).
    n_iter : int
        Epochs of coordinate descent, or iterations of proximal gradient.
    dual_gap : float
        Duality gap at the solution, NaN where the problem has none. Clipped
        at 0: a gap is never negative, but its round-off can be (-1e-16).
    """

    coefs: np.ndarray
    intercept: np.ndarray
    n_iter: int
    dual_gap: float

    def __post_init__(self):
        self.dual_gap = float(np.maximum(self.dual_gap, 0.0))


@dataclass
class Optimality:
    """Primal value, duality gap and datafit gradient at one point."""

    primal: float
    gap: float
    gradient: np.ndarray


def evaluate_optimality(X, datafit, penalty, coefs, Z):
    """Primal objective and duality gap at ``coefs`` with predictions ``Z``.

    The intercepts in ``Z`` must be optimal for the gap to be valid: the dual
    point, the scaled datafit gradient, then sums to zero over each output's
    rows, which is the dual constraint of an unpenalized intercept.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Design matrix, restricted to the features of ``coefs``.
    datafit : Squared or Logistic
        Datafit of the problem.
    penalty : penalty object
        Penalty of the problem.
    coefs : ndarray of shape (n_parts, n_features, n_outputs)
        Coefficient parts.
    Z : ndarray of shape (n_samples, n_outputs)
        Linear predictions ``X W + b``.

    Returns
    -------
    optimality : Optimality
        ``gap`` is NaN when the penalty's conjugate is not computable (or its
        dual domain is empty, as for an unpenalized lasso); ``gradient`` is the
        gradient of the datafit with respect to ``W``.
    """
    gradient = np.asarray(X.T @ datafit.gradient(Z))
    primal = datafit.value(Z) + penalty.value(coefs)
    dual_norm = penalty.dual_norm(-gradient)
    if not np.isfinite(dual_norm):
        return Optimality(primal, np.nan, gradient)
    scale = 1.0 / max(1.0, dual_norm)
    conjugate = penalty.conjugate(-scale * gradient)
    if conjugate is None:
        return Optimality(primal, np.nan, gradient)
    return Optimality(primal, primal - datafit.dual(Z, scale) + conjugate, gradient)


def warn_not_converged(solver, max_iter, criterion, threshold, what):
    """Raise a ConvergenceWarning that says how far from the tolerance it stopped."""
    warnings.warn(
        f"Solver {solver!r} did not converge in max_iter={max_iter} iterations: "
        f"{what} {criterion:.3g} > {threshold:.3g}, the tolerance. Increase max_iter, "
        "loosen tol or standardize the features.",
        ConvergenceWarning,
        stacklevel=4,
    )


def null_gradient(X, datafit, null_intercept):
    """Gradient of the datafit with respect to ``W`` at ``W = 0``."""
    Z = np.broadcast_to(null_intercept, (X.shape[0], null_intercept.size))
    return np.asarray(X.T @ datafit.gradient(Z))


def gradient_scale(X, datafit, null_intercept):
    """Largest gradient entry at ``W = 0``: the reference of the KKT tolerance."""
    gradient = null_gradient(X, datafit, null_intercept)
    return max(np.abs(gradient).max(initial=0.0), np.finfo(float).tiny)
