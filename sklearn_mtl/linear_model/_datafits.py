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
        self._arguments = (codes, n_classes, observed_weights, task_weights, normalizer)
        sizes = [1 if k <= 2 else k for k in n_classes]
        self.output_task = np.repeat(np.arange(len(sizes)), sizes)
        if layout is None:
            layout = DenseLayout(codes.shape[0], self.output_task.size)
        super().__init__(
            layout.entries(observed_weights[:, self.output_task]),
            task_weights[self.output_task],
            normalizer,
            layout,
        )
        self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self._binary = np.array([k <= 2 for k in n_classes], dtype=bool)
        self._binary_outputs = self._starts[self._binary]
        self.curvature = np.where(self._binary[self.output_task], 0.25, 0.5)

    def _on(self, layout):
        return Logistic(*self._arguments, layout=layout)

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
        total = np.sum(
            self._binary_weights * np.logaddexp(0.0, -self._binary_margins(Z))
        )
        for start, stop, codes in self._multiclass:
            block = self.layout.block(Z, start, stop)
            losses = logsumexp(block, axis=1) - block[np.arange(len(codes)), codes]
            total += np.sum(self._block_weights(self.weights, start, stop) * losses)
        return total / self.normalizer

    def gradient(self, Z):
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
        for _ in range(max_steps):
            step, gradient = self._newton_step(Z + self.layout.spread(intercept))
            intercept -= step
            if np.max(np.abs(gradient), initial=0.0) <= 1e-12:
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
        return self.value(self.layout.constant(null_intercept))
