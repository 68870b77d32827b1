"""Multi-task penalties on the coefficient matrix ``W`` (n_features, n_outputs).

A penalty is a small parameter object (``get_params`` / ``set_params``) that
computes what the solvers ask of it, on a stack of coefficient parts,
``coefs`` of shape ``(n_parts, n_features, n_outputs)`` whose sum is ``W``:
one part for every penalty except :class:`Dirty`, which has two. The methods,
each implemented by the penalties that have it (:class:`Penalty`, their base,
implements none):

- ``value(coefs)``: the penalty (every solver);
- ``prox(coefs, step)``: proximal operator of ``step`` times the non-smooth
  part (FISTA; the identity for a smooth penalty, which says so);
- ``smooth_value(W)``, ``smooth_gradient(W)``, ``smooth_lipschitz(n_outputs)``:
  the smooth part, taken by gradient steps (FISTA; all three or none);
- ``prox_rows(rows, step, part, features)``, ``subdiff_distance(coefs,
  grads)`` and ``restrict(features)``: a sum over the rows of ``W`` (block
  coordinate descent, which works on the penalty restricted to a working set
  of features), and ``compiled_row_prox()``: the same row prox compiled,
  with the parameters it reads (the compiled epochs of the squared datafit
  call it; without it the epochs run in Python);
- ``dual_norm(C)``, ``conjugate(C)``: the duality gap (optional: without
  them a solver stops on an optimality violation), and ``screen(C, radius)``:
  gap-safe screening (optional);
- ``alpha_max(C)``: the smallest strength that zeroes ``W``, and
  ``curvature(n_features, n_outputs)``: the largest curvature of a penalty
  that never zeroes ``W`` (optional: where the regularization path starts,
  :mod:`._path`);
- ``task_structure(W)``: the task structure the penalty learned, as fitted
  attributes (optional: :class:`~._clustered.Clustered`,
  :class:`~._mtrl.TaskRelationship`).

The dual quantities follow Fenchel duality for ``f(XW) + g(W)``: with
``Theta`` the gradient of the datafit, ``C = -X^T Theta`` must lie in the
domain of the conjugate ``g*``; ``dual_norm`` says by how much ``C`` must be
shrunk to get there and ``conjugate`` gives ``g*(C)`` (None where it is not
computable).
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ._row_proxes import (
    _dirty_row_prox,
    _elastic_net_row_prox,
    _l1_row_prox,
    _l2_row_prox,
    _l21_row_prox,
)

__all__ = [
    "L1",
    "L2",
    "L21",
    "Dirty",
    "GraphLaplacian",
    "L21ElasticNet",
    "MeanRegularized",
    "Penalty",
    "TraceNorm",
]


#: A non-negative strength.
_NON_NEGATIVE = [Interval(Real, 0, None, closed="left")]
#: A positive strength.
_POSITIVE = [Interval(Real, 0, None, closed="neither")]


def _soft_threshold(values, threshold):
    return np.sign(values) * np.maximum(np.abs(values) - threshold, 0.0)


def _group_soft_threshold(rows, threshold):
    """Shrink each row of ``rows`` (..., n_outputs) towards 0 by ``threshold``."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(norms > threshold, 1.0 - threshold / norms, 0.0)
    return rows * scale


def _l21_distance(rows, grads, alpha):
    """Distance of ``-grads`` to the subdifferential of ``alpha * ||.||_2`` per row."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    nonzero = norms[:, 0] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        active = np.linalg.norm(grads + alpha * rows / norms, axis=-1)
    inactive = np.maximum(np.linalg.norm(grads, axis=-1) - alpha, 0.0)
    return np.where(nonzero, active, inactive)


def _l1_distance(rows, grads, alpha):
    """Distance of ``-grads`` to the subdifferential of ``alpha * ||.||_1`` per row."""
    active = np.abs(grads + alpha * np.sign(rows))
    inactive = np.maximum(np.abs(grads) - alpha, 0.0)
    return np.linalg.norm(np.where(rows != 0, active, inactive), axis=-1)


class Penalty(BaseEstimator):
    """Base class of the penalties: parameters and structure, no computation.

    A penalty is a parameter object (``get_params`` / ``set_params``, so that
    its parameters grid-search as ``penalty__alpha``) that declares its
    structure and implements the methods a solver calls. This class
    implements none of those methods: a penalty that lacks one is a penalty
    that a solver needing it refuses, with the names of the missing methods
    (each solver lists what it needs: ``BlockCoordinateDescent.requires``,
    ``FISTA.requires``). There is no identity prox or zero smooth part to
    inherit by accident: a penalty without a smooth part or without a
    non-smooth part says so in its own methods.

    Attributes
    ----------
    n_parts : int
        Number of coefficient parts (``W`` is their sum); 1 but for
        :class:`Dirty`.
    part_names : tuple of str or None
        Names of the parts, for the fitted ``coef_<name>_`` attributes.
    part_is_entrywise : tuple of bool
        For each part, whether its row prox acts entry by entry (one step per
        output) rather than on the row as a block.
    relates_tasks : bool
        Whether the penalty couples the columns of ``W`` task by task, which
        needs one column per task.
    strength_names : tuple of str
        The parameters that scale the penalty, the searched one first: a
        regularization path (:func:`~sklearn_mtl.linear_model.multitask_path`
        and the ``*CV`` estimators) sets the first to each ``alpha`` and
        keeps the others in their ratio to it, so that the penalty at
        ``alpha`` is the given one scaled by ``alpha / strength``.
    """

    n_parts = 1
    part_names = None
    part_is_entrywise = (False,)
    relates_tasks = False
    strength_names = ("alpha",)

    _parameter_constraints = {}

    def validate(self, n_features, n_outputs):
        """Check the parameters, and those that depend on the problem's shape.

        Called by the estimators at ``fit``, before any solver.

        Parameters
        ----------
        n_features : int
            Number of features (rows of ``W``).
        n_outputs : int
            Number of outputs (columns of ``W``).

        Raises
        ------
        InvalidParameterError
            If a parameter violates ``_parameter_constraints``.
        ValueError
            If a parameter does not fit the shape of ``W``.
        """
        self._validate_params()

    def alpha_max(self, C):
        """Smallest ``alpha`` giving ``W = 0`` when ``C`` is minus the gradient at 0.

        Parameters
        ----------
        C : ndarray of shape (n_features, n_outputs)
            Minus the gradient of the datafit at ``W = 0`` (the intercepts
            fitted).

        Returns
        -------
        alpha_max : float
            The strength from which every coefficient is zero; a penalty with
            several strengths keeps the others in their ratio to it.

        Raises
        ------
        NotImplementedError
            For a penalty without a closed form (this base class).
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no closed-form alpha_max; choose alpha "
            "by hand or use a norm penalty (L1, L21, L21ElasticNet, TraceNorm)."
        )


class _RowSeparablePenalty(Penalty):
    """A sum over the rows of ``W``, the same on every row.

    Its prox is its row prox on every row, and restricted to some features it
    is itself. The row-separable penalties implement, besides ``value``,
    ``prox_rows(rows, step, part, features)``, ``subdiff_distance(coefs,
    grads)`` and ``compiled_row_prox()`` (see
    ``BlockCoordinateDescent.requires``).
    """

    _parameter_constraints = {"alpha": _NON_NEGATIVE}

    def prox(self, coefs, step):
        """Proximal operator of ``step`` times the penalty: each row's prox."""
        features = np.arange(coefs.shape[1])
        return np.stack(
            [
                self.prox_rows(coefs[part], step, part, features)
                for part in range(self.n_parts)
            ]
        )

    def restrict(self, features):
        """The penalty on the rows ``features`` of ``W``: itself (the same on all)."""
        return self


class L1(_RowSeparablePenalty):
    """Lasso penalty on every coefficient: ``alpha * sum_jt |W[j, t]|``.

    Tasks do not share anything: this is the independent-lasso baseline.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import L1
    >>> L1(alpha=0.1)
    L1(alpha=0.1)
    """

    part_is_entrywise = (True,)

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def compiled_row_prox(self):
        return _l1_row_prox, (self.alpha,)

    def value(self, coefs):
        return self.alpha * np.abs(coefs[0]).sum()

    def prox_rows(self, rows, step, part, features):
        return _soft_threshold(rows, self.alpha * step)

    def subdiff_distance(self, coefs, grads):
        return _l1_distance(coefs[0], grads, self.alpha)

    def dual_norm(self, C):
        return _ratio(np.abs(C).max(initial=0.0), self.alpha)

    def conjugate(self, C):
        return 0.0

    def screen(self, C, radius):
        return np.abs(C).max(axis=1, initial=0.0) + radius < self.alpha

    def alpha_max(self, C):
        return np.abs(C).max(initial=0.0)


class L2(_RowSeparablePenalty):
    """Ridge penalty: ``alpha / 2 * ||W||_F^2``.

    Tasks do not share anything: this is the independent-ridge baseline.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import L2
    >>> L2(alpha=0.5)
    L2(alpha=0.5)
    """

    part_is_entrywise = (True,)

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def compiled_row_prox(self):
        return _l2_row_prox, (self.alpha,)

    def value(self, coefs):
        return 0.5 * self.alpha * np.sum(coefs[0] ** 2)

    def prox_rows(self, rows, step, part, features):
        return rows / (1.0 + self.alpha * step)

    def subdiff_distance(self, coefs, grads):
        return np.linalg.norm(grads + self.alpha * coefs[0], axis=-1)

    def dual_norm(self, C):
        return np.inf if self.alpha == 0 and np.any(C) else 0.0

    def conjugate(self, C):
        if self.alpha == 0:
            return 0.0
        return np.sum(C**2) / (2.0 * self.alpha)

    def curvature(self, n_features, n_outputs):
        """Largest curvature of the penalty: ``alpha``.

        The Hessian of the penalty is ``alpha`` times the identity.

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
        return float(self.alpha)


class L21(_RowSeparablePenalty):
    """Joint-sparsity (group lasso) penalty: ``alpha * sum_j ||W[j, :]||_2``.

    A feature is used by all tasks or by none: the multi-task lasso penalty.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import L21
    >>> L21(alpha=0.1).set_params(alpha=0.2)
    L21(alpha=0.2)
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def compiled_row_prox(self):
        return _l21_row_prox, (self.alpha,)

    def value(self, coefs):
        return self.alpha * np.linalg.norm(coefs[0], axis=1).sum()

    def prox_rows(self, rows, step, part, features):
        return _group_soft_threshold(rows, self.alpha * step)

    def subdiff_distance(self, coefs, grads):
        return _l21_distance(coefs[0], grads, self.alpha)

    def dual_norm(self, C):
        return _ratio(np.linalg.norm(C, axis=1).max(initial=0.0), self.alpha)

    def conjugate(self, C):
        return 0.0

    def screen(self, C, radius):
        return np.linalg.norm(C, axis=1) + radius < self.alpha

    def alpha_max(self, C):
        return np.linalg.norm(C, axis=1).max(initial=0.0)


class L21ElasticNet(_RowSeparablePenalty):
    """Multi-task elastic net penalty.

    ``alpha * l1_ratio * ||W||_21 + alpha * (1 - l1_ratio) / 2 * ||W||_F^2``,
    where ``||W||_21 = sum_j ||W[j, :]||_2``: scikit-learn's
    ``MultiTaskElasticNet`` penalty.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``.
    l1_ratio : float, default=0.5
        Share of the L2,1 term, in ``[0, 1]``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import L21ElasticNet
    >>> L21ElasticNet(alpha=0.1, l1_ratio=0.9)
    L21ElasticNet(alpha=0.1, l1_ratio=0.9)
    """

    def __init__(self, alpha=1.0, l1_ratio=0.5):
        self.alpha = alpha
        self.l1_ratio = l1_ratio

    _parameter_constraints = {
        "alpha": _NON_NEGATIVE,
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }

    @property
    def _strengths(self):
        return self.alpha * self.l1_ratio, self.alpha * (1.0 - self.l1_ratio)

    def compiled_row_prox(self):
        return _elastic_net_row_prox, self._strengths

    def value(self, coefs):
        group, ridge = self._strengths
        W = coefs[0]
        return group * np.linalg.norm(W, axis=1).sum() + 0.5 * ridge * np.sum(W**2)

    def prox_rows(self, rows, step, part, features):
        group, ridge = self._strengths
        return _group_soft_threshold(rows, group * step) / (1.0 + ridge * step)

    def subdiff_distance(self, coefs, grads):
        group, ridge = self._strengths
        return _l21_distance(coefs[0], grads + ridge * coefs[0], group)

    def dual_norm(self, C):
        group, ridge = self._strengths
        if ridge > 0:
            return 0.0
        return _ratio(np.linalg.norm(C, axis=1).max(initial=0.0), group)

    def conjugate(self, C):
        group, ridge = self._strengths
        if ridge == 0:
            return 0.0
        excess = np.maximum(np.linalg.norm(C, axis=1) - group, 0.0)
        return np.sum(excess**2) / (2.0 * ridge)

    def screen(self, C, radius):
        group, _ = self._strengths
        return np.linalg.norm(C, axis=1) + radius < group

    def alpha_max(self, C):
        if self.l1_ratio == 0:
            raise ValueError(
                "alpha_max is infinite for L21ElasticNet with l1_ratio=0 (pure "
                "ridge); use l1_ratio > 0."
            )
        return np.linalg.norm(C, axis=1).max(initial=0.0) / self.l1_ratio

    def curvature(self, n_features, n_outputs):
        """Largest curvature of the ridge term: ``alpha * (1 - l1_ratio)``.

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
        return float(self.alpha * (1.0 - self.l1_ratio))


class Dirty(_RowSeparablePenalty):
    """Dirty model: ``W = P + Q`` with ``alpha_group ||P||_21 + alpha_sparse ||Q||_1``.

    ``P`` holds the features shared by all tasks (row sparsity), ``Q`` the
    task-specific ones (entry sparsity); the penalty of ``W`` is the minimum of
    this sum over all splits ``W = P + Q`` (Jalali et al., NIPS 2010). Fitted
    estimators expose both parts as ``coef_group_`` and ``coef_sparse_``.

    Parameters
    ----------
    alpha_group : float, default=1.0
        Strength of the L2,1 penalty on the shared part ``P``, ``>= 0``.
    alpha_sparse : float, default=0.5
        Strength of the L1 penalty on the task-specific part ``Q``, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import Dirty
    >>> Dirty(alpha_group=0.2, alpha_sparse=0.1)
    Dirty(alpha_group=0.2, alpha_sparse=0.1)
    """

    n_parts = 2
    part_names = ("group", "sparse")
    part_is_entrywise = (False, True)
    strength_names = ("alpha_group", "alpha_sparse")

    def __init__(self, alpha_group=1.0, alpha_sparse=0.5):
        self.alpha_group = alpha_group
        self.alpha_sparse = alpha_sparse

    _parameter_constraints = {
        "alpha_group": _NON_NEGATIVE,
        "alpha_sparse": _NON_NEGATIVE,
    }

    def compiled_row_prox(self):
        return _dirty_row_prox, (self.alpha_group, self.alpha_sparse)

    def value(self, coefs):
        group = self.alpha_group * np.linalg.norm(coefs[0], axis=1).sum()
        return group + self.alpha_sparse * np.abs(coefs[1]).sum()

    def prox_rows(self, rows, step, part, features):
        if part == 0:
            return _group_soft_threshold(rows, self.alpha_group * step)
        return _soft_threshold(rows, self.alpha_sparse * step)

    def subdiff_distance(self, coefs, grads):
        return np.maximum(
            _l21_distance(coefs[0], grads, self.alpha_group),
            _l1_distance(coefs[1], grads, self.alpha_sparse),
        )

    def dual_norm(self, C):
        return max(
            _ratio(np.linalg.norm(C, axis=1).max(initial=0.0), self.alpha_group),
            _ratio(np.abs(C).max(initial=0.0), self.alpha_sparse),
        )

    def conjugate(self, C):
        return 0.0

    def screen(self, C, radius):
        group = np.linalg.norm(C, axis=1) + radius < self.alpha_group
        sparse = np.abs(C).max(axis=1, initial=0.0) + radius < self.alpha_sparse
        return group & sparse

    def alpha_max(self, C):
        """Smallest ``alpha_group`` giving ``W = 0``, ``alpha_sparse`` in ratio.

        ``W = 0`` exactly when ``alpha_group >= max_j ||C[j]||_2`` and
        ``alpha_sparse >= max |C|`` (the dual ball is the intersection of the
        L2,1 and L1 ones); with ``alpha_sparse = r * alpha_group`` for the
        ratio ``r`` of this penalty, that is ``alpha_group`` at least the
        larger of ``max_j ||C[j]||_2`` and ``max |C| / r``.
        """
        if self.alpha_group <= 0 or self.alpha_sparse <= 0:
            raise ValueError(
                "alpha_max of Dirty is the alpha_group that zeroes W when "
                "alpha_sparse keeps its ratio to it, which needs both strengths "
                f"> 0; got alpha_group={self.alpha_group!r} and "
                f"alpha_sparse={self.alpha_sparse!r}."
            )
        ratio = self.alpha_sparse / self.alpha_group
        group = np.linalg.norm(C, axis=1).max(initial=0.0)
        return max(group, np.abs(C).max(initial=0.0) / ratio)


class TraceNorm(Penalty):
    """Low-rank penalty: ``alpha * ||W||_*``, the sum of singular values of ``W``.

    Task coefficient vectors are pushed into a shared low-dimensional subspace.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import TraceNorm
    >>> TraceNorm(alpha=0.5)
    TraceNorm(alpha=0.5)
    """

    _parameter_constraints = {"alpha": _NON_NEGATIVE}

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def value(self, coefs):
        return self.alpha * np.linalg.svd(coefs[0], compute_uv=False).sum()

    def prox(self, coefs, step):
        U, singular_values, Vt = np.linalg.svd(coefs[0], full_matrices=False)
        shrunk = np.maximum(singular_values - self.alpha * step, 0.0)
        return ((U * shrunk) @ Vt)[np.newaxis]

    def dual_norm(self, C):
        return _ratio(_spectral_norm(C), self.alpha)

    def conjugate(self, C):
        return 0.0

    def alpha_max(self, C):
        return _spectral_norm(C)


class _QuadraticTaskPenalty(Penalty):
    """``1/2 * tr(W Q W^T)`` for a task-by-task matrix ``Q``: a smooth penalty.

    Subclasses give ``Q`` (``_task_matrix``).
    """

    relates_tasks = True
    strength_names = ("alpha", "beta")

    _parameter_constraints = {"alpha": _NON_NEGATIVE, "beta": _NON_NEGATIVE}

    def _task_product(self, W):
        """``W Q``: the gradient of the penalty."""
        return W @ self._task_matrix(W.shape[1])

    def value(self, coefs):
        return self.smooth_value(coefs[0])

    def prox(self, coefs, step):
        """The identity: the penalty is smooth, all of it a gradient step's."""
        return coefs

    def smooth_value(self, W):
        return 0.5 * np.vdot(self._task_product(W), W)

    def smooth_gradient(self, W):
        return self._task_product(W)

    def smooth_lipschitz(self, n_tasks):
        return float(np.linalg.eigvalsh(self._task_matrix(n_tasks))[-1])

    def dual_norm(self, C):
        """0: every ``C`` is in the domain of the conjugate (a quadratic's)."""
        return 0.0

    def conjugate(self, C):
        if self.beta == 0:
            return None
        Q = self._task_matrix(C.shape[1])
        return 0.5 * np.sum(np.linalg.solve(Q, C.T).T * C)


class MeanRegularized(_QuadraticTaskPenalty):
    """Mean-regularized penalty (Evgeniou & Pontil, KDD 2004).

    ``alpha/2 * sum_t ||W[:, t] - mean_s W[:, s]||^2 + beta/2 * ||W||_F^2``:
    every task's coefficients are pulled towards their mean.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the pull towards the mean, ``>= 0``.
    beta : float, default=0.0
        Ridge strength, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import MeanRegularized
    >>> MeanRegularized(alpha=2.0, beta=0.1)
    MeanRegularized(alpha=2.0, beta=0.1)
    """

    def __init__(self, alpha=1.0, beta=0.0):
        self.alpha = alpha
        self.beta = beta

    def _task_matrix(self, n_tasks):
        centering = np.eye(n_tasks) - 1.0 / n_tasks
        return self.alpha * centering + self.beta * np.eye(n_tasks)

    def _task_product(self, W):
        product = (self.alpha + self.beta) * W
        product -= (self.alpha / W.shape[1]) * W.sum(axis=1, keepdims=True)
        return product


class GraphLaplacian(_QuadraticTaskPenalty):
    """Graph-regularized penalty over a task graph.

    ``alpha/2 * sum_{s<t} A[s, t] * ||W[:, s] - W[:, t]||^2 + beta/2 * ||W||_F^2``
    ``= alpha/2 * tr(W L W^T) + beta/2 * ||W||_F^2`` with ``L`` the Laplacian of
    the symmetric, non-negative adjacency matrix ``A``: related tasks get
    similar coefficients.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the graph term, ``>= 0``.
    adjacency : array-like of shape (n_tasks, n_tasks) or None, default=None
        Symmetric non-negative task similarities (the diagonal is ignored).
        None connects every pair of tasks with weight 1.
    beta : float, default=0.0
        Ridge strength, ``>= 0``.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import GraphLaplacian
    >>> GraphLaplacian(alpha=0.5, adjacency=[[0, 1], [1, 0]])
    GraphLaplacian(adjacency=[[0, 1], [1, 0]], alpha=0.5)
    """

    _parameter_constraints = {
        **_QuadraticTaskPenalty._parameter_constraints,
        "adjacency": ["array-like", None],
    }

    def __init__(self, alpha=1.0, adjacency=None, beta=0.0):
        self.alpha = alpha
        self.adjacency = adjacency
        self.beta = beta

    def validate(self, n_features, n_outputs):
        super().validate(n_features, n_outputs)
        n_tasks = n_outputs
        if self.adjacency is None:
            return
        adjacency = np.asarray(self.adjacency, dtype=np.float64)
        if adjacency.shape != (n_tasks, n_tasks):
            raise ValueError(
                f"Expected adjacency of GraphLaplacian of shape ({n_tasks}, "
                f"{n_tasks}), one row and column per task; got shape "
                f"{adjacency.shape} instead."
            )
        if not np.all(np.isfinite(adjacency)) or np.any(adjacency < 0):
            raise ValueError(
                "Expected a finite, non-negative adjacency for GraphLaplacian; got "
                "negative or non-finite entries."
            )
        if not np.allclose(adjacency, adjacency.T):
            raise ValueError(
                "Expected a symmetric adjacency for GraphLaplacian; got "
                "adjacency != adjacency.T."
            )

    def _adjacency(self, n_tasks):
        """The validated adjacency without its diagonal."""
        if self.adjacency is None:
            return np.ones((n_tasks, n_tasks)) - np.eye(n_tasks)
        adjacency = np.asarray(self.adjacency, dtype=np.float64)
        return adjacency - np.diag(np.diag(adjacency))

    def _task_matrix(self, n_tasks):
        adjacency = self._adjacency(n_tasks)
        laplacian = np.diag(adjacency.sum(axis=1)) - adjacency
        return self.alpha * laplacian + self.beta * np.eye(n_tasks)


def _ratio(norm, alpha):
    """``norm / alpha`` with ``0 / 0 = 0`` and ``x / 0 = inf``."""
    if alpha == 0:
        return np.inf if norm > 0 else 0.0
    return norm / alpha


def _spectral_norm(C):
    return np.linalg.norm(C, ord=2) if C.size else 0.0
