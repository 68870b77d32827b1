"""Impartial multi-task learning, gradient part (Liu et al., ICLR 2021)."""

import torch

from ._aggregator import GradientAggregator

__all__ = ["IMTLG"]


class IMTLG(GradientAggregator):
    """Combine the task gradients so that the result projects equally on each.

    The direction ``d = sum_t a_t g_t`` has the same projection on every unit
    task gradient, ``d . g_t / |g_t|`` equal for all ``t``, and weights
    summing to one. With ``G`` the Gramian of the gradients and ``n`` the
    vector of their norms (``n_t = sqrt(G_tt)``), the weights are

    ``a = G^+ n / sum(G^+ n)``

    (``G^+`` the pseudo-inverse), which also covers linearly dependent rows
    and zero gradients (a zero gradient gets a zero weight); when ``sum(G^+
    n)`` vanishes (below ``1e-12``) every weight is zero. Singular values of
    ``G`` under ``n_tasks * eps * max`` are treated as zero, ``eps`` being the
    machine precision of the Gramian's dtype. Cost: that of one small
    pseudo-inverse (``n_tasks x n_tasks``) on top of the Gramian.

    The rows are the gradients of the static-weighted losses ``w_t *
    loss_t``. Equal projections on *unit* gradients do not depend on the
    gradients' lengths, so the static task weights ``w`` only change the
    length of the step, not its direction.

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.

    References
    ----------
    L. Liu, Y. Li, Z. Kuang, J.-H. Xue, Y. Chen, W. Yang, Q. Liao and W.
    Zhang, "Towards impartial multi-task learning", ICLR 2021.

    P. Quinton and V. Rey, "Jacobian descent for multi-objective
    optimization", 2024 (the pseudo-inverse form for dependent gradients).

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import IMTLG
    >>> IMTLG().aggregate(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    tensor([0.6667, 0.6667])
    """

    def gramian_weights(self, gramian, tasks):
        # The rank cut-off follows the precision the Gramian was computed in.
        eps = torch.finfo(gramian.dtype).eps
        device = gramian.device
        gramian = gramian.detach().cpu().double()
        norms = gramian.diagonal().clamp(min=0.0).sqrt()
        solution = torch.linalg.pinv(gramian, rtol=eps * len(gramian)) @ norms
        total = solution.sum()
        if total.abs() < 1e-12:
            return torch.zeros_like(solution, device=device)
        return (solution / total).to(device)
