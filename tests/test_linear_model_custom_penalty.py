"""A penalty that is not in the package, written as a user would.

The user guide's "Write your own penalty" (``docs/user_guide/
custom_penalty.rst``) shows this file piece by piece: the penalty between the
``# [...]`` markers, then the checks that it is right. Nothing in the solvers
knows about it.
"""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_mtl.linear_model import L21, MultiTaskLinearRegressor, TraceNorm
from sklearn_mtl.linear_model._bcd import BlockCoordinateDescent
from sklearn_mtl.linear_model._datafits import Squared
from sklearn_mtl.linear_model._design import prepare
from sklearn_mtl.linear_model._fista import FISTA

# [penalty-start]
from sklearn_mtl.linear_model.extending import Penalty, row_prox


class WeightedGroupLasso(Penalty):
    """``alpha * sum_j c_j * ||W[j, :]||_2``: a group lasso, feature by feature.

    Each feature ``j`` (a row of ``W``, shared by all tasks) has its own
    weight ``c_j``: 0 leaves it unpenalized, a large one makes it enter the
    model last (as in the adaptive group lasso).

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, ``>= 0``.
    weights : array-like of shape (n_features,) or None, default=None
        Non-negative weight of each feature; None weighs every feature 1
        (the L2,1 penalty).
    """

    def __init__(self, alpha=1.0, weights=None):
        self.alpha = alpha
        self.weights = weights

    def validate(self, n_features, n_outputs):
        weights = np.ones(n_features) if self.weights is None else self.weights
        weights = np.asarray(weights, dtype=np.float64)
        if not (self.alpha >= 0 and weights.shape == (n_features,)):
            raise ValueError(
                f"Expected alpha >= 0 and one weight per feature ({n_features}); "
                f"got alpha={self.alpha!r} and {weights.size} weights instead."
            )
        if not np.all(weights >= 0):
            raise ValueError("Expected non-negative weights; got negative ones.")

    def _weights_at(self, features):
        """The weights of some features (all 1 without ``weights``)."""
        if self.weights is None:
            return np.ones(np.shape(features))
        return np.asarray(self.weights, dtype=np.float64)[features]

    # [value-start]
    def value(self, coefs):
        # coefs: (n_parts, n_features, n_outputs); one part here, W itself.
        W = coefs[0]
        row_norms = np.linalg.norm(W, axis=1)
        return self.alpha * self._weights_at(np.arange(len(W))) @ row_norms

    # [value-end]
    # [prox-start]
    def prox_rows(self, rows, step, part, features):
        """Group soft-thresholding of each row by ``step * alpha * c_j``."""
        norms = np.linalg.norm(rows, axis=-1, keepdims=True)
        weights = np.reshape(self._weights_at(features), norms.shape)
        threshold = step * self.alpha * weights
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(norms > threshold, 1.0 - threshold / norms, 0.0)
        return rows * scale

    def prox(self, coefs, step):
        """FISTA's prox: the row prox on every row."""
        features = np.arange(coefs.shape[1])
        return self.prox_rows(coefs[0], step, 0, features)[np.newaxis]

    # [prox-end]
    # [bcd-start]
    def subdiff_distance(self, coefs, grads):
        """Distance of ``-grads[j]`` to the subdifferential at row ``j``."""
        W = coefs[0]
        thresholds = self.alpha * self._weights_at(np.arange(len(W)))
        norms = np.linalg.norm(W, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            active = np.linalg.norm(
                grads + thresholds[:, None] * W / norms[:, None], axis=1
            )
        inactive = np.maximum(np.linalg.norm(grads, axis=1) - thresholds, 0.0)
        return np.where(norms > 0, active, inactive)

    def restrict(self, features):
        """The penalty on the rows ``features`` of ``W`` (a working set)."""
        if self.weights is None:
            return self
        return WeightedGroupLasso(self.alpha, self._weights_at(features))

    # [bcd-end]
    # [gap-start]
    def dual_norm(self, C):
        """Smallest ``s >= 0`` with ``||C[j]|| <= s * alpha * c_j`` for all ``j``."""
        norms = np.linalg.norm(C, axis=1)
        bounds = self.alpha * self._weights_at(np.arange(len(C)))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(norms > 0, norms / bounds, 0.0)
        return ratios.max(initial=0.0)

    def conjugate(self, C):
        """0 on its domain: the conjugate of a norm is an indicator."""
        return 0.0

    def screen(self, C, radius):
        """Rows proved zero: ``||C[j]|| + radius[j] < alpha * c_j``."""
        bounds = self.alpha * self._weights_at(np.arange(len(C)))
        return np.linalg.norm(C, axis=1) + radius < bounds

    # [gap-end]
    # [compiled-start]
    def compiled_row_prox(self):
        """The row prox of the compiled epochs, and the numbers it reads."""
        weights = () if self.weights is None else tuple(np.ravel(self.weights))
        return _weighted_group_prox, (self.alpha, *weights)


@row_prox
def _weighted_group_prox(row, block_step, entry_steps, params, part, feature, out):
    # params = (alpha, c_0, c_1, ...), or (alpha,) when every weight is 1.
    weight = params[1 + feature] if params.size > 1 else 1.0
    threshold = params[0] * weight * block_step
    norm = np.sqrt(np.sum(row**2))
    scale = 1.0 - threshold / norm if norm > threshold else 0.0
    for u in range(row.size):
        out[u] = row[u] * scale


# [compiled-end]
# [penalty-end]


def _problem(seed=0):
    """Regression data with missing labels and sample weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 6)) + 0.2
    W = rng.standard_normal((6, 3))
    W[[1, 4]] = 0.0
    Y = X @ W + 0.5 * rng.standard_normal((60, 3)) + np.array([1.0, -1.0, 0.0])
    Y[rng.random(Y.shape) < 0.3] = np.nan
    return X, Y, rng.uniform(0.5, 2.0, 60)


WEIGHTS = np.array([1.0, 2.0, 0.0, 0.5, 3.0, 1.0])


# [check-start]
@pytest.mark.parametrize("solver", ["bcd", "fista"])
def test_weighted_group_lasso_reaches_the_cvxpy_minimum(solver):
    cp = pytest.importorskip("cvxpy")
    X, Y, sample_weight = _problem()
    penalty = WeightedGroupLasso(alpha=0.2, weights=WEIGHTS)
    model = MultiTaskLinearRegressor(penalty, solver=solver, tol=1e-10)
    model.fit(X, Y, sample_weight=sample_weight)
    assert model.solver_ == solver

    # The objective written from the formulas, minimized by cvxpy.
    observed = ~np.isnan(Y)
    weights = observed * sample_weight[:, None]
    m = weights.sum() / Y.shape[1]
    W, b = cp.Variable((6, 3)), cp.Variable(3)
    residuals = np.nan_to_num(Y) - X @ W - np.ones((60, 1)) @ b[None, :]
    datafit = cp.sum(cp.multiply(weights, cp.square(residuals))) / (2 * m)
    value = 0.2 * WEIGHTS @ cp.norm(W, 2, axis=1)
    problem = cp.Problem(cp.Minimize(datafit + value))
    problem.solve(solver=cp.CLARABEL)

    fitted = model.coef_.T
    residuals = np.where(observed, np.nan_to_num(Y) - X @ fitted - model.intercept_, 0)
    objective = np.sum(weights * residuals**2) / (2 * m)
    objective += 0.2 * WEIGHTS @ np.linalg.norm(fitted, axis=1)
    assert objective == pytest.approx(problem.value, rel=1e-6)
    assert_allclose(fitted, W.value, atol=1e-4)
    # The unpenalized feature (weight 0) is used; the heaviest one is not.
    assert np.linalg.norm(fitted[2]) > 0 and np.linalg.norm(fitted[4]) == 0


# [check-end]


def test_unit_weights_give_the_l21_solution():
    X, Y, sample_weight = _problem(1)
    for weights in (None, np.ones(6)):
        model = MultiTaskLinearRegressor(
            WeightedGroupLasso(alpha=0.1, weights=weights), tol=1e-12
        ).fit(X, Y, sample_weight=sample_weight)
        l21 = MultiTaskLinearRegressor(L21(alpha=0.1), tol=1e-12).fit(
            X, Y, sample_weight=sample_weight
        )
        assert model.solver_ == "bcd"
        assert_allclose(model.coef_, l21.coef_, atol=1e-8)
        assert_allclose(model.intercept_, l21.intercept_, atol=1e-8)


def test_compiled_and_python_epochs_agree():
    # The compiled row prox changes the speed, not the solution: without
    # it, block coordinate descent runs its epochs in Python.
    class PythonOnly(WeightedGroupLasso):
        compiled_row_prox = property()  # hidden: hasattr is False

        def restrict(self, features):
            restricted = super().restrict(features)
            return PythonOnly(restricted.alpha, restricted.weights)

    assert not hasattr(PythonOnly(), "compiled_row_prox")
    X, Y, sample_weight = _problem(2)
    fits = [
        MultiTaskLinearRegressor(penalty(0.15, WEIGHTS), solver="bcd", tol=1e-12)
        .fit(X, Y, sample_weight=sample_weight)
        .coef_
        for penalty in (WeightedGroupLasso, PythonOnly)
    ]
    assert_allclose(fits[0], fits[1], atol=1e-7)


def test_grid_search_over_the_new_penalty():
    X, Y, _ = _problem(3)
    search = GridSearchCV(
        MultiTaskLinearRegressor(WeightedGroupLasso(weights=WEIGHTS)),
        {"penalty__alpha": [0.05, 0.5]},
        cv=KFold(3),
    ).fit(X, Y)
    assert search.best_params_["penalty__alpha"] in (0.05, 0.5)


def test_its_own_validation_runs_at_fit():
    X, Y, _ = _problem()
    with pytest.raises(ValueError, match=r"one weight per feature \(6\); got"):
        MultiTaskLinearRegressor(WeightedGroupLasso(weights=[1.0, 2.0])).fit(X, Y)


# --- Contracts: what a solver needs, and what it says when it is missing -------


class ValueOnly(Penalty):
    """A penalty with a value and nothing a solver can use."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def value(self, coefs):
        return self.alpha * np.abs(coefs).sum()


class HalfSmooth(ValueOnly):
    """A prox, and only part of a smooth part."""

    def prox(self, coefs, step):
        return coefs

    def smooth_value(self, W):
        return 0.0


def test_base_penalty_has_no_default_computation():
    for name in (
        "value", "prox", "prox_rows", "compiled_row_prox", "restrict",
        "subdiff_distance", "smooth_value", "smooth_gradient",
        "smooth_lipschitz", "dual_norm", "conjugate", "screen",
    ):  # fmt: skip
        assert not hasattr(Penalty(), name), name


@pytest.mark.parametrize(
    "penalty, solver, message",
    [
        (
            ValueOnly(),
            "fista",
            "Solver 'fista' cannot handle the ValueOnly penalty: it has no prox.",
        ),
        (
            ValueOnly(),
            "bcd",
            "Solver 'bcd' cannot handle the ValueOnly penalty: it has no prox_rows, "
            "subdiff_distance, restrict. Block coordinate descent",
        ),
        (
            HalfSmooth(),
            "fista",
            "Solver 'fista' cannot handle the HalfSmooth penalty: it has no "
            "smooth_gradient, smooth_lipschitz (smooth_value, smooth_gradient, "
            "smooth_lipschitz go together: all of them or none).",
        ),
        (
            TraceNorm(0.1),
            "bcd",
            "Solver 'bcd' cannot handle the TraceNorm penalty: it has no prox_rows",
        ),
    ],
    ids=["fista-no-prox", "bcd-not-rows", "fista-half-smooth", "bcd-trace-norm"],
)
def test_solver_names_what_the_penalty_lacks(penalty, solver, message):
    X, Y, _ = _problem()
    model = MultiTaskLinearRegressor(penalty, solver=solver)
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(X, Y)


def test_auto_takes_fista_for_a_penalty_that_is_not_a_sum_over_rows():
    X, Y, _ = _problem()
    model = MultiTaskLinearRegressor(ValueOnly(), solver="auto")
    with pytest.raises(ValueError, match="Solver 'fista' cannot handle the ValueOnly"):
        model.fit(X, Y)


class _SquaredWithoutIntercepts:
    """A datafit that forgot half of what the solvers call."""

    def __init__(self, datafit):
        self.value, self.gradient, self.layout = (
            datafit.value,
            datafit.gradient,
            datafit.layout,
        )


@pytest.mark.parametrize(
    "solver, missing",
    [
        (
            BlockCoordinateDescent,
            "dual, intercept, null_intercept, gap_scale, curvature",
        ),
        (
            FISTA,
            "value_and_gradient, eliminate_intercept, dual, center, null_intercept, "
            "gap_scale, curvature",
        ),
    ],
)
def test_solver_names_what_the_datafit_lacks(solver, missing):
    X, Y, _ = _problem()
    observed = ~np.isnan(Y)
    design, datafit = prepare(X, Squared(np.nan_to_num(Y), observed * 1.0, np.ones(3)))
    incomplete = _SquaredWithoutIntercepts(datafit)
    message = (
        f"Solver {solver.requires.solver!r} cannot handle the "
        f"_SquaredWithoutIntercepts datafit: it has no {missing}."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        solver().solve(design, incomplete, L21(0.1), np.zeros((1, 6, 3)), np.zeros(3))
