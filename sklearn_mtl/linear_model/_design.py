"""The design: every product of ``X`` with ``W`` or a gradient in the solvers.

A solver never touches ``X`` directly. It asks a *design* for

- ``linear(W)``: the linear predictions ``X W`` on the datafit's entries;
- ``adjoint(G)``: ``X^T G`` for an entry array ``G`` (a gradient), of shape
  ``(n_features, n_outputs)``;
- ``moments(weights)``: ``X^T w`` and ``(X**2)^T w`` for an entry array
  ``w``, in one pass (the weighted means and curvatures of the columns);
- ``columns(features)`` and ``working_set(features)``: the design restricted
  to some features (the latter stored for block coordinate descent);
- on a working set, the compiled epochs (:meth:`~DenseDesign.epoch`) and the
  per-column gradient and update of the epochs that run in Python.

Designs, by layout of the entries (:mod:`._layouts`):

- :class:`DenseDesign`: every (row, output) pair; ``X`` as given (dense or
  CSC), products by BLAS or scipy.
- the observed labels only, products by compiled loops over the labels:
  :class:`GatheredDesign` holds one row of ``X`` per label (by columns:
  ``X.T`` in C order, or CSC), so that every loop runs over each output's
  labels contiguously; when that copy would be large (many labels per row
  and many features, see :data:`GATHER_BUDGET`), :class:`ObservedDesign`
  reads ``X`` by rows instead and gathers its working sets only.

:func:`make_design` picks the observed labels when the fraction of entries
observed is below :data:`OBSERVED_BELOW`, the dense entries otherwise.
"""

import numpy as np
from scipy import sparse

from ._bcd_kernels import (
    indexed_epoch_dense,
    observed_epoch_dense,
    observed_epoch_sparse,
    squared_epoch_dense,
    squared_epoch_sparse,
)
from ._design_kernels import (
    gathered_adjoint_dense,
    gathered_adjoint_sparse,
    gathered_linear_dense,
    gathered_linear_sparse,
    gathered_moments_dense,
    gathered_moments_sparse,
    indexed_adjoint_dense,
    indexed_linear_dense,
    indexed_moments_dense,
    rows_adjoint_dense,
    rows_adjoint_sparse,
    rows_linear_dense,
    rows_linear_sparse,
    rows_moments_dense,
    rows_moments_sparse,
)
from ._layouts import DenseLayout, ObservedLayout

__all__ = [
    "LAYOUTS",
    "OBSERVED_BELOW",
    "DenseDesign",
    "GatheredDesign",
    "IndexedDesign",
    "ObservedDesign",
    "make_design",
    "prepare",
]

#: Below this fraction of observed (row, output) entries, the solvers work on
#: the observed entries only. Measured with ``benchmarks/linear_observed.py``
#: (part "crossover"): an epoch of block coordinate descent and an iteration
#: of FISTA on the observed entries cost about what the dense ones cost at
#: 0.6-0.8 of the entries observed (the labels are gathered once per working
#: set, and every output's labels are a contiguous run); below it the
#: observed entries win in proportion to the fraction missing, above it the
#: dense products (BLAS, and the rank-one update of a fully observed ``Y``)
#: win. 0.5 keeps a margin on the dense side, where the observed design also
#: costs more memory (one row of ``X`` per label in a working set).
OBSERVED_BELOW = 0.3

#: The layouts a solver can be asked to use; "auto" chooses by the fraction.
LAYOUTS = ("auto", "dense", "observed")

#: An observed-entries design gathers ``X`` at the labels' rows (one row per
#: label) when the copy holds at most this many times the entries of ``X``
#: (School, one label per row: once), or at most ``GATHER_BYTES``; a working
#: set of dense ``X`` is gathered when its copy holds at most this many
#: times the entries of ``X``.
GATHER_BUDGET = 2.0
#: The working set of an :class:`ObservedDesign` of dense ``X`` is gathered
#: when its copy holds at most this many times the entries of ``X``, and
#: read at the labels' rows otherwise (:class:`IndexedDesign`).
WORKING_SET_BUDGET = 0.25
GATHER_BYTES = 2**28


def _intp(array):
    return np.ascontiguousarray(array, dtype=np.intp)


def make_design(X, observed, layout="auto"):
    """The design of ``X`` for the entries ``observed``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design matrix.
    observed : ndarray of bool of shape (n_samples, n_outputs)
        The entries of the datafit: observed labels of positive weight.
    layout : {"auto", "dense", "observed"}, default="auto"
        "auto": :class:`ObservedDesign` when the fraction of ``observed`` is
        below :data:`OBSERVED_BELOW`, :class:`DenseDesign` otherwise.

    Returns
    -------
    design : DenseDesign, GatheredDesign or ObservedDesign
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Expected layout in {LAYOUTS}; got {layout!r} instead.")
    if layout == "auto":
        fraction = observed.mean() if observed.size else 1.0
        layout = "observed" if fraction < OBSERVED_BELOW else "dense"
    if layout == "dense":
        return DenseDesign(X, DenseLayout(*observed.shape))
    labels = ObservedLayout.from_mask(observed)
    if sparse.issparse(X):
        row_sizes = np.diff(X.tocsr().indptr)
        size, gathered = X.nnz, int(row_sizes[labels.rows].sum())
        item_bytes = 12
    else:
        size, gathered, item_bytes = X.size, labels.n_labels * X.shape[1], 8
    if gathered <= max(GATHER_BUDGET * size, GATHER_BYTES / item_bytes):
        return ObservedDesign(X, labels).gathered(np.arange(X.shape[1]))
    return ObservedDesign(X, labels)


def prepare(X, datafit, layout="auto"):
    """The design of ``X`` for ``datafit`` and the datafit on its entries.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design matrix.
    datafit : Squared or Logistic
        A datafit on every (row, output) entry (its ``observed_weights`` say
        which entries count).
    layout : {"auto", "dense", "observed"}, default="auto"
        See :func:`make_design`.

    Returns
    -------
    design : DenseDesign or ObservedDesign
    datafit : Squared or Logistic
        ``datafit`` itself, or the same datafit on the observed entries.
    """
    design = make_design(X, datafit.observed_weights > 0, layout)
    return design, datafit.on(design.layout)


class DenseDesign:
    """``X`` on every (row, output) entry: entry arrays ``(n_samples, n_outputs)``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Design matrix (CSC when sparse).
    layout : DenseLayout
        The layout of the entries.
    """

    def __init__(self, X, layout):
        self.X = X
        self.layout = layout
        self.sparse = sparse.issparse(X)

    @property
    def n_features(self):
        return self.X.shape[1]

    def linear(self, W):
        """``X W`` of shape (n_samples, n_outputs), in Fortran order when dense.

        Fortran order, that of the entry arrays of the compiled epochs, spares
        them a copy of the predictions.
        """
        if self.sparse:
            return np.asarray(self.X @ W)
        return (W.T @ self.X.T).T

    def adjoint(self, G):
        """``X^T G`` of shape (n_features, n_outputs)."""
        return np.asarray(self.X.T @ G)

    def columns(self, features):
        """The design restricted to ``features``."""
        return DenseDesign(self.X[:, features], self.layout)

    def squares(self):
        """The design of the squared entries of ``X``."""
        X = self.X.multiply(self.X).tocsc() if self.sparse else self.X**2
        return DenseDesign(X, self.layout)

    def moments(self, weights):
        """``X^T w`` and ``(X**2)^T w``, each of shape (n_features, n_outputs)."""
        X = self.X
        squares = X.multiply(X) if self.sparse else X * X
        return np.asarray(X.T @ weights), np.asarray(squares.T @ weights)

    def working_set(self, features):
        """The design of ``features`` stored for the compiled epochs."""
        X = self.X[:, features]
        X = X.tocsc() if self.sparse else np.asfortranarray(X)
        if self.sparse:
            X.indptr, X.indices = _intp(X.indptr), _intp(X.indices)
        return DenseDesign(X, self.layout)

    def kernel_entries(self, entries):
        """An entry array as the compiled epochs want it: Fortran order."""
        return np.asfortranarray(entries)

    def epoch(
        self, weights, residuals, coefs, intercept, normalizer, output_weights,
        *rest,
    ):  # fmt: skip
        """One compiled epoch of a weighted squared loss (:mod:`._bcd_kernels`).

        ``output_weights`` is None, or the weight of each output when every
        entry of an output has that weight (a rank-one residual update).
        ``rest`` is ``(means, fit_intercept, block_steps, entry_steps, prox,
        params, entrywise, refine)``. Returns the largest entry of the
        prox-gradient mapping met.
        """
        # The kernels take the Fortran-ordered arrays transposed (C order).
        uniform = output_weights is not None
        if not uniform:
            output_weights = np.ones(coefs.shape[2])
        shared = (output_weights, uniform, float(normalizer))
        arrays = (residuals.T, coefs, intercept)
        if self.sparse:
            X = self.X
            return squared_epoch_sparse(
                X.indptr, X.indices, X.data, weights.T, *shared, *arrays, *rest
            )
        return squared_epoch_dense(self.X.T, weights.T, *shared, *arrays, *rest)

    def _column(self, j):
        """Rows and values of the nonzero entries of column ``j`` (all if dense)."""
        if not self.sparse:
            return slice(None), self.X[:, j]
        start, stop = self.X.indptr[j], self.X.indptr[j + 1]
        return self.X.indices[start:stop], self.X.data[start:stop]

    def column_gradient(self, j, G):
        """``X[:, j]^T G``: the gradient of row ``j`` of ``W``, shape (n_outputs,)."""
        rows, values = self._column(j)
        return values @ G[rows]

    def column_update(self, j, delta, linear):
        """``linear += X[:, j] delta`` in place (row ``j`` of ``W`` moved)."""
        rows, values = self._column(j)
        linear[rows] += np.outer(values, delta)


class ObservedDesign:
    """``X`` on the observed labels only: flat entry arrays, output by output.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Design matrix; stored in C order (dense) or CSR, for row access.
    layout : ObservedLayout
        The labels: their rows and each output's range.
    """

    def __init__(self, X, layout):
        self.sparse = sparse.issparse(X)
        self.X = X.tocsr() if self.sparse else np.ascontiguousarray(X)
        self.layout = layout
        self._by_columns = X if self.sparse and X.format == "csc" else None

    @property
    def n_features(self):
        return self.X.shape[1]

    def linear(self, W):
        """``x_{row(l)} . W[:, output(l)]`` for every label ``l``, shape (n_labels,)."""
        layout = self.layout
        out = np.empty(layout.n_labels)
        W_t = np.ascontiguousarray(W.T)
        if self.sparse:
            X = self.X
            rows_linear_sparse(
                X.indptr, X.indices, X.data, layout.rows, layout.offsets, W_t, out
            )
        else:
            rows_linear_dense(self.X, layout.rows, layout.offsets, W_t, out)
        return out

    def adjoint(self, G):
        """``X^T G`` over the labels, shape (n_features, n_outputs)."""
        layout = self.layout
        out_t = np.zeros((layout.n_outputs, self.n_features))
        G = np.ascontiguousarray(G, dtype=np.float64)
        if self.sparse:
            X = self.X
            rows_adjoint_sparse(
                X.indptr, X.indices, X.data, layout.rows, layout.offsets, G, out_t
            )
        else:
            rows_adjoint_dense(self.X, layout.rows, layout.offsets, G, out_t)
        return out_t.T

    def columns(self, features):
        """The design restricted to ``features`` (no copy of ``X`` when dense)."""
        if self.sparse:
            return ObservedDesign(self.X[:, features], self.layout)
        return IndexedDesign(self.X, self._columns(), _intp(features), self.layout)

    def squares(self):
        X = self.X.multiply(self.X).tocsr() if self.sparse else self.X**2
        return ObservedDesign(X, self.layout)

    def moments(self, weights):
        """``X^T w`` and ``(X**2)^T w`` over the labels, in one pass."""
        layout = self.layout
        first_t, second_t = (
            np.zeros((layout.n_outputs, self.n_features)) for _ in "ab"
        )
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if self.sparse:
            X = self.X
            rows_moments_sparse(
                X.indptr, X.indices, X.data, layout.rows, layout.offsets, weights,
                first_t, second_t,
            )  # fmt: skip
        else:
            rows_moments_dense(
                self.X, layout.rows, layout.offsets, weights, first_t, second_t
            )
        return first_t.T, second_t.T

    def working_set(self, features):
        """The design of ``features`` stored for the compiled epochs.

        Gathered (one row per label) from a copy of ``X`` by columns (``X.T``
        in C order, or CSC), made the first time: one pass over the labels
        per working set. A dense ``X`` whose gathered working set would hold
        more than :data:`WORKING_SET_BUDGET` times the entries of ``X`` is read at
        the labels' rows instead (:class:`IndexedDesign`), without a copy.
        """
        features = _intp(features)
        too_large = (
            self.layout.n_labels * features.size > WORKING_SET_BUDGET * self.X.size
        )
        if self.sparse or not too_large:
            return self.gathered(features)
        return IndexedDesign(self.X, self._columns(), features, self.layout)

    def _columns(self):
        """``X`` by columns (``X.T`` in C order, or CSC), made the first time."""
        if self._by_columns is None:
            self._by_columns = (
                self.X.tocsc() if self.sparse else np.ascontiguousarray(self.X.T)
            )
        return self._by_columns

    def gathered(self, features):
        """The rows of the labels and columns ``features``, one row per label."""
        rows = self.layout.rows
        self._columns()
        if self.sparse:
            X = self._by_columns[:, features].tocsr()[rows].tocsc()
            X.indptr, X.indices = _intp(X.indptr), _intp(X.indices)
        else:
            # (n_features, n_labels) in C order: its transpose is Fortran.
            X = self._by_columns[np.ix_(features, rows)].T
        return GatheredDesign(X, self.layout)


class GatheredDesign:
    """``X`` on the observed labels, one row of ``X`` per label.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_labels, n_features)
        Row ``l`` is the row of ``X`` of label ``l``: Fortran order (dense)
        or CSC with ``intp`` indices.
    layout : ObservedLayout
        The labels.
    """

    def __init__(self, X, layout):
        self.X = X
        self.layout = layout
        self.sparse = sparse.issparse(X)

    def columns(self, features):
        """The design restricted to ``features``."""
        if self.sparse:
            X = self.X[:, features]
            X.indptr, X.indices = _intp(X.indptr), _intp(X.indices)
        else:
            X = self.X.T[features].T
        return GatheredDesign(X, self.layout)

    working_set = columns

    def squares(self):
        if self.sparse:
            X = self.X.multiply(self.X).tocsc()
            X.indptr, X.indices = _intp(X.indptr), _intp(X.indices)
        else:
            X = np.asfortranarray(self.X**2)
        return GatheredDesign(X, self.layout)

    @property
    def n_features(self):
        return self.X.shape[1]

    def moments(self, weights):
        layout = self.layout
        first, second = (np.empty((self.n_features, layout.n_outputs)) for _ in "ab")
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if self.sparse:
            X = self.X
            gathered_moments_sparse(
                X.indptr, X.indices, X.data, layout.outputs, weights, first, second
            )
        else:
            gathered_moments_dense(self.X.T, layout.offsets, weights, first, second)
        return first, second

    def linear(self, W):
        layout = self.layout
        out = np.empty(layout.n_labels)
        W = np.ascontiguousarray(W)
        if self.sparse:
            X = self.X
            gathered_linear_sparse(X.indptr, X.indices, X.data, layout.outputs, W, out)
        else:
            gathered_linear_dense(self.X.T, layout.offsets, W, out)
        return out

    def adjoint(self, G):
        layout = self.layout
        out = np.empty((self.n_features, layout.n_outputs))
        G = np.ascontiguousarray(G, dtype=np.float64)
        if self.sparse:
            X = self.X
            gathered_adjoint_sparse(X.indptr, X.indices, X.data, layout.outputs, G, out)
        else:
            gathered_adjoint_dense(self.X.T, layout.offsets, G, out)
        return out

    def kernel_entries(self, entries):
        return np.ascontiguousarray(entries)

    def epoch(
        self, weights, residuals, coefs, intercept, normalizer, output_weights,
        *rest,
    ):  # fmt: skip
        """One compiled epoch of a weighted squared loss on the labels.

        ``output_weights`` is None, or the weight of each output when every
        label of an output has that weight (dense ``X``: the residual updates
        then read no per-label weight; see :meth:`DenseDesign.epoch`).
        """
        layout = self.layout
        if self.sparse:
            X = self.X
            return observed_epoch_sparse(
                X.indptr, X.indices, X.data, layout.offsets, layout.outputs,
                weights, float(normalizer), residuals, coefs, intercept, *rest,
            )  # fmt: skip
        uniform = output_weights is not None
        if not uniform:
            output_weights = np.ones(coefs.shape[2])
        return observed_epoch_dense(
            self.X.T, layout.offsets, weights, output_weights, uniform,
            float(normalizer), residuals, coefs, intercept, *rest,
        )  # fmt: skip

    def column_gradient(self, j, G):
        layout = self.layout
        if not self.sparse:
            return layout.sums(self.X[:, j] * G)
        labels, values = self._column(j)
        return np.bincount(
            layout.outputs[labels], values * G[labels], minlength=layout.n_outputs
        )

    def column_update(self, j, delta, linear):
        layout = self.layout
        if not self.sparse:
            linear += self.X[:, j] * layout.spread(delta)
            return
        labels, values = self._column(j)
        linear[labels] += values * delta[layout.outputs[labels]]

    def _column(self, j):
        start, stop = self.X.indptr[j], self.X.indptr[j + 1]
        return self.X.indices[start:stop], self.X.data[start:stop]


class IndexedDesign:
    """Some columns of a dense ``X`` on the observed labels, read at their rows.

    The working set of an :class:`ObservedDesign` whose gathered copy (one
    row of ``X`` per label) would be too large. Nothing is copied: the
    epochs, and the products with ``W`` or a gradient of a small working
    set, read, for each feature, its row of ``X.T`` (C order) at the labels'
    rows, a row that the feature's loop keeps in cache; the products of a
    working set of half of the features or more read each label's row of
    ``X`` (C order), whole.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_all_features)
        ``X`` in C order (every feature).
    X_t : ndarray of shape (n_all_features, n_samples)
        ``X.T`` in C order.
    features : ndarray of int
        The features of the design (indices of columns of ``X``).
    layout : ObservedLayout
        The labels.
    """

    sparse = False

    def __init__(self, X, X_t, features, layout):
        self.X = X
        self.X_t = X_t
        self.features = _intp(features)
        self.layout = layout

    @property
    def n_features(self):
        return self.features.size

    def columns(self, features):
        """The design restricted to ``features`` (positions in this design)."""
        return IndexedDesign(self.X, self.X_t, self.features[features], self.layout)

    working_set = columns

    def _by_rows(self):
        """Whether the products read whole rows of ``X`` (then select).

        A pass over the labels reading their rows of ``X`` (contiguous) costs
        about what the column-wise passes cost for half of the features.
        """
        return 2 * self.features.size >= self.X.shape[1]

    def linear(self, W):
        layout = self.layout
        out = np.empty(layout.n_labels)
        if self._by_rows():
            W_t = np.zeros((layout.n_outputs, self.X.shape[1]))
            W_t[:, self.features] = W.T
            rows_linear_dense(self.X, layout.rows, layout.offsets, W_t, out)
            return out
        W = np.ascontiguousarray(W, dtype=np.float64)
        indexed_linear_dense(
            self.X_t, self.features, layout.rows, layout.offsets, W, out
        )
        return out

    def adjoint(self, G):
        layout = self.layout
        G = np.ascontiguousarray(G, dtype=np.float64)
        if self._by_rows():
            out_t = np.zeros((layout.n_outputs, self.X.shape[1]))
            rows_adjoint_dense(self.X, layout.rows, layout.offsets, G, out_t)
            return out_t[:, self.features].T
        out = np.empty((self.n_features, layout.n_outputs))
        indexed_adjoint_dense(
            self.X_t, self.features, layout.rows, layout.offsets, G, out
        )
        return out

    def moments(self, weights):
        layout = self.layout
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if self._by_rows():
            first_t, second_t = (
                np.zeros((layout.n_outputs, self.X.shape[1])) for _ in "ab"
            )
            rows_moments_dense(
                self.X, layout.rows, layout.offsets, weights, first_t, second_t
            )
            return first_t[:, self.features].T, second_t[:, self.features].T
        first, second = (np.empty((self.n_features, layout.n_outputs)) for _ in "ab")
        indexed_moments_dense(
            self.X_t, self.features, layout.rows, layout.offsets, weights, first,
            second,
        )  # fmt: skip
        return first, second

    def squares(self):
        """The design of the squared entries of these columns (a copy)."""
        X = np.ascontiguousarray(self.X[:, self.features] ** 2)
        return IndexedDesign(
            X, np.ascontiguousarray(X.T), np.arange(self.n_features), self.layout
        )

    def kernel_entries(self, entries):
        return np.ascontiguousarray(entries)

    def epoch(
        self, weights, residuals, coefs, intercept, normalizer, output_weights,
        *rest,
    ):  # fmt: skip
        """One compiled epoch of a weighted squared loss on the labels.

        ``output_weights`` is ignored (see :meth:`DenseDesign.epoch`).
        """
        layout = self.layout
        return indexed_epoch_dense(
            self.X_t, self.features, layout.rows, layout.offsets, weights,
            float(normalizer), residuals, coefs, intercept, *rest,
        )  # fmt: skip

    def _column(self, j):
        return self.X_t[self.features[j], self.layout.rows]

    def column_gradient(self, j, G):
        return self.layout.sums(self._column(j) * G)

    def column_update(self, j, delta, linear):
        linear += self._column(j) * self.layout.spread(delta)
