"""Compiled epochs of block coordinate descent for a weighted squared loss.

The squared datafit, and the second-order model of the logistic one that its
proximal Newton steps minimize. One epoch visits the features of a working
set in order; for each it computes the gradient of its row of ``W`` from the
weighted residuals, applies the row proximal operator of the penalty, and
updates the residuals (and, with an intercept, the intercepts, which stay
optimal). Each row's update is the exact minimizer of the loss along the row
plus the penalty: the curvature of the loss differs from output to output,
and the penalty's prox of a block takes one step for the row, so the first
prox step is refined by prox steps on the row alone (:func:`_refine_row`).
An epoch returns the largest prox-gradient mapping it met (0 at the
solution), a measure of its progress.

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
  runs over the labels of one output, contiguously; or, where that copy
  would be too large (many labels per row), read from ``X.T`` at the labels'
  rows (:func:`indexed_epoch_dense`).

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
    "add_weighted_change",
    "indexed_epoch_dense",
    "observed_epoch_dense",
    "observed_epoch_sparse",
    "row_prox",
    "squared_epoch_dense",
    "squared_epoch_sparse",
    "weighted_squares",
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


#: Outputs whose curvatures along a row are within this ratio of each other
#: need no refinement: the first prox step is then (nearly) exact.
EQUAL_CURVATURES = 0.999


@njit(cache=True, fastmath=True)
def _refine_row(
    prox, params, part, j, gradient, coefs, block, steps, refine, row, scratch,
):  # fmt: skip
    """Minimize the row's quadratic model plus the penalty part, from ``row``.

    The model of row ``j`` of part ``part`` is ``gradient . (v - c) + 1/2 *
    sum_u (v_u - c_u)^2 / steps[u]``, with ``c`` the row before the update:
    its curvature differs from output to output (the Lipschitz constants of
    the outputs along feature ``j``), while the penalty's prox of a block
    (group) part takes one step for the whole row. One prox step with the
    smallest of them (``block``, the first move already in ``row``) moves
    the outputs of low curvature by a fraction of their way; accelerated
    proximal gradient steps on the row alone (no pass over the data) finish
    the exact block minimization. Only the penalty's own prox is called, so
    any row-separable penalty gets it. ``row`` gets the refined row.

    ``refine`` is ``(largest number of steps, tolerance)``: the steps stop
    when one moves the row by at most the tolerance times the first move.
    ``scratch`` is a (5, n_outputs) work array.

    A gradient step on the model from ``v`` is ``v - block * (gradient +
    (v - c) / steps)``, that is ``scale * v - shift`` with ``scale = 1 -
    block / steps`` and ``shift = block * (gradient - c / steps)``, computed
    once per row: a step then costs one multiply-add per output (School's
    139 outputs take a few refinement steps per row, as many operations as
    a pass over the labels).
    """
    n_outputs = row.size
    # The smallest ratio block / steps[u] is block over the largest step.
    largest_step = 0.0
    for u in range(n_outputs):
        largest_step = max(largest_step, steps[u])
    if largest_step <= 0.0 or block / largest_step >= EQUAL_CURVATURES:
        return
    trial, current, momentum, scale, shift = (
        scratch[0], scratch[1], scratch[2], scratch[3], scratch[4],
    )  # fmt: skip
    first = 0.0
    for u in range(n_outputs):
        before = coefs[part, j, u]
        first = max(first, abs(row[u] - before))
        current[u] = row[u]
        momentum[u] = row[u]
        curvature = 1.0 / steps[u] if steps[u] > 0.0 else 0.0
        scale[u] = 1.0 - block * curvature
        shift[u] = block * (gradient[u] - curvature * before)
    if first == 0.0:
        # The first prox step leaves the row where it is: a fixed point of
        # the prox-gradient map of the model, so its minimizer.
        return
    t = 1.0
    tolerance = refine[1] * first
    for _ in range(int(refine[0])):
        for u in range(n_outputs):
            trial[u] = scale[u] * momentum[u] - shift[u]
        prox(trial, block, steps, params, part, j, row)
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_next
        change = 0.0
        uphill = 0.0
        for u in range(n_outputs):
            moved = row[u] - current[u]
            change = max(change, abs(moved))
            uphill += (momentum[u] - row[u]) * moved
        if uphill > 0.0:
            # The momentum points uphill: restart it (O'Donoghue & Candes).
            beta = 0.0
            t_next = 1.0
        for u in range(n_outputs):
            momentum[u] = row[u] + beta * (row[u] - current[u])
            current[u] = row[u]
        t = t_next
        if change <= tolerance:
            break


@njit(cache=True, fastmath=True)
def _update_row(
    prox, params, entrywise, part, j, gradient, coefs, block_steps, entry_steps,
    refine, scratch, delta,
):  # fmt: skip
    """Prox step on row ``j`` of one part; ``delta`` gets new - old.

    With ``refine[0]`` > 0, a block part's update is refined into the exact
    minimizer of the row's model (:func:`_refine_row`, at most ``refine[0]``
    steps). ``scratch`` is a (5, n_outputs) work array.

    Returns whether the row moved, and the largest entry of the prox-gradient
    mapping of the first step (``|new - old| / step``): 0 at the optimum.
    """
    n_outputs = coefs.shape[2]
    steps = entry_steps[j]
    block = block_steps[j]
    by_entry = entrywise[part]
    trial = scratch[0]
    for u in range(n_outputs):
        step = steps[u] if by_entry else block
        trial[u] = coefs[part, j, u] - step * gradient[u]
    prox(trial, block, steps, params, part, j, delta)
    mapping = 0.0
    for u in range(n_outputs):
        step = steps[u] if by_entry else block
        if step > 0.0:
            mapping = max(mapping, abs(delta[u] - coefs[part, j, u]) / step)
    if refine[0] > 0 and not by_entry and block > 0.0:
        _refine_row(
            prox, params, part, j, gradient, coefs, block, steps, refine, delta,
            scratch,
        )  # fmt: skip
    moved = False
    for u in range(n_outputs):
        new = delta[u]
        delta[u] = new - coefs[part, j, u]
        if delta[u] != 0.0:
            moved = True
        coefs[part, j, u] = new
    return moved, mapping


_TRANSPOSED = types.float64[:, ::1]
_COEFS = types.float64[:, :, ::1]
_MATRIX = types.float64[:, ::1]
_FLAGS = types.boolean[::1]

#: The arguments every epoch ends with: ``coefs, intercept, means,
#: fit_intercept, block_steps, entry_steps, prox, params, entrywise,
#: refine``.
_COMMON = (
    _COEFS, _vector, _MATRIX, types.boolean, _vector, _MATRIX, _ROW_PROX, _vector,
    _FLAGS, _vector,
)  # fmt: skip

_DENSE_SIGNATURE = types.float64(
    _TRANSPOSED, _TRANSPOSED, _vector, types.boolean, types.float64, _TRANSPOSED,
    *_COMMON,
)  # fmt: skip


@njit(_DENSE_SIGNATURE, cache=True, fastmath=True)
def squared_epoch_dense(
    X_t, weights_t, output_weights, uniform, normalizer, residuals_t, coefs,
    intercept, means, fit_intercept, block_steps, entry_steps, prox, params,
    entrywise, refine,
):  # fmt: skip
    """One epoch over the columns of a dense ``X``, given as ``X.T``.

    ``normalizer`` is the datafit's ``m``: the gradient of row ``j`` is
    ``-X[:, j] @ residuals / m``.
    ``uniform`` says that ``weights[i, u] == output_weights[u]`` for every row.
    ``residuals_t`` and ``weights_t`` are the transposes of ``(n_samples,
    n_outputs)`` arrays (one contiguous row per output): every loop runs over
    the rows of one output, long and contiguous, which is about twice as fast
    as rows of ``n_outputs``. ``refine``: see :func:`_update_row`.

    Returns the largest entry of the prox-gradient mapping met in the epoch.
    """
    n_features, n_samples = X_t.shape
    n_parts, _, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    scratch = np.empty((5, n_outputs))
    delta = np.empty(n_outputs)
    column = np.empty(n_samples)
    largest = 0.0
    for j in range(n_features):
        for part in range(n_parts):
            for u in range(n_outputs):
                total = 0.0
                for i in range(n_samples):
                    total += X_t[j, i] * residuals_t[u, i]
                gradient[u] = -total / normalizer
            moved, mapping = _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, refine, scratch, delta,
            )  # fmt: skip
            largest = max(largest, mapping)
            if not moved:
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
    return largest


_SPARSE_SIGNATURE = types.float64(
    _index, _index, _vector, _TRANSPOSED, _vector, types.boolean, types.float64,
    _TRANSPOSED, *_COMMON,
)  # fmt: skip


@njit(_SPARSE_SIGNATURE, cache=True, fastmath=True)
def squared_epoch_sparse(
    indptr, indices, data, weights_t, output_weights, uniform, normalizer,
    residuals_t, coefs, intercept, means, fit_intercept, block_steps, entry_steps,
    prox, params, entrywise, refine,
):  # fmt: skip
    """One epoch over the columns of a CSC ``X`` given by its arrays.

    ``residuals_t`` and ``weights_t`` are transposed, as for the dense epoch.
    """
    n_samples = residuals_t.shape[1]
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    scratch = np.empty((5, n_outputs))
    delta = np.empty(n_outputs)
    largest = 0.0
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
            moved, mapping = _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, refine, scratch, delta,
            )  # fmt: skip
            largest = max(largest, mapping)
            if not moved:
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
    return largest


_OBSERVED_DENSE_SIGNATURE = types.float64(
    _TRANSPOSED, _index, _vector, _vector, types.boolean, types.float64, _vector,
    *_COMMON,
)  # fmt: skip


@njit(cache=True, fastmath=True)
def _gathered_gradient(column, offsets, residuals, normalizer, gradient):
    """``gradient[u] = -column . residuals / m`` over the labels of output ``u``."""
    for u in range(offsets.size - 1):
        x = column[offsets[u] : offsets[u + 1]]
        residual = residuals[offsets[u] : offsets[u + 1]]
        total = 0.0
        for k in range(x.size):
            total += x[k] * residual[k]
        gradient[u] = -total / normalizer


@njit(_OBSERVED_DENSE_SIGNATURE, cache=True, fastmath=True)
def observed_epoch_dense(
    X_t, offsets, weights, output_weights, uniform, normalizer, residuals, coefs,
    intercept, means, fit_intercept, block_steps, entry_steps, prox, params,
    entrywise, refine,
):  # fmt: skip
    """One epoch with one residual per label; ``X`` has one row per label.

    ``X_t`` is the transpose of an ``(n_labels, n_features)`` design: column
    ``l`` is the row of ``X`` of label ``l``, and the labels of output ``u``
    are ``offsets[u]:offsets[u + 1]``. ``weights`` and ``residuals`` have one
    entry per label (sample weight x task weight, and weighted residual).
    ``uniform`` says that every label of output ``u`` weighs
    ``output_weights[u]`` (no sample weights): the residual updates then read
    no per-label weight (one stream less in the pass over the labels).
    A row's residual update and the gradient of the next row share one pass
    over the labels (see :func:`indexed_epoch_dense`).
    """
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    scratch = np.empty((5, n_outputs))
    delta = np.empty(n_outputs)
    largest = 0.0
    if n_features == 0:
        return largest
    _gathered_gradient(X_t[0], offsets, residuals, normalizer, gradient)
    for j in range(n_features):
        column = X_t[j]
        for part in range(n_parts):
            moved, mapping = _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, refine, scratch, delta,
            )  # fmt: skip
            largest = max(largest, mapping)
            last = part + 1 == n_parts and j + 1 == n_features
            following = column if part + 1 < n_parts or last else X_t[j + 1]
            if not moved:
                if not last:
                    _gathered_gradient(
                        following, offsets, residuals, normalizer, gradient
                    )
                continue
            for u in range(n_outputs):
                change = delta[u]
                x = column[offsets[u] : offsets[u + 1]]
                after = following[offsets[u] : offsets[u + 1]]
                residual = residuals[offsets[u] : offsets[u + 1]]
                total = 0.0
                if change == 0.0:
                    if not last:
                        for k in range(x.size):
                            total += after[k] * residual[k]
                elif uniform:
                    center = means[j, u] if fit_intercept else 0.0
                    scale = output_weights[u] * change
                    for k in range(x.size):
                        value = residual[k] - (x[k] - center) * scale
                        residual[k] = value
                        total += after[k] * value
                    if fit_intercept:
                        intercept[u] -= center * change
                else:
                    center = means[j, u] if fit_intercept else 0.0
                    weight = weights[offsets[u] : offsets[u + 1]]
                    for k in range(x.size):
                        value = residual[k] - weight[k] * (x[k] - center) * change
                        residual[k] = value
                        total += after[k] * value
                    if fit_intercept:
                        intercept[u] -= center * change
                gradient[u] = -total / normalizer
    return largest


_OBSERVED_SPARSE_SIGNATURE = types.float64(
    _index, _index, _vector, _index, _index, _vector, types.float64, _vector,
    *_COMMON,
)  # fmt: skip


@njit(_OBSERVED_SPARSE_SIGNATURE, cache=True, fastmath=True)
def observed_epoch_sparse(
    indptr, indices, data, offsets, outputs, weights, normalizer, residuals, coefs,
    intercept, means, fit_intercept, block_steps, entry_steps, prox, params,
    entrywise, refine,
):  # fmt: skip
    """One epoch with one residual per label; ``X`` is CSC with one row per label.

    ``outputs[l]`` is the output of label ``l``; the labels of output ``u``
    are ``offsets[u]:offsets[u + 1]``.
    """
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    scratch = np.empty((5, n_outputs))
    delta = np.empty(n_outputs)
    largest = 0.0
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
            moved, mapping = _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, refine, scratch, delta,
            )  # fmt: skip
            largest = max(largest, mapping)
            if not moved:
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
    return largest


_INDEXED_SIGNATURE = types.float64(
    _TRANSPOSED, _index, _index, _index, _vector, types.float64, _vector, *_COMMON
)


@njit(cache=True, fastmath=True)
def _indexed_gradient(column, rows, offsets, residuals, normalizer, gradient):
    """``gradient[u] = -sum_l column[rows[l]] * residuals[l] / m`` over output ``u``."""
    for u in range(offsets.size - 1):
        labels = rows[offsets[u] : offsets[u + 1]]
        residual = residuals[offsets[u] : offsets[u + 1]]
        total = 0.0
        for k in range(labels.size):
            total += column[labels[k]] * residual[k]
        gradient[u] = -total / normalizer


@njit(_INDEXED_SIGNATURE, cache=True, fastmath=True)
def indexed_epoch_dense(
    X_t, features, rows, offsets, weights, normalizer, residuals, coefs, intercept,
    means, fit_intercept, block_steps, entry_steps, prox, params, entrywise,
    refine,
):  # fmt: skip
    """One epoch with one residual per label, reading ``X`` at the labels' rows.

    ``X_t`` is ``X.T`` (C order, one contiguous row per feature of ``X``);
    the working set's feature ``j`` is ``features[j]`` and the label ``l``
    reads ``X_t[features[j], rows[l]]``. No copy of ``X`` per label: where
    rows hold many labels (ToxCast: about 180), a gathered design would
    hold that many copies of each row.

    The epoch is bound by reading the labels' arrays, so a row's residual
    update and the gradient of the next row (of the next part, or the next
    feature) share one pass over the labels.
    """
    n_parts, n_features, n_outputs = coefs.shape
    gradient = np.empty(n_outputs)
    scratch = np.empty((5, n_outputs))
    delta = np.empty(n_outputs)
    largest = 0.0
    if n_features == 0:
        return largest
    _indexed_gradient(X_t[features[0]], rows, offsets, residuals, normalizer, gradient)
    for j in range(n_features):
        column = X_t[features[j]]
        for part in range(n_parts):
            moved, mapping = _update_row(
                prox, params, entrywise, part, j, gradient, coefs, block_steps,
                entry_steps, refine, scratch, delta,
            )  # fmt: skip
            largest = max(largest, mapping)
            last = part + 1 == n_parts and j + 1 == n_features
            following = column if part + 1 < n_parts or last else X_t[features[j + 1]]
            if not moved:
                if not last:
                    _indexed_gradient(
                        following, rows, offsets, residuals, normalizer, gradient
                    )
                continue
            for u in range(n_outputs):
                change = delta[u]
                labels = rows[offsets[u] : offsets[u + 1]]
                residual = residuals[offsets[u] : offsets[u + 1]]
                total = 0.0
                if change == 0.0:
                    if not last:
                        for k in range(labels.size):
                            total += following[labels[k]] * residual[k]
                else:
                    center = means[j, u] if fit_intercept else 0.0
                    weight = weights[offsets[u] : offsets[u + 1]]
                    for k in range(labels.size):
                        row = labels[k]
                        value = (
                            residual[k] - weight[k] * (column[row] - center) * change
                        )
                        residual[k] = value
                        total += following[row] * value
                    if fit_intercept:
                        intercept[u] -= center * change
                gradient[u] = -total / normalizer
    return largest


@njit(cache=True, fastmath=True)
def weighted_squares(residuals, weights, offsets, out):
    """``out[u] = sum r^2 / k`` over output ``u``'s entries with ``k > 0``.

    Flat entry arrays, output by output. Twice the smooth part of a proximal
    Newton model, up to a constant (see :class:`~._bcd_inner._NewtonProblem`).
    """
    for u in range(offsets.size - 1):
        total = 0.0
        for k in range(offsets[u], offsets[u + 1]):
            if weights[k] > 0.0:
                total += residuals[k] * residuals[k] / weights[k]
        out[u] = total


@njit(cache=True, fastmath=True)
def add_weighted_change(target, weights, delta, delta_intercept, offsets):
    """``target += weights * (delta + delta_intercept[u])`` over output ``u``.

    Flat entry arrays, output by output; ``delta`` may be None.
    """
    for u in range(offsets.size - 1):
        shift = delta_intercept[u]
        for k in range(offsets[u], offsets[u + 1]):
            change = shift if delta is None else delta[k] + shift
            target[k] += weights[k] * change
