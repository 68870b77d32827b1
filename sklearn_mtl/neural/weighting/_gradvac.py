"""Gradient vaccine (Wang et al., ICLR 2021)."""

import numpy as np
import torch

from .._runtime import current_generator
from ._aggregator import GradientAggregator
from ._base import check_number
from ._qp import symmetric_gramian

__all__ = ["GradVac"]


class GradVac(GradientAggregator):
    """Pull each pair of task gradients toward a running target similarity.

    For every task ``i``, its gradient ``g_i`` is visited against the other
    tasks' gradients ``g_j`` in a random order. With ``phi`` the cosine
    similarity of the current ``g_i`` and ``g_j``, and ``phi_hat_ij`` the
    target of the pair, a ``g_i`` less aligned than its target
    (``phi < phi_hat_ij``) becomes

    ``g_i + |g_i| (phi_hat_ij sqrt(1 - phi^2) - phi sqrt(1 - phi_hat_ij^2))
    / (|g_j| sqrt(1 - phi_hat_ij^2)) g_j``,

    whose cosine with ``g_j`` is ``phi_hat_ij``; the target then follows an
    exponential moving average, ``phi_hat_ij <- (1 - beta) phi_hat_ij + beta
    phi``, with ``phi`` the similarity before the correction. The direction
    is the sum of the corrected gradients. Targets start at 0, so the first
    step projects conflicting gradients as PCGrad does. ``eps`` is added to
    the denominators. Computed from the Gramian of the gradients
    (``n_tasks^2`` inner products), as a weighted sum of the rows; the order
    is drawn from torch's global generator (seeded by the net's
    ``random_state``), one ``torch.randperm(n_rows - 1)`` per row.

    The targets are kept across steps, one per ordered pair of tasks; a pair
    whose two tasks have labels in the batch is the only one that moves. The
    rows are the gradients of the static-weighted losses ``w_t * loss_t``:
    cosines do not depend on ``w``, each corrected gradient scales with its
    task's ``w_t``.

    Parameters
    ----------
    beta : float, default=0.5
        Rate of the moving average of the targets, in ``[0, 1]`` (0 keeps
        them at 0: PCGrad's projection, up to ``eps``).
    eps : float, default=1e-8
        Non-negative constant added to the denominators.
    on : {"representation", "parameters"}, default="representation"
        What the per-task gradients are taken with respect to; see
        :class:`~sklearn_mtl.neural.weighting.GradientAggregator`.

    Attributes
    ----------
    target_similarity_ : Tensor of shape (n_tasks, n_tasks)
        The targets ``phi_hat_ij`` (float32 buffer, saved with the net's
        ``save_params(f_weighting=...)``); the diagonal is unused.

    References
    ----------
    Z. Wang, Y. Tsvetkov, O. Firat and Y. Cao, "Gradient vaccine:
    investigating and improving multi-task optimization in massively
    multilingual models", ICLR 2021.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import GradVac
    >>> aggregator = GradVac()
    >>> aggregator.aggregate(torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))
    tensor([0.5000, 1.5000])
    >>> aggregator.target_similarity_
    tensor([[ 0.0000, -0.3536],
            [-0.3536,  0.0000]])
    """

    def __init__(self, beta=0.5, eps=1e-8, on="representation"):
        super().__init__(on=on)
        self.beta = beta
        self.eps = eps

    def _check_parameters(self):
        super()._check_parameters()
        check_number(self, "beta", self.beta, low=0, high=1)
        check_number(self, "eps", self.eps, low=0)

    def _initialize_state(self, n_tasks):
        self.register_buffer(
            "target_similarity_",
            torch.zeros(
                (n_tasks, n_tasks), dtype=torch.float32, device=self._state_device()
            ),
        )

    def gramian_weights(self, gramian, tasks):
        device = gramian.device
        gramian = symmetric_gramian(gramian)
        n_rows = len(gramian)
        index = torch.tensor(tasks, device=self.target_similarity_.device)
        pairs = (index[:, None], index[None, :])
        targets = self.target_similarity_[pairs].cpu().double().numpy()
        norms = np.sqrt(np.maximum(np.diagonal(gramian), 0.0))
        beta, eps = float(self.beta), float(self.eps)
        # One order of the other rows per row, drawn in row order.
        generator = current_generator()  # CPU: the orders index numpy arrays
        positions = [
            torch.randperm(n_rows - 1, generator=generator).numpy()
            for _ in range(n_rows)
        ]
        rows = np.arange(n_rows)
        # All rows advance together, one position of their orders at a time:
        # row i's current g_i is sum_k coefficients[i, k] g_k, with
        # inner[i, k] = g_i . g_k and squared norm squared_norms[i].
        coefficients = np.eye(n_rows)
        inner = gramian.copy()
        squared_norms = np.diagonal(gramian).copy()
        for position in np.stack(positions, axis=1):
            others = position + (position >= rows)  # skip the row itself
            norm = np.sqrt(np.maximum(squared_norms, 0.0))
            dots = inner[rows, others]
            cosines = dots / (norm * norms[others] + eps)
            target = targets[rows, others]
            below = cosines < target
            sines = np.sqrt(np.maximum(1.0 - cosines[below] ** 2, 0.0))
            target_sines = np.sqrt(np.maximum(1.0 - target[below] ** 2, 0.0))
            steps = np.zeros(n_rows)
            steps[below] = (
                norm[below]
                * (target[below] * sines - cosines[below] * target_sines)
                / (norms[others[below]] * target_sines + eps)
            )
            coefficients[rows, others] += steps
            squared_norms += steps * (2.0 * dots + steps * gramian[others, others])
            inner += steps[:, None] * gramian[others]
            targets[rows, others] = (1.0 - beta) * target + beta * cosines
        self.target_similarity_[pairs] = torch.from_numpy(targets).to(
            self.target_similarity_
        )
        return torch.from_numpy(coefficients.sum(axis=0)).to(device)
