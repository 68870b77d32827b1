"""Random loss weighting (Lin et al., TMLR 2022)."""

import torch

from .._runtime import current_generator
from ._base import LossWeighting

__all__ = ["RandomLossWeighting"]


class RandomLossWeighting(LossWeighting):
    """Weight the task losses at random, anew at every step.

    At every training step, standard normal numbers ``eps_t`` are drawn (one
    per task) and the counted tasks get the weights

    ``lambda_t = K * softmax_t(eps_t)``

    (``K`` the number of counted tasks: the weights have mean 1 over them);
    the step follows ``mean_t(w_t * lambda_t * loss_t)``, ``w_t`` the static
    task weights, which compose multiplicatively (the weights applied are
    ``w_t * lambda_t``). The counted tasks are those with a label in the batch
    and a positive static weight; the others get no weight (recorded as NaN
    for a task without a label, 0 for a task of static weight 0). Cost: that
    of the summed loss and one draw of ``n_tasks`` numbers from torch's global
    generator (seeded by the net's ``random_state``), on the device of the
    losses.

    References
    ----------
    B. Lin, F. Ye, Y. Zhang and I. W. Tsang, "Reasonable effectiveness of
    random weighting: a litmus test for multi-task learning", TMLR 2022.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import RandomLossWeighting
    >>> weighting = RandomLossWeighting().initialize([1.0, 1.0, 1.0])
    >>> weights = weighting.draw_weights(torch.tensor([True, True, False]))
    >>> weights[2].item(), round(weights.sum().item(), 6)
    (0.0, 2.0)
    """

    def set_task_weights(self, task_weights):
        super().set_task_weights(task_weights)
        # The tasks that can be counted: those of positive static weight.
        self.register_buffer("_positive", self.task_weights_ > 0, persistent=False)

    def draw_weights(self, counted, dtype=torch.float32):
        """Draw ``lambda`` for the tasks ``counted`` (0 for the others).

        Parameters
        ----------
        counted : Tensor of bool of shape (n_tasks,)
            The tasks that share the weights.
        dtype : torch.dtype, default=torch.float32
            Of the draw.

        Returns
        -------
        weights : Tensor of shape (n_tasks,)
            Mean 1 over ``counted``; 0 elsewhere.
        """
        draws = torch.randn(
            len(counted),
            dtype=dtype,
            device=counted.device,
            generator=current_generator(counted.device),
        )
        shares = torch.softmax(draws.masked_fill(~counted, -torch.inf), 0)
        # No counted task: softmax of -inf everywhere is NaN; where() gives 0.
        return torch.where(counted, shares * counted.sum(), 0.0)

    def weighted_objective(self, step):
        losses = step.task_losses
        labelled = step.labelled
        weights = self.draw_weights(labelled & self._positive, losses.dtype)
        weights = weights * self.task_weights_.to(losses)
        objective = torch.dot(weights / len(losses), losses)
        return objective, torch.where(labelled, weights, torch.nan)
