"""Learned task structure: multi-task relationship learning and task clusters.

:class:`TaskRelationship` (Zhang & Yeung, UAI 2010) is checked piece by
piece against cvxpy and hand computations: its proximal operator and
conjugate, the closed-form covariance step, the whole fit (squared and
logistic losses), and the fixed point of the alternating algorithm (the
fitted ``W`` solves the ``W`` step with the fitted ``Omega`` held fixed).
:class:`Clustered`'s ``task_clusters_`` and ``task_cluster_matrix_`` are
checked against the minimizer of the relaxation and planted clusters.
"""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import adjusted_rand_score

from sklearn_mtl.linear_model import (
    Clustered,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    TaskRelationship,
)
from sklearn_mtl.linear_model._mtrl import task_covariance

TIGHT = {"tol": 1e-12, "max_iter": 50_000}


@pytest.fixture(scope="module")
def cp():
    return pytest.importorskip("cvxpy")


def _solve(cp, objective, constraints=()):
    problem = cp.Problem(cp.Minimize(objective), list(constraints))
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == cp.OPTIMAL, problem.status
    return problem.value


def _regression_data(seed=0, n_samples=40, n_features=5, n_tasks=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    Y = X @ rng.standard_normal((n_features, n_tasks))
    Y += 0.5 * rng.standard_normal(Y.shape)
    Y[rng.uniform(size=Y.shape) < 0.25] = np.nan
    return X, Y


def _classification_data(seed=0, n_samples=60, n_features=4, n_tasks=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    logits = X @ rng.standard_normal((n_features, n_tasks))
    Y = (logits + rng.logistic(size=logits.shape) > 0).astype(float)
    Y[rng.uniform(size=Y.shape) < 0.2] = np.nan
    return X, Y


def _squared_datafit(cp, X, Y, W, b):
    """``(1/(2m)) sum_t sum_{i in O_t} (y_it - x_i W_t - b_t)^2`` for cvxpy."""
    mask = ~np.isnan(Y)
    m = mask.sum() / Y.shape[1]
    residuals = np.nan_to_num(Y) - X @ W - np.ones((X.shape[0], 1)) @ b[None, :]
    return cp.sum_squares(cp.multiply(mask, residuals)) / (2 * m)


def _logistic_datafit(cp, X, Y, W, b):
    """``(1/m) sum_t sum_{i in O_t} log(1 + exp(-y_it z_it))``, labels +-1."""
    mask = ~np.isnan(Y)
    m = mask.sum() / Y.shape[1]
    Z = X @ W + np.ones((X.shape[0], 1)) @ b[None, :]
    total = 0.0
    for t in range(Y.shape[1]):
        rows = np.flatnonzero(mask[:, t])
        signs = np.where(Y[rows, t] == 1, 1.0, -1.0)
        total += cp.sum(cp.logistic(-cp.multiply(signs, Z[rows, t])))
    return total / m


DATAFITS = {"squared": _squared_datafit, "logistic": _logistic_datafit}


def _fit(loss, penalty):
    if loss == "squared":
        X, Y = _regression_data()
        return X, Y, MultiTaskLinearRegressor(penalty, **TIGHT).fit(X, Y)
    X, Y = _classification_data()
    return X, Y, MultiTaskLinearClassifier(penalty, **TIGHT).fit(X, Y)


# --- 1. The penalty: value, prox, conjugate ------------------------------------


@pytest.mark.parametrize(
    ("alpha", "beta", "step"),
    [(1.0, 0.0, 0.3), (0.5, 2.0, 0.3), (1.0, 0.5, 5.0)],
    ids=["no_ridge", "ridge", "large_step"],
)
def test_prox_matches_cvxpy(cp, alpha, beta, step):
    V = np.random.default_rng(0).standard_normal((5, 3))
    penalty = TaskRelationship(alpha=alpha, beta=beta)
    W = cp.Variable(V.shape)
    value = alpha / 2 * cp.square(cp.normNuc(W)) + beta / 2 * cp.sum_squares(W)
    _solve(cp, 0.5 * cp.sum_squares(W - V) + step * value)
    assert_allclose(penalty.prox(V[np.newaxis], step)[0], W.value, atol=1e-6)


@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_conjugate_matches_cvxpy(cp, beta):
    C = np.random.default_rng(1).standard_normal((4, 3))
    penalty = TaskRelationship(alpha=0.8, beta=beta)
    W = cp.Variable(C.shape)
    value = 0.4 * cp.square(cp.normNuc(W)) + beta / 2 * cp.sum_squares(W)
    supremum = -_solve(cp, value - cp.sum(cp.multiply(C, W)))
    assert_allclose(penalty.conjugate(C), supremum, rtol=1e-6)


def test_value_is_the_minimum_over_task_covariances(cp):
    W = np.random.default_rng(2).standard_normal((5, 3))
    penalty = TaskRelationship(alpha=0.6, beta=0.2)
    Omega = cp.Variable((3, 3), PSD=True)
    # tr(W Omega^{-1} W^T) = matrix_frac(W^T, Omega)
    minimum = _solve(cp, cp.matrix_frac(W.T, Omega), [cp.trace(Omega) == 1])
    expected = 0.3 * minimum + 0.1 * np.sum(W**2)
    assert_allclose(penalty.value(W[np.newaxis]), expected, rtol=1e-6)
    assert_allclose(task_covariance(W), Omega.value, atol=1e-4)  # cvxpy's SDP


def test_covariance_step_is_the_closed_form():
    W = np.random.default_rng(3).standard_normal((6, 4))
    W[:, 3] = W[:, 0] - W[:, 1]  # rank 3: a singular covariance
    eigenvalues, eigenvectors = np.linalg.eigh(W.T @ W)
    root = (eigenvectors * np.sqrt(np.maximum(eigenvalues, 0.0))) @ eigenvectors.T
    expected = root / np.trace(root)
    covariance = task_covariance(W)
    assert_allclose(covariance, expected, atol=1e-12)
    assert_allclose(np.trace(covariance), 1.0)
    assert_allclose(covariance, covariance.T)
    assert np.linalg.eigvalsh(covariance)[0] > -1e-12
    assert_allclose(task_covariance(np.zeros((6, 4))), np.eye(4) / 4)


# --- 2. The fit ----------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("beta", [0.0, 0.3])
def test_fit_reaches_the_cvxpy_minimum(cp, loss, beta):
    alpha = 0.2 if loss == "squared" else 0.05
    X, Y, model = _fit(loss, TaskRelationship(alpha=alpha, beta=beta))
    W = cp.Variable((X.shape[1], Y.shape[1]))
    b = cp.Variable(Y.shape[1])
    penalty = alpha / 2 * cp.square(cp.normNuc(W)) + beta / 2 * cp.sum_squares(W)
    minimum = _solve(cp, DATAFITS[loss](cp, X, Y, W, b) + penalty)
    fitted = DATAFITS[loss](cp, X, Y, model.coef_.T, model.intercept_).value
    fitted += TaskRelationship(alpha=alpha, beta=beta).value(model.coef_.T[None])
    assert_allclose(fitted, minimum, rtol=1e-6)
    assert_allclose(model.coef_.T, W.value, atol=1e-4)
    assert model.solver_ == "fista"
    assert 0 <= model.dual_gap_ < 1e-10  # it stops on a duality gap


@pytest.mark.parametrize(
    ("loss", "alpha", "beta", "rank"),
    [
        ("squared", 0.2, 0.1, 3),
        ("logistic", 0.01, 0.02, 3),
        # A stronger penalty leaves W (and the fitted Omega) of rank 2.
        ("logistic", 0.05, 0.02, 2),
    ],
    ids=["squared", "logistic", "logistic_low_rank"],
)
def test_fit_is_the_fixed_point_of_the_alternating_algorithm(
    cp, loss, alpha, beta, rank
):
    # Zhang & Yeung alternate a W step (Omega fixed: a smooth penalty) and the
    # closed-form Omega step. The fitted W solves the W step with the fitted
    # Omega held fixed, and the fitted Omega is the Omega step at that W. A
    # singular Omega confines the rows of W to its range, where the W step
    # uses its pseudo-inverse.
    X, Y, model = _fit(loss, TaskRelationship(alpha=alpha, beta=beta))
    Omega = model.task_covariance_
    eigenvalues, eigenvectors = np.linalg.eigh(Omega)
    kept = eigenvalues > 1e-8
    assert kept.sum() == rank
    basis = eigenvectors[:, kept]
    root_inverse = (basis / np.sqrt(eigenvalues[kept])) @ basis.T
    A = cp.Variable((X.shape[1], rank))
    W = A @ basis.T
    b = cp.Variable(Y.shape[1])
    # tr(W Omega^+ W^T) = ||W (Omega^+)^{1/2}||_F^2
    step = alpha / 2 * cp.sum_squares(W @ root_inverse) + beta / 2 * cp.sum_squares(W)
    _solve(cp, DATAFITS[loss](cp, X, Y, W, b) + step)
    assert_allclose(model.coef_.T, W.value, atol=1e-5)
    assert_allclose(model.intercept_, b.value, atol=1e-5)
    assert_allclose(task_covariance(W.value), Omega, atol=1e-5)


def test_learned_covariance_recovers_planted_task_correlations():
    # Six tasks in two groups: coefficient vectors strongly correlated within
    # a group, anti-correlated across (a task covariance of two blocks).
    rng = np.random.default_rng(0)
    n_features, groups = 30, np.array([0, 0, 0, 1, 1, 1])
    within, across = 0.9, -0.6
    planted = np.where(groups[:, None] == groups[None, :], within, across)
    np.fill_diagonal(planted, 1.0)
    W_true = rng.standard_normal((n_features, 6)) @ np.linalg.cholesky(planted).T
    X = rng.standard_normal((400, n_features))
    Y = X @ W_true + 0.5 * rng.standard_normal((400, 6))
    Y[rng.uniform(size=Y.shape) < 0.3] = np.nan
    model = MultiTaskLinearRegressor(TaskRelationship(alpha=0.01)).fit(X, Y)

    def correlation(covariance):
        scale = np.sqrt(np.diag(covariance))
        return covariance / np.outer(scale, scale)

    learned = correlation(model.task_covariance_)
    off_diagonal = ~np.eye(6, dtype=bool)
    same = groups[:, None] == groups[None, :]
    assert learned[same & off_diagonal].min() > 0.5
    assert learned[~same].max() < -0.2
    # What the data allow: the covariance step at the true coefficients.
    oracle = correlation(task_covariance(W_true))
    assert np.abs(learned - oracle)[off_diagonal].max() < 0.1


def test_a_multiclass_task_is_refused():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    Y = np.column_stack([X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5])])
    message = "The TaskRelationship penalty relates the coefficient columns"
    with pytest.raises(ValueError, match=re.escape(message)):
        MultiTaskLinearClassifier(TaskRelationship()).fit(X, Y)


# --- 3. Clustered: the task clusters -----------------------------------------------


def test_task_cluster_matrix_is_the_minimizer_of_the_relaxation(cp):
    X, Y = _regression_data(n_tasks=4)
    penalty = Clustered(alpha=0.5, beta=0.2, n_clusters=2)
    model = MultiTaskLinearRegressor(penalty).fit(X, Y)
    W, eta = model.coef_.T, 0.2 / 0.5
    M = cp.Variable((4, 4), PSD=True)
    constraints = [np.eye(4) - M >> 0, cp.trace(M) == 2]
    _solve(cp, cp.matrix_frac(W.T, eta * np.eye(4) + M), constraints)
    assert_allclose(model.task_cluster_matrix_, M.value, atol=1e-5)
    assert model.task_clusters_.shape == (4,) and model.task_clusters_[0] == 0


def test_exact_clusters_give_the_normalized_indicator_matrix():
    # Tasks 0, 2, 5 share one vector, 1 and 4 another, 3 a third: W^T W has
    # rank 3 and the relaxation is tight, M = F F^T with F[t, c] = 1/sqrt(n_c).
    rng = np.random.default_rng(0)
    labels = np.array([0, 1, 0, 2, 1, 0])
    centers = rng.standard_normal((8, 3))
    W = centers[:, labels]
    structure = Clustered(alpha=1.0, beta=0.1, n_clusters=3).task_structure(W)
    assert_array_equal(structure["task_clusters_"], labels)
    sizes = np.bincount(labels)
    expected = (labels[:, None] == labels[None, :]) / sizes[labels][:, None]
    assert_allclose(structure["task_cluster_matrix_"], expected, atol=1e-10)


def test_fitted_clusters_recover_planted_clusters():
    rng = np.random.default_rng(1)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    centers = 2.0 * rng.standard_normal((10, 3))
    W_true = centers[:, labels] + 0.1 * rng.standard_normal((10, 8))
    X = rng.standard_normal((150, 10))
    Y = X @ W_true + 0.3 * rng.standard_normal((150, 8))
    Y[rng.uniform(size=Y.shape) < 0.3] = np.nan
    penalty = Clustered(alpha=0.5, beta=0.05, n_clusters=3)
    model = MultiTaskLinearRegressor(penalty).fit(X, Y)
    assert adjusted_rand_score(labels, model.task_clusters_) == 1.0
    assert_array_equal(model.task_clusters_, labels)  # numbered by first task
    # Permuting the tasks permutes the clusters.
    order = rng.permutation(8)
    permuted = MultiTaskLinearRegressor(penalty).fit(X, Y[:, order])
    assert adjusted_rand_score(labels[order], permuted.task_clusters_) == 1.0


def test_clusters_of_zero_and_of_identical_coefficients():
    penalty = Clustered(alpha=1.0, beta=1.0, n_clusters=2)
    zero = penalty.task_structure(np.zeros((4, 3)))
    assert_array_equal(zero["task_clusters_"], [0, 0, 0])
    same = penalty.task_structure(np.ones((4, 3)))  # one distinct vector
    assert_array_equal(same["task_clusters_"], [0, 0, 0])


def test_more_distinct_tasks_than_clusters_use_kmeans_deterministically():
    W = np.random.default_rng(4).standard_normal((6, 7))
    penalty = Clustered(alpha=1.0, beta=0.3, n_clusters=3)
    first = penalty.task_structure(W)["task_clusters_"]
    again = penalty.task_structure(W)["task_clusters_"]
    assert_array_equal(first, again)
    assert set(first) == {0, 1, 2} and first[0] == 0
