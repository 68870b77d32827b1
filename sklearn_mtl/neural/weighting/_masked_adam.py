"""Adam on the entries of a state tensor that count in a step (FAMO, GradNorm)."""

import torch

__all__ = ["masked_adam_step"]

_BETAS = (0.9, 0.999)
_ADAM_EPSILON = 1e-8


def masked_adam_step(
    value, grad, mask, exp_avg, exp_avg_sq, steps, *, lr, weight_decay
):
    """One Adam step on the entries ``mask`` of ``value``, in place.

    The rule of ``torch.optim.Adam`` with its default betas and epsilon and
    L2 ``weight_decay`` (added to the gradient), where each entry counts its
    own steps for the bias corrections: an entry outside ``mask`` keeps its
    value and its moments, as if the step had not happened for it.

    Parameters
    ----------
    value, grad, exp_avg, exp_avg_sq, steps : Tensor of shape (n,)
        The parameter, its gradient, Adam's moments and step counts.
    mask : Tensor of bool of shape (n,)
    lr, weight_decay : float
    """
    beta1, beta2 = _BETAS
    grad = grad + weight_decay * value
    steps.add_(mask.to(steps.dtype))
    exp_avg.copy_(torch.where(mask, torch.lerp(exp_avg, grad, 1 - beta1), exp_avg))
    exp_avg_sq.copy_(
        torch.where(mask, beta2 * exp_avg_sq + (1 - beta2) * grad * grad, exp_avg_sq)
    )
    # Entries never stepped have steps = 0: their update is masked out below.
    step_size = lr / (1 - beta1**steps)
    denom = exp_avg_sq.sqrt() / (1 - beta2**steps).sqrt() + _ADAM_EPSILON
    value.sub_(torch.where(mask, step_size * exp_avg / denom, 0.0))
