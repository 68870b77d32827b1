"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

For any penalty with a proximal operator and/or a smooth part: trace norm,
mean-regularized, graph Laplacian, clustered, and the row-separable ones too.
The unpenalized intercepts take plain gradient steps with the coefficients.
The step follows Beck & Teboulle's backtracking, starting from an upper bound
of the Lipschitz constant; momentum restarts when it points uphill
(O'Donoghue & Candes, 2015).
"""

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds

from ._solver_base import (
    SolverResult,
    evaluate_optimality,
    gradient_scale,
    warn_not_converged,
)

__all__ = ["FISTA"]


class FISTA:
    """Accelerated proximal gradient for ``datafit(X W + b) + penalty(W)``.

    Parameters
    ----------
    max_iter : int, default=1000
        Maximum number of iterations.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol`` times the datafit's
        ``gap_scale``; for penalties without a computable gap, when the largest
        entry of the proximal gradient mapping is at most ``tol`` times the
        largest gradient entry at ``W = 0``.
    fit_intercept : bool, default=True
        Whether to fit unpenalized intercepts.
    check_every : int, default=10
        Iterations between two evaluations of the stopping criterion.
    """

    name = "fista"

    def __init__(self, *, max_iter=1000, tol=1e-4, fit_intercept=True, check_every=10):
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.check_every = check_every

    def solve(self, X, datafit, penalty, coefs, intercept):
        """Minimize ``datafit(X W + b) + penalty(W)`` from a starting point.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
            Design matrix.
        datafit : Squared or Logistic
            Datafit of the problem.
        penalty : penalty object
            Any penalty.
        coefs : ndarray of shape (n_parts, n_features, n_outputs)
            Starting coefficient parts (not modified).
        intercept : ndarray of shape (n_outputs,)
            Starting intercepts (not modified).

        Returns
        -------
        result : SolverResult
        """
        return self._solve(X, datafit, penalty, coefs.copy(), intercept.copy())

    def _smooth(self, X, datafit, penalty, coefs, intercept):
        """Value and gradients of the smooth part (datafit + smooth penalty)."""
        W = coefs.sum(axis=0)
        Z = np.asarray(X @ W) + intercept
        value = datafit.value(Z) + penalty.smooth_value(W)
        gradient_Z = datafit.gradient(Z)
        gradient = np.asarray(X.T @ gradient_Z)
        smooth_gradient = penalty.smooth_gradient(W)
        if smooth_gradient is not None:
            gradient = gradient + smooth_gradient
        gradient_intercept = (
            gradient_Z.sum(axis=0) if self.fit_intercept else np.zeros_like(intercept)
        )
        return value, gradient, gradient_intercept

    def _smooth_value(self, X, datafit, penalty, coefs, intercept):
        W = coefs.sum(axis=0)
        Z = np.asarray(X @ W) + intercept
        return datafit.value(Z) + penalty.smooth_value(W)

    def _solve(self, X, datafit, penalty, coefs, intercept):
        n_parts, _, n_outputs = coefs.shape
        lipschitz = n_parts * _datafit_lipschitz(
            X, datafit, self.fit_intercept
        ) + penalty.smooth_lipschitz(n_outputs)
        null_intercept = (
            datafit.null_intercept() if self.fit_intercept else np.zeros_like(intercept)
        )
        gap_threshold = self.tol * datafit.gap_scale(null_intercept)
        kkt_threshold = None
        momentum_coefs, momentum_intercept = coefs.copy(), intercept.copy()
        t = 1.0
        criterion, threshold, what = np.inf, 0.0, "duality gap"
        gap = np.nan
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):
            value, gradient, gradient_intercept = self._smooth(
                X, datafit, penalty, momentum_coefs, momentum_intercept
            )
            while True:
                step = 1.0 / lipschitz
                new_coefs = penalty.prox(momentum_coefs - step * gradient, step)
                new_intercept = momentum_intercept - step * gradient_intercept
                delta, delta_intercept = (
                    new_coefs - momentum_coefs,
                    new_intercept - momentum_intercept,
                )
                bound = (
                    value
                    + np.sum(gradient * delta.sum(axis=0))
                    + gradient_intercept @ delta_intercept
                    + 0.5
                    * lipschitz
                    * (np.sum(delta**2) + delta_intercept @ delta_intercept)
                )
                new_value = self._smooth_value(
                    X, datafit, penalty, new_coefs, new_intercept
                )
                if new_value <= bound * (1 + 1e-12) + 1e-300:
                    break
                if not np.isfinite(new_value):
                    raise FloatingPointError(
                        f"The objective became {new_value} at iteration {n_iter} "
                        "of 'fista'; check X and y for huge values."
                    )
                lipschitz *= 2.0
            uphill = np.sum((momentum_coefs - new_coefs) * (new_coefs - coefs)) + (
                momentum_intercept - new_intercept
            ) @ (new_intercept - intercept)
            if uphill > 0:
                t = 1.0
                momentum_coefs, momentum_intercept = new_coefs.copy(), new_intercept
            else:
                t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
                beta = (t - 1.0) / t_next
                momentum_coefs = new_coefs + beta * (new_coefs - coefs)
                momentum_intercept = new_intercept + beta * (new_intercept - intercept)
                t = t_next
            coefs, intercept = new_coefs, new_intercept
            if n_iter % self.check_every and n_iter != self.max_iter:
                continue
            W = coefs.sum(axis=0)
            linear = np.asarray(X @ W)
            if self.fit_intercept:
                intercept = datafit.intercept(linear, intercept)
            optimality = evaluate_optimality(
                X, datafit, penalty, coefs, linear + intercept
            )
            gap = optimality.gap
            if np.isfinite(gap):
                criterion, threshold, what = gap, gap_threshold, "duality gap"
            else:
                if kkt_threshold is None:
                    kkt_threshold = self.tol * gradient_scale(
                        X, datafit, null_intercept
                    )
                criterion = self._mapping_norm(
                    X, datafit, penalty, coefs, intercept, lipschitz
                )
                threshold, what = kkt_threshold, "proximal gradient mapping"
            if criterion <= threshold:
                return SolverResult(coefs, intercept, n_iter, gap)
        warn_not_converged("fista", self.max_iter, criterion, threshold, what)
        return SolverResult(coefs, intercept, n_iter, gap)

    def _mapping_norm(self, X, datafit, penalty, coefs, intercept, lipschitz):
        """Largest entry of the proximal gradient mapping at ``coefs``."""
        _, gradient, gradient_intercept = self._smooth(
            X, datafit, penalty, coefs, intercept
        )
        step = 1.0 / lipschitz
        moved = penalty.prox(coefs - step * gradient, step)
        return lipschitz * max(
            np.abs(coefs - moved).max(initial=0.0),
            step * np.abs(gradient_intercept).max(initial=0.0),
        )


def _datafit_lipschitz(X, datafit, fit_intercept):
    """Upper bound of the Lipschitz constant of the datafit in ``(W, b)``.

    ``max curvature * max weight * ||[X, 1]||_2^2 / n``: the spectral norm
    comes from a truncated SVD (ARPACK) of the design with a column of ones.
    """
    columns = [X, np.ones((X.shape[0], 1))] if fit_intercept else [X]
    design = (
        sparse.hstack(columns, format="csr")
        if sparse.issparse(X)
        else np.hstack(columns)
    )
    if min(design.shape) > 1:
        norm = svds(design, k=1, return_singular_vectors=False, random_state=0)[0]
    else:
        norm = (
            sparse.linalg.norm(design) if sparse.issparse(X) else np.linalg.norm(design)
        )
    weight = datafit.weights.max(initial=0.0)
    return max(datafit.curvature.max() * weight * norm**2 / datafit.n_samples, 1e-12)
