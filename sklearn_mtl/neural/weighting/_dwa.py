"""Dynamic weight average (Liu, Johns and Davison, CVPR 2019)."""

import numpy as np
import torch

from ._base import LossWeighting, check_number

__all__ = ["DynamicWeightAverage"]


class DynamicWeightAverage(LossWeighting):
    """Weight each task by how slowly its loss fell over the last two epochs.

    In epoch ``e``, task ``t`` gets the weight

    ``lambda_t = K * softmax_t(r_t / temperature)``, with
    ``r_t = L_t(e - 1) / L_t(e - 2)``,

    where ``L_t(e)`` is the task's mean training loss over its labels in
    epoch ``e`` (the ``train_loss_<task>`` of the history; the paper averages
    the batch losses, the same when every batch has every label) and ``K``
    the number of tasks in the softmax: a task whose loss stalls is weighted
    up, and the weights have mean 1. The first two epochs have equal weights.
    The weights change once per epoch, so the step costs that of the summed
    loss: ``mean_t(w_t * lambda_t * loss_t)``, ``w_t`` the static task
    weights (they compose multiplicatively: the weights applied are
    ``w_t * lambda_t``).

    A task without a label in one of the two previous epochs (a NaN loss),
    with a ratio that is not finite (a zero loss), or with a static weight of
    0 keeps ``lambda_t = 1`` and is left out of the softmax; the others share
    ``K`` = their number, so the weights still average to 1. The weights
    recorded for a batch are those of the epoch for every task; the history
    averages them over the batches where each task had labels.

    Parameters
    ----------
    temperature : float, default=2.0
        Softness of the weights: the larger, the closer to equal weights.

    Attributes
    ----------
    loss_weights_ : Tensor of shape (n_tasks,)
        The weights ``lambda_t`` of the current epoch (a buffer).

    References
    ----------
    S. Liu, E. Johns and A. J. Davison, "End-to-end multi-task learning with
    attention", CVPR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural.weighting import DynamicWeightAverage
    >>> weighting = DynamicWeightAverage().initialize([1.0, 1.0])
    >>> weighting.begin_epoch(np.array([[1.0, 1.0], [1.0, 0.5]]))
    >>> weighting.loss_weights_
    tensor([1.1244, 0.8756])
    """

    def __init__(self, temperature=2.0):
        super().__init__()
        self.temperature = temperature

    def _check_parameters(self):
        check_number(self, "temperature", self.temperature, low=0, strict_low=True)

    def _initialize_state(self, n_tasks):
        self.register_buffer("loss_weights_", torch.ones_like(self.task_weights_))
        self._set_weights(np.ones(n_tasks))

    def set_task_weights(self, task_weights):
        super().set_task_weights(task_weights)
        if getattr(self, "loss_weights_", None) is not None:
            self._set_weights(self.loss_weights_.cpu().numpy())

    def _set_weights(self, loss_weights):
        reference = self.task_weights_
        self.loss_weights_ = torch.as_tensor(loss_weights).to(reference)
        applied = reference * self.loss_weights_
        # Derived from the two above; rebuilt whenever either changes.
        self.register_buffer("_applied", applied, persistent=False)
        self.register_buffer("_applied_mean", applied / len(applied), persistent=False)

    def begin_epoch(self, previous_task_losses):
        losses = np.asarray(previous_task_losses, dtype=np.float64)
        n_tasks = len(self._static_weights)
        weights = np.ones(n_tasks)
        if len(losses) >= 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = losses[-1] / losses[-2]
            counted = np.isfinite(ratios) & (self._static_weights > 0)
            if counted.any():
                scaled = ratios[counted] / self.temperature
                exp = np.exp(scaled - scaled.max())
                weights[counted] = counted.sum() * exp / exp.sum()
        self._set_weights(weights)

    def weighted_objective(self, step):
        losses = step.task_losses
        mean_weights = self._applied_mean
        if mean_weights.dtype != losses.dtype:  # losses of another precision
            mean_weights = mean_weights.to(losses)
        return torch.dot(mean_weights, losses), self._applied
