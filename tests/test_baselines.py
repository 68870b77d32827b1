"""Independent and pooled baselines against the plain estimators they wrap."""

import re
import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from sklearn_mtl.metrics import multitask_accuracy_score, multitask_r2_score
from sklearn_mtl.utils import wide_to_long


@pytest.fixture
def regression_data():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((80, 5))
    Y = X @ rng.standard_normal((5, 3)) + rng.standard_normal((80, 3))
    Y[rng.uniform(size=Y.shape) < 0.3] = np.nan
    return X, Y


@pytest.fixture
def classification_data(regression_data):
    X, Y = regression_data
    labels = np.where(Y > 0, "pos", "neg").astype(object)
    labels[np.isnan(Y)] = None
    return X, labels


def test_independent_regressor_fits_each_task_on_its_observed_rows(regression_data):
    X, Y = regression_data
    model = IndependentTaskRegressor(Ridge(alpha=2.0)).fit(X, Y)
    X_test = np.random.RandomState(1).standard_normal((7, 5))
    for t in range(3):
        rows = ~np.isnan(Y[:, t])
        reference = Ridge(alpha=2.0).fit(X[rows], Y[rows, t])
        np.testing.assert_allclose(model.estimators_[t].coef_, reference.coef_)
        np.testing.assert_allclose(
            model.predict(X_test)[:, t], reference.predict(X_test)
        )
    assert model.predict(X_test).shape == (7, 3)


def test_independent_regressor_task_weights_scale_sample_weights(regression_data):
    X, Y = regression_data
    sample_weight = np.random.RandomState(2).uniform(0.5, 2.0, size=X.shape[0])
    model = IndependentTaskRegressor(Ridge(), task_weights=[1.0, 3.0, 2.0])
    model.fit(X, Y, sample_weight=sample_weight)
    rescaled = np.array([1.0, 3.0, 2.0]) / 2.0
    for t in range(3):
        rows = ~np.isnan(Y[:, t])
        reference = Ridge().fit(
            X[rows], Y[rows, t], sample_weight=sample_weight[rows] * rescaled[t]
        )
        np.testing.assert_allclose(model.estimators_[t].coef_, reference.coef_)


def test_independent_regressor_rejects_zero_task_weight(regression_data):
    X, Y = regression_data
    model = IndependentTaskRegressor(task_weights=[1.0, 0.0, 1.0])
    message = (
        "IndependentTaskRegressor fits each task on its own, so task 1 cannot "
        "have weight 0; got task_weights [1.5, 0.0, 1.5]."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(X, Y)


@pytest.mark.parametrize(
    "model",
    [
        IndependentTaskRegressor(KNeighborsRegressor(), task_weights=[1, 2, 3]),
        PooledTaskRegressor(KNeighborsRegressor(), task_weights=[1, 2, 3]),
    ],
    ids=["independent", "pooled"],
)
def test_weights_need_an_estimator_that_takes_them(model, regression_data):
    X, Y = regression_data
    message = (
        f"{type(model).__name__} needs to pass sample weights (from sample_weight "
        "or task_weights) to its inner estimator, but KNeighborsRegressor.fit "
        "does not accept sample_weight. Use an estimator that does, or leave "
        "both unset."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(X, Y)
    # Without weights the same estimator fits.
    clone(model).set_params(task_weights=None).fit(X, Y)


def test_parallel_fit_matches_sequential(regression_data):
    X, Y = regression_data
    sequential = IndependentTaskRegressor(Ridge(), n_jobs=1).fit(X, Y)
    parallel = IndependentTaskRegressor(Ridge(), n_jobs=2).fit(X, Y)
    np.testing.assert_allclose(parallel.predict(X), sequential.predict(X))


def test_independent_fit_copies_one_task_of_x_at_a_time():
    # Each task's rows of X are copied when its fit runs, not all tasks' rows
    # up front: with 40 fully observed tasks the copies together would be 40
    # times X (on ToxCast, about 180 times).
    rng = np.random.RandomState(0)
    X = rng.standard_normal((4000, 50))
    Y = rng.standard_normal((4000, 40))
    model = IndependentTaskRegressor(DummyRegressor())
    tracemalloc.start()
    try:
        model.fit(X, Y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(model.estimators_) == 40
    assert peak < 4 * X.nbytes, f"peak {peak / X.nbytes:.1f} times X"


def test_pooled_regressor_is_one_model_on_the_stacked_labels(regression_data):
    X, Y = regression_data
    X_long, y_long, _ = wide_to_long(X, Y)
    model = PooledTaskRegressor(Ridge(alpha=3.0)).fit(X, Y)
    reference = Ridge(alpha=3.0).fit(X_long, y_long)
    np.testing.assert_allclose(model.estimator_.coef_, reference.coef_)
    predictions = model.predict(X[:5])
    for t in range(3):
        np.testing.assert_allclose(predictions[:, t], reference.predict(X[:5]))


def _stacked(X, Y):
    """One row per observed label (task-major), its task, and the labels."""
    observed = [np.flatnonzero(~np.isnan(Y[:, t])) for t in range(Y.shape[1])]
    rows = np.concatenate(observed)
    task = np.repeat(np.arange(Y.shape[1]), [r.size for r in observed])
    return X[rows], Y[rows, task], task, rows


def test_default_pooled_regressor_merges_a_rows_labels_exactly(regression_data):
    # Ridge() on one row per sample (the weighted mean of its labels, their
    # total weight) solves the objective of one row per label.
    X, Y = regression_data
    sample_weight = np.random.RandomState(3).uniform(0.5, 2.0, size=X.shape[0])
    task_weights = np.array([1.5, 0.5, 1.0])  # mean 1: not rescaled
    X_long, y_long, task, rows = _stacked(X, Y)
    reference = Ridge().fit(
        X_long, y_long, sample_weight=sample_weight[rows] * task_weights[task]
    )
    model = PooledTaskRegressor(task_weights=task_weights)
    model.fit(X, Y, sample_weight=sample_weight)
    assert model.estimator_.n_features_in_ == 5
    np.testing.assert_allclose(model.estimator_.coef_, reference.coef_, rtol=1e-10)
    np.testing.assert_allclose(model.predict(X)[:, 1], reference.predict(X))


def test_default_pooled_classifier_merges_a_rows_labels_exactly(regression_data):
    # One row per sample and class, weighted by its labels' total weight: the
    # weighted log-loss of any model is that of one row per label.
    X, Y = regression_data
    labels = np.where(np.isnan(Y), np.nan, (Y > 0).astype(float))
    labels[:, 2] = np.where(np.isnan(Y[:, 2]), np.nan, (Y[:, 2] > -1).astype(float))
    sample_weight = np.random.RandomState(3).uniform(0.5, 2.0, size=X.shape[0])
    task_weights = np.array([1.5, 0.5, 1.0])  # mean 1: not rescaled
    X_long, y_long, task, rows = _stacked(X, labels)
    stacked_weights = sample_weight[rows] * task_weights[task]
    model = PooledTaskClassifier(task_weights=task_weights)
    merged_rows, merged_labels, merged_weights = model._merge_labels(
        rows, y_long, stacked_weights, X.shape[0]
    )
    assert merged_rows.size < rows.size
    scores = X @ np.random.RandomState(4).standard_normal(5) + 0.3

    def loss(labels, weights, rows):
        probability = 1 / (1 + np.exp(-scores[rows]))
        return -np.sum(
            weights * np.where(labels == 1, np.log(probability), np.log1p(-probability))
        )

    np.testing.assert_allclose(
        loss(merged_labels, merged_weights, merged_rows),
        loss(y_long, stacked_weights, rows),
        rtol=1e-12,
    )
    # end to end, against LogisticRegression() on the stacked labels (the two
    # fits stop within the solver's tolerance of the same optimum)
    model.fit(X, labels, sample_weight=sample_weight)
    reference = LogisticRegression().fit(X_long, y_long, sample_weight=stacked_weights)
    np.testing.assert_allclose(model.estimator_.coef_, reference.coef_, atol=1e-3)
    np.testing.assert_allclose(
        model.predict_proba(X)[0], reference.predict_proba(X), atol=1e-3
    )
    np.testing.assert_array_equal(model.classes_[0], [0.0, 1.0])


def test_default_pooled_classifier_copies_x_once_per_class():
    # Without merging, the pooled rows are one copy of X's row per label: 10
    # times X here, about 180 times on ToxCast.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((2000, 400))
    Y = (rng.standard_normal((2000, 10)) > 0).astype(float)
    tracemalloc.start()
    try:
        PooledTaskClassifier().fit(X, Y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * X.nbytes, f"peak {peak / X.nbytes:.1f} times X"


def test_pooled_regressor_task_indicator_and_task_weights(regression_data):
    X, Y = regression_data
    X_long, y_long, task = wide_to_long(X, Y)
    indicator = np.eye(3)[task]
    weights = np.array([2.0, 1.0, 0.0]) / 1.0
    model = PooledTaskRegressor(
        LinearRegression(), add_task_indicator=True, task_weights=weights
    ).fit(X, Y)
    reference = LinearRegression().fit(
        np.hstack([X_long, indicator]), y_long, sample_weight=weights[task]
    )
    np.testing.assert_allclose(model.estimator_.coef_, reference.coef_, atol=1e-10)
    for t in range(3):
        design = np.hstack([X[:4], np.tile(np.eye(3)[t], (4, 1))])
        np.testing.assert_allclose(
            model.predict(X[:4])[:, t], reference.predict(design), atol=1e-10
        )


def test_pooled_regressor_with_sparse_input_matches_dense(regression_data):
    X, Y = regression_data
    ridge = Ridge(tol=1e-12)  # the sparse solver is iterative
    dense = PooledTaskRegressor(ridge, add_task_indicator=True).fit(X, Y)
    sparse_model = PooledTaskRegressor(ridge, add_task_indicator=True).fit(
        sparse.csr_matrix(X), Y
    )
    np.testing.assert_allclose(
        sparse_model.predict(sparse.csr_matrix(X)), dense.predict(X), atol=1e-8
    )


def test_independent_classifier_with_string_labels(classification_data):
    X, Y = classification_data
    model = IndependentTaskClassifier(LogisticRegression(C=0.5)).fit(X, Y)
    assert len(model.classes_) == 3
    for t in range(3):
        np.testing.assert_array_equal(model.classes_[t], ["neg", "pos"])
    probabilities = model.predict_proba(X)
    assert [p.shape for p in probabilities] == [(80, 2)] * 3
    predictions = model.predict(X)
    assert predictions.shape == (80, 3)
    for t in range(3):
        rows = np.array([label is not None for label in Y[:, t]])
        reference = LogisticRegression(C=0.5).fit(X[rows], Y[rows, t].astype(str))
        np.testing.assert_allclose(probabilities[t], reference.predict_proba(X))
        np.testing.assert_array_equal(predictions[:, t], reference.predict(X))
    assert model.score(X, Y) == multitask_accuracy_score(Y, predictions)


def test_single_class_task_gets_a_constant_model(classification_data):
    X, Y = classification_data
    Y = Y.copy()
    Y[:, 2] = np.where(Y[:, 2] == None, None, "pos")  # noqa: E711
    with pytest.warns(UserWarning, match=re.escape("Task 2 has a single observed")):
        model = IndependentTaskClassifier().fit(X, Y)
    assert np.all(model.predict(X)[:, 2] == "pos")
    np.testing.assert_array_equal(model.predict_proba(X)[2], np.ones((80, 1)))


def test_one_dimensional_y_gives_one_dimensional_outputs(classification_data):
    X, Y = classification_data
    rows = np.array([label is not None for label in Y[:, 0]])
    model = IndependentTaskClassifier().fit(X[rows], Y[rows, 0])
    assert model.predict(X).shape == (80,)
    assert model.predict_proba(X).shape == (80, 2)
    np.testing.assert_array_equal(model.classes_, ["neg", "pos"])


def test_pooled_classifier_shares_classes_and_refuses_mixed_label_types():
    X = np.arange(8.0).reshape(4, 2)
    Y = np.array([[0, 1], [1, 0], [0, None], [None, 1]], dtype=object)
    model = PooledTaskClassifier().fit(X, Y)
    np.testing.assert_array_equal(model.classes_[0], model.classes_[1])
    mixed = np.array([[0, "a"], [1, "b"], [0, "a"]], dtype=object)
    message = (
        "PooledTaskClassifier fits one model on the labels of all tasks, so "
        "they must be all numbers or all strings; got a mix of both."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        PooledTaskClassifier().fit(X[:3], mixed)


def test_dataframe_input_gives_task_and_feature_names(regression_data):
    pd = pytest.importorskip("pandas")
    X, Y = regression_data
    X_frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    Y_frame = pd.DataFrame(Y, columns=["math", "art", "music"])
    model = IndependentTaskRegressor().fit(X_frame, Y_frame)
    np.testing.assert_array_equal(model.task_names_, ["math", "art", "music"])
    np.testing.assert_array_equal(model.feature_names_in_, X_frame.columns)
    np.testing.assert_allclose(
        model.predict(X_frame), IndependentTaskRegressor().fit(X, Y).predict(X)
    )
    weighted = IndependentTaskRegressor(task_weights={"art": 2.0}).fit(X_frame, Y_frame)
    assert weighted.predict(X_frame).shape == (80, 3)


def test_wrong_number_of_features_at_predict(regression_data):
    X, Y = regression_data
    model = PooledTaskRegressor().fit(X, Y)
    message = "X has 4 features, but PooledTaskRegressor is expecting 5 features"
    with pytest.raises(ValueError, match=re.escape(message)):
        model.predict(X[:, :4])


def test_task_without_labels_is_an_error_naming_it(regression_data):
    pd = pytest.importorskip("pandas")
    X, Y = regression_data
    Y = pd.DataFrame(Y, columns=["math", "art", "music"])
    Y["art"] = np.nan
    message = (
        "Task 'art' (index 1) has no observed label in Y; every task needs at "
        "least one observed label to be fitted."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        IndependentTaskRegressor().fit(X, Y)


def test_grid_search_in_a_pipeline_uses_the_mask_aware_score(regression_data):
    X, Y = regression_data
    pipeline = make_pipeline(StandardScaler(), IndependentTaskRegressor(Ridge()))
    cv = KFold(4, shuffle=True, random_state=0)
    search = GridSearchCV(
        pipeline, {"independenttaskregressor__estimator__alpha": [0.1, 10.0]}, cv=cv
    ).fit(X, Y)
    best = search.best_estimator_
    by_hand = []
    for train, test in cv.split(X):
        fold_model = clone(best).fit(X[train], Y[train])
        by_hand.append(multitask_r2_score(Y[test], fold_model.predict(X[test])))
    np.testing.assert_allclose(search.best_score_, np.mean(by_hand), rtol=1e-12)
    assert search.score(X, Y) == multitask_r2_score(Y, search.predict(X))


@pytest.mark.parametrize("baseline", [IndependentTaskClassifier, PooledTaskClassifier])
def test_default_classifier_runs_lbfgs_to_convergence(baseline):
    # Features on scales 1 to 10,000: lbfgs needs more than LogisticRegression's
    # default 100 iterations (it warns), fewer than the baselines' 1000.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 6)) * np.logspace(0, 4, 6)
    logits = (X / np.logspace(0, 4, 6)).sum(axis=1, keepdims=True)
    Y = (logits + rng.logistic(size=(400, 3)) > 0) * 1.0
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        LogisticRegression().fit(X, Y[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = baseline().fit(X, Y)
    inner = (
        model.estimators_[0]
        if baseline is IndependentTaskClassifier
        else model.estimator_
    )
    assert inner.get_params()["max_iter"] == 1000
    assert 100 < inner.n_iter_[0] < 1000
