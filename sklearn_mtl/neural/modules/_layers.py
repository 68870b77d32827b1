"""Building blocks of the multi-task modules."""

import copy

import torch
from torch import nn

from .._runtime import current_generator

__all__ = ["Dropout", "as_module", "mlp_layers", "output_size"]


class Dropout(nn.Dropout):
    """``nn.Dropout`` drawing its masks from the running fit's own generator.

    In a seeded fit (``random_state``), the mask is drawn from the fit's own
    generator, not from torch's process-wide one, so that seeded fits
    running in threads (joblib's ``"threading"`` backend, dask's threaded
    workers) draw what they would draw one after the other; on the CPU, the
    mask is the one ``nn.Dropout`` draws from a generator in the same state.
    Outside a seeded fit, it is ``nn.Dropout``. The package's modules use it;
    use it in a trunk or tower of your own instead of ``nn.Dropout`` to keep
    that property.

    Parameters
    ----------
    p : float, default=0.5
        Probability of an element to be zeroed.
    inplace : bool, default=False
        Whether to zero the input in place.

    See Also
    --------
    torch.nn.Dropout : The layer it replaces.

    Examples
    --------
    >>> from torch import nn
    >>> from sklearn_mtl.neural import Dropout, MultiTaskNetRegressor
    >>> trunk = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), Dropout(0.2))
    >>> net = MultiTaskNetRegressor(module__trunk=trunk, random_state=0)
    """

    def forward(self, input):
        generator = None
        if self.training and 0 < self.p:
            generator = current_generator(input.device)
        if generator is None:
            return super().forward(input)
        keep = 1.0 - self.p
        noise = torch.empty_like(input)
        if keep > 0:
            noise.bernoulli_(keep, generator=generator).div_(keep)
        else:
            noise.zero_()
        return input.mul_(noise) if self.inplace else input * noise


def as_module(module_or_class):
    """An instance of ``module_or_class``: a fresh one for a class, a copy else."""
    if isinstance(module_or_class, nn.Module):
        return copy.deepcopy(module_or_class)
    if isinstance(module_or_class, type) and issubclass(module_or_class, nn.Module):
        return module_or_class()
    raise TypeError(
        "Expected an nn.Module class or instance; got "
        f"{type(module_or_class).__name__} instead."
    )


def mlp_layers(in_features, hidden_units, *, activation, dropout, batch_norm):
    """Linear -> [BatchNorm] -> activation -> [Dropout] blocks."""
    layers = []
    for units in hidden_units:
        layers.append(nn.Linear(in_features, units))
        if batch_norm:
            layers.append(nn.BatchNorm1d(units))
        layers.append(as_module(activation))
        if dropout:
            layers.append(Dropout(dropout))
        in_features = units
    return layers


def output_size(trunk, input_shape):
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
