"""Several networks of one architecture applied at once: experts, columns, towers.

Mixture-of-experts modules hold ``n`` experts, cross-stitch and soft-sharing
modules one network per task. Both containers here map a batch to ``(batch,
n, size)``: :class:`ParallelMLP` computes ``n`` multi-layer perceptrons with
batched products (one matrix product per layer, whatever ``n``), and
:class:`ModuleCopies` holds ``n`` copies of a network of the user's.
"""

import torch
from torch import nn

from ._heads import _TaskwiseLinear
from ._layers import Dropout, as_module, output_size

__all__ = ["ModuleCopies", "ParallelMLP", "make_copies"]


class _CopywiseBatchNorm(nn.Module):
    """Batch normalization of every unit of every copy: ``(batch, n, units)``."""

    def __init__(self, n_copies, units):
        super().__init__()
        self.norm = nn.BatchNorm1d(n_copies * units)

    def forward(self, x):
        return self.norm(x.flatten(1)).view_as(x)


class ParallelMLP(nn.Module):
    """``n_copies`` multi-layer perceptrons of one architecture, computed at once.

    Each block is Linear -> [BatchNorm] -> activation -> [Dropout], with its
    own weights in every copy, initialized as :class:`torch.nn.Linear`
    initializes its own. The parameters of copy ``c`` are the slices ``[c]``
    of :meth:`per_copy_parameters`.

    Parameters
    ----------
    in_features : int
        Size of the input vectors.
    n_copies : int
        Number of networks.
    hidden_units : sequence of int
        Layer sizes of every network (non-empty).
    activation : nn.Module class or instance
        Activation after each layer.
    dropout : float
        Dropout probability after each activation.
    batch_norm : bool
        Whether to normalize each layer's output before its activation.
    shared_input : bool, default=True
        Whether the input is one ``(batch, in_features)`` tensor seen by every
        copy, or ``(batch, n_copies, in_features)``, one slice per copy.

    Attributes
    ----------
    blocks : nn.ModuleList
        One block per layer, each mapping to ``(batch, n_copies, units)``.
    out_features : int
        Size of each copy's output, ``hidden_units[-1]``.
    """

    def __init__(
        self,
        in_features,
        n_copies,
        hidden_units,
        *,
        activation,
        dropout,
        batch_norm,
        shared_input=True,
    ):
        super().__init__()
        self.n_copies = n_copies
        blocks = []
        for layer, units in enumerate(hidden_units):
            if layer == 0 and shared_input:
                # One product for all copies: output c * units + j is unit j of c.
                linear = [
                    nn.Linear(in_features, n_copies * units),
                    nn.Unflatten(1, (n_copies, units)),
                ]
            else:
                linear = [_TaskwiseLinear(n_copies, in_features, units)]
            block = [*linear]
            if batch_norm:
                block.append(_CopywiseBatchNorm(n_copies, units))
            block.append(as_module(activation))
            if dropout:
                block.append(Dropout(dropout))
            blocks.append(nn.Sequential(*block))
            in_features = units
        self.blocks = nn.ModuleList(blocks)
        self.out_features = in_features

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x

    def per_copy_parameters(self):
        """Every parameter viewed as ``(n_copies, -1)``: row ``c`` is copy ``c``'s.

        Returns
        -------
        parameters : list of Tensor of shape (n_copies, size)
        """
        # Every parameter's first dimension runs over the copies, copy-major.
        return [p.view(self.n_copies, -1) for p in self.parameters()]


class ModuleCopies(nn.Module):
    """``n_copies`` copies of a network, their outputs stacked.

    Parameters
    ----------
    module : nn.Module class or instance
        The network: a class is instantiated once per copy; an instance is
        deep-copied ``n_copies`` times.
    n_copies : int
        Number of copies.
    input_shape : tuple of int
        Shape of one input sample (to find the output size).
    reinitialize : bool, default=False
        Whether copies of an instance get fresh weights: ``reset_parameters()``
        is called on each of their submodules that has one (parameters of
        submodules without it keep the instance's values).

    Attributes
    ----------
    copies : nn.ModuleList
    out_features : int
        Size of each copy's output.
    """

    def __init__(self, module, n_copies, input_shape, *, reinitialize=False):
        super().__init__()
        copies = []
        for _ in range(n_copies):
            network = as_module(module)
            if reinitialize and isinstance(module, nn.Module):
                _reset_parameters(network)
            copies.append(network)
        self.copies = nn.ModuleList(copies)
        self.out_features = output_size(self.copies[0], input_shape)

    def forward(self, x):
        return torch.stack([network(x) for network in self.copies], dim=1)

    def per_copy_parameters(self):
        """Corresponding parameters of the copies stacked, ``(n_copies, size)``.

        Returns
        -------
        parameters : list of Tensor of shape (n_copies, size)
        """
        per_copy = [list(network.parameters()) for network in self.copies]
        return [
            torch.stack([p.flatten() for p in group])
            for group in zip(*per_copy, strict=True)
        ]


def _reset_parameters(network):
    for submodule in network.modules():
        reset = getattr(submodule, "reset_parameters", None)
        if callable(reset):
            reset()


def make_copies(
    n_copies,
    input_shape,
    *,
    module=None,
    hidden_units,
    activation,
    dropout,
    batch_norm,
    reinitialize,
    owner,
    shared_input=True,
):
    """``n_copies`` networks on ``input_shape``: the user's ``module`` or MLPs.

    Parameters
    ----------
    n_copies : int
    input_shape : tuple of int
        Shape of one input sample (of each copy's slice without
        ``shared_input``).
    module : nn.Module class or instance or None
        The user's network; None for :class:`ParallelMLP`.
    hidden_units, activation, dropout, batch_norm
        Of the MLPs.
    reinitialize : bool
        Whether copies of a module instance get fresh weights.
    owner : nn.Module
        The architecture, named in error messages.
    shared_input : bool, default=True
        See :class:`ParallelMLP` (a user's module always takes a shared input).

    Returns
    -------
    networks : ParallelMLP or ModuleCopies
    """
    if module is not None:
        return ModuleCopies(module, n_copies, input_shape, reinitialize=reinitialize)
    if len(input_shape) != 1:
        raise ValueError(
            f"Expected 2-D input (n_samples, n_features) for the MLPs of "
            f"{type(owner).__name__}; got samples of shape {tuple(input_shape)} "
            "instead. Pass a network of your own for other shapes."
        )
    return ParallelMLP(
        input_shape[0],
        n_copies,
        hidden_units,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        shared_input=shared_input,
    )
