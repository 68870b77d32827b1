"""The logistic datafit: binary tasks (one logit) and multiclass ones (softmax).

A :class:`~._datafits._Datafit` (see :mod:`._datafits` for the conventions:
entries, weights, the normalizer ``m``, layouts). Binary tasks' passes over
their entries are compiled (:mod:`._datafit_kernels`); a multiclass task's
classes share a softmax.
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
from ._datafits import _Datafit, label_normalizer
from ._layouts import DenseLayout

__all__ = ["Logistic"]


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
