"""Block coordinate descent on the logistic datafit: proximal Newton steps.

The logistic datafit of block coordinate descent is minimized by proximal
Newton steps whose second-order models the compiled epochs minimize
(``linear_model/_bcd_inner.py``), with the datafit's compiled passes over the
entries of binary tasks (``linear_model/_datafit_kernels.py``). Checked here
against NumPy and scipy written out in the test, and against FISTA on the
same problems; the objectives against cvxpy are in
``test_linear_model_reference.py``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit, log_expit
from sklearn.exceptions import ConvergenceWarning

from sklearn_mtl.linear_model import (
    L1,
    L21,
    Dirty,
    L21ElasticNet,
    MultiTaskLinearClassifier,
    MultiTaskLogisticRegression,
    _bcd_inner,
)
from sklearn_mtl.linear_model._datafit_logistic import Logistic
from sklearn_mtl.linear_model._design import prepare


def _binary_problem(seed=0, n_samples=120, n_features=8, n_tasks=4, missing=0.3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_features, n_tasks)) * (rng.random((n_features, 1)) < 0.5)
    Y = (X @ W + rng.logistic(size=(n_samples, n_tasks)) > 0).astype(float)
    Y[rng.random(Y.shape) < missing] = np.nan
    return X, Y


def _datafit(Y, layout, sample_weight=None):
    mask = ~np.isnan(Y)
    weights = mask * (1.0 if sample_weight is None else sample_weight[:, None])
    codes = np.where(mask, Y, 0).astype(np.intp)
    wide = Logistic(
        codes, [2] * Y.shape[1], np.asfortranarray(weights), np.ones(Y.shape[1])
    )
    return wide, mask, weights


@pytest.mark.parametrize("layout", ["dense", "observed"])
def test_compiled_binary_passes_match_the_formulas(layout):
    # Loss per task, its gradient, the dual at a scaled gradient, the Newton
    # model (gradient, curvature p(1-p) and Jaakkola-Jordan's bound
    # tanh(z/2)/(2z) mixed per output) and the values along a line, at
    # logits plus per-output intercepts that are never added to an array.
    X, Y = _binary_problem()
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.5, 2.0, X.shape[0])
    wide, mask, weights = _datafit(Y, layout, sample_weight)
    design, datafit = prepare(X, wide, layout)
    entries = datafit.layout.entries
    m = weights.sum() / Y.shape[1]
    linear = design.linear(rng.standard_normal((X.shape[1], Y.shape[1])))
    intercept = rng.standard_normal(Y.shape[1])
    Z = _dense(datafit, linear, mask.shape) + intercept
    sign = np.where(Y == 1, 1.0, -1.0)
    losses = np.where(mask, -weights * log_expit(sign * Z), 0.0)
    assert_allclose(datafit.task_values(linear, intercept), losses.sum(0) / m)
    p = expit(Z)
    targets = np.nan_to_num(Y)
    gradient = weights * (p - targets) / m
    assert_allclose(datafit.gradient_at(linear, intercept), entries(gradient))
    scale = 0.7
    q = scale * p + (1 - scale) * targets
    entropy = -(q * np.log(q) + (1 - q) * np.log1p(-q))
    assert_allclose(
        datafit.dual_at(linear, intercept, scale),
        np.sum(np.where(mask, weights * entropy, 0.0)) / m,
    )
    mix = np.array([0.0, 0.25, 1.0, 0.5])
    found_gradient, curvature = datafit.quadratic_model(linear, mix, intercept)
    bound = np.tanh(np.abs(Z) / 2) / (2 * np.abs(Z))
    own = p * (1 - p)
    assert_allclose(found_gradient, entries(gradient))
    assert_allclose(curvature, entries(weights * (own + mix * (bound - own)) / m))
    # The bound is a global upper bound: the quadratic it defines lies above
    # the loss of a label everywhere.
    for z0 in (-3.0, 0.5, 4.0):
        z = np.linspace(-10, 10, 201)
        b0 = np.tanh(abs(z0) / 2) / (2 * abs(z0))
        quadratic = (
            -log_expit(z0) + (expit(z0) - 1) * (z - z0) + 0.5 * b0 * (z - z0) ** 2
        )
        assert np.all(quadratic >= -log_expit(z) - 1e-12)
    direction = design.linear(rng.standard_normal((X.shape[1], Y.shape[1])))
    delta_intercept = rng.standard_normal(Y.shape[1])
    values, slope = datafit.line(
        linear, direction, 0.3, intercept + 0.3 * delta_intercept, delta_intercept
    )
    moved = Z + 0.3 * (_dense(datafit, direction, mask.shape) + delta_intercept)
    assert_allclose(
        values,
        np.where(mask, -weights * log_expit(sign * moved), 0.0).sum(0) / m,
    )
    change = _dense(datafit, direction, mask.shape) + delta_intercept
    assert slope == pytest.approx(
        np.sum(np.where(mask, weights * (expit(moved) - targets) * change, 0.0)) / m
    )


def _dense(datafit, entries, shape):
    """A ``(n_samples, n_outputs)`` array of an entry array (0 where missing)."""
    if datafit.layout.kind == "dense":
        return np.asarray(entries)
    wide = np.zeros(shape)
    wide[datafit.layout.rows, datafit.layout.outputs] = entries
    return wide


def test_intercepts_stay_finite_when_a_task_is_nearly_separated():
    # Newton's method on an intercept whose loss is nearly flat (every
    # prediction confident) overshoots; the bracket keeps it converging.
    rng = np.random.default_rng(0)
    n = 400
    Y = np.zeros((n, 1))
    Y[:3, 0] = 1.0
    linear = np.where(Y[:, 0] == 1, 40.0, -40.0)[:, None] + rng.normal(size=(n, 1))
    linear[3, 0] = 41.0  # one negative among confident positives
    wide, _, _ = _datafit(Y, "dense")
    intercept = wide.intercept(np.asfortranarray(linear), np.array([30.0]))
    assert np.all(np.isfinite(intercept))
    gradient = wide.gradient_at(np.asfortranarray(linear), intercept)
    assert abs(gradient.sum()) < 1e-8  # per label: the loss is nearly flat


@pytest.mark.parametrize(
    "penalty",
    [L21(alpha=0.02), L1(alpha=0.01), Dirty(0.02, 0.01), L21ElasticNet(0.03, 0.6)],
    ids=["l21", "l1", "dirty", "elastic_net"],
)
@pytest.mark.parametrize("missing", [0.0, 0.8], ids=["dense", "observed"])
def test_newton_steps_reach_the_fista_solution(penalty, missing):
    X, Y = _binary_problem(n_samples=200, missing=missing)
    fits = {
        solver: MultiTaskLinearClassifier(
            penalty, solver=solver, tol=1e-12, max_iter=20_000
        ).fit(X, Y)
        for solver in ("bcd", "fista")
    }
    assert fits["bcd"].solver_ == "bcd"
    assert_allclose(fits["bcd"].coef_, fits["fista"].coef_, atol=1e-5)
    assert_allclose(fits["bcd"].intercept_, fits["fista"].intercept_, atol=1e-5)
    # Far fewer epochs than FISTA's iterations (Newton steps).
    assert fits["bcd"].n_iter_ < fits["fista"].n_iter_


def test_nearly_separable_tasks_converge_without_warning():
    # Weak penalty, many features, tasks with few positives: the Newton
    # model would ask for huge steps; the damping towards the loss's upper
    # bound keeps the steps sound (this diverged to a gap of 1e214 before
    # the intercepts' Newton steps were bracketed).
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 60))
    Y = X[:, :5] @ rng.standard_normal((5, 6)) + 3 * rng.standard_normal((300, 6)) > 4
    Y = Y.astype(float)
    Y[rng.random(Y.shape) < 0.5] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        model = MultiTaskLogisticRegression(alpha=1e-4, max_iter=5000).fit(X, Y)
    assert model.solver_ == "bcd"
    assert np.all(np.isfinite(model.coef_))
    assert model.dual_gap_ < 1e-4 * 6


def test_auto_leaves_multiclass_tasks_to_fista():
    # The multinomial loss couples a row's classes, which block coordinate
    # descent models one output at a time: "auto" runs FISTA there
    # (benchmarks/linear_logistic.py), block coordinate descent on binary
    # tasks; both solvers still run either when asked by name.
    X, Y = _binary_problem()
    Y[:, 1] = np.where(np.isnan(Y[:, 1]), np.nan, np.arange(X.shape[0]) % 3)
    assert MultiTaskLogisticRegression(alpha=0.05).fit(X, Y).solver_ == "fista"
    binary = np.delete(Y, 1, axis=1)
    assert MultiTaskLogisticRegression(alpha=0.05).fit(X, binary).solver_ == "bcd"
    forced = MultiTaskLogisticRegression(alpha=0.05, solver="bcd", tol=1e-8)
    fista = MultiTaskLogisticRegression(alpha=0.05, solver="fista", tol=1e-8)
    assert_allclose(forced.fit(X, Y).coef_, fista.fit(X, Y).coef_, atol=1e-4)


def test_large_problems_keep_two_entry_arrays(monkeypatch):
    # Above NEWTON_LARGE entries the steps drop X W during the epochs and
    # skip the Anderson extrapolation; the solution is the same.
    X, Y = _binary_problem(n_samples=300)
    model = MultiTaskLogisticRegression(alpha=0.02, tol=1e-10)
    small = model.fit(X, Y).coef_.copy()
    monkeypatch.setattr(_bcd_inner, "NEWTON_LARGE", 0)
    assert_allclose(model.fit(X, Y).coef_, small, atol=1e-6)
