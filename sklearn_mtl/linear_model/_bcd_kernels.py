"""Compiled epochs of block coordinate descent for the squared datafit.

One epoch visits the features of a working set in order; for each it computes
the gradient of its row of ``W`` from the weighted residuals, applies the row
proximal operator of the penalty, and updates the residuals (and, with an
intercept, the intercepts, which stay optimal).

The penalty's row prox is a compiled function of its own, passed to the
epochs as a first-class function of the signature :data:`ROW_PROX_SIGNATURE`
(see :func:`row_prox`), so a new penalty needs no change here. The epochs
have explicit signatures: they are compiled once, cached on disk, and shared
by every penalty; a call passes the prox by address (Numba's wrapper address
protocol), which costs microseconds, not a compilation.

Two layouts of the residuals (see :mod:`._layouts`):

- dense: ``(n_samples, n_outputs)`` arrays in Fortran order (one contiguous
  column per output), with the working set's columns of ``X`` (dense in
  Fortran order, or CSC);
- observed: one residual per label, output by output, with the working set's
  columns of ``X`` gathered at the rows of the labels (an ``(n_labels,
  n_features)`` design, dense in Fortran order or CSC), so that every loop
  runs over the labels of one output, contiguously.

The Fortran-ordered arrays are passed transposed (``X.T``, C-ordered): a
single column is then C-ordered too, so that one signature fits every shape.
Loops over a range that does not start at 0 run over slices instead: an index
that may be negative makes Numba check it on every access, which stops the
loop from being vectorized (4-5x slower on School's 139 short outputs).
"""

import numpy as np
from numba import cfunc, njit, types
from numba.core.types.function_type import WrapperAddressProtocol

__all__ = [
    "ROW_PROX_SIGNATURE",
    "CompiledRowProx",
    "observed_epoch_dense",
    "observed_epoch_sparse",
    "row_prox",
    "squared_epoch_dense",
    "squared_epoch_sparse",
]

_vector = types.float64[::1]
_index = types.intp[::1]

#: Numba signature of a compiled row prox.
#:
#: ``prox(row, block_step, entry_steps, params, part, feature, out)`` writes
#: into ``out`` the proximal operator of
#: the penalty's part ``part`` at ``row`` (row ``feature`` of ``W``, shape
#: ``(n_outputs,)``), with step ``block_step`` for a block (group) part or
#: ``entry_steps`` (one per output) for an entrywise part; ``params`` are the
#: penalty's parameters as the penalty packs them (those of the penalty
#: restricted to the working set, whose rows ``feature`` counts).
ROW_PROX_SIGNATURE = types.void(
    _vector, types.float64, _vector, _vector, types.intp, types.intp, _vector
)
_ROW_PROX = types.FunctionType(ROW_PROX_SIGNATURE)


class CompiledRowProx(WrapperAddressProtocol):
    """A row prox for the compiled epochs, made by :func:`row_prox`.

    The Python function is compiled (and cached on disk) the first time an
    epoch needs it, as a C-callable function of :data:`ROW_PROX_SIGNATURE`;
    the epochs receive it through Numba's wrapper address protocol.

    Parameters
    ----------
    function : callable
        ``function(row, block_step, entry_steps, params, part, feature, out)``,
        written in the subset of Python and NumPy that Numba compiles.
    """

    _numba_type_ = _ROW_PROX

    def __init__(self, function):
        self.py_func = function
        self._compiled = None

    def __wrapper_address__(self):
        if self._compiled is None:
            self._compiled = cfunc(ROW_PROX_SIGNATURE, cache=True)(self.py_func)
        return self._compiled.address

    def signature(self):
        """The Numba signature of the function, for the wrapper address protocol.

        Returns
        -------
        signature : numba.core.typing.templates.Signature
            :data:`ROW_PROX_SIGNATURE`.
        """
        return ROW_PROX_SIGNATURE

    def __repr__(self):
        return f"row_prox({self.py_func.__qualname__})"


def row_prox(function):
    """Declare ``function`` as a compiled row prox (a decorator).

    ``function(row, block_step, entry_steps, params, part, feature, out)``
    writes into ``out`` the proximal operator of the penalty part ``part`` at
    ``row``, row ``feature`` of ``W``; see :data:`ROW_PROX_SIGNATURE`. The
    result is what a penalty's ``compiled_row_prox`` returns, with the
    parameters to call it with.

    Parameters
    ----------
    function : callable
        The row prox, written in the subset of Python and NumPy that Numba
        compiles (it is compiled when an epoch first needs it).

    Returns
    -------
    prox : CompiledRowProx
        The function, marked as a row prox that the compiled epochs call.
    """
    return CompiledRowProx(function)


@njit(cache=True, fastmath=True)
def _update_row(
    prox, params, entrywise, part, j, gradient, coefs, block_steps, entry_steps,
    trial, delta,
):  # fmt: skip
    """Prox step on row ``j`` of one part; ``delta`` gets new - old.

    Returns whether the row moved.
    """
    n_outputs = coefs.shape[2]
    steps = entry_steps[j]
    for u in range(n_outputs):
        step = steps[u] if entrywise[part] else block_steps[j]
        trial[u] = coefs[part, j, u] - step * gradient[u]
    prox(trial, block_steps[j], steps, params, part, j, delta)
    moved = False
    for u in range(n_outputs):
        new = delta[u]
        delta[u] = new - coefs[part, j, u]
        if delta[u] != 0.0:
            moved = True
        coefs[part, j, u] = new
    return moved


_TRANSPOSED = types.float64[:, ::1]
_COEFS = types.float64[:, :, ::1]
_MATRIX = types.float64[:, ::1]
_FLAGS = types.boolean[::1]

_DENSE_SIGNATURE = types.void(
    _TRANSPOSED, _TRANSPOSED, _vector, types.boolean, types.float64, _TRANSPOSED,
    _COEFS, _vector, _MATRIX, types.boolean, _vector, _MATRIX, _ROW_PROX, _vector,
    _FLAGS,
)  # fmt: skip


@njit(_DENSE_SIGNATURE, cache=True, fastmath=True)
def squared_epoch_dense(
    X_t, weights_t, output_weights, uniform, normalizer, residuals_t, coefs,
    intercept, means, fit_intercept, block_steps, entry_steps, prox, params,
    entrywise,
):  # fmt: skip
    """One epoch over the columns of a dense ``X``, given as ``X.T``.

    ``normalizer`` is the datafit's ``m``: the gradient of row ``j`` is
    ``-X[:, j] @ residuals / m``.
    ``uniform`` says that ``weights[i, u] == output_weights[u]`` for every row.
    ``residuals_t`` and ``weights_t`` are the transposes of ``(n_samples,
    n_outputs)`` arrays (one contiguous row per output): every loop runs over
    the rows of one output, long and contiguous, which is about twice as fast
    as rows of ``n_outputs``.
    """
    n_features, n_samples = X_t.shape
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
                    total += X_t[j, i] * residuals_t[u, i]
                gradient[u] = -total / normalizer
            if not _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, trial, delta,
            ):  # fmt: skip
                continue
            if uniform:
                # Every weight of output u is output_weights[u] and every mean
                # of column j is the same: a rank-one update.
                center = means[j, 0] if fit_intercept else 0.0
                for i in range(n_samples):
                    column[i] = X_t[j, i] - center
                for u in range(n_outputs):
                    scale = output_weights[u] * delta[u]
                    for i in range(n_samples):
                        residuals_t[u, i] -= column[i] * scale
            else:
                for u in range(n_outputs):
                    change = delta[u]
                    if change == 0.0:
                        continue
                    center = means[j, u] if fit_intercept else 0.0
                    for i in range(n_samples):
                        residuals_t[u, i] -= (
                            weights_t[u, i] * (X_t[j, i] - center) * change
                        )
            if fit_intercept:
                for u in range(n_outputs):
                    intercept[u] -= means[j, u] * delta[u]


_SPARSE_SIGNATURE = types.void(
    _index, _index, _vector, _TRANSPOSED, _vector, types.boolean, types.float64,
    _TRANSPOSED, _COEFS, _vector, _MATRIX, types.boolean, _vector, _MATRIX, _ROW_PROX,
    _vector, _FLAGS,
)  # fmt: skip


@njit(_SPARSE_SIGNATURE, cache=True, fastmath=True)
def squared_epoch_sparse(
    indptr, indices, data, weights_t, output_weights, uniform, normalizer,
    residuals_t, coefs, intercept, means, fit_intercept, block_steps, entry_steps,
    prox, params, entrywise,
):  # fmt: skip
    """One epoch over the columns of a CSC ``X`` given by its arrays.

    ``residuals_t`` and ``weights_t`` are transposed, as for the dense epoch.
    """
    n_samples = residuals_t.shape[1]
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    trial = np.empty(n_outputs)
    delta = np.empty(n_outputs)
    for j in range(n_features):
        rows = indices[indptr[j] : indptr[j + 1]]
        values = data[indptr[j] : indptr[j + 1]]
        for part in range(n_parts):
            for u in range(n_outputs):
                residual = residuals_t[u]
                total = 0.0
                for k in range(rows.size):
                    total += values[k] * residual[rows[k]]
                gradient[u] = -total / normalizer
            if not _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, trial, delta,
            ):  # fmt: skip
                continue
            for u in range(n_outputs):
                if delta[u] == 0.0:
                    continue
                residual, weight = residuals_t[u], weights_t[u]
                for k in range(rows.size):
                    residual[rows[k]] -= weight[rows[k]] * values[k] * delta[u]
                if fit_intercept:
                    shift = means[j, u] * delta[u]
                    for i in range(n_samples):
                        residuals_t[u, i] += weights_t[u, i] * shift
                    intercept[u] -= shift


_OBSERVED_DENSE_SIGNATURE = types.void(
    _TRANSPOSED, _index, _vector, types.float64, _vector, _COEFS, _vector, _MATRIX,
    types.boolean, _vector, _MATRIX, _ROW_PROX, _vector, _FLAGS,
)  # fmt: skip


@njit(_OBSERVED_DENSE_SIGNATURE, cache=True, fastmath=True)
def observed_epoch_dense(
    X_t, offsets, weights, normalizer, residuals, coefs, intercept, means,
    fit_intercept, block_steps, entry_steps, prox, params, entrywise,
):  # fmt: skip
    """One epoch with one residual per label; ``X`` has one row per label.

    ``X_t`` is the transpose of an ``(n_labels, n_features)`` design: column
    ``l`` is the row of ``X`` of label ``l``, and the labels of output ``u``
    are ``offsets[u]:offsets[u + 1]``. ``weights`` and ``residuals`` have one
    entry per label (sample weight x task weight, and weighted residual).
    """
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    trial = np.empty(n_outputs)
    delta = np.empty(n_outputs)
    for j in range(n_features):
        for part in range(n_parts):
            column = X_t[j]
            for u in range(n_outputs):
                x = column[offsets[u] : offsets[u + 1]]
                residual = residuals[offsets[u] : offsets[u + 1]]
                total = 0.0
                for k in range(x.size):
                    total += x[k] * residual[k]
                gradient[u] = -total / normalizer
            if not _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, trial, delta,
            ):  # fmt: skip
                continue
            for u in range(n_outputs):
                change = delta[u]
                if change == 0.0:
                    continue
                center = means[j, u] if fit_intercept else 0.0
                x = column[offsets[u] : offsets[u + 1]]
                residual = residuals[offsets[u] : offsets[u + 1]]
                weight = weights[offsets[u] : offsets[u + 1]]
                for k in range(x.size):
                    residual[k] -= weight[k] * (x[k] - center) * change
                if fit_intercept:
                    intercept[u] -= center * change


_OBSERVED_SPARSE_SIGNATURE = types.void(
    _index, _index, _vector, _index, _index, _vector, types.float64, _vector,
    _COEFS, _vector, _MATRIX, types.boolean, _vector, _MATRIX, _ROW_PROX, _vector,
    _FLAGS,
)  # fmt: skip


@njit(_OBSERVED_SPARSE_SIGNATURE, cache=True, fastmath=True)
def observed_epoch_sparse(
    indptr, indices, data, offsets, outputs, weights, normalizer, residuals, coefs,
    intercept, means, fit_intercept, block_steps, entry_steps, prox, params,
    entrywise,
):  # fmt: skip
    """One epoch with one residual per label; ``X`` is CSC with one row per label.

    ``outputs[l]`` is the output of label ``l``; the labels of output ``u``
    are ``offsets[u]:offsets[u + 1]``.
    """
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    trial = np.empty(n_outputs)
    delta = np.empty(n_outputs)
    for j in range(n_features):
        labels = indices[indptr[j] : indptr[j + 1]]
        values = data[indptr[j] : indptr[j + 1]]
        for part in range(n_parts):
            gradient[:] = 0.0
            for k in range(labels.size):
                label = labels[k]
                gradient[outputs[label]] += values[k] * residuals[label]
            for u in range(n_outputs):
                gradient[u] = -gradient[u] / normalizer
            if not _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, trial, delta,
            ):  # fmt: skip
                continue
            for k in range(labels.size):
                label = labels[k]
                residuals[label] -= weights[label] * values[k] * delta[outputs[label]]
            if fit_intercept:
                for u in range(n_outputs):
                    shift = means[j, u] * delta[u]
                    if shift == 0.0:
                        continue
                    residual = residuals[offsets[u] : offsets[u + 1]]
                    weight = weights[offsets[u] : offsets[u + 1]]
                    for k in range(residual.size):
                        residual[k] += weight[k] * shift
                    intercept[u] -= shift
