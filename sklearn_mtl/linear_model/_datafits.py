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
from scipy.special import expit, logsumexp, softmax, xlogy

from ._datafit_kernels import (
    binary_dual,
    binary_gradient,
    binary_intercept_step,
    binary_line,
    binary_losses,
    binary_model,
    binary_positive_sums,
)
from ._layouts import DenseLayout

__all__ = ["Logistic", "Squared", "label_normalizer"]

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


class Logistic(_Datafit):
    """Logistic loss of binary tasks and multinomial loss of multiclass tasks.

    ``(1/m) * sum_t w_t * sum_{i in O_t} s_i * log(1 + exp(-y_it z_it))`` for a
    binary task with labels mapped to +-1, and
    ``(1/m) * sum_t w_t * sum_{i in O_t} s_i * (logsumexp(z_i) - z_{i, y_it})``
    over the task's class outputs for a multiclass task, with
    ``m = (1/T) * sum_t sum_{i in O_t} s_i`` (:func:`label_normalizer`).

    Parameters
    ----------
    codes : ndarray of int of shape (n_samples, n_tasks)
        Class index of each label, any valid index (such as 0) where missing.
    n_classes : sequence of int
        Number of classes of each task; a task with 2 classes has one output.
    observed_weights : ndarray of shape (n_samples, n_tasks)
        Sample weight of each label, 0 where missing.
    task_weights : ndarray of shape (n_tasks,)
        Weight of each task.
    normalizer : float or None, default=None
        ``m``; None computes it from ``observed_weights`` (one column per
        task).
    layout : DenseLayout, ObservedLayout or None, default=None
        Layout of the entries (one per row and output); None for every
        (row, output) entry. The arguments above are always given by row
        and task.
    """

    def __init__(
        self, codes, n_classes, observed_weights, task_weights, normalizer=None,
        layout=None,
    ):  # fmt: skip
        if normalizer is None:
            normalizer = label_normalizer(observed_weights)
        # The class codes in the smallest integer type: the caller's array
        # (8 bytes a label) is not kept.
        codes = np.asarray(codes)
        codes = codes.astype(
            np.min_scalar_type(max(codes.max(initial=0), 1)), copy=False
        )
        self._arguments = (codes, n_classes, observed_weights, task_weights, normalizer)
        sizes = [1 if k <= 2 else k for k in n_classes]
        self.output_task = np.repeat(np.arange(len(sizes)), sizes)
        #: Every task binary: one output per task, and compiled passes over
        #: the entries (:mod:`._datafit_kernels`).
        self._all_binary = all(size == 1 for size in sizes)
        if layout is None:
            layout = DenseLayout(codes.shape[0], self.output_task.size)
        if layout.kind == "dense" and self._all_binary:
            # Fortran order (one contiguous column per output), as the
            # compiled passes and epochs read them (the estimators give them
            # so: no copy).
            entries = np.asfortranarray(observed_weights)
        elif layout.kind == "dense":
            entries = observed_weights.T[self.output_task].T
        elif self._all_binary:
            entries = layout.entries(observed_weights)
        else:
            entries = layout.entries(observed_weights[:, self.output_task])
        super().__init__(entries, task_weights[self.output_task], normalizer, layout)
        self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self._binary = np.array([k <= 2 for k in n_classes], dtype=bool)
        self._binary_outputs = self._starts[self._binary]
        self.curvature = np.where(self._binary[self.output_task], 0.25, 0.5)

    def _on(self, layout):
        return Logistic(*self._arguments, layout=layout)

    # The compiled passes of binary tasks read entry arrays flat, in memory
    # order, output by output.

    @cached_property
    def _offsets(self):
        """Where each output's entries start in a flat entry array."""
        layout = self.layout
        if layout.kind == "dense":
            return np.arange(layout.n_outputs + 1, dtype=np.intp) * layout.n_samples
        return layout.offsets

    def _flat(self, entries):
        """A flat view (or copy) of an entry array, output by output."""
        if self.layout.kind != "dense":
            return np.ascontiguousarray(entries, dtype=np.float64)
        return np.asfortranarray(entries, dtype=np.float64).ravel(order="F")

    def _empty(self):
        """A new entry array and its flat view."""
        if self.layout.kind != "dense":
            entries = np.empty(self.layout.shape)
            return entries, entries
        entries = np.empty(self.layout.shape, order="F")
        return entries, entries.ravel(order="F")

    @cached_property
    def _flat_targets(self):
        """1 for a positive label, 0 otherwise (int8), flat like the entries."""
        codes, layout = self._arguments[0], self.layout
        if layout.kind == "dense":
            return np.asfortranarray(codes == 1, dtype=np.int8).ravel(order="F")
        return (layout.entries(codes) == 1).astype(np.int8)

    @cached_property
    def _flat_weights(self):
        return self._flat(self.weights)

    @cached_property
    def _binary_codes(self):
        codes = self.layout.entries(self._arguments[0][:, self.output_task])
        return self.layout.select(codes, self._binary_outputs)

    @cached_property
    def _binary_sign(self):
        return np.where(self._binary_codes == 1, 1.0, -1.0)

    @cached_property
    def _binary_targets(self):
        return (self._binary_codes == 1).astype(np.float64)

    @cached_property
    def _binary_weights(self):
        return self.layout.select(self.weights, self._binary_outputs)

    @cached_property
    def _multiclass(self):
        """``(first output, last output + 1, class codes of the block's rows)``."""
        codes, layout = self._arguments[0], self.layout
        return [
            (start, stop, codes[layout.block_rows(start), t].astype(np.intp))
            for t, (start, stop) in enumerate(
                zip(
                    self._starts,
                    np.append(self._starts[1:], self.n_outputs),
                    strict=True,
                )
            )
            if not self._binary[t]
        ]

    def _binary_margins(self, Z):
        return self._binary_sign * self.layout.select(Z, self._binary_outputs)

    def _block_weights(self, weights, start, stop):
        """Weight of each row of a multiclass block (its outputs share them)."""
        return self.layout.block(weights, start, stop)[:, 0]

    def _one_hot(self, codes, n_classes):
        return np.eye(n_classes)[codes]

    def value(self, Z):
        if self._all_binary:
            return self.task_values(Z).sum()
        total = np.sum(
            self._binary_weights * np.logaddexp(0.0, -self._binary_margins(Z))
        )
        for start, stop, codes in self._multiclass:
            block = self.layout.block(Z, start, stop)
            losses = logsumexp(block, axis=1) - block[np.arange(len(codes)), codes]
            total += np.sum(self._block_weights(self.weights, start, stop) * losses)
        return total / self.normalizer

    def gradient(self, Z):
        if self._all_binary:
            return self.gradient_at(Z, np.zeros(self.n_outputs))
        return self._gradient(Z)

    def gradient_at(self, linear, intercept):
        if not self._all_binary:
            return self._gradient(linear + self.layout.spread(intercept))
        gradient, flat = self._empty()
        binary_gradient(
            self._flat(linear), self._flat_targets, self._flat_weights, self._offsets,
            np.ascontiguousarray(intercept, dtype=np.float64), 1.0 / self.normalizer,
            flat,
        )  # fmt: skip
        return gradient

    def value_at(self, linear, intercept):
        return self.task_values(linear, intercept).sum()

    def dual_at(self, linear, intercept, scale):
        if not self._all_binary:
            return self.dual(linear + self.layout.spread(intercept), scale)
        total = binary_dual(
            self._flat(linear), self._flat_targets, self._flat_weights, self._offsets,
            np.ascontiguousarray(intercept, dtype=np.float64), scale,
        )  # fmt: skip
        return total / self.normalizer

    def _gradient(self, Z):
        layout = self.layout
        gradient = np.empty(Z.shape)
        layout.put(
            gradient,
            self._binary_outputs,
            -self._binary_sign * expit(-self._binary_margins(Z)) * self._binary_weights,
        )
        for start, stop, codes in self._multiclass:
            residual = softmax(layout.block(Z, start, stop), axis=1)
            residual[np.arange(len(codes)), codes] -= 1.0
            weights = self._block_weights(self.weights, start, stop)
            layout.put_block(gradient, start, stop, residual * weights[:, np.newaxis])
        return gradient / self.normalizer

    def dual(self, Z, scale):
        """``-f*(scale * gradient(Z))``: the datafit's part of the dual objective."""
        if self._all_binary:
            return self.dual_at(Z, np.zeros(self.n_outputs), scale)
        shrunk = scale * expit(-self._binary_margins(Z))
        entropy = -(xlogy(shrunk, shrunk) + xlogy(1.0 - shrunk, 1.0 - shrunk))
        total = np.sum(self._binary_weights * entropy)
        for start, stop, codes in self._multiclass:
            mixed = scale * softmax(self.layout.block(Z, start, stop), axis=1) + (
                1.0 - scale
            ) * self._one_hot(codes, stop - start)
            entropy = -np.sum(xlogy(mixed, mixed), axis=1)
            total += np.sum(self._block_weights(self.weights, start, stop) * entropy)
        return total / self.normalizer

    def null_intercept(self):
        """Best intercepts with ``W = 0``: log-odds and log class frequencies.

        Frequencies are clipped away from 0 and 1 so that the intercepts stay
        finite (an output without any weight gets 0).
        """
        layout = self.layout
        intercept = np.zeros(self.n_outputs)
        tiny = 1e-12
        binary = self._binary_outputs
        if self._all_binary:
            totals = layout.sums(self.observed_weights)
            positives = np.empty(self.n_outputs)
            binary_positive_sums(
                self._flat_targets, self._flat(self.observed_weights), self._offsets,
                positives,
            )  # fmt: skip
        else:
            weights = layout.select(self.observed_weights, binary)
            totals = layout.select_sums(weights, binary)
            positives = layout.select_sums(weights * (self._binary_sign > 0), binary)
        positive = np.where(
            totals > 0, positives / np.where(totals > 0, totals, 1.0), 0.5
        )
        positive = np.clip(positive, tiny, 1.0 - tiny)
        intercept[binary] = np.log(positive) - np.log1p(-positive)
        for start, stop, codes in self._multiclass:
            n_classes = stop - start
            weights = self._block_weights(self.observed_weights, start, stop)
            total = weights.sum()
            frequencies = (
                np.bincount(codes, weights, minlength=n_classes) / total
                if total > 0
                else np.full(n_classes, 1.0 / n_classes)
            )
            logs = np.log(np.maximum(frequencies, tiny))
            intercept[start:stop] = logs - logs.mean()
        return intercept

    def intercept(self, Z, intercept, max_steps=50):
        """Best intercepts for the linear part ``Z``, by Newton's method.

        Parameters
        ----------
        Z : ndarray
            Entry array of the linear predictions without intercept, ``X W``.
        intercept : ndarray of shape (n_outputs,)
            Starting point.
        max_steps : int, default=50
            Maximum number of Newton steps; fewer when the gradient vanishes.

        Returns
        -------
        intercept : ndarray of shape (n_outputs,)
        """
        intercept = intercept.copy()
        if self._all_binary:
            return self._binary_intercept(Z, intercept, max_steps)
        for _ in range(max_steps):
            step, gradient = self._newton_step(Z + self.layout.spread(intercept))
            intercept -= step
            if np.max(np.abs(gradient), initial=0.0) <= 1e-12:
                break
        return intercept

    def _binary_intercept(self, Z, intercept, max_steps):
        """Newton's method on each output's intercept, kept in a bracket.

        The derivative of an output's loss in its intercept increases from
        ``-(weight of its positives)`` to ``+(weight of its negatives)``:
        each step narrows the interval where it changes sign, and a Newton
        step that leaves the interval (the loss is nearly flat where every
        prediction is confident, and the step overshoots) is replaced by its
        midpoint, or by a step of growing length while one side is open.
        """
        flat = self._flat(Z)
        gradient, hessian = np.empty(self.n_outputs), np.empty(self.n_outputs)
        low = np.full(self.n_outputs, -np.inf)
        high = np.full(self.n_outputs, np.inf)
        for _ in range(max_steps):
            binary_intercept_step(
                flat, self._flat_targets, self._flat_weights, self._offsets,
                intercept, gradient, hessian,
            )  # fmt: skip
            if np.max(np.abs(gradient), initial=0.0) / self.normalizer <= 1e-12:
                break
            high = np.where(gradient > 0, intercept, high)
            low = np.where(gradient < 0, intercept, low)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = intercept - gradient / hessian
            inside = np.isfinite(newton) & (newton > low) & (newton < high)
            reach = np.maximum(1.0, np.abs(intercept))
            bracketed = np.isfinite(low) & np.isfinite(high)
            fallback = np.where(gradient > 0, intercept - reach, intercept + reach)
            fallback[bracketed] = 0.5 * (low[bracketed] + high[bracketed])
            moving = gradient != 0
            previous = intercept
            intercept = np.where(moving, np.where(inside, newton, fallback), intercept)
            if np.all(np.abs(intercept - previous) <= 1e-12 * (1.0 + np.abs(previous))):
                break
        return intercept

    def _newton_step(self, Z):
        """Newton step on the intercepts at ``Z`` and their gradient there.

        The probabilities are computed once for both.
        """
        layout = self.layout
        step = np.zeros(self.n_outputs)
        gradient = np.zeros(self.n_outputs)
        binary = self._binary_outputs
        weights = self._binary_weights / self.normalizer
        probability = expit(layout.select(Z, binary))
        gradient[binary] = layout.select_sums(
            weights * (probability - self._binary_targets), binary
        )
        probability *= 1.0 - probability
        hessian = layout.select_sums(weights * probability, binary)
        with np.errstate(divide="ignore", invalid="ignore"):
            step[binary] = np.where(hessian > 0, gradient[binary] / hessian, 0.0)
        for start, stop, codes in self._multiclass:
            probabilities = softmax(layout.block(Z, start, stop), axis=1)
            weights = self._block_weights(self.weights, start, stop) / self.normalizer
            gradient[start:stop] = weights @ probabilities - np.bincount(
                codes, weights, minlength=stop - start
            )
            hessian = (
                np.diag(weights @ probabilities)
                - (probabilities.T * weights) @ probabilities
            )
            step[start:stop] = np.linalg.lstsq(
                hessian, gradient[start:stop], rcond=None
            )[0]
        return step, gradient

    def gap_scale(self, null_intercept):
        """Loss of the intercept-only model: the reference for ``tol``."""
        if self._all_binary:
            # From each output's weights of positives and negatives.
            positives = np.empty(self.n_outputs)
            binary_positive_sums(
                self._flat_targets, self._flat_weights, self._offsets, positives
            )
            negatives = self.layout.sums(self.weights) - positives
            losses = positives * np.logaddexp(0.0, -null_intercept)
            losses += negatives * np.logaddexp(0.0, null_intercept)
            return losses.sum() / self.normalizer
        return self.value(self.layout.constant(null_intercept))

    def task_values(self, Z, intercept=None):
        """The loss of each task at ``Z``, shape (n_tasks,); they sum to :meth:`value`.

        With ``intercept`` (shape (n_outputs,)), at ``Z + intercept``.
        """
        if self._all_binary:
            values = np.empty(self.n_outputs)
            shift = np.zeros(self.n_outputs) if intercept is None else intercept
            binary_losses(
                self._flat(Z), self._flat_targets, self._flat_weights, self._offsets,
                np.ascontiguousarray(shift, dtype=np.float64), values,
            )  # fmt: skip
            return values / self.normalizer
        if intercept is not None:
            Z = Z + self.layout.spread(intercept)
        layout = self.layout
        n_tasks = self._starts.size
        values = np.zeros(n_tasks)
        losses = self._binary_weights * np.logaddexp(0.0, -self._binary_margins(Z))
        values[self._binary] = layout.select_sums(losses, self._binary_outputs)
        for start, stop, codes in self._multiclass:
            block = layout.block(Z, start, stop)
            losses = logsumexp(block, axis=1) - block[np.arange(len(codes)), codes]
            task = self.output_task[start]
            values[task] = np.sum(
                self._block_weights(self.weights, start, stop) * losses
            )
        return values / self.normalizer

    def line(self, Z, direction, step, intercept, delta_intercept):
        """Each task's loss, and the loss's slope, at a point of a line.

        At ``Z + step * direction + intercept`` (``intercept`` per output,
        already moved by ``step``): the loss of each task (shape (n_tasks,))
        and the derivative of the loss along ``direction + delta_intercept``.
        Computed without forming the point (an entry array) for binary tasks.
        """
        if self._all_binary:
            values = np.empty(self.n_outputs)
            slope = np.array(delta_intercept, dtype=np.float64)
            binary_line(
                self._flat(Z), self._flat(direction), float(step), self._flat_targets,
                self._flat_weights, self._offsets,
                np.ascontiguousarray(intercept, dtype=np.float64), slope, values,
            )  # fmt: skip
            return values / self.normalizer, slope.sum() / self.normalizer
        layout = self.layout
        point = Z + step * direction
        point += layout.spread(intercept)
        values = self.task_values(point)
        gradient = self.gradient(point)
        point = None
        slope = np.vdot(gradient, direction) + np.dot(
            layout.sums(gradient), delta_intercept
        )
        return values, slope

    def quadratic_model(self, Z, mix, intercept=None, overwrite=False):
        """The loss's gradient and a (damped) curvature at ``Z``, per entry.

        The second-order model of the loss around ``Z`` along a change ``D``
        of the predictions is ``sum(gradient * D + curvature * D**2 / 2)``
        over the entries. ``curvature`` is ``h + mix * (b - h)`` for the
        entries of an output whose ``mix`` is given: ``h`` the loss's own
        curvature and ``b`` one that makes the model a global upper bound of
        the loss, so that a step that decreases the model with ``mix = 1``
        decreases the loss. For a binary task, ``h = p (1 - p)`` (the Hessian
        with respect to ``Z``: the entries are independent) and ``b =
        tanh(z / 2) / (2 z)``, Jaakkola and Jordan's bound at the current
        logit (at most ``1/4``, and much smaller for confident logits). For
        the classes of a multiclass task, ``h = 2 p_c (1 - p_c)``, the row
        sums of the absolute values of the multinomial Hessian ``diag(p) - p
        p^T``: a diagonal that bounds it (a diagonally dominant difference),
        equal to it on the direction that moves two classes apart when the
        others have no probability; ``b = 1/2`` (the Hessian is at most ``I /
        2``). The model ignores the coupling of a row's classes.

        Parameters
        ----------
        Z : ndarray
            Entry array of the predictions ``X W + b``.
        mix : ndarray of shape (n_outputs,)
            How far each output's curvature leans to the bound, in [0, 1].
        intercept : ndarray of shape (n_outputs,) or None, default=None
            Added to ``Z`` (binary tasks: without an entry array).
        overwrite : bool, default=False
            Whether the gradient may be written into ``Z`` (binary tasks,
            ``Z`` in the entry arrays' order: one entry array less).

        Returns
        -------
        gradient, curvature : ndarray
            Entry arrays (weights and ``1 / m`` included); Fortran order for
            the dense layout.
        """
        mix = np.ascontiguousarray(mix, dtype=np.float64)
        if self._all_binary:
            flat = self._flat(Z)
            curvature, flat_curvature = self._empty()
            if overwrite and np.shares_memory(flat, Z):
                gradient, flat_gradient = Z, flat
            else:
                gradient, flat_gradient = self._empty()
            shift = np.zeros(self.n_outputs) if intercept is None else intercept
            binary_model(
                flat, self._flat_targets, self._flat_weights, self._offsets,
                np.ascontiguousarray(shift, dtype=np.float64), mix,
                1.0 / self.normalizer, flat_gradient, flat_curvature,
            )  # fmt: skip
            return gradient, curvature
        layout = self.layout
        if intercept is not None:
            Z = Z + layout.spread(intercept)
        Z = np.asfortranarray(Z) if layout.kind == "dense" else Z
        gradient = np.empty_like(Z)
        curvature = np.empty_like(Z)
        binary = self._binary_outputs
        weights = self._binary_weights / self.normalizer
        logits = layout.select(Z, binary)
        probability = expit(logits)
        layout.put(gradient, binary, weights * (probability - self._binary_targets))
        own = probability * (1.0 - probability)
        magnitude = np.abs(logits)
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(
                magnitude > 1e-4, np.tanh(0.5 * magnitude) / (2.0 * magnitude), 0.25
            )
        lean = layout.select(layout.constant(mix), binary)
        layout.put(curvature, binary, weights * (own + lean * (bound - own)))
        for start, stop, codes in self._multiclass:
            probabilities = softmax(layout.block(Z, start, stop), axis=1)
            weights = self._block_weights(self.weights, start, stop)[:, np.newaxis]
            weights = weights / self.normalizer
            residual = probabilities.copy()
            residual[np.arange(len(codes)), codes] -= 1.0
            layout.put_block(gradient, start, stop, weights * residual)
            own = 2.0 * probabilities * (1.0 - probabilities)
            own += mix[start:stop] * (0.5 - own)
            layout.put_block(curvature, start, stop, weights * own)
        return gradient, curvature
