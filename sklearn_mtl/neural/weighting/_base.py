"""Base classes of the task weighting strategies, and the static default.

A strategy is a parameter object (``get_params`` / ``set_params``, so that
``GridSearchCV`` can search it and its parameters) and, once the net has
initialized a clone of it, a ``torch.nn.Module`` holding its state (learnable
log-variances, running averages...). The net registers that clone as
``weighting_`` next to its criterion: its parameters, if any, are trained by
the net's optimizer, moved to the net's device and saved by ``save_params``.

At every training step the net computes the per-task losses of the batch and
hands them to :meth:`TaskWeighting.backward` in a :class:`TrainingStep`; the
strategy performs the backward pass and returns the weights it applied.
"""

from numbers import Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from ..modules._protocol import missing_protocol_methods

__all__ = [
    "LossWeighting",
    "StaticWeighting",
    "TaskWeighting",
    "TrainingStep",
]


def check_number(owner, name, value, *, low=None, high=None, strict_low=False):
    """Raise a clear error unless ``value`` is a real number in range.

    Parameters
    ----------
    owner : object
        The strategy, named in the message.
    name : str
        The parameter's name.
    value : object
        Its value.
    low, high : float or None, default=None
        Bounds (``high`` inclusive).
    strict_low : bool, default=False
        Whether ``low`` is excluded.
    """
    owner = type(owner).__name__
    if isinstance(value, bool) or not isinstance(value, Real) or np.isnan(value):
        raise TypeError(
            f"Expected {name} of {owner} to be a real number; got {value!r} instead."
        )
    too_low = low is not None and (value <= low if strict_low else value < low)
    if too_low or (high is not None and value > high):
        parts = []
        if low is not None:
            parts.append(f"{'>' if strict_low else '>='} {low}")
        if high is not None:
            parts.append(f"<= {high}")
        raise ValueError(
            f"Expected {name} of {owner} {' and '.join(parts)}; got {value!r} instead."
        )


class TrainingStep:
    """What a strategy sees of one training step.

    Built by the net for every training batch and passed to
    :meth:`TaskWeighting.backward`.

    Parameters
    ----------
    task_losses : Tensor of shape (n_tasks,)
        Per-task mean losses over the batch's observed labels (0 for a task
        with none).
    y_true : Tensor of shape (batch, n_tasks)
        Encoded labels, NaN where missing.
    y_pred : Tensor of shape (batch, n_outputs)
        The module's outputs.
    module : nn.Module
        The network.
    output_sizes : tuple of int
        Number of outputs of each task (0 for a task with nothing to learn).
    representation : Tensor or None, default=None
        The shared representation, still attached to the trunk's graph, when
        the strategy asked for it (then ``y_pred`` was computed from
        ``representation_input``).
    representation_input : Tensor or None, default=None
        A detached copy of ``representation`` that requires gradients: the
        input of the task-specific part of the network.
    recompute_task_losses : callable or None, default=None
        Called without arguments after the optimizer's step, it returns the
        batch's per-task losses under the updated parameters (without
        gradients); for strategies that compare losses across a step.
    """

    def __init__(
        self,
        task_losses,
        *,
        y_true,
        y_pred,
        module,
        output_sizes,
        representation=None,
        representation_input=None,
        recompute_task_losses=None,
    ):
        self.task_losses = task_losses
        self.y_true = y_true
        self.y_pred = y_pred
        self.module = module
        self.output_sizes = output_sizes
        self.representation = representation
        self.representation_input = representation_input
        self.recompute_task_losses = recompute_task_losses
        self._labelled = None

    @property
    def labelled(self):
        """Bool tensor of shape (n_tasks,): tasks with a label to learn from here.

        A task counts when it has at least one observed label in the batch
        and at least one output (a single-class task has none).
        """
        if self._labelled is None:
            observed = (self.y_true == self.y_true).any(0)
            if all(size > 0 for size in self.output_sizes):
                self._labelled = observed
            else:
                has_outputs = torch.tensor(
                    [size > 0 for size in self.output_sizes], device=observed.device
                )
                self._labelled = observed & has_outputs
        return self._labelled

    def shared_parameters(self):
        """The module's shared parameters (a list)."""
        return list(self.module.shared_parameters())

    def task_specific_parameters(self):
        """The module's parameters that are not shared, requiring gradients."""
        shared = {id(parameter) for parameter in self.module.shared_parameters()}
        return [
            parameter
            for parameter in self.module.parameters()
            if parameter.requires_grad and id(parameter) not in shared
        ]


class TaskWeighting(BaseEstimator, nn.Module):
    """Base class of the task weighting strategies.

    Subclasses implement :meth:`backward`; those that need something of the
    module declare it in :attr:`needs`. The static task weights of the net
    (``task_weights``) are given to :meth:`initialize`; how each strategy
    composes them with its own weights is in its documentation.

    The training objective recorded in the history (``train_loss``,
    ``valid_loss``) is the same for every strategy, :meth:`objective`: the
    task-weighted mean of the per-task losses with the static weights. It is
    what early stopping and model selection compare; the weights a strategy
    applied are recorded next to it (``task_weights``).
    """

    def __init__(self):
        nn.Module.__init__(self)

    @property
    def needs(self):
        """What the strategy needs of the module: a subset of
        ``{"representation", "parameters"}`` (empty: any module works)."""
        return frozenset()

    # ------------------------------------------------------------ set-up
    def initialize(self, task_weights, *, module=None, task_kinds=None):
        """Set up the state of the strategy for ``len(task_weights)`` tasks.

        Called by the net on a clone of the strategy (the net's
        ``weighting_``), after the module is built.

        Parameters
        ----------
        task_weights : array-like of shape (n_tasks,)
            The net's static task weights (mean 1).
        module : nn.Module or None, default=None
            The network, checked against :attr:`needs`.
        task_kinds : sequence of str or None, default=None
            Kind of each task (``"regression"``, ``"binary"``, ``"multiclass"``
            or ``"constant"``); None means regression tasks.

        Returns
        -------
        self : TaskWeighting
        """
        self._check_parameters()
        if module is not None:
            self._check_module(module)
        self.set_task_weights(task_weights)
        self._initialize_state(len(task_weights))
        return self

    def set_task_weights(self, task_weights):
        """Replace the static task weights (``partial_fit`` after ``set_params``).

        Parameters
        ----------
        task_weights : array-like of shape (n_tasks,)
        """
        self._static_weights = np.asarray(task_weights, dtype=np.float64)
        weights = torch.as_tensor(self._static_weights)
        device = self._state_device()
        # Non-persistent buffers: they follow the module to its device, and the
        # net rebuilds them from its own task_weights when it is restored.
        self.register_buffer(
            "task_weights_", weights.to(device, torch.float32), persistent=False
        )
        self.register_buffer(
            "_mean_weights",
            (weights / len(weights)).to(device, torch.float32),
            persistent=False,
        )

    def _state_device(self):
        existing = getattr(self, "task_weights_", None)
        return existing.device if existing is not None else torch.device("cpu")

    def _check_parameters(self):
        """Raise a clear error for invalid parameters (subclasses extend it)."""

    def _check_module(self, module):
        """Raise a clear error when ``module`` lacks what :attr:`needs` asks."""
        if not self.needs:
            return
        missing = missing_protocol_methods(module)
        if missing:
            raise TypeError(
                f"{self!r} needs a module following the multi-task module protocol "
                "(shared_representation, task_outputs, shared_parameters; see "
                f"sklearn_mtl.neural.modules.MultiTaskModule); got "
                f"{type(module).__name__}, which lacks {', '.join(missing)}. Use "
                "MultiTaskMLP (with module__trunk=... for a trunk of your own) or "
                "implement the protocol."
            )

    def _initialize_state(self, n_tasks):
        """Create the fitted state (parameters, buffers) for ``n_tasks`` tasks."""

    # ---------------------------------------------------------- training
    def objective(self, task_losses):
        """The recorded objective: ``mean_t(w_t * loss_t)`` with the static weights.

        Parameters
        ----------
        task_losses : Tensor of shape (n_tasks,)

        Returns
        -------
        objective : Tensor (scalar)
        """
        weights = self._mean_weights
        if weights.device != task_losses.device or weights.dtype != task_losses.dtype:
            weights = weights.to(task_losses.device, task_losses.dtype)
            self._mean_weights = weights
        return torch.dot(weights, task_losses)

    def epoch_objective(self, task_means):
        """:meth:`objective` over an epoch, from each task's mean loss.

        Parameters
        ----------
        task_means : ndarray of shape (n_tasks,)
            Each task's mean loss over its labels of the epoch, NaN for a task
            without labels (left out of the mean).

        Returns
        -------
        objective : float
            NaN when no task has labels.
        """
        labelled = ~np.isnan(task_means)
        if not labelled.any():
            return np.nan
        return float(np.mean(self._static_weights[labelled] * task_means[labelled]))

    def begin_epoch(self, previous_task_losses):
        """Hook called at the start of every training epoch.

        Parameters
        ----------
        previous_task_losses : ndarray of shape (n_epochs, n_tasks)
            Each task's mean training loss in the last two completed epochs,
            oldest first (fewer rows in the first two epochs; NaN where a task
            had no label).
        """

    def backward(self, step):
        """Perform the backward pass of a training step.

        Parameters
        ----------
        step : TrainingStep

        Returns
        -------
        objective : Tensor (scalar)
            :meth:`objective` of the step's losses, for the history.
        weights : Tensor of shape (n_tasks,) or None
            The weight each task's loss was given, on the scale of the static
            weights: the step follows ``mean_t(weights_t * grad loss_t)`` (NaN
            for a task that did not count); None means the static weights.
        """
        raise NotImplementedError

    def after_optimizer_step(self, step):
        """Hook called after the optimizer's step (no-op by default).

        Parameters
        ----------
        step : TrainingStep
        """


class StaticWeighting(TaskWeighting):
    """The net's static task weights: ``mean_t(w_t * loss_t)`` (``weighting=None``).

    The default strategy: one backward pass of the task-weighted mean of the
    task losses, with the weights given as the net's ``task_weights``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural.weighting import StaticWeighting
    >>> weighting = StaticWeighting().initialize([0.5, 1.5])
    >>> weighting.objective(torch.tensor([2.0, 4.0]))
    tensor(3.5000)
    """

    def backward(self, step):
        loss = self.objective(step.task_losses)
        if loss.requires_grad:  # False when every task has a single class
            loss.backward()
        return loss, None


class LossWeighting(TaskWeighting):
    """Base class of the strategies that reweight the task losses.

    Subclasses implement :meth:`weighted_objective`, the scalar whose gradient
    the step follows; it is differentiated once, through the whole network.
    """

    def weighted_objective(self, step):
        """The scalar to differentiate, and the weights it gives the tasks.

        Parameters
        ----------
        step : TrainingStep

        Returns
        -------
        objective : Tensor (scalar)
        weights : Tensor of shape (n_tasks,)
            Detached weights, on the scale of the static weights.
        """
        raise NotImplementedError

    def backward(self, step):
        objective, weights = self.weighted_objective(step)
        if objective.requires_grad:
            objective.backward()
        return self.objective(step.task_losses.detach()), weights
