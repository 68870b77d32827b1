"""Cross-stitch networks (Misra et al., CVPR 2016)."""

import torch
from torch import nn

from ._checks import check_real, check_units
from ._experts import ParallelMLP
from ._protocol import MultiTaskModule
from ._towers import TaskTowers

__all__ = ["CrossStitch"]


class CrossStitch(MultiTaskModule):
    """One network (column) per task, mixed linearly after every hidden layer.

    Every task has its own MLP column. After each hidden layer, a cross-stitch
    unit replaces the columns' activations by learned linear combinations of
    them: ``h_t <- sum_s A[t, s] h_s`` with a ``(n_tasks, n_tasks)`` matrix
    ``A`` per layer (Misra et al., CVPR 2016). ``A`` starts near the identity
    (``stitch_init`` on the diagonal, the rest of each row spread evenly over
    the other tasks), so the columns start nearly independent and learn how
    much to share. Each task's tower (head) reads its own column.

    It follows the module protocol of :class:`MultiTaskModule`:

    - shared representation: the columns' last hidden layer, before the last
      cross-stitch unit, stacked: ``(batch, n_tasks, hidden_units[-1])``;
    - task outputs: the last cross-stitch unit, then each task's tower;
    - shared parameters: the columns' and the cross-stitch units' but the
      last. Row ``t`` of the last unit and task ``t``'s tower are trained by
      task ``t``'s loss only.

    Cutting before the last unit means that every task's gradient reaches
    every column's activations (through its row of the last unit), so that a
    gradient weighting strategy sees where the tasks pull the columns apart;
    after the unit, each task's gradient would sit on its own column only.

    The paper trains the cross-stitch units with a larger learning rate than
    the columns; with skorch this is ``optimizer__param_groups=[("stitches.*",
    {"lr": ...})]`` on the net.

    ``input_shape`` and ``output_sizes`` are inferred from the data by
    :class:`~sklearn_mtl.neural.MultiTaskNetRegressor` and
    :class:`~sklearn_mtl.neural.MultiTaskNetClassifier`; the other parameters
    are set on the net as ``module__<name>``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, ``(n_features,)``.
    output_sizes : sequence of int
        Number of outputs of each task.
    hidden_units : sequence of int, default=(256, 256)
        Layer sizes of each task's column; a cross-stitch unit follows each.
    head_hidden_units : sequence of int, default=()
        Hidden layer sizes of each task's tower; ``()`` gives linear towers.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation of the hidden layers.
    dropout : float, default=0.0
        Dropout probability after each hidden layer of the columns.
    head_dropout : float, default=0.0
        Dropout probability after each hidden layer of the towers.
    batch_norm : bool, default=False
        Whether to add batch normalization before each activation of the
        columns.
    stitch_init : float, default=0.9
        Initial weight of a column on itself in every cross-stitch unit; the
        other ``1 - stitch_init`` of each row is spread evenly over the other
        columns (with a single task, the unit is 1).

    Attributes
    ----------
    columns : ParallelMLP
        The tasks' columns (``columns.blocks[l]`` is layer ``l`` of every
        column).
    stitches : nn.ParameterList
        The cross-stitch matrices, one ``(n_tasks, n_tasks)`` per hidden layer.
    towers : nn.Module
        The tasks' towers.

    See Also
    --------
    SoftSharing : One network per task, tied by a penalty.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import CrossStitch
    >>> net = CrossStitch(input_shape=(10,), output_sizes=[1, 1, 3],
    ...                   hidden_units=(16, 16))
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 5])
    >>> net.stitches[0]
    Parameter containing:
    tensor([[0.9000, 0.0500, 0.0500],
            [0.0500, 0.9000, 0.0500],
            [0.0500, 0.0500, 0.9000]], requires_grad=True)
    """

    def __init__(
        self,
        input_shape,
        output_sizes,
        hidden_units=(256, 256),
        head_hidden_units=(),
        activation=nn.ReLU,
        dropout=0.0,
        head_dropout=0.0,
        batch_norm=False,
        stitch_init=0.9,
    ):
        super().__init__()
        input_shape = tuple(input_shape)
        if len(input_shape) != 1:
            raise ValueError(
                "Expected 2-D input (n_samples, n_features) for the columns of "
                f"CrossStitch; got samples of shape {input_shape} instead."
            )
        hidden_units = check_units(self, "hidden_units", hidden_units)
        stitch_init = check_real(self, "stitch_init", stitch_init, high=1.0)
        check_real(self, "dropout", dropout, high=1.0)
        check_real(self, "head_dropout", head_dropout, high=1.0)
        n_tasks = len(output_sizes)
        self.columns = ParallelMLP(
            input_shape[0],
            n_tasks,
            hidden_units,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
        )
        if n_tasks > 1:
            other = (1.0 - stitch_init) / (n_tasks - 1)
            initial = torch.full((n_tasks, n_tasks), other)
            initial.fill_diagonal_(stitch_init)
        else:
            initial = torch.ones((n_tasks, n_tasks))
        self.stitches = nn.ParameterList(
            nn.Parameter(initial.clone()) for _ in hidden_units
        )
        self.towers = TaskTowers(
            hidden_units[-1],
            output_sizes,
            hidden_units=head_hidden_units,
            activation=activation,
            dropout=head_dropout,
        )

    @staticmethod
    def _stitch(matrix, activations):
        return torch.einsum("ts,bsh->bth", matrix, activations)

    def shared_representation(self, X):
        """The columns' last hidden layer, before the last cross-stitch unit:
        ``(batch, n_tasks, hidden_units[-1])``."""
        h = X
        last = len(self.columns.blocks) - 1
        for layer, block in enumerate(self.columns.blocks):
            h = block(h)
            if layer < last:
                h = self._stitch(self.stitches[layer], h)
        return h

    def task_outputs(self, representation, X):
        """The last cross-stitch unit, then the towers; in task order."""
        return self.towers(self._stitch(self.stitches[-1], representation))

    def shared_parameters(self):
        """The columns' parameters and the cross-stitch units' but the last."""
        return [*self.columns.parameters(), *list(self.stitches)[:-1]]
