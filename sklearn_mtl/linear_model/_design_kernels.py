"""Compiled products of the observed-entries designs with ``W`` and with a gradient.

Two storages of ``X`` (see :mod:`._design`):

- *by rows*: ``X`` itself (dense in C order, or CSR) and the row of each
  label, output by output; a label reads one contiguous row of ``X``;
- *gathered*: one row of ``X`` per label (dense in Fortran order, or CSC),
  as the working sets of block coordinate descent keep it;
- *indexed*: ``X.T`` (dense, C order) read at the labels' rows, for the
  working sets whose gathered copy would be too large (many labels per row);
  a pass over the labels serves :data:`FEATURE_BLOCK` features.

``linear`` computes ``z_l = x_{row(l)} . W[:, output(l)]`` for every label
``l``; ``adjoint`` computes ``X^T G`` restricted to the labels: column ``u``
of the result is ``sum_{l of output u} G_l x_{row(l)}``. Both cost one pass
over the labels' rows of ``X``; ``moments`` computes ``X^T w`` and
``(X**2)^T w`` in the same way, in one pass. Loops over a range that does not start at 0
run over slices (see :mod:`._bcd_kernels`), so that Numba can vectorize them.
"""

import numpy as np
from numba import njit

__all__ = [
    "gathered_adjoint_dense",
    "gathered_adjoint_sparse",
    "gathered_linear_dense",
    "gathered_linear_sparse",
    "gathered_moments_dense",
    "gathered_moments_sparse",
    "indexed_adjoint_dense",
    "indexed_linear_dense",
    "indexed_moments_dense",
    "rows_adjoint_dense",
    "rows_adjoint_sparse",
    "rows_linear_dense",
    "rows_linear_sparse",
    "rows_moments_dense",
    "rows_moments_sparse",
]


@njit(cache=True, fastmath=True)
def rows_linear_dense(X, rows, offsets, W_t, out):
    """``out[l] = X[rows[l]] @ W_t[u]`` for the labels ``l`` of each output ``u``."""
    for u in range(offsets.size - 1):
        weights = W_t[u]
        labels = rows[offsets[u] : offsets[u + 1]]
        values = out[offsets[u] : offsets[u + 1]]
        for k in range(labels.size):
            row = X[labels[k]]
            total = 0.0
            for j in range(row.size):
                total += row[j] * weights[j]
            values[k] = total


@njit(cache=True, fastmath=True)
def rows_adjoint_dense(X, rows, offsets, G, out_t):
    """``out_t[u] += sum_l G[l] * X[rows[l]]`` over the labels of output ``u``."""
    for u in range(offsets.size - 1):
        total = out_t[u]
        labels = rows[offsets[u] : offsets[u + 1]]
        values = G[offsets[u] : offsets[u + 1]]
        for k in range(labels.size):
            value = values[k]
            if value == 0.0:
                continue
            row = X[labels[k]]
            for j in range(row.size):
                total[j] += value * row[j]


@njit(cache=True, fastmath=True)
def rows_linear_sparse(indptr, indices, data, rows, offsets, W_t, out):
    """:func:`rows_linear_dense` for a CSR ``X`` given by its arrays."""
    for u in range(offsets.size - 1):
        weights = W_t[u]
        labels = rows[offsets[u] : offsets[u + 1]]
        values = out[offsets[u] : offsets[u + 1]]
        for k in range(labels.size):
            i = labels[k]
            columns = indices[indptr[i] : indptr[i + 1]]
            entries = data[indptr[i] : indptr[i + 1]]
            total = 0.0
            for position in range(columns.size):
                total += entries[position] * weights[columns[position]]
            values[k] = total


@njit(cache=True, fastmath=True)
def rows_adjoint_sparse(indptr, indices, data, rows, offsets, G, out_t):
    """:func:`rows_adjoint_dense` for a CSR ``X`` given by its arrays."""
    for u in range(offsets.size - 1):
        total = out_t[u]
        labels = rows[offsets[u] : offsets[u + 1]]
        values = G[offsets[u] : offsets[u + 1]]
        for k in range(labels.size):
            value = values[k]
            if value == 0.0:
                continue
            i = labels[k]
            columns = indices[indptr[i] : indptr[i + 1]]
            entries = data[indptr[i] : indptr[i + 1]]
            for position in range(columns.size):
                total[columns[position]] += value * entries[position]


@njit(cache=True, fastmath=True)
def gathered_linear_dense(X_t, offsets, W, out):
    """``out[l] = X[l] @ W[:, u]`` for ``X`` with a row per label, given as ``X.T``."""
    for u in range(offsets.size - 1):
        values = out[offsets[u] : offsets[u + 1]]
        values[:] = 0.0
        for j in range(X_t.shape[0]):
            weight = W[j, u]
            if weight == 0.0:
                continue
            column = X_t[j, offsets[u] : offsets[u + 1]]
            for k in range(values.size):
                values[k] += column[k] * weight


@njit(cache=True, fastmath=True)
def gathered_adjoint_dense(X_t, offsets, G, out):
    """``out[j, u] = sum_l X[l, j] * G[l]`` over the labels of output ``u``."""
    for u in range(offsets.size - 1):
        values = G[offsets[u] : offsets[u + 1]]
        for j in range(X_t.shape[0]):
            column = X_t[j, offsets[u] : offsets[u + 1]]
            total = 0.0
            for k in range(values.size):
                total += column[k] * values[k]
            out[j, u] = total


@njit(cache=True, fastmath=True)
def gathered_linear_sparse(indptr, indices, data, outputs, W, out):
    """:func:`gathered_linear_dense` for a CSC ``X`` given by its arrays."""
    out[:] = 0.0
    for j in range(indptr.size - 1):
        labels = indices[indptr[j] : indptr[j + 1]]
        values = data[indptr[j] : indptr[j + 1]]
        weights = W[j]
        for k in range(labels.size):
            label = labels[k]
            out[label] += values[k] * weights[outputs[label]]


@njit(cache=True, fastmath=True)
def gathered_adjoint_sparse(indptr, indices, data, outputs, G, out):
    """:func:`gathered_adjoint_dense` for a CSC ``X`` given by its arrays."""
    out[:] = 0.0
    for j in range(indptr.size - 1):
        labels = indices[indptr[j] : indptr[j + 1]]
        values = data[indptr[j] : indptr[j + 1]]
        total = out[j]
        for k in range(labels.size):
            label = labels[k]
            total[outputs[label]] += values[k] * G[label]


@njit(cache=True, fastmath=True)
def rows_moments_dense(X, rows, offsets, weights, first_t, second_t):
    """``first_t[u] += sum_l w_l X[rows[l]]``, ``second_t[u]`` with squares."""
    for u in range(offsets.size - 1):
        first, second = first_t[u], second_t[u]
        labels = rows[offsets[u] : offsets[u + 1]]
        values = weights[offsets[u] : offsets[u + 1]]
        for k in range(labels.size):
            weight = values[k]
            if weight == 0.0:
                continue
            row = X[labels[k]]
            for j in range(row.size):
                first[j] += weight * row[j]
                second[j] += weight * row[j] * row[j]


@njit(cache=True, fastmath=True)
def rows_moments_sparse(
    indptr, indices, data, rows, offsets, weights, first_t, second_t
):
    """:func:`rows_moments_dense` for a CSR ``X`` given by its arrays."""
    for u in range(offsets.size - 1):
        first, second = first_t[u], second_t[u]
        labels = rows[offsets[u] : offsets[u + 1]]
        values = weights[offsets[u] : offsets[u + 1]]
        for k in range(labels.size):
            weight = values[k]
            if weight == 0.0:
                continue
            i = labels[k]
            for position in range(indptr[i], indptr[i + 1]):
                value = data[position]
                first[indices[position]] += weight * value
                second[indices[position]] += weight * value * value


@njit(cache=True, fastmath=True)
def gathered_moments_dense(X_t, offsets, weights, first, second):
    """``first[j, u] = sum_l w_l X[l, j]`` over output ``u``; squares in ``second``."""
    for u in range(offsets.size - 1):
        values = weights[offsets[u] : offsets[u + 1]]
        for j in range(X_t.shape[0]):
            column = X_t[j, offsets[u] : offsets[u + 1]]
            total = 0.0
            squares = 0.0
            for k in range(values.size):
                weighted = column[k] * values[k]
                total += weighted
                squares += weighted * column[k]
            first[j, u] = total
            second[j, u] = squares


@njit(cache=True, fastmath=True)
def gathered_moments_sparse(indptr, indices, data, outputs, weights, first, second):
    """:func:`gathered_moments_dense` for a CSC ``X`` given by its arrays."""
    first[:] = 0.0
    second[:] = 0.0
    for j in range(indptr.size - 1):
        for position in range(indptr[j], indptr[j + 1]):
            label = indices[position]
            weighted = data[position] * weights[label]
            first[j, outputs[label]] += weighted
            second[j, outputs[label]] += weighted * data[position]


#: The indexed products read this many features per pass over the labels: the
#: labels' rows and values are read once for all of them.
FEATURE_BLOCK = 8


@njit(cache=True, fastmath=True)
def indexed_linear_dense(X_t, features, rows, offsets, W, out):
    """``out[l] = sum_j X_t[features[j], rows[l]] * W[j, u]`` over output ``u``."""
    n_features = features.size
    for u in range(offsets.size - 1):
        labels = rows[offsets[u] : offsets[u + 1]]
        values = out[offsets[u] : offsets[u + 1]]
        values[:] = 0.0
        for start in range(0, n_features, FEATURE_BLOCK):
            stop = min(start + FEATURE_BLOCK, n_features)
            nonzero = False
            for j in range(start, stop):
                if W[j, u] != 0.0:
                    nonzero = True
            if not nonzero:
                continue
            for k in range(labels.size):
                row = labels[k]
                total = 0.0
                for j in range(start, stop):
                    total += X_t[features[j], row] * W[j, u]
                values[k] += total


@njit(cache=True, fastmath=True)
def indexed_adjoint_dense(X_t, features, rows, offsets, G, out):
    """``out[j, u] = sum_l X_t[features[j], rows[l]] * G[l]`` over output ``u``."""
    n_features = features.size
    totals = np.zeros(FEATURE_BLOCK)
    for u in range(offsets.size - 1):
        labels = rows[offsets[u] : offsets[u + 1]]
        values = G[offsets[u] : offsets[u + 1]]
        for start in range(0, n_features, FEATURE_BLOCK):
            stop = min(start + FEATURE_BLOCK, n_features)
            totals[:] = 0.0
            for k in range(labels.size):
                row = labels[k]
                value = values[k]
                for j in range(start, stop):
                    totals[j - start] += X_t[features[j], row] * value
            for j in range(start, stop):
                out[j, u] = totals[j - start]


@njit(cache=True, fastmath=True)
def indexed_moments_dense(X_t, features, rows, offsets, weights, first, second):
    """:func:`gathered_moments_dense` reading ``X_t`` at the labels' rows."""
    n_features = features.size
    sums = np.zeros(FEATURE_BLOCK)
    squares = np.zeros(FEATURE_BLOCK)
    for u in range(offsets.size - 1):
        labels = rows[offsets[u] : offsets[u + 1]]
        values = weights[offsets[u] : offsets[u + 1]]
        for start in range(0, n_features, FEATURE_BLOCK):
            stop = min(start + FEATURE_BLOCK, n_features)
            sums[:] = 0.0
            squares[:] = 0.0
            for k in range(labels.size):
                row = labels[k]
                weight = values[k]
                for j in range(start, stop):
                    x = X_t[features[j], row]
                    weighted = x * weight
                    sums[j - start] += weighted
                    squares[j - start] += weighted * x
            for j in range(start, stop):
                first[j, u] = sums[j - start]
                second[j, u] = squares[j - start]
