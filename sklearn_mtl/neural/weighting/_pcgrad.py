"""Projecting conflicting gradients (Yu et al., NeurIPS 2020)."""

import torch

from ._aggregator import GradientAggregator

__all__ = ["PCGrad"]


class PCGrad(GradientAggregator):
    """Project each task's gradient off the gradients it conflicts with.

    For every task ``i``, its gradient ``g_i`` is visited against the other
    tasks' gradients in a random order: whenever the current ``g_i`` has a
    negative inner product with ``g_j``, its component along ``g_j`` is
    removed, ``g_i <- g_i - (g_i . g_j / |g_j|^2) g_j``. The direction is the
    sum of the projected gradients. Computed from the Gramian of the
    gradients (``n_tasks^2`` inner products), as a weighted sum of the rows.
    The order is drawn from torch's global generator (seeded by the net's
    ``random_state``).

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.

    References
    ----------
    T. Yu, S. Kumar, A. Gupta, S. Levine, K. Hausman and C. Finn, "Gradient
    surgery for multi-task learning", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import PCGrad
    >>> PCGrad().aggregate(torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))
    tensor([0.5000, 1.5000])
    """

    def gramian_weights(self, gramian, tasks):
        gramian = gramian.detach().cpu().double()
        n_rows = gramian.shape[0]
        weights = torch.zeros(n_rows, dtype=torch.float64)
        for i in range(n_rows):
            order = torch.randperm(n_rows)
            projected = torch.zeros(n_rows, dtype=torch.float64)
            projected[i] = 1.0
            for j in order.tolist():
                if j == i:
                    continue
                inner = gramian[j] @ projected
                if inner < 0.0:
                    projected[j] -= inner / gramian[j, j]
            weights += projected
        return weights
