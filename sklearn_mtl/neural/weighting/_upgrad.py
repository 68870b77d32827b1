"""Unconflicting projection of gradients (Quinton and Rey, 2024)."""

import numpy as np
import torch

from ._aggregator import GradientAggregator
from ._base import check_number
from ._qp import nonneg_qp, symmetric_gramian

__all__ = ["UPGrad"]


class UPGrad(GradientAggregator):
    """Average the task gradients projected onto the cone they all agree with.

    Each gradient ``g_i`` (scaled by ``1 / n_tasks``) is projected onto the
    dual cone of the gradients, ``{x : g_t . x >= 0 for every t}``, and the
    projections are summed. In terms of weights: ``d = sum_t a_t g_t`` with
    ``a = sum_i v_i`` and, for each ``i``,

    ``v_i = argmin_v v^T G v  subject to  v >= e_i / n_tasks``

    (``G`` the Gramian, ``e_i`` the ``i``-th unit vector). The direction has
    a non-negative inner product with every gradient, so no task's loss
    increases to first order, and it is the mean gradient when no two
    gradients conflict.

    As in TorchJD, the problems are solved on ``G / trace(G) + reg_eps * I``
    (the Gramian of the gradients scaled to unit Frobenius norm, made
    positive definite); when ``trace(G) < norm_eps`` the scaled Gramian is
    taken as zero, and the direction is the mean gradient. The weights do not
    otherwise depend on the gradients' overall scale. Each problem is solved
    exactly, as a non-negative quadratic program (a batched primal-dual
    active-set method in float64). Cost: a few batched ``n_tasks x n_tasks``
    solves on top of the Gramian.

    The rows are the gradients of the static-weighted losses ``w_t *
    loss_t``, so a task's static weight scales its gradient, and hence its
    projection's share of the average.

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.
    norm_eps : float, default=1e-4
        Below this trace (the sum of the squared gradient norms, an absolute
        threshold), the Gramian is treated as zero.
    reg_eps : float, default=1e-4
        Added to the diagonal of the scaled Gramian (of trace 1), so that
        the problems are strictly convex.

    See Also
    --------
    MGDA : The minimum-norm point of the convex hull of the gradients.

    References
    ----------
    P. Quinton and V. Rey, "Jacobian descent for multi-objective
    optimization", arXiv:2406.16232, 2024.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting._upgrad import UPGrad
    >>> # the projections' weights, (1/2, 1/4) and (1/2, 1/2), sum to (1, 3/4):
    >>> # d = (1, 0) + 3/4 (-1, 1), with a tiny reg_eps to give the exact values
    >>> UPGrad(reg_eps=1e-12).aggregate(torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))
    tensor([0.2500, 0.7500])
    """

    def __init__(self, on="representation", norm_eps=1e-4, reg_eps=1e-4):
        super().__init__(on=on)
        self.norm_eps = norm_eps
        self.reg_eps = reg_eps

    def _check_parameters(self):
        super()._check_parameters()
        check_number(self, "norm_eps", self.norm_eps, low=0)
        check_number(self, "reg_eps", self.reg_eps, low=0, strict_low=True)

    def gramian_weights(self, gramian, tasks):
        gramian = symmetric_gramian(gramian)
        n_rows = len(gramian)
        trace = float(np.trace(gramian))
        if trace < self.norm_eps or trace <= 0.0:
            gramian = np.zeros_like(gramian)
        else:
            gramian = gramian / trace
        gramian[np.diag_indices(n_rows)] += self.reg_eps
        # v_i = u_i + x_i with x_i >= 0 minimizing (u_i + x_i)^T G (u_i + x_i).
        lower = np.eye(n_rows) / n_rows
        shifts = nonneg_qp(gramian, lower @ gramian)
        return torch.from_numpy((lower + shifts).sum(axis=0))
