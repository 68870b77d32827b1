"""Gradient normalization (Chen et al., ICML 2018)."""

import torch

from ._base import LossWeighting, check_number
from ._gradients import representation_gradients
from ._masked_adam import masked_adam_step

__all__ = ["GradNorm"]

# Floor of a weight after its update (the update may overshoot 0).
_MIN_WEIGHT = 1e-6
# Floor of a first loss and of the mean loss ratio, divided by.
_TINY = 1e-30


class GradNorm(LossWeighting):
    """Learn task weights that balance the tasks' gradient norms.

    Every task has a weight ``v_t`` (starting at 1, summing to ``n_tasks``).
    At every step, with ``G_t = ||grad_z (v_t * loss_t)||`` the norm of the
    gradient of the weighted loss with respect to the shared representation
    ``z`` (the whole batch's), the weights take one Adam step (learning rate
    ``lr``) on

    ``sum_t |G_t - mean(G) * r_t ** alpha|``,

    the target ``mean(G) * r_t ** alpha`` being held constant, with ``r_t =
    (loss_t / loss_t(0)) / mean_j(loss_j / loss_j(0))`` the relative inverse
    training rate (``loss_t(0)``: the task's loss at the first step where it
    had labels). A task that trains slowly gets a larger target gradient
    norm, hence a larger weight; ``alpha`` sets the strength of that pull.
    After the update, the weights are floored at ``1e-6`` and rescaled so that
    their sum is unchanged. The network's step follows ``mean_t(w_t * v_t *
    grad loss_t)`` through the whole network, with the weights ``v_t`` of
    before the update and ``w_t`` the static task weights, which compose
    multiplicatively (weights applied: ``w_t * v_t``; the norms ``G_t`` leave
    the static weights out, so that balancing does not undo them).

    The weights are updated by an Adam of their own (torch's default betas
    and epsilon), whatever the net's optimizer: the paper applies "standard
    update rules" to them, and Adam's steps do not depend on the scale of the
    gradient norms, which varies with the batch size and the representation.
    The tasks counted at a step are those with a label in the batch and a
    positive static weight; the others keep their weight and Adam state
    (recorded weights: NaN for a task without a label in the batch).

    The paper takes the gradients with respect to the weights of the last
    shared layer; the shared representation is the standard cheaper choice
    (the norms come from the diagonal of the per-task gradients' Gramian,
    read off the linear heads without forming the gradients when the heads
    are linear). Cost: a backward pass through the heads and one through the
    trunk (as the summed loss), the Gramian of the representation gradients,
    and a device synchronization to select the labelled tasks.

    Parameters
    ----------
    alpha : float, default=1.5
        Strength of the pull towards a common training rate (0: equal
        gradient norms).
    lr : float, default=0.025
        Learning rate of the weights' Adam.

    Attributes
    ----------
    loss_weights_ : Tensor of shape (n_tasks,)
        The weights ``v_t`` (a buffer).
    initial_losses_ : Tensor of shape (n_tasks,)
        Each task's first loss (NaN until it had labels).
    exp_avg_, exp_avg_sq_, n_updates_ : Tensor of shape (n_tasks,)
        The weights' Adam moments and number of updates (buffers).

    References
    ----------
    Z. Chen, V. Badrinarayanan, C.-Y. Lee and A. Rabinovich, "GradNorm:
    gradient normalization for adaptive loss balancing in deep multitask
    networks", ICML 2018.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import GradNorm
    >>> weighting = GradNorm().initialize([1.0, 1.0])
    >>> losses, norms = torch.tensor([1.0, 1.0]), torch.tensor([1.0, 3.0])
    >>> weighting.update_weights(losses, norms, torch.tensor([True, True]))
    >>> weighting.loss_weights_
    tensor([1.0250, 0.9750])
    """

    def __init__(self, alpha=1.5, lr=0.025):
        super().__init__()
        self.alpha = alpha
        self.lr = lr

    @property
    def needs(self):
        return frozenset({"representation"})

    def _check_parameters(self):
        check_number(self, "alpha", self.alpha, low=0)
        check_number(self, "lr", self.lr, low=0, strict_low=True)

    def set_task_weights(self, task_weights):
        super().set_task_weights(task_weights)
        self.register_buffer("_positive", self.task_weights_ > 0, persistent=False)

    def _initialize_state(self, n_tasks):
        self.register_buffer("loss_weights_", torch.ones_like(self.task_weights_))
        nan = torch.full_like(self.task_weights_, torch.nan)
        self.register_buffer("initial_losses_", nan)
        for name in ("exp_avg_", "exp_avg_sq_", "n_updates_"):
            self.register_buffer(name, torch.zeros_like(self.task_weights_))

    def update_weights(self, task_losses, gradient_norms, counted):
        """One Adam step of the weights ``v`` on GradNorm's objective.

        Parameters
        ----------
        task_losses : Tensor of shape (n_tasks,)
            The step's losses.
        gradient_norms : Tensor of shape (n_tasks,)
            ``||grad_z loss_t||``, the norms of the unweighted losses'
            gradients (any value for a task not counted).
        counted : Tensor of bool of shape (n_tasks,)
            The tasks to update.
        """
        with torch.no_grad():
            weights = self.loss_weights_
            dtype = weights.dtype
            losses = torch.where(counted, task_losses.to(dtype), 0.0)
            unit = torch.where(counted, gradient_norms.to(dtype), 0.0)
            initial = self.initial_losses_
            initial.copy_(torch.where(counted & initial.isnan(), losses, initial))
            n_counted = counted.sum()
            ratios = torch.where(counted, losses / initial.clamp(min=_TINY), 0.0)
            mean_ratio = (ratios.sum() / n_counted.clamp(min=1)).clamp(min=_TINY)
            norms = weights * unit
            mean_norm = norms.sum() / n_counted.clamp(min=1)
            target = mean_norm * (ratios / mean_ratio) ** self.alpha
            grad = torch.where(counted, torch.sign(norms - target) * unit, 0.0)
            total = torch.where(counted, weights, 0.0).sum()
            masked_adam_step(
                weights,
                grad,
                counted,
                self.exp_avg_,
                self.exp_avg_sq_,
                self.n_updates_,
                lr=self.lr,
                weight_decay=0.0,
            )
            floored = torch.where(counted, weights.clamp(min=_MIN_WEIGHT), 0.0)
            scale = total / floored.sum().clamp(min=_TINY)
            weights.copy_(torch.where(counted, floored * scale, weights))

    def backward(self, step):
        losses = step.task_losses
        n_tasks = len(losses)
        labelled = step.labelled
        counted = labelled & self._positive
        applied = (self.loss_weights_ * self.task_weights_).to(losses)
        recorded = torch.where(labelled, applied, torch.nan)
        tasks = counted.nonzero().flatten().tolist()
        if not tasks:  # nothing to learn from in this batch
            return self.objective(losses.detach()), recorded
        gradients = representation_gradients(step, losses * applied, tasks)
        representation = step.representation
        row_weights = torch.full((len(tasks),), 1.0 / n_tasks, device=losses.device)
        direction = gradients.combine(row_weights)
        representation.backward(
            direction.to(representation.dtype).view_as(representation)
        )
        index = torch.tensor(tasks, device=losses.device)
        row_norms = gradients.gramian().diagonal().clamp(min=0).sqrt()
        norms = torch.zeros_like(applied).index_put_((index,), row_norms.to(applied))
        self.update_weights(
            losses.detach(), norms / torch.where(counted, applied, 1.0), counted
        )
        return self.objective(losses.detach()), recorded
