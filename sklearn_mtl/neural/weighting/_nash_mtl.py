"""Multi-task learning as a bargaining game (Navon et al., ICML 2022)."""

from numbers import Integral

import numpy as np
import torch

from ._aggregator import GradientAggregator
from ._base import check_number
from ._qp import symmetric_gramian

__all__ = ["NashMTL"]

# Largest weight (for unit gradients) of a solution: beyond it the gradients
# are taken as Pareto-stationary, where the bargaining problem has none.
_UNBOUNDED = 1e8


def _nash_weights(correlation, start=None, *, tol=1e-12, max_iter=200):
    """Solve ``C b = 1 / b`` (``b > 0``) for a correlation matrix ``C``.

    Damped Newton's method on the strictly convex, self-concordant ``f(b) =
    b^T C b / 2 - sum_i log b_i``, whose gradient is ``C b - 1 / b``: a full
    step when the Newton decrement ``lambda`` is below 1/4 (the region of
    quadratic convergence) or when it decreases ``f`` enough, otherwise the
    step scaled by ``1 / (1 + lambda)``, which stays in the domain and
    decreases ``f`` by at least ``lambda - log(1 + lambda)``. Once
    ``lambda^2 <= tol`` a last full step is taken, after which ``lambda^2``
    is below ``tol^2`` (self-concordance). It starts from the best multiple
    of ``start`` (default: the vector of ones, exact for orthogonal
    gradients). Returns None when ``f`` is unbounded below (some convex
    combination of the gradients is zero) or the iterations run out.
    """
    size = len(correlation)
    weights = np.ones(size) if start is None else np.asarray(start, dtype=float)
    curvature = float(weights @ correlation @ weights)
    if curvature > 0.0 and np.isfinite(curvature) and (weights > 0.0).all():
        weights = weights * np.sqrt(size / curvature)
    else:
        weights = np.ones(size)
    diagonal = np.arange(size)

    def objective(point):
        return point @ correlation @ point / 2 - np.log(point).sum()

    for _ in range(max_iter):
        inverse = 1.0 / weights
        gradient = correlation @ weights - inverse
        hessian = correlation.copy()
        hessian[diagonal, diagonal] += inverse * inverse  # positive definite
        try:
            step = np.linalg.solve(hessian, -gradient)
        except np.linalg.LinAlgError:
            return None
        decrement2 = float(-gradient @ step)
        if decrement2 <= tol:
            return weights + step
        decrement = np.sqrt(decrement2)
        full = weights + step
        if decrement < 0.25 or (
            (full > 0.0).all()
            and objective(full) <= objective(weights) - decrement2 / 4
        ):
            weights = full
        else:
            weights = weights + step / (1.0 + decrement)
        if weights.max() > _UNBOUNDED:
            return None
    return None


class NashMTL(GradientAggregator):
    """Weight the task gradients by the Nash bargaining solution.

    The direction is ``d = sum_t a_t g_t`` with ``a > 0`` solving

    ``G a = 1 / a``  (elementwise),

    that is ``g_t . d = 1 / a_t`` for every task: the stationarity condition
    of the strictly convex ``min_a a^T G a / 2 - sum_t log a_t`` (``G`` the
    Gramian), the Nash bargaining solution among the tasks, each with utility
    ``log(g_t . d)``. Then ``|d|^2 = n_tasks``, whatever the gradients'
    scale, and each weight scales as the inverse of its gradient's length.
    The solution does not exist when a convex combination of the gradients
    is zero (a Pareto-stationary point): there, and for zero gradients, see
    below.

    The problem is solved to optimality by a damped Newton method in float64
    (a few ``n_tasks x n_tasks`` solves: it starts from the tasks' previous
    weights, often one or two steps away), not by the paper's sequence of
    convex programs. It is solved on the gradients' correlation matrix
    (``b_t = a_t |g_t|``), which makes it independent of their lengths. A
    zero gradient gets a zero weight and is left out; when the remaining ones
    are Pareto-stationary (the weights of unit gradients would exceed
    ``1e8``), every weight is zero.

    As in the authors' code and TorchJD, the direction is rescaled to norm
    ``max_norm`` when it is longer (``0`` disables this), and the weights can
    be recomputed only every ``update_weights_every`` steps (the last ones of
    each task being reused in between). Cost: that of the Newton solves on
    top of the Gramian.

    Static task weights compose multiplicatively: as the solution only
    depends on the directions of the gradients, the weight of the row of
    task ``t`` (the gradient of ``w_t * loss_t``) is ``w_t`` times its
    bargaining weight, so that ``d = sum_t w_t a_t g_t`` with ``a`` the
    solution for the unweighted gradients (before the rescaling to
    ``max_norm``).

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.
    max_norm : float, default=1.0
        Largest norm of the direction (0: no limit).
    update_weights_every : int, default=1
        Steps between two computations of the weights.

    Attributes
    ----------
    bargaining_weights_ : Tensor of shape (n_tasks,)
        The last weights computed for each task, for the gradients of the
        static-weighted losses (before static weights and ``max_norm``); 1
        for a task not seen yet.
    n_steps_ : Tensor (scalar)
        Steps taken (calls to :meth:`gramian_weights`).

    References
    ----------
    A. Navon, A. Shamsian, I. Achituve, H. Maron, K. Kawaguchi, G. Chechik
    and E. Fetaya, "Multi-task learning as a bargaining game", ICML 2022.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting._nash_mtl import NashMTL
    >>> NashMTL(max_norm=0.0).aggregate(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    tensor([1., 1.])
    """

    def __init__(self, on="representation", max_norm=1.0, update_weights_every=1):
        super().__init__(on=on)
        self.max_norm = max_norm
        self.update_weights_every = update_weights_every

    def _check_parameters(self):
        super()._check_parameters()
        check_number(self, "max_norm", self.max_norm, low=0)
        every = self.update_weights_every
        if isinstance(every, bool) or not isinstance(every, Integral):
            raise TypeError(
                "Expected update_weights_every of NashMTL to be an integer; got "
                f"{every!r} instead."
            )
        check_number(self, "update_weights_every", every, low=1)

    def _initialize_state(self, n_tasks):
        device = self._state_device()
        self.register_buffer(
            "bargaining_weights_",
            torch.ones(n_tasks, dtype=torch.float64, device=device),
        )
        self.register_buffer(
            "n_steps_", torch.zeros((), dtype=torch.long, device=device)
        )

    def gramian_weights(self, gramian, tasks):
        gramian = symmetric_gramian(gramian)
        state = self.bargaining_weights_.cpu().numpy().copy()
        if int(self.n_steps_) % self.update_weights_every == 0:
            weights = self._solve(gramian, state[tasks])
            state[tasks] = weights
            self.bargaining_weights_.copy_(torch.from_numpy(state))
        else:
            weights = state[tasks]
        self.n_steps_.add_(1)
        weights = weights * self._static_weights[tasks]
        if self.max_norm > 0:
            norm = np.sqrt(max(float(weights @ gramian @ weights), 0.0))
            if norm > self.max_norm:
                weights = weights * (self.max_norm / norm)
        return torch.from_numpy(weights)

    def _solve(self, gramian, previous):
        """Bargaining weights of the rows (zero for zero rows), with Newton's
        method started from the ``previous`` ones."""
        weights = np.zeros(len(gramian))
        norms = np.sqrt(np.clip(np.diagonal(gramian), 0.0, None))
        nonzero = norms > 0.0
        if not nonzero.any():
            return weights
        if not nonzero.all():
            gramian = gramian[np.ix_(nonzero, nonzero)]
        norms = norms[nonzero]
        solution = _nash_weights(
            gramian / np.outer(norms, norms), previous[nonzero] * norms
        )
        if solution is not None:
            weights[nonzero] = solution / norms
        return weights
