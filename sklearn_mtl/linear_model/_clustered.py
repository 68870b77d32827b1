"""The clustered multi-task penalty, and the task clusters it learns.

Zhou, Chen & Ye (NIPS 2011) relax clustered multi-task learning, a k-means
of the tasks' coefficient vectors (the columns of ``W``), into a convex
penalty: the cluster indicator matrix ``F`` (``n_tasks x n_clusters``,
orthonormal columns, ``F[t, c] = 1 / sqrt(n_c)`` when task ``t`` is in
cluster ``c`` of ``n_c`` tasks) enters through ``F F^T``, replaced by a
matrix ``M`` with ``0 <= M <= I`` and ``tr(M) = n_clusters``. At the
solution, the optimal ``M`` is the relaxed "same cluster" matrix of the
tasks; its factor ``F = V diag(sqrt(m))`` (eigenvectors ``V`` of ``W^T W``,
eigenvalues ``m`` of ``M``) is the relaxed indicator matrix, whose rows are
equal within a cluster when the relaxation is tight. The task clusters are
read from those rows (:func:`relaxed_cluster_labels`), as the spectral
relaxation of k-means reads them from the leading eigenvectors (Zha, He,
Ding, Gu & Simon, NIPS 2001).
"""

from numbers import Integral

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import KMeans
from sklearn.utils._param_validation import Interval

from ._penalties import _POSITIVE, Penalty

__all__ = ["Clustered", "relaxed_cluster_labels", "relaxed_cluster_weights"]

#: Eigenvalues of ``W^T W`` below this fraction of the largest are taken as
#: 0: their directions carry no coefficient, only the rest of the budget of
#: ``M``.
_RANK_TOL = 1e-10
#: Rows of the relaxed indicator matrix closer than this fraction of its
#: largest entry are the same row (one cluster).
_SAME_ROW_TOL = 1e-6


class Clustered(Penalty):
    """Convex relaxation of clustered multi-task learning.

    ``alpha * eta * (1 + eta) * min_M tr(W (eta I + M)^{-1} W^T)`` with
    ``eta = beta / alpha``, the minimum over task-by-task matrices ``M`` with
    ``0 <= M <= I`` (in the semidefinite order) and ``tr(M) = n_clusters``
    (Zhou, Chen & Ye, NIPS 2011). It relaxes grouping the tasks into
    ``n_clusters`` clusters whose coefficients are close (weight ``alpha``)
    plus a ridge term (weight ``beta``). The inner minimum has a closed form
    from the eigen-decomposition of ``W^T W``, so the penalty is smooth in
    ``W``, with gradient ``2 alpha eta (1 + eta) W (eta I + M*)^{-1}``.

    A fitted estimator exposes the clusters it found: ``task_clusters_``,
    the cluster of each task (0 for the first task's, then numbered in order
    of first appearance), and ``task_cluster_matrix_``, the optimal ``M`` at
    the solution: the relaxed "same cluster" matrix, ``1 / n_c`` between two
    tasks of the same cluster ``c`` of ``n_c`` tasks and 0 elsewhere when the
    relaxation is tight. The clusters are those of the rows of its factor
    ``V diag(sqrt(m))`` (the relaxed cluster indicator matrix): tasks whose
    rows are equal form a cluster, and when there are more distinct rows
    than ``n_clusters``, k-means groups them into ``n_clusters``
    (:func:`relaxed_cluster_labels`). With ``W = 0`` every task is in
    cluster 0.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the clustering term, ``> 0``.
    beta : float, default=1.0
        Strength of the ridge term, ``> 0``.
    n_clusters : int, default=2
        Number of task clusters, between 1 and the number of tasks.

    Examples
    --------
    >>> from sklearn_mtl.linear_model import Clustered
    >>> Clustered(alpha=0.5, beta=0.1, n_clusters=3)
    Clustered(alpha=0.5, beta=0.1, n_clusters=3)
    """

    relates_tasks = True
    strength_names = ("alpha", "beta")

    _parameter_constraints = {
        "alpha": _POSITIVE,
        "beta": _POSITIVE,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, alpha=1.0, beta=1.0, n_clusters=2):
        self.alpha = alpha
        self.beta = beta
        self.n_clusters = n_clusters

    def validate(self, n_features, n_outputs):
        super().validate(n_features, n_outputs)
        if self.n_clusters > n_outputs:
            raise ValueError(
                f"Expected n_clusters of Clustered to be an integer between 1 and "
                f"the number of tasks ({n_outputs}); got {self.n_clusters!r} "
                "instead."
            )

    @property
    def _eta(self):
        return self.beta / self.alpha

    def _relaxed_clusters(self, W):
        """Eigenvectors of ``W^T W``, its eigenvalues and the optimal ``M``'s."""
        eigenvalues, eigenvectors = np.linalg.eigh(W.T @ W)
        eigenvalues = np.maximum(eigenvalues, 0.0)
        weights = relaxed_cluster_weights(
            np.sqrt(eigenvalues), self._eta, self.n_clusters
        )
        return eigenvectors, eigenvalues, weights

    def value(self, coefs):
        return self.smooth_value(coefs[0])

    def prox(self, coefs, step):
        """The identity: the penalty is smooth, all of it a gradient step's."""
        return coefs

    def smooth_value(self, W):
        _, eigenvalues, weights = self._relaxed_clusters(W)
        eta = self._eta
        return self.alpha * eta * (1 + eta) * np.sum(eigenvalues / (eta + weights))

    def smooth_gradient(self, W):
        eigenvectors, _, weights = self._relaxed_clusters(W)
        eta = self._eta
        inverse = (eigenvectors / (eta + weights)) @ eigenvectors.T
        return 2.0 * self.alpha * eta * (1 + eta) * (W @ inverse)

    def smooth_lipschitz(self, n_tasks):
        return 2.0 * self.alpha * (1.0 + self._eta)

    def task_structure(self, W):
        """The task clusters at ``W``: ``task_clusters_`` and ``task_cluster_matrix_``.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_tasks)
            The fitted coefficients.

        Returns
        -------
        attributes : dict
            ``task_clusters_``, ndarray of int of shape (n_tasks,), and
            ``task_cluster_matrix_``, the optimal ``M`` of shape
            (n_tasks, n_tasks).
        """
        eigenvectors, eigenvalues, weights = self._relaxed_clusters(W)
        return {
            "task_clusters_": relaxed_cluster_labels(
                eigenvectors, eigenvalues, weights, self.n_clusters
            ),
            "task_cluster_matrix_": (eigenvectors * weights) @ eigenvectors.T,
        }


def relaxed_cluster_weights(singular_values, eta, n_clusters):
    """Eigenvalues ``m`` of the optimal ``M`` in the clustered relaxation.

    Minimizes ``sum_i s_i^2 / (eta + m_i)`` over ``0 <= m_i <= 1`` with
    ``sum_i m_i = n_clusters``. The solution is
    ``m_i = clip(tau * s_i - eta, 0, 1)`` for the ``tau`` that meets the sum,
    found exactly on the piecewise-linear path of ``tau``.

    Parameters
    ----------
    singular_values : ndarray of shape (n_tasks,)
        Non-negative singular values ``s`` of ``W``.
    eta : float
        Positive ``beta / alpha``.
    n_clusters : int
        Number of clusters, the required sum.

    Returns
    -------
    weights : ndarray of shape (n_tasks,)
    """
    n_tasks = singular_values.size
    if n_clusters >= n_tasks:
        return np.ones(n_tasks)
    positive = singular_values > 0
    if positive.sum() <= n_clusters:
        # The positive directions take weight 1; the rest of the budget goes
        # to null directions, where it does not change the value.
        weights = positive.astype(float)
        weights[~positive] = (n_clusters - positive.sum()) / (~positive).sum()
        return weights
    sigma = singular_values[positive]
    breakpoints = np.sort(np.concatenate([eta / sigma, (1.0 + eta) / sigma]))
    totals = np.clip(np.outer(breakpoints, sigma) - eta, 0.0, 1.0).sum(axis=1)
    upper = np.searchsorted(totals, n_clusters)
    low_tau, high_tau = breakpoints[upper - 1], breakpoints[upper]
    low_total, high_total = totals[upper - 1], totals[upper]
    tau = low_tau + (n_clusters - low_total) * (high_tau - low_tau) / (
        high_total - low_total
    )
    weights = np.zeros(n_tasks)
    weights[positive] = np.clip(tau * sigma - eta, 0.0, 1.0)
    return weights


def relaxed_cluster_labels(eigenvectors, eigenvalues, weights, n_clusters):
    """Task clusters from the relaxed cluster indicator matrix.

    The rows of ``F = V diag(sqrt(m))``, restricted to the eigen-directions
    of ``W^T W`` that carry coefficients (the others only hold the rest of
    the budget ``tr(M) = n_clusters`` and say nothing of the tasks), are the
    tasks' coordinates; ``F F^T`` is the optimal ``M`` on those directions,
    so the clusters do not depend on the choice of eigenvectors within an
    eigenspace. Tasks with equal rows (to ``_SAME_ROW_TOL`` of the largest
    entry) are one cluster; if that leaves more than ``n_clusters``
    clusters, k-means on the rows (10 starts, seed 0) makes ``n_clusters``.

    Parameters
    ----------
    eigenvectors : ndarray of shape (n_tasks, n_tasks)
        Eigenvectors ``V`` of ``W^T W``, by columns.
    eigenvalues : ndarray of shape (n_tasks,)
        Their eigenvalues (non-negative).
    weights : ndarray of shape (n_tasks,)
        Eigenvalues ``m`` of the optimal ``M`` (:func:`relaxed_cluster_weights`).
    n_clusters : int
        The number of clusters of the penalty.

    Returns
    -------
    labels : ndarray of int of shape (n_tasks,)
        Cluster of each task, numbered in order of first appearance (task 0
        is in cluster 0).
    """
    n_tasks = eigenvectors.shape[0]
    informative = eigenvalues > _RANK_TOL * eigenvalues.max(initial=0.0)
    informative &= weights > 0
    rows = eigenvectors[:, informative] * np.sqrt(weights[informative])
    scale = np.abs(rows).max(initial=0.0)
    if scale == 0:
        return np.zeros(n_tasks, dtype=np.intp)
    distances = np.linalg.norm(rows[:, np.newaxis] - rows[np.newaxis], axis=2)
    n_distinct, labels = connected_components(
        distances <= _SAME_ROW_TOL * scale, directed=False
    )
    if n_distinct > n_clusters:
        labels = KMeans(n_clusters=n_clusters, n_init=10, random_state=0).fit(rows)
        labels = labels.labels_
    clusters, first = np.unique(labels, return_index=True)
    rank = np.argsort(np.argsort(first))  # of each cluster, by first task
    return rank[np.searchsorted(clusters, labels)].astype(np.intp)
