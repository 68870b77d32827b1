"""Displays of sklearn_mtl.inspection: the plotted data equals the numbers.

As scikit-learn's display tests do, every test reads the data back from the
matplotlib artists (line data, bar widths, image arrays, scatter offsets) and
compares it with an independent computation on the observed labels only.
"""

import re
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import MultiTaskLassoCV as SklearnMultiTaskLassoCV
from sklearn.linear_model import Ridge
from sklearn.metrics import roc_curve
from sklearn.neighbors import KNeighborsRegressor

from sklearn_mtl.baselines import IndependentTaskRegressor, PooledTaskRegressor
from sklearn_mtl.inspection import (
    CoefficientDisplay,
    ComparisonDisplay,
    MultiTaskPredictionErrorDisplay,
    MultiTaskRocCurveDisplay,
    RegularizationPathDisplay,
    TaskHistoryDisplay,
    TaskRelationshipDisplay,
)
from sklearn_mtl.inspection._comparison import OUTCOMES
from sklearn_mtl.linear_model import (
    Dirty,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearRegressor,
    MultiTaskLinearRegressorCV,
    MultiTaskLogisticRegression,
)
from sklearn_mtl.metrics import multitask_r2_score, multitask_roc_auc_score
from sklearn_mtl.model_selection import ComparisonResult, compare_estimators
from sklearn_mtl.neural import MultiTaskNetClassifier, MultiTaskNetRegressor

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
to_rgba = matplotlib.colors.to_rgba

TASKS = ["math", "reading", "science"]


def raises(exception, message):
    """``pytest.raises`` matching the exact message ``message``."""
    return pytest.raises(exception, match=f"^{re.escape(message)}$")


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts and ends without open figures."""
    plt.close("all")
    yield
    plt.close("all")


# --------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def regression():
    """Three related tasks, 25% missing labels, named by a DataFrame."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 6))
    W = np.zeros((6, 3))
    W[:2] = rng.standard_normal((2, 3)) + 2.0
    W[4, 2] = 1.5
    Y = X @ W + 0.3 * rng.standard_normal((60, 3))
    Y[rng.random(Y.shape) < 0.25] = np.nan
    return X, pd.DataFrame(Y, columns=TASKS)


@pytest.fixture(scope="module")
def classification():
    """Four binary tasks with missing labels (NaN)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 5))
    logits = X[:, :4] * 2.0 + 0.5 * rng.standard_normal((80, 4))
    Y = (logits > 0).astype(float)
    Y[rng.random(Y.shape) < 0.3] = np.nan
    return X, Y


@pytest.fixture(scope="module")
def dirty_model(regression):
    X, Y = regression
    return MultiTaskLinearRegressor(Dirty(alpha_group=0.3, alpha_sparse=0.2)).fit(X, Y)


@pytest.fixture(scope="module")
def logistic(classification):
    X, Y = classification
    return MultiTaskLogisticRegression(alpha=0.01).fit(X, Y)


@pytest.fixture(scope="module")
def net(regression):
    X, Y = regression
    return MultiTaskNetRegressor(
        max_epochs=3,
        module__hidden_units=(4,),
        verbose=0,
        random_state=0,
        weighting="dwa",
    ).fit(X.astype(np.float32), Y)


@pytest.fixture(scope="module")
def comparison(regression):
    X, Y = regression
    return compare_estimators(
        {
            "independent": IndependentTaskRegressor(Ridge()),
            "pooled": PooledTaskRegressor(Ridge(), add_task_indicator=True),
            "lasso": MultiTaskLasso(alpha=0.1),
        },
        X,
        Y,
        cv=4,
    )


# ------------------------------------------------------------ matplotlib
def test_import_does_not_import_matplotlib(fresh_interpreter):
    # The session's fresh interpreter imported sklearn_mtl.inspection first.
    assert "sklearn_mtl.inspection" in fresh_interpreter.modules_at_start
    assert "matplotlib" not in fresh_interpreter.modules_at_start


def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch):
    display = TaskRelationshipDisplay(matrix=np.eye(2))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with raises(
        ImportError,
        "TaskRelationshipDisplay.plot requires matplotlib, which is not "
        "installed. Install it with `pip install matplotlib` (or `pip install "
        "sklearn-mtl[plot]`).",
    ):
        display.plot()


def test_plot_draws_on_the_given_axes_and_returns_the_display():
    _, ax = plt.subplots()
    display = TaskRelationshipDisplay(matrix=np.eye(2))
    assert display.plot(ax=ax) is display
    assert display.ax_ is ax and display.figure_ is ax.figure


# ------------------------------------------------------------ comparison
def test_comparison_display_bars_and_intervals_are_the_paired_differences(
    comparison,
):
    display = ComparisonDisplay.from_result(comparison)
    assert display.estimator_names == ["pooled", "lasso"]
    assert display.axes_.shape == (2,)
    lower, upper = comparison.confidence_intervals(0.95)
    for e, name in enumerate(["pooled", "lasso"]):
        index = comparison.estimator_names.index(name)
        widths = [bar.get_width() for bar in display.bars_[e]]
        np.testing.assert_allclose(widths, comparison.differences()[index])
        segments = display.intervals_[e].get_segments()
        for t, segment in enumerate(segments):
            np.testing.assert_allclose(
                segment, [[lower[index, t], t], [upper[index, t], t]]
            )
        assert f"{comparison.delta_m()[index]:+.1f}%" in display.axes_[e].get_title()
    labels = [label.get_text() for label in display.axes_[0].get_yticklabels()]
    assert labels == TASKS


def test_comparison_display_colours_tasks_by_outcome():
    # task 0 improved (interval > 0), 1 better, 2 worse, 3 hurt, 4 tie.
    differences = np.array([[0.5, 0.2, -0.2, -0.5, 0.0]])
    lower = np.array([[0.1, -0.1, -0.5, -0.9, -0.1]])
    upper = np.array([[0.9, 0.5, 0.1, -0.1, 0.1]])
    display = ComparisonDisplay(
        differences=differences,
        lower=lower,
        upper=upper,
        task_names=list("abcde"),
        estimator_names=["mtl"],
        reference="stl",
        metric="r2",
        delta_m=np.array([3.0]),
        confidence_level=0.95,
    ).plot()
    expected = ["improved", "better", "worse", "hurt", "tie"]
    assert display.outcomes_[0].tolist() == expected
    colors = [bar.get_facecolor() for bar in display.bars_[0]]
    assert colors == [to_rgba(OUTCOMES[o]) for o in expected]
    title = display.ax_.get_title()
    assert "better on 2/5 (1 significant), worse on 2/5 (1 significant)" in title
    # Lower is better (an error): the same numbers flip.
    flipped = ComparisonDisplay(
        differences=differences,
        lower=lower,
        upper=upper,
        task_names=list("abcde"),
        estimator_names=["mtl"],
        reference="stl",
        metric="mse",
        greater_is_better=False,
    ).plot()
    assert flipped.outcomes_[0].tolist() == [
        "hurt",
        "worse",
        "better",
        "improved",
        "tie",
    ]


def test_comparison_display_skips_tasks_without_an_interval():
    scores = np.array(
        [
            [[0.5, 0.2], [0.6, np.nan], [0.4, np.nan]],
            [[0.7, 0.4], [0.8, np.nan], [0.5, np.nan]],
        ]
    )
    result = ComparisonResult(
        scores,
        ["stl", "mtl"],
        ["a", "b"],
        "stl",
        "r2",
        True,
        np.zeros((2, 3)),
        test_train_ratio=0.0,
    )
    display = ComparisonDisplay.from_result(result)
    assert len(display.intervals_[0].get_segments()) == 1  # task "a" only
    assert display.outcomes_[0].tolist() == ["improved", "better"]
    widths = [bar.get_width() for bar in display.bars_[0]]
    np.testing.assert_allclose(widths, [np.mean([0.2, 0.2, 0.1]), 0.2])


def test_comparison_display_sort_orders_tasks_by_gain(comparison):
    display = ComparisonDisplay.from_result(
        comparison, estimators=["lasso"], sort=True, confidence_level=None
    )
    gain = comparison.differences()[comparison.estimator_names.index("lasso")]
    np.testing.assert_array_equal(display.task_order_, np.argsort(-gain))
    widths = [bar.get_width() for bar in display.bars_[0]]
    np.testing.assert_allclose(widths, np.sort(gain)[::-1])
    assert display.intervals_ is None
    labels = [label.get_text() for label in display.ax_.get_yticklabels()]
    assert labels == [TASKS[t] for t in display.task_order_]


def test_comparison_display_from_estimators_runs_the_comparison(regression):
    X, Y = regression
    estimators = {
        "independent": IndependentTaskRegressor(Ridge()),
        "pooled": PooledTaskRegressor(Ridge()),
    }
    display = ComparisonDisplay.from_estimators(estimators, X, Y, cv=3)
    result = compare_estimators(estimators, X, Y, cv=3)
    np.testing.assert_allclose(display.result.scores, result.scores)
    widths = [bar.get_width() for bar in display.bars_[0]]
    np.testing.assert_allclose(widths, result.differences()[1])


def test_comparison_display_errors(comparison):
    with raises(
        ValueError,
        "ComparisonDisplay.from_result needs the ComparisonResult returned by "
        "compare_estimators; got dict.",
    ):
        ComparisonDisplay.from_result({})
    with raises(
        ValueError,
        "Unknown estimator(s) ['independent']; expected names among ['pooled', "
        "'lasso'] (the reference 'independent' is not shown).",
    ):
        ComparisonDisplay.from_result(comparison, estimators=["independent"])
    _, ax = plt.subplots()
    with raises(
        ValueError,
        "ComparisonDisplay: expected ax to hold 2 axes (one per compared "
        "estimator); got 1 instead.",
    ):
        ComparisonDisplay.from_result(comparison, ax=ax)


# ----------------------------------------------------------- coefficients
def test_coefficient_display_shows_coef_and_the_dirty_parts(dirty_model):
    display = CoefficientDisplay.from_estimator(dirty_model)
    assert list(display.images_) == ["coef", "group", "sparse"]
    np.testing.assert_array_equal(
        display.images_["coef"].get_array(), dirty_model.coef_.T
    )
    np.testing.assert_array_equal(
        display.images_["group"].get_array(), dirty_model.coef_group_.T
    )
    np.testing.assert_array_equal(
        display.images_["sparse"].get_array(), dirty_model.coef_sparse_.T
    )
    norms = np.linalg.norm(dirty_model.coef_, axis=0)
    widths = [bar.get_width() for bar in display.norm_bars_]
    np.testing.assert_allclose(widths, norms)
    np.testing.assert_array_equal(display.support_, (dirty_model.coef_ != 0).sum(0))
    labels = [label.get_text() for label in display.axes_[0].get_xticklabels()]
    assert labels == TASKS  # from the DataFrame Y, through task_names_
    assert display.axes_.shape == (4,)
    # colour of a norm bar: shared by all tasks, some, none
    for bar, support in zip(display.norm_bars_, display.support_, strict=True):
        kind = "all" if support == 3 else "some" if support else "none"
        expected = {"all": "#2166ac", "some": "#f4a582", "none": "#bdbdbd"}[kind]
        assert bar.get_facecolor() == to_rgba(expected)


def test_coefficient_display_top_features_and_names(regression):
    X, Y = regression
    X_frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)])
    model = MultiTaskLasso(alpha=0.05).fit(X_frame, Y)
    display = CoefficientDisplay.from_estimator(
        model, max_features=3, sort_features=True, show_norms=False
    )
    norms = np.linalg.norm(model.coef_, axis=0)
    np.testing.assert_array_equal(display.feature_order_, np.argsort(-norms)[:3])
    np.testing.assert_array_equal(
        display.images_["coef"].get_array(), model.coef_.T[np.argsort(-norms)[:3]]
    )
    labels = [label.get_text() for label in display.axes_[0].get_yticklabels()]
    assert labels == [f"f{j}" for j in np.argsort(-norms)[:3]]
    assert display.norm_bars_ is None and display.axes_.shape == (1,)


def test_coefficient_display_names_the_classes_of_a_multiclass_task():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    Y = np.column_stack([X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5])]).astype(float)
    Y[::7, 1] = np.nan
    model = MultiTaskLogisticRegression(alpha=0.05).fit(X, Y)
    display = CoefficientDisplay.from_estimator(model, task_names=["b", "m"])
    labels = [label.get_text() for label in display.axes_[0].get_xticklabels()]
    assert labels == ["b", "m[0.0]", "m[1.0]", "m[2.0]"]
    np.testing.assert_array_equal(display.images_["coef"].get_array(), model.coef_.T)


def test_coefficient_display_stacks_linear_per_task_baselines(regression):
    X, Y = regression
    model = IndependentTaskRegressor(Ridge()).fit(X, Y)
    display = CoefficientDisplay.from_estimator(model)
    expected = np.vstack([e.coef_ for e in model.estimators_]).T
    np.testing.assert_array_equal(display.images_["coef"].get_array(), expected)


def test_coefficient_display_refuses_a_model_without_coefficients(regression):
    X, Y = regression
    model = IndependentTaskRegressor(KNeighborsRegressor(3)).fit(X, Y)
    with raises(
        ValueError,
        "CoefficientDisplay.from_estimator needs a fitted linear model with a "
        "coef_ attribute (or one linear estimator per task with a 1-D coef_); "
        "got IndependentTaskRegressor (it has no coef_).",
    ):
        CoefficientDisplay.from_estimator(model)


# ---------------------------------------------------------------- history
def test_task_history_display_plots_the_per_task_keys(net):
    display = TaskHistoryDisplay.from_estimator(net)
    history = net.history
    for t, task in enumerate(TASKS):
        np.testing.assert_array_equal(
            display.train_lines_[t].get_xydata(),
            np.column_stack([history[:, "epoch"], history[:, f"train_loss_{task}"]]),
        )
        np.testing.assert_array_equal(
            display.valid_lines_[t].get_ydata(), history[:, f"valid_loss_{task}"]
        )
        np.testing.assert_array_equal(
            display.weight_lines_[t].get_ydata(),
            [weights[t] for weights in history[:, "task_weights"]],
        )
    assert display.axes_.shape == (2,)
    assert display.axes_[0].get_yscale() == "log"


def test_task_history_display_selected_tasks_without_validation(regression):
    X, Y = regression
    net = MultiTaskNetRegressor(
        max_epochs=2,
        module__hidden_units=(4,),
        verbose=0,
        random_state=0,
        train_split=None,
    ).fit(X.astype(np.float32), Y)
    display = TaskHistoryDisplay.from_estimator(
        net, tasks=["science"], show_weights=False, yscale="linear"
    )
    assert display.valid_lines_ is None and display.weight_lines_ is None
    assert len(display.train_lines_) == 1
    np.testing.assert_array_equal(
        display.train_lines_[0].get_ydata(), net.history[:, "train_loss_science"]
    )
    assert display.axes_.shape == (1,)


def test_task_history_display_leaves_gaps_for_epochs_without_labels():
    train = np.array([[1.0, 2.0], [0.5, np.nan], [0.4, 1.0]])
    display = TaskHistoryDisplay(epochs=[1, 2, 3], train=train).plot()
    assert np.isnan(display.train_lines_[1].get_ydata()[1])


def test_task_history_display_refuses_what_is_not_a_fitted_net(net):
    with raises(
        ValueError,
        "TaskHistoryDisplay.from_estimator needs a fitted multi-task net "
        "(MultiTaskNetRegressor or MultiTaskNetClassifier) with per-task curves "
        "in its history; got Ridge (it has no task_history_keys).",
    ):
        TaskHistoryDisplay.from_estimator(Ridge())
    with raises(
        ValueError,
        "TaskHistoryDisplay.from_estimator needs a fitted multi-task net "
        "(MultiTaskNetRegressor or MultiTaskNetClassifier) with per-task curves "
        "in its history; got MultiTaskNetRegressor (it has no history (it is "
        "not fitted)).",
    ):
        TaskHistoryDisplay.from_estimator(MultiTaskNetRegressor())
    with pytest.raises(ValueError, match="the net's history has no per-task 'r2'"):
        TaskHistoryDisplay.from_estimator(net, metric="r2")


# ----------------------------------------------------------- relationships
def test_task_relationship_from_labels_equals_pandas_pairwise_correlation():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((40, 1))
    Y = base * [1.0, -2.0, 0.5, 0.0] + rng.standard_normal((40, 4))
    Y[rng.random(Y.shape) < 0.4] = np.nan
    Y[:, 3] = np.nan
    Y[:2, 3] = [1.0, 2.0]  # two labels: fewer than min_common with anyone
    frame = pd.DataFrame(Y, columns=list("abcd"))
    display = TaskRelationshipDisplay.from_labels(frame, min_common=3)
    expected = frame.corr(min_periods=3).to_numpy()
    np.testing.assert_allclose(display.matrix, expected, atol=1e-12)
    shown = display.im_.get_array()
    np.testing.assert_allclose(shown.filled(np.nan), expected, atol=1e-12)
    np.testing.assert_array_equal(
        display.n_common, (~np.isnan(Y)).T.astype(int) @ (~np.isnan(Y)).astype(int)
    )
    assert display.text_[0, 1].get_text() == f"{expected[0, 1]:.2f}"
    assert display.text_[0, 3].get_text() == ""
    labels = [label.get_text() for label in display.ax_.get_xticklabels()]
    assert labels == list("abcd")


def test_task_relationship_from_estimator_correlates_coefficients(dirty_model):
    display = TaskRelationshipDisplay.from_estimator(dirty_model)
    np.testing.assert_allclose(
        display.im_.get_array(), np.corrcoef(dirty_model.coef_), atol=1e-12
    )
    assert display.task_names == TASKS


class _CovarianceModel(RegressorMixin, BaseEstimator):
    """A model that learns a task covariance (as multi-task GPs do)."""

    def fit(self, X, Y):
        self.task_covariance_ = np.cov(np.asarray(Y), rowvar=False)
        self.coef_ = np.ones((np.shape(Y)[1], np.shape(X)[1]))
        return self


def test_task_relationship_shows_a_learned_task_covariance():
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((30, 3))
    model = _CovarianceModel().fit(np.zeros((30, 2)), Y)
    display = TaskRelationshipDisplay.from_estimator(model)  # auto: learned
    np.testing.assert_array_equal(display.im_.get_array(), model.task_covariance_)
    vmax = np.abs(model.task_covariance_).max()
    assert display.im_.get_clim() == (-vmax, vmax)
    assert display.title == "learned task covariance (task_covariance_)"


def test_task_relationship_cluster_puts_related_tasks_together():
    blocks = np.kron(np.eye(2), np.ones((3, 3)))  # tasks {0,1,2} and {3,4,5}
    matrix = 0.9 * blocks + 0.1 * np.eye(6)
    shuffle = np.array([0, 3, 1, 4, 2, 5])
    display = TaskRelationshipDisplay(matrix=matrix[np.ix_(shuffle, shuffle)])
    display.plot(cluster=True)
    groups = shuffle[display.task_order_] // 3
    assert groups.tolist() in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    order = display.task_order_
    np.testing.assert_array_equal(
        display.im_.get_array(), display.matrix[np.ix_(order, order)]
    )


def test_task_relationship_refuses_a_model_without_a_relation(regression, net):
    with raises(
        ValueError,
        "TaskRelationshipDisplay.from_estimator needs a fitted model with a "
        "learned task relation (task_covariance_, affinity_) or a linear model's "
        "coef_; got MultiTaskNetRegressor.",
    ):
        TaskRelationshipDisplay.from_estimator(net)
    X, Y = regression
    with raises(
        ValueError,
        "TaskRelationshipDisplay.from_estimator needs a fitted model with "
        "task_covariance_; got MultiTaskLasso (it has no task_covariance_).",
    ):
        TaskRelationshipDisplay.from_estimator(
            MultiTaskLasso(0.1).fit(X, Y), kind="covariance"
        )


# --------------------------------------------------------------------- ROC
def _observed_roc(Y, scores, t):
    observed = ~np.isnan(Y[:, t])
    fpr, tpr, _ = roc_curve(Y[observed, t], scores[observed])
    return np.column_stack([fpr, tpr])


def test_roc_display_draws_each_task_on_its_observed_labels(classification, logistic):
    X, Y = classification
    display = MultiTaskRocCurveDisplay.from_estimator(logistic, X, Y)
    proba = logistic.predict_proba(X)
    assert len(display.lines_) == 4
    for t in range(4):
        np.testing.assert_allclose(
            display.lines_[t].get_xydata(), _observed_roc(Y, proba[t][:, 1], t)
        )
    np.testing.assert_allclose(
        display.roc_auc, multitask_roc_auc_score(Y, proba, multioutput="raw_values")
    )
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend[0] == f"task 0 (AUC = {display.roc_auc[0]:.2f})"
    np.testing.assert_array_equal(display.chance_level_.get_xydata(), [[0, 0], [1, 1]])
    decision = MultiTaskRocCurveDisplay.from_estimator(
        logistic, X, Y, response_method="decision_function"
    )
    np.testing.assert_allclose(decision.roc_auc, display.roc_auc)


def test_roc_display_from_predictions_and_tasks(classification):
    X, Y = classification
    scores = X[:, :4]
    frame = pd.DataFrame(Y, columns=list("abcd"))
    display = MultiTaskRocCurveDisplay.from_predictions(frame, scores, tasks=["c"])
    assert display.task_names == ["c"]
    np.testing.assert_allclose(
        display.lines_[0].get_xydata(), _observed_roc(Y, scores[:, 2], 2)
    )


def test_roc_display_skips_a_task_with_one_observed_class():
    Y = np.array([[0, 1], [1, np.nan], [1, 1], [0, np.nan]], dtype=float)
    scores = np.array([[0.1, 0.2], [0.8, 0.3], [0.7, 0.4], [0.2, 0.9]])
    with pytest.warns(UserWarning, match="task 1 has a single class"):
        display = MultiTaskRocCurveDisplay.from_predictions(Y, scores)
    assert display.task_names == ["task 0"] and len(display.lines_) == 1


def test_roc_display_with_a_net_classifier(classification):
    X, Y = classification
    X = X.astype(np.float32)
    net = MultiTaskNetClassifier(
        max_epochs=2, module__hidden_units=(4,), verbose=0, random_state=0
    ).fit(X, Y)
    display = MultiTaskRocCurveDisplay.from_estimator(net, X, Y)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(
        display.roc_auc, multitask_roc_auc_score(Y, proba, multioutput="raw_values")
    )


def test_roc_display_errors(classification, regression, dirty_model):
    X, Y = classification
    multiclass = Y.copy()
    multiclass[:3, 1] = 2.0
    with raises(
        ValueError,
        "MultiTaskRocCurveDisplay needs binary tasks; task 1 has 3 classes. "
        "Choose the binary tasks with tasks=[...].",
    ):
        MultiTaskRocCurveDisplay.from_predictions(multiclass, X[:, :4])
    X_reg, Y_reg = regression
    with raises(
        ValueError,
        "MultiTaskRocCurveDisplay.from_estimator needs a fitted multi-task "
        "classifier; got MultiTaskLinearRegressor.",
    ):
        MultiTaskRocCurveDisplay.from_estimator(dirty_model, X_reg, Y_reg)


# -------------------------------------------------------- prediction error
def test_prediction_error_display_shows_observed_labels_only(regression, dirty_model):
    X, Y = regression
    display = MultiTaskPredictionErrorDisplay.from_estimator(dirty_model, X, Y)
    predictions = dirty_model.predict(X)
    values = Y.to_numpy()
    for t in range(3):
        observed = ~np.isnan(values[:, t])
        np.testing.assert_allclose(
            display.scatters_[t].get_offsets(),
            np.column_stack([predictions[observed, t], values[observed, t]]),
        )
        assert f"n = {observed.sum()}" in display.axes_[t].get_title()
        assert display.axes_[t].get_title().startswith(TASKS[t])
    np.testing.assert_allclose(
        display.r2_, multitask_r2_score(Y, predictions, multioutput="raw_values")
    )
    low, high = display.lines_[0].get_xdata()
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), [low, high])


def test_prediction_error_display_residuals_and_subsample(regression, dirty_model):
    X, Y = regression
    values = Y.to_numpy()
    predictions = dirty_model.predict(X)
    display = MultiTaskPredictionErrorDisplay.from_predictions(
        values,
        predictions,
        kind="residual_vs_predicted",
        tasks=[0],
        subsample=None,
    )
    observed = ~np.isnan(values[:, 0])
    np.testing.assert_allclose(
        display.scatters_[0].get_offsets(),
        np.column_stack(
            [predictions[observed, 0], (values - predictions)[observed, 0]]
        ),
    )
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), [0, 0])
    small = MultiTaskPredictionErrorDisplay.from_predictions(
        values, predictions, subsample=10, random_state=0
    )
    assert [len(s.get_offsets()) for s in small.scatters_] == [10, 10, 10]
    assert small.n_observed == [int(n) for n in (~np.isnan(values)).sum(0)]


def test_prediction_error_display_errors(classification, logistic, regression):
    X, Y = classification
    with raises(
        ValueError,
        "MultiTaskPredictionErrorDisplay.from_estimator needs a fitted "
        "multi-task regressor (use MultiTaskRocCurveDisplay for classifiers); "
        "got MultiTaskLogisticRegression.",
    ):
        MultiTaskPredictionErrorDisplay.from_estimator(logistic, X, Y)
    _, Y_reg = regression
    _, axes = plt.subplots(1, 2)
    with raises(
        ValueError,
        "MultiTaskPredictionErrorDisplay: expected ax to hold 3 axes (one per "
        "task); got 2 instead.",
    ):
        MultiTaskPredictionErrorDisplay.from_predictions(Y_reg, Y_reg, ax=axes)


# ------------------------------------------------------- regularization path
def test_path_display_of_lasso_cv(regression):
    X, Y = regression
    model = MultiTaskLassoCV(alphas=8, cv=3).fit(X, Y)
    display = RegularizationPathDisplay.from_estimator(model, show_folds=True)
    np.testing.assert_allclose(
        display.lines_[0].get_xydata(),
        np.column_stack([model.alphas_, model.mse_path_.mean(axis=1)]),
    )
    for fold, line in enumerate(display.fold_lines_[0]):
        np.testing.assert_allclose(line.get_ydata(), model.mse_path_[:, fold])
    band = display.fill_between_[0].get_paths()[0].vertices[:, 1]
    spread = model.mse_path_.std(axis=1)
    mean = model.mse_path_.mean(axis=1)
    np.testing.assert_allclose(band.max(), (mean + spread).max())
    np.testing.assert_allclose(band.min(), (mean - spread).min())
    assert display.alpha_line_.get_xdata()[0] == model.alpha_
    assert display.ax_.get_xscale() == "log"


def test_path_display_of_elastic_net_cv_has_one_path_per_l1_ratio(regression):
    X, Y = regression
    model = MultiTaskElasticNetCV(l1_ratio=[0.5, 1.0], alphas=6, cv=3).fit(X, Y)
    display = RegularizationPathDisplay.from_estimator(model)
    assert len(display.lines_) == 2
    for k, line in enumerate(display.lines_):
        np.testing.assert_allclose(line.get_xdata(), model.alphas_[k])
        np.testing.assert_allclose(line.get_ydata(), model.mse_path_[k].mean(axis=1))
    chosen = [
        line.get_label() for line in display.lines_ if "chosen" in line.get_label()
    ]
    assert chosen == [f"l1_ratio = {model.l1_ratio_:g} (chosen)"]


def test_path_display_per_task_errors_and_scikit_learn_models(regression):
    rng = np.random.default_rng(0)
    errors = rng.random((5, 3, 2))  # (n_paths=tasks, n_alphas, n_folds)
    display = RegularizationPathDisplay(
        alphas=np.geomspace(1, 0.01, 3), errors=errors, path_names=list("abcde")
    ).plot()
    np.testing.assert_allclose(display.lines_[4].get_ydata(), errors[4].mean(axis=1))
    assert display.alpha_line_ is None
    X, Y = regression
    model = SklearnMultiTaskLassoCV(alphas=5, cv=3).fit(X, Y.fillna(0.0))
    display = RegularizationPathDisplay.from_estimator(model)
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), model.mse_path_.mean(axis=1)
    )


@pytest.mark.parametrize(
    ("scoring", "label"),
    [(None, "validation score: -mean_squared_error"), ("r2", "validation r2_score")],
)
def test_path_display_draws_the_scores_of_the_generic_cv_models(
    regression, scoring, label
):
    X, Y = regression
    model = MultiTaskLinearRegressorCV(alphas=4, cv=3, scoring=scoring).fit(X, Y)
    display = RegularizationPathDisplay.from_estimator(model, show_folds=True)
    np.testing.assert_allclose(
        display.lines_[0].get_xydata(),
        np.column_stack([model.alphas_, model.scores_path_.mean(axis=1)]),
    )
    for fold, line in enumerate(display.fold_lines_[0]):
        np.testing.assert_allclose(line.get_ydata(), model.scores_path_[:, fold])
    assert display.ax_.get_ylabel() == f"{label} (mean +- sd over folds)"
    assert display.alpha_line_.get_xdata()[0] == model.alpha_
    best = np.argmax(model.scores_path_.mean(axis=1))  # greater is better
    assert model.alphas_[best] == model.alpha_


class _PerTaskPathModel(BaseEstimator):
    """A CV model that stores the validation error of each task."""

    def fit(self, X, Y):
        self.alphas_ = np.geomspace(1.0, 0.01, 4)
        self.mse_path_ = np.random.default_rng(0).random((4, 3, 2))  # (a, f, t)
        self.alpha_ = 0.1
        self.task_names_ = np.array(["x", "y"])
        return self


def test_path_display_one_path_per_task_when_the_model_stores_them():
    model = _PerTaskPathModel().fit(None, None)
    display = RegularizationPathDisplay.from_estimator(model)
    for t, name in enumerate(["x", "y"]):
        np.testing.assert_allclose(
            display.lines_[t].get_ydata(), model.mse_path_[:, :, t].mean(axis=1)
        )
        assert display.lines_[t].get_label() == name


def test_path_display_refuses_a_model_without_a_path(regression, dirty_model):
    with raises(
        ValueError,
        "RegularizationPathDisplay.from_estimator needs a fitted cross-validated "
        "linear model with alphas_ and mse_path_ (MultiTaskLassoCV, "
        "MultiTaskElasticNetCV) or scores_path_ (MultiTaskLinearRegressorCV, "
        "MultiTaskLinearClassifierCV, MultiTaskLogisticRegressionCV); got "
        "MultiTaskLinearRegressor (it has no alphas_).",
    ):
        RegularizationPathDisplay.from_estimator(dirty_model)
