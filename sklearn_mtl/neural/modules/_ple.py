"""Progressive layered extraction (Tang et al., RecSys 2020) and its one-level
case, customized gate control (CGC)."""

import math

import torch
from torch import nn

from ._checks import check_count, check_real, check_units
from ._experts import make_copies
from ._gates import make_gate
from ._mixture import GatedModule
from ._towers import TaskTowers

__all__ = ["CGC", "PLE"]


class PLE(GatedModule):
    """Progressive layered extraction: shared and task experts, level by level.

    Each of the ``n_levels`` extraction levels holds ``n_shared_experts``
    shared experts and ``n_task_experts`` experts per task. At every level,
    task ``t``'s gate mixes the shared experts and task ``t``'s own, giving
    task ``t``'s input to the next level; at the inner levels a shared gate
    mixes all the level's experts, giving the shared experts' input to the
    next level. Each task's tower reads its mixture of the last level (Tang
    et al., RecSys 2020). Separating task experts from shared ones lets a task
    keep what it does not share, which limits negative transfer and the
    "seesaw" between tasks that hard sharing and :class:`MMoE` can show. With
    one level this is :class:`CGC`.

    It follows the module protocol of :class:`MultiTaskModule`. The shared
    representation is a cut of the network below which every parameter can
    affect every task, above which each parameter belongs to one task:

    - with one level, the shared experts' outputs, flattened: ``(batch,
      n_shared_experts * expert_size)``;
    - with several, the tasks' inputs to the last level (their mixtures of
      the previous level) and the last level's shared experts' outputs,
      flattened and concatenated: ``(batch, n_tasks * expert_sizes[-2] +
      n_shared_experts * expert_sizes[-1])``; task ``t``'s gradient is
      nonzero on its own input and on the shared experts' outputs.

    The task outputs are then the last level's task experts and task gates
    (reading ``X`` with one level, the task's input otherwise) and the
    towers: the task-specific parameters, each trained by its own task's
    loss. The shared parameters are all the others (the inner levels affect
    every task through their shared gates).

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
    n_levels : int, default=2
        Number of extraction levels.
    n_shared_experts : int, default=1
        Number of shared experts per level (at least one).
    n_task_experts : int, default=1
        Number of experts of each task per level (0: every task uses the
        shared experts only, through its own gate).
    expert_hidden_units : sequence of int, default=(256,)
        Layer sizes of each expert, an MLP. Not used at the first level with
        ``expert``.
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
        experts' MLPs.
    expert : nn.Module class or instance, default=None
        An expert of your own for the first level (the one that reads the
        inputs), mapping a batch of inputs to a batch of vectors; the experts
        of the next levels are MLPs of ``expert_hidden_units``. A class is
        instantiated once per expert; an instance is a template, copied for
        each expert with its parameters re-initialized (``reset_parameters()``
        of every submodule that has one).
    gate : {"softmax", "dselect_k"}, default="softmax"
        The gates: softmax (:class:`SoftmaxGate`) or DSelect-k
        (:class:`DSelectKGate`). Gates are affine in their input: the
        flattened inputs at the first level, the gate's own mixture above.
    k : int, default=2
        DSelect-k only: the most experts each gate selects.
    gamma : float, default=1.0
        DSelect-k only: width of the smooth step's non-constant region.
    entropy_reg : float, default=0.0
        DSelect-k only: weight of the entropy regularization of the gates; it
        is this module's :meth:`penalty`, added by the net to the training
        objective.

    Attributes
    ----------
    shared_experts : nn.ModuleList
        Per level, the shared experts, mapping to ``(batch, n_shared_experts,
        size)``.
    task_experts : nn.ModuleList
        Per level, the task experts, ``(batch, n_tasks * n_task_experts,
        size)`` (task ``t``'s are ``t * n_task_experts`` onwards); empty when
        ``n_task_experts=0``.
    task_gates, shared_gates : nn.ModuleList
        Per level, the tasks' gates; per inner level, the shared gate.
    towers : nn.Module
        The tasks' towers.
    expert_sizes : list of int
        Size of the experts' outputs at each level.

    See Also
    --------
    MMoE : Shared experts only.
    mean_gate_weights : Which experts each task uses, after fit.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import PLE
    >>> net = PLE(input_shape=(10,), output_sizes=[1, 1, 3],
    ...           expert_hidden_units=(16,))
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 5])
    >>> net.gate_weights(torch.zeros(4, 10), level=0).shape  # 3 tasks + shared
    torch.Size([4, 4, 4])
    """

    def __init__(
        self,
        input_shape,
        output_sizes,
        n_levels=2,
        n_shared_experts=1,
        n_task_experts=1,
        expert_hidden_units=(256,),
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
        self.n_levels = check_count(self, "n_levels", n_levels)
        self.n_shared_experts = check_count(self, "n_shared_experts", n_shared_experts)
        self.n_task_experts = check_count(self, "n_task_experts", n_task_experts, low=0)
        check_real(self, "dropout", dropout, high=1.0)
        check_real(self, "head_dropout", head_dropout, high=1.0)
        if expert is None or self.n_levels > 1:
            expert_hidden_units = check_units(
                self, "expert_hidden_units", expert_hidden_units
            )
        self.n_tasks = n_tasks = len(output_sizes)
        n_shared, n_task = self.n_shared_experts, self.n_task_experts
        mlp = {
            "hidden_units": expert_hidden_units,
            "activation": activation,
            "dropout": dropout,
            "batch_norm": batch_norm,
            "reinitialize": True,
            "owner": self,
        }
        gates = {"k": k, "gamma": gamma, "entropy_reg": entropy_reg}
        shared_experts, task_experts, task_gates, shared_gates = [], [], [], []
        self.expert_sizes = []
        for level in range(self.n_levels):
            first = level == 0
            shape = input_shape if first else (self.expert_sizes[-1],)
            module = expert if first else None
            shared_experts.append(make_copies(n_shared, shape, module=module, **mlp))
            if n_task:
                task_experts.append(
                    make_copies(
                        n_tasks * n_task,
                        shape,
                        module=module,
                        shared_input=first,
                        **mlp,
                    )
                )
            gate_in = math.prod(input_shape) if first else self.expert_sizes[-1]
            task_gates.append(
                make_gate(
                    self,
                    gate,
                    gate_in,
                    n_tasks,
                    n_shared + n_task,
                    shared_input=first,
                    **gates,
                )
            )
            if level < self.n_levels - 1:
                shared_gates.append(
                    make_gate(
                        self, gate, gate_in, 1, n_shared + n_tasks * n_task, **gates
                    )
                )
            self.expert_sizes.append(shared_experts[-1].out_features)
        self.shared_experts = nn.ModuleList(shared_experts)
        self.task_experts = nn.ModuleList(task_experts)
        self.task_gates = nn.ModuleList(task_gates)
        self.shared_gates = nn.ModuleList(shared_gates)
        self.towers = TaskTowers(
            self.expert_sizes[-1],
            output_sizes,
            hidden_units=head_hidden_units,
            activation=activation,
            dropout=head_dropout,
        )

    # ------------------------------------------------------------ levels
    @staticmethod
    def _gate_input(level, inputs):
        return inputs.flatten(1) if level == 0 else inputs

    def _task_expert_outputs(self, level, task_inputs):
        """Task experts' outputs ``(batch, n_tasks * n_task_experts, size)``."""
        if not self.n_task_experts:
            return None
        if level > 0:  # each task's experts read the task's input
            task_inputs = task_inputs.repeat_interleave(self.n_task_experts, dim=1)
        return self.task_experts[level](task_inputs)

    def _task_mixtures(self, level, task_inputs, shared_outputs, task_outputs):
        """Each task's mixture of the shared and its own experts, ``(batch,
        n_tasks, size)``."""
        weights = self.task_gates[level](self._gate_input(level, task_inputs))
        candidates = shared_outputs.unsqueeze(1).expand(-1, self.n_tasks, -1, -1)
        if task_outputs is not None:
            own = task_outputs.view(
                task_outputs.shape[0], self.n_tasks, self.n_task_experts, -1
            )
            candidates = torch.cat([candidates, own], dim=2)
        return torch.einsum("bte,bted->btd", weights, candidates)

    def _shared_mixture(self, level, shared_inputs, shared_outputs, task_outputs):
        """The shared gate's mixture of all the level's experts, ``(batch, size)``."""
        weights = self.shared_gates[level](self._gate_input(level, shared_inputs))
        experts = shared_outputs
        if task_outputs is not None:
            experts = torch.cat([shared_outputs, task_outputs], dim=1)
        return torch.einsum("be,bed->bd", weights[:, 0], experts)

    def _inner_levels(self, X, stop):
        """The tasks' and the shared inputs of level ``stop`` (X for level 0)."""
        task_inputs = shared_inputs = X
        for level in range(stop):
            shared_outputs = self.shared_experts[level](shared_inputs)
            task_outputs = self._task_expert_outputs(level, task_inputs)
            task_inputs, shared_inputs = (
                self._task_mixtures(level, task_inputs, shared_outputs, task_outputs),
                self._shared_mixture(
                    level, shared_inputs, shared_outputs, task_outputs
                ),
            )
        return task_inputs, shared_inputs

    # ---------------------------------------------------------- protocol
    def shared_representation(self, X):
        """The last level's shared experts' outputs, after the tasks' inputs to
        that level with several levels; flattened, ``(batch, size)``."""
        last = self.n_levels - 1
        task_inputs, shared_inputs = self._inner_levels(X, last)
        shared_outputs = self.shared_experts[last](shared_inputs).flatten(1)
        if last == 0:
            return shared_outputs
        return torch.cat([task_inputs.flatten(1), shared_outputs], dim=1)

    def task_outputs(self, representation, X):
        """The last level's task experts and gates, then the towers."""
        last = self.n_levels - 1
        batch = representation.shape[0]
        if last == 0:
            task_inputs, shared = X, representation
        else:
            split = self.n_tasks * self.expert_sizes[last - 1]
            task_inputs = representation[:, :split].view(batch, self.n_tasks, -1)
            shared = representation[:, split:]
        shared_outputs = shared.view(batch, self.n_shared_experts, -1)
        task_outputs = self._task_expert_outputs(last, task_inputs)
        mixtures = self._task_mixtures(last, task_inputs, shared_outputs, task_outputs)
        return self.towers(mixtures)

    def _task_specific_modules(self):
        last = self.n_levels - 1
        modules = [self.task_gates[last], self.towers]
        if self.n_task_experts:
            modules.append(self.task_experts[last])
        return modules

    def shared_parameters(self):
        """Every parameter but the last level's task experts and gates and the
        towers'."""
        specific = {
            id(parameter)
            for module in self._task_specific_modules()
            for parameter in module.parameters()
        }
        return [p for p in self.parameters() if id(p) not in specific]

    def gate_weights(self, X, level=-1):
        """Weights of each gate of a level on that level's experts, without
        gradients.

        Parameters
        ----------
        X : Tensor of shape (batch, ...)
            Inputs.
        level : int, default=-1
            The level (``-1``: the last, which the towers read).

        Returns
        -------
        weights : Tensor of shape (n_gates, batch, n_experts)
            One row per task's gate in task order, then the shared gate at the
            inner levels; the experts are the shared ones, then task 0's,
            task 1's... (``n_shared_experts + n_tasks * n_task_experts``).
            A task's gate gives 0 to the other tasks' experts; weights sum to
            one over the experts.
        """
        n_levels = self.n_levels
        if (
            isinstance(level, bool)
            or not isinstance(level, int)
            or not (-n_levels <= level < n_levels)
        ):
            raise ValueError(
                f"Expected level to be an integer in [{-n_levels}, {n_levels - 1}]"
                f" for a {type(self).__name__} of {n_levels} level(s); got "
                f"{level!r} instead."
            )
        level %= n_levels
        n_shared, n_task, n_tasks = (
            self.n_shared_experts,
            self.n_task_experts,
            self.n_tasks,
        )
        with torch.no_grad():
            task_inputs, shared_inputs = self._inner_levels(X, level)
            task_weights = self.task_gates[level](self._gate_input(level, task_inputs))
            inner = level < n_levels - 1
            batch = task_weights.shape[0]
            weights = task_weights.new_zeros(
                (batch, n_tasks + inner, n_shared + n_tasks * n_task)
            )
            weights[:, :n_tasks, :n_shared] = task_weights[..., :n_shared]
            tasks = torch.arange(n_tasks, device=weights.device)[:, None]
            own = n_shared + tasks * n_task + torch.arange(n_task, device=tasks.device)
            weights[:, tasks, own] = task_weights[..., n_shared:]
            if inner:
                shared_in = self._gate_input(level, shared_inputs)
                weights[:, n_tasks] = self.shared_gates[level](shared_in)[:, 0]
        return weights.transpose(0, 1)


class CGC(PLE):
    """Customized gate control: shared experts and experts of each task.

    The one-level case of :class:`PLE` (Tang et al., RecSys 2020): task
    ``t``'s gate mixes the ``n_shared_experts`` shared experts and its own
    ``n_task_experts`` experts, and its tower reads the mixture. The shared
    representation is the shared experts' outputs, flattened: ``(batch,
    n_shared_experts * expert_size)``; the shared parameters are the shared
    experts'; the task experts, gates and towers are task-specific.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample (``(n_features,)`` for tabular data).
    output_sizes : sequence of int
        Number of outputs of each task.
    n_shared_experts : int, default=1
        Number of shared experts (at least one).
    n_task_experts : int, default=1
        Number of experts of each task.
    expert_hidden_units : sequence of int, default=(256, 256)
        Layer sizes of each expert, an MLP (the default trunk of
        :class:`MultiTaskMLP`). Not used with ``expert``.
    head_hidden_units : sequence of int, default=()
        Hidden layer sizes of each task's tower.
    activation : nn.Module class or instance, default=nn.ReLU
        Activation of the hidden layers.
    dropout : float, default=0.0
        Dropout probability after each hidden layer of the experts.
    head_dropout : float, default=0.0
        Dropout probability after each hidden layer of the towers.
    batch_norm : bool, default=False
        Whether to add batch normalization before each activation of the
        experts.
    expert : nn.Module class or instance, default=None
        An expert of your own (see :class:`PLE`).
    gate : {"softmax", "dselect_k"}, default="softmax"
        The gates (see :class:`PLE`).
    k : int, default=2
        DSelect-k only: the most experts each gate selects.
    gamma : float, default=1.0
        DSelect-k only: width of the smooth step's non-constant region.
    entropy_reg : float, default=0.0
        DSelect-k only: weight of the gates' entropy regularization.

    See Also
    --------
    PLE : Several levels of extraction.
    MMoE : Shared experts only.

    Examples
    --------
    >>> import torch
    >>> from sklearn_mtl.neural import CGC
    >>> net = CGC(input_shape=(10,), output_sizes=[1, 3], n_shared_experts=2,
    ...           expert_hidden_units=(16,))
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 4])
    >>> net.gate_weights(torch.zeros(4, 10)).shape  # shared 2 + 1 per task
    torch.Size([2, 4, 4])
    """

    def __init__(
        self,
        input_shape,
        output_sizes,
        n_shared_experts=1,
        n_task_experts=1,
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
        super().__init__(
            input_shape,
            output_sizes,
            n_levels=1,
            n_shared_experts=n_shared_experts,
            n_task_experts=n_task_experts,
            expert_hidden_units=expert_hidden_units,
            head_hidden_units=head_hidden_units,
            activation=activation,
            dropout=dropout,
            head_dropout=head_dropout,
            batch_norm=batch_norm,
            expert=expert,
            gate=gate,
            k=k,
            gamma=gamma,
            entropy_reg=entropy_reg,
        )
