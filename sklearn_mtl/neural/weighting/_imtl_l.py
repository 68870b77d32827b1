"""Impartial multi-task learning, loss balance (Liu et al., ICLR 2021)."""

import torch
from torch import nn

from ._base import LossWeighting

__all__ = ["IMTLL"]


class IMTLL(LossWeighting):
    """Scale each task's loss by a learned factor that keeps it near 1.

    Every task has a learnable log-scale ``s_t``, trained with the network by
    the net's optimizer, and the step minimizes

    ``mean_t w_t * (exp(s_t) * loss_t - s_t)``

    with ``w_t`` the static task weights. For a fixed loss, the term is
    smallest at ``exp(s_t) * loss_t = 1``: the scaled losses are driven to a
    common level whatever the scale of each task's loss. The weights applied
    are ``w_t * exp(s_t)`` (the static weights compose multiplicatively and do
    not move the optimum of ``s_t``). Tasks without a label in the batch leave
    the objective: their ``s_t`` gets no gradient (plain SGD leaves it in
    place; a momentum optimizer such as the default Adam still moves it by its
    momentum), and their recorded weight is NaN. Cost: that of the summed
    loss.

    On ``n`` tasks, all labelled, with unit static weights, the objective is
    TorchJD's ``IMTLL`` scalarization divided by ``n``.

    Attributes
    ----------
    log_scale_ : nn.Parameter of shape (n_tasks,)
        The learned ``s_t``, initialized at 0.

    References
    ----------
    L. Liu, Y. Li, Z. Kuang, J.-H. Xue, Y. Chen, W. Yang, Q. Liao and W. Zhang,
    "Towards impartial multi-task learning", ICLR 2021.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import IMTLL
    >>> weighting = IMTLL().initialize([1.0, 1.0])
    >>> weighting.log_scale_.shape
    torch.Size([2])
    """

    def _initialize_state(self, n_tasks):
        self.log_scale_ = nn.Parameter(torch.zeros(n_tasks))

    def weighted_objective(self, step):
        losses = step.task_losses
        labelled = step.labelled
        log_scale = self.log_scale_
        scale = torch.exp(log_scale)
        terms = scale * losses - log_scale * labelled
        objective = torch.dot(self._mean_weights.to(terms), terms)
        weights = (scale * self.task_weights_).detach().to(losses)
        return objective, torch.where(labelled, weights, torch.nan)
