"""Base class of the strategies that combine per-task gradients."""

import torch

from ._base import TaskWeighting
from ._gradients import (
    DenseGradients,
    apply_to_parameters,
    parameter_gradients,
    representation_gradients,
)

__all__ = ["GradientAggregator"]

ON = ("representation", "parameters")


class GradientAggregator(TaskWeighting):
    """Base class of the strategies that combine per-task gradients.

    At every step the gradients of the tasks' weighted losses ``w_t * loss_t``
    (``w`` the static task weights) are formed with respect to the shared
    representation or the shared parameters (``on``), for the tasks with a
    label in the batch and a nonzero static weight (the others are not
    counted: they give no row), and combined by
    :meth:`aggregate` into one direction for the shared parameters. Each
    task-specific parameter gets the gradient of its own task's loss, scaled
    as in the static objective (``w_t * grad loss_t / n_tasks``).

    Most aggregators are linear combinations of the rows with weights computed
    from their Gramian: they implement :meth:`gramian_weights`. The others
    override :meth:`_aggregate`.

    Parameters
    ----------
    on : {"representation", "parameters"}, default="representation"
        ``"representation"``: gradients with respect to the shared
        representation (the trunk's output), one backward pass through the
        task-specific layers, then one through the trunk; ``"parameters"``:
        gradients with respect to every shared parameter, one backward pass
        per task through the whole network.
    """

    def __init__(self, on="representation"):
        super().__init__()
        self.on = on

    @property
    def needs(self):
        return frozenset({self.on})

    def _check_parameters(self):
        if self.on not in ON:
            raise ValueError(
                f"Expected on of {type(self).__name__} to be one of "
                f"{', '.join(map(repr, ON))}; got {self.on!r} instead."
            )

    # ----------------------------------------------------- public use
    def aggregate(self, jacobian):
        """Combine per-task gradients into one update direction.

        Parameters
        ----------
        jacobian : Tensor of shape (n_tasks, dim)
            One task's gradient per row.

        Returns
        -------
        direction : Tensor of shape (dim,)
            The direction the shared parameters (or representation) follow:
            minus the update of gradient descent.
        """
        jacobian = torch.as_tensor(jacobian)
        if jacobian.ndim != 2 or not jacobian.is_floating_point():
            raise ValueError(
                "Expected a floating-point Jacobian of shape (n_tasks, dim); got "
                f"a tensor of shape {tuple(jacobian.shape)} and dtype "
                f"{jacobian.dtype} instead."
            )
        n_tasks = jacobian.shape[0]
        if getattr(self, "task_weights_", None) is None:
            self.initialize(torch.ones(n_tasks))
        elif len(self.task_weights_) != n_tasks:
            raise ValueError(
                f"Expected a Jacobian with {len(self.task_weights_)} rows, one per "
                f"task this {type(self).__name__} was initialized for; got "
                f"{n_tasks} instead."
            )
        direction, _ = self._aggregate(DenseGradients(jacobian), list(range(n_tasks)))
        return direction

    def gramian_weights(self, gramian, tasks):
        """Weights of the rows, from their Gramian.

        Parameters
        ----------
        gramian : Tensor of shape (n_rows, n_rows)
            Inner products of the per-task gradients.
        tasks : list of int
            The task of each row (for strategies that keep a state per task).

        Returns
        -------
        weights : Tensor of shape (n_rows,)
        """
        raise NotImplementedError

    def _aggregate(self, gradients, tasks):
        """Direction and row weights (None when not a weighted sum of rows)."""
        weights = self.gramian_weights(gradients.gramian(), tasks)
        return gradients.combine(weights), weights

    # ------------------------------------------------------- training
    def backward(self, step):
        losses = step.task_losses
        n_tasks = len(losses)
        objective = self.objective(losses.detach())
        # A task counts when it has labels in the batch and a nonzero weight.
        tasks = (step.labelled & (self.task_weights_ > 0)).nonzero().flatten().tolist()
        if not tasks:  # no label to learn from in this batch
            return objective, torch.full_like(self.task_weights_, torch.nan)
        weighted = losses * self.task_weights_.to(losses.dtype)
        if self.on == "representation":
            gradients = representation_gradients(step, weighted, tasks)
            direction, row_weights = self._aggregate(gradients, tasks)
            representation = step.representation
            representation.backward(
                direction.to(representation.dtype).view_as(representation)
            )
        else:
            shared = [p for p in step.shared_parameters() if p.requires_grad]
            gradients = parameter_gradients(step, weighted, tasks, shared)
            direction, row_weights = self._aggregate(gradients, tasks)
            apply_to_parameters(direction, shared)
        return objective, self._applied_weights(row_weights, tasks, n_tasks)

    def _applied_weights(self, row_weights, tasks, n_tasks):
        """Weights on the static scale, NaN for the tasks without a row:
        the direction is ``sum_r row_weights[r] * g_r`` with ``g_r`` the
        gradient of ``w_t * loss_t``, that is ``mean_t(c_t * grad loss_t)``
        with ``c_t = n_tasks * row_weights[r] * w_t``."""
        weights = self.task_weights_
        if row_weights is None:
            return torch.full_like(weights, torch.nan)
        if len(tasks) == n_tasks:
            return n_tasks * row_weights.to(weights) * weights
        applied = torch.full_like(weights, torch.nan)
        index = torch.tensor(tasks, device=weights.device)
        applied[index] = n_tasks * row_weights.to(weights) * weights[index]
        return applied
