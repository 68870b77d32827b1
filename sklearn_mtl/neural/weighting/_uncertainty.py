"""Uncertainty weighting (Kendall, Gal and Cipolla, CVPR 2018)."""

import torch
from torch import nn

from ._base import LossWeighting

__all__ = ["UncertaintyWeighting"]

# Coefficient of exp(-s) * loss in the negative log-likelihood: 1/(2 sigma^2)
# for a Gaussian regression, 1/sigma^2 for a classification (Boltzmann) task.
_DATA_TERM = {"regression": 0.5, "binary": 1.0, "multiclass": 1.0, "constant": 1.0}


class UncertaintyWeighting(LossWeighting):
    """Weight each task by a learned homoscedastic uncertainty.

    Every task has a learnable log-variance ``s_t = log sigma_t^2``, trained
    with the network by the net's optimizer, and the step minimizes

    ``mean_t w_t * (c_t * exp(-s_t) * loss_t + s_t / 2)``

    with ``c_t = 1/2`` for a regression task (Gaussian likelihood) and
    ``c_t = 1`` for a classification task (scaled softmax likelihood), ``w_t``
    the static task weights. A task's weight falls as its loss stays high: a
    noisy task is down-weighted. Tasks without a label in the batch leave the
    objective: their ``s_t`` gets no gradient (plain SGD leaves it in place; a
    momentum optimizer such as the default Adam still moves it by its
    momentum). The weights applied are
    ``w_t * c_t * exp(-s_t)``. Cost: that of the summed loss.

    Attributes
    ----------
    log_variance_ : nn.Parameter of shape (n_tasks,)
        The learned ``s_t``, initialized at 0.

    See Also
    --------
    IMTLL : The same steps on regression tasks with Adam (its objective is
        twice this one, with ``s_t`` as minus its log-scale).

    References
    ----------
    A. Kendall, Y. Gal and R. Cipolla, "Multi-task learning using uncertainty
    to weigh losses for scene geometry and semantics", CVPR 2018.

    Examples
    --------
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor
    >>> from sklearn_mtl.neural.weighting import UncertaintyWeighting
    >>> X, Y = make_multitask_regression(n_samples=100, n_tasks=3, random_state=0)
    >>> net = MultiTaskNetRegressor(
    ...     weighting=UncertaintyWeighting(), max_epochs=3, verbose=0, random_state=0
    ... ).fit(X, Y)
    >>> net.weighting_.log_variance_.shape
    torch.Size([3])
    """

    def initialize(self, task_weights, *, module=None, task_kinds=None):
        if task_kinds is None:
            task_kinds = ("regression",) * len(task_weights)
        self.register_buffer(
            "_data_term",
            torch.tensor([_DATA_TERM[kind] for kind in task_kinds]),
            persistent=False,
        )
        return super().initialize(task_weights, module=module, task_kinds=task_kinds)

    def _initialize_state(self, n_tasks):
        self.log_variance_ = nn.Parameter(torch.zeros(n_tasks))

    def weighted_objective(self, step):
        losses = step.task_losses
        labelled = step.labelled.to(losses.dtype)
        precision = torch.exp(-self.log_variance_)
        weights = self._data_term * precision
        terms = weights * losses + 0.5 * self.log_variance_ * labelled
        objective = torch.dot(self._mean_weights, terms)
        return objective, (weights * self.task_weights_).detach()
