"""Compiled passes of the logistic datafit over the entries of binary tasks.

Every function takes entry arrays flattened in memory order, output by
output (the observed labels' flat arrays, or a Fortran-ordered dense
``(n_samples, n_outputs)`` array): the entries of output ``u`` are
``offsets[u]:offsets[u + 1]``. ``targets`` holds 1 for the positive class and
0 for the negative one; ``weights`` the entries' weights (0 where a label is
missing). Each pass reads its arrays once, without temporaries: the same
computations in NumPy allocate several entry arrays each, which is most of
the memory of a fit with many tasks.
"""

import numpy as np
from numba import njit

__all__ = [
    "binary_dual",
    "binary_gradient",
    "binary_intercept_step",
    "binary_line",
    "binary_losses",
    "binary_model",
    "binary_positive_sums",
]


@njit(cache=True, fastmath=True, inline="always")
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z)
    return e / (1.0 + e)


@njit(cache=True, fastmath=True, inline="always")
def _log_one_plus_exp(z):
    """``log(1 + exp(z))`` without overflow."""
    if z > 0.0:
        return z + np.log1p(np.exp(-z))
    return np.log1p(np.exp(z))


@njit(cache=True, fastmath=True)
def binary_losses(Z, targets, weights, offsets, intercept, out):
    """``out[u] = sum w * log(1 + exp(-s z))`` over output ``u`` (``s = +-1``).

    ``z = Z + intercept[u]``.
    """
    for u in range(offsets.size - 1):
        shift = intercept[u]
        total = 0.0
        for k in range(offsets[u], offsets[u + 1]):
            weight = weights[k]
            if weight == 0.0:
                continue
            z = Z[k] + shift
            margin = z if targets[k] else -z
            total += weight * _log_one_plus_exp(-margin)
        out[u] = total


@njit(cache=True, fastmath=True)
def binary_line(Z, direction, step, targets, weights, offsets, intercept, slope, out):
    """Losses and slope along a line, per output, without forming its points.

    At ``z = Z + step * direction + intercept[u]``: ``out[u] = sum w *
    log(1 + exp(-s z))`` and ``slope[u] = sum w * (p - t) * (direction +
    slope_intercept[u])`` where ``slope`` holds ``slope_intercept`` (the
    intercept's direction) on entry.
    """
    for u in range(offsets.size - 1):
        shift = intercept[u]
        extra = slope[u]
        total = 0.0
        derivative = 0.0
        for k in range(offsets[u], offsets[u + 1]):
            weight = weights[k]
            if weight == 0.0:
                continue
            z = Z[k] + step * direction[k] + shift
            margin = z if targets[k] else -z
            total += weight * _log_one_plus_exp(-margin)
            derivative += weight * (_sigmoid(z) - targets[k]) * (direction[k] + extra)
        out[u] = total
        slope[u] = derivative


@njit(cache=True, fastmath=True)
def binary_gradient(Z, targets, weights, offsets, intercept, scale, out):
    """``out = scale * w * (sigmoid(z) - target)`` with ``z = Z + intercept[u]``."""
    for u in range(offsets.size - 1):
        shift = intercept[u]
        for k in range(offsets[u], offsets[u + 1]):
            weight = weights[k]
            if weight == 0.0:
                out[k] = 0.0
            else:
                out[k] = scale * weight * (_sigmoid(Z[k] + shift) - targets[k])


@njit(cache=True, fastmath=True)
def binary_model(
    Z, targets, weights, offsets, intercept, mix, scale, gradient, curvature
):  # fmt: skip
    """The gradient and the damped curvature of the loss at ``Z + intercept``.

    ``curvature = scale * w * (h + mix[u] * (b - h))`` with ``h = p (1 - p)``
    the loss's curvature and ``b = tanh(|z| / 2) / (2 |z|)`` Jaakkola and
    Jordan's bound (``1/4`` at ``z = 0``); ``gradient = scale * w * (p - t)``.
    """
    for u in range(offsets.size - 1):
        lean = mix[u]
        shift = intercept[u]
        for k in range(offsets[u], offsets[u + 1]):
            weight = weights[k]
            if weight == 0.0:
                gradient[k] = 0.0
                curvature[k] = 0.0
                continue
            z = Z[k] + shift
            p = _sigmoid(z)
            h = p * (1.0 - p)
            if lean > 0.0:
                magnitude = abs(z)
                if magnitude > 1e-4:
                    bound = np.tanh(0.5 * magnitude) / (2.0 * magnitude)
                else:
                    bound = 0.25
                h += lean * (bound - h)
            weight *= scale
            gradient[k] = weight * (p - targets[k])
            curvature[k] = weight * h


@njit(cache=True, fastmath=True)
def binary_dual(Z, targets, weights, offsets, intercept, dual_scale):
    """``sum w * entropy(q)`` with ``q = dual_scale * p + (1 - dual_scale) * t``.

    ``p = sigmoid(Z + intercept[u])``.
    """
    total = 0.0
    for u in range(offsets.size - 1):
        shift = intercept[u]
        for k in range(offsets[u], offsets[u + 1]):
            weight = weights[k]
            if weight == 0.0:
                continue
            q = dual_scale * _sigmoid(Z[k] + shift) + (1.0 - dual_scale) * targets[k]
            entropy = 0.0
            if q > 0.0:
                entropy -= q * np.log(q)
            if q < 1.0:
                entropy -= (1.0 - q) * np.log1p(-q)
            total += weight * entropy
    return total


@njit(cache=True, fastmath=True)
def binary_intercept_step(Z, targets, weights, offsets, intercept, gradient, hessian):
    """Per output, the intercept's gradient and curvature at ``Z + intercept``.

    ``gradient[u] = sum w * (p - t)`` and ``hessian[u] = sum w * p * (1 - p)``
    over output ``u``, with ``p = sigmoid(z + intercept[u])``.
    """
    for u in range(offsets.size - 1):
        shift = intercept[u]
        first = 0.0
        second = 0.0
        for k in range(offsets[u], offsets[u + 1]):
            weight = weights[k]
            if weight == 0.0:
                continue
            p = _sigmoid(Z[k] + shift)
            first += weight * (p - targets[k])
            second += weight * p * (1.0 - p)
        gradient[u] = first
        hessian[u] = second


@njit(cache=True, fastmath=True)
def binary_positive_sums(targets, weights, offsets, out):
    """``out[u] = sum w * target`` over output ``u``: the weight of its positives."""
    for u in range(offsets.size - 1):
        total = 0.0
        for k in range(offsets[u], offsets[u + 1]):
            if targets[k]:
                total += weights[k]
        out[u] = total
