"""In-memory data path: batches are slices of whole tensors.

skorch's default path builds every batch with one ``Dataset.__getitem__`` call
per row and a collate function; for arrays held in memory, indexing the whole
tensor with a batch of row indices gives the same batches far faster.
"""

import math

import numpy as np
import torch
from scipy import sparse
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Subset

from ._runtime import current_generator

__all__ = ["TensorBatchLoader", "as_float32", "fast_loader_or_none", "make_loader"]

# DataLoader arguments the fast path reproduces; any other one (a sampler,
# workers, a collate function...) selects skorch's default path.
_SUPPORTED_LOADER_ARGS = {"batch_size", "shuffle", "drop_last"}


def as_float32(X):
    """``X`` as a writable C-contiguous float32 array (CSR matrix if sparse)."""
    if sparse.issparse(X):
        return sparse.csr_matrix(X, dtype=np.float32)
    return np.require(X, dtype=np.float32, requirements=["C_CONTIGUOUS", "WRITEABLE"])


class TensorBatchLoader:
    """Iterate over ``(X_batch, y_batch)`` by indexing whole tensors.

    Parameters
    ----------
    X : ndarray, Tensor or CSR matrix of shape (n_samples, ...)
        Inputs; a sparse matrix is densified one batch at a time.
    y : ndarray or Tensor of shape (n_samples, n_tasks), or None
        Targets; ``None`` at prediction time (batches then hold ``None``).
    indices : array-like of int or None, default=None
        Rows to iterate over (a training or validation subset); all if None.
    batch_size : int, default=128
        Rows per batch.
    shuffle : bool, default=False
        Whether to draw a new order of the rows at each pass.
    drop_last : bool, default=False
        Whether to drop a last batch smaller than ``batch_size``.
    generator : torch.Generator or None, default=None
        The generator of the orders; None: torch's global generator (as
        ``DataLoader`` uses).
    """

    def __init__(
        self,
        X,
        y=None,
        indices=None,
        batch_size=128,
        shuffle=False,
        drop_last=False,
        generator=None,
    ):
        self.X = X if sparse.issparse(X) else torch.as_tensor(X)
        self.y = None if y is None else torch.as_tensor(y)
        self.indices = None if indices is None else torch.as_tensor(indices).long()
        self.n_samples = X.shape[0] if indices is None else len(self.indices)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self):
        if self.drop_last:
            return self.n_samples // self.batch_size
        return math.ceil(self.n_samples / self.batch_size)

    def _order(self):
        """Row indices in iteration order, or None for all rows in order."""
        if not self.shuffle:
            return self.indices
        permutation = torch.randperm(self.n_samples, generator=self.generator)
        return permutation if self.indices is None else self.indices[permutation]

    def _take(self, data, rows):
        if sparse.issparse(data):
            return torch.from_numpy(data[rows.numpy()].toarray())
        return data[rows]

    def __iter__(self):
        order = self._order()
        for batch in range(len(self)):
            start = batch * self.batch_size
            stop = min(start + self.batch_size, self.n_samples)
            if order is None and not sparse.issparse(self.X):
                rows = slice(start, stop)
                X_batch = self.X[rows]
            else:
                rows = torch.arange(start, stop) if order is None else order[start:stop]
                X_batch = self._take(self.X, rows)
            y_batch = None if self.y is None else self.y[rows]
            yield X_batch, y_batch


def _in_memory_source(dataset):
    """``(X, y, indices)`` if ``dataset`` holds arrays in memory, else None.

    That is a skorch :class:`~skorch.dataset.Dataset` (not a subclass) of
    arrays, tensors or a CSR matrix, or a :class:`~torch.utils.data.Subset` of
    one, as skorch's ``train_split`` returns.
    """
    indices = None
    if isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices)
        dataset = dataset.dataset
    if type(dataset) is not Dataset:
        return None
    X, y = dataset.X, dataset.y
    if not (isinstance(X, np.ndarray | torch.Tensor) or sparse.isspmatrix_csr(X)):
        return None
    if y is not None and not isinstance(y, np.ndarray | torch.Tensor):
        return None
    return X, y, indices


def make_loader(dataset, loader_class, loader_kwargs):
    """The batches of ``dataset``, the batch order drawn from the fit's generator.

    A :class:`TensorBatchLoader` when it gives the batches ``loader_class``
    would (see :func:`fast_loader_or_none`), else ``loader_class``. In a
    seeded fit (see :func:`~sklearn_mtl.neural._runtime.current_generator`),
    a shuffled order is drawn from the fit's own generator: the tensor
    loader's, or the ``generator`` argument of a ``DataLoader`` (unless
    ``loader_kwargs`` gives one; another loader class gets its arguments as
    they are).

    Parameters
    ----------
    dataset : torch Dataset
        What skorch would pass to its iterator.
    loader_class : type
        The net's ``iterator_train`` or ``iterator_valid``.
    loader_kwargs : dict
        Its arguments (``batch_size`` resolved).

    Returns
    -------
    loader : iterable of batches
    """
    generator = current_generator("cpu") if loader_kwargs.get("shuffle") else None
    fast = fast_loader_or_none(dataset, loader_class, loader_kwargs)
    if fast is not None:
        fast.generator = generator
        return fast
    if (
        generator is not None
        and loader_class is DataLoader
        and "generator" not in loader_kwargs
    ):
        loader_kwargs = {**loader_kwargs, "generator": generator}
    return loader_class(dataset, **loader_kwargs)


def fast_loader_or_none(dataset, loader_class, loader_kwargs):
    """A :class:`TensorBatchLoader` when it gives the same batches, else None.

    Parameters
    ----------
    dataset : torch Dataset
        What skorch would pass to its iterator.
    loader_class : type
        The net's ``iterator_train`` or ``iterator_valid``.
    loader_kwargs : dict
        Its arguments (``batch_size`` resolved).

    Returns
    -------
    loader : TensorBatchLoader or None
        None when the data are not in-memory arrays, or when the loader is not
        a plain ``DataLoader`` with arguments among ``batch_size``, ``shuffle``
        and ``drop_last``.
    """
    if loader_class is not DataLoader or set(loader_kwargs) - _SUPPORTED_LOADER_ARGS:
        return None
    source = _in_memory_source(dataset)
    if source is None:
        return None
    X, y, indices = source
    return TensorBatchLoader(X, y, indices, **loader_kwargs)
