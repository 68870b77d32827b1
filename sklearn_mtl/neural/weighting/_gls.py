"""Geometric loss strategy (Chennupati et al., CVPR Workshops 2019)."""

import torch

from ._base import LossWeighting

__all__ = ["GeometricLossStrategy"]


class GeometricLossStrategy(LossWeighting):
    """Minimize the geometric mean of the task losses.

    The step follows the gradient of ``(K / n_tasks) * GM``, with

    ``GM = (prod_t w_t * loss_t) ** (1 / K)``

    the geometric mean of the counted tasks' losses weighted by the static
    task weights ``w_t`` (``K`` counted tasks of ``n_tasks``; the factor
    ``K / n_tasks`` puts the step on the scale of the static objective, whose
    gradient also sums the counted tasks' gradients over ``n_tasks``). Its
    gradient is ``mean_t(c_t * grad loss_t)`` with the implied weights

    ``c_t = GM / loss_t``:

    a task with a small loss is weighted up, and the direction does not depend
    on the scale of any one loss (multiplying a loss by a constant multiplies
    ``GM`` by a power of that constant and leaves the direction unchanged).
    So the static weights only scale the step, by their geometric mean over
    the counted tasks: they do not change its direction.

    The counted tasks are those of positive weighted loss ``w_t * loss_t``: a
    task without a label in the batch (loss 0), of static weight 0, or whose
    loss is exactly 0 (it fits the batch, so its gradient is 0 too) is left
    out rather than making ``GM`` vanish for all, and gets the weight 0 (the
    history averages a task's weights over the batches where it has labels).
    The losses are expected non-negative, as the nets' are. The step
    differentiates ``mean_t(c_t * loss_t)`` with the weights held constant
    (the same gradient, one backward node): it costs that of the summed loss.

    References
    ----------
    S. Chennupati, G. Sistu, S. Yogamani and S. A. Rawashdeh, "MultiNet++:
    multi-stream feature aggregation and geometric loss strategy for
    multi-task learning", CVPR Workshops 2019.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import GeometricLossStrategy
    >>> weighting = GeometricLossStrategy().initialize([1.0, 1.0])
    >>> weighting.implied_weights(torch.tensor([1.0, 4.0]))
    tensor([2.0000, 0.5000])
    """

    def implied_weights(self, task_losses):
        """The weights ``c_t = GM / loss_t`` (0 for a task left out).

        Parameters
        ----------
        task_losses : Tensor of shape (n_tasks,)
            The losses, 0 for a task without a label.

        Returns
        -------
        weights : Tensor of shape (n_tasks,)
            Without gradient.
        """
        with torch.no_grad():
            weighted = task_losses * self.task_weights_.to(task_losses)
            # Unlabelled tasks have loss 0: left out with the zero losses.
            counted = weighted > 0
            logs = torch.log(torch.where(counted, weighted, 1.0))  # 0 if left out
            gm = torch.exp(logs.sum() / counted.sum().clamp(min=1))
            return torch.where(counted, gm / task_losses, 0.0)

    def weighted_objective(self, step):
        losses = step.task_losses
        weights = self.implied_weights(losses)
        return torch.dot(weights / len(losses), losses), weights
