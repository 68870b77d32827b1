"""Hard parameter sharing: a shared trunk and one head per task."""

from torch import nn

from ._checks import check_module, check_real, check_units
from ._heads import TaskHeads
from ._layers import as_module, mlp_layers, output_size
from ._protocol import MultiTaskModule

__all__ = ["MultiTaskMLP"]


class MultiTaskMLP(MultiTaskModule):
    """Hard parameter sharing: a shared trunk and one head per task.

    It follows the module protocol of :class:`MultiTaskModule`: the shared
    representation is the trunk's output and the shared parameters are the
    trunk's. The trunk is, by default, a multi-layer perceptron; any ``nn.Module``
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
        hidden_units = check_units(self, "hidden_units", hidden_units, allow_empty=True)
        head_hidden_units = check_units(
            self, "head_hidden_units", head_hidden_units, allow_empty=True
        )
        check_real(self, "dropout", dropout, high=1.0)
        check_real(self, "head_dropout", head_dropout, high=1.0)
        check_module(self, "activation", activation)
        if trunk is not None:
            check_module(self, "trunk", trunk)
        if trunk is None:
            if len(input_shape) != 1:
                raise ValueError(
                    "Expected 2-D input (n_samples, n_features) for the default "
                    f"MLP trunk; got samples of shape {input_shape} instead. Pass "
                    "a trunk of your own (module__trunk=...) for other shapes."
                )
            layers = mlp_layers(
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
            self.trunk = as_module(trunk)
            self.representation_size = output_size(self.trunk, input_shape)
        self.heads = TaskHeads(
            self.representation_size,
            output_sizes,
            hidden_units=head_hidden_units,
            activation=activation,
            dropout=head_dropout,
        )

    def shared_representation(self, X):
        """The trunk's output: ``(batch, representation_size)``."""
        return self.trunk(X)

    def task_outputs(self, representation, X):
        """The heads' outputs, concatenated in task order."""
        return self.heads(representation)

    def shared_parameters(self):
        """The trunk's parameters."""
        return self.trunk.parameters()

    def linear_readout(self):
        """The heads' weight matrix when they are linear, else None."""
        return self.heads.linear_weight()
