"""Task-specific heads on a shared representation, computed for all tasks at once."""

import math

import torch
from torch import nn

from ._layers import Dropout, as_module

__all__ = ["TaskHeads"]


class _TaskwiseLinear(nn.Module):
    """``n_tasks`` independent linear maps applied at once.

    Input ``(batch, n_tasks, in_features)``, output ``(batch, n_tasks,
    out_features)``: task ``t`` sees only its own slice and its own weights.
    Each weight is initialized as :class:`torch.nn.Linear` initializes its own.
    """

    def __init__(self, n_tasks, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_tasks, in_features, out_features))
        self.bias = nn.Parameter(torch.empty(n_tasks, out_features))
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return torch.einsum("bti,tio->bto", x, self.weight) + self.bias


class TaskHeads(nn.Module):
    """One head per task on a shared representation, all computed at once.

    Without hidden layers the heads are one linear layer whose output columns
    are split between the tasks, which is the same model as separate linear
    heads. With hidden layers each task has its own weights at every layer
    (computed for all tasks in one batched product).

    Parameters
    ----------
    in_features : int
        Size of the shared representation.
    output_sizes : sequence of int
        Number of outputs of each task's head (0 for a task with nothing to
        learn).
    hidden_units : sequence of int, default=()
        Hidden layer sizes of every head.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation between the hidden layers of a head.
    dropout : float, default=0.0
        Dropout probability after each hidden layer of a head.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import TaskHeads
    >>> heads = TaskHeads(8, output_sizes=[1, 3], hidden_units=(4,))
    >>> heads(torch.zeros(5, 8)).shape
    torch.Size([5, 4])
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
        total = sum(self.output_sizes)
        if not hidden_units:
            self.layers = nn.Linear(in_features, total)
            self.register_buffer("columns", None)
            return
        width = max(self.output_sizes)
        layers = [nn.Linear(in_features, n_tasks * hidden_units[0])]
        layers.append(nn.Unflatten(1, (n_tasks, hidden_units[0])))
        for units_in, units_out in zip(
            hidden_units, (*hidden_units[1:], width), strict=True
        ):
            layers.append(as_module(activation))
            if dropout:
                layers.append(Dropout(dropout))
            layers.append(_TaskwiseLinear(n_tasks, units_in, units_out))
        layers.append(nn.Flatten(1))
        self.layers = nn.Sequential(*layers)
        # Task t's outputs are the first output_sizes[t] of its `width` columns.
        columns = [
            t * width + k
            for t, size in enumerate(self.output_sizes)
            for k in range(size)
        ]
        self.register_buffer("columns", torch.tensor(columns, dtype=torch.long))

    def linear_weight(self):
        """Weight matrix of linear heads, or None with hidden layers.

        Returns
        -------
        weight : Tensor of shape (n_outputs, in_features) or None
            Output ``c`` is ``z @ weight[c] + bias[c]``.
        """
        return self.layers.weight if self.columns is None else None

    def forward(self, z):
        outputs = self.layers(z)
        if self.columns is None:
            return outputs
        return outputs[:, self.columns]
