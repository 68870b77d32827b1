"""Datafits: the loss of a linear model on the observed labels only.

A datafit is built for one fit: it holds the targets of each output (a
column of ``W``), the weight of every entry (sample weight x task weight, 0
where the label is missing) and the normalizer ``m``, the mean over tasks of
the total sample weight of their observed labels (:func:`label_normalizer`;
``m = n``, the number of rows, when every label is observed with weight 1).
Dividing by ``m`` rather than by ``n`` makes a row without any label change
nothing, and a common factor on all sample weights too. Its methods take the
linear predictions ``Z = X W + b`` of shape ``(n_samples, n_outputs)`` and
give the loss, its gradient with respect to ``Z``, the Fenchel dual value at a
scaled gradient (for duality gaps) and the best intercepts for fixed ``W``
(:meth:`~_Datafit.eliminate_intercept`: the loss of ``W`` alone, the
intercepts minimized out).

Regression has one output per task. Classification has one output (a logit)
per binary task and one per class for a multiclass task.

A datafit is built on every (row, output) entry, with entry arrays of shape
``(n_samples, n_outputs)``; :meth:`~_Datafit.on` gives the same datafit on
another layout of its entries (:mod:`._layouts`), such as the observed labels
only, where every array, ``Z`` included, has one value per label.
"""

from functools import cached_property

import numpy as np

from ._layouts import DenseLayout

__all__ = ["Squared", "label_normalizer", "row_blocks"]

#: Entries per block of the blocked reductions: 8 MB of float64 temporaries,
#: whatever the size of the problem.
BLOCK_ENTRIES = 1 << 20


def row_blocks(array):
    """Slices of ``array``'s first axis of about :data:`BLOCK_ENTRIES` entries.

    A reduction over an entry array computed block by block needs temporaries
    of one block, not of the whole array (a dense ``(n_samples, n_outputs)``
    array of 10,000 tasks is hundreds of megabytes).

    Parameters
    ----------
    array : ndarray
        An entry array (dense: rows x outputs; observed entries: 1-D).

    Returns
    -------
    blocks : list of slice
    """
    n_rows = array.shape[0]
    per_row = max(int(np.prod(array.shape[1:], dtype=np.int64)), 1)
    step = max(1, BLOCK_ENTRIES // per_row)
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def label_normalizer(observed_weights):
    """``m``: the mean over tasks of the total sample weight of their labels.

    Parameters
    ----------
    observed_weights : ndarray of shape (n_samples, n_tasks)
        Sample weight of each label, 0 where it is missing (one column per
        task, not per output).

    Returns
    -------
    normalizer : float
        ``(1/T) * sum_t sum_{i in O_t} s_i``: ``n`` when every label is
        observed with weight 1.

    Raises
    ------
    ValueError
        If no observed label has a positive weight.
    """
    normalizer = float(observed_weights.sum()) / max(observed_weights.shape[1], 1)
    if not normalizer > 0:
        raise ValueError(
            "Expected a positive total sample weight over the observed labels; "
            "got 0 instead (every observed label has sample weight 0)."
        )
    return normalizer


class _Datafit:
    """Entry weights and the pieces every datafit shares.

    Parameters
    ----------
    observed_weights : ndarray
        Entry array (see :mod:`._layouts`): the sample weight of each entry,
        0 where its label is missing.
    output_weights : ndarray of shape (n_outputs,)
        Task weight of each output.
    normalizer : float
        ``m``, the positive number the loss is divided by.
    layout : DenseLayout or ObservedLayout
        How the entry arrays are stored.
    """

    def __init__(self, observed_weights, output_weights, normalizer, layout):
        self.layout = layout
        self.observed_weights = observed_weights
        self.output_weights = output_weights
        self.n_samples = layout.n_samples
        self.normalizer = normalizer
        self._kernel_weights = None

    # The entry arrays derived from the weights are computed when first
    # needed: a datafit on every entry that only serves to make the same
    # datafit on the observed labels (:meth:`on`) never computes them.

    @cached_property
    def weights(self):
        """Entry weights: sample weight x task weight, 0 where missing.

        The observed weights themselves (no copy) when every task weighs 1.
        """
        if np.all(self.output_weights == 1.0):
            return self.observed_weights
        return self.observed_weights * self.layout.spread(self.output_weights)

    @cached_property
    def uniform(self):
        """Every entry of every output observed with weight 1 (dense layout).

        The compiled dense epoch then updates the residuals by a rank-one
        product.
        """
        return self.layout.kind == "dense" and bool(
            np.all(self.observed_weights == 1.0)
        )

    @cached_property
    def uniform_labels(self):
        """Every label observed with weight 1 (the observed-labels layout).

        The compiled epochs on the labels then weigh each output's labels by
        its task weight alone.
        """
        return self.layout.kind != "dense" and bool(
            np.all(self.observed_weights == 1.0)
        )

    @cached_property
    def totals(self):
        """Total sample weight of each output's observed labels."""
        return self.layout.sums(self.observed_weights)

    @cached_property
    def _inverse_totals(self):
        totals = self.totals
        return np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)

    @property
    def n_outputs(self):
        return self.layout.n_outputs

    @cached_property
    def n_labels(self):
        """Number of entries of positive weight (whatever the layout)."""
        return int(np.count_nonzero(self.observed_weights))

    def kernel_weights(self, design):
        """The entry weights as ``design``'s compiled epochs want them (cached)."""
        if self._kernel_weights is None:
            self._kernel_weights = design.kernel_entries(self.weights)
        return self._kernel_weights

    def on(self, layout):
        """The same datafit with its entries in ``layout`` (itself if dense)."""
        if layout.kind == "dense" and self.layout.kind == "dense":
            return self
        return self._on(layout)

    def column_means(self, Z):
        """Weighted mean of each output's entries of ``Z`` over its observed rows.

        0 for an output without any observed row. Summed block by block
        (:func:`row_blocks`) on the dense layout.
        """
        if self.layout.kind != "dense":
            return self.layout.sums(Z * self.observed_weights) * self._inverse_totals
        sums = np.zeros(self.n_outputs)
        for rows in row_blocks(Z):
            sums += (Z[rows] * self.observed_weights[rows]).sum(axis=0)
        return sums * self._inverse_totals

    def center(self, Z):
        """``Z`` minus :meth:`column_means`: the part intercepts cannot absorb."""
        return Z - self.layout.spread(self.column_means(Z))

    def value_and_gradient(self, Z):
        """The loss at ``Z`` and its gradient with respect to ``Z``."""
        return self.value(Z), self.gradient(Z)

    def eliminate_intercept(self, linear, intercept):
        """Best intercepts for the linear part, and the loss and its gradient there.

        Parameters
        ----------
        linear : ndarray
            Entry array of the linear predictions without intercept, ``X W``.
        intercept : ndarray of shape (n_outputs,)
            Starting point of an iterative minimization (ignored by a
            closed form).

        Returns
        -------
        intercept : ndarray of shape (n_outputs,)
            The minimizer ``b*`` of the loss at ``linear + b``.
        value : float
            The loss at ``linear + b*``: the loss of ``W`` alone.
        gradient : ndarray
            Its gradient with respect to ``Z`` at ``linear + b*`` (an entry
            array). Each output's entries sum to 0, so ``X^T gradient`` is
            also the gradient of the loss of ``W`` alone (the intercepts' own
            gradient vanishes).
        """
        intercept = self.intercept(linear, intercept)
        return (
            intercept,
            *self.value_and_gradient(linear + self.layout.spread(intercept)),
        )

    def value_at(self, linear, intercept):
        """The loss at ``linear + intercept`` (intercepts spread over outputs)."""
        return self.value(linear + self.layout.spread(intercept))

    def gradient_at(self, linear, intercept):
        """The gradient with respect to ``Z`` at ``Z = linear + intercept``."""
        return self.gradient(linear + self.layout.spread(intercept))

    def dual_at(self, linear, intercept, scale):
        """:meth:`dual` at ``Z = linear + intercept``."""
        return self.dual(linear + self.layout.spread(intercept), scale)

    def eliminate_intercept_value(self, linear, intercept):
        """:meth:`eliminate_intercept` without the gradient: intercepts and loss.

        The built-in datafits compute it without an entry array.
        """
        intercept = self.intercept(linear, intercept)
        return intercept, self.value_at(linear, intercept)

    def _block_shift(self, intercept, rows):
        """The intercepts of the entries of a block of rows (:func:`row_blocks`)."""
        if self.layout.kind == "dense":
            return intercept
        return intercept[self.layout.outputs[rows]]

    def gap_scale(self, null_intercept):
        """The reference of ``tol``: see the subclasses."""
        raise NotImplementedError


class Squared(_Datafit):
    """``(1/(2m)) * sum_t w_t * sum_{i in O_t} s_i (y_it - z_it)^2``.

    ``m = (1/T) * sum_t sum_{i in O_t} s_i`` (:func:`label_normalizer`).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Targets, any finite value where missing (an entry array of
        ``layout``).
    observed_weights : ndarray of shape (n_samples, n_outputs)
        Sample weight of each entry, 0 where its label is missing (an entry
        array of ``layout``).
    output_weights : ndarray of shape (n_outputs,)
        Task weight of each output.
    normalizer : float or None, default=None
        ``m``; None computes it from ``observed_weights`` (dense layout only).
    layout : DenseLayout, ObservedLayout or None, default=None
        Layout of the entry arrays; None for every (row, output) entry.
    """

    def __init__(
        self, Y, observed_weights, output_weights, normalizer=None, layout=None
    ):
        if normalizer is None:
            normalizer = label_normalizer(observed_weights)
        if layout is None:
            layout = DenseLayout(*Y.shape)
        super().__init__(observed_weights, output_weights, normalizer, layout)
        self.Y = Y
        self.curvature = np.ones(layout.n_outputs)
        self._adjoint_cache = None

    @cached_property
    def _target_means(self):
        return self.column_means(self.Y)

    def _on(self, layout):
        return Squared(
            layout.entries(self.Y),
            layout.entries(self.observed_weights),
            self.output_weights,
            self.normalizer,
            layout,
        )

    def value(self, Z):
        total = 0.0
        for rows in row_blocks(self.Y):
            residual = self.Y[rows] - Z[rows]
            total += np.sum(self.weights[rows] * residual * residual)
        return total / (2.0 * self.normalizer)

    def gradient(self, Z):
        gradient = Z - self.Y
        gradient *= self.weights
        gradient /= self.normalizer
        return gradient

    def value_and_gradient(self, Z):
        return self._value_and_gradient(Z - self.Y)

    def eliminate_intercept(self, linear, intercept=None):
        intercept = self.intercept(linear)
        residuals = linear - self.Y
        residuals += self.layout.spread(intercept)
        return (intercept, *self._value_and_gradient(residuals))

    def _value_and_gradient(self, residuals):
        """The loss and its gradient from the residuals ``Z - Y`` (overwritten).

        The loss is summed block by block, then ``residuals`` becomes the
        gradient in place: no entry array is allocated.
        """
        value = 0.0
        for rows in row_blocks(residuals):
            block = residuals[rows]
            value += np.sum(self.weights[rows] * block * block)
        residuals *= self.weights
        residuals /= self.normalizer
        return 0.5 * value / self.normalizer, residuals

    def dual(self, Z, scale):
        """``-f*(scale * gradient(Z))``: the datafit's part of the dual objective.

        The sum of ``w * r * (scale * Y - scale^2 / 2 * r)`` over the entries,
        with ``r = Y - Z``, taken block by block (:func:`row_blocks`).
        """
        total = 0.0
        for rows in row_blocks(self.Y):
            Y = self.Y[rows]
            residual = Y - Z[rows]
            weighted = self.weights[rows] * residual
            total += scale * np.sum(weighted * Y)
            total -= 0.5 * scale**2 * np.sum(weighted * residual)
        return total / self.normalizer

    def value_at(self, linear, intercept):
        total = 0.0
        for rows in row_blocks(self.Y):
            residual = self.Y[rows] - linear[rows]
            residual -= self._block_shift(intercept, rows)
            total += np.sum(self.weights[rows] * residual * residual)
        return total / (2.0 * self.normalizer)

    def adjoint_gradient(self, design, linear, intercept):
        """``X^T gradient(linear + intercept)`` without the gradient's entry array.

        The gradient is ``w * (linear + b - Y) / m``: ``X^T (w * Y)`` and
        ``X^T w`` are computed once per design, and ``X^T (w * linear)``
        needs no temporary when every weight is 1 (by blocks of rows
        otherwise, on the dense entries).

        Parameters
        ----------
        design : DenseDesign, ObservedDesign, GatheredDesign or IndexedDesign
            The design of ``linear``.
        linear : ndarray
            Entry array of ``X W``.
        intercept : ndarray of shape (n_outputs,)
            The intercepts.

        Returns
        -------
        gradient : ndarray of shape (n_features, n_outputs)
        """
        key = id(design)
        if self._adjoint_cache is None or self._adjoint_cache[0] != key:
            self._adjoint_cache = (
                key, design, design.adjoint(self.weights * self.Y),
                design.adjoint(self.weights),
            )  # fmt: skip
        _, _, targets, weights = self._adjoint_cache
        if self.uniform:
            product = design.adjoint(linear)
        elif self.layout.kind == "dense" and hasattr(design, "X"):
            X = design.X
            product = np.zeros((design.n_features, self.n_outputs))
            for rows in row_blocks(linear):
                product += np.asarray(X[rows].T @ (self.weights[rows] * linear[rows]))
        else:
            product = design.adjoint(self.weights * linear)
        product -= targets
        product += weights * intercept
        product /= self.normalizer
        return product

    def dual_at(self, linear, intercept, scale):
        total = 0.0
        for rows in row_blocks(self.Y):
            Y = self.Y[rows]
            residual = Y - linear[rows]
            residual -= self._block_shift(intercept, rows)
            weighted = self.weights[rows] * residual
            total += scale * np.sum(weighted * Y)
            total -= 0.5 * scale**2 * np.sum(weighted * residual)
        return total / self.normalizer

    def gradient_at(self, linear, intercept):
        gradient = np.empty_like(linear)
        for rows in row_blocks(linear):
            block = linear[rows] - self.Y[rows]
            block += self._block_shift(intercept, rows)
            block *= self.weights[rows]
            gradient[rows] = block
        gradient /= self.normalizer
        return gradient

    def residuals(self, Z, out=None):
        """Weighted residuals ``weights * (Y - Z)``, into ``out`` if given.

        ``out`` may be ``Z`` itself (computed block by block: no temporary
        entry array).
        """
        if out is None:
            out = np.empty_like(Z)
        for rows in row_blocks(Z):
            block = self.Y[rows] - Z[rows]
            block *= self.weights[rows]
            out[rows] = block
        return out

    def residual_sums(self, residuals):
        """``sum r^2 / w`` and ``sum r * Y`` over the entries of positive weight.

        ``r`` the weighted residuals (:meth:`residuals`): the loss is the
        first over ``2 m``, and the dual objective at the scaled gradient
        follows from both (:meth:`dual_from_sums`).
        """
        squares = products = 0.0
        for rows in row_blocks(residuals):
            block, weights = residuals[rows], self.weights[rows]
            positive = weights > 0
            squares += np.sum(block[positive] ** 2 / weights[positive])
            products += np.sum(block * self.Y[rows])
        return squares, products

    def dual_from_sums(self, sums, scale):
        """:meth:`dual` from :meth:`residual_sums` of the residuals at ``Z``."""
        squares, products = sums
        return (scale * products - 0.5 * scale**2 * squares) / self.normalizer

    def intercept(self, Z, intercept=None, max_steps=None):
        """Best intercepts for the linear part ``Z``: weighted mean residuals.

        In closed form: ``intercept`` and ``max_steps`` (of an iterative
        minimization, for other datafits) are ignored.
        """
        return self._target_means - self.column_means(Z)

    def null_intercept(self):
        """Best intercepts with ``W = 0``: the weighted mean of each output."""
        return self._target_means.copy()

    def gap_scale(self, null_intercept):
        """``||Y - b0||^2_weights / m``: scikit-learn's reference for ``tol``."""
        return 2.0 * self.value(self.layout.constant(null_intercept))
