"""The two designs of the linear solvers: every (row, task) entry, or the labels only.

The solvers reach ``X`` through a design (``linear_model/_design.py``): on
the dense entries (missing labels have weight 0) or on the observed labels
only. Both must give the same solution, for every penalty, loss and kind of
``X``; the automatic choice follows the fraction of labels observed.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sklearn_mtl.linear_model import (
    L1,
    L2,
    L21,
    Clustered,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    MultiTaskLasso,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    TraceNorm,
    _design,
)
from sklearn_mtl.linear_model._bcd import _ColumnStatistics
from sklearn_mtl.linear_model._bcd_inner import _WorkingSetProblem
from sklearn_mtl.linear_model._datafit_logistic import Logistic
from sklearn_mtl.linear_model._datafits import Squared
from sklearn_mtl.linear_model._design import (
    DenseDesign,
    GatheredDesign,
    IndexedDesign,
    ObservedDesign,
    make_design,
    prepare,
)
from sklearn_mtl.linear_model._layouts import DenseLayout, ObservedLayout

ADJACENCY = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.5, 0.2, 0.0]])
PENALTIES = {
    "l1": (L1(alpha=0.05), L1(alpha=0.01)),
    "l2": (L2(alpha=0.3), L2(alpha=0.05)),
    "l21": (L21(alpha=0.1), L21(alpha=0.03)),
    "l21_elastic_net": (
        L21ElasticNet(alpha=0.1, l1_ratio=0.7),
        L21ElasticNet(alpha=0.04, l1_ratio=0.6),
    ),
    "dirty": (
        Dirty(alpha_group=0.1, alpha_sparse=0.06),
        Dirty(alpha_group=0.03, alpha_sparse=0.02),
    ),
    "trace_norm": (TraceNorm(alpha=0.2), TraceNorm(alpha=0.05)),
    "mean_regularized": (
        MeanRegularized(alpha=0.5, beta=0.1),
        MeanRegularized(alpha=0.2, beta=0.05),
    ),
    "graph_laplacian": (
        GraphLaplacian(alpha=0.4, adjacency=ADJACENCY, beta=0.05),
        GraphLaplacian(alpha=0.2, adjacency=ADJACENCY, beta=0.05),
    ),
    "clustered": (
        Clustered(alpha=0.3, beta=0.1, n_clusters=2),
        Clustered(alpha=0.2, beta=0.05, n_clusters=2),
    ),
}
TIGHT = {"tol": 1e-10, "max_iter": 50_000}


def _problem(seed=0, missing=0.4, n_samples=50, n_features=6, n_tasks=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) + 0.2
    X[rng.random(X.shape) < 0.3] = 0.0  # zeros for a sparse X
    W = rng.standard_normal((n_features, n_tasks))
    W[2] = 0.0
    latent = X @ W + 0.5 * rng.standard_normal((n_samples, n_tasks))
    hidden = rng.random(latent.shape) < missing
    sample_weight = rng.uniform(0.5, 2.0, n_samples)
    return X, latent, hidden, sample_weight


def _targets(kind, latent, hidden):
    if kind == "squared":
        Y = latent + np.array([1.0, -2.0, 0.5])
    elif kind == "logistic":
        Y = (latent > 0).astype(float)
    else:  # a binary task, a 3-class task and a binary task
        Y = (latent > 0).astype(float)
        Y[:, 1] = np.digitize(latent[:, 1], [-0.5, 0.5])
    return np.where(hidden, np.nan, Y)


def _fit_with(layout, monkeypatch, model, X, Y, sample_weight):
    """Fit ``model`` on the given layout, checking that the solvers used it."""
    used = []
    make = _design.make_design

    def spy(*args, **kwargs):
        design = make(*args, **kwargs)
        used.append(design.layout.kind)
        return design

    with monkeypatch.context() as patch:
        patch.setattr(_design, "OBSERVED_BELOW", 1.01 if layout == "observed" else 0)
        patch.setattr(_design, "make_design", spy)
        model.fit(X, Y, sample_weight=sample_weight)
    assert used == [layout]
    return model


@pytest.mark.parametrize("X_kind", ["dense", "csc"])
@pytest.mark.parametrize("loss", ["squared", "logistic", "multiclass"])
@pytest.mark.parametrize("name", list(PENALTIES))
def test_dense_and_observed_entries_give_the_same_solution(
    name, loss, X_kind, monkeypatch
):
    X, latent, hidden, sample_weight = _problem()
    Y = _targets(loss, latent, hidden)
    regression, classification = PENALTIES[name]
    relates_tasks = name in ("mean_regularized", "graph_laplacian", "clustered")
    if loss == "multiclass" and relates_tasks:
        pytest.skip("a task-relating penalty needs one column per task")
    if loss == "squared":
        model = MultiTaskLinearRegressor(regression, task_weights=[1, 3, 0.5], **TIGHT)
    else:
        model = MultiTaskLinearClassifier(
            classification, task_weights=[1, 3, 0.5], **TIGHT
        )
    design = sparse.csc_matrix(X) if X_kind == "csc" else X
    dense = _fit_with("dense", monkeypatch, model, design, Y, sample_weight)
    coef, intercept = dense.coef_.copy(), dense.intercept_.copy()
    observed = _fit_with("observed", monkeypatch, model, design, Y, sample_weight)
    assert np.any(coef)
    # Both stop at a duality gap (or optimality violation) of 1e-10 of the
    # problem's scale, after the same steps up to round-off.
    assert_allclose(observed.coef_, coef, rtol=1e-5, atol=1e-6)
    assert_allclose(observed.intercept_, intercept, rtol=1e-5, atol=1e-6)
    if name in ("l1", "l21", "dirty"):
        np.testing.assert_array_equal(observed.coef_ == 0, coef == 0)


def test_observed_design_without_gathering_gives_the_same_solution(monkeypatch):
    # Where one row of X per label would take too much memory, the observed
    # design reads X by rows and gathers its working sets only.
    X, latent, hidden, sample_weight = _problem(seed=1)
    Y = _targets("squared", latent, hidden)
    for X_input in (X, sparse.csc_matrix(X)):
        for penalty in (L21(alpha=0.1), TraceNorm(alpha=0.2)):
            model = MultiTaskLinearRegressor(penalty, **TIGHT)
            dense = _fit_with("dense", monkeypatch, model, X_input, Y, sample_weight)
            coef = dense.coef_.copy()
            with monkeypatch.context() as patch:
                patch.setattr(_design, "GATHER_BUDGET", 0.0)
                patch.setattr(_design, "GATHER_BYTES", 0)
                design, _ = prepare(
                    X_input,
                    Squared(np.nan_to_num(Y), ~np.isnan(Y) * 1.0, np.ones(3)),
                    "observed",
                )
                assert type(design) is ObservedDesign
                observed = _fit_with(
                    "observed", patch, model, X_input, Y, sample_weight
                )
            assert_allclose(observed.coef_, coef, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "missing, expected",
    [
        (0.0, "dense"),  # fully observed
        (0.3, "dense"),  # 70% observed
        (0.8, "observed"),  # 20% observed
    ],
)
def test_automatic_choice_follows_the_fraction_observed(missing, expected):
    X, latent, hidden, _ = _problem(missing=missing, n_samples=400)
    Y = _targets("squared", latent, hidden)
    assert make_design(X, ~np.isnan(Y)).layout.kind == expected


def test_automatic_choice_threshold_and_school_shape():
    threshold = _design.OBSERVED_BELOW
    n_samples, n_tasks = 1000, 10
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, 3))
    for fraction, expected in (
        (threshold - 0.01, "observed"),
        (threshold, "dense"),
        (threshold + 0.01, "dense"),
    ):
        mask = np.zeros(n_samples * n_tasks, dtype=bool)
        mask[: round(fraction * mask.size)] = True
        mask = rng.permutation(mask).reshape(n_samples, n_tasks)
        assert make_design(X, mask).layout.kind == expected
    # School's shape: one task per row, 139 tasks.
    task = rng.integers(0, 139, n_samples)
    mask = np.zeros((n_samples, 139), dtype=bool)
    mask[np.arange(n_samples), task] = True
    design = make_design(X, mask)
    assert type(design) is GatheredDesign
    assert design.layout.n_labels == n_samples
    # Forced layouts are honoured whatever the fraction.
    assert type(make_design(X, mask, "dense")) is DenseDesign
    with pytest.raises(ValueError, match="Expected layout in"):
        make_design(X, mask, "sparse")


@pytest.mark.parametrize("storage", ["gathered", "rows", "indexed"])
@pytest.mark.parametrize("X_kind", ["dense", "csr", "csc"])
def test_observed_design_products_are_the_dense_products_on_the_labels(
    storage, X_kind, monkeypatch
):
    rng = np.random.default_rng(2)
    X, _, hidden, _ = _problem(seed=2)
    mask = ~hidden
    X_input = {"dense": X, "csr": sparse.csr_matrix(X), "csc": sparse.csc_matrix(X)}
    if storage != "gathered":
        # Rows of X are read by label; so are the working sets of dense X
        # ("indexed": read from X.T at the labels' rows, never gathered).
        monkeypatch.setattr(_design, "GATHER_BUDGET", 0.0)
        monkeypatch.setattr(_design, "GATHER_BYTES", 0)
        monkeypatch.setattr(_design, "WORKING_SET_BUDGET", 0.0)
    if storage == "indexed" and X_kind != "dense":
        pytest.skip("a sparse X's working sets are gathered")
    design = make_design(X_input[X_kind], mask, "observed")
    expected_type = GatheredDesign if storage == "gathered" else ObservedDesign
    assert type(design) is expected_type
    # Both ways of the indexed design's products: column by column (a small
    # working set) and whole rows of X (half of the features or more).
    for features in (np.array([4, 1]), np.array([5, 0, 3, 1])):
        restricted = design.working_set(features)
        if storage == "indexed":
            assert type(restricted) is IndexedDesign
        W = rng.standard_normal((features.size, 3))
        weights = rng.random(mask.shape) * mask
        assert_allclose(restricted.linear(W), design.layout.entries(X[:, features] @ W))
        G = design.layout.entries(rng.standard_normal(mask.shape) * mask)
        assert_allclose(
            restricted.adjoint(G),
            X[:, features].T @ _wide(design.layout, G, mask.shape),
            atol=1e-12,
        )
        first, second = restricted.moments(design.layout.entries(weights))
        assert_allclose(first, X[:, features].T @ weights, atol=1e-12)
        assert_allclose(second, (X[:, features] ** 2).T @ weights, atol=1e-12)
    layout = design.layout
    W = rng.standard_normal((X.shape[1], 3))
    assert_allclose(design.linear(W), layout.entries(X @ W))
    G = rng.standard_normal(mask.shape) * mask
    assert_allclose(design.adjoint(layout.entries(G)), X.T @ G, atol=1e-12)
    features = np.array([4, 1])
    for restricted in (design.columns(features), design.working_set(features)):
        assert_allclose(
            restricted.linear(W[features]), layout.entries(X[:, features] @ W[features])
        )
    squares = design.squares()
    assert_allclose(squares.adjoint(layout.entries(G)), (X**2).T @ G, atol=1e-12)
    # The per-column operations of the logistic epochs.
    gathered = design.working_set(features)
    linear = layout.entries(X[:, features] @ W[features])
    assert_allclose(gathered.column_gradient(1, layout.entries(G)), X[:, 1] @ G)
    delta = rng.standard_normal(3)
    gathered.column_update(0, delta, linear)
    assert_allclose(
        linear,
        layout.entries(X[:, features] @ W[features] + np.outer(X[:, 4], delta)),
    )


def _wide(layout, entries, shape):
    """The ``(n_samples, n_outputs)`` array of an observed layout's entries."""
    wide = np.zeros(shape)
    wide[layout.rows, layout.outputs] = entries
    return wide


def test_layouts_agree_on_the_operations_of_the_datafits():
    rng = np.random.default_rng(3)
    mask = rng.random((30, 5)) < 0.5
    mask[:, 2] = False  # an output without any label
    values = rng.standard_normal(mask.shape) * mask
    dense, observed = DenseLayout(*mask.shape), ObservedLayout.from_mask(mask)
    entries = observed.entries(values)
    assert entries.shape == (mask.sum(),)
    # Output by output, rows increasing within each.
    np.testing.assert_array_equal(np.diff(observed.outputs) >= 0, True)
    for u in range(5):
        rows = observed.rows[observed.offsets[u] : observed.offsets[u + 1]]
        np.testing.assert_array_equal(rows, np.flatnonzero(mask[:, u]))
    assert_allclose(observed.sums(entries), dense.sums(values))
    per_output = rng.standard_normal(5)
    assert_allclose(observed.spread(per_output), observed.entries(mask * per_output))
    outputs = np.array([0, 3, 4])
    assert_allclose(
        observed.select_sums(observed.select(entries, outputs), outputs),
        dense.select_sums(dense.select(values, outputs), outputs),
    )
    assert_allclose(
        observed.row_maxima(np.abs(entries)), dense.row_maxima(np.abs(values))
    )


def test_multiclass_blocks_keep_rows_aligned_on_the_observed_labels():
    # The outputs of a 3-class task share their rows: a row's block of
    # logits is the same on the dense entries and on the labels.
    rng = np.random.default_rng(4)
    codes = rng.integers(0, 3, (25, 2))
    weights = (rng.random((25, 2)) < 0.6) * rng.uniform(0.5, 2, (25, 2))
    codes[:6, 1], weights[:6] = [0, 1, 2, 0, 1, 2], 1.0  # every class observed
    wide = Logistic(codes, [2, 3], weights, np.array([1.0, 2.0]))
    X = rng.standard_normal((25, 4))
    _, labels = prepare(X, wide, "observed")
    assert labels.layout.kind == "observed"
    Z = rng.standard_normal((25, 4))
    assert labels.value(labels.layout.entries(Z)) == pytest.approx(wide.value(Z))
    assert_allclose(
        labels.gradient(labels.layout.entries(Z)),
        labels.layout.entries(wide.gradient(Z)),
    )
    start = np.zeros(4)
    assert_allclose(
        labels.intercept(labels.layout.entries(Z), start),
        wide.intercept(Z, start),
        atol=1e-10,
    )
    assert_allclose(labels.null_intercept(), wide.null_intercept())
    assert labels.dual(labels.layout.entries(Z), 0.7) == pytest.approx(
        wide.dual(Z, 0.7)
    )


def test_school_shaped_fit_touches_only_the_labels(monkeypatch):
    # 60 tasks with one label per row: the observed design holds 300
    # entries, not 18,000, and gives the dense design's solution.
    rng = np.random.default_rng(5)
    n_samples, n_tasks = 300, 60
    X = rng.standard_normal((n_samples, 4))
    task = np.concatenate([np.arange(n_tasks), rng.integers(0, n_tasks, 240)])
    Y = np.full((n_samples, n_tasks), np.nan)
    Y[np.arange(n_samples), task] = (
        X @ rng.standard_normal(4) + task / 10 + 0.3 * rng.standard_normal(n_samples)
    )
    # (Tighter than TIGHT: with one label per row, a gap of 1e-10 leaves
    # coefficients of the smallest tasks ~1e-6 apart.)
    tighter = {"tol": 1e-14, "max_iter": 50_000}
    model = MultiTaskLinearRegressor(MeanRegularized(1.0, 0.1), **tighter)
    observed = _fit_with("observed", monkeypatch, model, X, Y, None)
    _, datafit = prepare(
        X, Squared(np.nan_to_num(Y), ~np.isnan(Y) * 1.0, np.ones(n_tasks))
    )
    assert datafit.layout.kind == "observed"
    assert datafit.weights.shape == (n_samples,)
    coef = observed.coef_.copy()
    dense = _fit_with("dense", monkeypatch, model, X, Y, None)
    assert_allclose(coef, dense.coef_, rtol=1e-6, atol=1e-8)
    lasso = MultiTaskLasso(alpha=0.01, **tighter)
    coef = _fit_with("observed", monkeypatch, lasso, X, Y, None).coef_.copy()
    dense = _fit_with("dense", monkeypatch, lasso, X, Y, None)
    assert np.any(coef == 0) and np.any(coef)
    assert_allclose(coef, dense.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["l1", "l21", "dirty"])
def test_unweighted_labels_give_the_same_solution_on_both_layouts(name, monkeypatch):
    # Without sample weights every label of a task weighs its task weight:
    # the epochs on the labels then read no per-label weight (a code path of
    # their own), and must find the dense layout's solution.
    X, latent, hidden, _ = _problem(seed=2)
    Y = _targets("squared", latent, hidden)
    model = MultiTaskLinearRegressor(
        PENALTIES[name][0], task_weights=[1, 3, 0.5], **TIGHT
    )
    dense = _fit_with("dense", monkeypatch, model, X, Y, None)
    coef, intercept = dense.coef_.copy(), dense.intercept_.copy()
    observed = _fit_with("observed", monkeypatch, model, X, Y, None)
    assert np.any(coef)
    assert_allclose(observed.coef_, coef, rtol=1e-5, atol=1e-6)
    assert_allclose(observed.intercept_, intercept, rtol=1e-5, atol=1e-6)


def test_uniform_label_epoch_is_the_weighted_epoch():
    # One compiled epoch on the labels with per-output weights (no per-label
    # weight read) moves W, the intercepts and the residuals as the epoch
    # that reads each label's weight, when every label of an output has its
    # output's weight.
    X, latent, hidden, _ = _problem(seed=3, n_samples=80)
    Y = _targets("squared", latent, hidden)
    mask = ~np.isnan(Y)
    task_weights = np.array([1.0, 3.0, 0.5])
    datafit = Squared(np.where(mask, Y, 0.0), mask.astype(float), task_weights)
    design, datafit = prepare(X, datafit, layout="observed")
    assert isinstance(design, GatheredDesign) and datafit.uniform_labels
    features = np.arange(X.shape[1])
    _, centered, means = _ColumnStatistics(design, datafit).take(features)
    problem = _WorkingSetProblem(
        design.working_set(features), datafit, L21(alpha=0.02), centered, means,
        fit_intercept=True, compiled=True,
    )  # fmt: skip
    assert_allclose(problem.output_weights, task_weights)
    runs = []
    for output_weights in (problem.output_weights, None):
        coefs = np.zeros((1, X.shape[1], 3))
        state = problem.state(coefs, datafit.null_intercept())
        for _ in range(3):
            problem.design.epoch(
                problem.weights, state.residuals, coefs, state.intercept,
                datafit.normalizer, output_weights, *problem.kernel_arguments,
            )  # fmt: skip
        runs.append((coefs, state.intercept, state.residuals))
    assert np.any(runs[0][0])
    for uniform, weighted in zip(*runs, strict=True):
        assert_allclose(uniform, weighted, rtol=1e-12, atol=1e-12)
