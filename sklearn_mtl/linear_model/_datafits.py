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
"""

import numpy as np
from scipy.special import expit, logsumexp, softmax, xlogy

__all__ = ["Logistic", "Squared", "label_normalizer"]


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
    observed_weights : ndarray of shape (n_samples, n_outputs)
        Sample weight of each entry, 0 where its label is missing.
    output_weights : ndarray of shape (n_outputs,)
        Task weight of each output.
    normalizer : float
        ``m``, the positive number the loss is divided by.
    """

    def __init__(self, observed_weights, output_weights, normalizer):
        self.observed_weights = observed_weights
        self.output_weights = output_weights
        self.weights = observed_weights * output_weights
        self.n_samples = observed_weights.shape[0]
        self.normalizer = normalizer
        self.uniform = bool(np.all(observed_weights == 1.0))
        totals = observed_weights.sum(axis=0)
        self._inverse_totals = np.divide(
            1.0, totals, out=np.zeros_like(totals), where=totals > 0
        )

    @property
    def n_outputs(self):
        return self.weights.shape[1]

    def column_means(self, Z):
        """Weighted mean of each column of ``Z`` over its output's observed rows.

        0 for an output without any observed row.
        """
        return np.einsum("ij,ij->j", Z, self.observed_weights) * self._inverse_totals

    def center(self, Z):
        """``Z`` minus :meth:`column_means`: the part intercepts cannot absorb."""
        return Z - self.column_means(Z)

    def value_and_gradient(self, Z):
        """The loss at ``Z`` and its gradient with respect to ``Z``."""
        return self.value(Z), self.gradient(Z)

    def eliminate_intercept(self, linear, intercept):
        """Best intercepts for the linear part, and the loss and its gradient there.

        Parameters
        ----------
        linear : ndarray of shape (n_samples, n_outputs)
            Linear predictions without intercept, ``X W``.
        intercept : ndarray of shape (n_outputs,)
            Starting point of an iterative minimization (ignored by a
            closed form).

        Returns
        -------
        intercept : ndarray of shape (n_outputs,)
            The minimizer ``b*`` of the loss at ``linear + b``.
        value : float
            The loss at ``linear + b*``: the loss of ``W`` alone.
        gradient : ndarray of shape (n_samples, n_outputs)
            Its gradient with respect to ``Z`` at ``linear + b*``. Each
            column sums to 0, so ``X^T gradient`` is also the gradient of the
            loss of ``W`` alone (the intercepts' own gradient vanishes).
        """
        intercept = self.intercept(linear, intercept)
        return (intercept, *self.value_and_gradient(linear + intercept))


class Squared(_Datafit):
    """``(1/(2m)) * sum_t w_t * sum_{i in O_t} s_i (y_it - z_it)^2``.

    ``m = (1/T) * sum_t sum_{i in O_t} s_i`` (:func:`label_normalizer`).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Targets, any finite value where missing.
    observed_weights : ndarray of shape (n_samples, n_outputs)
        Sample weight of each entry, 0 where its label is missing.
    output_weights : ndarray of shape (n_outputs,)
        Task weight of each output.
    normalizer : float or None, default=None
        ``m``; None computes it from ``observed_weights``.
    """

    def __init__(self, Y, observed_weights, output_weights, normalizer=None):
        if normalizer is None:
            normalizer = label_normalizer(observed_weights)
        super().__init__(observed_weights, output_weights, normalizer)
        self.Y = Y
        self.curvature = np.ones(Y.shape[1])
        self._target_means = self.column_means(Y)

    def value(self, Z):
        return np.sum(self.weights * (self.Y - Z) ** 2) / (2.0 * self.normalizer)

    def gradient(self, Z):
        return self.weights * (Z - self.Y) / self.normalizer

    def value_and_gradient(self, Z):
        return self._value_and_gradient(Z - self.Y)

    def eliminate_intercept(self, linear, intercept=None):
        intercept = self.intercept(linear)
        residuals = linear - self.Y
        residuals += intercept
        return (intercept, *self._value_and_gradient(residuals))

    def _value_and_gradient(self, residuals):
        """The loss and its gradient from the residuals ``Z - Y``, in one pass each."""
        gradient = self.weights * residuals
        gradient /= self.normalizer
        return 0.5 * np.vdot(gradient, residuals), gradient

    def dual(self, Z, scale):
        """``-f*(scale * gradient(Z))``: the datafit's part of the dual objective."""
        residual = self.Y - Z
        terms = self.weights * residual * (scale * self.Y - 0.5 * scale**2 * residual)
        return np.sum(terms) / self.normalizer

    def intercept(self, Z, intercept=None):
        """Best intercepts for the linear part ``Z``: weighted mean residuals."""
        return self._target_means - self.column_means(Z)

    def null_intercept(self):
        """Best intercepts with ``W = 0``: the weighted mean of each output."""
        return self._target_means.copy()

    def gap_scale(self, null_intercept):
        """``||Y - b0||^2_weights / m``: scikit-learn's reference for ``tol``."""
        return 2.0 * self.value(np.broadcast_to(null_intercept, self.Y.shape))


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
    """

    def __init__(
        self, codes, n_classes, observed_weights, task_weights, normalizer=None
    ):
        if normalizer is None:
            normalizer = label_normalizer(observed_weights)
        sizes = [1 if k <= 2 else k for k in n_classes]
        self.output_task = np.repeat(np.arange(len(sizes)), sizes)
        super().__init__(
            observed_weights[:, self.output_task],
            task_weights[self.output_task],
            normalizer,
        )
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        binary = np.array([k <= 2 for k in n_classes])
        self._binary_outputs = starts[binary]
        self._binary_sign = np.where(codes[:, binary] == 1, 1.0, -1.0)
        self._binary_targets = (codes[:, binary] == 1).astype(np.float64)
        self._multiclass = [
            (slice(start, start + size), codes[:, t].astype(np.intp))
            for t, (start, size) in enumerate(zip(starts, sizes, strict=True))
            if not binary[t]
        ]
        self.curvature = np.where(binary[self.output_task], 0.25, 0.5)

    def _binary_margins(self, Z):
        return self._binary_sign * Z[:, self._binary_outputs]

    def _one_hot(self, codes, n_classes):
        return np.eye(n_classes)[codes]

    def value(self, Z):
        weights = self.weights
        total = np.sum(
            weights[:, self._binary_outputs]
            * np.logaddexp(0.0, -self._binary_margins(Z))
        )
        for outputs, codes in self._multiclass:
            block = Z[:, outputs]
            losses = logsumexp(block, axis=1) - block[np.arange(len(codes)), codes]
            total += np.sum(weights[:, outputs.start] * losses)
        return total / self.normalizer

    def gradient(self, Z):
        gradient = np.empty_like(Z)
        binary = self._binary_outputs
        gradient[:, binary] = (
            -self._binary_sign
            * expit(-self._binary_margins(Z))
            * self.weights[:, binary]
        )
        for outputs, codes in self._multiclass:
            residual = softmax(Z[:, outputs], axis=1)
            residual[np.arange(len(codes)), codes] -= 1.0
            gradient[:, outputs] = residual * self.weights[:, outputs]
        return gradient / self.normalizer

    def dual(self, Z, scale):
        """``-f*(scale * gradient(Z))``: the datafit's part of the dual objective."""
        binary = self._binary_outputs
        shrunk = scale * expit(-self._binary_margins(Z))
        entropy = -(xlogy(shrunk, shrunk) + xlogy(1.0 - shrunk, 1.0 - shrunk))
        total = np.sum(self.weights[:, binary] * entropy)
        for outputs, codes in self._multiclass:
            n_classes = outputs.stop - outputs.start
            mixed = scale * softmax(Z[:, outputs], axis=1) + (
                1.0 - scale
            ) * self._one_hot(codes, n_classes)
            entropy = -np.sum(xlogy(mixed, mixed), axis=1)
            total += np.sum(self.weights[:, outputs.start] * entropy)
        return total / self.normalizer

    def null_intercept(self):
        """Best intercepts with ``W = 0``: log-odds and log class frequencies.

        Frequencies are clipped away from 0 and 1 so that the intercepts stay
        finite (an output without any weight gets 0).
        """
        intercept = np.zeros(self.n_outputs)
        tiny = 1e-12
        positive = _weighted_column_means(
            (self._binary_sign > 0).astype(float),
            self.observed_weights[:, self._binary_outputs],
            empty=0.5,
        )
        positive = np.clip(positive, tiny, 1.0 - tiny)
        intercept[self._binary_outputs] = np.log(positive) - np.log1p(-positive)
        for outputs, codes in self._multiclass:
            n_classes = outputs.stop - outputs.start
            frequencies = _weighted_column_means(
                self._one_hot(codes, n_classes),
                self.observed_weights[:, outputs],
                empty=1.0 / n_classes,
            )
            logs = np.log(np.maximum(frequencies, tiny))
            intercept[outputs] = logs - logs.mean()
        return intercept

    def intercept(self, Z, intercept, max_steps=50):
        """Best intercepts for the linear part ``Z``, by Newton's method.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Linear predictions without intercept, ``X W``.
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
            step, gradient = self._newton_step(Z + intercept)
            intercept -= step
            if np.max(np.abs(gradient), initial=0.0) <= 1e-12:
                break
        return intercept

    def _newton_step(self, Z):
        """Newton step on the intercepts at ``Z`` and their gradient there.

        The probabilities are computed once for both.
        """
        step = np.zeros(self.n_outputs)
        gradient = np.zeros(self.n_outputs)
        binary = self._binary_outputs
        weights = self.weights[:, binary] / self.normalizer
        probability = expit(Z[:, binary])
        gradient[binary] = np.einsum(
            "ij,ij->j", weights, probability - self._binary_targets
        )
        probability *= 1.0 - probability
        hessian = np.einsum("ij,ij->j", weights, probability)
        with np.errstate(divide="ignore", invalid="ignore"):
            step[binary] = np.where(hessian > 0, gradient[binary] / hessian, 0.0)
        for outputs, codes in self._multiclass:
            probabilities = softmax(Z[:, outputs], axis=1)
            weights = self.weights[:, outputs.start] / self.normalizer
            gradient[outputs] = weights @ probabilities - np.bincount(
                codes, weights, minlength=outputs.stop - outputs.start
            )
            hessian = (
                np.diag(weights @ probabilities)
                - (probabilities.T * weights) @ probabilities
            )
            step[outputs] = np.linalg.lstsq(hessian, gradient[outputs], rcond=None)[0]
        return step, gradient

    def gap_scale(self, null_intercept):
        """Loss of the intercept-only model: the reference for ``tol``."""
        return self.value(np.broadcast_to(null_intercept, self.weights.shape))


def _weighted_column_means(values, weights, empty=0.0):
    """Weighted mean of each column; ``empty`` for a column without weight."""
    totals = weights.sum(axis=0)
    sums = np.sum(values * weights, axis=0)
    return np.where(totals > 0, sums / np.where(totals > 0, totals, 1.0), empty)
