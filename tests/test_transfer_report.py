"""Tests of sklearn_mtl.task_selection.transfer_report and TransferReport."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from torch import nn

from sklearn_mtl.baselines import IndependentTaskRegressor, PooledTaskRegressor
from sklearn_mtl.linear_model import MeanRegularized, MultiTaskLinearRegressor
from sklearn_mtl.model_selection import compare_estimators
from sklearn_mtl.neural import MultiTaskNetRegressor
from sklearn_mtl.task_selection import (
    GroupedMultiTaskNet,
    TaskAffinity,
    TransferReport,
    transfer_report,
)


def raises(exception, message):
    """``pytest.raises`` matching the exact message ``message``."""
    return pytest.raises(exception, match=re.escape(message))


def opposite_task_data(seed=2, n_samples=80, n_features=30):
    """Four linear tasks sharing a dense part; task 3 has the opposite of the rest.

    Tasks 0-2 have coefficients ``c + d`` and task 3 ``c - d``, with ``c``
    dense and small and ``d`` one large coefficient. With 80 rows and 30
    features, pulling every task towards the mean (mean-regularized MTL)
    helps tasks 0-2 estimate ``c`` and pulls task 3's ``d`` the wrong way.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    common = rng.normal(size=n_features) / np.sqrt(n_features)
    special = np.zeros(n_features)
    special[0] = 1.0
    W = np.column_stack([common + special] * 3 + [common - special])
    Y = X @ W + 0.5 * rng.normal(size=(n_samples, 4))
    return X, Y


SHARED = MultiTaskLinearRegressor(penalty=MeanRegularized(alpha=1.0))
SINGLE = IndependentTaskRegressor(Ridge(alpha=1.0))
CV = KFold(5, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def linear_report():
    X, Y = opposite_task_data()
    return X, Y, transfer_report(SHARED, SINGLE, X, Y, cv=CV)


# ---------------------------------------------------------------- numbers
def test_numbers_are_the_comparison_numbers(linear_report):
    X, Y, report = linear_report
    reference = compare_estimators(
        {"multi-task": SHARED, "single-task": SINGLE},
        X,
        Y,
        cv=CV,
        reference="single-task",
    )
    np.testing.assert_array_equal(report.comparison.scores, reference.scores)
    np.testing.assert_array_equal(report.differences(), reference.differences()[0])
    np.testing.assert_array_equal(report.p_values(), reference.p_values()[0])
    score, baseline = report.scores()
    np.testing.assert_array_equal(score, reference.mean()[0])
    np.testing.assert_array_equal(baseline, reference.mean()[1])
    assert report.delta_m() == reference.delta_m()[0]
    # the outcomes count what the comparison counts
    outcomes = list(report.outcomes())
    assert outcomes.count("improved") == reference.n_improved()[0]
    assert outcomes.count("hurt") == reference.n_hurt()[0]
    assert (
        outcomes.count("improved") + outcomes.count("better")
        == (reference.n_improved(significant=False)[0])
    )
    assert (
        outcomes.count("hurt") + outcomes.count("worse")
        == (reference.n_hurt(significant=False)[0])
    )
    table = report.table()
    np.testing.assert_array_equal(table["difference"], reference.differences()[0])
    np.testing.assert_array_equal(table["p-value"], reference.p_values()[0])
    per_task = reference.to_frame()
    np.testing.assert_array_equal(table["score"], per_task["multi-task mean"])
    np.testing.assert_array_equal(table["baseline score"], per_task["single-task mean"])
    assert list(table.index) == list(per_task.index) == [f"task {t}" for t in range(4)]


def test_the_task_built_to_be_hurt_is_the_one_reported(linear_report):
    _, _, report = linear_report
    assert list(report.outcomes()) == ["better", "better", "better", "hurt"]
    assert report.hurt_tasks() == ["task 3"]
    assert report.hurt_tasks(significant=False) == ["task 3"]
    assert report.improved_tasks() == []
    assert report.improved_tasks(significant=False) == ["task 0", "task 1", "task 2"]
    assert report.p_values()[3] < 0.05
    assert report.baseline == "single-task" and report.estimator == "multi-task"
    assert report.metric == "r2" and report.alpha == 0.05


def test_lower_is_better_metric_flips_the_outcomes():
    X, Y = opposite_task_data()
    report = transfer_report(SHARED, SINGLE, X, Y, cv=CV, scoring="mean_squared_error")
    assert report.comparison.greater_is_better is False
    assert report.differences()[3] > 0  # a larger error
    assert report.outcomes()[3] == "hurt"
    assert report.delta_m() < 0


def test_report_from_a_comparison_of_several_estimators():
    X, Y = opposite_task_data()
    result = compare_estimators(
        {"single": SINGLE, "pooled": PooledTaskRegressor(Ridge()), "shared": SHARED},
        X,
        Y,
        cv=3,
    )
    report = TransferReport(result, "shared")
    np.testing.assert_array_equal(report.differences(), result.differences()[2])
    np.testing.assert_array_equal(report.p_values(), result.p_values()[2])
    assert report.baseline == "single"
    with raises(
        ValueError,
        "Expected estimator to name the shared model among ['pooled', 'shared']; "
        "got None, and the comparison has 2 estimators besides its reference "
        "'single'.",
    ):
        TransferReport(result)
    with raises(
        ValueError,
        "Expected estimator to be one of ['pooled', 'shared'] (the comparison's "
        "estimators but its reference 'single'); got 'single' instead.",
    ):
        TransferReport(result, "single")
    with raises(
        TypeError,
        "Expected comparison to be the ComparisonResult of compare_estimators; got "
        "dict instead.",
    ):
        TransferReport({}, "shared")
    with raises(
        ValueError,
        "Expected affinity of shape (4, 4), one row and one column per task of the "
        "comparison; got shape (3, 3) instead.",
    ):
        TransferReport(result, "shared", affinity=np.zeros((3, 3)))


# --------------------------------------------------------------- affinity
def test_partners_from_a_precomputed_affinity(linear_report):
    X, Y, _ = linear_report
    affinity = np.array(
        [
            [9.0, 0.3, 0.2, -0.4],
            [0.1, 9.0, 0.4, -0.2],
            [0.5, 0.2, 9.0, np.nan],
            [-0.1, -0.3, 0.6, 9.0],
        ]
    )
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    report = transfer_report(SHARED, SINGLE, X, frame, cv=CV, affinity=affinity)
    table = report.table()
    # column t without the diagonal, NaN skipped: what the others do to t
    np.testing.assert_allclose(
        table["mean affinity"], [0.5 / 3, 0.2 / 3, 1.2 / 3, -0.6 / 2]
    )
    assert list(table["best partner"]) == ["c", "a", "d", "b"]
    np.testing.assert_allclose(table["best affinity"], [0.5, 0.3, 0.6, -0.2])
    assert list(table["worst partner"]) == ["d", "d", "a", "a"]
    np.testing.assert_allclose(table["worst affinity"], [-0.1, -0.3, 0.2, -0.4])
    assert list(table.index) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(report.affinity, affinity)


def test_task_without_any_measured_partner():
    X, Y = opposite_task_data(n_samples=40)
    affinity = np.full((4, 4), np.nan)
    affinity[0, 1] = 0.2
    report = transfer_report(SHARED, SINGLE, X, Y, cv=3, affinity=affinity)
    mean, best, worst, best_value, _ = report.partners()
    assert best == ["task 0" if t == 1 else None for t in range(4)] == worst
    np.testing.assert_array_equal(np.isnan(mean), [True, False, True, True])
    assert best_value[1] == 0.2
    assert "task 0: +0.2 " in str(report)


def bottleneck_net(**params):
    """A net whose trunk ends in one unit: the tasks compete for it."""
    settings = {
        "module__hidden_units": (32, 1),
        "module__activation": nn.Tanh,
        "lr": 1e-2,
        "batch_size": 64,
        "max_epochs": 40,
        # A constant rate: the test is about the tasks' competition, and a
        # plateau schedule lets the net serve task 3 after all.
        "callbacks__lr_scheduler": None,
        "verbose": 0,
        "torch_num_threads": 1,
        "random_state": 0,
    }
    return MultiTaskNetRegressor(**{**settings, **params})


def test_lookahead_affinity_points_at_the_hurt_task():
    # Tasks 0-2 are s + u, task 3 is s - u (u harder to learn than s): through
    # a one-unit representation, the net serves the majority and hurts task 3.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    s, u = X[:, 0], np.sin(3 * X[:, 1])
    Y = np.column_stack([s + u, s + u, s + u, s - u]) + 0.1 * rng.normal(size=(600, 4))
    net = bottleneck_net()
    single = GroupedMultiTaskNet(net, groups=[[0], [1], [2], [3]], random_state=0)
    report = transfer_report(net, single, X, Y, cv=3, affinity="lookahead")
    assert report.outcomes()[3] == "hurt"
    assert report.differences()[3] < report.differences()[:3].min()
    mean, best, worst, _, worst_value = report.partners()
    assert mean[3] < 0 and np.argmin(mean) == 3
    assert worst[:3] == ["task 3"] * 3 and np.all(worst_value[:3] < 0)
    assert best[3] in ("task 0", "task 1", "task 2")
    # the affinity is the one a TaskAffinity of the net measures on all the data
    expected = TaskAffinity(net).fit(X, Y).affinity_
    np.testing.assert_allclose(report.affinity, expected, rtol=1e-5, atol=1e-7)


def test_affinity_sources():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    Y = X[:, [0, 0, 1]] + 0.1 * rng.normal(size=(90, 3))
    frame = pd.DataFrame(Y, columns=["a", "b", "c"])
    net = bottleneck_net(module__hidden_units=(8,), max_epochs=2)
    grouped = GroupedMultiTaskNet(net, groups=[[0, 1], [2]], random_state=0)
    single = GroupedMultiTaskNet(net, groups=[[0], [1], [2]], random_state=0)
    # a fitted TaskAffinity is used as it is
    fitted = TaskAffinity(net, method="gradient_cosine", max_epochs=2).fit(X, frame)
    report = transfer_report(net, single, X, frame, cv=2, affinity=fitted)
    np.testing.assert_array_equal(report.affinity, fitted.affinity_)
    # an unfitted one is fitted with the model's net (here a grouped model's)
    unfitted = TaskAffinity(method="gradient_cosine", max_epochs=2)
    report = transfer_report(grouped, single, X, frame, cv=2, affinity=unfitted)
    np.testing.assert_allclose(report.affinity, fitted.affinity_, rtol=1e-5)
    assert not hasattr(unfitted, "affinity_")
    # a method name measures it with the net's own settings
    report = transfer_report(net, single, X, frame, cv=2, affinity="gradient_cosine")
    expected = TaskAffinity(net, method="gradient_cosine").fit(X, frame).affinity_
    np.testing.assert_allclose(report.affinity, expected, rtol=1e-5)
    # an affinity fitted on an unnamed Y joins by position
    unnamed = TaskAffinity(net, max_epochs=1).fit(X, Y)
    report = transfer_report(net, single, X, frame, cv=2, affinity=unnamed)
    assert report.task_names == ["a", "b", "c"]


def test_bad_affinity_and_names():
    X, Y = opposite_task_data(n_samples=30)
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    with raises(
        ValueError,
        "Expected affinity to be None, one of 'lookahead', 'gradient_cosine', a "
        "TaskAffinity or an array of shape (n_tasks, n_tasks); got 'cosine' "
        "instead.",
    ):
        transfer_report(SHARED, SINGLE, X, Y, affinity="cosine")
    with raises(
        TypeError,
        "affinity='lookahead' trains the estimator's multi-task net, but "
        "MultiTaskLinearRegressor is not a multi-task net of sklearn_mtl.neural "
        "(or a GroupedMultiTaskNet); pass a TaskAffinity with its own estimator, "
        "or a precomputed array.",
    ):
        transfer_report(SHARED, SINGLE, X, Y, affinity="lookahead")
    with raises(
        ValueError,
        "Expected affinity of shape (4, 4), one row and one column per task of Y; "
        "got shape (3, 3) instead.",
    ):
        transfer_report(SHARED, SINGLE, X, Y, affinity=np.zeros((3, 3)))
    with raises(
        TypeError,
        "Expected affinity to be None, one of 'lookahead', 'gradient_cosine', a "
        "TaskAffinity or an array of shape (n_tasks, n_tasks); got {} instead.",
    ):
        transfer_report(SHARED, SINGLE, X, Y, affinity={})
    net = bottleneck_net(module__hidden_units=(4,), max_epochs=1)
    other = TaskAffinity(net).fit(X, frame[["b", "a", "c", "d"]])
    with raises(
        ValueError,
        "Expected the TaskAffinity to be fitted on the tasks of Y, in the same "
        "order; got tasks ['b', 'a', 'c', 'd'] for the affinity and ['a', 'b', "
        "'c', 'd'] for Y instead.",
    ):
        transfer_report(SHARED, SINGLE, X, frame, affinity=other)
    for names in ["ab", ("a", "a"), ("a", "b", "c"), ("a", 1)]:
        with raises(
            ValueError,
            "Expected names to be two distinct strings (the shared model's and the "
            f"baseline's); got {names!r} instead.",
        ):
            transfer_report(SHARED, SINGLE, X, Y, names=names)
    report = transfer_report(SHARED, SINGLE, X, Y, cv=3, names=("mr", "ridge"))
    assert report.comparison.estimator_names == ["mr", "ridge"]
    with raises(
        ValueError,
        "This TransferReport has no affinity; pass affinity= to transfer_report "
        "or TransferReport.",
    ):
        report.partners()


# ---------------------------------------------------------------- output
def test_text_and_repr(linear_report):
    _, _, report = linear_report
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("Transfer report: r2 per task, mean over 5 folds")
    assert lines[1].split() == [
        "task",
        "multi-task",
        "single-task",
        "difference",
        "p-value",
        "outcome",
    ]
    row = lines[6].split()
    assert row[0:2] == ["task", "3"] and row[-1] == "hurt"
    assert row[4] == f"{report.differences()[3]:+.4f}"
    assert lines[-1] == report.summary_line()
    assert "significantly (negative transfer, p < 0.05) on 1 (task 3)" in lines[-1]
    assert f"Delta_m {report.delta_m():+.1f}%" in lines[-1]
    assert repr(report) == (
        "TransferReport(estimator='multi-task', baseline='single-task', n_tasks=4, "
        "metric='r2', affinity=False)"
    )
    assert list(report.to_frame().columns) == [
        "score",
        "baseline score",
        "difference",
        "p-value",
        "outcome",
    ]


def test_displays(linear_report):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, _, report = linear_report
    display = report.plot()
    # the display's intervals are the same test: its outcomes are the report's
    np.testing.assert_array_equal(display.outcomes_[0], report.outcomes())
    assert display.estimator_names == ["multi-task"]
    assert display.reference == "single-task"
    with raises(
        ValueError,
        "This TransferReport has no affinity to plot; pass affinity= to "
        "transfer_report or TransferReport.",
    ):
        report.plot_affinity()
    affinity = np.arange(16.0).reshape(4, 4)
    with_affinity = TransferReport(report.comparison, affinity=affinity)
    heatmap = with_affinity.plot_affinity(include_values=False)
    np.testing.assert_array_equal(heatmap.im_.get_array(), affinity)
    assert heatmap.task_names == report.task_names
    plt.close("all")
