"""Regularization paths and the cross-validated generic linear models.

The path is compared with independent fits at each alpha, its grid with
``alpha_max`` and the documented data-based start computed by hand, and the
CV estimators with a ``GridSearchCV`` over the same alphas, folds and scorer.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
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
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearClassifierCV,
    MultiTaskLinearRegressor,
    MultiTaskLinearRegressorCV,
    MultiTaskLogisticRegression,
    MultiTaskLogisticRegressionCV,
    TaskRelationship,
    TraceNorm,
    multitask_path,
)
from sklearn_mtl.linear_model.extending import Penalty
from sklearn_mtl.metrics import make_multitask_scorer
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold

# GridSearchCV fits the top of the grids too, at or above alpha_max.
pytestmark = pytest.mark.filterwarnings(
    "ignore:alpha.* is at or above alpha.*_max:UserWarning"
)

# Fits tight enough that two of them (warm-started or not) agree to ~1e-6.
TIGHT = {"tol": 1e-12, "max_iter": 50_000}


def _regression_data(n_samples=40, n_features=6, n_tasks=3, missing=0.2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_features, n_tasks))
    W[3:] = 0.0
    Y = X @ W + 0.5 * rng.standard_normal((n_samples, n_tasks))
    Y[rng.uniform(size=Y.shape) < missing] = np.nan
    Y[:4] = X[:4] @ W  # every task keeps labels
    return X, Y


def _classification_data(n_samples=80, n_features=5, n_tasks=3, missing=0.2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_features, n_tasks))
    logits = X @ W + rng.logistic(size=(n_samples, n_tasks))
    Y = (logits > 0).astype(float)
    Y[rng.uniform(size=Y.shape) < missing] = np.nan
    return X, Y


# --- 1. The path equals independent fits ---------------------------------------

# Each penalty at its own strength, and the same one scaled to another alpha
# by the documented rule (first strength set, the others in ratio).
SCALED = [
    (L21(alpha=7.0), 0.3, L21(alpha=0.3)),
    (L1(alpha=1.0), 0.2, L1(alpha=0.2)),
    (L2(alpha=1.0), 0.5, L2(alpha=0.5)),
    (L21ElasticNet(alpha=2.0, l1_ratio=0.6), 0.3, L21ElasticNet(0.3, l1_ratio=0.6)),
    (Dirty(alpha_group=2.0, alpha_sparse=1.0), 0.3, Dirty(0.3, 0.15)),
    (TraceNorm(alpha=1.0), 0.4, TraceNorm(alpha=0.4)),
    (MeanRegularized(alpha=2.0, beta=0.2), 0.5, MeanRegularized(0.5, beta=0.05)),
    (
        GraphLaplacian(alpha=1.0, adjacency=[[0, 1, 0], [1, 0, 2], [0, 2, 0]]),
        0.5,
        GraphLaplacian(alpha=0.5, adjacency=[[0, 1, 0], [1, 0, 2], [0, 2, 0]]),
    ),
    (Clustered(alpha=1.0, beta=0.5, n_clusters=2), 0.4, Clustered(0.4, 0.2, 2)),
    (TaskRelationship(alpha=1.0, beta=0.1), 0.2, TaskRelationship(0.2, beta=0.02)),
]
SCALED_IDS = [type(penalty).__name__ for penalty, _, _ in SCALED]


@pytest.mark.parametrize(("penalty", "alpha", "expected"), SCALED, ids=SCALED_IDS)
def test_path_equals_independent_fits_at_each_alpha(penalty, alpha, expected):
    X, Y = _regression_data()
    # Three alphas around the one checked by hand: the path warm-starts the
    # last from the others.
    alphas = [4 * alpha, 2 * alpha, alpha]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # alpha >= alpha_max
        grid, coefs, intercepts, n_iters = multitask_path(
            X, Y, penalty, alphas=alphas, **TIGHT
        )
        reference = MultiTaskLinearRegressor(expected, **TIGHT).fit(X, Y)
    assert_allclose(grid, alphas)
    assert coefs.shape == (3, X.shape[1], Y.shape[1])
    assert intercepts.shape == (3, Y.shape[1])
    assert n_iters.shape == (3,)
    assert_allclose(coefs[-1], reference.coef_.T, atol=1e-6)
    assert_allclose(intercepts[-1], reference.intercept_, atol=1e-6)
    for k, current in enumerate(grid[:-1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            names = penalty.strength_names
            scale = current / penalty.get_params()[names[0]]
            scaled = clone(penalty).set_params(
                **{name: scale * penalty.get_params()[name] for name in names}
            )
            fit = MultiTaskLinearRegressor(scaled, **TIGHT).fit(X, Y)
        assert_allclose(coefs[k], fit.coef_.T, atol=1e-6)


@pytest.mark.parametrize(
    "penalty", [L21(), MeanRegularized(beta=0.1), Dirty(1.0, 0.7)], ids=repr
)
def test_logistic_path_equals_independent_fits(penalty):
    X, Y = _classification_data()
    grid, coefs, intercepts, _ = multitask_path(
        X, Y, penalty, loss="logistic", alphas=4, eps=0.05, **TIGHT
    )
    for k in (1, 3):
        scaled = clone(penalty)
        names = penalty.strength_names
        first = penalty.get_params()[names[0]]
        scaled.set_params(
            **{name: grid[k] / first * penalty.get_params()[name] for name in names}
        )
        fit = MultiTaskLinearClassifier(scaled, **TIGHT).fit(X, Y)
        assert_allclose(coefs[k], fit.coef_.T, atol=1e-6)
        assert_allclose(intercepts[k], fit.intercept_, atol=1e-6)


def test_multiclass_path_reports_the_classifier_intercepts():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((90, 4))
    Y = np.column_stack(
        [np.digitize(X[:, 0] + 0.5 * rng.standard_normal(90), [-0.5, 0.5]), X[:, 1] > 0]
    ).astype(float)
    Y[::7, 0] = np.nan
    _, coefs, intercepts, _ = multitask_path(
        X, Y, L21(), loss="logistic", alphas=[0.05, 0.01], **TIGHT
    )
    fit = MultiTaskLinearClassifier(L21(alpha=0.01), **TIGHT).fit(X, Y)
    assert coefs.shape == (2, 4, 4)  # 3 classes + 1 binary task
    assert_allclose(coefs[1], fit.coef_.T, atol=1e-6)
    # The multiclass intercepts are reported summing to 0, as by the fit.
    assert_allclose(intercepts[1], fit.intercept_, atol=1e-6)
    assert abs(intercepts[1][:3].sum()) < 1e-12


def test_path_of_one_task_mirrors_a_1d_y():
    X, Y = _regression_data(missing=0.0)
    _, coefs, intercepts, _ = multitask_path(X, Y[:, 0], alphas=4)
    assert coefs.shape == (4, X.shape[1])
    assert intercepts.shape == (4,)
    _, coefs_2d, _, _ = multitask_path(X, Y[:, :1], alphas=4)
    assert_allclose(coefs, coefs_2d[:, :, 0])


def test_path_fits_explicit_alphas_in_decreasing_order():
    X, Y = _regression_data()
    grid, coefs, _, _ = multitask_path(X, Y, L21(), alphas=[0.01, 1.0, 0.1])
    assert_array_equal(grid, [1.0, 0.1, 0.01])
    fit = MultiTaskLinearRegressor(L21(alpha=0.1)).fit(X, Y)
    assert_allclose(coefs[1], fit.coef_.T, atol=1e-4)


def test_unlabelled_rows_and_sparse_X_change_nothing():
    from scipy import sparse

    X, Y = _regression_data()
    _, coefs, intercepts, _ = multitask_path(X, Y, TraceNorm(), alphas=5, **TIGHT)
    X_more = np.vstack([X, np.ones((3, X.shape[1]))])
    Y_more = np.vstack([Y, np.full((3, Y.shape[1]), np.nan)])
    _, coefs_more, intercepts_more, _ = multitask_path(
        sparse.csr_matrix(X_more), Y_more, TraceNorm(), alphas=5, **TIGHT
    )
    assert_allclose(coefs_more, coefs, atol=1e-9)
    assert_allclose(intercepts_more, intercepts, atol=1e-9)


# --- 2. The grid ------------------------------------------------------------------


def _minus_gradient(X, Y):
    """``X^T (Y - mean) / m`` over the observed labels (unit weights)."""
    mask = ~np.isnan(Y)
    centred = np.where(mask, Y - np.nanmean(Y, axis=0), 0.0)
    return X.T @ centred / (mask.sum() / Y.shape[1])


@pytest.mark.parametrize(
    ("penalty", "alpha_max_of"),
    [
        (L21(), lambda C: np.linalg.norm(C, axis=1).max()),
        (L1(), lambda C: np.abs(C).max()),
        (TraceNorm(), lambda C: np.linalg.norm(C, ord=2)),
        (
            L21ElasticNet(l1_ratio=0.25),
            lambda C: np.linalg.norm(C, axis=1).max() / 0.25,
        ),
        # Dirty: alpha_group with alpha_sparse = 0.5 alpha_group zeroes W when
        # both duals are small enough.
        (
            Dirty(alpha_group=2.0, alpha_sparse=1.0),
            lambda C: max(np.linalg.norm(C, axis=1).max(), np.abs(C).max() / 0.5),
        ),
        (
            Dirty(alpha_group=1.0, alpha_sparse=5.0),
            lambda C: max(np.linalg.norm(C, axis=1).max(), np.abs(C).max() / 5.0),
        ),
    ],
    ids=["l21", "l1", "trace_norm", "elastic_net", "dirty_l1_bound", "dirty_l21_bound"],
)
def test_grid_starts_at_alpha_max(penalty, alpha_max_of):
    X, Y = _regression_data()
    alpha_max = alpha_max_of(_minus_gradient(X, Y))
    grid, coefs, _, _ = multitask_path(X, Y, penalty, alphas=6, eps=0.1, **TIGHT)
    assert_allclose(grid, np.geomspace(alpha_max, 0.1 * alpha_max, 6), rtol=1e-10)
    assert np.all(coefs[0] == 0)
    # Just below alpha_max a coefficient is not zero.
    _, below, _, _ = multitask_path(
        X, Y, penalty, alphas=[alpha_max * (1 - 1e-3)], **TIGHT
    )
    assert np.any(np.abs(below) > 1e-12)


@pytest.mark.parametrize(
    ("penalty", "kappa"),
    [
        (L2(alpha=3.0), 1.0),
        (MeanRegularized(alpha=2.0, beta=0.5), 1.25),  # (alpha + beta) / alpha
        (TaskRelationship(alpha=1.0, beta=0.5), 3.5),  # min(p, T) + beta / alpha
    ],
    ids=["l2", "mean_regularized", "task_relationship"],
)
def test_grid_without_alpha_max_is_centred_on_the_datafit_curvature(penalty, kappa):
    X, Y = _regression_data(missing=0.0)
    # Fully observed, unit weights: the datafit's largest curvature is the
    # largest eigenvalue of X_c^T X_c / n (X centred: intercepts minimized out).
    centred = X - X.mean(axis=0)
    lipschitz = np.linalg.eigvalsh(centred.T @ centred / X.shape[0])[-1]
    grid, _, _, _ = multitask_path(X, Y, penalty, alphas=5, eps=1e-2)
    assert_allclose(grid[0] / grid[-1], 100.0)
    assert_allclose(np.sqrt(grid[0] * grid[-1]), lipschitz / kappa, rtol=1e-8)


class _NoStart(Penalty):
    """A penalty with neither alpha_max nor curvature (only its value and prox)."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def value(self, coefs):
        return self.alpha * np.abs(coefs[0]).sum()

    def prox(self, coefs, step):
        return np.sign(coefs) * np.maximum(np.abs(coefs) - self.alpha * step, 0.0)


def test_penalty_without_a_start_needs_explicit_alphas():
    X, Y = _regression_data()
    message = (
        "Cannot make an automatic grid of alphas for _NoStart(): the penalty has "
        "no alpha_max (the smallest strength that zeroes every coefficient) and no "
        "curvature (smooth_lipschitz or curvature) to start from. Pass the alphas "
        "themselves (alphas=[...])."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        multitask_path(X, Y, _NoStart(), alphas=3)
    _, coefs, _, _ = multitask_path(X, Y, _NoStart(), alphas=[0.1, 0.05])
    fit = MultiTaskLinearRegressor(L1(alpha=0.05), **TIGHT).fit(X, Y)
    assert_allclose(coefs[1], fit.coef_.T, atol=1e-3)


# --- 3. Errors of the path ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"loss": "hinge"},
            InvalidParameterError,
            "The 'loss' parameter of multitask_path must be a str among {",
        ),
        (
            {"alphas": [0.1, -1.0]},
            InvalidParameterError,
            "The 'alphas' parameter of multitask_path must be an int in the range "
            "[1, inf) or a non-empty 1-D array-like of finite floats >= 0. Got "
            "[0.1, -1.0] instead.",
        ),
        (
            {"alphas": True},
            InvalidParameterError,
            "The 'alphas' parameter of multitask_path must be an int in the range "
            "[1, inf) or an array-like. Got True instead.",
        ),
        (
            {"penalty": "trace"},
            InvalidParameterError,
            "The 'penalty' parameter of multitask_path must be None or a penalty "
            "object",
        ),
        (
            {"penalty": Dirty(alpha_group=0.0, alpha_sparse=0.5)},
            ValueError,
            "Expected a positive alpha_group in Dirty(alpha_group=0.0): a path sets "
            "alpha_group to each alpha and keeps the other strengths in their ratio "
            "to it; got alpha_group=0.0 with alpha_sparse=0.5.",
        ),
        (
            {"missing_label": -1},
            ValueError,
            "missing_label marks missing class labels and applies to loss='logistic' "
            "only; got missing_label=-1 with loss='squared' (a missing regression "
            "label is NaN).",
        ),
        (
            {"penalty": Clustered(n_clusters=5)},
            ValueError,
            "Expected n_clusters of Clustered to be an integer between 1 and the "
            "number of tasks (3); got 5 instead.",
        ),
    ],
    ids=["loss", "negative_alpha", "bool_alphas", "string_penalty", "zero_first",
         "missing_label", "n_clusters"],
)  # fmt: skip
def test_path_errors(kwargs, error, message):
    X, Y = _regression_data()
    with pytest.raises(error, match=re.escape(message)):
        multitask_path(X, Y, **{"alphas": 3, **kwargs})


def test_string_penalty_suggests_the_class():
    X, Y = _regression_data()
    with pytest.raises(InvalidParameterError, match=r"Did you mean TraceNorm\(\)\?"):
        multitask_path(X, Y, "tracenorm")


# --- 4. CV estimators against GridSearchCV ------------------------------------------


def _grid_search_alpha(estimator, grid, X, Y, cv, scoring):
    search = GridSearchCV(estimator, grid, cv=cv, scoring=scoring).fit(X, Y)
    scores = np.column_stack(
        [search.cv_results_[f"split{k}_test_score"] for k in range(cv.n_splits)]
    )
    return search, scores


@pytest.mark.parametrize(
    ("penalty", "scoring"),
    [
        (L21(), None),
        (Dirty(alpha_group=1.0, alpha_sparse=0.6), None),
        (TraceNorm(), "r2"),
        (MeanRegularized(beta=0.1), None),
    ],
    ids=["l21", "dirty", "trace_norm_r2", "mean_regularized"],
)
def test_regressor_cv_chooses_what_grid_search_chooses(penalty, scoring):
    X, Y = _regression_data(n_samples=60)
    cv = MultiTaskStratifiedKFold(n_splits=3)
    model = MultiTaskLinearRegressorCV(
        penalty, alphas=8, eps=1e-2, cv=cv, scoring=scoring, **TIGHT
    ).fit(X, Y)
    names = penalty.strength_names
    first = penalty.get_params()[names[0]]
    candidates = [
        clone(penalty).set_params(
            **{name: alpha / first * penalty.get_params()[name] for name in names}
        )
        for alpha in model.alphas_
    ]
    search, scores = _grid_search_alpha(
        MultiTaskLinearRegressor(**TIGHT),
        {"penalty": candidates},
        X,
        Y,
        cv,
        make_multitask_scorer(scoring or "mean_squared_error"),
    )
    assert_allclose(model.scores_path_, scores, rtol=1e-6, atol=1e-9)
    chosen = search.best_params_["penalty"].get_params()
    assert model.alpha_ == chosen[names[0]]
    assert model.penalty_.get_params() == pytest.approx(chosen, rel=1e-15)
    assert_allclose(model.coef_, search.best_estimator_.coef_, atol=1e-8)


def test_classifier_cv_with_missing_labels_chooses_what_grid_search_chooses():
    X, Y = _classification_data(n_samples=90, missing=0.3)
    model = MultiTaskLinearClassifierCV(L21(), alphas=6, eps=0.05, cv=3, **TIGHT)
    model.fit(X, Y)
    # cv=3 is MultiTaskStratifiedKFold on the classes: the same folds.
    cv = MultiTaskStratifiedKFold(n_splits=3, target_type="classification")
    search, scores = _grid_search_alpha(
        MultiTaskLinearClassifier(**TIGHT),
        {"penalty": [L21(alpha=alpha) for alpha in model.alphas_]},
        X,
        Y,
        cv,
        make_multitask_scorer("log_loss"),
    )
    assert_allclose(model.scores_path_, scores, rtol=1e-6)
    assert model.alpha_ == search.best_params_["penalty"].alpha
    assert_allclose(model.coef_, search.best_estimator_.coef_, atol=1e-8)
    assert [p.shape for p in model.predict_proba(X[:2])] == [(2, 2)] * 3


def test_logistic_regression_cv_with_string_labels_and_accuracy():
    X, Y = _classification_data(n_samples=90, missing=0.2, seed=3)
    labels = np.where(np.isnan(Y), None, np.where(Y == 1, "yes", "no")).astype(object)
    cv = MultiTaskStratifiedKFold(n_splits=3, target_type="classification")
    model = MultiTaskLogisticRegressionCV(
        alphas=5, eps=0.05, cv=cv, scoring="accuracy", **TIGHT
    ).fit(X, labels)
    search, scores = _grid_search_alpha(
        MultiTaskLogisticRegression(**TIGHT),
        {"alpha": list(model.alphas_)},
        X,
        labels,
        cv,
        make_multitask_scorer("accuracy"),
    )
    assert_allclose(model.scores_path_, scores)
    assert model.alpha_ == search.best_params_["alpha"]
    assert set(model.predict(X).ravel()) <= {"yes", "no"}


def test_default_scoring_weights_the_tasks_by_task_weights():
    X, Y = _regression_data(n_samples=60)
    weights = [1.0, 3.0, 0.5]
    cv = MultiTaskStratifiedKFold(n_splits=3)
    model = MultiTaskLinearRegressorCV(
        L21(), alphas=5, eps=1e-2, cv=cv, task_weights=weights, **TIGHT
    ).fit(X, Y)
    _, scores = _grid_search_alpha(
        MultiTaskLinearRegressor(task_weights=weights, **TIGHT),
        {"penalty": [L21(alpha=alpha) for alpha in model.alphas_]},
        X,
        Y,
        cv,
        make_multitask_scorer("mean_squared_error", task_weights=weights),
    )
    assert_allclose(model.scores_path_, scores, rtol=1e-6)


def test_sample_weights_reach_the_fits_and_the_scores():
    X, Y = _regression_data(n_samples=60)
    weight = np.random.default_rng(0).uniform(0.5, 2.0, size=60)
    model = MultiTaskLinearRegressorCV(L21(), alphas=5, cv=3, **TIGHT)
    weighted = clone(model).fit(X, Y, sample_weight=weight)
    scaled = clone(model).fit(X, Y, sample_weight=10.0 * weight)
    unweighted = clone(model).fit(X, Y)
    # Only the ratios of the weights matter, in the fits and in the scores.
    assert_allclose(scaled.scores_path_, weighted.scores_path_, rtol=1e-8)
    assert not np.allclose(unweighted.scores_path_, weighted.scores_path_)
    # A fold's score is the weighted metric of the validation rows.
    cv = MultiTaskStratifiedKFold(n_splits=3)
    train, test = next(cv.split(X, Y))
    fit = MultiTaskLinearRegressor(L21(alpha=weighted.alphas_[2]), **TIGHT).fit(
        X[train], Y[train], sample_weight=weight[train]
    )
    scorer = make_multitask_scorer("mean_squared_error")
    expected = scorer(fit, X[test], Y[test], sample_weight=weight[test])
    assert_allclose(weighted.scores_path_[2, 0], expected, rtol=1e-6)


# --- 5. Folds, parallelism, parameters, atomicity ------------------------------------


def test_n_jobs_two_equals_n_jobs_one():
    X, Y = _classification_data(n_samples=60)
    model = MultiTaskLinearClassifierCV(
        MeanRegularized(beta=0.1), alphas=3, eps=0.1, cv=3
    )
    one = clone(model).set_params(n_jobs=1).fit(X, Y)
    two = clone(model).set_params(n_jobs=2).fit(X, Y)
    assert_array_equal(two.scores_path_, one.scores_path_)
    assert_array_equal(two.coef_, one.coef_)
    assert two.alpha_ == one.alpha_


def test_classifier_folds_keep_every_task_and_class_in_training():
    # Task 2 is labelled on 12 rows only, 3 of them positive: plain KFold
    # leaves a training fold without its positives; the default folds do not.
    X, Y = _classification_data(n_samples=90, missing=0.0, seed=2)
    Y[12:, 2] = np.nan
    Y[:12, 2] = [1, 1, 1] + [0] * 9
    model = MultiTaskLinearClassifierCV(L21(), alphas=3, eps=0.1, cv=3)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*single observed class")
        model.fit(X, Y)
    for train, _ in model._splitter().split(X, Y):
        assert set(Y[train, 2][~np.isnan(Y[train, 2])]) == {0.0, 1.0}


def test_a_training_fold_without_a_task_is_named():
    X, Y = _regression_data(n_samples=30, missing=0.0)
    Y[10:, 1] = np.nan
    message = (
        "Task 1 has no observed label in the training rows of a cross-validation "
        "split; use cv=MultiTaskStratifiedKFold(...), which keeps every task "
        "labelled in every training fold."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        MultiTaskLinearRegressorCV(alphas=3, cv=KFold(3)).fit(X, Y)


def test_clone_get_params_and_nested_penalty_parameters():
    model = MultiTaskLinearRegressorCV(Dirty(alpha_group=1.0, alpha_sparse=0.2))
    params = model.get_params()
    assert params["penalty__alpha_sparse"] == 0.2
    assert params["alphas"] == 100 and params["scoring"] is None
    copy = clone(model).set_params(penalty__alpha_sparse=0.4, alphas=4, cv=3)
    assert model.penalty.alpha_sparse == 0.2  # the original is untouched
    X, Y = _regression_data(n_samples=60)
    copy.fit(X, Y)
    assert_allclose(copy.penalty_.alpha_sparse / copy.penalty_.alpha_group, 0.4)
    assert copy.coef_group_.shape == copy.coef_sparse_.shape == (3, 6)
    assert copy.penalty.alpha_group == 1.0  # fit does not mutate the parameters


def test_refit_attributes_are_the_final_estimators():
    X, Y = _regression_data(n_samples=60)
    model = MultiTaskLinearRegressorCV(
        Clustered(alpha=1.0, beta=0.2, n_clusters=2), alphas=4, cv=3
    ).fit(X, Y)
    final = MultiTaskLinearRegressor(model.penalty_).fit(X, Y)
    assert_allclose(model.coef_, final.coef_)
    assert_array_equal(model.task_clusters_, final.task_clusters_)
    assert model.solver_ == "fista" and model.n_iter_ == final.n_iter_
    assert_allclose(model.predict(X), final.predict(X))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            MultiTaskLinearRegressorCV(alphas=[]),
            "The 'alphas' parameter of MultiTaskLinearRegressorCV must be an int in "
            "the range [1, inf) or a non-empty 1-D array-like of finite floats >= 0. "
            "Got [] instead.",
        ),
        (
            MultiTaskLinearClassifierCV(eps=0.0),
            "The 'eps' parameter of MultiTaskLinearClassifierCV must be a float in "
            "the range (0.0, 1.0]. Got 0.0 instead.",
        ),
        (
            MultiTaskLogisticRegressionCV(scoring=3),
            "The 'scoring' parameter of MultiTaskLogisticRegressionCV must be an "
            "instance of 'str', a callable or None. Got 3 instead.",
        ),
        (
            MultiTaskLinearRegressorCV(solver="fist"),
            "Did you mean 'fista'?",
        ),
        (
            MultiTaskLinearClassifierCV(penalty="l21"),
            "The 'penalty' parameter of MultiTaskLinearClassifierCV must be None or "
            "a penalty object",
        ),
    ],
    ids=["alphas", "eps", "scoring", "solver", "penalty"],
)
def test_invalid_parameters_name_the_estimator(model, message):
    X, Y = _classification_data()
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        model.fit(X, Y)


def test_unknown_scoring_name_suggests_the_closest():
    X, Y = _regression_data(n_samples=60)
    message = r"Unknown metric 'mean_squared_eror'.*Did you mean 'mean_squared_error'\?"
    with pytest.raises(ValueError, match=message):
        MultiTaskLinearRegressorCV(alphas=2, cv=3, scoring="mean_squared_eror").fit(
            X, Y
        )


def test_a_single_class_task_is_refused_by_the_default_log_loss():
    X, Y = _classification_data()
    Y[:, 1] = np.where(np.isnan(Y[:, 1]), np.nan, 1.0)
    message = (
        "Task 1 has a single observed class (1.0): the log loss that "
        "MultiTaskLinearClassifierCV compares alphas with by default is undefined "
        "for it. Give the task labels of two classes, drop it, or pass another "
        "scoring."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        MultiTaskLinearClassifierCV(alphas=2, cv=3).fit(X, Y)
    # Another scoring takes it: the task gets a constant model, as in fit.
    with pytest.warns(UserWarning, match="Task 1 has a single observed class"):
        model = MultiTaskLinearClassifierCV(alphas=2, eps=0.1, cv=3, scoring="accuracy")
        model.fit(X, Y)
    assert np.all(model.predict(X)[:, 1] == 1.0)


def test_relating_penalty_with_a_multiclass_task_is_refused_before_the_folds():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    Y = np.column_stack([X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5])])
    with pytest.raises(ValueError, match="needs one column per task"):
        MultiTaskLinearClassifierCV(TaskRelationship(), alphas=2, cv=3).fit(X, Y)


def test_an_interrupted_fit_leaves_the_previous_model():
    X, Y = _regression_data(n_samples=60)
    model = MultiTaskLinearRegressorCV(L21(), alphas=4, cv=3).fit(X, Y)
    before = dict(vars(model))
    calls = []

    def interrupting_scorer(estimator, X_test, y_test):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return 0.0

    model.set_params(scoring=interrupting_scorer)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y)
    after = vars(model)
    assert set(after) == set(before)
    for name in ("coef_", "alphas_", "scores_path_", "alpha_"):
        assert_array_equal(after[name], before[name])


def test_lasso_cv_keeps_its_pooled_error_and_attributes():
    # MultiTaskLassoCV shares the search with the generic estimators but keeps
    # its own error: the pooled weighted squared error of the validation labels.
    X, Y = _regression_data(n_samples=60)
    cv = MultiTaskStratifiedKFold(n_splits=3)
    model = MultiTaskLassoCV(alphas=4, cv=cv, **TIGHT).fit(X, Y)
    train, test = next(cv.split(X, Y))
    fit = MultiTaskLinearRegressor(L21(alpha=model.alphas_[1]), **TIGHT)
    fit.fit(X[train], Y[train])
    mask = ~np.isnan(Y[test])
    pooled = np.mean((Y[test] - fit.predict(X[test]))[mask] ** 2)
    assert_allclose(model.mse_path_[1, 0], pooled, rtol=1e-6)
    assert model.alpha_ == model.alphas_[np.argmin(model.mse_path_.mean(axis=1))]
    assert not hasattr(model, "scores_path_")
