"""Conflict-averse gradient descent (Liu et al., NeurIPS 2021)."""

import numpy as np
import torch

from ._aggregator import GradientAggregator
from ._base import check_number
from ._qp import min_norm_simplex, symmetric_gramian

__all__ = ["CAGrad"]


def _cagrad_dual(gramian, radius, *, max_iter=100):
    """Solve ``min_{w in simplex} b^T w + radius * |g_w|`` exactly.

    ``b = G 1 / n`` (``b_i = g_i . g0``) and ``g_w = sum_i w_i g_i``. For a
    scale ``t > 0``, the minimum-norm point of the shifted points ``g_i + t
    g0`` minimizes ``|g_w|^2 + 2 t b^T w`` (as ``sum_i w_i = 1``); it solves
    the problem when ``|g_w| = radius * t`` (the joint minimum over ``w`` and
    ``s = |g_w|`` of ``b^T w + radius (|g_w|^2 / s + s) / 2``). On the
    support of that point its weights are affine in ``t``, so the equation is
    a quadratic in ``t``: it is solved on the current support, and the
    support is updated by Wolfe's algorithm at the new ``t`` until the
    root's weights are optimal there. The sign of ``radius^2 t^2 - |g_w(t)|^2``
    changes once, which brackets the search (bisection when a root leaves the
    bracket).
    """
    size = len(gramian)
    inner = gramian.sum(axis=1) / size  # b
    mean_norm2 = max(float(inner.mean()), 0.0)  # |g0|^2
    low, high = 0.0, np.inf
    t = np.sqrt(mean_norm2) / radius
    support = None
    for _ in range(max_iter):
        shifted = gramian + t * (inner[:, None] + inner[None, :]) + t * t * mean_norm2
        weights = min_norm_simplex(shifted, support=support)
        support = np.flatnonzero(weights > 0.0)
        if radius**2 * t**2 >= weights @ gramian @ weights:
            high = t
        else:
            low = t
        root = _root_on_support(gramian, inner, radius, support, low, high)
        if root is not None:
            candidate = np.zeros(size)
            candidate[support] = root[1]
            if _optimal(gramian, inner, candidate, root[0]):
                return candidate
            if root[0] == t:  # rounding: Wolfe's point at t is the answer
                break
            t = root[0]
        else:
            t = 4.0 * low if np.isinf(high) else (low + high) / 2
        if np.isfinite(high) and (high - low <= 1e-15 * high or high * radius < 1e-15):
            break  # no progress left, or the optimum has g_w = 0
    return weights


def _root_on_support(gramian, inner, radius, support, low, high):
    """The root ``t`` in ``[low, high]`` of ``radius^2 t^2 = |g_w(t)|^2`` with
    ``w(t)`` the affine weights on ``support``, and those weights."""
    size = len(support)
    system = np.ones((size + 1, size + 1))
    system[:size, :size] = gramian[np.ix_(support, support)]
    system[size, size] = 0.0
    rhs = np.zeros((size + 1, 2))
    rhs[size, 0] = 1.0
    rhs[:size, 1] = -inner[support]
    try:
        solution = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        return None
    base, slope = solution[:size, 0], solution[:size, 1]
    block = gramian[np.ix_(support, support)]
    a0, a1, a2 = base @ block @ base, base @ block @ slope, slope @ block @ slope
    valid = [
        root
        for root in _quadratic_roots(radius**2 - a2, -2.0 * a1, -a0)
        if root > 0.0 and low * (1 - 1e-12) <= root <= high * (1 + 1e-12)
    ]
    if not valid:
        return None
    t = min(valid)
    return t, base + t * slope


def _quadratic_roots(a, b, c):
    """Real roots of ``a t^2 + b t + c`` (numerically stable form)."""
    if abs(a) <= 1e-14 * (abs(b) + abs(c)):
        return [-c / b] if b != 0.0 else []
    discriminant = b * b - 4.0 * a * c
    if discriminant < 0.0:
        return []
    q = -0.5 * (b + np.copysign(np.sqrt(discriminant), b))
    return [q / a, c / q] if q != 0.0 else [0.0]


def _optimal(gramian, inner, weights, t, tol=1e-10):
    """KKT of ``min |g_w|^2 + 2 t b^T w`` over the simplex at ``weights``."""
    if weights.min() < -tol:
        return False
    gradient = gramian @ weights + t * inner
    scale = max(float(np.diagonal(gramian).max()), 1e-300)
    return float(weights @ gradient - gradient.min()) <= tol * scale


class CAGrad(GradientAggregator):
    """Improve the worst task within a ball around the mean gradient.

    With ``g0`` the mean of the task gradients ``g_t``, the direction solves

    ``max_d min_t g_t . d  subject to  |d - g0| <= c |g0|``:

    the step stays within ``c |g0|`` of the average gradient, and within that
    ball favours the task that would improve least. Through its dual, ``d =
    g0 + c |g0| g_w / |g_w|`` with ``g_w = sum_t w_t g_t`` and ``w`` solving

    ``min_w  w^T G 1 / n_tasks + c |g0| sqrt(w^T G w)``

    over the probability simplex (``G`` the Gramian). ``c = 0`` gives the
    mean gradient; a large ``c`` approaches the direction of MGDA. The
    weights of the rows are ``1 / n_tasks + c |g0| w / |g_w|``: as in the
    paper's Algorithm 1 and in TorchJD, the direction is not rescaled (the
    authors' code and LibMTL divide it by ``1 + c^2`` by default). As in
    TorchJD, the direction is zero when ``trace(G) < norm_eps`` or when
    ``|g_w|``, for gradients scaled to a unit Frobenius norm, is below
    ``norm_eps`` (approximately Pareto-stationary gradients).

    The dual is solved exactly in float64: its minimizer is the minimum-norm
    point of the convex hull of the shifted gradients ``g_t + s g0`` for the
    scale ``s`` at which ``|g_w| = c |g0| s``, found by Wolfe's algorithm and
    a root of a quadratic on its support. Cost: a few small linear solves on
    top of the Gramian.

    The rows are the gradients of the static-weighted losses ``w_t *
    loss_t``: the static weights enter ``g0`` and the tasks' gradients alike.

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.
    c : float, default=0.4
        Radius of the ball around the mean gradient, relative to its norm
        (the paper's and LibMTL's default; the paper's convergence guarantee
        needs ``0 <= c < 1``).
    norm_eps : float, default=1e-4
        Threshold on the trace of the Gramian (absolute) and on ``|g_w|``
        of the scaled gradients, below which the direction is zero.

    See Also
    --------
    MGDA : The minimum-norm point of the convex hull of the gradients.

    References
    ----------
    B. Liu, X. Liu, X. Jin, P. Stone and Q. Liu, "Conflict-averse gradient
    descent for multi-task learning", NeurIPS 2021.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting._cagrad import CAGrad
    >>> CAGrad(c=0.5).aggregate(torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))
    tensor([0.2500, 0.5000])
    """

    def __init__(self, on="representation", c=0.4, norm_eps=1e-4):
        super().__init__(on=on)
        self.c = c
        self.norm_eps = norm_eps

    def _check_parameters(self):
        super()._check_parameters()
        check_number(self, "c", self.c, low=0)
        check_number(self, "norm_eps", self.norm_eps, low=0)

    def gramian_weights(self, gramian, tasks):
        gramian = symmetric_gramian(gramian)
        n_rows = len(gramian)
        trace = float(np.trace(gramian))
        if trace < self.norm_eps or trace <= 0.0:
            return torch.zeros(n_rows, dtype=torch.float64)
        gramian = gramian / trace
        mean = np.full(n_rows, 1.0 / n_rows)
        radius = self.c * np.sqrt(max(float(mean @ gramian @ mean), 0.0))
        if radius <= 0.0:
            # The dual reduces to min_w b^T w, at the row least aligned with g0.
            dual = np.zeros(n_rows)
            dual[np.argmin(gramian @ mean)] = 1.0
            if np.sqrt(max(float(dual @ gramian @ dual), 0.0)) < self.norm_eps:
                return torch.zeros(n_rows, dtype=torch.float64)
            return torch.from_numpy(mean)
        dual = _cagrad_dual(gramian, radius)
        dual_norm = np.sqrt(max(float(dual @ gramian @ dual), 0.0))
        if dual_norm < self.norm_eps or dual_norm <= 0.0:
            return torch.zeros(n_rows, dtype=torch.float64)
        return torch.from_numpy(mean + (radius / dual_norm) * dual)
