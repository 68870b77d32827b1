"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

For any penalty with a proximal operator and/or a smooth part: trace norm,
mean-regularized, graph Laplacian, clustered, and the row-separable ones too.

FISTA runs on the coefficients alone: the unpenalized intercepts are kept at
their optimum for the current ``W`` at every point it visits (in closed form
for the squared datafit, by Newton's method from the previous intercepts for
the logistic one), so it minimizes ``F(W) = min_b datafit(X W + b) +
penalty(W)``. This matters when the intercepts are nearly collinear with
features, as with tasks that have their own rows and features constant within
a task: the intercept direction is then badly conditioned in ``(W, b)`` but
gone from ``F``. The step starts from the Lipschitz constant of the gradient of
``F``, that of the design centered within each output's observed rows, and
follows Beck & Teboulle's backtracking; momentum restarts when it points
uphill (O'Donoghue & Candes, 2015).
"""

from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from ._datafits import row_blocks
from ._solver_base import (
    Contract,
    SolverResult,
    gradient_scale,
    optimality_at,
    raise_not_finite,
    warn_not_converged,
)

__all__ = ["FISTA"]

#: Below this many coefficients the Hessian bound is formed densely (ARPACK
#: needs a few more dimensions than the one eigenvalue it computes).
_DENSE_BELOW = 16
#: Relative accuracy of the Lanczos estimate of the Lipschitz constant, and
#: the number of Lanczos vectors: about 10 products with the Hessian bound (a
#: few iterations' worth) for a step at most 3% shorter than the longest safe
#: one.
_LANCZOS_TOL = 3e-2
_LANCZOS_VECTORS = 10


@dataclass
class _Point:
    """A point of ``F``: coefficient parts and what the solver knows there.

    Attributes
    ----------
    coefs : ndarray of shape (n_parts, n_features, n_outputs)
        Coefficient parts; ``W`` is their sum.
    linear : ndarray or None
        ``X W``, an entry array of the datafit's layout (None for a momentum
        point, once its gradient is known).
    intercept : ndarray of shape (n_outputs,)
        The best intercepts for ``W`` (zeros without ``fit_intercept``).
    value : float
        ``F(W)``'s smooth part: datafit plus smooth penalty.
    gradient : ndarray of shape (n_features, n_outputs) or None
        Gradient of the smooth part with respect to ``W``, kept only for a
        point that a step will start from (the momentum point); None for
        the others, whose gradient is computed from ``linear`` if a step
        ever starts from them (a restart). No point keeps an entry array but
        ``linear``.
    """

    coefs: np.ndarray
    linear: np.ndarray | None
    intercept: np.ndarray
    value: float
    gradient: np.ndarray | None


_SMOOTH_METHODS = ("smooth_value", "smooth_gradient", "smooth_lipschitz")


class _PenaltyParts:
    """A penalty seen by FISTA: its prox, and its smooth part if it has one.

    The contract of :class:`FISTA` lets a penalty have the three smooth
    methods or none of them; with none, its smooth part is 0 (the penalty is
    all prox).
    """

    def __init__(self, penalty):
        self.penalty = penalty
        self.has_smooth_part = hasattr(penalty, "smooth_value")

    def prox(self, coefs, step):
        return self.penalty.prox(coefs, step)

    def smooth_value(self, W):
        return self.penalty.smooth_value(W) if self.has_smooth_part else 0.0

    def smooth_gradient(self, W):
        """The gradient of the smooth part, or None without one."""
        return self.penalty.smooth_gradient(W) if self.has_smooth_part else None

    def smooth_lipschitz(self, n_outputs):
        return self.penalty.smooth_lipschitz(n_outputs) if self.has_smooth_part else 0.0


class _SmoothPart:
    """``min_b datafit(X W + b) + smooth penalty(W)`` as a function of ``W``."""

    def __init__(self, design, datafit, penalty, fit_intercept):
        self.design = design
        self.datafit = datafit
        self.penalty = _PenaltyParts(penalty)
        self.fit_intercept = fit_intercept

    def point(self, coefs, linear, intercept, keep_gradient=True):
        """The point ``coefs`` whose ``X W`` is ``linear``.

        ``intercept`` is the starting point of the intercepts' minimization
        (returned as is without ``fit_intercept``). With ``keep_gradient``
        the gradient with respect to ``W`` is computed (through the gradient
        with respect to ``Z``, an entry array that is not kept); without it,
        only the value (no entry array for the built-in datafits).
        """
        W = coefs.sum(axis=0)
        gradient = None
        if keep_gradient and hasattr(self.datafit, "adjoint_gradient"):
            # The gradient with respect to W without an entry array.
            if self.fit_intercept:
                intercept, value = self.datafit.eliminate_intercept_value(
                    linear, intercept
                )
            else:
                value = self.datafit.value(linear)
            gradient = self.datafit.adjoint_gradient(self.design, linear, intercept)
            smooth = self.penalty.smooth_gradient(W)
            if smooth is not None:
                gradient += smooth
        elif keep_gradient:
            if self.fit_intercept:
                intercept, value, gradient_Z = self.datafit.eliminate_intercept(
                    linear, intercept
                )
            else:
                value, gradient_Z = self.datafit.value_and_gradient(linear)
            gradient = self._gradient_W(gradient_Z, W)
            gradient_Z = None
        elif self.fit_intercept:
            intercept, value = self.datafit.eliminate_intercept_value(linear, intercept)
        else:
            value = self.datafit.value(linear)
        value += self.penalty.smooth_value(W)
        return _Point(coefs, linear, intercept, value, gradient)

    def at(self, coefs, intercept, keep_gradient=True):
        """The point ``coefs``, computing ``X W``."""
        return self.point(coefs, self.linear(coefs), intercept, keep_gradient)

    def linear(self, coefs):
        return self.design.linear(coefs.sum(axis=0))

    def _gradient_W(self, gradient_Z, W):
        gradient = self.design.adjoint(gradient_Z)
        smooth = self.penalty.smooth_gradient(W)
        return gradient if smooth is None else gradient + smooth

    def gradient(self, point):
        """Gradient of the smooth part with respect to ``W`` at ``point``."""
        if point.gradient is not None:
            return point.gradient
        gradient_Z = self.datafit.gradient_at(point.linear, point.intercept)
        return self._gradient_W(gradient_Z, point.coefs.sum(axis=0))


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

    #: What FISTA calls: any penalty with a prox (the identity for a smooth
    #: penalty, which says so) and, if it has a smooth part, the three
    #: methods of that part; ``dual_norm`` and ``conjugate`` give the duality
    #: gap it stops on (without them: the proximal gradient mapping).
    requires = Contract(
        solver="fista",
        datafit=(
            "value", "gradient", "value_and_gradient", "eliminate_intercept",
            "dual", "center", "null_intercept", "gap_scale", "curvature",
            "layout",
        ),
        penalty=("value", "prox"),
        together=(_SMOOTH_METHODS,),
        optional=("dual_norm", "conjugate"),
    )  # fmt: skip

    def __init__(self, *, max_iter=1000, tol=1e-4, fit_intercept=True, check_every=10):
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.check_every = check_every

    def solve(self, design, datafit, penalty, coefs, intercept):
        """Minimize ``datafit(X W + b) + penalty(W)`` from a starting point.

        Parameters
        ----------
        design : DenseDesign or ObservedDesign
            The design matrix on the datafit's entries (:mod:`._design`).
        datafit : Squared or Logistic
            Datafit of the problem, on the entries of ``design``.
        penalty : penalty object
            Any penalty.
        coefs : ndarray of shape (n_parts, n_features, n_outputs)
            Starting coefficient parts (not modified).
        intercept : ndarray of shape (n_outputs,)
            Starting intercepts (not modified); with ``fit_intercept`` only
            the starting point of their minimization.

        Returns
        -------
        result : SolverResult

        Raises
        ------
        ValueError
            If the datafit or the penalty lacks what :attr:`requires` lists.
        """
        self.requires.check(datafit, penalty)
        return self._solve(design, datafit, penalty, coefs.copy(), intercept.copy())

    def _solve(self, design, datafit, penalty, coefs, intercept):
        n_parts, _, n_outputs = coefs.shape
        smooth = _SmoothPart(design, datafit, penalty, self.fit_intercept)
        lipschitz = n_parts * _datafit_lipschitz(
            design, datafit, self.fit_intercept
        ) + smooth.penalty.smooth_lipschitz(n_outputs)
        null_intercept = (
            datafit.null_intercept() if self.fit_intercept else np.zeros_like(intercept)
        )
        gap_threshold = self.tol * datafit.gap_scale(null_intercept)
        kkt_threshold = None
        current = momentum = smooth.at(coefs, intercept)
        t = 1.0
        criterion, threshold, what = np.inf, 0.0, "duality gap"
        gap = np.nan
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):
            new, lipschitz = self._step(smooth, momentum, lipschitz, n_iter)
            if np.vdot(momentum.coefs - new.coefs, new.coefs - current.coefs) > 0:
                t, beta = 1.0, 0.0  # uphill: restart the momentum
            else:
                t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
                t, beta = t_next, (t - 1.0) / t_next
            momentum = None  # free its entry arrays before making the next
            momentum = _extrapolate(smooth, new, current, beta)
            current = new
            if n_iter % self.check_every and n_iter != self.max_iter:
                continue
            optimality = optimality_at(
                design, datafit, penalty, current.coefs, current.linear,
                current.intercept,
            )  # fmt: skip
            gap = optimality.gap
            if np.isfinite(gap):
                criterion, threshold, what = gap, gap_threshold, "duality gap"
            else:
                if kkt_threshold is None:
                    kkt_threshold = self.tol * gradient_scale(
                        design, datafit, null_intercept
                    )
                criterion = _mapping_norm(smooth, current, optimality, lipschitz)
                threshold, what = kkt_threshold, "proximal gradient mapping"
            if not np.isfinite(criterion):
                raise_not_finite("fista", n_iter, criterion, what)
            if criterion <= threshold:
                break
        else:
            warn_not_converged("fista", self.max_iter, criterion, threshold, what)
        return SolverResult(current.coefs, current.intercept, n_iter, gap)

    def _step(self, smooth, momentum, lipschitz, n_iter):
        """Proximal gradient step from ``momentum``, with backtracking.

        Returns the new point and the Lipschitz estimate that accepted it.
        """
        gradient = smooth.gradient(momentum)
        while True:
            step = 1.0 / lipschitz
            coefs = smooth.penalty.prox(momentum.coefs - step * gradient, step)
            # the next momentum point is usually an extrapolation, not this
            new = smooth.at(coefs, momentum.intercept, keep_gradient=False)
            delta = coefs - momentum.coefs
            bound = (
                momentum.value
                + np.vdot(gradient, delta.sum(axis=0))
                + 0.5 * lipschitz * np.vdot(delta, delta)
            )
            # A step that does not move is accepted: in exact arithmetic its
            # value is the momentum's, and backtracking further cannot change
            # it (the values may still differ by round-off, as when the
            # datafit is ~1e-14 and the momentum's predictions were
            # extrapolated rather than computed).
            if new.value <= bound * (1 + 1e-12) + 1e-300 or not np.any(delta):
                return new, lipschitz
            if not np.isfinite(new.value):
                raise_not_finite("fista", n_iter, new.value, "objective")
            lipschitz *= 2.0


def _extrapolate(smooth, new, current, beta):
    """The momentum point ``new + beta * (new - current)`` (``new`` if 0).

    ``X W`` is extrapolated too (it is linear in ``W``): no product with X.
    The arrays of ``current``, which the solver drops, receive it (the
    intercepts are minimized again from the extrapolated ones). A step only
    needs the momentum point's value and gradient: its ``X W`` is dropped
    once they are computed (a solver then holds two entry arrays: ``X W`` of
    the current point and of the next one).
    """
    if beta == 0 or current is new:
        return new
    for new_array, current_array in (
        (new.coefs, current.coefs),
        (new.linear, current.linear),
        (new.intercept, current.intercept),
    ):
        _extrapolate_array(new_array, current_array, beta)
    point = smooth.point(current.coefs, current.linear, current.intercept)
    point.linear = None
    return point


def _extrapolate_array(new, current, beta):
    """``current = new + beta * (new - current)``, in place.

    By blocks of rows, so that no entry-sized temporary is made.
    """
    if np.ndim(current) == 0 or current.size < 2:
        current[...] = new + beta * (new - current)
        return
    for rows in row_blocks(current):
        block = current[rows]
        block *= -beta
        block += (1.0 + beta) * new[rows]


def _mapping_norm(smooth, point, optimality, lipschitz):
    """Largest entry of the proximal gradient mapping at ``point``."""
    gradient = optimality.gradient
    smooth_gradient = smooth.penalty.smooth_gradient(point.coefs.sum(axis=0))
    if smooth_gradient is not None:
        gradient = gradient + smooth_gradient
    step = 1.0 / lipschitz
    moved = smooth.penalty.prox(point.coefs - step * gradient, step)
    return lipschitz * np.abs(point.coefs - moved).max(initial=0.0)


def _datafit_lipschitz(design, datafit, fit_intercept):
    """Lipschitz constant of the datafit's gradient as a function of ``W``.

    With intercepts, of ``W -> min_b datafit(X W + b)``. Its Hessian is at most
    the block-diagonal operator that maps the column ``u`` of ``W`` to
    ``curvature_u * w_u * X^T S_u C_u X W[:, u] / m``, with ``S_u`` the sample
    weights of the rows where output ``u`` is observed and ``C_u`` the
    centering over these rows (no centering without intercepts): equal for
    the squared datafit, an upper bound for the logistic one (whose weighted
    variance around the best intercept is at most that around the weighted
    mean). When every output has every row with weight 1 the blocks differ by
    their scale only, and one block is enough. The constant is the largest
    eigenvalue of that operator, by Lanczos iterations (ARPACK) that stop when
    the residual is at most ``_LANCZOS_TOL`` times the estimate; the estimate
    times ``1 + _LANCZOS_TOL`` is then an upper bound.

    Parameters
    ----------
    design : DenseDesign or ObservedDesign
        The design matrix on the datafit's entries.
    datafit : Squared or Logistic
        Datafit of the problem.
    fit_intercept : bool
        Whether the intercepts are minimized out.

    Returns
    -------
    lipschitz : float
        At least ``1e-12``.
    """
    scale = datafit.curvature * datafit.output_weights / datafit.normalizer
    n_features = design.n_features
    if datafit.uniform:
        # A dense design: one column of W stands for all.
        X = design.X
        shape, scale = (n_features, 1), scale.max()

        def hessian_product(v):
            Z = np.asarray(X @ v.reshape(shape))
            if fit_intercept:
                Z = Z - Z.mean(axis=0)
            return (np.asarray(X.T @ Z) * scale).ravel()

    else:
        weights, shape = datafit.observed_weights, (n_features, datafit.n_outputs)

        def hessian_product(v):
            Z = design.linear(v.reshape(shape))
            if fit_intercept:
                Z = datafit.center(Z)
            return (design.adjoint(weights * Z) * scale).ravel()

    size = shape[0] * shape[1]
    operator = LinearOperator((size, size), matvec=hessian_product, dtype=np.float64)
    if size < _DENSE_BELOW:
        largest = np.linalg.eigvalsh(operator @ np.eye(size))[-1]
    else:
        start = np.random.default_rng(0).standard_normal(size)
        largest = (1.0 + _LANCZOS_TOL) * eigsh(
            operator,
            k=1,
            which="LA",
            v0=start,
            ncv=_LANCZOS_VECTORS,
            tol=_LANCZOS_TOL,
            return_eigenvectors=False,
        )[0]
    return max(float(largest), 1e-12)
