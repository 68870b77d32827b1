"""Recording inter-task affinity while a net trains (through its weighting seam).

:class:`AffinityRecorder` is a weighting strategy that wraps the net's own
strategy: at every training step it measures, on the batch, how a step along
each task's gradient on the shared representation changes every task's loss
(or how the tasks' representation gradients align), then lets the wrapped
strategy perform the step as usual. :class:`AffinityBatchHook`, a callback,
hands it what the seam's :class:`~sklearn_mtl.neural.weighting.TrainingStep`
does not carry: the batch's inputs (gated modules read them in
``task_outputs``) and the net's per-task loss on the batch's targets (with its
sample weights).
"""

from functools import partial

import torch
from sklearn.base import clone
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

from ..neural.weighting import TaskWeighting, check_weighting
from ..neural.weighting._base import check_number
from ..neural.weighting._gradients import (
    DenseGradients,
    ReadoutGradients,
    _task_columns,
)

__all__ = ["METHODS", "AffinityBatchHook", "AffinityRecorder"]

METHODS = ("lookahead", "gradient_cosine")


class AffinityRecorder(TaskWeighting):
    """Train with ``strategy`` and record the inter-task affinity of each step.

    Used by :class:`~sklearn_mtl.task_selection.TaskAffinity`, which sets it as
    the ``weighting`` of a copy of the net together with an
    :class:`AffinityBatchHook` callback.

    Parameters
    ----------
    strategy : None, str or TaskWeighting, default=None
        The net's own weighting strategy, which performs the steps (None: the
        static task weights). A strategy that works on the shared parameters
        (``on="parameters"``) is refused: the recorder needs the net to split
        its forward pass at the shared representation.
    method : {"lookahead", "gradient_cosine"}, default="lookahead"
        What is recorded; see :class:`~sklearn_mtl.task_selection.TaskAffinity`.
    lr : float, default=0.1
        Step size of the lookahead on the representation.
    """

    def __init__(self, strategy=None, method="lookahead", lr=0.1):
        super().__init__()
        self.strategy = strategy
        self.method = method
        self.lr = lr

    @property
    def needs(self):
        return frozenset({"representation"}) | check_weighting(self.strategy).needs

    def _check_parameters(self):
        if self.method not in METHODS:
            raise ValueError(
                f"Expected method to be one of {', '.join(map(repr, METHODS))}; "
                f"got {self.method!r} instead."
            )
        check_number(self, "lr", self.lr, low=0.0, strict_low=True)
        inner = check_weighting(self.strategy)
        if "parameters" in inner.needs:
            raise ValueError(
                "TaskAffinity records the affinity on the shared representation; "
                f"it cannot train with {inner!r}, which works on the shared "
                "parameters. Use on='representation' (the default) or another "
                "strategy."
            )

    def initialize(self, task_weights, *, module=None, task_kinds=None):
        self.strategy_ = clone(check_weighting(self.strategy))
        super().initialize(task_weights, module=module, task_kinds=task_kinds)
        self.strategy_.initialize(task_weights, module=module, task_kinds=task_kinds)
        return self

    def set_task_weights(self, task_weights):
        super().set_task_weights(task_weights)
        inner = getattr(self, "strategy_", None)
        if inner is not None and getattr(inner, "task_weights_", None) is not None:
            inner.set_task_weights(task_weights)

    def _initialize_state(self, n_tasks):
        self.n_tasks_ = n_tasks
        self.reset_affinity()

    def reset_affinity(self):
        """Forget what was recorded."""
        n_tasks = self.n_tasks_
        device = self._state_device()
        # Not in the state_dict: restoring the best epoch's weights (early
        # stopping) must not rewind what was recorded after it.
        zeros = torch.zeros(n_tasks, n_tasks, device=device)
        self.register_buffer("affinity_sum_", zeros, persistent=False)
        self.register_buffer("affinity_count_", zeros.clone(), persistent=False)
        self.n_steps_ = 0
        self._batch = None

    def set_batch(self, inputs, task_losses):
        """What the next training step's seam does not carry (see the hook).

        Parameters
        ----------
        inputs : Tensor of shape (batch, ...)
            The batch's inputs.
        task_losses : callable
            ``task_losses(y_pred)``: the net's per-task losses of outputs
            ``y_pred`` against the batch's targets, a Tensor of shape
            ``(n_tasks,)``.
        """
        self._batch = (inputs, task_losses)

    def set_primary_tasks(self, primary_tasks):
        """Hand the net's primary tasks to the wrapped strategy if it takes them.

        Parameters
        ----------
        primary_tasks : list of int or None
        """
        inner = getattr(self, "strategy_", None)
        forward = getattr(inner, "set_primary_tasks", None)
        if callable(forward):
            forward(primary_tasks)

    # ---------------------------------------------------------- training
    def objective(self, task_losses):
        return self.strategy_.objective(task_losses)

    def epoch_objective(self, task_means):
        return self.strategy_.epoch_objective(task_means)

    def begin_epoch(self, previous_task_losses):
        self.strategy_.begin_epoch(previous_task_losses)

    def after_optimizer_step(self, step):
        self.strategy_.after_optimizer_step(step)

    def backward(self, step):
        self._record(step)
        inner = self.strategy_
        objective, weights = inner.backward(step)
        if "representation" not in inner.needs:
            # The inner strategy stopped at the detached representation the
            # task outputs were computed from: carry on through the trunk.
            grad = step.representation_input.grad
            if grad is not None:
                step.representation.backward(grad)
        return objective, weights

    # --------------------------------------------------------- recording
    def affinity(self):
        """The mean recorded affinity and the number of steps behind each pair.

        Returns
        -------
        affinity : ndarray of shape (n_tasks, n_tasks)
            NaN for a pair never recorded.
        counts : ndarray of shape (n_tasks, n_tasks)
        """
        counts = self.affinity_count_.detach().cpu().double()
        sums = self.affinity_sum_.detach().cpu().double()
        affinity = torch.where(counts > 0, sums / counts.clamp(min=1), torch.nan)
        return affinity.numpy(), counts.numpy().astype(int)

    def _record(self, step):
        labelled = step.labelled
        every_task = bool(labelled.all())
        tasks = torch.arange(len(labelled), device=labelled.device)
        if not every_task:
            tasks = tasks[labelled]
            if tasks.numel() == 0:
                return
        observed = (step.y_true == step.y_true).to(step.representation_input.dtype)
        # co[i, j]: rows of the batch labelled for both tasks i and j
        co_labelled = observed.T @ observed
        gradients = TaskGradients(step, tasks.tolist())
        if self.method == "gradient_cosine":
            values = _cosines(gradients.rows().gramian())
            if not every_task:
                values = _scatter_columns(values, tasks, len(labelled))
        else:
            # Each labelled row moves along the gradient of its own loss: the
            # gradient of the batch mean times the number of labelled rows.
            labels = torch.diagonal(co_labelled)
            steps = self.lr * (labels if every_task else labels[tasks])
            values = self._lookahead(step, gradients, steps)
        if not every_task:
            co_labelled = co_labelled[tasks]
        counted = (co_labelled > 0) & (values == values)  # NaN: nothing to compare
        values = torch.where(counted, values, 0.0)
        if every_task:
            self.affinity_sum_.add_(values)
            self.affinity_count_.add_(counted.to(values.dtype))
        else:
            self.affinity_sum_.index_add_(0, tasks, values)
            self.affinity_count_.index_add_(0, tasks, counted.to(values.dtype))
        self.n_steps_ += 1

    def _lookahead(self, step, gradients, steps):
        """``1 - L_j(z - steps_i * grad_i) / L_j(z)`` for the gradients' tasks."""
        if self._batch is None:
            raise RuntimeError(
                "AffinityRecorder needs the AffinityBatchHook callback on the net "
                "(TaskAffinity adds it); no batch was handed over."
            )
        inputs, task_losses = self._batch
        self._batch = None
        y_pred = step.y_pred.detach()
        # Copy 0 is the unmoved batch, copy 1 + r the batch moved along row r.
        # The copies' outputs and losses are formed a block of copies at a
        # time (BLOCK_ELEMENTS), not all n_tasks + 1 at once: their memory
        # does not grow with the number of tasks.
        n_copies = len(gradients.tasks) + 1
        size = max(y_pred.numel(), step.representation_input.numel())
        block = _block_size(n_copies, size)
        losses = []
        for start in range(0, n_copies, block):
            stop = min(start + block, n_copies)
            if gradients.readout is not None:
                outputs = _moved_readout_outputs(y_pred, gradients, steps, start, stop)
            else:
                outputs = _moved_outputs(step, gradients, steps, inputs, start, stop)
            with torch.no_grad():
                losses.append(_batched(task_losses, outputs))
        losses = torch.cat(losses) if len(losses) > 1 else losses[0]
        before, after = losses[0], losses[1:]
        return 1.0 - after / torch.where(before > 0, before, torch.nan)


#: Elements of one block of copies of a batch's outputs (or representation)
#: in the lookahead (2**19: 2 MB of float32). The copies are formed and
#: scored a block at a time, so that the lookahead holds a few times this
#: many floats (the loss's intermediates) whatever the number of tasks; on
#: ToxCast (617 tasks, batches of 128) 6 copies per block instead of 618 at
#: once. Smaller blocks cost more calls of the loss for no memory saved.
BLOCK_ELEMENTS = 2**19


def _block_size(n_copies, copy_size, budget=None):
    """Copies per block: as many as fit in ``budget`` elements, at least one."""
    budget = BLOCK_ELEMENTS if budget is None else budget
    return max(1, min(n_copies, budget // max(copy_size, 1)))


class TaskGradients:
    """Gradients of a step's (unweighted) task losses on the representation.

    As :func:`~sklearn_mtl.neural.weighting._gradients.representation_gradients`
    forms them (through the readout of affine heads when there is one), but
    without touching any parameter's gradient: the wrapped strategy performs
    the step afterwards.

    Parameters
    ----------
    step : TrainingStep
    tasks : list of int
        The tasks with labels in the batch.
    """

    def __init__(self, step, tasks):
        self.tasks = tasks
        representation = step.representation_input
        readout = step.module.linear_readout() if representation.ndim == 2 else None
        self.readout = None
        if readout is None:
            losses = step.task_losses
            selected = losses[torch.tensor(tasks, device=losses.device)]
            identity = torch.eye(len(tasks), dtype=selected.dtype, device=losses.device)
            (rows,) = torch.autograd.grad(
                selected,
                representation,
                grad_outputs=identity,
                is_grads_batched=True,
                retain_graph=True,
            )
            self._rows = DenseGradients(rows.flatten(1))
            return
        (output_grads,) = torch.autograd.grad(
            step.task_losses.sum(), step.y_pred, retain_graph=True
        )
        columns, rows = _task_columns(step.output_sizes, tasks)
        device = output_grads.device
        self.readout = readout.detach()
        selected = self.readout
        if columns != list(range(output_grads.shape[1])):
            index = torch.tensor(columns, device=device)
            output_grads, selected = output_grads[:, index], selected[index]
        self.output_grads, self.selected_readout = output_grads, selected
        self.column_rows = torch.tensor(rows, device=device)
        one_column_per_task = len(columns) == len(tasks)
        self._rows = ReadoutGradients(
            output_grads,
            selected,
            None if one_column_per_task else self.column_rows,
            len(tasks),
        )

    def rows(self):
        """The gradients, one row per task (DenseGradients or ReadoutGradients)."""
        return self._rows

    def output_moves(self, start=0, stop=None):
        """How a unit step along each task's gradient moves the outputs.

        With affine heads, moving row ``b``'s representation by ``g_ib``
        moves its outputs by ``g_ib @ readout.T``, where ``g_ib`` sums
        ``output_grads[b, c] * selected_readout[c]`` over the columns ``c`` of
        task ``i``.

        Parameters
        ----------
        start, stop : int
            The rows (tasks) ``start`` to ``stop - 1`` (None: to the last).

        Returns
        -------
        moves : Tensor of shape (stop - start, batch, n_outputs)
        """
        stop = len(self.tasks) if stop is None else stop
        column_rows = self.column_rows
        # The columns of a task are contiguous, in the order of the tasks.
        first, last = torch.searchsorted(
            column_rows, torch.tensor([start, stop], device=column_rows.device)
        ).tolist()
        grads = self.output_grads[:, first:last]
        readout = self.selected_readout[first:last] @ self.readout.T
        rows = torch.arange(start, stop, device=column_rows.device)
        if torch.equal(column_rows[first:last], rows):
            # One column per task: each move is an outer product.
            return grads.T.unsqueeze(-1) * readout.unsqueeze(1)
        mask = column_rows[first:last].unsqueeze(0) == rows.unsqueeze(1)
        per_task = grads.unsqueeze(0) * mask.unsqueeze(1)
        return per_task @ readout


def _moved_readout_outputs(y_pred, gradients, steps, start, stop):
    """Copies ``start`` to ``stop - 1`` of the outputs with affine heads.

    Copy 0 is ``y_pred``; copy ``1 + r`` is ``y_pred`` moved along row ``r``
    by ``steps[r]``.

    Returns
    -------
    outputs : Tensor of shape (stop - start, batch, n_outputs)
    """
    parts = []
    if start == 0:
        parts.append(y_pred.unsqueeze(0))
        start = 1
    if stop > start:
        moves = gradients.output_moves(start - 1, stop - 1)
        scale = steps[start - 1 : stop - 1].view(-1, 1, 1).to(moves)
        parts.append(y_pred - scale * moves)
    return torch.cat(parts) if len(parts) > 1 else parts[0]


def _moved_outputs(step, gradients, steps, inputs, start=0, stop=None):
    """Copies ``start`` to ``stop - 1`` of the outputs of the representation.

    Copy 0 is the representation unmoved, copy ``1 + r`` the representation
    moved along row ``r`` of the gradients by ``steps[r]``. Computed in
    evaluation mode (no dropout noise between the copies).

    Returns
    -------
    outputs : Tensor of shape (stop - start, batch, n_outputs)
    """
    z = step.representation_input.detach()
    stop = len(gradients.tasks) + 1 if stop is None else stop
    parts = []
    first = start
    if first == 0:
        parts.append(z.unsqueeze(0))
        first = 1
    if stop > first:
        rows = gradients.rows().matrix()[first - 1 : stop - 1]
        n_rows = len(rows)
        scale = steps[first - 1 : stop - 1].view(-1, *[1] * z.ndim).to(z)
        parts.append(z.unsqueeze(0) - rows.view(n_rows, *z.shape) * scale)
    copies = torch.cat(parts) if len(parts) > 1 else parts[0]
    n_copies = stop - start
    module = step.module
    training = module.training
    with torch.no_grad():
        if training:
            module.eval()
        try:
            outputs = module.task_outputs(
                copies.flatten(0, 1), _repeat(inputs, n_copies)
            )
        finally:
            if training:
                module.train()
    return outputs.view(n_copies, *step.y_pred.shape)


def _cosines(gramian):
    """Cosine similarities from a Gramian (NaN where a gradient is zero)."""
    norms = torch.sqrt(torch.diagonal(gramian).clamp(min=0))
    outer = norms[:, None] * norms[None, :]
    return gramian / torch.where(outer > 0, outer, torch.nan)


def _scatter_columns(values, tasks, n_tasks):
    """Rows of ``values`` (tasks x tasks) with their columns put in place."""
    full = values.new_full((len(tasks), n_tasks), torch.nan)
    full[:, tasks] = values
    return full


def _repeat(inputs, copies):
    """``copies`` copies of a batch of inputs, stacked along the batch."""
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(
            "TaskAffinity's lookahead needs the batches' inputs as one tensor; "
            f"got {type(inputs).__name__} instead. Use method='gradient_cosine'."
        )
    return inputs.expand(copies, *inputs.shape).flatten(0, 1)


def _batched(task_losses, outputs):
    """``task_losses`` of each copy's outputs: ``(n_copies, n_tasks)``."""
    try:
        return torch.func.vmap(task_losses)(outputs)
    except (RuntimeError, NotImplementedError, ValueError):
        return torch.stack([task_losses(output) for output in outputs])


class AffinityBatchHook(Callback):
    """Hands the net's :class:`AffinityRecorder` each training batch.

    Before every training step it gives the recorder (the net's
    ``weighting_``) the batch's inputs, which gated modules read in
    ``task_outputs``, and the net's per-task loss against the batch's targets
    (:meth:`~sklearn_mtl.neural.MultiTaskNetRegressor.get_task_losses`, with
    the batch's sample weights).
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if not isinstance(net.weighting_, AffinityRecorder):
            raise TypeError(
                "Expected the net's weighting to be an AffinityRecorder; got "
                f"{type(net.weighting_).__name__} instead."
            )

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        Xi, yi = unpack_data(batch)
        net.weighting_.set_batch(
            to_tensor(Xi, device=net.device),
            partial(_net_task_losses, net, to_tensor(yi, device=net.device), Xi),
        )


def _net_task_losses(net, y_true, X, y_pred):
    return net.get_task_losses(y_pred, y_true, X=X, training=True)
