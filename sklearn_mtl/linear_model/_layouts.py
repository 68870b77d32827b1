"""How a datafit stores its entries: every (row, output) pair, or the labels only.

An *entry* is a pair ``(i, u)`` of a row of ``X`` and an output (a column of
``W``). A datafit holds its targets, weights, predictions and gradients as
*entry arrays*, one value per entry, in one of two layouts:

- :class:`DenseLayout`: every pair, as arrays of shape ``(n_samples,
  n_outputs)``; a missing label is an entry of weight 0. Cheap when (nearly)
  every label is observed, and the only layout with BLAS products.
- :class:`ObservedLayout`: the observed labels only (entries of positive
  weight), as flat arrays of length ``n_labels``, output by output: the
  labels of output ``u`` are ``offsets[u]:offsets[u + 1]``, in increasing
  row order. Every cost then follows the number of labels, not rows x
  outputs: School (139 tasks, one label per row) holds 15,362 entries
  instead of 2.1 million.

Both give the operations a datafit needs on entry arrays: sums per output,
a per-output value spread over the entries, the entries of some outputs, and
the rows x classes block of a multiclass task (whose outputs share their
rows).
"""

import numpy as np

__all__ = ["DenseLayout", "ObservedLayout"]


class DenseLayout:
    """Every (row, output) pair: entry arrays of shape ``(n_samples, n_outputs)``.

    Parameters
    ----------
    n_samples : int
        Number of rows.
    n_outputs : int
        Number of outputs.
    """

    kind = "dense"

    def __init__(self, n_samples, n_outputs):
        self.n_samples = n_samples
        self.n_outputs = n_outputs

    @property
    def shape(self):
        """Shape of an entry array."""
        return (self.n_samples, self.n_outputs)

    def entries(self, wide):
        """The entry array of a ``(n_samples, n_outputs)`` array: itself."""
        return wide

    def spread(self, values):
        """``values`` of shape (n_outputs,), broadcastable against entries."""
        return values

    def constant(self, values):
        """An entry array whose entries of output ``u`` are ``values[u]``."""
        return np.broadcast_to(values, self.shape)

    def zeros(self):
        return np.zeros(self.shape)

    def sums(self, entries):
        """Sum of the entries of each output, shape (n_outputs,)."""
        return entries.sum(axis=0)

    def select(self, entries, outputs):
        """The entries of some outputs (an integer array)."""
        return entries[:, outputs]

    def select_sums(self, selected, outputs):
        """Sums per output of an array given by :meth:`select`."""
        return selected.sum(axis=0)

    def put(self, entries, outputs, values):
        """Write ``values`` (as given by :meth:`select`) into ``entries``."""
        entries[:, outputs] = values

    def block(self, entries, start, stop):
        """Rows x outputs ``start:stop`` of a multiclass task (a view)."""
        return entries[:, start:stop]

    def put_block(self, entries, start, stop, values):
        entries[:, start:stop] = values

    def block_rows(self, start):
        """Rows of the block of the task whose first output is ``start``."""
        return slice(None)

    def row_maxima(self, entries):
        """Largest entry of each row, shape (n_samples,)."""
        return entries.max(axis=1, initial=0.0)


class ObservedLayout:
    """The observed labels only: flat entry arrays, output by output.

    Parameters
    ----------
    rows : ndarray of int of shape (n_labels,)
        Row of each label; increasing within each output.
    offsets : ndarray of int of shape (n_outputs + 1,)
        The labels of output ``u`` are ``offsets[u]:offsets[u + 1]``.
    n_samples : int
        Number of rows of ``X``.
    """

    kind = "observed"

    def __init__(self, rows, offsets, n_samples):
        self.rows = np.ascontiguousarray(rows, dtype=np.intp)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.intp)
        self.n_samples = n_samples
        self.n_outputs = self.offsets.size - 1
        self.counts = np.diff(self.offsets)
        self.outputs = np.repeat(np.arange(self.n_outputs), self.counts)
        self._nonempty = np.flatnonzero(self.counts)
        self._cache = {}

    @classmethod
    def from_mask(cls, mask):
        """The layout of the ``True`` entries of a ``(n_samples, n_outputs)`` mask."""
        rows, outputs = np.nonzero(mask)
        # Output by output, rows increasing within each (a stable sort).
        order = np.argsort(outputs, kind="stable")
        counts = np.bincount(outputs, minlength=mask.shape[1])
        offsets = np.concatenate([[0], np.cumsum(counts)])
        return cls(rows[order], offsets, mask.shape[0])

    @property
    def shape(self):
        return (self.rows.size,)

    @property
    def n_labels(self):
        return self.rows.size

    def entries(self, wide):
        """The labels of a ``(n_samples, n_outputs)`` array, output by output."""
        return wide[self.rows, self.outputs]

    def spread(self, values):
        return np.repeat(values, self.counts)

    constant = spread

    def zeros(self):
        return np.zeros(self.shape)

    def sums(self, entries):
        totals = np.zeros(self.n_outputs, dtype=np.result_type(entries, float))
        if self._nonempty.size:
            totals[self._nonempty] = np.add.reduceat(
                entries, self.offsets[self._nonempty]
            )
        return totals

    def _positions(self, outputs):
        """Positions of the labels of ``outputs``, and the index of their output."""
        key = np.asarray(outputs, dtype=np.intp).tobytes()
        if key not in self._cache:
            pieces = [np.arange(self.offsets[u], self.offsets[u + 1]) for u in outputs]
            local = np.repeat(np.arange(len(outputs)), self.counts[outputs])
            positions = np.concatenate(pieces) if pieces else np.zeros(0, np.intp)
            self._cache[key] = (positions.astype(np.intp), local)
        return self._cache[key]

    def select(self, entries, outputs):
        return entries[self._positions(outputs)[0]]

    def select_sums(self, selected, outputs):
        local = self._positions(outputs)[1]
        return np.bincount(local, weights=selected, minlength=len(outputs))

    def put(self, entries, outputs, values):
        entries[self._positions(outputs)[0]] = values

    def block(self, entries, start, stop):
        # The outputs of a multiclass task share their rows, in the same order.
        chunk = entries[self.offsets[start] : self.offsets[stop]]
        return chunk.reshape(stop - start, -1).T

    def put_block(self, entries, start, stop, values):
        chunk = entries[self.offsets[start] : self.offsets[stop]]
        chunk.reshape(stop - start, -1)[...] = values.T

    def block_rows(self, start):
        return self.rows[self.offsets[start] : self.offsets[start + 1]]

    def row_maxima(self, entries):
        maxima = np.zeros(self.n_samples)
        np.maximum.at(maxima, self.rows, entries)
        return maxima
