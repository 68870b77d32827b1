"""Multi-task relationship learning (Zhang & Yeung, UAI 2010) as a penalty.

Zhang & Yeung learn the coefficients ``W`` (n_features, n_tasks) together
with a task covariance matrix ``Omega`` (n_tasks, n_tasks):

.. code-block:: text

    min_{W, b, Omega}  datafit(X W + b) + alpha/2 * tr(W Omega^{-1} W^T)
                       + beta/2 * ||W||_F^2
    subject to         Omega >= 0 (positive semidefinite), tr(Omega) = 1,

and solve it by alternating a step on ``W`` with ``Omega`` fixed (a smooth
quadratic penalty) and the closed-form step on ``Omega`` with ``W`` fixed,

.. code-block:: text

    Omega = (W^T W)^{1/2} / tr((W^T W)^{1/2}).

The problem is jointly convex, and the minimum over ``Omega`` has that
closed form, with value ``tr((W^T W)^{1/2})^2 = ||W||_*^2``, the squared trace
norm of ``W``. So minimizing over ``Omega`` first leaves a convex problem in
``W`` alone,

.. code-block:: text

    min_{W, b}  datafit(X W + b) + alpha/2 * ||W||_*^2 + beta/2 * ||W||_F^2,

whose penalty is a function of the singular values of ``W`` with a
closed-form proximal operator (:func:`_shrink`). :class:`TaskRelationship`
is that penalty: FISTA minimizes it directly, stopping on a duality gap,
instead of alternating (which converges to the same minimum, more slowly,
and needs ``Omega`` perturbed away from singular matrices). At the solution
``W*``, the fitted task covariance is the closed-form ``Omega`` step at
``W*``, and ``W*`` is the minimizer of the ``W`` step with that ``Omega``
fixed: the fixed point of the alternation.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._penalties import Penalty

__all__ = ["TaskRelationship", "task_covariance"]


def task_covariance(W):
    """The closed-form covariance step: ``(W^T W)^{1/2} / tr((W^T W)^{1/2})``.

    It minimizes ``tr(W Omega^{-1} W^T)`` over the positive semidefinite
    ``Omega`` with unit trace (Zhang & Yeung, 2010), where the minimum is
    ``||W||_*^2``. With ``W = 0`` every such ``Omega`` is a minimizer; this
    returns ``I / n_tasks``, the one that says nothing about the tasks.

    Parameters
    ----------
    W : ndarray of shape (n_features, n_tasks)
        Coefficients, one column per task.

    Returns
    -------
    covariance : ndarray of shape (n_tasks, n_tasks)
        Symmetric, positive semidefinite, with unit trace.
    """
    n_tasks = W.shape[1]
    _, singular_values, Vt = np.linalg.svd(W, full_matrices=False)
    total = singular_values.sum()
    if not total > 0:
        return np.eye(n_tasks) / n_tasks
    root = (Vt.T * singular_values) @ Vt
    root = 0.5 * (root + root.T)
    return root / total


def _shrink(values, sum_weight, scale):
    """``argmin_{s >= 0} scale/2 ||s||^2 - <values, s> + sum_weight/2 (sum s)^2``.

    With ``S = sum(s)``, the optimality conditions give
    ``s_i = max(values_i - sum_weight * S, 0) / scale``; the ``k`` largest
    values are the positive ones, for the largest ``k`` whose smallest value
    exceeds ``sum_weight * S_k`` with ``S_k = (sum of the k largest values) /
    (scale + k * sum_weight)``.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Non-negative values (singular values).
    sum_weight : float
        Non-negative weight of the squared sum.
    scale : float
        Positive weight of the squared norm.

    Returns
    -------
    s : ndarray of shape (n,)
    """
    ordered = np.sort(values)[::-1]
    sizes = np.arange(1, ordered.size + 1)
    sums = np.cumsum(ordered) / (scale + sizes * sum_weight)
    active = np.flatnonzero(ordered - sum_weight * sums > 0)
    if active.size == 0:
        return np.zeros_like(values)
    total = sums[active[-1]]
    return np.maximum(values - sum_weight * total, 0.0) / scale


class TaskRelationship(Penalty):
    """Multi-task relationship learning: ``W`` with a learned task covariance.

    ``alpha/2 * min_Omega tr(W Omega^{-1} W^T) + beta/2 * ||W||_F^2``, the
    minimum over task covariance matrices ``Omega`` (positive semidefinite,
    unit trace), is the penalty of Zhang & Yeung (UAI 2010). The minimum has a
    closed form, ``Omega = (W^T W)^{1/2} / tr((W^T W)^{1/2})``, so the penalty
    is ``alpha/2 * ||W||_*^2 + beta/2 * ||W||_F^2`` with ``||W||_*`` the trace
    norm (sum of singular values): convex, with a closed-form proximal
    operator on the singular values, minimized by FISTA with a duality gap.
    Positively correlated tasks get similar coefficient vectors, negatively
    correlated ones opposite vectors, and unrelated ones orthogonal vectors,
    where the data support it.

    A fitted estimator exposes ``task_covariance_``, the ``Omega`` of the
    solution (:func:`task_covariance` at the fitted ``W``); its correlations
    ``Omega[s, t] / sqrt(Omega[s, s] * Omega[t, t])`` are the learned task
    correlations. The solution ``W`` is also the minimizer of the penalty
    with that ``Omega`` fixed: the fixed point of Zhang & Yeung's alternating
    algorithm.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the task-relationship term, ``>= 0``.
    beta : float, default=0.0
        Ridge strength, ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.linear_model import MultiTaskLinearRegressor
    >>> from sklearn_mtl.linear_model import TaskRelationship
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 5))
    >>> w = rng.standard_normal(5)
    >>> Y = X @ np.column_stack([w, w, -w]) + 0.1 * rng.standard_normal((80, 3))
    >>> model = MultiTaskLinearRegressor(TaskRelationship(alpha=0.1)).fit(X, Y)
    >>> covariance = model.task_covariance_
    >>> correlation = covariance / np.sqrt(np.outer(*[np.diag(covariance)] * 2))
    >>> np.round(correlation, 1)
    array([[ 1.,  1., -1.],
           [ 1.,  1., -1.],
           [-1., -1.,  1.]])
    """

    relates_tasks = True
    strength_names = ("alpha", "beta")

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, alpha=1.0, beta=0.0):
        self.alpha = alpha
        self.beta = beta

    def value(self, coefs):
        singular_values = np.linalg.svd(coefs[0], compute_uv=False)
        return 0.5 * self.alpha * singular_values.sum() ** 2 + 0.5 * self.beta * (
            np.sum(singular_values**2)
        )

    def prox(self, coefs, step):
        """Proximal operator: :func:`_shrink` on the singular values of ``W``."""
        U, singular_values, Vt = np.linalg.svd(coefs[0], full_matrices=False)
        shrunk = _shrink(singular_values, step * self.alpha, 1.0 + step * self.beta)
        return ((U * shrunk) @ Vt)[np.newaxis]

    def dual_norm(self, C):
        """0 when a strength is positive: the conjugate is finite everywhere."""
        if self.alpha > 0 or self.beta > 0:
            return 0.0
        return np.inf if np.any(C) else 0.0

    def conjugate(self, C):
        """Fenchel conjugate ``sup_W <C, W> - penalty(W)``.

        A function of the singular values ``c`` of ``C``: with ``beta = 0``,
        ``max(c)^2 / (2 alpha)``; otherwise ``<c, s> - penalty(s)`` at the
        maximizer ``s`` (:func:`_shrink`).

        Parameters
        ----------
        C : ndarray of shape (n_features, n_outputs)
            The dual point.

        Returns
        -------
        value : float
            The conjugate at ``C``.
        """
        singular_values = np.linalg.svd(C, compute_uv=False)
        if self.beta == 0:
            if self.alpha == 0:
                return 0.0
            return singular_values.max(initial=0.0) ** 2 / (2.0 * self.alpha)
        s = _shrink(singular_values, self.alpha, self.beta)
        return float(
            singular_values @ s
            - 0.5 * self.alpha * s.sum() ** 2
            - 0.5 * self.beta * np.sum(s**2)
        )

    def curvature(self, n_features, n_outputs):
        """Largest curvature of the penalty.

        It is ``alpha * min(n_features, n_outputs) + beta``:
        ``||W||_*^2 <= rank(W) * ||W||_F^2``, with equality when the singular
        values of ``W`` are equal.

        Parameters
        ----------
        n_features : int
            Number of features (rows of ``W``).
        n_outputs : int
            Number of outputs (columns of ``W``).

        Returns
        -------
        curvature : float
            The largest eigenvalue of the penalty's Hessian (a bound of it
            for a penalty that is not quadratic).
        """
        return float(self.alpha * min(n_features, n_outputs) + self.beta)

    def task_structure(self, W):
        """``task_covariance_``: the closed-form ``Omega`` at ``W``.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_tasks)
            The fitted coefficients.

        Returns
        -------
        attributes : dict
            ``task_covariance_``, ndarray of shape (n_tasks, n_tasks).
        """
        return {"task_covariance_": task_covariance(W)}
