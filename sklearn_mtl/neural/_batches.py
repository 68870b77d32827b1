"""Training batches and batch normalization: never a batch of one row.

In training mode, batch normalization over a batch of one row has nothing to
normalize with (torch raises "Expected more than 1 value per channel"). When
the module holds batch normalization, a last training batch of one row, which
``batch_size`` leaves when the number of training rows is one more than a
multiple of it, is merged into the batch before it: no row is dropped, and
that batch has ``batch_size + 1`` rows.
"""

import numpy as np
import torch
from skorch.dataset import get_len
from torch import nn

__all__ = ["BATCH_NORMS", "training_batches"]

#: The layers that normalize over the rows of a batch in training mode.
BATCH_NORMS = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.LazyBatchNorm1d,
    nn.LazyBatchNorm2d,
    nn.LazyBatchNorm3d,
    nn.SyncBatchNorm,
)


def training_batches(loader, module, n_rows, loader_kwargs, owner="The net"):
    """``loader``, or its batches with a last batch of one row merged.

    Parameters
    ----------
    loader : iterable of (X_batch, y_batch)
        The training batches.
    module : nn.Module
        The network: batches are only merged when it holds batch
        normalization.
    n_rows : int
        Number of training rows.
    loader_kwargs : dict
        The loader's arguments (``batch_size`` resolved, ``drop_last``).
    owner : str, default="The net"
        Who trains, for the messages.

    Returns
    -------
    batches : iterable of (X_batch, y_batch)

    Raises
    ------
    ValueError
        When batch normalization would get a batch of one row anyway: one
        training row, or ``batch_size=1``.
    """
    norms = [type(m).__name__ for m in module.modules() if isinstance(m, BATCH_NORMS)]
    if not norms:
        return loader
    batch_size = loader_kwargs.get("batch_size")
    problem = None
    if n_rows == 1:
        problem = "the training rows hold 1 row"
    elif batch_size == 1:
        problem = "got batch_size=1"
    if problem is not None:
        raise ValueError(
            f"{owner}'s module normalizes over the rows of each batch ({norms[0]}), "
            f"which needs training batches of at least 2 rows; {problem}. Fit on "
            "more rows with a larger batch_size, or without batch normalization "
            "(module__batch_norm=False)."
        )
    merges = (
        isinstance(batch_size, int)
        and n_rows % batch_size == 1
        and not loader_kwargs.get("drop_last", False)
    )
    return _MergedLastRow(loader, merges)


class _MergedLastRow:
    """The batches of ``loader``, a last batch of one row joined to the one
    before (``expected``: whether ``__len__`` counts that merge)."""

    def __init__(self, loader, expected):
        self.loader = loader
        self.expected = expected

    def __len__(self):
        return len(self.loader) - int(self.expected)

    def __iter__(self):
        pending = []
        for batch in self.loader:
            pending.append(batch)
            if len(pending) > 2:
                yield pending.pop(0)
        if len(pending) == 2 and _rows_of(pending[1]) == 1:
            merged = _concatenate(pending[0], pending[1])
            if merged is not _FAILED:
                pending = [merged]
        yield from pending


def _rows_of(batch):
    """Number of rows of a batch ``(X, y)``; None when it cannot tell."""
    try:
        return get_len(batch[0])
    except (TypeError, ValueError, IndexError):
        return None


def _concatenate(first, second):
    """Two batches as one (tensors, arrays, and dicts, lists or tuples of
    them; None stays None), or ``_FAILED`` for data of another kind."""
    if first is None and second is None:
        return None
    if isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor):
        return torch.cat([first, second])
    if isinstance(first, np.ndarray) and isinstance(second, np.ndarray):
        return np.concatenate([first, second])
    if isinstance(first, dict) and isinstance(second, dict):
        if first.keys() != second.keys():
            return _FAILED
        parts = {key: _concatenate(first[key], second[key]) for key in first}
        return _FAILED if any(v is _FAILED for v in parts.values()) else parts
    if isinstance(first, list | tuple) and type(first) is type(second):
        if len(first) != len(second):
            return _FAILED
        parts = [_concatenate(a, b) for a, b in zip(first, second, strict=True)]
        return _FAILED if any(v is _FAILED for v in parts) else type(first)(parts)
    return _FAILED


# What _concatenate returns for batches it cannot join.
_FAILED = object()
