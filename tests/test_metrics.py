"""Tests of the mask-aware metrics and scorers (sklearn_mtl.metrics)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_mtl.baselines import IndependentTaskClassifier, IndependentTaskRegressor
from sklearn_mtl.metrics import (
    _kernels,
    get_metric,
    make_multitask_scorer,
    multitask_accuracy_score,
    multitask_average_precision_score,
    multitask_log_loss,
    multitask_mean_absolute_error,
    multitask_mean_squared_error,
    multitask_r2_score,
    multitask_roc_auc_score,
    normalized_mean_squared_error,
    pooled_explained_variance_score,
)


def skipped_message(metric_name, tasks):
    return (
        f"{metric_name}: task(s) {tasks} could not be scored (no observed label, "
        "or a single class for a ranking metric) and are left out."
    )


@pytest.fixture
def regression_data():
    """Y with missing labels (task 2 often missing) and noisy predictions."""
    rng = np.random.default_rng(0)
    n = 20
    Y = rng.normal(size=(n, 3)) + np.array([0.0, 5.0, -3.0])
    Y[rng.random((n, 3)) < 0.25] = np.nan
    Y[:8, 2] = np.nan
    P = np.nan_to_num(Y, nan=0.0) + rng.normal(scale=0.7, size=(n, 3))
    P[np.isnan(Y)] = rng.normal(size=np.isnan(Y).sum())  # junk where unobserved
    return Y, P


# hand computations on the observed rows of one task ----------------------


def hand_mse(y, p, w=None):
    w = np.ones_like(y) if w is None else w
    return np.sum(w * (y - p) ** 2) / np.sum(w)


def hand_r2(y, p, w=None):
    w = np.ones_like(y) if w is None else w
    mean = np.sum(w * y) / np.sum(w)
    return 1.0 - np.sum(w * (y - p) ** 2) / np.sum(w * (y - mean) ** 2)


def hand_nmse(y, p, w=None):
    w = np.ones_like(y) if w is None else w
    mean = np.sum(w * y) / np.sum(w)
    return hand_mse(y, p, w) / (np.sum(w * (y - mean) ** 2) / np.sum(w))


def sklearn_nmse(y, p, sample_weight=None):
    return 1.0 - r2_score(y, p, sample_weight=sample_weight)


def per_task(function, Y, P, sample_weight=None):
    scores = []
    for t in range(Y.shape[1]):
        m = ~np.isnan(Y[:, t])
        w = None if sample_weight is None else sample_weight[m]
        scores.append(function(Y[m, t], P[m, t], w))
    return np.array(scores)


def hand_mae(y, p, w=None):
    w = np.ones_like(y) if w is None else w
    return np.sum(w * np.abs(y - p)) / np.sum(w)


REGRESSION_METRICS = [
    (multitask_r2_score, hand_r2, r2_score),
    (multitask_mean_squared_error, hand_mse, mean_squared_error),
    (normalized_mean_squared_error, hand_nmse, sklearn_nmse),
    (multitask_mean_absolute_error, hand_mae, mean_absolute_error),
]
REGRESSION_IDS = ["r2", "mse", "nmse", "mae"]


# --------------------------------------------------------------------------
# regression metrics
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metric, hand, reference", REGRESSION_METRICS, ids=REGRESSION_IDS
)
def test_regression_metric_matches_hand_and_sklearn(
    regression_data, metric, hand, reference
):
    Y, P = regression_data
    expected_hand = per_task(hand, Y, P)
    expected_sklearn = per_task(lambda y, p, w: reference(y, p), Y, P)
    raw = metric(Y, P, multioutput="raw_values")
    assert raw.shape == (3,)
    assert_allclose(raw, expected_hand, rtol=1e-12)
    assert_allclose(raw, expected_sklearn, rtol=1e-12)
    score = metric(Y, P)
    assert isinstance(score, float)
    assert_allclose(score, expected_hand.mean(), rtol=1e-12)
    # junk predictions where the label is missing are ignored
    P_other = np.where(np.isnan(Y), 1e6, P)
    assert_allclose(metric(Y, P_other, multioutput="raw_values"), raw, rtol=1e-12)


@pytest.mark.parametrize(
    "metric, hand, reference", REGRESSION_METRICS, ids=REGRESSION_IDS
)
def test_regression_metric_sample_weight(regression_data, metric, hand, reference):
    Y, P = regression_data
    w = np.random.default_rng(1).uniform(0.1, 3.0, size=Y.shape[0])
    expected = per_task(hand, Y, P, sample_weight=w)
    expected_sklearn = per_task(
        lambda y, p, sw: reference(y, p, sample_weight=sw), Y, P, sample_weight=w
    )
    raw = metric(Y, P, sample_weight=w, multioutput="raw_values")
    assert_allclose(raw, expected, rtol=1e-12)
    assert_allclose(raw, expected_sklearn, rtol=1e-12)
    # weights do change the result on this data
    assert not np.allclose(raw, metric(Y, P, multioutput="raw_values"))
    # integer weights are the same as repeating rows
    counts = np.array([1, 2, 3, 1] * 5)
    repeated = metric(np.repeat(Y, counts, axis=0), np.repeat(P, counts, axis=0))
    assert_allclose(metric(Y, P, sample_weight=counts), repeated, rtol=1e-12)


@pytest.mark.parametrize(
    "metric", [m for m, _, _ in REGRESSION_METRICS], ids=REGRESSION_IDS
)
def test_task_weights_weighted_mean(regression_data, metric):
    Y, P = regression_data
    raw = metric(Y, P, multioutput="raw_values")
    weights = np.array([1.0, 2.0, 5.0])
    expected = np.sum(weights * raw) / weights.sum()
    assert_allclose(metric(Y, P, task_weights=weights), expected, rtol=1e-12)
    # scale-invariant; one non-zero weight selects that task
    assert_allclose(metric(Y, P, task_weights=10 * weights), expected, rtol=1e-12)
    assert_allclose(metric(Y, P, task_weights=[0, 0, 1]), raw[2], rtol=1e-12)
    # a dict keyed by name (DataFrame Y_true), other tasks weigh 1
    Ydf = pd.DataFrame(Y, columns=["a", "b", "c"])
    expected = (raw[0] + 3 * raw[1] + raw[2]) / 5
    assert_allclose(metric(Ydf, P, task_weights={"b": 3}), expected, rtol=1e-12)
    assert_allclose(metric(Y, P, task_weights={1: 3}), expected, rtol=1e-12)


def test_task_permutation_permutes_raw_values(regression_data):
    Y, P = regression_data
    order = [2, 0, 1]
    for metric in (multitask_r2_score, multitask_mean_squared_error):
        raw = metric(Y, P, multioutput="raw_values")
        assert_allclose(
            metric(Y[:, order], P[:, order], multioutput="raw_values"), raw[order]
        )


def test_single_output_1d(regression_data):
    Y, P = regression_data
    m = ~np.isnan(Y[:, 0])
    score = multitask_r2_score(Y[:, 0], P[:, 0])
    assert_allclose(score, r2_score(Y[m, 0], P[m, 0]), rtol=1e-12)
    raw = multitask_mean_squared_error(Y[:, 0], P[:, 0], multioutput="raw_values")
    assert_allclose(raw, [mean_squared_error(Y[m, 0], P[m, 0])], rtol=1e-12)


def test_predictions_as_list_of_columns(regression_data):
    Y, P = regression_data
    as_list = [P[:, t] for t in range(3)]
    assert_allclose(multitask_r2_score(Y, as_list), multitask_r2_score(Y, P))
    assert_allclose(
        multitask_r2_score(Y, pd.DataFrame(P)), multitask_r2_score(Y, P), rtol=1e-12
    )


@pytest.mark.parametrize(
    "metric", [m for m, _, _ in REGRESSION_METRICS], ids=REGRESSION_IDS
)
def test_unlabelled_task_skipped_with_warning(regression_data, metric):
    Y, P = regression_data
    full = metric(Y, P, multioutput="raw_values")
    Y = Y.copy()
    Y[:, 1] = np.nan
    msg = skipped_message(metric.__name__, "1")
    with pytest.warns(UserWarning, match=re.escape(msg)):
        score = metric(Y, P)
    assert np.isfinite(score)
    assert_allclose(score, (full[0] + full[2]) / 2, rtol=1e-12)
    with pytest.warns(UserWarning, match=re.escape(msg)):
        raw = metric(Y, P, multioutput="raw_values")
    assert np.isnan(raw[1])
    assert_allclose(raw[[0, 2]], full[[0, 2]], rtol=1e-12)
    # the names of a DataFrame are in the warning
    Ydf = pd.DataFrame(Y, columns=["a", "b", "c"])
    msg = skipped_message(metric.__name__, "'b' (index 1)")
    with pytest.warns(UserWarning, match=re.escape(msg)):
        metric(Ydf, P)


def test_fully_observed_does_not_warn(regression_data):
    Y, P = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        multitask_r2_score(Y, P)


def test_all_tasks_unobserved_raises():
    Y = np.full((3, 2), np.nan)
    P = np.zeros((3, 2))
    msg = (
        "multitask_r2_score: no task could be scored; every task has no observed "
        "label (or a single class for a ranking metric)."
    )
    with pytest.warns(
        UserWarning, match=re.escape(skipped_message("multitask_r2_score", "0, 1"))
    ):
        with pytest.raises(ValueError, match=re.escape(msg)):
            multitask_r2_score(Y, P)
    with pytest.warns(UserWarning):
        raw = multitask_mean_squared_error(Y, P, multioutput="raw_values")
    assert np.all(np.isnan(raw))
    msg = "Expected at least one observed label; got none."
    with pytest.raises(ValueError, match=re.escape(msg)):
        pooled_explained_variance_score(Y, P)


def test_only_zero_weight_tasks_scored_raises(regression_data):
    Y, P = regression_data
    Y = Y.copy()
    Y[:, 1] = np.nan
    msg = (
        "multitask_r2_score: every scored task has weight zero; got task weights "
        "[0.0, 3.0, 0.0]."
    )
    with pytest.warns(UserWarning):
        with pytest.raises(ValueError, match=re.escape(msg)):
            multitask_r2_score(Y, P, task_weights=[0, 1, 0])


def test_skipped_task_warning_points_at_caller():
    Y = np.array([[1.0, np.nan], [2.0, np.nan]])
    with pytest.warns(UserWarning) as record:
        multitask_r2_score(Y, np.zeros((2, 2)))
    assert record[0].filename == __file__


def test_nmse_constant_task():
    Y = np.array([[2.0, 1.0], [2.0, 3.0], [2.0, np.nan]])
    exact = np.array([[2.0, 1.0], [2.0, 3.0], [2.0, 0.0]])
    assert_array_equal(
        normalized_mean_squared_error(Y, exact, multioutput="raw_values"), [0.0, 0.0]
    )
    off = exact + 1.0
    raw = normalized_mean_squared_error(Y, off, multioutput="raw_values")
    assert raw[0] == np.inf
    assert_allclose(raw[1], 1.0)  # MSE 1, variance 1


def test_nmse_constant_task_inexact_float():
    y = np.array([0.1, 0.1, 0.1])
    assert normalized_mean_squared_error(y, y) == 0.0
    assert normalized_mean_squared_error(y, y + 1.0) == np.inf


def test_nmse_is_one_minus_r2(regression_data):
    Y, P = regression_data
    w = np.linspace(0.5, 2.0, Y.shape[0])
    assert_allclose(
        normalized_mean_squared_error(Y, P, sample_weight=w, multioutput="raw_values"),
        1 - multitask_r2_score(Y, P, sample_weight=w, multioutput="raw_values"),
        rtol=1e-12,
    )


# --------------------------------------------------------------------------
# pooled explained variance
# --------------------------------------------------------------------------


def test_pooled_explained_variance_hand_formula(regression_data):
    Y, P = regression_data
    m = ~np.isnan(Y)
    y, p = Y[m], P[m]
    expected = 1.0 - np.mean((y - p) ** 2) / np.var(y)  # population variance
    assert_allclose(pooled_explained_variance_score(Y, P), expected, rtol=1e-12)
    # with sample weights: a row's weight applies to each of its labels
    w = np.random.default_rng(2).uniform(0.1, 2.0, size=Y.shape[0])
    wm = np.broadcast_to(w[:, None], Y.shape)[m]
    mean = np.sum(wm * y) / np.sum(wm)
    variance = np.sum(wm * (y - mean) ** 2) / np.sum(wm)
    expected_w = 1.0 - np.sum(wm * (y - p) ** 2) / np.sum(wm) / variance
    assert_allclose(
        pooled_explained_variance_score(Y, P, sample_weight=w), expected_w, rtol=1e-12
    )


def test_pooled_explained_variance_differs_from_mean_r2():
    # task means differ (0 vs 10): the pooled variance includes that gap
    Y = np.array([[0.0, np.nan], [1.0, 10.0], [2.0, 11.0], [np.nan, 12.0]])
    P = np.array([[0.5, 0.0], [1.0, 10.5], [1.5, 11.0], [0.0, 11.5]])
    y = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    p = np.array([0.5, 1.0, 1.5, 10.5, 11.0, 11.5])
    pooled = pooled_explained_variance_score(Y, P)
    assert_allclose(pooled, 1.0 - np.mean((y - p) ** 2) / np.var(y), rtol=1e-12)
    mean_r2 = multitask_r2_score(Y, P)
    assert_allclose(mean_r2, 0.75)  # each task: 1 - 0.5 / 2
    assert pooled > 0.99 > mean_r2


def test_pooled_explained_variance_constant_labels():
    Y = np.array([[3.0, np.nan], [np.nan, 3.0]])
    assert pooled_explained_variance_score(Y, np.full((2, 2), 3.0)) == 1.0
    assert pooled_explained_variance_score(Y, np.full((2, 2), 4.0)) == 0.0


def test_pooled_explained_variance_constant_inexact_float():
    Y = np.array([[0.1, np.nan], [np.nan, 0.1], [0.1, np.nan]])
    assert pooled_explained_variance_score(Y, np.full((3, 2), 1.1)) == 0.0


# --------------------------------------------------------------------------
# classification metrics
# --------------------------------------------------------------------------


def test_accuracy_object_labels():
    Y_true = np.array(
        [["a", None], ["b", "x"], ["b", "y"], [np.nan, "x"], ["a", "y"]], dtype=object
    )
    Y_pred = np.array(
        [["a", "x"], ["a", "x"], ["b", "x"], ["b", "y"], ["a", "y"]], dtype=object
    )
    raw = multitask_accuracy_score(Y_true, Y_pred, multioutput="raw_values")
    expected = []
    for t in range(2):
        m = ~pd.isna(Y_true[:, t])
        expected.append(accuracy_score(Y_true[m, t].tolist(), Y_pred[m, t].tolist()))
    assert_allclose(raw, expected)
    assert_allclose(raw, [3 / 4, 2 / 4])
    assert_allclose(multitask_accuracy_score(Y_true, Y_pred), 0.625)


def test_accuracy_string_labels_missing_label():
    Y_true = np.array([["a", ""], ["b", "x"], ["b", "y"], ["", "x"]])
    Y_pred = np.array([["a", "x"], ["a", "x"], ["b", "x"], ["b", "y"]])
    raw = multitask_accuracy_score(
        Y_true, Y_pred, multioutput="raw_values", missing_label=""
    )
    assert_allclose(raw, [2 / 3, 1 / 3])
    # without the marker, "" is a class and counts as an error
    raw = multitask_accuracy_score(Y_true, Y_pred, multioutput="raw_values")
    assert_allclose(raw, [2 / 4, 1 / 4])


def test_accuracy_int_labels_missing_label_and_weights():
    Y_true = np.array([[1, -1], [0, 2], [1, 2], [-1, 3], [0, 3]])
    Y_pred = np.array([[1, 0], [1, 2], [1, 3], [0, 3], [0, 3]])
    w = np.array([1.0, 2.0, 1.0, 1.0, 4.0])
    raw = multitask_accuracy_score(
        Y_true, Y_pred, multioutput="raw_values", missing_label=-1, sample_weight=w
    )
    expected = [
        accuracy_score(Y_true[m, t], Y_pred[m, t], sample_weight=w[m])
        for t, m in enumerate((Y_true != -1).T)
    ]
    assert_allclose(raw, expected)
    assert_allclose(raw, [6 / 8, 7 / 8])


def test_accuracy_none_prediction_where_observed_errors():
    Y_true = np.array([["a", None], ["b", "x"]], dtype=object)
    Y_pred = np.array([[None, "x"], ["b", "x"]], dtype=object)
    with pytest.raises(ValueError, match=re.escape("task 0")):
        multitask_accuracy_score(Y_true, Y_pred)


@pytest.fixture
def roc_data():
    """Task 0 binary, task 1 with three classes; some labels missing."""
    rng = np.random.default_rng(0)
    n = 30
    Y = np.column_stack([rng.integers(0, 2, n), rng.integers(0, 3, n)]).astype(float)
    Y[[1, 5, 9], 0] = np.nan
    Y[[2, 7], 1] = np.nan
    p = 0.3 * np.nan_to_num(Y[:, 0]) + 0.7 * rng.random(n)
    proba0 = np.column_stack([1 - p, p])
    proba1 = rng.dirichlet(np.ones(3), n)
    proba1[np.nan_to_num(Y[:, 1]).astype(int) == 2, 2] += 0.5
    proba1 /= proba1.sum(axis=1, keepdims=True)
    return Y, proba0, proba1


def test_roc_auc_score_matrix(roc_data):
    Y, proba0, _ = roc_data
    Y2 = np.column_stack([Y[:, 0], 1 - Y[:, 0]])
    scores = np.column_stack([proba0[:, 1], proba0[:, 0] + 0.01 * np.arange(30)])
    raw = multitask_roc_auc_score(Y2, scores, multioutput="raw_values")
    m = ~np.isnan(Y[:, 0])
    expected = [roc_auc_score(Y2[m, t], scores[m, t]) for t in range(2)]
    assert_allclose(raw, expected)
    assert 0.5 < raw[0] < 1.0
    assert_allclose(multitask_roc_auc_score(Y2, scores), np.mean(expected))


def test_roc_auc_predict_proba_list(roc_data):
    Y, proba0, proba1 = roc_data
    raw = multitask_roc_auc_score(Y, [proba0, proba1], multioutput="raw_values")
    m0, m1 = ~np.isnan(Y[:, 0]), ~np.isnan(Y[:, 1])
    expected = [
        roc_auc_score(Y[m0, 0], proba0[m0, 1]),
        roc_auc_score(Y[m1, 1], proba1[m1], multi_class="ovr"),
    ]
    assert_allclose(raw, expected)
    # one-vs-rest by hand: macro average of the per-class binary AUCs
    ovr = np.mean([roc_auc_score(Y[m1, 1] == k, proba1[m1, k]) for k in range(3)])
    assert_allclose(raw[1], ovr)
    w = np.linspace(1.0, 2.0, Y.shape[0])
    weighted = multitask_roc_auc_score(
        Y, [proba0, proba1], multioutput="raw_values", sample_weight=w
    )
    assert_allclose(
        weighted[0], roc_auc_score(Y[m0, 0], proba0[m0, 1], sample_weight=w[m0])
    )


def test_roc_auc_string_labels_uses_greater_class():
    y_true = np.array(["no", "yes", None, "yes", "no"], dtype=object)
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.6, 0.4], [0.3, 0.7]])
    score = multitask_roc_auc_score(y_true, proba[:, 1])
    m = np.array([0, 1, 3, 4])
    assert_allclose(score, roc_auc_score(y_true[m] == "yes", proba[m, 1]))
    assert_allclose(score, 0.75)


def test_roc_auc_single_class_task_skipped(roc_data):
    Y, proba0, proba1 = roc_data
    Y = Y.copy()
    Y[:, 0] = np.where(np.isnan(Y[:, 0]), np.nan, 1.0)
    msg = skipped_message("multitask_roc_auc_score", "0")
    with pytest.warns(UserWarning, match=re.escape(msg)):
        raw = multitask_roc_auc_score(Y, [proba0, proba1], multioutput="raw_values")
    assert np.isnan(raw[0])
    m1 = ~np.isnan(Y[:, 1])
    expected = roc_auc_score(Y[m1, 1], proba1[m1], multi_class="ovr")
    assert_allclose(raw[1], expected)
    with pytest.warns(UserWarning, match=re.escape(msg)):
        assert_allclose(multitask_roc_auc_score(Y, [proba0, proba1]), expected)


def test_roc_auc_1d_y_with_predict_proba_array(roc_data):
    Y, proba0, _ = roc_data
    m = ~np.isnan(Y[:, 0])
    score = multitask_roc_auc_score(Y[:, 0], proba0)
    assert_allclose(score, roc_auc_score(Y[m, 0], proba0[m, 1]))


def test_roc_auc_score_matrix_multiclass_task_clear_error(roc_data):
    Y, proba0, _ = roc_data
    with pytest.raises(ValueError, match=re.escape("task 1")):
        multitask_roc_auc_score(Y, np.column_stack([proba0[:, 1], proba0[:, 1]]))


# --------------------------------------------------------------------------
# bad inputs
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metric",
    [multitask_r2_score, multitask_accuracy_score, multitask_roc_auc_score],
)
def test_wrong_multioutput(metric):
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    msg = (
        "Expected multioutput to be one of ('uniform_average', 'raw_values'); got "
        "'variance_weighted' instead. Use task_weights to weigh the tasks."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        metric(Y, Y, multioutput="variance_weighted")


def test_prediction_shape_errors(regression_data):
    Y, P = regression_data
    msg = "Expected predictions of shape (20, 3); got shape (20, 2) instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_r2_score(Y, P[:, :2])
    msg = "Expected predictions of shape (20, 3); got shape (20, 3, 1) instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_r2_score(Y, P[:, :, None])
    msg = "Expected predictions for 20 samples, as in Y_true; got 5 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_mean_squared_error(Y, P[:5])
    msg = "Expected sample_weight of shape (20,), one per sample; got shape (3,)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_r2_score(Y, P, sample_weight=[1.0, 2.0, 3.0])


def test_list_of_arrays_wrong_length(roc_data):
    Y, proba0, proba1 = roc_data
    msg = "Expected predictions for 2 tasks; got a list of 3 arrays instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_roc_auc_score(Y, [proba0, proba1, proba1])
    msg = "Expected predictions for 2 tasks; got a list of 1 arrays instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_roc_auc_score(Y, [proba0])
    msg = "Expected predictions for 30 samples, as in Y_true; got 5 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_roc_auc_score(Y, [proba0, proba1[:5]])


def test_nan_predictions_where_observed_error(regression_data, roc_data):
    Y, P = regression_data
    rows = np.flatnonzero(~np.isnan(Y[:, 1]))
    P_bad = P.copy()
    P_bad[rows[0], 1] = np.nan
    msg = (
        "Expected finite predictions of the label type where labels are "
        "observed; task 1 has NaN, None, infinite or non-numeric predictions."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_r2_score(Y, P_bad)
    P_bad[rows[0], 1] = np.inf
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_mean_squared_error(Y, P_bad)
    Ydf = pd.DataFrame(Y, columns=["a", "b", "c"])
    with pytest.raises(ValueError, match=re.escape("task 'b' (index 1) has NaN")):
        pooled_explained_variance_score(Ydf, P_bad)
    # strings for a continuous target
    msg = msg.replace("task 1", "task 0")
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_r2_score(Y, P.astype(str))
    # NaN predictions where the label is missing are fine
    P_ok = np.where(np.isnan(Y), np.nan, P)
    assert_allclose(multitask_r2_score(Y, P_ok), multitask_r2_score(Y, P))
    # in a predict_proba list too
    Yc, proba0, proba1 = roc_data
    proba0 = proba0.copy()
    proba0[0, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape(msg)):
        multitask_roc_auc_score(Yc, [proba0, proba1])
    Yf = np.array([[0.0, 1.0], [1.0, np.nan]])
    with pytest.raises(ValueError, match=re.escape(msg.replace("task 0", "task 1"))):
        multitask_accuracy_score(Yf, np.array([[0.0, np.nan], [1.0, 1.0]]))


# --------------------------------------------------------------------------
# make_multitask_scorer
# --------------------------------------------------------------------------


@pytest.fixture
def regression_problem():
    rng = np.random.default_rng(0)
    n = 30
    X = rng.normal(size=(n, 3))
    Y = X @ rng.normal(size=(3, 2)) + 0.5 * rng.normal(size=(n, 2))
    Y[rng.random((n, 2)) < 0.2] = np.nan
    return X, Y


def test_scorer_grid_search_best_score_by_hand(regression_problem):
    X, Y = regression_problem
    assert np.isnan(Y).any()
    cv = KFold(3, shuffle=True, random_state=0)
    alphas = [0.1, 30.0]
    search = GridSearchCV(
        IndependentTaskRegressor(Ridge()),
        {"estimator__alpha": alphas},
        scoring=make_multitask_scorer("r2"),
        cv=cv,
    ).fit(X, Y)
    by_hand = []
    for alpha in alphas:
        fold_scores = []
        for train, test in cv.split(X):
            model = IndependentTaskRegressor(Ridge(alpha=alpha)).fit(X[train], Y[train])
            fold_scores.append(multitask_r2_score(Y[test], model.predict(X[test])))
        by_hand.append(np.mean(fold_scores))
    assert_allclose(search.cv_results_["mean_test_score"], by_hand, rtol=1e-12)
    assert_allclose(search.best_score_, max(by_hand), rtol=1e-12)
    assert search.best_params_ == {"estimator__alpha": alphas[int(np.argmax(by_hand))]}


def test_scorer_one_task_by_index_and_name(regression_problem):
    X, Y = regression_problem
    model = IndependentTaskRegressor(Ridge()).fit(X, Y)
    P = model.predict(X)
    m = ~np.isnan(Y[:, 1])
    scorer = make_multitask_scorer("r2", task=1)
    assert_allclose(scorer(model, X, Y), r2_score(Y[m, 1], P[m, 1]), rtol=1e-12)
    assert_allclose(scorer(model, X, Y), multitask_r2_score(Y[:, 1], P[:, 1]))
    # by name with a DataFrame Y
    Ydf = pd.DataFrame(Y, columns=["math", "art"])
    model_df = IndependentTaskRegressor(Ridge()).fit(X, Ydf)
    by_name = make_multitask_scorer("r2", task="art")
    assert_allclose(by_name(model_df, X, Ydf), r2_score(Y[m, 1], P[m, 1]), rtol=1e-12)
    # and by name with an array Y, from the estimator's task_names_
    assert_allclose(by_name(model_df, X, Y), r2_score(Y[m, 1], P[m, 1]), rtol=1e-12)
    msg = "Unknown task 'arts'; expected one of ['math', 'art']. Did you mean 'art'?"
    with pytest.raises(ValueError, match=re.escape(msg)):
        make_multitask_scorer("r2", task="arts")(model_df, X, Ydf)
    msg = (
        "Cannot select task 'art' by name: the tasks have no names (they come "
        "from a DataFrame Y). Use a task index instead."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        by_name(model, X, Y)


def test_scorer_all_tasks_with_kwargs_and_sample_weight(regression_problem):
    X, Y = regression_problem
    model = IndependentTaskRegressor(Ridge()).fit(X, Y)
    P = model.predict(X)
    scorer = make_multitask_scorer("r2", task_weights=[1.0, 3.0])
    assert_allclose(
        scorer(model, X, Y), multitask_r2_score(Y, P, task_weights=[1.0, 3.0])
    )
    w = np.linspace(1, 2, X.shape[0])
    assert_allclose(
        scorer(model, X, Y, sample_weight=w),
        multitask_r2_score(Y, P, task_weights=[1.0, 3.0], sample_weight=w),
    )
    pooled = make_multitask_scorer("pooled_explained_variance")
    assert_allclose(pooled(model, X, Y), pooled_explained_variance_score(Y, P))


@pytest.mark.parametrize("name", ["mean_squared_error", "neg_mean_squared_error"])
def test_scorer_errors_are_negated(regression_problem, name):
    X, Y = regression_problem
    model = IndependentTaskRegressor(Ridge()).fit(X, Y)
    P = model.predict(X)
    mse = multitask_mean_squared_error(Y, P)
    assert mse > 0
    assert_allclose(make_multitask_scorer(name)(model, X, Y), -mse)
    nmse = make_multitask_scorer("neg_normalized_mean_squared_error")
    assert_allclose(nmse(model, X, Y), -normalized_mean_squared_error(Y, P))


def test_scorer_callable_metric(regression_problem):
    X, Y = regression_problem
    model = IndependentTaskRegressor(Ridge()).fit(X, Y)
    P = model.predict(X)
    # a known metric function keeps its direction
    scorer = make_multitask_scorer(multitask_mean_squared_error)
    assert_allclose(scorer(model, X, Y), -multitask_mean_squared_error(Y, P))

    def max_abs_error(Y_true, Y_pred):
        return float(np.nanmax(np.abs(Y_true - Y_pred)))

    scorer = make_multitask_scorer(max_abs_error, greater_is_better=False)
    assert_allclose(scorer(model, X, Y), -np.nanmax(np.abs(Y - P)))


def test_scorer_unknown_metric_error():
    known = (
        "['accuracy', 'average_precision', 'log_loss', 'mean_absolute_error', "
        "'mean_squared_error', 'mixed', 'normalized_mean_squared_error', "
        "'pooled_explained_variance', 'r2', 'roc_auc']"
    )
    msg = (
        f"Unknown metric 'neg_mean_squared_errr'; expected one of {known} or a "
        "callable. Did you mean 'mean_squared_error'?"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        make_multitask_scorer("neg_mean_squared_errr")
    msg = f"Unknown metric 'foo'; expected one of {known} or a callable."
    with pytest.raises(ValueError, match=re.escape(msg) + "$"):
        make_multitask_scorer("foo")
    msg = "Expected a metric name or a callable; got 3 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        make_multitask_scorer(3)


@pytest.fixture
def classification_problem():
    rng = np.random.default_rng(0)
    n = 40
    X = rng.normal(size=(n, 3))
    Y = np.column_stack(
        [X[:, 0] + rng.normal(size=n) > 0, X[:, 1] + rng.normal(size=n) > 0]
    ).astype(float)
    Y[[1, 5, 11], 0] = np.nan
    Y[[2, 8], 1] = np.nan
    return X, Y


def test_scorer_roc_auc_uses_predict_proba(classification_problem):
    X, Y = classification_problem
    clf = IndependentTaskClassifier().fit(X, Y)
    proba = clf.predict_proba(X)
    expected = []
    for t in range(2):
        m = ~np.isnan(Y[:, t])
        expected.append(roc_auc_score(Y[m, t], proba[t][m, 1]))
    score = make_multitask_scorer("roc_auc")(clf, X, Y)
    assert_allclose(score, np.mean(expected), rtol=1e-12)
    # hard predictions give another (lower) AUC: the scorer used probabilities
    assert not np.isclose(score, multitask_roc_auc_score(Y, clf.predict(X)))


def test_scorer_roc_auc_one_task(classification_problem):
    X, Y = classification_problem
    clf = IndependentTaskClassifier().fit(X, Y)
    m = ~np.isnan(Y[:, 0])
    expected = roc_auc_score(Y[m, 0], clf.predict_proba(X)[0][m, 1])
    assert_allclose(make_multitask_scorer("roc_auc", task=0)(clf, X, Y), expected)


def test_scorer_pipeline_missing_label_marker(classification_problem):
    X, Y = classification_problem
    Y_int = np.where(np.isnan(Y), -1, Y).astype(int)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("clf", IndependentTaskClassifier(missing_label=-1)),
        ]
    ).fit(X, Y_int)
    P = pipe.predict(X)
    assert not np.any(P == -1)
    accuracy = make_multitask_scorer("accuracy")(pipe, X, Y_int)
    m = Y_int != -1
    expected = np.mean(
        [accuracy_score(Y_int[m[:, t], t], P[m[:, t], t]) for t in range(2)]
    )
    assert_allclose(accuracy, expected, rtol=1e-12)
    # the marker came from the pipeline's last step: counted as a class, the
    # -1 rows would all be errors
    assert accuracy > multitask_accuracy_score(Y_int, P)
    proba = pipe.predict_proba(X)
    roc = make_multitask_scorer("roc_auc")(pipe, X, Y_int)
    expected = np.mean(
        [roc_auc_score(Y_int[m[:, t], t], proba[t][m[:, t], 1]) for t in range(2)]
    )
    assert_allclose(roc, expected, rtol=1e-12)


def test_grid_search_integer_cv_with_missing_label_marker(classification_problem):
    X, Y = classification_problem
    Y_int = np.where(np.isnan(Y), -1, Y).astype(int)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("clf", IndependentTaskClassifier(missing_label=-1)),
        ]
    )
    candidates = [LogisticRegression(C=0.01), LogisticRegression(C=1.0)]
    search = GridSearchCV(
        pipe,
        {"clf__estimator": candidates},
        scoring=make_multitask_scorer("accuracy"),
        cv=3,
    ).fit(X, Y_int)
    # an integer cv on a multi-output target is an unshuffled KFold
    by_hand = []
    for candidate in candidates:
        fold_scores = []
        for train, test in KFold(3).split(X):
            model = pipe.set_params(clf__estimator=candidate).fit(
                X[train], Y_int[train]
            )
            fold_scores.append(
                multitask_accuracy_score(
                    Y_int[test], model.predict(X[test]), missing_label=-1
                )
            )
        by_hand.append(np.mean(fold_scores))
    assert_allclose(search.cv_results_["mean_test_score"], by_hand, rtol=1e-12)
    assert_allclose(search.best_score_, max(by_hand), rtol=1e-12)


def test_average_precision_and_log_loss_match_sklearn_per_task(roc_data):
    Y, proba0, proba1 = roc_data
    m0, m1 = ~np.isnan(Y[:, 0]), ~np.isnan(Y[:, 1])
    w = np.linspace(1.0, 2.0, Y.shape[0])
    ap = multitask_average_precision_score(
        Y, [proba0, proba1], multioutput="raw_values", sample_weight=w
    )
    indicator = np.eye(3)[Y[m1, 1].astype(int)]
    assert_allclose(
        ap,
        [
            average_precision_score(Y[m0, 0], proba0[m0, 1], sample_weight=w[m0]),
            average_precision_score(
                indicator, proba1[m1], average="macro", sample_weight=w[m1]
            ),
        ],
    )
    loss = multitask_log_loss(
        Y, [proba0, proba1], multioutput="raw_values", sample_weight=w
    )
    assert_allclose(
        loss,
        [
            log_loss(Y[m0, 0], proba0[m0], sample_weight=w[m0]),
            log_loss(Y[m1, 1], proba1[m1], sample_weight=w[m1]),
        ],
    )
    # a score of the greater class per binary task is read as its probability
    assert_allclose(
        multitask_log_loss(Y[:, 0], proba0[:, 1]), log_loss(Y[m0, 0], proba0[m0])
    )


def test_log_loss_needs_the_classes_when_a_class_is_not_observed():
    Y = np.array([[0.0], [1.0], [1.0], [np.nan]])
    proba = [np.array([[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.1, 0.8, 0.1], [1, 0, 0]])]
    with pytest.raises(ValueError, match="multitask_log_loss, task 0: y_true and"):
        multitask_log_loss(Y, proba)
    assert_allclose(
        multitask_log_loss(Y, proba, classes=[[0, 1, 2]]),
        log_loss([0, 1, 1], proba[0][:3], labels=[0, 1, 2]),
    )


def test_new_scorers_take_the_classifiers_classes():
    """A test fold without one of the classes still gets a log-loss."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5])]).astype(float)
    model = IndependentTaskClassifier(LogisticRegression()).fit(X, Y)
    rows = Y[:, 1] != 2  # the test rows miss class 2 of task 1
    scorer = make_multitask_scorer("log_loss")
    expected = np.mean(
        [
            log_loss(Y[rows, t], proba[rows], labels=model.classes_[t])
            for t, proba in enumerate(model.predict_proba(X))
        ]
    )
    assert_allclose(scorer(model, X[rows], Y[rows]), -expected)
    assert get_metric("neg_log_loss").function is multitask_log_loss
    assert get_metric("neg_mean_absolute_error").greater_is_better is False
    assert get_metric("average_precision").greater_is_better is True


def kernel_cases():
    """Labels, predictions and weights with ties, constant and tiny tasks."""
    rng = np.random.default_rng(7)
    y = rng.normal(size=40)
    scores = np.round(rng.normal(size=40), 1)  # many ties
    weights = rng.uniform(0.0, 3.0, size=40)
    classes = (rng.random(40) < 0.3).astype(float)
    return y, scores, weights, classes


@pytest.mark.parametrize("weighted", [False, True])
def test_kernels_equal_sklearn(weighted):
    y, scores, weights, classes = kernel_cases()
    w = weights if weighted else None
    pairs = [
        (_kernels.r2, r2_score, y),
        (_kernels.mean_squared_error, mean_squared_error, y),
        (_kernels.mean_absolute_error, mean_absolute_error, y),
        (_kernels.binary_roc_auc, roc_auc_score, classes),
    ]
    for kernel, reference, labels in pairs:
        assert_allclose(
            kernel(labels, scores, sample_weight=w),
            reference(labels, scores, sample_weight=w),
            rtol=1e-12,
        )
    # string labels: the greater one is the positive class
    text = np.where(classes == 1, "yes", "no").astype(object)
    assert_allclose(
        _kernels.binary_roc_auc(text, scores, sample_weight=w),
        roc_auc_score(classes, scores, sample_weight=w),
        rtol=1e-12,
    )


def test_kernels_on_constant_and_tiny_tasks():
    constant = np.full(5, 2.0)
    for predictions in (constant, constant + 1.0):
        assert _kernels.r2(constant, predictions) == r2_score(constant, predictions)
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(_kernels.r2(np.array([1.0]), np.array([1.0])))
    assert _kernels.normalized_mean_squared_error(constant, constant) == 0.0
    assert _kernels.normalized_mean_squared_error(constant, constant + 1.0) == np.inf
    # a class whose rows all weigh zero: scikit-learn's warning and NaN
    classes = np.array([0.0, 1.0, 0.0, 1.0])
    with pytest.warns(UndefinedMetricWarning):
        auc = _kernels.binary_roc_auc(
            classes, np.arange(4.0), sample_weight=np.array([1.0, 0.0, 1.0, 0.0])
        )
    assert np.isnan(auc)


def test_scoring_many_tasks_equals_sklearn_task_by_task():
    rng = np.random.default_rng(3)
    Y = (rng.random((60, 25)) < 0.4).astype(float)
    Y[rng.random(Y.shape) < 0.5] = np.nan
    Y[:2] = [[0.0], [1.0]]  # two classes in every task
    scores = np.round(rng.random(Y.shape), 2)
    weights = rng.uniform(0.5, 2.0, size=60)
    expected = [
        roc_auc_score(
            Y[~np.isnan(Y[:, t]), t],
            scores[~np.isnan(Y[:, t]), t],
            sample_weight=weights[~np.isnan(Y[:, t])],
        )
        for t in range(25)
    ]
    got = multitask_roc_auc_score(
        Y, scores, sample_weight=weights, multioutput="raw_values"
    )
    assert_allclose(got, expected, rtol=1e-12)
