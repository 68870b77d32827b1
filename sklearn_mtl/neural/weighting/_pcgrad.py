"""Projecting conflicting gradients (Yu et al., NeurIPS 2020)."""

import numpy as np
import torch

from .._runtime import current_generator
from ._aggregator import GradientAggregator
from ._qp import symmetric_gramian

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
        device = gramian.device
        gramian = symmetric_gramian(gramian)
        n_rows = len(gramian)
        # One order per row, drawn in row order (as Algorithm 1 visits them).
        generator = current_generator()  # CPU: the orders index numpy arrays
        orders = np.stack(
            [torch.randperm(n_rows, generator=generator).numpy() for _ in range(n_rows)]
        )
        # All rows advance together, one position of their orders at a time:
        # row i's current g_i is sum_k coefficients[i, k] g_k, and
        # inner[i, k] = g_i . g_k.
        rows = np.arange(n_rows)
        coefficients = np.eye(n_rows)
        inner = gramian.copy()
        squared_norms = np.diagonal(gramian)
        with np.errstate(divide="ignore", invalid="ignore"):
            for others in orders.T:
                dots = inner[rows, others]
                # g_i conflicts with g_j (j != i), which is then nonzero
                conflict = (dots < 0.0) & (others != rows)
                steps = np.where(conflict, -dots / squared_norms[others], 0.0)
                coefficients[rows, others] += steps
                inner += steps[:, None] * gramian[others]
        weights = coefficients.sum(axis=0)
        return torch.from_numpy(weights).to(device)
