"""Compiled products of the observed-entries designs with ``W`` and with a gradient.

Two storages of ``X`` (see :mod:`._design`):

- *by rows*: ``X`` itself (dense in C order, or CSR) and the row of each
  label, output by output; a label reads one contiguous row of ``X``;
- *gathered*: one row of ``X`` per label (dense in Fortran order, or CSC),
  as the working sets of block coordinate descent keep it.

``linear`` computes ``z_l = x_{row(l)} . W[:, output(l)]`` for every label
``l``; ``adjoint`` computes ``X^T G`` restricted to the labels: column ``u``
of the result is ``sum_{l of output u} G_l x_{row(l)}``. Both cost one pass
over the labels' rows of ``X``. Loops over a range that does not start at 0
run over slices (see :mod:`._bcd_kernels`), so that Numba can vectorize them.
"""

from numba import njit

__all__ = [
    "gathered_adjoint_dense",
    "gathered_adjoint_sparse",
    "gathered_linear_dense",
    "gathered_linear_sparse",
    "rows_adjoint_dense",
    "rows_adjoint_sparse",
    "rows_linear_dense",
    "rows_linear_sparse",
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
