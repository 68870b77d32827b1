"""Compiled epochs of block coordinate descent for the squared datafit.

One epoch visits the features of a working set in order; for each it computes
the gradient of its row of ``W`` from the weighted residuals, applies the row
proximal operator of the penalty, and updates the residuals (and, with an
intercept, the intercepts, which stay optimal). The penalty is given by a code
and its parameters (:data:`ROW_PROX_CODES`), since compiled code cannot call
the penalty objects.
"""

import numpy as np
from numba import njit

__all__ = ["ROW_PROX_CODES", "squared_epoch_dense", "squared_epoch_sparse"]

#: Code of each row proximal operator the kernels implement.
ROW_PROX_CODES = {"l1": 0, "l2": 1, "l21": 2, "elastic_net": 3, "dirty": 4}


@njit(cache=True, fastmath=True)
def _prox_row(code, part, row, block_step, entry_steps, params, out):
    """Proximal operator of one row, written into ``out``.

    ``params`` is ``[alpha]`` for codes 0-2, ``[group, ridge]`` for the elastic
    net and ``[alpha_group, alpha_sparse]`` for the dirty model.
    """
    n_outputs = row.shape[0]
    group = code == 2 or code == 3 or (code == 4 and part == 0)
    if group:
        threshold = params[0] * block_step
        norm = 0.0
        for u in range(n_outputs):
            norm += row[u] * row[u]
        norm = np.sqrt(norm)
        scale = 0.0
        if norm > threshold:
            scale = 1.0 - threshold / norm
        if code == 3:
            scale /= 1.0 + params[1] * block_step
        for u in range(n_outputs):
            out[u] = row[u] * scale
    elif code == 1:
        for u in range(n_outputs):
            out[u] = row[u] / (1.0 + params[0] * entry_steps[u])
    else:
        alpha = params[1] if code == 4 else params[0]
        for u in range(n_outputs):
            threshold = alpha * entry_steps[u]
            if row[u] > threshold:
                out[u] = row[u] - threshold
            elif row[u] < -threshold:
                out[u] = row[u] + threshold
            else:
                out[u] = 0.0


@njit(cache=True, fastmath=True)
def _update_row(
    code, part, j, gradient, coefs, block_steps, entry_steps, params, trial, delta
):
    """Prox step on row ``j`` of one part; returns whether it moved."""
    n_outputs = coefs.shape[2]
    group = code == 2 or code == 3 or (code == 4 and part == 0)
    for u in range(n_outputs):
        step = block_steps[j] if group else entry_steps[j, u]
        trial[u] = coefs[part, j, u] - step * gradient[u]
    _prox_row(code, part, trial, block_steps[j], entry_steps[j], params, delta)
    moved = False
    for u in range(n_outputs):
        new = delta[u]
        delta[u] = new - coefs[part, j, u]
        if delta[u] != 0.0:
            moved = True
        coefs[part, j, u] = new
    return moved


@njit(cache=True, fastmath=True)
def squared_epoch_dense(
    X, weights, output_weights, uniform, normalizer, residuals, coefs, intercept,
    means, fit_intercept, block_steps, entry_steps, code, params,
):  # fmt: skip
    """One epoch over the columns of a dense (Fortran-ordered) ``X``.

    ``normalizer`` is the datafit's ``m``: the gradient of row ``j`` is
    ``-X[:, j] @ residuals / m``.
    ``uniform`` says that ``weights[i, u] == output_weights[u]`` for every row.
    ``residuals`` and ``weights`` are Fortran-ordered (one contiguous column
    per output): every loop runs over the rows of one output, long and
    contiguous, which is about twice as fast as rows of ``n_outputs``.
    """
    n_samples, n_features = X.shape
    n_parts, _, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    trial = np.empty(n_outputs)
    delta = np.empty(n_outputs)
    column = np.empty(n_samples)
    for j in range(n_features):
        for part in range(n_parts):
            for u in range(n_outputs):
                total = 0.0
                for i in range(n_samples):
                    total += X[i, j] * residuals[i, u]
                gradient[u] = -total / normalizer
            if not _update_row(
                code, part, j, gradient, coefs, block_steps, entry_steps, params,
                trial, delta,
            ):  # fmt: skip
                continue
            if uniform:
                # Every weight of output u is output_weights[u] and every mean
                # of column j is the same: a rank-one update.
                center = means[j, 0] if fit_intercept else 0.0
                for i in range(n_samples):
                    column[i] = X[i, j] - center
                for u in range(n_outputs):
                    scale = output_weights[u] * delta[u]
                    for i in range(n_samples):
                        residuals[i, u] -= column[i] * scale
            else:
                for u in range(n_outputs):
                    center = means[j, u] if fit_intercept else 0.0
                    for i in range(n_samples):
                        residuals[i, u] -= weights[i, u] * (X[i, j] - center) * delta[u]
            if fit_intercept:
                for u in range(n_outputs):
                    intercept[u] -= means[j, u] * delta[u]


@njit(cache=True, fastmath=True)
def squared_epoch_sparse(
    indptr, indices, data, weights, output_weights, uniform, normalizer, residuals,
    coefs, intercept, means, fit_intercept, block_steps, entry_steps, code, params,
):  # fmt: skip
    """One epoch over the columns of a CSC ``X`` given by its arrays.

    ``residuals`` and ``weights`` are Fortran-ordered, as for the dense epoch.
    """
    n_samples = residuals.shape[0]
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    trial = np.empty(n_outputs)
    delta = np.empty(n_outputs)
    for j in range(n_features):
        start, stop = indptr[j], indptr[j + 1]
        for part in range(n_parts):
            for u in range(n_outputs):
                total = 0.0
                for position in range(start, stop):
                    total += data[position] * residuals[indices[position], u]
                gradient[u] = -total / normalizer
            if not _update_row(
                code, part, j, gradient, coefs, block_steps, entry_steps, params,
                trial, delta,
            ):  # fmt: skip
                continue
            for u in range(n_outputs):
                for position in range(start, stop):
                    i = indices[position]
                    residuals[i, u] -= weights[i, u] * data[position] * delta[u]
            if fit_intercept:
                for u in range(n_outputs):
                    shift = means[j, u] * delta[u]
                    for i in range(n_samples):
                        residuals[i, u] += weights[i, u] * shift
                    intercept[u] -= shift
