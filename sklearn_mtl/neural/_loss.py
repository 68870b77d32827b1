"""Masked per-task losses: each task's loss averages over its observed labels."""

import torch
from torch import nn

__all__ = ["TASK_KINDS", "MaskedMultiTaskLoss"]

TASK_KINDS = ("regression", "binary", "multiclass", "constant")


def _elementwise(loss):
    """An instance of a torch loss class that returns one value per element."""
    if isinstance(loss, type):
        return loss(reduction="none")
    if getattr(loss, "reduction", "none") != "none":
        raise ValueError(
            "Expected a regression loss with reduction='none' (one value per "
            f"label, so that missing labels can be masked); got reduction="
            f"{loss.reduction!r} instead. Pass the loss class, e.g. "
            "criterion__regression_loss=torch.nn.HuberLoss."
        )
    return loss


class MaskedMultiTaskLoss(nn.Module):
    """Per-task losses over the observed labels of a batch.

    The network's output concatenates the outputs of the tasks (see
    :class:`~sklearn_mtl.neural.MultiTaskMLP`); the targets have one column
    per task, NaN where a label is missing. Task ``t``'s loss is the mean, over
    the rows of the batch where its label is observed, of

    * ``regression_loss(output, label)`` for a regression task (the squared
      error by default);
    * the binary cross-entropy with logits for a binary task (one output, the
      label being 0 or 1);
    * the cross-entropy for a multiclass task (one output per class, the label
      being the class index);

    and 0 for a task with no observed label in the batch, or of kind
    ``"constant"`` (a classification task with one class, which has no
    output). With sample weights ``s``, the mean is weighted:
    ``sum_i s_i * loss_it / sum_i s_i`` over the observed rows ``i`` of task
    ``t`` (0 when these weights sum to 0). The net combines the per-task
    losses with its task weights.

    Parameters
    ----------
    task_kinds : sequence of {"regression", "binary", "multiclass", "constant"}
        Kind of each task.
    output_sizes : sequence of int
        Number of network outputs of each task: 1 for regression and binary
        tasks, the number of classes for multiclass tasks, 0 for constant ones.
    regression_loss : torch loss class or instance, default=nn.MSELoss
        Elementwise loss of the regression tasks; a class is instantiated with
        ``reduction="none"``, an instance must have that reduction.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import MaskedMultiTaskLoss
    >>> loss = MaskedMultiTaskLoss(["regression", "regression"], [1, 1])
    >>> y_pred = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    >>> y_true = torch.tensor([[0.0, float("nan")], [0.0, 1.0]])
    >>> loss(y_pred, y_true)
    tensor([2.5000, 1.0000])
    >>> loss(y_pred, y_true, sample_weight=torch.tensor([3.0, 1.0]))
    tensor([1.7500, 1.0000])
    """

    def __init__(self, task_kinds, output_sizes, regression_loss=nn.MSELoss):
        super().__init__()
        self.task_kinds = tuple(task_kinds)
        self.output_sizes = tuple(int(size) for size in output_sizes)
        unknown = set(self.task_kinds) - set(TASK_KINDS)
        if unknown:
            raise ValueError(
                f"Expected task kinds among {TASK_KINDS}; got {sorted(unknown)}."
            )
        if len(self.task_kinds) != len(self.output_sizes):
            raise ValueError(
                f"Expected one output size per task ({len(self.task_kinds)}); got "
                f"{len(self.output_sizes)} instead."
            )
        self.regression_loss = _elementwise(regression_loss)
        self._squared_error = type(self.regression_loss) is nn.MSELoss
        starts = torch.cumsum(torch.tensor((0, *self.output_sizes)), 0).tolist()
        self._slices = [
            slice(start, start + size)
            for start, size in zip(starts, self.output_sizes, strict=False)
        ]
        self.n_outputs = starts[-1]
        groups = {kind: [] for kind in TASK_KINDS}
        for t, kind in enumerate(self.task_kinds):
            groups[kind].append(t)
        self._groups = groups
        for kind in ("regression", "binary"):
            tasks = groups[kind]
            self.register_buffer(
                f"_{kind}_tasks", torch.tensor(tasks, dtype=torch.long)
            )
            outputs = [starts[t] for t in tasks]
            self.register_buffer(
                f"_{kind}_outputs", torch.tensor(outputs, dtype=torch.long)
            )
        # Position of each task's loss in the concatenation of the groups' losses.
        order = [t for kind in TASK_KINDS for t in groups[kind]]
        self.register_buffer(
            "_positions", torch.argsort(torch.tensor(order, dtype=torch.long))
        )

    def forward(self, y_pred, y_true, sample_weight=None):
        """Per-task mean losses over observed labels.

        Parameters
        ----------
        y_pred : Tensor of shape (batch, n_outputs)
            Network outputs, the tasks' outputs concatenated.
        y_true : Tensor of shape (batch, n_tasks)
            Labels (class indices for classification tasks), NaN where missing.
        sample_weight : Tensor of shape (batch,) or None, default=None
            Non-negative weight of each row in every task's mean; None weighs
            the rows equally.

        Returns
        -------
        losses : Tensor of shape (n_tasks,)
        """
        self._check_shapes(y_pred, y_true, sample_weight)
        # On small batches the loss costs one dispatch per torch operation,
        # more than its arithmetic: it is written with as few as possible.
        observed = y_true == y_true  # False exactly where the label is NaN
        if sample_weight is None:
            weights = None
            totals = observed.sum(0, dtype=y_pred.dtype).clamp_(min=1)
        else:
            weights = sample_weight.to(y_pred.dtype).reshape(-1, 1)
            totals = (observed * weights).sum(0)
            totals = torch.where(totals > 0, totals, torch.ones_like(totals))
        if len(self._groups["regression"]) == len(self.task_kinds):
            return self._columnwise(
                y_pred, y_true, observed, weights, totals, "regression"
            )
        parts = [
            self._columnwise(y_pred, y_true, observed, weights, totals, "regression"),
            self._columnwise(y_pred, y_true, observed, weights, totals, "binary"),
        ]
        for t in self._groups["multiclass"]:
            target = torch.where(observed[:, t], y_true[:, t], -100.0).long()
            # Summed the same way with or without weights: unit weights give
            # exactly the unweighted loss.
            elementwise = nn.functional.cross_entropy(
                y_pred[:, self._slices[t]], target, ignore_index=-100, reduction="none"
            )
            if weights is not None:
                elementwise = elementwise * weights[:, 0]
            parts.append((elementwise.sum() / totals[t]).reshape(1))
        parts.append(y_pred.new_zeros(len(self._groups["constant"])))
        return torch.cat(parts)[self._positions]

    def _columnwise(self, y_pred, y_true, observed, weights, totals, kind):
        """Losses of the tasks of one kind with one output each, in one pass."""
        tasks = getattr(self, f"_{kind}_tasks")
        if tasks.numel() == 0:
            return y_pred.new_zeros(0)
        if tasks.numel() == y_true.shape[1]:
            mask, target, output = observed, y_true, y_pred
        else:
            mask, target = observed[:, tasks], y_true[:, tasks]
            output = y_pred[:, getattr(self, f"_{kind}_outputs")]
            totals = totals[tasks]
        # Missing labels take the output's own value, so the loss stays finite
        # before it is masked out.
        target = torch.where(mask, target, output.detach())
        if kind == "regression":
            elementwise = self.regression_loss(output, target)
            if self._squared_error:  # exactly 0, with a 0 gradient, where missing
                if weights is not None:
                    elementwise = elementwise * weights
                return elementwise.sum(0) / totals
        else:
            elementwise = nn.functional.binary_cross_entropy_with_logits(
                output, target.clamp(0.0, 1.0), reduction="none"
            )
        masked = elementwise * mask
        if weights is not None:
            masked = masked * weights
        return masked.sum(0) / totals

    def _check_shapes(self, y_pred, y_true, sample_weight=None):
        if y_pred.ndim != 2 or y_pred.shape[1] != self.n_outputs:
            raise ValueError(
                f"Expected the module to return outputs of shape (batch, "
                f"{self.n_outputs}) (the tasks' outputs concatenated: "
                f"{list(self.output_sizes)}); got {tuple(y_pred.shape)} instead."
            )
        if y_true.ndim != 2 or y_true.shape[1] != len(self.task_kinds):
            raise ValueError(
                f"Expected targets of shape (batch, {len(self.task_kinds)}); got "
                f"{tuple(y_true.shape)} instead."
            )
        if sample_weight is not None and tuple(sample_weight.shape) != (
            y_true.shape[0],
        ):
            raise ValueError(
                f"Expected sample_weight of shape ({y_true.shape[0]},), one per "
                f"row of the batch; got {tuple(sample_weight.shape)} instead."
            )
