"""Fast adaptive multitask optimization (Liu et al., NeurIPS 2023)."""

import torch

from ._base import LossWeighting, check_number
from ._masked_adam import masked_adam_step

__all__ = ["FAMO"]

# Added to the losses before their logarithm (as the authors' code does).
_EPSILON = 1e-8


class FAMO(LossWeighting):
    """Fast adaptive multitask optimization: decrease all losses at one rate.

    Every task has a logit ``xi_t``. With ``z = softmax(xi)`` over the ``K``
    counted tasks of the batch, the step follows the gradient of

    ``(1 / n_tasks) * sum_t w_t * K * c * z_t * log(loss_t + eps)``, with
    ``c = 1 / sum_t (z_t / (loss_t + eps))``

    held constant (``w_t`` the static task weights, ``eps = 1e-8``), that is
    ``mean_t(w_t * lambda_t * grad loss_t)`` with

    ``lambda_t = K * c * z_t / (loss_t + eps)``,

    weights of mean 1 over the counted tasks (computed without gradient; the
    step differentiates ``mean_t(w_t * lambda_t * loss_t)``, which has the
    same gradient). The static weights compose multiplicatively: the weights
    applied are ``w_t * lambda_t``.

    After the optimizer's step, the losses of the same batch are computed
    again, and the logits take one Adam step (learning rate ``lr``, L2 weight
    decay ``gamma``, torch's default betas and epsilon) on ``z . delta``,
    where ``delta_t = log(loss_t + eps) - log(new_loss_t + eps)`` is each
    task's decrease of log loss across the step: the tasks that improved
    least are weighted up. The counted tasks are those with a label in the
    batch and a positive static weight; the others keep their logit and Adam
    state through the step (recorded weights: NaN for a task without a label,
    0 for a task of static weight 0). The losses are expected non-negative
    (their lower bound is taken to be 0).

    Cost: that of the summed loss, plus one forward pass of the batch without
    gradients after the step (about a third of a step of a plain MLP), as in
    the paper's algorithm and the authors' code; comparing with the next
    batch's losses instead would save that pass but mix the change of batch
    into ``delta``.

    Parameters
    ----------
    lr : float, default=0.025
        Learning rate of the logits' Adam.
    gamma : float, default=0.001
        Weight decay of the logits: the paper's regularization coefficient
        (1e-3 in its Algorithm 2 and in LibMTL; the authors' code uses 1e-5).

    Attributes
    ----------
    logits_ : Tensor of shape (n_tasks,)
        The logits ``xi_t`` (a buffer), initialized at 0.
    exp_avg_, exp_avg_sq_, n_updates_ : Tensor of shape (n_tasks,)
        The logits' Adam moments and number of updates (buffers).

    References
    ----------
    B. Liu, Y. Feng, P. Stone and Q. Liu, "FAMO: fast adaptive multitask
    optimization", NeurIPS 2023.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import FAMO
    >>> weighting = FAMO().initialize([1.0, 1.0])
    >>> before, after = torch.tensor([1.0, 1.0]), torch.tensor([0.5, 1.0])
    >>> weighting.update_logits(before, after, torch.tensor([True, True]))
    >>> weighting.logits_
    tensor([-0.0250,  0.0250])
    """

    def __init__(self, lr=0.025, gamma=0.001):
        super().__init__()
        self.lr = lr
        self.gamma = gamma

    def _check_parameters(self):
        check_number(self, "lr", self.lr, low=0, strict_low=True)
        check_number(self, "gamma", self.gamma, low=0)

    def set_task_weights(self, task_weights):
        super().set_task_weights(task_weights)
        self.register_buffer("_positive", self.task_weights_ > 0, persistent=False)

    def _initialize_state(self, n_tasks):
        for name in ("logits_", "exp_avg_", "exp_avg_sq_", "n_updates_"):
            self.register_buffer(name, torch.zeros_like(self.task_weights_))

    def _shares(self, counted, dtype):
        """``z``: softmax of the counted tasks' logits (0 elsewhere)."""
        logits = self.logits_.to(dtype).masked_fill(~counted, -torch.inf)
        return torch.where(counted, torch.softmax(logits, 0), 0.0)

    def weighted_objective(self, step):
        losses = step.task_losses
        labelled = step.labelled
        with torch.no_grad():
            counted = labelled & self._positive
            shares = self._shares(counted, losses.dtype)
            inverse = shares / (losses + _EPSILON)
            # K * c * z_t / (loss_t + eps), times the static weights
            scale = counted.sum() / inverse.sum().clamp(min=1e-30)
            weights = inverse * scale * self.task_weights_.to(losses)
        # The gradient of the log objective, with the weights held constant.
        objective = torch.dot(weights / len(losses), losses)
        return objective, torch.where(labelled, weights, torch.nan)

    def update_logits(self, losses, new_losses, counted):
        """One Adam step of the logits from the losses before and after a step.

        Parameters
        ----------
        losses, new_losses : Tensor of shape (n_tasks,)
            The batch's losses before and after the network's update.
        counted : Tensor of bool of shape (n_tasks,)
            The tasks to update.
        """
        with torch.no_grad():
            dtype = self.logits_.dtype
            shifted = torch.where(counted, losses.to(dtype), 1.0) + _EPSILON
            new_shifted = torch.where(counted, new_losses.to(dtype), 1.0) + _EPSILON
            decrease = torch.log(shifted) - torch.log(new_shifted)
            shares = self._shares(counted, dtype)
            # Gradient of shares . decrease through the softmax of the counted.
            grad = shares * (decrease - torch.dot(shares, decrease))
            masked_adam_step(
                self.logits_,
                grad,
                counted,
                self.exp_avg_,
                self.exp_avg_sq_,
                self.n_updates_,
                lr=self.lr,
                weight_decay=self.gamma,
            )

    def after_optimizer_step(self, step):
        counted = step.labelled & self._positive
        new_losses = step.recompute_task_losses()
        self.update_logits(step.task_losses.detach(), new_losses, counted)
