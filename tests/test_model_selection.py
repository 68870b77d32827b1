"""Task-aware splitting and the per-task comparison of estimators."""

import re

import numpy as np
import pytest
import sklearn
from scipy import stats
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, cross_validate

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskRegressor,
)
from sklearn_mtl.metrics import multitask_mean_squared_error, multitask_r2_score
from sklearn_mtl.model_selection import (
    ComparisonResult,
    MultiTaskStratifiedKFold,
    compare_estimators,
)


def _sparse_binary_targets(n_samples=300, n_tasks=6, missing_rate=0.6, seed=0):
    rng = np.random.RandomState(seed)
    Y = (rng.uniform(size=(n_samples, n_tasks)) < 0.2).astype(np.float64)
    Y[rng.uniform(size=Y.shape) < missing_rate] = np.nan
    return Y


def _folds(splitter, Y):
    return list(splitter.split(np.zeros((Y.shape[0], 1)), Y))


def test_folds_partition_the_rows():
    Y = _sparse_binary_targets()
    splits = _folds(MultiTaskStratifiedKFold(5), Y)
    tests = np.concatenate([test for _, test in splits])
    np.testing.assert_array_equal(np.sort(tests), np.arange(Y.shape[0]))
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == Y.shape[0]
    sizes = [test.size for _, test in splits]
    assert max(sizes) - min(sizes) <= 2


def test_every_task_is_labelled_in_every_training_fold():
    Y = _sparse_binary_targets()
    Y[:, 5] = np.nan
    Y[[3, 150], 5] = [0.0, 1.0]  # a task with only two labels
    for train, _ in _folds(MultiTaskStratifiedKFold(5), Y):
        assert np.all((~np.isnan(Y[train])).sum(axis=0) >= 1)


def test_class_proportions_are_kept_in_each_fold():
    Y = _sparse_binary_targets(n_samples=1000)
    overall = np.nanmean(Y, axis=0)
    for _, test in _folds(MultiTaskStratifiedKFold(5), Y):
        observed = (~np.isnan(Y[test])).sum(axis=0)
        positives = np.nansum(Y[test], axis=0)
        # each fold holds a fifth of each task's positives, up to one row
        np.testing.assert_array_less(
            np.abs(positives - np.nansum(Y, axis=0) / 5), 1.0 + 1e-9
        )
        np.testing.assert_allclose(positives / observed, overall, atol=0.03)


def test_plain_kfold_loses_rare_tasks_that_stratification_keeps():
    Y = np.full((20, 2), np.nan)
    Y[:, 0] = np.arange(20) % 2
    Y[[0, 1], 1] = [0.0, 1.0]  # both labels of task 1 in KFold's first fold
    kfold_trains = [train for train, _ in KFold(5).split(Y)]
    assert any(np.isnan(Y[train, 1]).all() for train in kfold_trains)
    for train, _ in _folds(MultiTaskStratifiedKFold(5), Y):
        assert not np.isnan(Y[train, 1]).all()


def test_shuffle_is_reproducible_and_no_shuffle_is_deterministic():
    Y = _sparse_binary_targets()
    first = _folds(MultiTaskStratifiedKFold(4, shuffle=True, random_state=3), Y)
    again = _folds(MultiTaskStratifiedKFold(4, shuffle=True, random_state=3), Y)
    other = _folds(MultiTaskStratifiedKFold(4, shuffle=True, random_state=4), Y)
    for (train_a, _), (train_b, _) in zip(first, again, strict=True):
        np.testing.assert_array_equal(train_a, train_b)
    assert any(
        not np.array_equal(a, b) for (a, _), (b, _) in zip(first, other, strict=True)
    )
    plain = _folds(MultiTaskStratifiedKFold(4), Y)
    for (a, _), (b, _) in zip(
        plain, _folds(MultiTaskStratifiedKFold(4), Y), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_string_labels_with_missing_values_are_stratified():
    rng = np.random.RandomState(0)
    Y = rng.choice(np.array(["a", "b", "c", None], dtype=object), size=(90, 2))
    for train, test in _folds(MultiTaskStratifiedKFold(3), Y):
        for t in range(2):
            assert set(Y[train, t]) - {None} == {"a", "b", "c"}
            assert set(Y[test, t]) - {None} == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("splitter", "Y", "message"),
    [
        (
            MultiTaskStratifiedKFold(3),
            np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 5.0]]),
            "Task 1 has 1 observed label(s); MultiTaskStratifiedKFold needs at "
            "least 2 per task so that every training fold sees the task.",
        ),
        (
            MultiTaskStratifiedKFold(1),
            np.ones((4, 1)),
            "Expected n_splits to be an int of at least 2; got 1 instead.",
        ),
        (
            MultiTaskStratifiedKFold(2, target_type="ordinal"),
            np.ones((4, 1)),
            "Expected target_type to be 'auto', 'classification' or 'continuous'; "
            "got 'ordinal' instead.",
        ),
        (
            MultiTaskStratifiedKFold(5),
            np.ones((4, 1)),
            "Cannot have n_splits=5 greater than the number of samples: n_samples=4.",
        ),
    ],
)
def test_splitter_errors(splitter, Y, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _folds(splitter, Y)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_integer_cv_fails_on_nan_classification_targets_but_the_splitter_works():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 3))
    Y = (X[:, :2] > 0).astype(np.float64)
    Y[rng.uniform(size=Y.shape) < 0.2] = np.nan
    with pytest.raises(ValueError, match=r"Input (y )?contains NaN"):
        cross_validate(IndependentTaskClassifier(), X, Y, cv=3)
    scores = cross_validate(
        IndependentTaskClassifier(), X, Y, cv=MultiTaskStratifiedKFold(3)
    )["test_score"]
    assert scores.shape == (3,) and np.all(scores > 0.7)
    # With -1 as the missing-label marker, an integer cv works out of the box.
    Y_int = np.where(np.isnan(Y), -1, Y).astype(int)
    search = GridSearchCV(
        IndependentTaskClassifier(LogisticRegression(), missing_label=-1),
        {"estimator__C": [0.1, 1.0]},
        cv=3,
    ).fit(X, Y_int)
    assert [list(c) for c in search.best_estimator_.classes_] == [[0, 1], [0, 1]]


@pytest.fixture
def regression_problem():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((90, 6))
    Y = X @ (rng.standard_normal((6, 4)) + 1.0) + rng.standard_normal((90, 4))
    Y[rng.uniform(size=Y.shape) < 0.25] = np.nan
    return X, Y


def test_comparison_scores_are_cross_validated_per_task(regression_problem):
    X, Y = regression_problem
    estimators = {
        "independent": IndependentTaskRegressor(Ridge()),
        "pooled": PooledTaskRegressor(Ridge(), add_task_indicator=True),
    }
    result = compare_estimators(estimators, X, Y, cv=3)
    assert isinstance(result, ComparisonResult)
    splits = _folds(MultiTaskStratifiedKFold(3), Y)
    for e, estimator in enumerate(estimators.values()):
        for k, (train, test) in enumerate(splits):
            model = clone(estimator).fit(X[train], Y[train])
            expected = multitask_r2_score(
                Y[test], model.predict(X[test]), multioutput="raw_values"
            )
            np.testing.assert_allclose(result.scores[e, k], expected, rtol=1e-12)
    mean = result.scores.mean(axis=1)
    np.testing.assert_allclose(result.mean(), mean)
    np.testing.assert_allclose(result.differences()[1], mean[1] - mean[0])
    assert result.n_improved(significant=False)[1] == np.sum(mean[1] > mean[0])
    assert result.n_hurt(significant=False)[1] == np.sum(mean[1] < mean[0])
    # R^2: the relative reduction of the mean normalized error 1 - R^2
    np.testing.assert_allclose(
        result.delta_m()[1], 100 * np.sum(mean[1] - mean[0]) / np.sum(1 - mean[0])
    )
    np.testing.assert_allclose(result.mean_difference()[1], np.mean(mean[1] - mean[0]))
    assert result.delta_m()[0] == 0.0


def test_lower_is_better_metrics_flip_the_direction(regression_problem):
    X, Y = regression_problem
    result = compare_estimators(
        [
            ("ridge", IndependentTaskRegressor(Ridge())),
            ("pooled", PooledTaskRegressor(Ridge())),
        ],
        X,
        Y,
        cv=KFold(3, shuffle=True, random_state=0),
        scoring="mean_squared_error",
    )
    mean = result.mean()
    assert result.greater_is_better is False
    assert result.n_improved(significant=False)[1] == np.sum(mean[1] < mean[0])
    np.testing.assert_allclose(
        result.delta_m()[1], -100 * np.mean((mean[1] - mean[0]) / mean[0])
    )
    np.testing.assert_allclose(result.mean_difference()[1], np.mean(mean[0] - mean[1]))
    custom = compare_estimators(
        {"ridge": IndependentTaskRegressor(Ridge())},
        X,
        Y,
        cv=KFold(3, shuffle=True, random_state=0),
        scoring=multitask_mean_squared_error,
    )
    np.testing.assert_allclose(custom.scores[0], result.scores[0])
    assert custom.greater_is_better is False


def test_comparison_tables_and_text(regression_problem):
    pd = pytest.importorskip("pandas")
    X, Y = regression_problem
    Y_frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    result = compare_estimators(
        {"independent": IndependentTaskRegressor(), "pooled": PooledTaskRegressor()},
        X,
        Y_frame,
        cv=3,
    )
    per_task = result.to_frame()
    assert list(per_task.index) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(per_task["pooled diff"], result.differences()[1])
    summary = result.to_frame("summary")
    assert list(summary.index) == ["independent", "pooled"]
    assert summary.loc["pooled", "better"] + summary.loc["pooled", "worse"] <= 4
    assert summary.loc["pooled", "improved"] <= summary.loc["pooled", "better"]
    assert summary.loc["pooled", "hurt"] <= summary.loc["pooled", "worse"]
    np.testing.assert_allclose(per_task["pooled p"], result.p_values()[1])
    per_fold = result.to_frame("per_fold")
    assert len(per_fold) == 2 * 3 * 4
    e, k, t = 1, 0, 3
    row = per_fold[
        (per_fold.estimator == "pooled") & (per_fold.fold == k) & (per_fold.task == "d")
    ].iloc[0]
    assert row["score"] == result.scores[e, k, t]
    assert row["fit_time"] == result.fit_times[e, k]
    text = str(result)
    assert text.splitlines()[0].startswith("r2 per task (mean +- sd over 3 folds")
    assert "pooled: mean r2" in text
    assert "significant at 5%" in text
    with pytest.raises(ValueError, match=re.escape("Expected kind to be 'per_task'")):
        result.to_frame("folds")


def test_comparison_of_classifiers_defaults_to_accuracy():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((80, 3))
    Y = np.where(X[:, :2] > 0, "yes", "no").astype(object)
    Y[rng.uniform(size=Y.shape) < 0.2] = None
    result = compare_estimators(
        {"logistic": IndependentTaskClassifier(LogisticRegression())}, X, Y, cv=4
    )
    assert result.metric == "accuracy"
    assert np.all(result.scores > 0.8)
    auc = compare_estimators(
        {"logistic": IndependentTaskClassifier()}, X, Y, cv=4, scoring="roc_auc"
    )
    assert np.all(auc.scores > 0.9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"reference": "ridge"},
            "Expected reference to be one of the estimator names ['a', 'b']; got "
            "'ridge' instead.",
        ),
        (
            {"scoring": "pooled_explained_variance"},
            "compare_estimators needs a per-task metric (one that takes "
            "multioutput='raw_values'); got 'pooled_explained_variance'.",
        ),
    ],
)
def test_comparison_errors(regression_problem, kwargs, message):
    X, Y = regression_problem
    estimators = {"a": IndependentTaskRegressor(), "b": PooledTaskRegressor()}
    with pytest.raises(ValueError, match=re.escape(message)):
        compare_estimators(estimators, X, Y, **kwargs)


def test_duplicate_names_are_refused(regression_problem):
    X, Y = regression_problem
    pairs = [("a", IndependentTaskRegressor()), ("a", PooledTaskRegressor())]
    with pytest.raises(ValueError, match=re.escape("Expected distinct estimator")):
        compare_estimators(pairs, X, Y)


def test_parallel_comparison_matches_sequential(regression_problem):
    X, Y = regression_problem
    estimators = {"a": IndependentTaskRegressor(), "b": PooledTaskRegressor()}
    sequential = compare_estimators(estimators, X, Y, cv=3)
    parallel = compare_estimators(estimators, X, Y, cv=3, n_jobs=2)
    np.testing.assert_allclose(parallel.scores, sequential.scores)


def test_p_values_are_the_corrected_resampled_t_test():
    """Nadeau and Bengio's test, computed by hand from the paired differences."""
    scores = np.array(
        [
            [[0.5, 0.2, 0.1], [0.6, 0.3, 0.2], [0.55, 0.1, np.nan], [0.4, 0.2, 0.3]],
            [[0.7, 0.2, 0.1], [0.8, 0.3, 0.2], [0.75, 0.2, np.nan], [0.62, 0.1, 0.3]],
        ]
    )
    result = ComparisonResult(
        scores,
        ["ref", "new"],
        list("abc"),
        "ref",
        "r2",
        True,
        np.ones((2, 4)),
        test_train_ratio=0.25,
        alpha=0.05,
    )
    p = result.p_values()
    assert np.isnan(p[0]).all()
    d = scores[1, :, 0] - scores[0, :, 0]
    t = d.mean() / np.sqrt((1 / 4 + 0.25) * d.var(ddof=1))
    np.testing.assert_allclose(p[1, 0], 2 * stats.t.sf(abs(t), 3))
    d = scores[1, :, 1] - scores[0, :, 1]
    t = d.mean() / np.sqrt((1 / 4 + 0.25) * d.var(ddof=1))
    np.testing.assert_allclose(p[1, 1], 2 * stats.t.sf(abs(t), 3))
    assert p[1, 2] == 1.0  # identical scores on the 3 folds that scored it
    assert p[1, 0] < 0.05 < p[1, 1]
    assert result.n_improved().tolist() == [0, 1]
    assert result.n_improved(significant=False).tolist() == [0, 1]
    assert result.n_hurt(significant=False).tolist() == [0, 0]
    # K-fold by default: n_test / n_train = 1 / (K - 1)
    kfold = ComparisonResult(
        scores, ["ref", "new"], list("abc"), "ref", "r2", True, np.ones((2, 4))
    )
    assert kfold.test_train_ratio == 1 / 3


def test_groups_keep_each_group_on_one_side(regression_problem):
    X, Y = regression_problem
    groups = np.arange(len(X)) // 10
    result = compare_estimators(
        {"a": IndependentTaskRegressor(Ridge())},
        X,
        Y,
        groups=groups,
        cv=3,
        return_estimator=True,
    )
    expected = []
    for train, test in GroupKFold(3).split(X, Y, groups):
        model = IndependentTaskRegressor(Ridge()).fit(X[train], Y[train])
        expected.append(
            multitask_r2_score(
                Y[test], model.predict(X[test]), multioutput="raw_values"
            )
        )
    np.testing.assert_allclose(result.scores[0], expected)
    fitted = result.estimators[0]
    assert len(fitted) == 3 and all(hasattr(m, "estimators_") for m in fitted)
    assert (
        compare_estimators({"a": Ridge()}, X[:, :2], X[:, 2:4], cv=3).estimators is None
    )


def test_fit_params_are_split_with_the_rows_and_routed(regression_problem):
    X, Y = regression_problem
    Y = Y[:, :1]
    weights = np.linspace(0.1, 2.0, len(X))
    result = compare_estimators(
        {"ridge": IndependentTaskRegressor(Ridge())},
        X,
        Y,
        cv=KFold(3),
        params={"sample_weight": weights},
    )
    expected = []
    for train, test in KFold(3).split(X):
        model = IndependentTaskRegressor(Ridge()).fit(
            X[train], Y[train], sample_weight=weights[train]
        )
        expected.append(multitask_r2_score(Y[test], model.predict(X[test])))
    np.testing.assert_allclose(result.scores[0, :, 0], expected)
    with sklearn.config_context(enable_metadata_routing=True):
        weighted = IndependentTaskRegressor(Ridge()).set_fit_request(sample_weight=True)
        unweighted = IndependentTaskRegressor(Ridge()).set_fit_request(
            sample_weight=False
        )
        routed = compare_estimators(
            {"weighted": weighted, "unweighted": unweighted},
            X,
            Y,
            cv=KFold(3),
            params={"sample_weight": weights},
        )
        with pytest.raises(ValueError, match=re.escape("Expected groups in params")):
            compare_estimators({"a": weighted}, X, Y, groups=np.zeros(len(X)))
    np.testing.assert_allclose(routed.scores[0], result.scores[0])
    plain = compare_estimators(
        {"r": IndependentTaskRegressor(Ridge())}, X, Y, cv=KFold(3)
    )
    np.testing.assert_allclose(routed.scores[1], plain.scores[0])


def test_verbose_prints_a_line_per_fit(regression_problem, capsys):
    X, Y = regression_problem
    compare_estimators({"a": IndependentTaskRegressor()}, X, Y, cv=2, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(
        r"\[a\] fold 1/2: fit \d+\.\d s, mean score -?\d\.\d{4}", lines[0]
    )


def _result(scores, **kwargs):
    n_estimators, n_splits, n_tasks = scores.shape
    return ComparisonResult(
        scores,
        [f"e{e}" for e in range(n_estimators)],
        [f"t{t}" for t in range(n_tasks)],
        "e0",
        "r2",
        True,
        np.zeros((n_estimators, n_splits)),
        **kwargs,
    )


def test_confidence_intervals_equal_scipy_paired_t_interval():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(2, 5, 3))
    result = _result(scores, test_train_ratio=0.0)
    lower, upper = result.confidence_intervals(0.9)
    for t in range(3):
        test = stats.ttest_rel(scores[1, :, t], scores[0, :, t])
        interval = test.confidence_interval(0.9)
        assert lower[1, t] == pytest.approx(interval.low)
        assert upper[1, t] == pytest.approx(interval.high)
        assert result.p_values()[1, t] == pytest.approx(test.pvalue)
    assert np.isnan(lower[0]).all() and np.isnan(upper[0]).all()


def test_confidence_intervals_are_widened_by_nadeau_bengio_for_k_fold():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(2, 5, 2))
    plain_low, _ = _result(scores, test_train_ratio=0.0).confidence_intervals()
    kfold = _result(scores)  # 5 folds: ratio 1/4
    low, high = kfold.confidence_intervals()
    d = kfold.differences()
    widening = np.sqrt((1 / 5 + 1 / 4) / (1 / 5))
    np.testing.assert_allclose(d[1] - low[1], widening * (d[1] - plain_low[1]))
    # the interval at 1 - alpha excludes zero exactly when p < alpha
    excludes = (low[1] > 0) | (high[1] < 0)
    np.testing.assert_array_equal(excludes, kfold.p_values()[1] < kfold.alpha)
    with pytest.raises(ValueError, match="Expected confidence_level strictly"):
        kfold.confidence_intervals(1.0)


def test_confidence_intervals_use_the_folds_where_both_are_scored():
    scores = np.array(
        [
            [[1.0, 1.0], [2.0, np.nan], [3.0, 1.0], [4.0, np.nan]],
            [[1.5, 2.0], [2.0, 5.0], [3.5, np.nan], [4.1, np.nan]],
        ]
    )
    result = _result(scores)
    lower, upper = result.confidence_intervals()
    assert result.differences()[1, 0] == pytest.approx(np.mean([0.5, 0.0, 0.5, 0.1]))
    assert result.differences()[1, 1] == 1.0  # the only fold scored for both
    assert np.isnan(lower[1, 1]) and np.isnan(upper[1, 1])
    assert np.isnan(result.p_values()[1, 1])


def test_mixed_task_types_are_compared_by_their_own_metric():
    """A net of tasks of two types: the default splitter and the 'mixed' metric
    (R^2 for the number, accuracy for the labels) on each fold."""
    pd = pytest.importorskip("pandas")
    from sklearn_mtl.metrics import multitask_mixed_score
    from sklearn_mtl.neural import MultiTaskNet

    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 3)).astype(np.float32)
    Y = pd.DataFrame(
        {
            "price": X[:, 0] + 0.1 * rng.standard_normal(60),
            "churn": np.where(X[:, 1] > 0, "yes", "no").astype(object),
        }
    )
    Y.loc[::7, "churn"] = None
    net = MultiTaskNet(max_epochs=3, verbose=0, random_state=0, train_split=None)
    result = compare_estimators({"net": net}, X, Y, cv=3, return_estimator=True)
    assert result.metric == "mixed"
    splits = _folds(MultiTaskStratifiedKFold(3), Y.to_numpy())
    for k, (_, test) in enumerate(splits):
        fitted = result.estimators[0][k]
        expected = multitask_mixed_score(
            Y.iloc[test],
            fitted.predict(X[test]),
            task_types=fitted.task_types_,
            multioutput="raw_values",
        )
        np.testing.assert_allclose(result.scores[0, k], expected)
