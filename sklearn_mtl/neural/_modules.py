"""Shared-trunk networks: one trunk for all tasks, one head per task."""

import copy
import math

import torch
from torch import nn

__all__ = ["MultiTaskMLP", "TaskHeads"]


def _as_module(module_or_class):
    """An instance of ``module_or_class``: a fresh one for a class, a copy else."""
    if isinstance(module_or_class, nn.Module):
        return copy.deepcopy(module_or_class)
    if isinstance(module_or_class, type) and issubclass(module_or_class, nn.Module):
        return module_or_class()
    raise TypeError(
        "Expected an nn.Module class or instance; got "
        f"{type(module_or_class).__name__} instead."
    )


def _mlp_layers(in_features, hidden_units, *, activation, dropout, batch_norm):
    """Linear -> [BatchNorm] -> activation -> [Dropout] blocks."""
    layers = []
    for units in hidden_units:
        layers.append(nn.Linear(in_features, units))
        if batch_norm:
            layers.append(nn.BatchNorm1d(units))
        layers.append(_as_module(activation))
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = units
    return layers


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
            layers.append(_as_module(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
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

    def forward(self, z):
        outputs = self.layers(z)
        if self.columns is None:
            return outputs
        return outputs[:, self.columns]


class MultiTaskMLP(nn.Module):
    """Hard parameter sharing: a shared trunk and one head per task.

    The trunk is, by default, a multi-layer perceptron; any ``nn.Module``
    mapping a batch of inputs to a batch of vectors can replace it (for
    instance a CNN over images). The output concatenates the heads' outputs in
    task order: ``output_sizes[t]`` columns for task ``t`` (one for a
    regression or binary task, one per class for a multiclass task).

    ``input_shape`` and ``output_sizes`` are inferred from the data by
    :class:`~sklearn_mtl.neural.MultiTaskNetRegressor` and
    :class:`~sklearn_mtl.neural.MultiTaskNetClassifier`; the other parameters
    are set on the net as ``module__<name>``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample (``(n_features,)`` for tabular data).
    output_sizes : sequence of int
        Number of outputs of each task.
    hidden_units : sequence of int, default=(256, 256)
        Layer sizes of the default MLP trunk. Not used with ``trunk``.
    dropout : float, default=0.0
        Dropout probability after each hidden layer of the trunk.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation of the hidden layers (trunk and heads).
    batch_norm : bool, default=False
        Whether to add batch normalization before each activation of the trunk.
    head_hidden_units : sequence of int, default=()
        Hidden layer sizes of each task's head; ``()`` gives linear heads.
    head_dropout : float, default=0.0
        Dropout probability after each hidden layer of the heads.
    trunk : nn.Module class or instance, default=None
        A trunk of your own instead of the MLP. A class is instantiated without
        arguments; an instance is copied, so refitting starts again from its
        weights. Its output size is found by a forward pass on zeros of shape
        ``(2, *input_shape)``, in evaluation mode.

    Attributes
    ----------
    trunk : nn.Module
        The shared trunk.
    heads : TaskHeads
        The task-specific heads.
    representation_size : int
        Size of the trunk's output.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import MultiTaskMLP
    >>> net = MultiTaskMLP(input_shape=(10,), output_sizes=[1, 1, 3])
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 5])
    """

    def __init__(
        self,
        input_shape,
        output_sizes,
        hidden_units=(256, 256),
        dropout=0.0,
        activation=nn.ReLU,
        batch_norm=False,
        head_hidden_units=(),
        head_dropout=0.0,
        trunk=None,
    ):
        super().__init__()
        input_shape = tuple(input_shape)
        if trunk is None:
            if len(input_shape) != 1:
                raise ValueError(
                    "Expected 2-D input (n_samples, n_features) for the default "
                    f"MLP trunk; got samples of shape {input_shape} instead. Pass "
                    "a trunk of your own (module__trunk=...) for other shapes."
                )
            layers = _mlp_layers(
                input_shape[0],
                hidden_units,
                activation=activation,
                dropout=dropout,
                batch_norm=batch_norm,
            )
            self.trunk = nn.Sequential(*layers)
            self.representation_size = (
                hidden_units[-1] if hidden_units else input_shape[0]
            )
        else:
            self.trunk = _as_module(trunk)
            self.representation_size = _output_size(self.trunk, input_shape)
        self.heads = TaskHeads(
            self.representation_size,
            output_sizes,
            hidden_units=head_hidden_units,
            activation=activation,
            dropout=head_dropout,
        )

    def forward(self, X):
        return self.heads(self.trunk(X))


def _output_size(trunk, input_shape):
    """Size of the trunk's output vector, from a forward pass on zeros."""
    was_training = trunk.training
    trunk.eval()
    parameter = next(trunk.parameters(), None)
    device = parameter.device if parameter is not None else "cpu"
    with torch.no_grad():
        output = trunk(torch.zeros((2, *input_shape), device=device))
    trunk.train(was_training)
    if output.ndim != 2:
        raise ValueError(
            "Expected the trunk to map a batch to vectors, of shape (batch, "
            f"size); got an output of shape {tuple(output.shape)} for a batch of "
            f"shape {(2, *input_shape)}. End the trunk with nn.Flatten()."
        )
    return output.shape[1]
