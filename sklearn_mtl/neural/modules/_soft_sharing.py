"""Soft parameter sharing: one network per task, tied by a penalty."""

import torch
from torch import nn

from ._checks import check_real, check_units
from ._experts import make_copies
from ._protocol import MultiTaskModule
from ._towers import TaskTowers

__all__ = ["SoftSharing"]


class SoftSharing(MultiTaskModule):
    """One network per task, tied by a penalty on their differences.

    Every task has its own network of one architecture (its trunk) and its
    own head. The trunks are tied by the penalty

    ``alpha / 2 * sum_t ||theta_t - mean_s theta_s||^2``

    over their corresponding parameters, ``theta_t`` being task ``t``'s
    (soft parameter sharing; the neural twin of the linear
    :class:`~sklearn_mtl.linear_model.MeanRegularized` penalty). The net adds
    it to the training objective (:meth:`penalty`; ``train_penalty`` in
    ``history``). ``alpha=0`` trains independent networks; a large ``alpha``
    ties them into one shared trunk. The heads are not tied (tasks may have
    different numbers of outputs). Every trunk starts from the same weights,
    so the penalty is zero at the start and ``alpha`` sets how far the
    trunks may drift apart.

    It follows the module protocol of :class:`MultiTaskModule`:

    - shared representation: the trunks' outputs stacked, ``(batch, n_tasks,
      trunk_size)``;
    - task outputs: each task's head on its own trunk's output;
    - shared parameters: the trunks' (the softly shared ones).

    No parameter is used by two tasks, so the per-task gradients that a
    gradient weighting strategy combines never overlap (their Gramian is
    diagonal): such a strategy rescales each task's gradient but finds no
    conflict to resolve, the tasks being coupled by the penalty only.
    Loss-based strategies behave as with any module.

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
    alpha : float, default=0.1
        Strength of the penalty.
    hidden_units : sequence of int, default=(256, 256)
        Layer sizes of each task's MLP trunk. Not used with ``trunk``.
    head_hidden_units : sequence of int, default=()
        Hidden layer sizes of each task's head; ``()`` gives linear heads.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation of the hidden layers.
    dropout : float, default=0.0
        Dropout probability after each hidden layer of the trunks.
    head_dropout : float, default=0.0
        Dropout probability after each hidden layer of the heads.
    batch_norm : bool, default=False
        Whether to add batch normalization before each activation of the
        trunks (its running statistics are not tied).
    trunk : nn.Module class or instance, default=None
        A trunk of your own instead of the MLP, mapping a batch of inputs to
        a batch of vectors; every task gets a copy (of one instance of a
        class), so all start from the same weights.

    Attributes
    ----------
    trunks : nn.Module
        The tasks' trunks: maps the inputs to ``(batch, n_tasks,
        trunk_size)``.
    heads : nn.Module
        The tasks' heads.
    trunk_size : int
        Size of each trunk's output.

    See Also
    --------
    CrossStitch : One network per task, mixed by learned linear units.
    MultiTaskMLP : One trunk shared by all tasks (hard sharing).

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import SoftSharing
    >>> net = SoftSharing(input_shape=(10,), output_sizes=[1, 1, 3],
    ...                   hidden_units=(16,), alpha=1.0)
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 5])
    >>> bool(net.penalty() < 1e-10)  # every trunk starts from the same weights
    True
    """

    def __init__(
        self,
        input_shape,
        output_sizes,
        alpha=0.1,
        hidden_units=(256, 256),
        head_hidden_units=(),
        activation=nn.ReLU,
        dropout=0.0,
        head_dropout=0.0,
        batch_norm=False,
        trunk=None,
    ):
        super().__init__()
        input_shape = tuple(input_shape)
        self.alpha = check_real(self, "alpha", alpha)
        check_real(self, "dropout", dropout, high=1.0)
        check_real(self, "head_dropout", head_dropout, high=1.0)
        if trunk is None:
            hidden_units = check_units(self, "hidden_units", hidden_units)
        elif isinstance(trunk, type):  # one instance, copied for every task
            trunk = trunk()
        n_tasks = len(output_sizes)
        self.trunks = make_copies(
            n_tasks,
            input_shape,
            module=trunk,
            hidden_units=hidden_units,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            reinitialize=False,
            owner=self,
        )
        if trunk is None:
            _tie_initialization(self.trunks)
        self.trunk_size = self.trunks.out_features
        self.heads = TaskTowers(
            self.trunk_size,
            output_sizes,
            hidden_units=head_hidden_units,
            activation=activation,
            dropout=head_dropout,
        )

    def shared_representation(self, X):
        """The trunks' outputs stacked: ``(batch, n_tasks, trunk_size)``."""
        return self.trunks(X)

    def task_outputs(self, representation, X):
        """Each task's head on its own trunk's output, in task order."""
        return self.heads(representation)

    def shared_parameters(self):
        """The trunks' parameters (shared softly, through the penalty)."""
        return self.trunks.parameters()

    def penalty(self):
        """``alpha / 2 * sum_t ||theta_t - mean_s theta_s||^2`` over the trunks.

        Returns
        -------
        penalty : Tensor of shape ()
        """
        total = None
        for parameters in self.trunks.per_copy_parameters():
            deviation = parameters - parameters.mean(0, keepdim=True)
            term = deviation.pow(2).sum()
            total = term if total is None else total + term
        if total is None:  # a trunk without parameters
            return None
        return 0.5 * self.alpha * total


def _tie_initialization(trunks):
    """Give every copy of a :class:`ParallelMLP` the first copy's weights."""
    with torch.no_grad():
        for parameters in trunks.per_copy_parameters():
            parameters.copy_(parameters[:1].expand_as(parameters))
