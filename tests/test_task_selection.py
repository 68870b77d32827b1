"""Tests of sklearn_mtl.task_selection: task affinity and grouped nets."""

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_mtl.metrics import multitask_accuracy_score, multitask_r2_score
from sklearn_mtl.model_selection import compare_estimators
from sklearn_mtl.neural import (
    MMoE,
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.task_selection import (
    GroupedMultiTaskNet,
    TaskAffinity,
    select_task_groups,
)


def raises(exception, message):
    """``pytest.raises`` matching the exact message ``message``."""
    return pytest.raises(exception, match=re.escape(message))


# A small net that learns the synthetic tasks within 10 epochs.
SMALL = {
    "module__hidden_units": (32,),
    "lr": 1e-2,
    "batch_size": 64,
    "verbose": 0,
    "torch_num_threads": 1,
}


def small_net(**params):
    return MultiTaskNetRegressor(**{**SMALL, **params})


def transfer_data(seed=0, n_samples=1000):
    """Task 0 and 1 help each other, task 2 hurts them, task 3 is unrelated.

    Tasks 0 and 1 are the same signal ``s + u`` (independent noise). Task 2
    shares ``s`` but has the opposite of ``u`` on the same feature: once the
    shared representation holds ``s``, the heads of 0 and 2 align and their
    residuals (``-u`` and ``+u``) pull the representation in opposite
    directions. Task 3 depends on other features only.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5))
    s, u = X[:, 0], np.sin(3 * X[:, 1])
    noise = 0.1 * rng.normal(size=(n_samples, 4))
    Y = np.column_stack([s + u, s + u, s - u, X[:, 3] * X[:, 4]]) + noise
    return X, Y


def planted_groups(seed, n_samples=600):
    """Two planted groups of three tasks (``s + u`` and ``s - u``), shuffled.

    Returns the data and the true groups (sorted lists of task indices).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 4))
    s, u = X[:, 0], np.sin(3 * X[:, 1])
    signs = np.array([1, 1, 1, -1, -1, -1])
    order = rng.permutation(6)
    Y = s[:, None] + signs[order] * u[:, None] + 0.1 * rng.normal(size=(n_samples, 6))
    truth = sorted(
        [
            np.flatnonzero(signs[order] > 0).tolist(),
            np.flatnonzero(signs[order] < 0).tolist(),
        ]
    )
    return X, Y, truth


# ---------------------------------------------------------------- affinity
def test_lookahead_affinity_recovers_help_hurt_and_unrelated():
    X, Y = transfer_data()
    affinity = TaskAffinity(small_net(), max_epochs=10, random_state=0).fit(X, Y)
    A = affinity.affinity_
    assert A.shape == (4, 4)
    # helpful pair > 0 > harmful pair, both ways
    assert A[0, 1] > 0 > A[0, 2]
    assert A[1, 0] > 0 > A[2, 0]
    # the unrelated task is far closer to 0 than either
    scale = min(A[0, 1], -A[0, 2])
    assert abs(A[0, 3]) < 0.25 * scale and abs(A[3, 0]) < 0.25 * scale
    # a step on a task lowers its own loss
    assert np.all(np.diag(A) > 0)
    assert affinity.n_steps_ == 10 * int(np.ceil(800 / 64))  # 20% validation
    np.testing.assert_array_equal(affinity.pair_counts_, affinity.n_steps_)
    # restoring the best epoch's state (early stopping) keeps the record
    state = affinity.estimator_.weighting_.state_dict()
    assert not any("affinity" in key for key in state)
    np.testing.assert_array_equal(
        affinity.task_names_, ["task 0", "task 1", "task 2", "task 3"]
    )


def test_gradient_cosine_agrees_in_sign():
    X, Y = transfer_data()
    cosine = TaskAffinity(
        small_net(), method="gradient_cosine", max_epochs=10, random_state=0
    ).fit(X, Y)
    C = cosine.affinity_
    np.testing.assert_allclose(C, C.T, atol=1e-6)
    np.testing.assert_allclose(np.diag(C), 1.0, atol=1e-6)
    assert C[0, 1] > 0 > C[0, 2]
    assert abs(C[0, 3]) < 0.25 * min(C[0, 1], -C[0, 2])


def _hand_lookahead(module, X, Y, lr):
    """Fifty et al.'s lookahead on the representation, one full batch, by hand."""
    X = torch.as_tensor(X, dtype=torch.float32)
    Y = torch.as_tensor(Y, dtype=torch.float32)
    observed = ~torch.isnan(Y)
    counts = observed.sum(0)

    def losses(outputs):
        errors = torch.where(observed, outputs - torch.nan_to_num(Y), 0.0) ** 2
        return errors.sum(0) / counts

    z = module.shared_representation(X).detach().requires_grad_()
    before = losses(module.task_outputs(z, X))
    n_tasks = Y.shape[1]
    Z = np.full((n_tasks, n_tasks), np.nan)
    for i in range(n_tasks):
        (grad,) = torch.autograd.grad(before[i], z, retain_graph=True)
        with torch.no_grad():
            after = losses(module.task_outputs(z - lr * counts[i] * grad, X))
        Z[i] = (1 - after / before).detach().numpy()
    co_labelled = (observed.T.float() @ observed.float()).numpy()
    Z[co_labelled == 0] = np.nan
    return Z


@pytest.mark.parametrize("head_hidden_units", [(), (4,)])
def test_one_step_of_lookahead_equals_a_hand_computation(head_hidden_units):
    # Affine heads take the readout route, hidden heads the dense one.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    Y = X[:, :3] @ rng.normal(size=(3, 3)) + 0.1 * rng.normal(size=(30, 3))
    Y[rng.random(Y.shape) < 0.3] = np.nan
    Y[:15, 2], Y[15:, 1] = np.nan, np.nan  # tasks 1 and 2 share no row
    net = MultiTaskNetRegressor(
        module__hidden_units=(8,),
        module__head_hidden_units=head_hidden_units,
        standardize_targets=False,
        batch_size=-1,
        train_split=None,
        iterator_train__shuffle=False,
        verbose=0,
        torch_num_threads=1,
    )
    # The module as the affinity run starts it (same seed).
    initial = clone(net).set_params(max_epochs=0, random_state=0).fit(X, Y).module_
    expected = _hand_lookahead(initial, X, Y, lr=0.3)
    with pytest.warns(UserWarning, match="task 1, task 2"):
        affinity = TaskAffinity(net, lr=0.3, max_epochs=1, random_state=0).fit(X, Y)
    np.testing.assert_allclose(affinity.affinity_, expected, rtol=1e-4, atol=1e-6)
    assert affinity.n_steps_ == 1


def test_recording_does_not_change_training():
    X, Y = transfer_data(n_samples=200)
    for weighting in [None, "pcgrad", "uncertainty"]:
        net = small_net(weighting=weighting, max_epochs=3, random_state=0)
        affinity = TaskAffinity(net, max_epochs=3).fit(X, Y)
        ordinary = clone(net).fit(X, Y)
        np.testing.assert_allclose(
            affinity.estimator_.predict(X), ordinary.predict(X), atol=1e-5
        )
        assert affinity.estimator_.history[-1, "train_loss"] == pytest.approx(
            ordinary.history[-1, "train_loss"], rel=1e-5
        )


def test_strategy_parameters_go_to_the_wrapped_strategy():
    X, Y = transfer_data(n_samples=100)
    net = small_net(weighting="cagrad", weighting__c=0.2, max_epochs=1)
    affinity = TaskAffinity(net, max_epochs=1, random_state=0).fit(X, Y)
    assert affinity.estimator_.weighting_.strategy_.c == 0.2
    refused = small_net(weighting="pcgrad", weighting__on="parameters")
    with pytest.raises(ValueError, match="works on the shared parameters"):
        TaskAffinity(refused, max_epochs=1).fit(X, Y)


def test_missing_labels_still_recover_the_signs():
    X, Y = transfer_data()
    Y[np.random.default_rng(1).random(Y.shape) < 0.4] = np.nan
    affinity = TaskAffinity(small_net(), max_epochs=10, random_state=0).fit(X, Y)
    A = affinity.affinity_
    assert not np.isnan(A).any()
    assert A[0, 1] > 0 > A[0, 2]
    assert A[1, 0] > 0 > A[2, 0]


def test_pair_without_a_common_labelled_row_is_nan_with_a_warning():
    X, Y = transfer_data(n_samples=200)
    Y[:100, 0] = np.nan
    Y[100:, 1] = np.nan  # tasks 0 and 1 are never labelled on the same row
    message = (
        "No training batch held a row labelled for both tasks of the pairs "
        "(task 0, task 1), (task 1, task 0): their affinity is NaN (see "
        "pair_counts_)."
    )
    with pytest.warns(UserWarning, match=re.escape(message)):
        affinity = TaskAffinity(small_net(), max_epochs=2, random_state=0).fit(X, Y)
    assert np.isnan(affinity.affinity_[0, 1]) and np.isnan(affinity.affinity_[1, 0])
    assert affinity.pair_counts_[0, 1] == affinity.pair_counts_[1, 0] == 0
    assert not np.isnan(affinity.affinity_[0, 2])
    assert 0 < affinity.pair_counts_[0, 2] <= affinity.n_steps_
    # the grouping reads NaN as no evidence (0)
    groups, _ = select_task_groups(affinity.affinity_, 2)
    assert set().union(*groups) == {0, 1, 2, 3}


def test_dataframe_gives_task_names_and_sample_weight_is_passed_on():
    X, Y = transfer_data(n_samples=100)
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    weights = np.ones(len(X))
    weights[:10] = 0.0
    affinity = TaskAffinity(small_net(), max_epochs=1, random_state=0)
    affinity.fit(X, frame, sample_weight=weights)
    np.testing.assert_array_equal(affinity.task_names_, ["a", "b", "c", "d"])
    assert affinity.estimator_.n_tasks_ == 4


def test_gated_module_reads_the_inputs_in_the_lookahead():
    X, Y = transfer_data(n_samples=120)
    net = MultiTaskNetRegressor(
        module=MMoE,
        module__n_experts=2,
        module__expert_hidden_units=(8,),
        verbose=0,
        torch_num_threads=1,
        batch_size=40,
    )
    affinity = TaskAffinity(net, max_epochs=2, random_state=0).fit(X, Y)
    assert np.isfinite(affinity.affinity_).all()


def _mixed_targets(seed=0, n_samples=90):
    """A regression, a multiclass, a binary and a one-class task, some missing."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 4))
    Z = X @ rng.normal(size=(4, 3))
    Y = np.column_stack(
        [
            Z[:, 0] + 0.1 * rng.normal(size=n_samples),
            np.digitize(Z[:, 1], [-0.5, 0.5]).astype(float),
            (Z[:, 2] > 0).astype(float),
            np.ones(n_samples),  # one class: a task without output
        ]
    )
    Y[rng.random(Y.shape) < 0.2] = np.nan
    return X, Y


@pytest.mark.parametrize(
    "net",
    [
        # affine heads: the moves follow from the readout (several columns
        # for the multiclass task, none for the one-class task)
        MultiTaskNet(module__hidden_units=(8,), batch_size=30),
        # gated module: the copies of the representation run the towers
        MultiTaskNet(module=MMoE, module__n_experts=2, batch_size=30),
        # hidden heads: the dense route
        MultiTaskNet(module__head_hidden_units=(4,), batch_size=30),
    ],
    ids=["readout", "gated", "hidden-heads"],
)
@pytest.mark.filterwarnings("ignore:Task 3 has a single class:UserWarning")
@pytest.mark.filterwarnings("ignore:No training batch held:UserWarning")
def test_lookahead_in_blocks_of_copies_equals_all_copies_at_once(net, monkeypatch):
    # The lookahead scores the n_tasks + 1 copies of a batch a block at a
    # time (bounded memory); one copy per block must give what one block of
    # every copy gives.
    from sklearn_mtl.task_selection import _recorder

    X, Y = _mixed_targets()
    net = net.set_params(
        task_types=["continuous", "multiclass", "binary", "binary"],
        verbose=0,
        torch_num_threads=1,
    )
    results = {}
    for budget in (10**9, 1):
        monkeypatch.setattr(_recorder, "BLOCK_ELEMENTS", budget)
        affinity = TaskAffinity(net, max_epochs=2, random_state=0).fit(X, Y)
        results[budget] = affinity.affinity_
    assert np.isfinite(results[1][:3, :3]).all()
    np.testing.assert_allclose(results[1], results[10**9], rtol=1e-5, atol=1e-7)


def test_output_moves_of_a_block_of_tasks_are_those_of_every_task():
    # moves[i] = (output_grads masked to task i's columns) @ W_sel @ W.T,
    # computed here densely for every task at once.
    from sklearn_mtl.task_selection._recorder import TaskGradients

    rng = np.random.default_rng(0)
    gradients = TaskGradients.__new__(TaskGradients)
    gradients.tasks = [0, 1, 2, 3]
    column_rows = torch.tensor([0, 1, 1, 1, 3])  # task 2 has no column
    gradients.column_rows = column_rows
    gradients.output_grads = torch.tensor(rng.normal(size=(6, 5)))
    gradients.readout = torch.tensor(rng.normal(size=(7, 3)))
    gradients.selected_readout = gradients.readout[[0, 2, 3, 4, 6]]
    mask = column_rows[None, :] == torch.arange(4)[:, None]
    expected = (gradients.output_grads[None] * mask[:, None]) @ (
        gradients.selected_readout @ gradients.readout.T
    )
    for start, stop in [(0, 4), (0, 1), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4)]:
        torch.testing.assert_close(
            gradients.output_moves(start, stop), expected[start:stop]
        )
    torch.testing.assert_close(gradients.output_moves(), expected)


def test_default_net_follows_the_task_types():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    continuous = X @ rng.normal(size=(3, 2))
    classes = (continuous > 0).astype(float)
    mixed = pd.DataFrame({"value": continuous[:, 0], "label": classes[:, 1]})
    for Y, kind in [
        (continuous, MultiTaskNetRegressor),
        (classes, MultiTaskNetClassifier),
        (mixed, MultiTaskNet),
    ]:
        fitted = TaskAffinity(max_epochs=1, random_state=0).fit(X, Y)
        assert type(fitted.estimator_) is kind


def test_task_affinity_clone_and_bad_parameters():
    affinity = TaskAffinity(small_net(), method="gradient_cosine", lr=0.5)
    params = clone(affinity).get_params(deep=False)
    assert params["method"] == "gradient_cosine" and params["lr"] == 0.5
    assert "estimator__lr" in affinity.get_params(deep=True)
    X, Y = transfer_data(n_samples=20)
    with raises(
        ValueError,
        "Expected method of TaskAffinity to be one of 'lookahead', "
        "'gradient_cosine'; got 'cosine' instead.",
    ):
        TaskAffinity(method="cosine").fit(X, Y)
    with raises(
        ValueError,
        "Expected lr of TaskAffinity to be a positive number; got 0 instead.",
    ):
        TaskAffinity(lr=0).fit(X, Y)
    with raises(
        ValueError,
        "Expected max_epochs of TaskAffinity to be an integer >= 1 or None; got 0 "
        "instead.",
    ):
        TaskAffinity(max_epochs=0).fit(X, Y)
    with pytest.raises(TypeError, match="Expected estimator of TaskAffinity"):
        TaskAffinity(estimator="net").fit(X, Y)


# -------------------------------------------------------------- selection
def _brute_force_total(affinity, n_groups):
    """The best total affinity over every choice of at most n_groups groups."""
    n_tasks = len(affinity)
    candidates = [
        group
        for size in range(1, n_tasks + 1)
        for group in itertools.combinations(range(n_tasks), size)
    ]

    def onto(group, task):
        others = [i for i in group if i != task]
        return np.mean([affinity[i, task] for i in others]) if others else 0.0

    best = -np.inf
    for count in range(1, n_groups + 1):
        for chosen in itertools.combinations(candidates, count):
            scores = [
                max((onto(g, t) for g in chosen if t in g), default=-np.inf)
                for t in range(n_tasks)
            ]
            best = max(best, sum(scores))
    return best


def _total(affinity, groups, served_by):
    total = 0.0
    for t, g in enumerate(served_by):
        others = [i for i in groups[g] if i != t]
        total += np.mean([affinity[i, t] for i in others]) if others else 0.0
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_search_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    affinity = rng.normal(size=(5, 5))
    np.fill_diagonal(affinity, 0.0)
    for n_groups in (1, 2, 3):
        groups, served_by = select_task_groups(affinity, n_groups, search="exact")
        assert len(groups) <= n_groups
        assert all(t in groups[g] for t, g in enumerate(served_by))
        assert _total(affinity, groups, served_by) == pytest.approx(
            _brute_force_total(affinity, n_groups)
        )


def test_beam_search_is_valid_and_finds_planted_blocks():
    rng = np.random.default_rng(0)
    affinity = rng.normal(size=(8, 8))
    np.fill_diagonal(affinity, 0.0)
    for n_groups in (2, 3):
        exact = _total(
            affinity, *select_task_groups(affinity, n_groups, search="exact")
        )
        groups, served_by = select_task_groups(affinity, n_groups, search="beam")
        assert len(groups) <= n_groups
        assert all(t in groups[g] for t, g in enumerate(served_by))
        assert _total(affinity, groups, served_by) <= exact + 1e-12
    blocks = np.kron(
        np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]),
        np.ones((5, 5)),
    )
    noisy = blocks + 0.1 * rng.normal(size=blocks.shape)
    groups, _ = select_task_groups(noisy, 3, search="beam")
    assert groups == [list(range(0, 5)), list(range(5, 10)), list(range(10, 15))]


def test_selection_of_a_single_task_and_bad_inputs():
    assert select_task_groups([[0.0]], 3) == ([[0]], np.array([0]))
    with raises(ValueError, "Expected n_groups to be an integer >= 1; got 0 instead."):
        select_task_groups(np.zeros((2, 2)), 0)
    with raises(
        ValueError,
        "Expected affinity to be a square array of shape (n_tasks, n_tasks); got "
        "shape (2, 3) instead.",
    ):
        select_task_groups(np.zeros((2, 3)))
    with raises(
        ValueError,
        "Expected search to be one of 'auto', 'exact', 'beam'; got 'greedy' instead.",
    ):
        select_task_groups(np.zeros((2, 2)), search="greedy")


def test_planted_groups_are_recovered():
    # The target is 9 of 10 seeds; all 10 are checked here.
    recovered = 0
    for seed in range(10):
        X, Y, truth = planted_groups(seed)
        affinity = TaskAffinity(small_net(), max_epochs=10, random_state=seed)
        groups, _ = select_task_groups(affinity.fit(X, Y).affinity_, 2)
        recovered += sorted(groups) == truth
    assert recovered >= 9


# ---------------------------------------------------------------- grouping
@pytest.fixture(scope="module")
def planted():
    X, Y, truth = planted_groups(0)
    net = small_net(max_epochs=5)
    model = GroupedMultiTaskNet(
        net, affinity=TaskAffinity(max_epochs=10), random_state=0
    ).fit(X, Y)
    return X, Y, truth, net, model


def test_grouped_net_selects_the_planted_groups_and_predicts_every_task(planted):
    X, Y, truth, net, model = planted
    assert sorted(model.groups_) == truth
    assert model.affinity_.shape == (6, 6)
    np.testing.assert_array_equal(model.affinity_, model.task_affinity_.affinity_)
    assert model.task_affinity_.estimator_.max_epochs == 10
    assert len(model.estimators_) == 2
    Y_pred = model.predict(X)
    assert Y_pred.shape == (600, 6)
    for g, members in enumerate(model.groups_):
        by_hand = clone(net).set_params(random_state=0).fit(X, Y[:, members])
        np.testing.assert_array_equal(Y_pred[:, members], by_hand.predict(X))
        np.testing.assert_array_equal(model.served_by_[members], g)
    assert model.score(X, Y) == pytest.approx(multitask_r2_score(Y, Y_pred))
    assert is_regressor(model)
    assert not hasattr(model, "predict_proba")


def test_grouped_net_clones_and_grid_searches_n_groups(planted):
    X, Y, truth, net, model = planted
    grouped = GroupedMultiTaskNet(net, n_groups=3, affinity=model.affinity_)
    cloned = clone(grouped)
    assert cloned.get_params()["n_groups"] == 3
    assert cloned.get_params()["estimator__lr"] == net.lr
    assert not hasattr(cloned, "groups_")
    search = GridSearchCV(
        grouped.set_params(random_state=0), {"n_groups": [1, 2]}, cv=KFold(2)
    ).fit(X, Y)
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert sorted(search.best_estimator_.groups_) in ([list(range(6))], truth)


def test_grouped_net_in_compare_estimators(planted):
    X, Y, _, net, model = planted
    result = compare_estimators(
        {
            "one net": net,
            "grouped": GroupedMultiTaskNet(
                net, affinity=model.affinity_, random_state=0
            ),
        },
        X[:200],
        Y[:200],
        cv=2,
    )
    assert result.scores.shape == (2, 2, 6)
    assert np.isfinite(result.scores).all()


def test_groups_by_hand_with_names_and_overlap():
    X, Y = transfer_data(n_samples=120)
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    net = small_net(max_epochs=2)
    model = GroupedMultiTaskNet(
        net, groups=[["b", "a"], ["c", "d", "a"]], random_state=0
    ).fit(X, frame)
    assert model.groups_ == [[0, 1], [0, 2, 3]]
    np.testing.assert_array_equal(model.served_by_, [0, 0, 1, 1])  # first listing
    assert not hasattr(model, "affinity_") and not hasattr(model, "task_affinity_")
    np.testing.assert_array_equal(model.task_names_, ["a", "b", "c", "d"])
    by_hand = clone(net).set_params(random_state=0).fit(X, frame[["a", "c", "d"]])
    np.testing.assert_array_equal(model.predict(X)[:, 2:], by_hand.predict(X)[:, 1:])


def test_task_weights_are_restricted_to_each_group():
    X, Y = transfer_data(n_samples=60)
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    net = small_net(max_epochs=1, task_weights={"a": 2.0, "d": 0.5})
    model = GroupedMultiTaskNet(net, groups=[[0, 3], [1, 2]]).fit(X, frame)
    first, second = model.estimators_
    np.testing.assert_allclose(first.task_weights_ / first.task_weights_[1], [4.0, 1.0])
    np.testing.assert_allclose(second.task_weights_, [1.0, 1.0])


def test_grouped_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    Y = (X[:, [0, 0, 1]] + 0.3 * rng.normal(size=(80, 3)) > 0).astype(float)
    Y[::5, 1] = np.nan
    net = MultiTaskNetClassifier(
        module__hidden_units=(8,), max_epochs=3, verbose=0, torch_num_threads=1
    )
    model = GroupedMultiTaskNet(net, groups=[[0, 1], [2]], random_state=0)
    assert is_classifier(model)
    model.fit(X, Y)
    probabilities = model.predict_proba(X)
    assert [p.shape for p in probabilities] == [(80, 2)] * 3
    np.testing.assert_array_equal(model.classes_[2], [0.0, 1.0])
    assert model.score(X, Y) == pytest.approx(
        multitask_accuracy_score(Y, model.predict(X))
    )


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            [["a", "z"], ["c", "d"]],
            "Unknown task 'z' in groups; expected one of ['a', 'b', 'c', 'd'].",
        ),
        (
            [[0, 1], [2, 4]],
            "Expected task indices in groups between 0 and 3; got 4 instead.",
        ),
        (
            [[0, 1], [3]],
            "Expected every task in at least one group of groups; task 'c' "
            "(index 2) is in none.",
        ),
        (
            [[0, 1], []],
            "Expected every group of groups to hold a task; group 1 is empty.",
        ),
        (
            [[0, 1, 1], [2, 3]],
            "Expected each task at most once in a group; task 'b' (index 1) "
            "appears twice in group 0.",
        ),
        (
            [0, 1, 2, 3],
            "Expected groups to be a list of lists of task indices or names; got "
            "[0, 1, 2, 3] instead.",
        ),
    ],
)
def test_bad_groups(groups, message):
    X, Y = transfer_data(n_samples=20)
    frame = pd.DataFrame(Y, columns=["a", "b", "c", "d"])
    with raises(ValueError, message):
        GroupedMultiTaskNet(small_net(), groups=groups).fit(X, frame)


def test_bad_grouping_parameters():
    X, Y = transfer_data(n_samples=20)
    with raises(
        ValueError,
        "Expected n_groups of GroupedMultiTaskNet to be an integer >= 1; got 0 "
        "instead.",
    ):
        GroupedMultiTaskNet(small_net(), n_groups=0).fit(X, Y)
    with raises(
        ValueError,
        "Got task name 'a' in groups, but the tasks have no names (pass Y as a "
        "pandas DataFrame); use task indices instead.",
    ):
        GroupedMultiTaskNet(small_net(), groups=[["a"]]).fit(X, Y)
    with raises(
        ValueError,
        "Expected affinity of shape (4, 4), one row and one column per task; got "
        "shape (3, 3) instead.",
    ):
        GroupedMultiTaskNet(small_net(), affinity=np.zeros((3, 3))).fit(X, Y)
    with pytest.raises(TypeError, match="Expected estimator of GroupedMultiTaskNet"):
        GroupedMultiTaskNet(estimator="net").fit(X, Y)


def test_precomputed_affinity_with_nan_and_one_group():
    X, Y = transfer_data(n_samples=60)
    affinity = np.full((4, 4), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GroupedMultiTaskNet(
            small_net(max_epochs=1), n_groups=1, affinity=affinity
        ).fit(X, Y)
    assert model.groups_ == [[0, 1, 2, 3]]
    assert model.predict(X).shape == (60, 4)


def test_single_task_keeps_the_shape_of_y():
    X, Y = transfer_data(n_samples=60)
    net = small_net(max_epochs=1)
    for y in (Y[:, 0], pd.Series(Y[:, 0], name="a")):
        model = GroupedMultiTaskNet(net, affinity=np.zeros((1, 1)), random_state=0)
        model.fit(X, y)
        assert model.groups_ == [[0]]
        assert model.predict(X).shape == (60,)
