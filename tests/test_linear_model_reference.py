"""Multi-task linear models against independent references.

Every objective here is written again from the formulas of the docstrings, in
numpy, and minimized by cvxpy; the presets are compared with scikit-learn's
estimators that solve the same problem. The comparisons with cvxpy run on both
designs of the solvers: every (row, task) entry and the observed labels only.
"""

import re
import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit, logsumexp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.linear_model import MultiTaskElasticNet as SklearnMultiTaskElasticNet
from sklearn.linear_model import MultiTaskLasso as SklearnMultiTaskLasso
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_mtl.linear_model import (
    L1,
    L2,
    L21,
    Clustered,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    MultiTaskElasticNet,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    MultiTaskLogisticRegression,
    TraceNorm,
    _design,
)

N_SAMPLES, N_FEATURES, N_TASKS = 36, 5, 3
TASK_WEIGHTS = np.array([1.0, 2.5, 0.5])
ADJACENCY = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.0], [0.3, 0.0, 0.0]])
# Tight fits: the duality gap (or optimality violation) below 1e-10 times the
# scale of the problem leaves the objective within ~1e-10 of its minimum.
TIGHT = {"tol": 1e-10, "max_iter": 20_000}
# To compare two fits coefficient by coefficient: a gap of 1e-10 still allows
# errors ~1e-5 on W (it bounds the objective, W only to its square root).
TIGHTER = {"tol": 1e-13, "max_iter": 20_000}

REGRESSION_PENALTIES = [
    L1(alpha=0.05),
    L2(alpha=0.3),
    L21(alpha=0.1),
    L21ElasticNet(alpha=0.1, l1_ratio=0.7),
    Dirty(alpha_group=0.1, alpha_sparse=0.06),
    TraceNorm(alpha=0.2),
    MeanRegularized(alpha=0.5, beta=0.1),
    MeanRegularized(alpha=0.5, beta=0.0),
    GraphLaplacian(alpha=0.4, adjacency=ADJACENCY, beta=0.05),
    Clustered(alpha=0.3, beta=0.1, n_clusters=2),
]
CLASSIFICATION_PENALTIES = [
    L1(alpha=0.02),
    L2(alpha=0.05),
    L21(alpha=0.03),
    L21ElasticNet(alpha=0.04, l1_ratio=0.6),
    Dirty(alpha_group=0.03, alpha_sparse=0.02),
    TraceNorm(alpha=0.05),
    MeanRegularized(alpha=0.2, beta=0.05),
    MeanRegularized(alpha=0.2, beta=0.0),
    GraphLaplacian(alpha=0.2, adjacency=ADJACENCY, beta=0.05),
    Clustered(alpha=0.2, beta=0.05, n_clusters=2),
]
PENALTY_IDS = [
    "l1",
    "l2",
    "l21",
    "l21_elastic_net",
    "dirty",
    "trace_norm",
    "mean_regularized",
    "mean_regularized_beta0",
    "graph_laplacian",
    "clustered",
]


@pytest.fixture(scope="module")
def cp():
    return pytest.importorskip("cvxpy")


@pytest.fixture(params=["dense", "observed"])
def layout(request, monkeypatch):
    """Make the solvers work on the dense or on the observed entries.

    The automatic choice is moved (every fraction observed is below 1.01,
    none below 0), and the test fails unless every fit used that layout.
    """
    used = []
    make_design = _design.make_design

    def spy(*args, **kwargs):
        design = make_design(*args, **kwargs)
        used.append(design.layout.kind)
        return design

    threshold = 1.01 if request.param == "observed" else 0.0
    monkeypatch.setattr(_design, "OBSERVED_BELOW", threshold)
    monkeypatch.setattr(_design, "make_design", spy)
    yield request.param
    assert used, "no fit went through make_design"
    assert set(used) == {request.param}


_CVXPY_SOLUTIONS = {}


def _cached(key, solve):
    """cvxpy's solution of a problem, solved once for both layouts."""
    if key not in _CVXPY_SOLUTIONS:
        _CVXPY_SOLUTIONS[key] = solve()
    return _CVXPY_SOLUTIONS[key]


def _regression_problem(seed=0, missing=0.25):
    """Small regression data: NaN labels, non-uniform sample weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES)) + 0.3
    W = rng.standard_normal((N_FEATURES, N_TASKS))
    W[3] = 0.0
    Y = X @ W + 0.5 * rng.standard_normal((N_SAMPLES, N_TASKS))
    Y += np.array([1.0, -2.0, 0.5])
    Y[rng.uniform(size=Y.shape) < missing] = np.nan
    sample_weight = rng.uniform(0.5, 2.0, size=N_SAMPLES)
    return X, Y, sample_weight


def _classification_problem(seed=0, multiclass=False):
    """Binary tasks with different class pairs (or a 3-class task), NaN missing.

    Task 0 has classes {0, 1}, task 1 {-1, 3} (or {10, 20, 30} when
    ``multiclass``) and task 2 {2, 7}, where 2 is the smaller class, so the
    mapping to -1/+1 follows ``classes_`` and not the latent sign.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES))
    W = rng.standard_normal((N_FEATURES, N_TASKS))
    latent = X @ W + rng.standard_normal((N_SAMPLES, N_TASKS))
    Y = np.empty((N_SAMPLES, N_TASKS))
    Y[:, 0] = latent[:, 0] > 0
    if multiclass:
        Y[:, 1] = np.array([10.0, 20.0, 30.0])[np.digitize(latent[:, 1], [-0.7, 0.7])]
    else:
        Y[:, 1] = np.where(latent[:, 1] > 0, 3.0, -1.0)
    Y[:, 2] = np.where(latent[:, 2] > 0, 2.0, 7.0)
    Y[rng.uniform(size=Y.shape) < 0.25] = np.nan
    sample_weight = rng.uniform(0.5, 2.0, size=N_SAMPLES)
    return X, Y, sample_weight


def _entry_weights(Y, task_weights, sample_weight):
    """``w_t * s_i`` on observed labels, 0 on missing ones.

    ``w`` rescaled to mean 1, ``s`` the sample weights as given.
    """
    n_samples, n_tasks = Y.shape
    w = np.ones(n_tasks) if task_weights is None else np.asarray(task_weights)
    s = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
    w = w / w.mean()
    return (~np.isnan(Y)) * s[:, np.newaxis] * w


def _normalizer(Y, sample_weight):
    """``m = (1/T) * sum_t sum_{i in O_t} s_i``: the datafits divide by it."""
    s = np.ones(Y.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    return np.sum(~np.isnan(Y) * s[:, np.newaxis]) / Y.shape[1]


def _squared_datafit(X, Y, W, b, task_weights=None, sample_weight=None):
    weights = _entry_weights(Y, task_weights, sample_weight)
    residuals = np.where(np.isnan(Y), 0.0, Y - X @ W - b)
    return np.sum(weights * residuals**2) / (2 * _normalizer(Y, sample_weight))


def _logistic_datafit(X, Y, W, b, classes, output_task, task_weights, sample_weight):
    weights = _entry_weights(Y, task_weights, sample_weight)
    Z = X @ W + b
    total = 0.0
    for t, task_classes in enumerate(classes):
        rows = ~np.isnan(Y[:, t])
        columns = np.flatnonzero(output_task == t)
        if task_classes.size == 2:
            signs = np.where(Y[rows, t] == task_classes[1], 1.0, -1.0)
            losses = np.logaddexp(0.0, -signs * Z[rows, columns[0]])
        else:
            codes = np.searchsorted(task_classes, Y[rows, t])
            block = Z[np.ix_(rows, columns)]
            losses = logsumexp(block, axis=1) - block[np.arange(codes.size), codes]
        total += np.sum(weights[rows, t] * losses)
    return total / _normalizer(Y, sample_weight)


def _clustered_minimum(W, eta, n_clusters):
    """``min_M tr(W (eta I + M)^{-1} W^T)`` over 0 <= M <= I, tr(M) = n_clusters.

    The minimum is reached with ``M`` diagonal in the eigenbasis of ``W^T W``
    (eigenvalues ``s_i^2``); its eigenvalues then minimize
    ``sum_i s_i^2 / (eta + m_i)``, whose KKT conditions give
    ``m_i = clip(tau * s_i - eta, 0, 1)`` with ``sum_i m_i = n_clusters``: the
    sum increases with ``tau``, found by bisection.
    """
    s = np.sqrt(np.maximum(np.linalg.eigvalsh(W.T @ W), 0.0))
    if n_clusters >= s.size:
        m = np.ones(s.size)
    else:
        low, high = 0.0, (1.0 + eta) / max(s[s > 0].min(), 1e-300)
        for _ in range(200):
            tau = 0.5 * (low + high)
            if np.clip(tau * s - eta, 0.0, 1.0).sum() < n_clusters:
                low = tau
            else:
                high = tau
        m = np.clip(high * s - eta, 0.0, 1.0)
    return np.sum(s**2 / (eta + m))


def _penalty_value(penalty, W, parts=None):
    """The penalty of ``W`` (n_features, n_outputs), from its docstring formula."""
    rows = np.linalg.norm(W, axis=1)
    if isinstance(penalty, L1):
        return penalty.alpha * np.abs(W).sum()
    if isinstance(penalty, L2):
        return 0.5 * penalty.alpha * np.sum(W**2)
    if isinstance(penalty, L21):
        return penalty.alpha * rows.sum()
    if isinstance(penalty, L21ElasticNet):
        alpha, ratio = penalty.alpha, penalty.l1_ratio
        return alpha * ratio * rows.sum() + alpha * (1 - ratio) / 2 * np.sum(W**2)
    if isinstance(penalty, Dirty):
        P, Q = parts
        np.testing.assert_allclose(P + Q, W, atol=1e-12)
        return penalty.alpha_group * np.linalg.norm(P, axis=1).sum() + (
            penalty.alpha_sparse * np.abs(Q).sum()
        )
    if isinstance(penalty, TraceNorm):
        return penalty.alpha * np.linalg.svd(W, compute_uv=False).sum()
    if isinstance(penalty, MeanRegularized):
        spread = W - W.mean(axis=1, keepdims=True)
        return 0.5 * penalty.alpha * np.sum(spread**2) + (
            0.5 * penalty.beta * np.sum(W**2)
        )
    if isinstance(penalty, GraphLaplacian):
        A = np.asarray(penalty.adjacency)
        pairs = sum(
            A[s, t] * np.sum((W[:, s] - W[:, t]) ** 2)
            for s in range(W.shape[1])
            for t in range(s + 1, W.shape[1])
        )
        return 0.5 * penalty.alpha * pairs + 0.5 * penalty.beta * np.sum(W**2)
    if isinstance(penalty, Clustered):
        eta = penalty.beta / penalty.alpha
        inner = _clustered_minimum(W, eta, penalty.n_clusters)
        return penalty.alpha * eta * (1 + eta) * inner
    raise AssertionError(f"unknown penalty {penalty!r}")


def _fitted_parts(model):
    if hasattr(model, "coef_group_"):
        return model.coef_group_.T, model.coef_sparse_.T
    return None


def _cvxpy_penalty(cp, penalty, n_features, n_outputs):
    """Variable ``W``, its penalty expression and constraints, for cvxpy."""
    if isinstance(penalty, Dirty):
        P = cp.Variable((n_features, n_outputs))
        Q = cp.Variable((n_features, n_outputs))
        value = penalty.alpha_group * cp.sum(cp.norm(P, 2, axis=1))
        value += penalty.alpha_sparse * cp.sum(cp.abs(Q))
        return P + Q, value, []
    W = cp.Variable((n_features, n_outputs))
    if isinstance(penalty, L1):
        return W, penalty.alpha * cp.sum(cp.abs(W)), []
    if isinstance(penalty, L2):
        return W, 0.5 * penalty.alpha * cp.sum_squares(W), []
    if isinstance(penalty, L21):
        return W, penalty.alpha * cp.sum(cp.norm(W, 2, axis=1)), []
    if isinstance(penalty, L21ElasticNet):
        alpha, ratio = penalty.alpha, penalty.l1_ratio
        value = alpha * ratio * cp.sum(cp.norm(W, 2, axis=1))
        return W, value + alpha * (1 - ratio) / 2 * cp.sum_squares(W), []
    if isinstance(penalty, TraceNorm):
        return W, penalty.alpha * cp.normNuc(W), []
    if isinstance(penalty, MeanRegularized):
        centering = np.eye(n_outputs) - 1.0 / n_outputs
        value = 0.5 * penalty.alpha * cp.sum_squares(W @ centering)
        return W, value + 0.5 * penalty.beta * cp.sum_squares(W), []
    if isinstance(penalty, GraphLaplacian):
        A = np.asarray(penalty.adjacency)
        value = 0.5 * penalty.beta * cp.sum_squares(W)
        for s in range(n_outputs):
            for t in range(s + 1, n_outputs):
                if A[s, t]:
                    value += (
                        0.5
                        * penalty.alpha
                        * A[s, t]
                        * cp.sum_squares(W[:, s] - W[:, t])
                    )
        return W, value, []
    if isinstance(penalty, Clustered):
        eta = penalty.beta / penalty.alpha
        M = cp.Variable((n_outputs, n_outputs), PSD=True)
        value = penalty.alpha * eta * (1 + eta)
        value = value * cp.matrix_frac(W.T, eta * np.eye(n_outputs) + M)
        constraints = [np.eye(n_outputs) - M >> 0, cp.trace(M) == penalty.n_clusters]
        return W, value, constraints
    raise AssertionError(f"unknown penalty {penalty!r}")


def _cvxpy_minimum(cp, datafit, penalty_value, constraints):
    problem = cp.Problem(cp.Minimize(datafit + penalty_value), constraints)
    # Clarabel's default tolerances (1e-8) leave the optimal value within
    # ~1e-9 relative; tighter ones end "optimal_inaccurate" on the
    # exponential and semidefinite cones.
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == cp.OPTIMAL, problem.status
    return problem.value


def _cvxpy_regression(cp, X, Y, penalty, task_weights, sample_weight):
    n_samples, n_tasks = Y.shape
    W, value, constraints = _cvxpy_penalty(cp, penalty, X.shape[1], n_tasks)
    b = cp.Variable(n_tasks)
    weights = _entry_weights(Y, task_weights, sample_weight)
    residuals = np.nan_to_num(Y) - X @ W - np.ones((n_samples, 1)) @ b[None, :]
    squares = cp.sum(cp.multiply(weights, cp.square(residuals)))
    datafit = squares / (2 * _normalizer(Y, sample_weight))
    return _cvxpy_minimum(cp, datafit, value, constraints), W.value, b.value


def _cvxpy_classification(cp, X, Y, penalty, classes, output_task, task_weights, sw):
    n_samples, n_outputs = X.shape[0], output_task.size
    W, value, constraints = _cvxpy_penalty(cp, penalty, X.shape[1], n_outputs)
    b = cp.Variable(n_outputs)
    Z = X @ W + np.ones((n_samples, 1)) @ b[None, :]
    weights = _entry_weights(Y, task_weights, sw)
    datafit = 0.0
    for t, task_classes in enumerate(classes):
        rows = np.flatnonzero(~np.isnan(Y[:, t]))
        columns = np.flatnonzero(output_task == t)
        if task_classes.size == 2:
            signs = np.where(Y[rows, t] == task_classes[1], 1.0, -1.0)
            margins = cp.multiply(signs, Z[rows, columns[0]])
            datafit += weights[rows, t] @ cp.logistic(-margins)
        else:
            codes = np.searchsorted(task_classes, Y[rows, t])
            one_hot = np.eye(columns.size)[codes]
            block = Z[rows][:, columns]
            losses = cp.log_sum_exp(block, axis=1) - cp.sum(
                cp.multiply(one_hot, block), axis=1
            )
            datafit += weights[rows, t] @ losses
    datafit = datafit / _normalizer(Y, sw)
    return _cvxpy_minimum(cp, datafit, value, constraints), W.value, b.value


# --- 1. Optimal values against cvxpy ---------------------------------------


@pytest.mark.parametrize("penalty", REGRESSION_PENALTIES, ids=PENALTY_IDS)
def test_regressor_reaches_the_cvxpy_minimum(cp, penalty, layout):
    X, Y, sample_weight = _regression_problem()
    model = MultiTaskLinearRegressor(penalty, task_weights=TASK_WEIGHTS, **TIGHT)
    model.fit(X, Y, sample_weight=sample_weight)
    W, b = model.coef_.T, model.intercept_
    objective = _squared_datafit(
        X, Y, W, b, TASK_WEIGHTS, sample_weight
    ) + _penalty_value(penalty, W, _fitted_parts(model))

    minimum, W_ref, b_ref = _cached(
        ("regression", repr(penalty)),
        lambda: _cvxpy_regression(cp, X, Y, penalty, TASK_WEIGHTS, sample_weight),
    )
    assert objective == pytest.approx(minimum, rel=1e-6)
    # Every task is observed on more rows than features: the datafit is
    # strictly convex in (W, b), so the minimizer is unique.
    np.testing.assert_allclose(W, W_ref, atol=1e-4)
    np.testing.assert_allclose(b, b_ref, atol=1e-4)
    # The penalties are active: the solution is not the unpenalized one.
    assert _penalty_value(penalty, W, _fitted_parts(model)) > 1e-3


@pytest.mark.parametrize("penalty", CLASSIFICATION_PENALTIES, ids=PENALTY_IDS)
def test_binary_classifier_reaches_the_cvxpy_minimum(cp, penalty, layout):
    X, Y, sample_weight = _classification_problem()
    model = MultiTaskLinearClassifier(penalty, task_weights=TASK_WEIGHTS, **TIGHT)
    model.fit(X, Y, sample_weight=sample_weight)
    assert [c.tolist() for c in model.classes_] == [[0, 1], [-1, 3], [2, 7]]
    np.testing.assert_array_equal(model.output_task_, [0, 1, 2])
    W, b = model.coef_.T, model.intercept_
    objective = _logistic_datafit(
        X, Y, W, b, model.classes_, model.output_task_, TASK_WEIGHTS, sample_weight
    ) + _penalty_value(penalty, W, _fitted_parts(model))

    minimum, W_ref, b_ref = _cached(
        ("binary", repr(penalty)),
        lambda: _cvxpy_classification(
            cp,
            X,
            Y,
            penalty,
            model.classes_,
            model.output_task_,
            TASK_WEIGHTS,
            sample_weight,
        ),
    )
    assert objective == pytest.approx(minimum, rel=1e-6)
    np.testing.assert_allclose(W, W_ref, atol=1e-4)
    np.testing.assert_allclose(b, b_ref, atol=1e-4)


@pytest.mark.parametrize(
    "penalty", [L21(alpha=0.03), L2(alpha=0.05)], ids=["l21", "l2"]
)
def test_multiclass_classifier_reaches_the_cvxpy_minimum(cp, penalty, layout):
    X, Y, sample_weight = _classification_problem(multiclass=True)
    model = MultiTaskLinearClassifier(penalty, task_weights=TASK_WEIGHTS, **TIGHT)
    model.fit(X, Y, sample_weight=sample_weight)
    np.testing.assert_array_equal(model.output_task_, [0, 1, 1, 1, 2])
    W, b = model.coef_.T, model.intercept_
    objective = _logistic_datafit(
        X, Y, W, b, model.classes_, model.output_task_, TASK_WEIGHTS, sample_weight
    ) + _penalty_value(penalty, W)

    minimum, W_ref, _ = _cached(
        ("multiclass", repr(penalty)),
        lambda: _cvxpy_classification(
            cp,
            X,
            Y,
            penalty,
            model.classes_,
            model.output_task_,
            TASK_WEIGHTS,
            sample_weight,
        ),
    )
    assert objective == pytest.approx(minimum, rel=1e-6)
    # The multinomial intercepts are defined up to a constant; W is unique.
    np.testing.assert_allclose(W, W_ref, atol=1e-4)


def test_clustered_inner_minimum_matches_cvxpy(cp):
    W = np.random.default_rng(3).standard_normal((N_FEATURES, 4))
    eta, n_clusters = 0.4, 2
    M = cp.Variable((4, 4), PSD=True)
    problem = cp.Problem(
        cp.Minimize(cp.matrix_frac(W.T, eta * np.eye(4) + M)),
        [np.eye(4) - M >> 0, cp.trace(M) == n_clusters],
    )
    problem.solve(solver=cp.CLARABEL)
    assert _clustered_minimum(W, eta, n_clusters) == pytest.approx(
        problem.value, rel=1e-6
    )


@pytest.mark.parametrize(
    "make_model",
    [
        lambda solver: MultiTaskLinearRegressor(
            L21ElasticNet(alpha=0.1, l1_ratio=0.7), solver=solver
        ),
        # Both parts active; FISTA needs thousands of iterations on Dirty.
        lambda solver: MultiTaskLinearRegressor(
            Dirty(alpha_group=0.2, alpha_sparse=0.15), solver=solver
        ),
        lambda solver: MultiTaskLinearClassifier(L1(alpha=0.02), solver=solver),
        lambda solver: MultiTaskLinearClassifier(L21(alpha=0.03), solver=solver),
    ],
    ids=["regressor-elastic_net", "regressor-dirty", "classifier-l1", "classifier-l21"],
)
def test_bcd_and_fista_agree_on_row_separable_penalties(make_model):
    classify = isinstance(make_model("bcd"), MultiTaskLinearClassifier)
    problem = _classification_problem if classify else _regression_problem
    X, Y, sample_weight = problem(seed=0)
    fits = {}
    for solver in ("bcd", "fista"):
        model = make_model(solver).set_params(task_weights=TASK_WEIGHTS, **TIGHTER)
        fits[solver] = model.fit(X, Y, sample_weight=sample_weight)
        assert model.solver_ == solver
    np.testing.assert_allclose(fits["bcd"].coef_, fits["fista"].coef_, atol=1e-6)
    np.testing.assert_allclose(
        fits["bcd"].intercept_, fits["fista"].intercept_, atol=1e-6
    )
    # Both find the same (exact) zeros.
    np.testing.assert_array_equal(fits["bcd"].coef_ == 0, fits["fista"].coef_ == 0)


# --- 2. Presets against scikit-learn ----------------------------------------


def _fully_observed_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 6)) + 0.5
    W = rng.standard_normal((6, N_TASKS))
    W[[1, 4]] = 0.0
    Y = X @ W + 0.5 * rng.standard_normal((40, N_TASKS)) + np.array([0.5, -1.0, 2.0])
    return X, Y


@pytest.mark.parametrize("solver", ["auto", "bcd", "fista"])
@pytest.mark.parametrize(
    "model, reference",
    [
        (MultiTaskLasso(alpha=0.3), SklearnMultiTaskLasso(alpha=0.3)),
        (
            MultiTaskElasticNet(alpha=0.3, l1_ratio=0.6),
            SklearnMultiTaskElasticNet(alpha=0.3, l1_ratio=0.6),
        ),
    ],
    ids=["lasso", "elastic_net"],
)
def test_presets_match_scikit_learn_on_fully_observed_targets(model, reference, solver):
    X, Y = _fully_observed_problem()
    # A duality gap of 1e-10 * scale bounds W only to ~sqrt(gap): FISTA stops
    # there with errors up to 6e-6 relative (elastic net); 1e-12 gives 5e-8.
    tol = 1e-12 if solver == "fista" else 1e-10
    model = clone(model).set_params(solver=solver, tol=tol, max_iter=20_000)
    model.fit(X, Y)
    reference = clone(reference).set_params(**TIGHT).fit(X, Y)
    assert model.solver_ == ("bcd" if solver == "auto" else solver)
    # alpha leaves some features out: the zero rows must match too.
    zero_rows = np.all(reference.coef_ == 0, axis=0)
    assert 0 < zero_rows.sum() < X.shape[1]
    np.testing.assert_array_equal(np.all(model.coef_ == 0, axis=0), zero_rows)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6)
    np.testing.assert_allclose(model.predict(X), reference.predict(X), rtol=1e-6)


@pytest.mark.parametrize("solver", ["auto", "bcd", "fista"])
def test_single_task_lasso_matches_scikit_learn_lasso(solver):
    X, Y = _fully_observed_problem()
    y = Y[:, 1]
    sample_weight = np.random.default_rng(5).uniform(0.5, 2.0, size=X.shape[0])
    model = MultiTaskLasso(alpha=0.2, solver=solver, **TIGHT)
    model.fit(X, y, sample_weight=sample_weight)
    # One fully observed task: m = sum(sample_weight), and scikit-learn's Lasso
    # divides by the same total (it rescales sample_weight to sum to n).
    reference = Lasso(alpha=0.2, **TIGHT).fit(X, y, sample_weight=sample_weight)
    assert model.coef_.shape == (X.shape[1],)
    assert np.isscalar(model.intercept_)
    assert 0 < np.sum(reference.coef_ == 0) < X.shape[1]
    np.testing.assert_array_equal(model.coef_ == 0, reference.coef_ == 0)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    assert model.intercept_ == pytest.approx(reference.intercept_, rel=1e-6)
    assert model.predict(X).shape == y.shape


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_l2_classifier_matches_scikit_learn_logistic_regression(weighted):
    X, Y, sample_weight = _classification_problem()
    rows = ~np.isnan(Y[:, 1])
    X, y = X[rows], Y[rows, 1]
    sample_weight = sample_weight[rows] if weighted else None
    alpha = 0.05
    model = MultiTaskLinearClassifier(L2(alpha=alpha), tol=1e-12, max_iter=20_000)
    model.fit(X, y, sample_weight=sample_weight)
    # One fully observed task: m = sum(sw), and (1/m) sum_i sw_i loss_i
    # + alpha/2 ||w||^2 is alpha times C * sum_i sw_i loss_i + 1/2 ||w||^2 for
    # C = 1 / (alpha * sum(sw)): scikit-learn's objective.
    total = X.shape[0] if sample_weight is None else sample_weight.sum()
    reference = LogisticRegression(
        C=1.0 / (alpha * total), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y, sample_weight=sample_weight)
    np.testing.assert_array_equal(model.classes_, reference.classes_)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6)
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), rtol=1e-6
    )


def test_l2_classifier_matches_multinomial_logistic_regression():
    X, Y, _ = _classification_problem(multiclass=True)
    rows = ~np.isnan(Y[:, 1])
    X, y = X[rows], Y[rows, 1]
    alpha = 0.05
    model = MultiTaskLinearClassifier(L2(alpha=alpha), tol=1e-12, max_iter=20_000)
    model.fit(X, y)
    reference = LogisticRegression(
        C=1.0 / (alpha * X.shape[0]), tol=1e-12, max_iter=10_000
    ).fit(X, y)
    assert model.coef_.shape == reference.coef_.shape == (3, N_FEATURES)
    np.testing.assert_array_equal(model.output_task_, [0, 0, 0])
    # The L2 penalty makes W unique; lbfgs reaches it to ~1e-7.
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), atol=1e-6
    )
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))


# --- 3. alpha_max, duality gap and optimality conditions ---------------------


def _null_intercept(Y, sample_weight):
    """Weighted mean of each task's observed labels (task weights cancel)."""
    weights = _entry_weights(Y, None, sample_weight)
    return np.sum(weights * np.nan_to_num(Y), axis=0) / weights.sum(axis=0)


def _squared_gradient(Z, Y, task_weights, sample_weight):
    """Gradient of the squared datafit with respect to Z = X W + b."""
    weights = _entry_weights(Y, task_weights, sample_weight)
    residuals = np.where(np.isnan(Y), 0.0, Y - Z)
    return -weights * residuals / _normalizer(Y, sample_weight)


def _logistic_gradient(Z, Y, task_weights, sample_weight):
    """The same for binary tasks whose positive class is the larger label."""
    weights = _entry_weights(Y, task_weights, sample_weight)
    signs = np.where(Y == np.nanmax(Y, axis=0), 1.0, -1.0)
    return -weights * signs * expit(-signs * Z) / _normalizer(Y, sample_weight)


ALPHA_MAX_CASES = [
    (L1, lambda G: np.abs(G).max()),
    (L21, lambda G: np.linalg.norm(G, axis=1).max()),
    (
        lambda alpha: L21ElasticNet(alpha=alpha, l1_ratio=0.4),
        lambda G: np.linalg.norm(G, axis=1).max() / 0.4,
    ),
    (TraceNorm, lambda G: np.linalg.norm(G, ord=2)),
]
ALPHA_MAX_IDS = ["l1", "l21", "l21_elastic_net", "trace_norm"]


def _at_alpha_max(alpha_max):
    """The start of the warning of a fit at ``alpha_max * (1 + 1e-6)``."""
    return re.escape(
        f"alpha={alpha_max * (1 + 1e-6):.4g} is at or above "
        f"alpha_max={alpha_max:.4g} for this data: every coefficient is zero."
    )


def test_lasso_alpha_max_on_fully_observed_targets():
    X, Y = _fully_observed_problem()
    X_c, Y_c = X - X.mean(axis=0), Y - Y.mean(axis=0)
    alpha_max = np.linalg.norm(X_c.T @ Y_c, axis=1).max() / X.shape[0]
    # The warning names the same alpha_max.
    with pytest.warns(UserWarning, match=_at_alpha_max(alpha_max)):
        above = MultiTaskLasso(alpha=alpha_max * (1 + 1e-6)).fit(X, Y)
    assert np.all(above.coef_ == 0)
    np.testing.assert_allclose(above.intercept_, Y.mean(axis=0))
    # The row entering the model is tiny: at the default tol, W = 0 is within
    # tolerance.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        below = MultiTaskLasso(alpha=alpha_max * (1 - 1e-3), tol=1e-10).fit(X, Y)
    assert np.sum(np.any(below.coef_ != 0, axis=0)) == 1


@pytest.mark.parametrize(
    "make_penalty, alpha_max_of", ALPHA_MAX_CASES, ids=ALPHA_MAX_IDS
)
def test_alpha_max_with_missing_labels_and_weights(make_penalty, alpha_max_of):
    X, Y, sample_weight = _regression_problem()
    null = _null_intercept(Y, sample_weight)
    Z = np.broadcast_to(null, Y.shape)
    gradient = X.T @ _squared_gradient(Z, Y, TASK_WEIGHTS, sample_weight)
    alpha_max = alpha_max_of(gradient)

    def fit(alpha):
        model = MultiTaskLinearRegressor(
            make_penalty(alpha), task_weights=TASK_WEIGHTS, tol=1e-10
        )
        return model.fit(X, Y, sample_weight=sample_weight)

    with pytest.warns(UserWarning, match=_at_alpha_max(alpha_max)):
        above = fit(alpha_max * (1 + 1e-6))
    assert np.all(above.coef_ == 0)
    np.testing.assert_allclose(above.intercept_, null)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        below = fit(alpha_max * (1 - 1e-3))
    assert np.any(below.coef_ != 0)


def test_classifier_alpha_max_with_missing_labels_and_weights():
    X, Y, sample_weight = _classification_problem()
    positive = np.where(np.isnan(Y), np.nan, Y == np.nanmax(Y, axis=0))
    frequencies = _null_intercept(positive, sample_weight)
    null = np.log(frequencies / (1 - frequencies))
    Z = np.broadcast_to(null, Y.shape)
    gradient = X.T @ _logistic_gradient(Z, Y, TASK_WEIGHTS, sample_weight)
    alpha_max = np.linalg.norm(gradient, axis=1).max()

    def fit(alpha):
        model = MultiTaskLogisticRegression(alpha, task_weights=TASK_WEIGHTS, tol=1e-10)
        return model.fit(X, Y, sample_weight=sample_weight)

    with pytest.warns(UserWarning, match=_at_alpha_max(alpha_max)):
        above = fit(alpha_max * (1 + 1e-6))
    assert np.all(above.coef_ == 0)
    np.testing.assert_allclose(above.intercept_, null, rtol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        below = fit(alpha_max * (1 - 1e-3))
    assert np.sum(np.any(below.coef_ != 0, axis=0)) == 1


@pytest.mark.parametrize(
    "penalty, solver",
    [
        (L21(alpha=0.1), "bcd"),
        (L21(alpha=0.1), "fista"),
        (Dirty(alpha_group=0.1, alpha_sparse=0.06), "bcd"),
        (TraceNorm(alpha=0.2), "fista"),
        (MeanRegularized(alpha=0.5, beta=0.1), "fista"),
        (GraphLaplacian(alpha=0.4, adjacency=ADJACENCY, beta=0.05), "fista"),
    ],
    ids=["l21-bcd", "l21-fista", "dirty-bcd", "trace_norm", "mean_reg", "graph"],
)
def test_duality_gap_bounds_the_suboptimality(cp, penalty, solver, layout):
    X, Y, sample_weight = _regression_problem()
    minimum, _, _ = _cached(
        ("regression", repr(penalty)),
        lambda: _cvxpy_regression(cp, X, Y, penalty, TASK_WEIGHTS, sample_weight),
    )
    null = _null_intercept(Y, sample_weight)
    scale = 2 * _squared_datafit(
        X, Y, np.zeros((N_FEATURES, N_TASKS)), null, TASK_WEIGHTS, sample_weight
    )

    def fit(**options):
        model = MultiTaskLinearRegressor(
            penalty, task_weights=TASK_WEIGHTS, solver=solver, **options
        )
        model.fit(X, Y, sample_weight=sample_weight)
        W, b = model.coef_.T, model.intercept_
        objective = _squared_datafit(X, Y, W, b, TASK_WEIGHTS, sample_weight)
        return model, objective + _penalty_value(penalty, W, _fitted_parts(model))

    model, objective = fit(**TIGHT)
    # Non-negative up to round-off of primal - dual (values ~1).
    assert -1e-14 <= model.dual_gap_ <= 1e-10 * scale
    assert objective - minimum <= model.dual_gap_ + 1e-8

    # Stopped early, the gap is large but still bounds the distance to the
    # minimum (up to cvxpy's accuracy, ~1e-9 here).
    with pytest.warns(ConvergenceWarning):
        model, objective = fit(max_iter=2, tol=1e-12)
    assert model.dual_gap_ > 1e-6
    assert -1e-8 <= objective - minimum <= model.dual_gap_ + 1e-8


def test_classifier_duality_gap_bounds_the_suboptimality(cp):
    X, Y, sample_weight = _classification_problem()
    penalty = L21(alpha=0.03)
    model = MultiTaskLinearClassifier(
        penalty, task_weights=TASK_WEIGHTS, max_iter=2, tol=1e-12
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y, sample_weight=sample_weight)
    classes, outputs = model.classes_, model.output_task_
    minimum, _, _ = _cvxpy_classification(
        cp, X, Y, penalty, classes, outputs, TASK_WEIGHTS, sample_weight
    )
    W, b = model.coef_.T, model.intercept_
    objective = _logistic_datafit(
        X, Y, W, b, classes, outputs, TASK_WEIGHTS, sample_weight
    ) + _penalty_value(penalty, W)
    assert model.dual_gap_ > 0
    assert -1e-8 <= objective - minimum <= model.dual_gap_ + 1e-8

    model.set_params(**TIGHT).fit(X, Y, sample_weight=sample_weight)
    assert -1e-14 <= model.dual_gap_ < 1e-9


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_l21_solution_meets_the_optimality_conditions(classify):
    if classify:
        X, Y, sample_weight = _classification_problem()
        model, gradient_of = MultiTaskLogisticRegression(alpha=0.11), _logistic_gradient
    else:
        X, Y, sample_weight = _regression_problem()
        model, gradient_of = MultiTaskLasso(alpha=0.1), _squared_gradient
    model.set_params(task_weights=TASK_WEIGHTS, tol=1e-12, max_iter=20_000)
    model.fit(X, Y, sample_weight=sample_weight)
    alpha, W = model.alpha, model.coef_.T
    gradient_Z = gradient_of(X @ W + model.intercept_, Y, TASK_WEIGHTS, sample_weight)
    G = X.T @ gradient_Z
    norms = np.linalg.norm(W, axis=1)
    zero = norms == 0
    assert 0 < zero.sum() < N_FEATURES
    assert np.all(np.linalg.norm(G[zero], axis=1) <= alpha * (1 + 1e-5))
    np.testing.assert_allclose(
        G[~zero], -alpha * W[~zero] / norms[~zero, np.newaxis], atol=1e-5 * alpha
    )
    # The intercepts are optimal: the gradient in b vanishes.
    np.testing.assert_allclose(gradient_Z.sum(axis=0), 0.0, atol=1e-8)


# --- 4. Weights and missing labels -------------------------------------------

INVARIANCE_MODELS = [
    MultiTaskLinearRegressor(L21(alpha=0.1), **TIGHTER),
    MultiTaskLinearRegressor(TraceNorm(alpha=0.2), **TIGHTER),
    MultiTaskLinearRegressor(
        GraphLaplacian(alpha=0.4, adjacency=ADJACENCY, beta=0.05), **TIGHTER
    ),
    MultiTaskLinearClassifier(L21(alpha=0.03), **TIGHTER),
]
INVARIANCE_IDS = ["l21", "trace_norm", "graph_laplacian", "classifier-l21"]


def _problem_for(model, seed=0):
    if isinstance(model, MultiTaskLinearClassifier):
        return _classification_problem(seed)
    return _regression_problem(seed)


@pytest.mark.parametrize("model", INVARIANCE_MODELS, ids=INVARIANCE_IDS)
def test_weights_only_matter_up_to_scale(model):
    # Task weights are rescaled to mean 1, and a common factor on the sample
    # weights scales m, the normalizer of the datafit, alike.
    X, Y, sample_weight = _problem_for(model)
    fitted = clone(model).set_params(task_weights=TASK_WEIGHTS)
    fitted.fit(X, Y, sample_weight=sample_weight)
    scaled = clone(model).set_params(task_weights=7.0 * TASK_WEIGHTS)
    scaled.fit(X, Y, sample_weight=0.01 * sample_weight)
    np.testing.assert_allclose(scaled.coef_, fitted.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(scaled.intercept_, fitted.intercept_, rtol=1e-7)
    # And they do matter: uniform weights give another solution.
    uniform = clone(model).fit(X, Y)
    assert np.abs(uniform.coef_ - fitted.coef_).max() > 1e-3


@pytest.mark.parametrize("model", INVARIANCE_MODELS, ids=INVARIANCE_IDS)
def test_sample_weight_two_equals_a_repeated_row(model):
    # A weight of 2 on k rows gives the same sums over each task's labels,
    # and so the same m, as the n + k rows with those k repeated.
    X, Y, _ = _problem_for(model)
    repeated = np.arange(0, X.shape[0], 4)
    sample_weight = np.ones(X.shape[0])
    sample_weight[repeated] = 2.0
    weighted = clone(model).set_params(task_weights=TASK_WEIGHTS)
    weighted.fit(X, Y, sample_weight=sample_weight)
    rows = np.concatenate([np.arange(X.shape[0]), repeated])
    duplicated = clone(model).set_params(task_weights=TASK_WEIGHTS)
    duplicated.fit(X[rows], Y[rows])
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, atol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, duplicated.intercept_, atol=1e-6)


INVARIANCE_CASES = [
    *(
        MultiTaskLinearRegressor(penalty, task_weights=TASK_WEIGHTS, **TIGHT)
        for penalty in REGRESSION_PENALTIES
    ),
    *(
        MultiTaskLinearClassifier(penalty, task_weights=TASK_WEIGHTS, **TIGHT)
        for penalty in CLASSIFICATION_PENALTIES
    ),
]
INVARIANCE_CASE_IDS = [
    *(f"regressor-{name}" for name in PENALTY_IDS),
    *(f"classifier-{name}" for name in PENALTY_IDS),
]


@pytest.mark.parametrize("model", INVARIANCE_CASES, ids=INVARIANCE_CASE_IDS)
def test_unlabelled_rows_and_a_weight_scale_change_nothing(model):
    # The datafit divides by m, the mean total sample weight of the observed
    # labels per task: rows without labels, whatever their sample weight, add
    # to neither the sums nor m, and a common factor on the sample weights
    # multiplies both alike.
    X, Y, sample_weight = _problem_for(model)
    rng = np.random.default_rng(9)
    X_more = np.vstack([X, rng.standard_normal((8, N_FEATURES))])
    Y_more = np.vstack([Y, np.full((8, N_TASKS), np.nan)])
    weight_more = np.concatenate([sample_weight, rng.uniform(0.5, 3.0, size=8)])
    fitted = clone(model).fit(X, Y, sample_weight=sample_weight)
    more = clone(model).fit(X_more, Y_more, sample_weight=weight_more)
    scaled = clone(model).fit(X, Y, sample_weight=37.0 * sample_weight)
    for other in (more, scaled):
        np.testing.assert_allclose(other.coef_, fitted.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(
            other.intercept_, fitted.intercept_, rtol=1e-6, atol=1e-8
        )
    # Not vacuous: the rows count once labelled.
    Y_labelled = Y_more.copy()
    Y_labelled[-8:] = Y[:8]
    labelled = clone(model).fit(X_more, Y_labelled, sample_weight=weight_more)
    assert np.abs(labelled.coef_ - fitted.coef_).max() > 1e-3


def test_objective_is_the_documented_one_on_labelled_rows_only(cp):
    # The fit on all rows is the cvxpy minimum of the objective written on
    # the rows that have a label, with m from those rows only.
    X, Y, sample_weight = _regression_problem()
    extra = np.random.default_rng(2).standard_normal((10, N_FEATURES))
    penalty = L21(alpha=0.1)
    model = MultiTaskLinearRegressor(penalty, task_weights=TASK_WEIGHTS, **TIGHT)
    model.fit(
        np.vstack([X, extra]),
        np.vstack([Y, np.full((10, N_TASKS), np.nan)]),
        sample_weight=np.concatenate([sample_weight, np.full(10, 5.0)]),
    )
    minimum, W_ref, _ = _cvxpy_regression(
        cp, X, Y, penalty, TASK_WEIGHTS, sample_weight
    )
    W, b = model.coef_.T, model.intercept_
    objective = _squared_datafit(
        X, Y, W, b, TASK_WEIGHTS, sample_weight
    ) + _penalty_value(penalty, W)
    assert objective == pytest.approx(minimum, rel=1e-6)
    np.testing.assert_allclose(W, W_ref, atol=1e-4)


def test_missing_labels_are_not_zeros_or_dropped_rows(cp):
    # The fit on Y with NaN is the cvxpy fit on the observed entries only (see
    # above); filling the NaN with 0, or dropping incomplete rows, differs.
    X, Y, _ = _regression_problem()
    model = MultiTaskLasso(alpha=0.1, **TIGHT).fit(X, Y)
    _, W_ref, _ = _cvxpy_regression(cp, X, Y, L21(alpha=0.1), None, None)
    np.testing.assert_allclose(model.coef_.T, W_ref, atol=1e-4)
    zeros = MultiTaskLasso(alpha=0.1, **TIGHT).fit(X, np.nan_to_num(Y))
    assert np.abs(zeros.coef_ - model.coef_).max() > 1e-2
    complete = ~np.isnan(Y).any(axis=1)
    dropped = MultiTaskLasso(alpha=0.1, **TIGHT).fit(X[complete], Y[complete])
    assert np.abs(dropped.coef_ - model.coef_).max() > 1e-2


# --- 5. Sparse X -------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        MultiTaskLinearRegressor(L21(alpha=0.1), **TIGHT),
        MultiTaskLinearRegressor(TraceNorm(alpha=0.2), **TIGHT),
        MultiTaskLasso(alpha=0.1, **TIGHT),
        MultiTaskLinearClassifier(L21(alpha=0.03), **TIGHT),
        MultiTaskLinearClassifier(TraceNorm(alpha=0.05), **TIGHT),
    ],
    ids=[
        "l21",
        "trace_norm",
        "lasso-fully-observed",
        "classifier-l21",
        "classifier-tn",
    ],
)
def test_sparse_X_gives_the_dense_solution(model, layout):
    X, Y, sample_weight = _problem_for(model)
    X = np.where(np.random.default_rng(4).uniform(size=X.shape) < 0.4, 0.0, X)
    if isinstance(model, MultiTaskLasso):
        Y, sample_weight = np.nan_to_num(Y, nan=0.5), None
    dense = clone(model).set_params(task_weights=None).fit(X, Y, sample_weight)
    X_sparse = sparse.csr_matrix(X)
    fitted = clone(model).set_params(task_weights=None).fit(X_sparse, Y, sample_weight)
    np.testing.assert_allclose(fitted.coef_, dense.coef_, atol=1e-6)
    np.testing.assert_allclose(fitted.intercept_, dense.intercept_, atol=1e-6)
    np.testing.assert_array_equal(fitted.coef_ == 0, dense.coef_ == 0)
    X_new = np.random.default_rng(5).standard_normal((4, N_FEATURES))
    if isinstance(model, MultiTaskLinearClassifier):
        np.testing.assert_allclose(
            fitted.decision_function(sparse.csr_matrix(X_new)),
            dense.decision_function(X_new),
            atol=1e-5,
        )
    else:
        np.testing.assert_allclose(
            fitted.predict(sparse.csr_matrix(X_new)), dense.predict(X_new), atol=1e-5
        )


# --- 6. Errors and warnings ----------------------------------------------------


def test_penalty_given_as_a_string_suggests_the_object():
    X, Y, _ = _regression_problem()
    message = (
        "The 'penalty' parameter of MultiTaskLinearRegressor must be None or a "
        "penalty object (L1, L2, L21, L21ElasticNet, Dirty, TraceNorm, "
        "MeanRegularized, GraphLaplacian, Clustered, TaskRelationship, or a "
        "subclass of sklearn_mtl.linear_model.extending.Penalty). Got 'l21' "
        "instead. Did you "
        "mean L21()?"
    )
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        MultiTaskLinearRegressor(penalty="l21").fit(X, Y)


@pytest.mark.parametrize(
    "model", [MultiTaskLinearRegressor(), MultiTaskLogisticRegression()], ids=repr
)
def test_misspelt_solver_suggests_the_closest(model):
    X, Y, _ = _problem_for(model)
    # scikit-learn lists the options of a set, in the set's order.
    options = type(model)._parameter_constraints["solver"][0]
    assert options.options == {"auto", "bcd", "fista"}
    message = (
        f"The 'solver' parameter of {type(model).__name__} must be {options}. "
        "Got 'bdc' instead. Did you mean 'bcd'?"
    )
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        clone(model).set_params(solver="bdc").fit(X, Y)


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_bcd_rejects_a_penalty_that_is_not_a_sum_over_rows(classify):
    X, Y, _ = _classification_problem() if classify else _regression_problem()
    estimator = MultiTaskLinearClassifier if classify else MultiTaskLinearRegressor
    message = (
        "Solver 'bcd' cannot handle the TraceNorm penalty: it has no prox_rows, "
        "subdiff_distance, restrict. Block coordinate descent needs a penalty "
        "that is a sum over the rows of W (such as L1, L2, L21, L21ElasticNet, "
        "Dirty). Use solver='fista' or solver='auto'."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator(TraceNorm(alpha=0.1), solver="bcd").fit(X, Y)


@pytest.mark.parametrize(
    "model, message",
    [
        # A preset's own parameter: the message names the preset.
        (
            MultiTaskLasso(alpha=-1),
            "The 'alpha' parameter of MultiTaskLasso must be a float in the range "
            "[0.0, inf). Got -1 instead.",
        ),
        (
            MultiTaskElasticNet(alpha=0.1, l1_ratio=1.5),
            "The 'l1_ratio' parameter of MultiTaskElasticNet must be a float in the "
            "range [0.0, 1.0]. Got 1.5 instead.",
        ),
        (
            MultiTaskLasso(max_iter=0),
            "The 'max_iter' parameter of MultiTaskLasso must be an int in the range "
            "[1, inf). Got 0 instead.",
        ),
        (
            MultiTaskLinearRegressor(tol=-1e-4),
            "The 'tol' parameter of MultiTaskLinearRegressor must be a float in the "
            "range [0.0, inf). Got -0.0001 instead.",
        ),
        (
            MultiTaskLasso(alpha=float("nan")),
            "The 'alpha' parameter of MultiTaskLasso must be a float in the range "
            "[0.0, inf). Got nan instead.",
        ),
        # A penalty object: its own class names its own parameter.
        (
            MultiTaskLinearRegressor(L1(alpha=-0.5)),
            "The 'alpha' parameter of L1 must be a float in the range [0.0, inf). "
            "Got -0.5 instead.",
        ),
        (
            MultiTaskLinearRegressor(Dirty(alpha_group=0.1, alpha_sparse=-1.0)),
            "The 'alpha_sparse' parameter of Dirty must be a float in the range "
            "[0.0, inf). Got -1.0 instead.",
        ),
        (
            MultiTaskLinearRegressor(L21ElasticNet(alpha=0.1, l1_ratio=1.5)),
            "The 'l1_ratio' parameter of L21ElasticNet must be a float in the range "
            "[0.0, 1.0]. Got 1.5 instead.",
        ),
        (
            MultiTaskLinearRegressor(MeanRegularized(alpha=1.0, beta=-0.1)),
            "The 'beta' parameter of MeanRegularized must be a float in the range "
            "[0.0, inf). Got -0.1 instead.",
        ),
        (
            MultiTaskLinearRegressor(Clustered(alpha=0.0)),
            "The 'alpha' parameter of Clustered must be a float in the range "
            "(0.0, inf). Got 0.0 instead.",
        ),
        (
            MultiTaskLinearRegressor(Clustered(n_clusters=1.5)),
            "The 'n_clusters' parameter of Clustered must be an int in the range "
            "[1, inf). Got 1.5 instead.",
        ),
        (
            MultiTaskLinearRegressor(TraceNorm(alpha="0.1")),
            "The 'alpha' parameter of TraceNorm must be a float in the range "
            "[0.0, inf). Got '0.1' instead.",
        ),
    ],
    ids=[
        "lasso-alpha",
        "elastic_net-l1_ratio",
        "max_iter",
        "tol",
        "nan",
        "l1",
        "dirty",
        "l21_elastic_net",
        "mean_regularized",
        "clustered-alpha",
        "clustered-n_clusters",
        "trace_norm-string",
    ],
)
def test_invalid_parameters_are_named_with_their_owner(model, message):
    X, Y, _ = _regression_problem()
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        model.fit(X, Y)


def test_invalid_classifier_parameters_are_named_with_their_owner():
    X, Y, _ = _classification_problem()
    message = (
        "The 'alpha' parameter of MultiTaskLogisticRegression must be a float in "
        "the range [0.0, inf). Got -0.1 instead."
    )
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        MultiTaskLogisticRegression(alpha=-0.1).fit(X, Y)
    message = (
        "The 'alpha' parameter of L21 must be a float in the range [0.0, inf). "
        "Got -0.1 instead."
    )
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        MultiTaskLinearClassifier(L21(alpha=-0.1)).fit(X, Y)


@pytest.mark.parametrize(
    "model, message",
    [
        (
            MultiTaskLassoCV(alphas=0),
            "The 'alphas' parameter of MultiTaskLassoCV must be an int in the range "
            "[1, inf) or an array-like. Got 0 instead.",
        ),
        (
            MultiTaskLassoCV(eps=0.0),
            "The 'eps' parameter of MultiTaskLassoCV must be a float in the range "
            "(0.0, 1.0]. Got 0.0 instead.",
        ),
        (
            MultiTaskElasticNetCV(l1_ratio=0.0),
            "The 'l1_ratio' parameter of MultiTaskElasticNetCV must be a float in "
            "the range (0.0, 1.0] or an array-like. Got 0.0 instead.",
        ),
    ],
    ids=["alphas", "eps", "l1_ratio"],
)
def test_invalid_cv_parameters_are_named_with_their_owner(model, message):
    X, Y, _ = _regression_problem()
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        model.fit(X, Y)


@pytest.mark.parametrize(
    "model",
    [
        MultiTaskLasso(
            alpha=np.float32(0.1), max_iter=np.int64(500), tol=np.float32(1e-6)
        ),
        MultiTaskElasticNet(alpha=np.float64(0.1), l1_ratio=np.float32(0.5)),
        MultiTaskLinearRegressor(
            Clustered(
                alpha=np.float32(0.3), beta=np.float64(0.1), n_clusters=np.int64(2)
            )
        ),
        MultiTaskLinearRegressor(Dirty(np.float32(0.1), np.float32(0.06))),
        MultiTaskLassoCV(alphas=np.int64(3), eps=np.float32(1e-2), cv=np.int64(3)),
    ],
    ids=["lasso", "elastic_net", "clustered", "dirty", "lasso_cv"],
)
def test_numpy_scalars_are_valid_parameters(model):
    X, Y, _ = _regression_problem()
    python = clone(model).set_params(
        **{
            name: value.item()
            for name, value in model.get_params(deep=False).items()
            if isinstance(value, np.generic)
        }
    )
    if "penalty" in model.get_params(deep=False):
        python.set_params(
            penalty=clone(model.penalty).set_params(
                **{
                    name: value.item()
                    for name, value in model.penalty.get_params().items()
                    if isinstance(value, np.generic)
                }
            )
        )
    np.testing.assert_allclose(
        clone(model).fit(X, Y).coef_, python.fit(X, Y).coef_, rtol=1e-12
    )


def test_graph_laplacian_adjacency_of_the_wrong_shape():
    X, Y, _ = _regression_problem()
    message = (
        "Expected adjacency of GraphLaplacian of shape (3, 3), one row and column "
        "per task; got shape (2, 2) instead."
    )
    model = MultiTaskLinearRegressor(GraphLaplacian(adjacency=[[0, 1], [1, 0]]))
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(X, Y)


def test_more_clusters_than_tasks():
    X, Y, _ = _regression_problem()
    message = (
        "Expected n_clusters of Clustered to be an integer between 1 and the "
        "number of tasks (3); got 4 instead."
    )
    model = MultiTaskLinearRegressor(Clustered(n_clusters=4))
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(X, Y)


@pytest.mark.parametrize(
    "penalty",
    [MeanRegularized(alpha=0.2), GraphLaplacian(alpha=0.2), Clustered(alpha=0.2)],
    ids=["mean_regularized", "graph_laplacian", "clustered"],
)
def test_task_relating_penalty_rejects_a_multiclass_task(penalty):
    # These penalties "need one column per task, so binary tasks only".
    X, Y, _ = _classification_problem(multiclass=True)
    message = (
        f"The {type(penalty).__name__} penalty relates the coefficient columns of "
        "the tasks and needs one column per task, so binary tasks; got 3 tasks "
        "with 5 columns (a multiclass task has one per class). Use L1, L2, L21, "
        "L21ElasticNet, Dirty or TraceNorm."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        MultiTaskLinearClassifier(penalty).fit(X, Y)


@pytest.mark.parametrize(
    "model, solver, what",
    [
        (MultiTaskLinearRegressor(L21(alpha=0.01)), "bcd", "duality gap"),
        (MultiTaskLinearRegressor(TraceNorm(alpha=0.01)), "fista", "duality gap"),
        (
            MultiTaskLinearRegressor(MeanRegularized(alpha=0.5)),
            "fista",
            "proximal gradient mapping",
        ),
        (MultiTaskLinearClassifier(L21(alpha=0.01)), "bcd", "duality gap"),
        (
            MultiTaskLinearClassifier(Clustered(alpha=0.2, beta=0.05)),
            "fista",
            "proximal gradient mapping",
        ),
    ],
    ids=["bcd", "fista", "fista-no-gap", "classifier-bcd", "classifier-fista"],
)
def test_convergence_warning_after_one_iteration(model, solver, what):
    X, Y, _ = _problem_for(model)
    model = clone(model).set_params(max_iter=1, tol=1e-12)
    message = f"Solver '{solver}' did not converge in max_iter=1 iterations: {what} "
    with pytest.warns(ConvergenceWarning, match=re.escape(message)):
        model.fit(X, Y)
    assert model.solver_ == solver
    assert model.n_iter_ == 1
    # Enough iterations: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.set_params(**TIGHT).fit(X, Y)
