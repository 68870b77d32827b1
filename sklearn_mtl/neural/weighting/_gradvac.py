"""Gradient vaccine (Wang et al., ICLR 2021)."""

import math

import torch

from ._aggregator import GradientAggregator
from ._base import check_number

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
        rows = gramian.detach().cpu().double().tolist()
        n_rows = len(rows)
        index = torch.tensor(tasks, device=self.target_similarity_.device)
        pairs = (index[:, None], index[None, :])
        targets = self.target_similarity_[pairs].cpu().double().tolist()
        norms = [math.sqrt(max(rows[j][j], 0.0)) for j in range(n_rows)]
        beta, eps = float(self.beta), float(self.eps)
        weights = [0.0] * n_rows
        for i in range(n_rows):
            # The current g_i is sum_k coefficients[k] g_k; inner[k] = g_i . g_k.
            coefficients = [0.0] * n_rows
            coefficients[i] = 1.0
            inner = list(rows[i])
            squared_norm = rows[i][i]
            others = [j for j in range(n_rows) if j != i]
            for position in torch.randperm(n_rows - 1).tolist():
                j = others[position]
                norm_i = math.sqrt(max(squared_norm, 0.0))
                dot = inner[j]
                cosine = dot / (norm_i * norms[j] + eps)
                target = targets[i][j]
                if cosine < target:
                    sine = math.sqrt(max(1.0 - cosine * cosine, 0.0))
                    target_sine = math.sqrt(max(1.0 - target * target, 0.0))
                    step = (
                        norm_i
                        * (target * sine - cosine * target_sine)
                        / (norms[j] * target_sine + eps)
                    )
                    coefficients[j] += step
                    squared_norm += step * (2.0 * dot + step * rows[j][j])
                    inner = [a + step * b for a, b in zip(inner, rows[j], strict=True)]
                targets[i][j] = (1.0 - beta) * target + beta * cosine
            weights = [w + c for w, c in zip(weights, coefficients, strict=True)]
        self.target_similarity_[pairs] = torch.tensor(targets).to(
            self.target_similarity_
        )
        return torch.tensor(weights, dtype=torch.float64, device=device)
