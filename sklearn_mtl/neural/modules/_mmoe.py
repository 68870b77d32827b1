"""Multi-gate mixture of experts (Ma et al., KDD 2018)."""

import math

import torch
from torch import nn

from ._checks import check_count, check_real, check_units
from ._experts import make_copies
from ._gates import make_gate
from ._mixture import GatedModule
from ._towers import TaskTowers

__all__ = ["MMoE"]


class MMoE(GatedModule):
    """Multi-gate mixture of experts: experts shared, one gate per task.

    ``n_experts`` networks (the experts) read the input; task ``t`` mixes
    their outputs with the weights of its own gate, a function of the input,
    and its tower (head) maps the mixture to the task's outputs (Ma et al.,
    KDD 2018). Tasks that have little in common can use different experts,
    where hard sharing forces one trunk on all of them.

    It follows the module protocol of :class:`MultiTaskModule`:

    - shared representation: the experts' outputs stacked, a tensor of shape
      ``(batch, n_experts, expert_size)``;
    - task outputs: each task's gate (from the inputs ``X``) mixes the
      experts, then its tower;
    - shared parameters: the experts'. The gates and towers are task-specific:
      each is trained by its own task's loss.

    A gradient weighting strategy (``weighting="pcgrad"``...) therefore
    combines the tasks' gradients with respect to the experts' outputs (or
    parameters), where they can conflict.

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
    n_experts : int, default=4
        Number of experts.
    expert_hidden_units : sequence of int, default=(256, 256)
        Layer sizes of each expert, an MLP (the default trunk of
        :class:`MultiTaskMLP`). Not used with ``expert``.
    head_hidden_units : sequence of int, default=()
        Hidden layer sizes of each task's tower; ``()`` gives linear towers.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation of the hidden layers (experts and towers).
    dropout : float, default=0.0
        Dropout probability after each hidden layer of the experts.
    head_dropout : float, default=0.0
        Dropout probability after each hidden layer of the towers.
    batch_norm : bool, default=False
        Whether to add batch normalization before each activation of the
        experts.
    expert : nn.Module class or instance, default=None
        An expert of your own instead of the MLP, mapping a batch of inputs to
        a batch of vectors. A class is instantiated once per expert; an
        instance is a template: each expert is a copy of it with its
        parameters re-initialized (``reset_parameters()`` of every submodule
        that has one), so that the experts start apart.
    gate : {"softmax", "dselect_k"}, default="softmax"
        The gates: softmax over the experts (:class:`SoftmaxGate`), or
        DSelect-k (:class:`DSelectKGate`), which learns to select at most
        ``k`` experts per task. Gates are affine in the flattened inputs.
    k : int, default=2
        DSelect-k only: the most experts each gate selects.
    gamma : float, default=1.0
        DSelect-k only: width of the smooth step's non-constant region.
    entropy_reg : float, default=0.0
        DSelect-k only: weight of the entropy regularization that drives the
        gates to their selection; it is this module's :meth:`penalty`, added
        by the net to the training objective (``train_penalty`` in
        ``history``).

    Attributes
    ----------
    experts : nn.Module
        The experts: maps the inputs to ``(batch, n_experts, expert_size)``.
    gates : SoftmaxGate or DSelectKGate
        The tasks' gates.
    towers : nn.Module
        The tasks' towers.
    expert_size : int
        Size of each expert's output.

    See Also
    --------
    CGC, PLE : Experts of each task next to the shared ones.
    mean_gate_weights : Which experts each task uses, after fit.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import MMoE
    >>> net = MMoE(input_shape=(10,), output_sizes=[1, 1, 3], n_experts=3,
    ...            expert_hidden_units=(16,))
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 5])
    >>> net.gate_weights(torch.zeros(4, 10)).shape
    torch.Size([3, 4, 3])
    """

    def __init__(
        self,
        input_shape,
        output_sizes,
        n_experts=4,
        expert_hidden_units=(256, 256),
        head_hidden_units=(),
        activation=nn.ReLU,
        dropout=0.0,
        head_dropout=0.0,
        batch_norm=False,
        expert=None,
        gate="softmax",
        k=2,
        gamma=1.0,
        entropy_reg=0.0,
    ):
        super().__init__()
        input_shape = tuple(input_shape)
        n_experts = check_count(self, "n_experts", n_experts)
        check_real(self, "dropout", dropout, high=1.0)
        check_real(self, "head_dropout", head_dropout, high=1.0)
        if expert is None:
            expert_hidden_units = check_units(
                self, "expert_hidden_units", expert_hidden_units
            )
        self.experts = make_copies(
            n_experts,
            input_shape,
            module=expert,
            hidden_units=expert_hidden_units,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            reinitialize=True,
            owner=self,
        )
        self.expert_size = self.experts.out_features
        self.gates = make_gate(
            self,
            gate,
            math.prod(input_shape),
            len(output_sizes),
            n_experts,
            k=k,
            gamma=gamma,
            entropy_reg=entropy_reg,
        )
        self.towers = TaskTowers(
            self.expert_size,
            output_sizes,
            hidden_units=head_hidden_units,
            activation=activation,
            dropout=head_dropout,
        )

    def shared_representation(self, X):
        """The experts' outputs stacked: ``(batch, n_experts, expert_size)``."""
        return self.experts(X)

    def task_outputs(self, representation, X):
        """Each task's gate mixes the experts, then its tower; in task order."""
        weights = self.gates(X.flatten(1))
        mixtures = torch.einsum("bte,bed->btd", weights, representation)
        return self.towers(mixtures)

    def shared_parameters(self):
        """The experts' parameters."""
        return self.experts.parameters()

    def gate_weights(self, X):
        """Weights of each task's gate on each expert, without gradients.

        Parameters
        ----------
        X : Tensor of shape (batch, ...)
            Inputs.

        Returns
        -------
        weights : Tensor of shape (n_tasks, batch, n_experts)
            Non-negative, summing to one over the experts.
        """
        with torch.no_grad():
            return self.gates(X.flatten(1)).transpose(0, 1)
