"""Per-task gradients of a training step, as rows of a Jacobian.

Gradient strategies combine the gradients of the task losses with respect to
the shared representation (one row per task, ``batch * representation_size``
columns) or to the shared parameters. Most of them only need the Gramian of
these rows and a weighted sum of them: :class:`ReadoutGradients` gives both
without forming the rows when the tasks' outputs are a linear map of the
representation, so the cost stays that of one backward pass.
"""

import torch

__all__ = [
    "DenseGradients",
    "ReadoutGradients",
    "apply_to_parameters",
    "parameter_gradients",
    "representation_gradients",
]


class DenseGradients:
    """Per-task gradients held as a matrix.

    Parameters
    ----------
    matrix : Tensor of shape (n_rows, dim)
        One gradient per row.
    """

    def __init__(self, matrix):
        self._matrix = matrix

    def matrix(self):
        """The rows, a Tensor of shape (n_rows, dim)."""
        return self._matrix

    def gramian(self):
        """Inner products of the rows, a Tensor of shape (n_rows, n_rows)."""
        return self._matrix @ self._matrix.T

    def combine(self, weights):
        """``sum_r weights[r] * row_r``, a Tensor of shape (dim,)."""
        return weights.to(self._matrix) @ self._matrix

    def signed_sums(self, scales=None):
        """``sum_r s_r row_r`` and ``sum_r s_r |row_r|``, coordinatewise.

        Parameters
        ----------
        scales : Tensor of shape (n_rows,) or None, default=None
            Non-negative ``s`` (None: ones).

        Returns
        -------
        total, magnitude : Tensors of shape (dim,)
        """
        matrix = self._matrix
        if scales is None:
            return matrix.sum(0), matrix.abs().sum(0)
        scales = scales.to(matrix)
        return scales @ matrix, scales @ matrix.abs()


class ReadoutGradients:
    """Per-task gradients of a representation read out by a linear map.

    When output ``c`` is ``z @ W[c] + b[c]``, the gradient of task ``t``'s
    loss with respect to the representation ``z`` (batch, size) is
    ``sum_{c of t} g[:, c] W[c]`` with ``g`` the gradient of the losses with
    respect to the outputs. Inner products and weighted sums of these rows
    follow from ``g^T g`` and ``W W^T`` without forming them.

    Parameters
    ----------
    output_grads : Tensor of shape (batch, n_columns)
        Gradients of the (weighted) task losses with respect to the outputs
        of the selected tasks.
    weight : Tensor of shape (n_columns, size)
        The readout rows of these outputs.
    column_rows : Tensor of int of shape (n_columns,) or None
        The row (task) each output column belongs to; None when column ``r``
        is row ``r``'s only column.
    n_rows : int
        Number of rows.
    """

    def __init__(self, output_grads, weight, column_rows, n_rows):
        self._grads = output_grads
        self._weight = weight
        self._column_rows = column_rows
        self._n_rows = n_rows
        self._one_column_per_row = column_rows is None

    def matrix(self):
        """The rows, a Tensor of shape (n_rows, batch * size)."""
        outer = self._grads.T[:, :, None] * self._weight[:, None, :]
        if not self._one_column_per_row:
            rows = outer.new_zeros((self._n_rows, *outer.shape[1:]))
            outer = rows.index_add_(0, self._column_rows, outer)
        return outer.flatten(1)

    def gramian(self):
        """Inner products of the rows, a Tensor of shape (n_rows, n_rows)."""
        columns = (self._grads.T @ self._grads) * (self._weight @ self._weight.T)
        if self._one_column_per_row:
            return columns
        indicator = torch.zeros(
            (len(self._column_rows), self._n_rows),
            dtype=columns.dtype,
            device=columns.device,
        )
        indicator[torch.arange(len(self._column_rows)), self._column_rows] = 1.0
        return indicator.T @ columns @ indicator

    def combine(self, weights):
        """``sum_r weights[r] * row_r``, a Tensor of shape (batch * size,)."""
        column_weights = weights.to(self._grads)
        if not self._one_column_per_row:
            column_weights = column_weights[self._column_rows]
        return ((self._grads * column_weights) @ self._weight).flatten()

    def signed_sums(self, scales=None):
        """``sum_r s_r row_r`` and ``sum_r s_r |row_r|``, coordinatewise.

        With one output column per row, ``|g_b W_d| = |g_b| |W_d|``: both
        sums are products of ``(batch, n_rows)`` and ``(n_rows, size)``
        matrices, without forming the rows.

        Parameters
        ----------
        scales : Tensor of shape (n_rows,) or None, default=None
            Non-negative ``s`` (None: ones).

        Returns
        -------
        total, magnitude : Tensors of shape (batch * size,)
        """
        if not self._one_column_per_row:
            return DenseGradients(self.matrix()).signed_sums(scales)
        grads, weight = self._grads, self._weight
        magnitudes = grads.abs()
        if scales is not None:
            scales = scales.to(grads)
            grads, magnitudes = grads * scales, magnitudes * scales
        return (grads @ weight).flatten(), (magnitudes @ weight.abs()).flatten()


def _task_columns(output_sizes, tasks):
    """Output columns of ``tasks`` and, for each, the position of its task."""
    starts = [0]
    for size in output_sizes:
        starts.append(starts[-1] + size)
    columns, rows = [], []
    for row, task in enumerate(tasks):
        span = range(starts[task], starts[task + 1])
        columns.extend(span)
        rows.extend([row] * len(span))
    return columns, rows


def representation_gradients(step, weighted_losses, tasks):
    """Per-task gradients with respect to the shared representation.

    Also back-propagates ``sum_t weighted_losses[t] / n_tasks`` into the
    task-specific parameters (each task's head gets its own loss's gradient).

    Parameters
    ----------
    step : TrainingStep
        With ``representation_input`` (the detached representation the
        outputs were computed from).
    weighted_losses : Tensor of shape (n_tasks,)
        Task losses times their static weights.
    tasks : list of int
        The tasks to form gradients of (those with labels in the batch).

    Returns
    -------
    gradients : DenseGradients or ReadoutGradients
        One row per task of ``tasks``, of size ``representation.numel()``.
    """
    n_tasks = len(weighted_losses)
    representation = step.representation_input
    task_parameters = step.task_specific_parameters()
    readout = step.module.linear_readout() if representation.ndim == 2 else None
    if readout is not None:
        # One backward pass through the losses and the heads gives both the
        # gradients of the outputs and those of the heads' parameters.
        output_grads, *head_grads = torch.autograd.grad(
            weighted_losses.sum(), [step.y_pred, *task_parameters], retain_graph=True
        )
        _accumulate(task_parameters, head_grads, scale=1.0 / n_tasks)
        columns, rows = _task_columns(step.output_sizes, tasks)
        device = output_grads.device
        if columns != list(range(output_grads.shape[1])):
            index = torch.tensor(columns, device=device)
            output_grads, readout = output_grads[:, index], readout[index]
        column_rows = None
        if len(columns) != len(tasks):  # a multiclass task: several columns
            column_rows = torch.tensor(rows, device=device)
        return ReadoutGradients(output_grads, readout.detach(), column_rows, len(tasks))
    selected = weighted_losses[torch.tensor(tasks, device=weighted_losses.device)]
    identity = torch.eye(len(tasks), dtype=selected.dtype, device=selected.device)
    (rows,) = torch.autograd.grad(
        selected,
        representation,
        grad_outputs=identity,
        is_grads_batched=True,
        retain_graph=True,
    )
    if task_parameters:
        torch.autograd.backward(weighted_losses.sum() / n_tasks, inputs=task_parameters)
    return DenseGradients(rows.flatten(1))


def _accumulate(parameters, grads, scale):
    """Add ``scale * grads`` to the parameters' gradients."""
    for parameter, grad in zip(parameters, grads, strict=True):
        if parameter.grad is None:
            parameter.grad = grad * scale
        else:
            parameter.grad.add_(grad, alpha=scale)


def parameter_gradients(step, weighted_losses, tasks, shared_parameters):
    """Per-task gradients with respect to the shared parameters (flattened).

    One backward pass per task. Also back-propagates ``sum_t
    weighted_losses[t] / n_tasks`` into the task-specific parameters.

    Parameters
    ----------
    step : TrainingStep
    weighted_losses : Tensor of shape (n_tasks,)
        Task losses times their static weights.
    tasks : list of int
        The tasks to form gradients of.
    shared_parameters : list of nn.Parameter
        The shared parameters that require gradients.

    Returns
    -------
    gradients : DenseGradients
        One row per task of ``tasks``, of size the number of shared weights.
    """
    rows = []
    for task in tasks:
        grads = torch.autograd.grad(
            weighted_losses[task],
            shared_parameters,
            retain_graph=True,
            allow_unused=True,
        )
        rows.append(
            torch.cat(
                [
                    (torch.zeros_like(p) if g is None else g).flatten()
                    for g, p in zip(grads, shared_parameters, strict=True)
                ]
            )
        )
    task_parameters = step.task_specific_parameters()
    if task_parameters:
        torch.autograd.backward(
            weighted_losses.sum() / len(weighted_losses), inputs=task_parameters
        )
    return DenseGradients(torch.stack(rows))


def apply_to_parameters(direction, parameters):
    """Add the slices of the flat ``direction`` to the parameters' gradients."""
    start = 0
    for parameter in parameters:
        stop = start + parameter.numel()
        update = direction[start:stop].view_as(parameter)
        if parameter.grad is None:
            parameter.grad = update.clone()
        else:
            parameter.grad.add_(update)
        start = stop
