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
        # Python floats: a few microseconds per pair, where tensor operations
        # on 12-vectors cost ten times more.
        rows = gramian.detach().cpu().double().tolist()
        n_rows = len(rows)
        weights = [0.0] * n_rows
        for i in range(n_rows):
            order = torch.randperm(n_rows).tolist()
            # The current g_i is sum_k projected[k] g_k; inner[k] = g_i . g_k.
            projected = [0.0] * n_rows
            projected[i] = 1.0
            inner = list(rows[i])
            for j in order:
                if j == i or not inner[j] < 0.0:
                    continue
                step = -inner[j] / rows[j][j]
                projected[j] += step
                inner = [a + step * b for a, b in zip(inner, rows[j], strict=True)]
            weights = [w + p for w, p in zip(weights, projected, strict=True)]
        return torch.tensor(weights, dtype=torch.float64, device=gramian.device)
