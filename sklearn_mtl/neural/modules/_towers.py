"""Task towers: one head per task, each on its own input vector."""

import torch
from torch import nn

from ._heads import _TaskwiseLinear
from ._layers import Dropout, as_module

__all__ = ["TaskTowers"]


class TaskTowers(nn.Module):
    """One tower (head) per task, task ``t`` reading slice ``t`` of its input.

    :class:`TaskHeads` reads one representation shared by all tasks; here
    each task has its own input vector (its mixture of experts, its column),
    so every layer, the first included, has task-specific weights. The layers
    are computed for all tasks at once. The output layer gives each task
    exactly ``output_sizes[t]`` outputs: tasks with the same number of outputs
    share one batched product, so no weight is left unused.

    Parameters
    ----------
    in_features : int
        Size of each task's input vector.
    output_sizes : sequence of int
        Number of outputs of each task (0 for a task with nothing to learn).
    hidden_units : sequence of int, default=()
        Hidden layer sizes of every tower; ``()`` gives linear towers.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation after each hidden layer.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.
    """

    def __init__(
        self,
        in_features,
        output_sizes,
        hidden_units=(),
        activation=nn.ReLU,
        dropout=0.0,
    ):
        super().__init__()
        self.output_sizes = tuple(int(size) for size in output_sizes)
        n_tasks = len(self.output_sizes)
        hidden = []
        for units in hidden_units:
            hidden.append(_TaskwiseLinear(n_tasks, in_features, units))
            hidden.append(as_module(activation))
            if dropout:
                hidden.append(Dropout(dropout))
            in_features = units
        self.hidden = nn.Sequential(*hidden)
        sizes = sorted(set(self.output_sizes))
        groups = [
            [t for t, size in enumerate(self.output_sizes) if size == group]
            for group in sizes
        ]
        self.outputs = nn.ModuleList(
            _TaskwiseLinear(len(tasks), in_features, size)
            for tasks, size in zip(groups, sizes, strict=True)
        )
        self._single_group = len(groups) == 1
        for g, tasks in enumerate(groups):
            self.register_buffer(
                f"_tasks{g}", torch.tensor(tasks, dtype=torch.long), persistent=False
            )
        # Column of the concatenated group outputs that holds each output.
        starts = [0]
        for size in self.output_sizes:
            starts.append(starts[-1] + size)
        order = [0] * starts[-1]
        offset = 0
        for tasks, size in zip(groups, sizes, strict=True):
            for position, t in enumerate(tasks):
                for k in range(size):
                    order[starts[t] + k] = offset + position * size + k
            offset += len(tasks) * size
        self.register_buffer(
            "_order", torch.tensor(order, dtype=torch.long), persistent=False
        )

    def forward(self, x):
        """Outputs ``(batch, sum(output_sizes))`` from inputs ``(batch, n_tasks,
        in_features)``, concatenated in task order."""
        x = self.hidden(x)
        if self._single_group:
            return self.outputs[0](x).flatten(1)
        parts = [
            layer(x[:, getattr(self, f"_tasks{g}")]).flatten(1)
            for g, layer in enumerate(self.outputs)
        ]
        return torch.cat(parts, dim=1)[:, self._order]
