"""Behaviour of the multi-task linear models beyond the reference comparisons."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_mtl.linear_model import (
    L21,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    MultiTaskLogisticRegression,
    TraceNorm,
)
from sklearn_mtl.linear_model._bcd import (
    _column_statistics,
    _ColumnStatistics,
    _radius_norms,
)
from sklearn_mtl.linear_model._bcd_inner import _WorkingSetProblem
from sklearn_mtl.linear_model._datafits import Squared
from sklearn_mtl.linear_model._design import prepare
from sklearn_mtl.linear_model._fista import _datafit_lipschitz
from sklearn_mtl.linear_model._solver_base import evaluate_optimality
from sklearn_mtl.metrics import make_multitask_scorer
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold


def _regression_data(n_samples=60, n_features=8, n_tasks=3, missing=0.25, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = np.zeros((n_features, n_tasks))
    W[:3] = rng.standard_normal((3, n_tasks)) + 1.0
    Y = X @ W + 0.3 * rng.standard_normal((n_samples, n_tasks))
    Y[rng.random(Y.shape) < missing] = np.nan
    return X, Y


def _classification_data(n_samples=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 5))
    scores = X[:, :2] @ np.array([[2.0, 1.5, 1.0], [1.0, -1.0, 2.0]])
    Y = (scores + 0.5 * rng.standard_normal(scores.shape) > 0).astype(float)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    return X, Y


@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskLasso(alpha=0.1, tol=1e-12),
        MultiTaskLinearRegressor(TraceNorm(0.2), tol=1e-12),
        MultiTaskLinearRegressor(Dirty(alpha_group=0.1, alpha_sparse=0.05), tol=1e-12),
        MultiTaskLogisticRegression(alpha=0.02, tol=1e-12),
    ],
    ids=["lasso", "trace_norm", "dirty", "logistic"],
)
def test_unlabelled_rows_change_nothing(estimator):
    # The datafit divides by m, the mean total sample weight of the observed
    # labels per task, not by the number of rows of X.
    X, Y = _regression_data()
    if isinstance(estimator, MultiTaskLogisticRegression):
        X, Y = _classification_data()
    rng = np.random.default_rng(1)
    X_extra = np.vstack([X, rng.standard_normal((20, X.shape[1]))])
    Y_extra = np.vstack([Y, np.full((20, Y.shape[1]), np.nan)])
    reference = clone(estimator).fit(X, Y)
    extended = clone(estimator).fit(X_extra, Y_extra)
    assert np.any(reference.coef_)
    assert_allclose(extended.coef_, reference.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(extended.intercept_, reference.intercept_, rtol=1e-9, atol=1e-12)


def test_missing_entries_are_ignored_whatever_their_value():
    X, Y = _regression_data()
    missing = np.isnan(Y)
    model = MultiTaskLinearRegressor(TraceNorm(0.1), tol=1e-10).fit(X, Y)
    # Any finite value in place of NaN changes the fit: NaN is the marker.
    filled = np.where(missing, 100.0, Y)
    other = MultiTaskLinearRegressor(TraceNorm(0.1), tol=1e-10).fit(X, filled)
    assert not np.allclose(model.coef_, other.coef_)
    # A task with missing labels is fitted on its observed rows alone, with
    # the same alpha: the datafit divides by its number of labels.
    single = MultiTaskLasso(alpha=0.05, tol=1e-12).fit(X, Y[:, 0])
    rows = ~missing[:, 0]
    alone = MultiTaskLasso(alpha=0.05, tol=1e-12).fit(X[rows], Y[rows, 0])
    assert np.any(single.coef_ == 0) and np.any(single.coef_)
    assert_allclose(single.coef_, alone.coef_, rtol=1e-9, atol=1e-12)
    assert single.intercept_ == pytest.approx(alone.intercept_, rel=1e-9)


def test_task_weights_scale_the_datafit_of_each_task():
    X, Y = _regression_data()
    Y = Y[:, :2]
    # Without coupling (L21 with l1_ratio 0 is a ridge), a task weight w
    # (here 1.5 after rescaling to mean 1) scales that task's datafit. Alone,
    # task 0 divides its datafit by its own number of labels n_0 instead of
    # m = (n_0 + n_1) / 2: the same fit needs alpha * m / (w * n_0).
    counts = np.sum(~np.isnan(Y), axis=0)
    # (A duality gap of tol * ||Y||^2 / m bounds the coefficients' error by
    # sqrt(2 * gap / alpha): tol=1e-14 for the 1e-6 compared here.)
    ridge = L21ElasticNet(alpha=0.1, l1_ratio=0.0)
    weighted = MultiTaskLinearRegressor(ridge, task_weights=[3.0, 1.0], tol=1e-14)
    alone = MultiTaskLinearRegressor(
        L21ElasticNet(alpha=0.1 * counts.mean() / (1.5 * counts[0]), l1_ratio=0.0),
        tol=1e-14,
    )
    assert_allclose(weighted.fit(X, Y).coef_[0], alone.fit(X, Y[:, 0]).coef_, rtol=1e-6)
    model = MultiTaskLasso(alpha=0.1, task_weights=[3.0, 1.0], tol=1e-12).fit(X, Y)
    uniform = MultiTaskLasso(alpha=0.1, tol=1e-12).fit(X, Y)
    assert not np.allclose(model.coef_, uniform.coef_)
    # Weights are rescaled to mean 1: [3, 1] and [6, 2] are the same model.
    doubled = MultiTaskLasso(alpha=0.1, task_weights=[6.0, 2.0], tol=1e-12).fit(X, Y)
    assert_allclose(doubled.coef_, model.coef_, rtol=1e-7, atol=1e-10)


def test_graph_laplacian_on_the_complete_graph_is_mean_regularization():
    # sum_{s<t} ||w_s - w_t||^2 = T * sum_t ||w_t - mean||^2.
    X, Y = _regression_data()
    n_tasks = Y.shape[1]
    graph = MultiTaskLinearRegressor(
        GraphLaplacian(alpha=0.5, beta=0.1), tol=1e-12, max_iter=20_000
    ).fit(X, Y)
    mean = MultiTaskLinearRegressor(
        MeanRegularized(alpha=0.5 * n_tasks, beta=0.1), tol=1e-12, max_iter=20_000
    ).fit(X, Y)
    assert_allclose(graph.coef_, mean.coef_, rtol=1e-6, atol=1e-8)


def test_dirty_model_exposes_both_parts():
    X, Y = _regression_data()
    Y[:, 0] += 3.0 * X[:, 5]  # a feature of task 0 only
    # alpha_sparse < alpha_group < sqrt(n_tasks) * alpha_sparse: a row shared
    # by the 3 tasks is cheaper in P, a single task's entry cheaper in Q.
    model = MultiTaskLinearRegressor(Dirty(0.15, 0.1), tol=1e-12).fit(X, Y)
    P, Q, W = model.coef_group_.T, model.coef_sparse_.T, model.coef_.T
    assert_allclose(P + Q, W)
    # The fitted split minimizes the penalty among splits of the same W, so
    # it is no worse than putting all of W in either part.
    split = 0.15 * np.linalg.norm(P, axis=1).sum() + 0.1 * np.abs(Q).sum()
    all_group = 0.15 * np.linalg.norm(W, axis=1).sum()
    all_sparse = 0.1 * np.abs(W).sum()
    assert split <= min(all_group, all_sparse) + 1e-8
    # Shared features go to the group part, task 0's own one to the sparse part.
    assert np.all(np.linalg.norm(P[:3], axis=1) > 0)
    assert Q[5, 0] != 0 and not np.any(P[5])


def test_warm_start_continues_from_the_previous_solution():
    X, Y = _regression_data()
    model = MultiTaskLinearRegressor(TraceNorm(0.1), tol=1e-10, warm_start=True)
    model.fit(X, Y)
    first = model.n_iter_
    model.fit(X, Y)
    assert model.n_iter_ < first
    cold = clone(model).set_params(warm_start=False).fit(X, Y)
    assert_allclose(model.coef_, cold.coef_, rtol=1e-5, atol=1e-7)


def test_convergence_warning_names_the_solver_and_the_gap():
    X, Y = _regression_data()
    with pytest.warns(ConvergenceWarning, match=r"Solver 'fista' did not converge"):
        MultiTaskLinearRegressor(TraceNorm(0.01), max_iter=2, tol=1e-12).fit(X, Y)
    with pytest.warns(ConvergenceWarning, match=r"Solver 'bcd' .* duality gap"):
        MultiTaskLasso(alpha=0.001, max_iter=1, tol=1e-12, solver="bcd").fit(X, Y)


def test_solver_that_cannot_handle_the_penalty_says_so():
    X, Y = _regression_data()
    with pytest.raises(ValueError, match="Solver 'bcd' cannot handle the TraceNorm"):
        MultiTaskLinearRegressor(TraceNorm(0.1), solver="bcd").fit(X, Y)
    with pytest.raises(ValueError, match=r"Did you mean 'fista'\?"):
        MultiTaskLinearRegressor(solver="fist").fit(X, Y)
    with pytest.raises(TypeError, match=r"Did you mean L21\(\)\?"):
        MultiTaskLinearRegressor(penalty="l21").fit(X, Y)


def test_nan_in_X_is_rejected():
    X, Y = _regression_data()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MultiTaskLasso().fit(X, Y)


def test_classifier_outputs_and_multiclass_tasks():
    X, Y = _classification_data()
    rng = np.random.default_rng(3)
    labels = np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, len(X))]
    labels[X[:, 0] > 1] = "c"
    Y_mixed = np.empty((len(X), 2), dtype=object)
    Y_mixed[:, 0] = np.where(np.isnan(Y[:, 0]), None, np.where(Y[:, 0] > 0, "y", "n"))
    Y_mixed[:, 1] = labels
    clf = MultiTaskLogisticRegression(alpha=0.01).fit(X, Y_mixed)
    assert clf.coef_.shape == (4, X.shape[1])
    assert_allclose(clf.output_task_, [0, 1, 1, 1])
    probabilities = clf.predict_proba(X)
    assert [p.shape for p in probabilities] == [(80, 2), (80, 3)]
    for p in probabilities:
        assert_allclose(p.sum(axis=1), 1.0)
    predictions = clf.predict(X)
    assert set(predictions[:, 0]) <= {"n", "y"}
    assert set(predictions[:, 1]) <= {"a", "b", "c"}
    # The multinomial intercepts are reported summing to zero.
    assert abs(clf.intercept_[1:].sum()) < 1e-10
    assert clf.decision_function(X).shape == (80, 4)


def test_classifier_task_with_one_class_is_constant():
    X, Y = _classification_data()
    Y[:, 2] = np.where(np.isnan(Y[:, 2]), np.nan, 1.0)
    with pytest.warns(UserWarning, match="Task 2 has a single observed class"):
        clf = MultiTaskLinearClassifier().fit(X, Y)
    assert np.all(clf.predict(X)[:, 2] == 1.0)
    assert_allclose(clf.predict_proba(X)[2], 1.0)


def test_relating_penalty_with_multiclass_task_is_rejected():
    X, _ = _classification_data()
    Y = np.column_stack([X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5])])
    with pytest.raises(ValueError, match="one column per task"):
        MultiTaskLinearClassifier(MeanRegularized(1.0)).fit(X, Y)


def test_lasso_cv_path_and_choice():
    X, Y = _regression_data(n_samples=90)
    model = MultiTaskLassoCV(alphas=15, cv=3).fit(X, Y)
    assert model.alphas_.shape == (15,)
    assert np.all(np.diff(model.alphas_) < 0)
    assert model.mse_path_.shape == (15, 3)
    assert model.alpha_ == model.alphas_[np.argmin(model.mse_path_.mean(axis=1))]
    # The largest alpha of the grid zeroes every coefficient.
    with pytest.warns(UserWarning, match="every coefficient is zero"):
        top = MultiTaskLasso(alpha=model.alphas_[0] * (1 + 1e-9)).fit(X, Y)
    assert np.all(top.coef_ == 0)
    refit = MultiTaskLasso(alpha=model.alpha_).fit(X, Y)
    assert_allclose(model.coef_, refit.coef_)
    # The three informative features are kept.
    assert {0, 1, 2} <= set(np.flatnonzero(np.any(model.coef_ != 0, axis=0)))


def test_elastic_net_cv_over_l1_ratios():
    X, Y = _regression_data(n_samples=90)
    model = MultiTaskElasticNetCV(l1_ratio=[0.2, 1.0], alphas=8, cv=3).fit(X, Y)
    assert model.mse_path_.shape == (2, 8, 3)
    assert model.alphas_.shape == (2, 8)
    assert model.l1_ratio_ in (0.2, 1.0)


def test_cv_with_a_fold_missing_a_task_names_it():
    X, Y = _regression_data(n_samples=30, missing=0.0)
    Y[10:, 1] = np.nan
    with pytest.raises(ValueError, match="Task 1 has no observed label in the"):
        MultiTaskLassoCV(alphas=3, cv=KFold(3)).fit(X, Y)


@pytest.mark.filterwarnings("ignore:alpha=.* is at or above alpha_max")
def test_grid_search_over_penalties_and_task_weights():
    X, Y = _regression_data(n_samples=90)
    search = GridSearchCV(
        MultiTaskLinearRegressor(),
        {
            "penalty": [L21(0.05), TraceNorm(0.5)],
            "task_weights": [None, [2.0, 1.0, 1.0]],
        },
        cv=MultiTaskStratifiedKFold(3),
        scoring=make_multitask_scorer("r2"),
    ).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    nested = GridSearchCV(
        MultiTaskLinearRegressor(TraceNorm()),
        {"penalty__alpha": [0.01, 10.0]},
        cv=MultiTaskStratifiedKFold(3),
    ).fit(X, Y)
    assert nested.best_params_ == {"penalty__alpha": 0.01}


def test_decision_function_agrees_with_predict_on_binary_tasks():
    # scikit-learn's check_classifier_multioutput cannot index a list of
    # classes_ (an expected failure); this is the same property per task.
    X, Y = _classification_data()
    clf = MultiTaskLinearClassifier(L21ElasticNet(alpha=0.05)).fit(X, Y)
    decision = clf.decision_function(X)
    predictions = clf.predict(X)
    for t, classes in enumerate(clf.classes_):
        assert_allclose(predictions[:, t], classes[(decision[:, t] > 0).astype(int)])


def _own_rows_data(classify=False, n_tasks=20, n_rows=30, seed=0):
    """School-like data: each row labelled for its own task only, and two
    task-level features (constant within a task, far from 0) nearly collinear
    with the per-task intercepts."""
    rng = np.random.default_rng(seed)
    task = np.repeat(np.arange(n_tasks), n_rows)
    level = 3.0 * rng.standard_normal((n_tasks, 2)) + 5.0
    X = np.hstack([rng.standard_normal((task.size, 3)), level[task]])
    W = 0.5 * rng.standard_normal((5, n_tasks)) + 1.0
    scores = np.einsum("ij,ji->i", X, W[:, task]) + rng.standard_normal(task.size)
    if classify:
        medians = np.array([np.median(scores[task == t]) for t in range(n_tasks)])
        scores = (scores > medians[task]).astype(float)
    Y = np.full((task.size, n_tasks), np.nan)
    Y[np.arange(task.size), task] = scores
    return X, Y, task


@pytest.mark.parametrize(
    "model",
    [
        # With 20 tasks of 30 rows each, m = 30: strengths 20 times those of a
        # datafit divided by all 600 rows.
        MultiTaskLinearRegressor(MeanRegularized(alpha=2.0)),
        MultiTaskLinearRegressor(TraceNorm(alpha=1.0)),
        MultiTaskLinearClassifier(MeanRegularized(alpha=2.0, beta=0.2)),
        MultiTaskLinearClassifier(TraceNorm(alpha=0.2)),
    ],
    ids=["mean-reg", "trace", "classifier-mean-reg", "classifier-trace"],
)
def test_fista_converges_with_intercepts_collinear_with_task_features(model):
    # FISTA keeps the intercepts at their optimum for the current W, so the
    # badly conditioned intercept direction is gone: a few dozen iterations,
    # where gradient steps on (W, b) needed thousands.
    X, Y, _ = _own_rows_data(classify=isinstance(model, MultiTaskLinearClassifier))
    model = clone(model).set_params(tol=1e-6, max_iter=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, Y)
    assert model.solver_ == "fista"
    assert model.n_iter_ <= 50


def test_fista_intercepts_match_the_problem_centered_within_tasks():
    # With one label per row, fitting intercepts is the same minimization as
    # centering X and y within each task and fitting none.
    X, Y, task = _own_rows_data()
    x_means = np.array([X[task == t].mean(axis=0) for t in range(Y.shape[1])])
    y_means = np.nanmean(Y, axis=0)
    model = MultiTaskLinearRegressor(MeanRegularized(alpha=0.1), tol=1e-10)
    centered = clone(model).set_params(fit_intercept=False)
    centered.fit(X - x_means[task], Y - y_means)
    model.fit(X, Y)
    assert_allclose(model.coef_, centered.coef_, rtol=1e-6, atol=1e-8)
    intercepts = y_means - np.sum(x_means * centered.coef_, axis=1)
    assert_allclose(model.intercept_, intercepts, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("layout", ["dense", "observed"])
@pytest.mark.parametrize("missing", [0.0, 0.3], ids=["uniform", "missing"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fista_step_comes_from_the_design_centered_within_each_task(
    missing, fit_intercept, layout
):
    # The Lipschitz constant of W -> min_b datafit(XW + b) is the largest
    # eigenvalue, over tasks t, of w_t X_t^T C_t X_t / m with X_t the task's
    # observed rows, C_t their centering and m the mean number of labels per
    # task: not ||[X, 1]||^2 / m.
    X, Y = _regression_data(missing=missing)
    X = X + 3.0  # features far from 0 make ||[X, 1]|| much larger
    observed = ~np.isnan(Y)
    task_weights = np.array([2.0, 1.0, 0.5])
    datafit = Squared(np.where(observed, Y, 0.0), observed * 1.0, task_weights)
    m = observed.sum() / Y.shape[1]
    assert datafit.normalizer == m
    expected = 0.0
    for t in range(Y.shape[1]):
        rows = X[observed[:, t]]
        if fit_intercept:
            rows = rows - rows.mean(axis=0)
        largest = np.linalg.eigvalsh(rows.T @ rows)[-1]
        expected = max(expected, task_weights[t] * largest / m)
    lipschitz = _datafit_lipschitz(*prepare(X, datafit, layout), fit_intercept)
    # An upper bound (a safe step), at most 3% (the Lanczos tolerance) above.
    assert expected <= lipschitz <= (1.03 + 1e-9) * expected


@pytest.mark.filterwarnings("ignore:alpha=.* is at or above alpha_max")
def test_dual_gap_is_never_negative():
    # At alpha >= alpha_max, W = 0 and the gap is 0 up to round-off, which is
    # negative for some data: it is reported as 0.
    negative = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((30, 4))
        Y = X @ rng.standard_normal((4, 3)) + rng.standard_normal((30, 3))
        Y[rng.random(Y.shape) < 0.2] = np.nan
        for model in (
            MultiTaskLasso(alpha=100.0),
            MultiTaskLinearRegressor(TraceNorm(alpha=100.0)),
        ):
            model.fit(X, Y)
            observed = ~np.isnan(Y)
            datafit = Squared(np.where(observed, Y, 0.0), observed * 1.0, np.ones(3))
            coefs = model.coef_.T[np.newaxis]
            design, datafit = prepare(X, datafit, "dense")
            raw = evaluate_optimality(
                design,
                datafit,
                model._penalty(),
                coefs,
                X @ coefs[0] + model.intercept_,
            )
            assert abs(raw.gap) < 1e-12 * raw.primal
            negative += raw.gap < 0
            assert model.dual_gap_ >= 0.0
    assert negative > 0  # round-off does make raw gaps negative here


def _exact_l21_row(row, gradient, curvatures, alpha):
    """``argmin_v g.(v - c) + 1/2 sum_u L_u (v_u - c_u)^2 + alpha ||v||``.

    In closed form up to one number: ``v_u = L_u a_u / (L_u + alpha / r)``
    with ``a = c - g / L`` and ``r = ||v||``, found by bisection (0 when
    ``||L a|| <= alpha``).
    """
    target = curvatures * (row - gradient / curvatures)
    if np.linalg.norm(target) <= alpha:
        return np.zeros_like(row)
    low, high = 0.0, np.linalg.norm(target / curvatures)
    for _ in range(200):
        radius = 0.5 * (low + high)
        if np.linalg.norm(target / (curvatures + alpha / radius)) > radius:
            low = radius
        else:
            high = radius
    return target / (curvatures + alpha / (0.5 * (low + high)))


def _reference_l21_epoch(
    X, m, weights, residuals, coefs, intercept, means, lipschitz, alpha
):
    """One epoch of block coordinate descent for L21, written with NumPy.

    Each row minimizes the datafit's quadratic along it exactly: its
    curvature is ``lipschitz[j, u]`` along output ``u``.
    """
    for j in range(X.shape[1]):
        gradient = -(X[:, j] @ residuals) / m
        delta = _exact_l21_row(coefs[0, j], gradient, lipschitz[j], alpha) - coefs[0, j]
        coefs[0, j] += delta
        residuals -= weights * (X[:, [j]] - means[j]) * delta
        intercept -= means[j] * delta


@pytest.mark.parametrize(
    "case",
    ["uniform", "masked", "sparse", "observed", "observed-sparse"],
)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_compiled_epoch_matches_a_numpy_epoch(case, fit_intercept):
    # The compiled epochs run over one output's rows at a time: on residuals
    # and weights stored one contiguous column per output (Fortran order), or
    # on one residual per label, output by output, with the working set's
    # columns gathered at the labels' rows. Either way the epoch is the plain
    # one on every (row, output) entry, with weight 0 where a label is missing,
    # each row minimizing its quadratic exactly (its curvature differs from
    # output to output where labels are missing: the prox steps on the row
    # are refined, here to round-off).
    X, Y = _regression_data(missing=0.0 if case == "uniform" else 0.3)
    observed = ~np.isnan(Y)
    wide = Squared(np.where(observed, Y, 0.0), observed * 1.0, np.ones(3))
    layout = "observed" if case.startswith("observed") else "dense"
    design, datafit = prepare(
        sparse.csc_matrix(X) if case.endswith("sparse") else X, wide, layout
    )
    raw, centered, means = _ColumnStatistics(design, datafit).take(np.arange(8))
    lipschitz = centered if fit_intercept else raw
    means = means if fit_intercept else np.zeros_like(means)
    problem = _WorkingSetProblem(
        design.working_set(np.arange(8)),
        datafit,
        L21(alpha=0.05),
        lipschitz,
        means,
        fit_intercept=fit_intercept,
        compiled=True,
        refine=(10_000, 1e-15),
    )
    coefs = np.zeros((1, X.shape[1], 3))
    state = problem.state(coefs, np.zeros(3))
    if layout == "dense":
        assert state.residuals.flags.f_contiguous
        assert problem.weights.flags.f_contiguous
    else:
        assert state.residuals.shape == (observed.sum(),)
    residuals = wide.weights * (wide.Y - wide.null_intercept())
    expected = (residuals, coefs.copy(), state.intercept.copy())
    if not fit_intercept:
        expected[0][...] = wide.weights * wide.Y
    for _ in range(3):
        problem.epoch(state, coefs)
        _reference_l21_epoch(
            X,
            observed.sum() / 3,
            wide.weights,
            *expected,
            means,
            lipschitz,
            0.05,
        )
    assert np.any(coefs)
    expected = (datafit.layout.entries(expected[0]), *expected[1:])
    for found, reference in zip(
        (state.residuals, coefs, state.intercept), expected, strict=True
    ):
        assert_allclose(found, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layout", ["dense", "observed"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("missing", [0.0, 0.3], ids=["uniform", "missing"])
def test_column_statistics_are_computed_for_working_sets_only(
    missing, weighted, layout
):
    # Block coordinate descent needs exact per-output statistics for the
    # features of its working sets only; screening needs, for every feature,
    # a bound of the largest one, which one pass over X gives (exact when no
    # label is missing and the weights are uniform).
    X, Y = _regression_data(missing=missing)
    observed = ~np.isnan(Y)
    sample_weight = np.linspace(0.5, 2.0, X.shape[0]) if weighted else np.ones(60)
    design, datafit = prepare(
        X,
        Squared(
            np.where(observed, Y, 0.0),
            observed * sample_weight[:, np.newaxis],
            np.ones(3),
        ),
        layout,
    )
    every = _column_statistics(design, datafit)
    statistics = _ColumnStatistics(design, datafit)
    features = np.array([2, 5])
    for taken, full in zip(statistics.take(features), every, strict=True):
        # (Without missing labels the means are one column for all outputs.)
        assert_allclose(taken, np.broadcast_to(full[features], taken.shape))
    assert np.flatnonzero(statistics._known).tolist() == [2, 5]
    for fit_intercept, found in ((True, every[1]), (False, every[0])):
        largest = np.sqrt(found.max(axis=1))
        bound = _radius_norms(
            design, datafit, fit_intercept, _ColumnStatistics(design, datafit)
        )
        assert np.all(bound >= largest * (1 - 1e-12))
        if (missing == 0.0 and not weighted) or layout == "observed":
            assert_allclose(bound, largest)


def _hand_alpha_max(X, Y, sample_weight):
    """``max_j ||g_j||_2`` with ``g_jt = (1/m) sum_{i in O_t} s_i x_ij (y_it - b_t)``.

    ``b_t`` is the weighted mean of task t's labels and ``m`` the mean total
    sample weight of the observed labels per task.
    """
    observed = ~np.isnan(Y)
    weights = observed * sample_weight[:, np.newaxis]
    means = np.nansum(weights * np.nan_to_num(Y), axis=0) / weights.sum(axis=0)
    m = weights.sum() / Y.shape[1]
    gradient = X.T @ (weights * np.where(observed, Y - means, 0.0)) / m
    return np.linalg.norm(gradient, axis=1).max()


def test_alpha_max_zeroes_the_model_and_ignores_unlabelled_rows():
    X, Y = _regression_data(n_samples=90)
    sample_weight = np.random.default_rng(2).uniform(0.5, 2.0, size=X.shape[0])
    alpha_max = _hand_alpha_max(X, Y, sample_weight)
    # MultiTaskLassoCV's grid starts at alpha_max ...
    cv_model = MultiTaskLassoCV(alphas=5, cv=3).fit(X, Y, sample_weight)
    assert cv_model.alphas_[0] == pytest.approx(alpha_max, rel=1e-12)
    # ... and unlabelled rows (with any weight) or a common factor on the
    # sample weights do not move it.
    rng = np.random.default_rng(3)
    X_more = np.vstack([X, rng.standard_normal((15, X.shape[1]))])
    Y_more = np.vstack([Y, np.full((15, Y.shape[1]), np.nan)])
    weight_more = np.concatenate([sample_weight, np.full(15, 4.0)])
    more = MultiTaskLassoCV(alphas=5, cv=3).fit(X_more, Y_more, weight_more)
    assert more.alphas_[0] == pytest.approx(alpha_max, rel=1e-12)
    scaled = MultiTaskLassoCV(alphas=5, cv=3).fit(X, Y, 10.0 * sample_weight)
    assert scaled.alphas_[0] == pytest.approx(alpha_max, rel=1e-12)
    # At alpha_max every coefficient is zero; just below, one row enters.
    above = MultiTaskLasso(alpha=alpha_max * (1 + 1e-9), tol=1e-10)
    with pytest.warns(UserWarning, match="every coefficient is zero"):
        above.fit(X_more, Y_more, weight_more)
    assert np.all(above.coef_ == 0)
    below = MultiTaskLasso(alpha=alpha_max * (1 - 1e-3), tol=1e-10)
    below.fit(X_more, Y_more, weight_more)
    assert np.sum(np.any(below.coef_ != 0, axis=0)) == 1


@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskLasso(alpha=0.05),
        MultiTaskLinearRegressor(TraceNorm(0.1)),
        MultiTaskLassoCV(alphas=3, cv=3),
        MultiTaskElasticNetCV(alphas=3, cv=3),
    ],
    ids=["lasso", "trace_norm", "lasso_cv", "elastic_net_cv"],
)
@pytest.mark.parametrize("one_task", [False, True], ids=["2d", "1d"])
def test_predict_reads_coef_and_intercept(estimator, one_task):
    # As in scikit-learn: predict is X @ coef_.T + intercept_, whatever set them.
    X, Y = _regression_data(n_samples=45)
    Y = Y[:, 0] if one_task else Y
    model = clone(estimator).fit(X, Y)
    rng = np.random.default_rng(4)
    model.coef_ = rng.standard_normal(model.coef_.shape)
    model.intercept_ = (
        float(rng.standard_normal())
        if one_task
        else rng.standard_normal(model.intercept_.shape)
    )
    expected = X @ model.coef_.T + model.intercept_
    assert_allclose(model.predict(X), expected, rtol=1e-12)
    assert_allclose(model.predict(sparse.csr_matrix(X)), expected, rtol=1e-12)


def test_classifier_predictions_read_coef_and_intercept():
    X, Y = _classification_data()
    clf = MultiTaskLogisticRegression(alpha=0.01).fit(X, Y)
    clf.coef_ = -clf.coef_
    clf.intercept_ = -clf.intercept_
    scores = X @ clf.coef_.T + clf.intercept_
    assert_allclose(clf.decision_function(X), scores, rtol=1e-12)
    assert_allclose(clf.predict_proba(X)[0][:, 1], 1 / (1 + np.exp(-scores[:, 0])))
    assert_allclose(clf.predict(X), (scores > 0).astype(float))


def test_warm_start_starts_from_the_fitted_coef():
    # warm_start reads coef_ and intercept_ too: from the solution itself the
    # solver stops at its first check.
    X, Y = _regression_data()
    cold = MultiTaskLinearRegressor(TraceNorm(0.1), tol=1e-10).fit(X, Y)
    warm = MultiTaskLinearRegressor(TraceNorm(0.1), tol=1e-10, warm_start=True)
    warm.fit(X, Y[:, [1, 0, 2]])  # another solution, of the same shape
    warm.coef_, warm.intercept_ = cold.coef_.copy(), cold.intercept_.copy()
    warm.fit(X, Y)
    assert warm.n_iter_ <= 10 < cold.n_iter_
    assert_allclose(warm.coef_, cold.coef_, rtol=1e-5, atol=1e-7)


def test_sample_weight_of_the_labelled_rows_must_not_all_be_zero():
    X, Y = _regression_data()
    Y[:10] = np.nan
    sample_weight = np.zeros(X.shape[0])
    sample_weight[:10] = 1.0  # weight on unlabelled rows only
    message = (
        "Task 0 has no observed label with a non-zero sample_weight; every task "
        "needs at least one to be fitted."
    )
    with pytest.raises(ValueError, match=message):
        MultiTaskLasso(alpha=0.1).fit(X, Y, sample_weight=sample_weight)
