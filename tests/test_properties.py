"""Property tests of the data contract over every estimator family.

hypothesis draws the data, the shape and the mask of missing labels; each
property is the data contract's promise, checked against the estimator itself
(refit on transformed data) or against scikit-learn on the observed rows:

* rows without any label change nothing;
* permuting the tasks permutes the predictions;
* a 1-D ``y`` gives what a one-column ``Y`` gives;
* multiplying every sample weight by a constant changes nothing;
* the masked metrics equal scikit-learn's metric on each task's observed rows;
* ``MultiTaskStratifiedKFold`` leaves labels of every task in every training
  fold.

Examples are few (``max_examples``) and derandomized, so the suite stays fast
and reproducible.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error, r2_score, roc_auc_score

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskRegressor,
)
from sklearn_mtl.linear_model import (
    L21,
    MeanRegularized,
    MultiTaskLasso,
    MultiTaskLinearRegressor,
    MultiTaskLogisticRegression,
    TraceNorm,
)
from sklearn_mtl.metrics import (
    multitask_mean_squared_error,
    multitask_r2_score,
    multitask_roc_auc_score,
)
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
from sklearn_mtl.neural import MultiTaskNetClassifier, MultiTaskNetRegressor

PROPERTY = settings(max_examples=8, deadline=None, derandomize=True)

seeds = st.integers(0, 2**31 - 1)
missing_rates = st.floats(0.0, 0.6)


def full_batch_net(kind):
    """A net whose fit is a deterministic function of the observed labels:
    one batch of all rows, no validation split, a fixed seed, and no batch
    statistics or dropout masks drawn over the rows (the classifier's
    defaults), which unlabelled rows would change."""
    return kind(
        module__hidden_units=(8,),
        module__batch_norm=False,
        module__dropout=0.0,
        max_epochs=5,
        batch_size=-1,
        train_split=None,
        random_state=0,
    )


REGRESSORS = {
    "independent ridge": IndependentTaskRegressor(Ridge(alpha=1.0)),
    "pooled ridge": PooledTaskRegressor(Ridge(alpha=1.0)),
    "lasso (bcd)": MultiTaskLasso(alpha=0.02, tol=1e-12, max_iter=10_000),
    "L21 (fista)": MultiTaskLinearRegressor(
        penalty=L21(0.02), solver="fista", tol=1e-12, max_iter=20_000
    ),
    "mean-regularized": MultiTaskLinearRegressor(
        penalty=MeanRegularized(0.5), tol=1e-12, max_iter=20_000
    ),
    "trace norm": MultiTaskLinearRegressor(
        penalty=TraceNorm(0.05), tol=1e-12, max_iter=20_000
    ),
    "net regressor": full_batch_net(MultiTaskNetRegressor),
}
# Newton steps (not lbfgs) and alpha=0.05 (not 0.01) reach these tolerances
# 3-10x sooner on the properties' data; the properties are the same.
CLASSIFIERS = {
    "independent logistic": IndependentTaskClassifier(
        LogisticRegression(solver="newton-cholesky", tol=1e-10)
    ),
    "multi-task logistic": MultiTaskLogisticRegression(
        alpha=0.05, tol=1e-12, max_iter=10_000
    ),
    "net classifier": full_batch_net(MultiTaskNetClassifier),
}
ESTIMATORS = {**REGRESSORS, **CLASSIFIERS}
# Nets draw their heads' initial weights in task order, so permuting the tasks
# permutes which initial weights each task gets: not an invariance of theirs.
EQUIVARIANT = {
    name: estimator
    for name, estimator in ESTIMATORS.items()
    if not name.startswith("net")
}


def multitask_data(estimator, seed, n_tasks, missing_rate, n_samples=40):
    """Related tasks with a random mask; every task keeps 8 labels (both
    classes for a classifier)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 4))
    coef = rng.standard_normal((4, n_tasks)) + 1.0
    Y = X @ coef + 0.3 * rng.standard_normal((n_samples, n_tasks))
    if is_classifier(estimator):
        Y = (Y > np.median(Y, axis=0)).astype(np.float64)
    missing = rng.random(Y.shape) < missing_rate
    keep = rng.permutation(n_samples)[:8]
    missing[keep] = False
    if is_classifier(estimator):
        for t in range(n_tasks):  # one row of each class stays labelled
            missing[np.flatnonzero(Y[:, t] == 0)[0], t] = False
            missing[np.flatnonzero(Y[:, t] == 1)[0], t] = False
    Y[missing] = np.nan
    return X, Y


def outputs(estimator, X):
    """Predictions, and probabilities when the estimator has them."""
    result = [np.asarray(estimator.predict(X), dtype=np.float64)]
    if hasattr(estimator, "predict_proba"):
        result.extend(
            np.asarray(p, dtype=np.float64) for p in estimator.predict_proba(X)
        )
    return result


def assert_outputs_close(actual, expected):
    for got, want in zip(actual, expected, strict=True):
        assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@PROPERTY
@given(
    seed=seeds,
    n_tasks=st.integers(1, 4),
    missing_rate=missing_rates,
    n_unlabelled=st.integers(1, 15),
)
def test_unlabelled_rows_change_nothing(
    name, seed, n_tasks, missing_rate, n_unlabelled
):
    estimator = ESTIMATORS[name]
    X, Y = multitask_data(estimator, seed, n_tasks, missing_rate)
    rng = np.random.default_rng(seed + 1)
    X_more = rng.standard_normal((n_unlabelled, X.shape[1])) * 10
    rows = rng.permutation(len(X) + n_unlabelled)  # anywhere, not only at the end
    X_extra = np.vstack([X, X_more])[rows]
    Y_extra = np.vstack([Y, np.full((n_unlabelled, n_tasks), np.nan)])[rows]
    fitted = clone(estimator).fit(X, Y)
    fitted_extra = clone(estimator).fit(X_extra, Y_extra)
    assert_outputs_close(outputs(fitted_extra, X), outputs(fitted, X))


@pytest.mark.parametrize("name", list(EQUIVARIANT))
@PROPERTY
@given(seed=seeds, n_tasks=st.integers(2, 4), missing_rate=missing_rates)
def test_permuting_tasks_permutes_predictions(name, seed, n_tasks, missing_rate):
    estimator = EQUIVARIANT[name]
    X, Y = multitask_data(estimator, seed, n_tasks, missing_rate)
    permutation = np.random.default_rng(seed).permutation(n_tasks)
    fitted = clone(estimator).fit(X, Y)
    permuted = clone(estimator).fit(X, Y[:, permutation])
    predictions, *probabilities = outputs(fitted, X)
    expected = [predictions[:, permutation]]
    if probabilities:
        expected += [probabilities[t] for t in permutation]
    assert_outputs_close(outputs(permuted, X), expected)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@PROPERTY
@given(seed=seeds, missing_rate=missing_rates)
def test_1d_y_gives_what_one_column_gives(name, seed, missing_rate):
    estimator = ESTIMATORS[name]
    X, Y = multitask_data(estimator, seed, 1, missing_rate)
    column = clone(estimator).fit(X, Y)
    vector = clone(estimator).fit(X, Y[:, 0])
    assert column.predict(X).shape == (len(X), 1)
    assert vector.predict(X).shape == (len(X),)
    assert_allclose(vector.predict(X), column.predict(X)[:, 0], rtol=1e-6)


# The package's own datafits divide by the total weight; the baselines pass
# the weights on to the user's estimator, whose objective may not (Ridge's
# penalty does not scale with them).
WEIGHTED = {
    name: ESTIMATORS[name]
    for name in [
        "lasso (bcd)",
        "mean-regularized",
        "multi-task logistic",
        "net regressor",
    ]
}


@pytest.mark.parametrize("name", list(WEIGHTED))
@PROPERTY
@given(
    seed=seeds,
    n_tasks=st.integers(1, 3),
    missing_rate=missing_rates,
    scale=st.sampled_from([0.01, 3.0, 1000.0]),
)
def test_scaling_every_sample_weight_changes_nothing(
    name, seed, n_tasks, missing_rate, scale
):
    estimator = WEIGHTED[name]
    X, Y = multitask_data(estimator, seed, n_tasks, missing_rate)
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, len(X))
    fitted = clone(estimator).fit(X, Y, sample_weight=weights)
    scaled = clone(estimator).fit(X, Y, sample_weight=scale * weights)
    assert_outputs_close(outputs(scaled, X), outputs(fitted, X))


@PROPERTY
@given(seed=seeds, n_tasks=st.integers(1, 5), missing_rate=missing_rates)
def test_masked_regression_metrics_equal_scikit_learn_per_task(
    seed, n_tasks, missing_rate
):
    _, Y = multitask_data(Ridge(), seed, n_tasks, missing_rate)
    Y_pred = Y + np.random.default_rng(seed).standard_normal(Y.shape)
    Y_pred[np.isnan(Y_pred)] = 0.0  # predictions exist where labels do not
    observed = ~np.isnan(Y)
    for metric, reference in [
        (multitask_r2_score, r2_score),
        (multitask_mean_squared_error, mean_squared_error),
    ]:
        expected = [
            reference(Y[observed[:, t], t], Y_pred[observed[:, t], t])
            for t in range(n_tasks)
        ]
        got = metric(Y, Y_pred, multioutput="raw_values")
        assert_allclose(got, expected, rtol=1e-12)


@PROPERTY
@given(seed=seeds, n_tasks=st.integers(1, 5), missing_rate=missing_rates)
def test_masked_roc_auc_equals_scikit_learn_per_task(seed, n_tasks, missing_rate):
    estimator = LogisticRegression()
    _, Y = multitask_data(estimator, seed, n_tasks, missing_rate)
    scores = np.random.default_rng(seed).random(Y.shape)
    observed = ~np.isnan(Y)
    expected = [
        roc_auc_score(Y[observed[:, t], t], scores[observed[:, t], t])
        for t in range(n_tasks)
    ]
    got = multitask_roc_auc_score(Y, scores, multioutput="raw_values")
    assert_allclose(got, expected, rtol=1e-12)


@PROPERTY
@given(
    seed=seeds,
    n_tasks=st.integers(1, 6),
    missing_rate=st.floats(0.0, 0.9),
    n_splits=st.integers(2, 5),
)
def test_stratified_kfold_labels_every_task_in_every_training_fold(
    seed, n_tasks, missing_rate, n_splits
):
    rng = np.random.default_rng(seed)
    n_samples = 60
    Y = rng.integers(0, 2, (n_samples, n_tasks)).astype(np.float64)
    Y[rng.random(Y.shape) < missing_rate] = np.nan
    for t in range(n_tasks):  # at least n_splits labels per task
        rows = rng.choice(n_samples, n_splits, replace=False)
        Y[rows, t] = rng.integers(0, 2, n_splits)
    X = np.zeros((n_samples, 1))
    splitter = MultiTaskStratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
    tested = np.zeros(n_samples, dtype=int)
    for train, test in splitter.split(X, Y):
        assert np.all(np.any(~np.isnan(Y[train]), axis=0))
        assert len(np.intersect1d(train, test)) == 0
        tested[test] += 1
    assert np.all(tested == 1)  # a partition of the rows
