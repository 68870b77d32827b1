"""The multi-task module protocol: a shared representation and task outputs.

A weighting strategy that combines per-task gradients (see
:mod:`sklearn_mtl.neural.weighting`) needs to know which part of a network is
shared between the tasks. A multi-task module says so through three methods:

* ``shared_representation(X)``: what every task's output is computed from, one
  tensor computed once per batch (the trunk's output of a shared-trunk net);
* ``task_outputs(representation, X)``: the tasks' outputs concatenated in task
  order, computed from that representation (and, for gated architectures,
  from the inputs);
* ``shared_parameters()``: the parameters that every task's loss depends on.

Its ``forward(X)`` is ``task_outputs(shared_representation(X), X)``. A module
may also offer ``linear_readout()``, the matrix of an affine map from the
representation to the outputs, which lets strategies form per-task gradients of
the representation without one backward pass per task, and ``penalty()``, a
scalar tensor the net adds to the training objective (soft parameter sharing
ties its task networks this way).
"""

from torch import nn

__all__ = ["PROTOCOL_METHODS", "MultiTaskModule", "missing_protocol_methods"]

PROTOCOL_METHODS = ("shared_representation", "task_outputs", "shared_parameters")


class MultiTaskModule(nn.Module):
    """Base class of multi-task modules (the module protocol).

    Subclasses implement :meth:`shared_representation`, :meth:`task_outputs`
    and :meth:`shared_parameters`; :meth:`forward` chains the first two. Any
    ``nn.Module`` with these three methods follows the protocol, whether or
    not it derives from this class.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`torch.nn.Module`.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from sklearn_mtl.neural.modules import MultiTaskModule
    >>> class TwoTasks(MultiTaskModule):
    ...     def __init__(self, input_shape, output_sizes):
    ...         super().__init__()
    ...         self.trunk = nn.Linear(input_shape[0], 8)
    ...         self.heads = nn.Linear(8, sum(output_sizes))
    ...     def shared_representation(self, X):
    ...         return torch.relu(self.trunk(X))
    ...     def task_outputs(self, representation, X):
    ...         return self.heads(representation)
    ...     def shared_parameters(self):
    ...         return self.trunk.parameters()
    >>> TwoTasks((5,), [1, 1])(torch.zeros(3, 5)).shape
    torch.Size([3, 2])
    """

    def forward(self, X):
        """The tasks' outputs, concatenated in task order.

        Parameters
        ----------
        X : Tensor of shape (batch, ...)
            Inputs.

        Returns
        -------
        outputs : Tensor of shape (batch, n_outputs)
        """
        return self.task_outputs(self.shared_representation(X), X)

    def shared_representation(self, X):
        """What every task's output is computed from, once per batch.

        Parameters
        ----------
        X : Tensor of shape (batch, ...)
            Inputs.

        Returns
        -------
        representation : Tensor of shape (batch, ...)
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement shared_representation(X)."
        )

    def task_outputs(self, representation, X):
        """The tasks' outputs from the shared representation.

        Parameters
        ----------
        representation : Tensor of shape (batch, ...)
            The output of :meth:`shared_representation`.
        X : Tensor of shape (batch, ...)
            Inputs of the batch (used by architectures with input gates).

        Returns
        -------
        outputs : Tensor of shape (batch, n_outputs)
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement task_outputs(representation, X)."
        )

    def shared_parameters(self):
        """The parameters every task's loss depends on.

        Returns
        -------
        parameters : iterable of nn.Parameter
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement shared_parameters()."
        )

    def linear_readout(self):
        """Matrix of an affine map from the representation to the outputs.

        Returns
        -------
        weight : Tensor of shape (n_outputs, representation_size) or None
            ``outputs = representation @ weight.T + bias`` when this holds for
            2-D representations; None otherwise (the default).
        """
        return None

    def penalty(self):
        """A term the net adds to the training objective at every step.

        Returns
        -------
        penalty : Tensor of shape () or None
            A differentiable scalar of the module's parameters (for example a
            coupling between task networks); None when there is none (the
            default). Its gradient is added to the weighting strategy's, and
            its mean over the epoch's batches is recorded in ``history`` as
            ``train_penalty``.

        Notes
        -----
        The net calls it once per training step, after the step's forward
        pass and the strategy's backward pass, and never in evaluation: a
        module may compute a term during its training forward pass and hand
        it over here (the entropy term of :class:`DSelectKGate` does).
        """
        return None


def missing_protocol_methods(module):
    """The protocol methods ``module`` lacks (empty when it follows it).

    Parameters
    ----------
    module : nn.Module

    Returns
    -------
    missing : list of str
    """
    return [
        name for name in PROTOCOL_METHODS if not callable(getattr(module, name, None))
    ]
