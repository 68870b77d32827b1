"""Small exact solvers shared by the Gramian-based aggregators.

The problems have one variable per task (a few to a few tens) and are given
by a Gramian ``G`` (``G_ij = g_i . g_j``). They are solved exactly, up to
rounding, by active-set methods in float64 numpy: each iteration solves a
linear system on the current support, and a solution is returned once it
satisfies the problem's optimality (KKT) conditions to a tight tolerance.

- :func:`min_norm_simplex`: ``min_a a^T G a`` over the probability simplex,
  the minimum-norm point of the convex hull of the rows (Wolfe's algorithm).
- :func:`nonneg_qp`: ``min_x 1/2 x^T H x + q^T x`` subject to ``x >= 0``,
  ``H`` positive definite, for one or several ``q`` at once (a batched
  primal-dual active-set method, with Lawson and Hanson's method as a
  fallback).

Both start from a guess of the support that is right in the common cases
(every task in the support; the tasks in conflict), so that a call usually
costs one or two small linear solves.
"""

import numpy as np
import torch

__all__ = ["min_norm_simplex", "nonneg_qp", "symmetric_gramian"]


def symmetric_gramian(gramian):
    """A Gramian tensor as a float64 numpy array, symmetrized against rounding.

    Parameters
    ----------
    gramian : Tensor of shape (n, n)

    Returns
    -------
    gramian : ndarray of shape (n, n)
    """
    gramian = gramian.detach().to("cpu", dtype=torch.float64).numpy()
    return (gramian + gramian.T) / 2


# ------------------------------------------------------ simplex min-norm point
def _affine_min_norm(gramian):
    """Weights (summing to one) of the minimum-norm point of the affine hull of
    points, from their Gramian; None when the points are affinely dependent
    (singular system)."""
    size = len(gramian)
    system = np.ones((size + 1, size + 1))
    system[:size, :size] = gramian
    system[size, size] = 0.0
    rhs = np.zeros(size + 1)
    rhs[size] = 1.0
    try:
        solution = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        return None
    weights = solution[:size]
    return weights if np.isfinite(weights).all() else None


def _duality_gap(gramian, weights):
    """``x . x - min_j g_j . x`` for ``x = sum_j weights_j g_j``."""
    products = gramian @ weights
    return float(weights @ products - products.min())


def _positive_corral(gramian, support):
    """Shrink ``support`` until its affine minimum-norm weights are positive.

    Returns the support and its weights, or None if a system was singular.
    """
    support = list(support)
    while True:
        weights = _affine_min_norm(gramian[np.ix_(support, support)])
        if weights is None:
            return None
        positive = weights > 0.0
        if positive.all():
            return support, weights
        support = [index for index, kept in zip(support, positive, strict=True) if kept]
        if not support:
            return None


def _wolfe(gramian, support, corral, tol, max_iter):
    """Wolfe's major and minor cycles from a corral (affinely independent
    support with positive weights, the affine minimum-norm point of it)."""
    for _ in range(max_iter):
        products = gramian[:, support] @ corral  # g_j . x for every j
        squared_norm = corral @ products[support]
        entering = int(np.argmin(products))
        if squared_norm - products[entering] <= tol or entering in support:
            break
        support = [*support, entering]
        corral = np.append(corral, 0.0)
        # Minor cycles: move towards the affine minimum-norm point of the
        # corral, dropping the points whose weight reaches zero on the way.
        while True:
            affine = _affine_min_norm(gramian[np.ix_(support, support)])
            if affine is None:  # rounding made the corral affinely dependent
                corral[-1] = 0.0
                break
            if (affine > 0.0).all():
                corral = affine
                break
            leaving = affine <= 0.0
            ratios = corral[leaving] / (corral[leaving] - affine[leaving])
            corral = corral + float(ratios.min()) * (affine - corral)
            corral[np.flatnonzero(leaving)[np.argmin(ratios)]] = 0.0
            kept = corral > 0.0
            support = [index for index, keep in zip(support, kept, strict=True) if keep]
            corral = corral[kept]
        # In exact arithmetic the point that entered stays in the corral; if
        # rounding dropped it, no further progress is possible.
        if support[-1] != entering or corral[-1] <= 0.0:
            break
    weights = np.zeros(len(gramian))
    weights[support] = corral
    return weights / weights.sum()


def min_norm_simplex(gramian, *, support=None, tol=1e-12, max_iter=None):
    """Minimum-norm point of the convex hull of vectors, from their Gramian.

    Solves ``min_a a^T G a`` subject to ``a >= 0`` and ``sum(a) = 1`` with
    Wolfe's algorithm: a *corral* of affinely independent points, weighted by
    the minimum-norm point of its affine hull, is grown by the point most
    opposed to the current minimum-norm point ``x`` and shrunk while that
    affine minimum-norm point leaves the convex hull. It ends at the exact
    minimizer on the final corral once the duality gap ``x . x - min_j g_j .
    x`` is at most ``tol`` times the largest squared norm. ``G`` may be
    singular (linearly dependent or zero vectors).

    The corral starts from ``support`` (every vector by default) shrunk until
    its affine weights are positive: for vectors in general position this is
    often already the solution (one linear solve). Should that start fail
    (affinely dependent vectors), or end short of the tolerance, the method
    restarts from the vector of least norm, Wolfe's own start.

    Parameters
    ----------
    gramian : array-like of shape (n, n)
        Symmetric positive semi-definite Gramian of the ``n`` vectors.
    support : sequence of int or None, default=None
        The indices to start from (None: all).
    tol : float, default=1e-12
        Tolerance on the duality gap, relative to the largest squared norm.
    max_iter : int or None, default=None
        Major iterations allowed (None: ``50 * n + 100``).

    Returns
    -------
    weights : ndarray of shape (n,)
        Convex weights of the minimum-norm point. Unique when the vectors are
        affinely independent; otherwise one solution with affinely
        independent support.

    References
    ----------
    P. Wolfe, "Finding the nearest point in a polytope", Mathematical
    Programming 11, 1976.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural.weighting._qp import min_norm_simplex
    >>> min_norm_simplex(np.array([[1.0, -1.0], [-1.0, 2.0]]))
    array([0.6, 0.4])
    """
    gramian = np.asarray(gramian, dtype=np.float64)
    size = len(gramian)
    if size == 0:
        return np.zeros(0)
    diagonal = np.diagonal(gramian)
    scale = float(diagonal.max())
    nearest = int(np.argmin(diagonal))
    if scale <= 0.0:  # every vector is zero
        weights = np.zeros(size)
        weights[nearest] = 1.0
        return weights
    gramian = gramian / scale
    if support is None:  # the common case first: every vector in the support
        weights = _affine_min_norm(gramian)
        if weights is not None and (weights > 0.0).all():
            weights = weights / weights.sum()
            if _duality_gap(gramian, weights) <= tol:
                return weights
    if max_iter is None:
        max_iter = 50 * size + 100
    start = _positive_corral(gramian, range(size) if support is None else support)
    if start is not None:
        weights = _wolfe(gramian, *start, tol, max_iter)
        if _duality_gap(gramian, weights) <= tol:
            return weights
    return _wolfe(gramian, [nearest], np.ones(1), tol, max_iter)


# -------------------------------------------------------- non-negative QP
def _lawson_hanson(hessian, linear, tol, max_iter):
    """Lawson and Hanson's active-set method, from ``x = 0``."""
    size = len(linear)
    solution = np.zeros(size)
    free = np.zeros(size, dtype=bool)
    for _ in range(max_iter):
        descent = -(hessian @ solution + linear)
        descent[free] = -np.inf
        entering = int(np.argmax(descent))
        if descent[entering] <= tol:
            break
        free[entering] = True
        while True:
            index = np.flatnonzero(free)
            candidate = np.zeros(size)
            candidate[index] = np.linalg.solve(
                hessian[np.ix_(index, index)], -linear[index]
            )
            if (candidate[index] > 0.0).all():
                solution = candidate
                break
            leaving = free & (candidate <= 0.0)
            ratios = solution[leaving] / (solution[leaving] - candidate[leaving])
            solution = solution + float(ratios.min()) * (candidate - solution)
            solution[np.flatnonzero(leaving)[np.argmin(ratios)]] = 0.0
            free &= solution > 0.0
            solution[~free] = 0.0
        if not free[entering]:
            break  # the freed variable was fixed again at once: no progress
    return solution


def _masked_solve(hessian, linear, free):
    """Solve ``H_FF x_F = -q_F`` (``x = 0`` off ``F``) for a batch of masks."""
    size = hessian.shape[0]
    both = free[:, :, None] & free[:, None, :]
    systems = np.where(both, hessian, 0.0)
    systems[:, np.arange(size), np.arange(size)] += ~free
    return np.linalg.solve(systems, np.where(free, -linear, 0.0)[..., None])[..., 0]


def nonneg_qp(hessian, linear, *, tol=1e-12, max_iter=None):
    """Solve ``min_x 1/2 x^T H x + q^T x`` subject to ``x >= 0``.

    Several problems sharing ``H`` are solved at once (one per row of
    ``linear``) by the primal-dual active-set method: the variables predicted
    to be positive are freed (``x_j - (H x + q)_j > 0``), the problem is
    solved on them with the others at zero, and the prediction is updated
    until it repeats, at which point the KKT conditions (``x >= 0``, ``H x +
    q >= 0``, complementarity) hold. A problem on which it has not settled
    after ``max_iter`` rounds, or whose result misses the tolerance, is
    solved by Lawson and Hanson's active-set method, which ends in finitely
    many steps. Either way, the solution is that of a linear system on the
    final free set: exact up to rounding.

    Parameters
    ----------
    hessian : array-like of shape (n, n)
        Symmetric positive definite ``H``.
    linear : array-like of shape (n,) or (n_problems, n)
        ``q``, one problem per row.
    tol : float, default=1e-12
        Tolerance of the KKT conditions, relative to the largest diagonal
        entry of ``H``.
    max_iter : int or None, default=None
        Rounds of the primal-dual method (None: ``n + 5``).

    Returns
    -------
    x : ndarray of the shape of ``linear``

    References
    ----------
    M. Hintermüller, K. Ito and K. Kunisch, "The primal-dual active set
    strategy as a semismooth Newton method", SIAM Journal on Optimization
    13(3), 2002.

    C. L. Lawson and R. J. Hanson, "Solving least squares problems",
    Prentice-Hall, 1974, chapter 23.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural.weighting._qp import nonneg_qp
    >>> nonneg_qp(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([-2.0, 1.0]))
    array([1., 0.])
    """
    hessian = np.asarray(hessian, dtype=np.float64)
    linear = np.asarray(linear, dtype=np.float64)
    single = linear.ndim == 1
    linear = np.atleast_2d(linear)
    n_problems, size = linear.shape
    if size == 0:
        return np.zeros(linear.shape[-1] if single else linear.shape)
    threshold = tol * max(float(np.diagonal(hessian).max()), 0.0)
    if max_iter is None:
        max_iter = size + 5
    solution = np.zeros((n_problems, size))
    free = linear < 0.0  # predicted from x = 0
    settled = np.zeros(n_problems, dtype=bool)
    for _ in range(max_iter):
        active = np.flatnonzero(~settled)
        if not len(active):
            break
        candidate = _masked_solve(hessian, linear[active], free[active])
        solution[active] = candidate
        updated = candidate - (candidate @ hessian + linear[active]) > 0.0
        settled[active] = (updated == free[active]).all(axis=1)
        free[active] = updated
    gradient = solution @ hessian + linear
    violation = np.maximum(-solution, 0.0).max(axis=1)
    violation = np.maximum(violation, np.maximum(-gradient, 0.0).max(axis=1))
    complementarity = np.abs(solution * gradient).max(axis=1)
    failed = ~settled | (violation > threshold) | (complementarity > threshold)
    for problem in np.flatnonzero(failed):
        solution[problem] = _lawson_hanson(
            hessian, linear[problem], threshold, 3 * size + 10
        )
    return solution[0] if single else solution
