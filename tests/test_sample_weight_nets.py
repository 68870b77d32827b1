"""Sample weights in the multi-task nets: loss, data paths, history, routing.

A row's weight ``s_i`` enters every task's masked mean: task ``t``'s loss on a
batch is ``sum_i s_i * l_it / sum_i s_i`` over its observed rows. The
references are integer repetition of rows (full-batch SGD: the same
objective, so the same steps), dropping rows of weight 0, and hand
computations of the weighted means.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
import torch.nn.functional as F
from neural_helpers import (
    FULL_BATCH,
    SMALL,
    assert_same_state,
    batch_losses,
    classification_data,
    fixed_split,
    raises,
    regression_data,
)
from sklearn.base import clone
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from sklearn_mtl.metrics import multitask_r2_score
from sklearn_mtl.neural import (
    MaskedMultiTaskLoss,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    TaskScoring,
)
from sklearn_mtl.neural.weighting import MGDA, UncertaintyWeighting

# Full-batch plain SGD: a weighted fit and the fit on repeated rows take the
# same steps (up to the order of float32 sums).
SGD_FULL_BATCH = {
    **FULL_BATCH,
    "optimizer": torch.optim.SGD,
    "lr": 0.1,
    "max_epochs": 5,
    # Batch normalization and dropout (the classifier's defaults) see each row
    # once (batch statistics, dropout masks): weights are repetitions without.
    "module__batch_norm": False,
    "module__dropout": 0.0,
}


def integer_weights(n_samples, seed=0, low=1):
    return np.random.default_rng(seed).integers(low, 4, size=n_samples).astype(float)


def fit_pair(Net, X, Y, weights, **params):
    """A net fitted with integer ``weights`` and one fitted on repeated rows."""
    counts = weights.astype(int)
    weighted = Net(**params).fit(X, Y, sample_weight=weights)
    repeated = Net(**params).fit(np.repeat(X, counts, 0), np.repeat(Y, counts, 0))
    return weighted, repeated


# --------------------------------------------------------- 1. the loss
def test_masked_loss_weighted_means_match_hand_computation():
    torch.manual_seed(0)
    kinds, sizes = ["regression", "binary", "multiclass", "constant"], [1, 1, 3, 0]
    y_pred = torch.randn(6, 5, requires_grad=True)
    y_true = torch.tensor(
        [
            [0.5, 1.0, 2.0, 0.0],
            [np.nan, 0.0, 0.0, 0.0],
            [-1.0, np.nan, 1.0, np.nan],
            [2.0, 1.0, np.nan, 0.0],
            [0.0, 0.0, 2.0, 0.0],
            [1.0, 1.0, 0.0, 0.0],
        ]
    )
    weights = torch.tensor([0.5, 2.0, 1.0, 0.0, 3.0, 1.5])
    losses = MaskedMultiTaskLoss(kinds, sizes)(y_pred, y_true, sample_weight=weights)
    expected = []
    for t, elementwise in enumerate(
        [
            F.mse_loss(y_pred[:, 0], y_true[:, 0].nan_to_num(), reduction="none"),
            F.binary_cross_entropy_with_logits(
                y_pred[:, 1], y_true[:, 1].nan_to_num(), reduction="none"
            ),
            F.cross_entropy(
                y_pred[:, 2:5], y_true[:, 2].nan_to_num().long(), reduction="none"
            ),
        ]
    ):
        observed = ~torch.isnan(y_true[:, t])
        w = weights[observed]
        expected.append((w * elementwise[observed]).sum() / w.sum())
    expected.append(torch.zeros(()))
    torch.testing.assert_close(losses, torch.stack(expected))
    # the gradients too (missing labels contribute nothing)
    (grad,) = torch.autograd.grad(losses.sum(), y_pred)
    (expected_grad,) = torch.autograd.grad(torch.stack(expected).sum(), y_pred)
    torch.testing.assert_close(grad, expected_grad)


@pytest.mark.parametrize("kinds", [["regression"] * 2, ["binary", "multiclass"]])
def test_masked_loss_unit_weights_and_scale_invariance(kinds):
    torch.manual_seed(1)
    sizes = [1, 1] if kinds[1] != "multiclass" else [1, 3]
    y_pred = torch.randn(8, sum(sizes))
    y_true = torch.tensor(np.random.default_rng(0).integers(0, 2, (8, 2)), dtype=float)
    y_true = y_true.float()
    y_true[2, 0] = y_true[5, 1] = float("nan")
    loss = MaskedMultiTaskLoss(kinds, sizes)
    unweighted = loss(y_pred, y_true)
    torch.testing.assert_close(
        loss(y_pred, y_true, sample_weight=torch.ones(8)), unweighted
    )
    weights = torch.linspace(0.1, 2.0, 8)
    torch.testing.assert_close(
        loss(y_pred, y_true, sample_weight=7.0 * weights),
        loss(y_pred, y_true, sample_weight=weights),
    )


def test_masked_loss_task_whose_weights_sum_to_zero_has_loss_zero():
    loss = MaskedMultiTaskLoss(["regression", "regression"], [1, 1])
    y_pred = torch.tensor([[1.0, 1.0], [2.0, 2.0]])
    y_true = torch.tensor([[0.0, np.nan], [np.nan, 0.0]])
    losses = loss(y_pred, y_true, sample_weight=torch.tensor([0.0, 2.0]))
    torch.testing.assert_close(losses, torch.tensor([0.0, 4.0]))


def test_masked_loss_rejects_weights_of_the_wrong_shape():
    loss = MaskedMultiTaskLoss(["regression"], [1])
    with raises(ValueError, "Expected sample_weight of shape (2,), one per row of"):
        loss(torch.zeros(2, 1), torch.zeros(2, 1), sample_weight=torch.ones(3))


# ------------------------------- 2. weights as repetitions, zeros as drops
@pytest.mark.parametrize(
    "Net, make_data",
    [
        (MultiTaskNetRegressor, regression_data),
        (MultiTaskNetClassifier, classification_data),
    ],
)
def test_weighted_fit_equals_fit_on_repeated_rows(Net, make_data):
    X, Y = make_data()
    weights = integer_weights(len(X))
    weighted, repeated = fit_pair(Net, X, Y, weights, **SGD_FULL_BATCH)
    np.testing.assert_allclose(
        batch_losses(weighted), batch_losses(repeated), rtol=1e-6
    )
    for key in weighted.task_history_keys("train_loss"):
        np.testing.assert_allclose(
            weighted.history[:, key], repeated.history[:, key], rtol=1e-6
        )
    assert_same_state(weighted.module_, repeated.module_, rtol=1e-5, atol=1e-6)
    if Net is MultiTaskNetRegressor:  # a weighted standardization
        np.testing.assert_allclose(weighted.target_mean_, repeated.target_mean_)
        np.testing.assert_allclose(weighted.target_scale_, repeated.target_scale_)


def test_weighted_loss_of_the_first_step_by_hand():
    X, Y = regression_data()
    weights = integer_weights(len(X), seed=3)
    net = MultiTaskNetRegressor(**{**SGD_FULL_BATCH, "max_epochs": 1}).fit(
        X, Y, sample_weight=weights
    )
    initial = MultiTaskNetRegressor(**{**SGD_FULL_BATCH, "max_epochs": 0}).fit(X, Y)
    residuals = initial.forward(X).numpy() - (Y - net.target_mean_) / net.target_scale_
    observed = ~np.isnan(Y)
    losses = [
        np.average(residuals[observed[:, t], t] ** 2, weights=weights[observed[:, t]])
        for t in range(3)
    ]
    np.testing.assert_allclose(batch_losses(net), [np.mean(losses)], rtol=1e-5)
    # the standardization is weighted
    mean = [
        np.average(Y[observed[:, t], t], weights=weights[observed[:, t]])
        for t in range(3)
    ]
    np.testing.assert_allclose(net.target_mean_, mean)


@pytest.mark.parametrize("Net", [MultiTaskNetRegressor, MultiTaskNetClassifier])
def test_zero_weight_rows_equal_dropping_them(Net):
    # default validation split and shuffled mini-batches: the same rows, in
    # the same order, give exactly the same fit
    X, Y = (regression_data if Net is MultiTaskNetRegressor else classification_data)(
        n_samples=48
    )
    weights = np.ones(len(X))
    weights[7::4] = 0.0
    params = {**SMALL, "max_epochs": 3, "batch_size": 8}
    weighted = Net(**params).fit(X, Y, sample_weight=weights)
    dropped = Net(**params).fit(X[weights > 0], Y[weights > 0])
    np.testing.assert_array_equal(weighted.predict(X), dropped.predict(X))
    np.testing.assert_array_equal(
        weighted.history[:, "valid_loss"], dropped.history[:, "valid_loss"]
    )


def test_unit_weights_equal_no_weights():
    X, Y = classification_data()
    params = {**SMALL, "max_epochs": 2, "batch_size": 16}
    weighted = MultiTaskNetClassifier(**params).fit(X, Y, sample_weight=np.ones(len(X)))
    plain = MultiTaskNetClassifier(**params).fit(X, Y)
    np.testing.assert_allclose(batch_losses(weighted), batch_losses(plain), rtol=1e-6)
    np.testing.assert_allclose(
        weighted.predict_proba(X)[1], plain.predict_proba(X)[1], rtol=1e-5
    )


def test_zero_weights_leave_a_single_class():
    # scikit-learn's check_classifiers_one_label_sample_weights, per task
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    y = np.arange(10) % 2
    with pytest.warns(UserWarning, match="has a single class"):
        net = MultiTaskNetClassifier(max_epochs=1, **SMALL).fit(
            X, y, sample_weight=y.astype(float)
        )
    np.testing.assert_array_equal(net.classes_, [1])
    np.testing.assert_array_equal(net.predict(X), np.ones(10))


def test_partial_fit_with_weights_equals_fit():
    X, Y = regression_data()
    weights = integer_weights(len(X), seed=2)
    params = {**SMALL, "max_epochs": 2, "batch_size": 16}
    fitted = MultiTaskNetRegressor(**params).fit(X, Y, sample_weight=weights)
    partial = MultiTaskNetRegressor(**params).partial_fit(X, Y, sample_weight=weights)
    np.testing.assert_array_equal(partial.predict(X), fitted.predict(X))
    partial.partial_fit(X, Y, sample_weight=weights)  # then continues
    assert len(partial.history) == 4


# ------------------------------------------- 3. data paths and history
def test_validation_split_carries_the_weights_and_history_weighs_them():
    X, Y = regression_data(missing_rate=0.2)
    weights = np.random.default_rng(4).uniform(0.2, 3.0, size=len(X))
    valid_rows = np.arange(24, 40)
    net = MultiTaskNetRegressor(
        max_epochs=2,
        batch_size=8,
        task_weights=[1.0, 2.0, 3.0],
        train_split=fixed_split(valid_rows),
        **SMALL,
    ).fit(X, Y, sample_weight=weights)
    errors = (
        net.forward(X[valid_rows]).numpy()
        - (Y - net.target_mean_)[valid_rows] / net.target_scale_
    ) ** 2
    observed = ~np.isnan(Y[valid_rows])
    w = weights[valid_rows]
    task_losses = [
        np.average(errors[observed[:, t], t], weights=w[observed[:, t]])
        for t in range(3)
    ]
    np.testing.assert_allclose(
        [net.history[-1, f"valid_loss_task{t}"] for t in range(3)],
        task_losses,
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        net.history[-1, "valid_loss"],
        np.mean([0.5, 1.0, 1.5] * np.array(task_losses)),
        rtol=1e-5,
    )


def test_default_valid_split_accepts_weights():
    # skorch's ValidSplit never sees sample_weight (it would raise a TypeError)
    X, Y = classification_data()
    net = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(
        X, Y, sample_weight=integer_weights(len(X))
    )
    assert np.isfinite(net.history[-1, "valid_loss"])


def test_skorch_dataloader_path_matches_fast_path_with_weights():
    X, Y = regression_data()
    weights = integer_weights(len(X), seed=5)
    params = {
        **SMALL,
        "max_epochs": 2,
        "batch_size": 8,
        "iterator_train__shuffle": False,
        "train_split": fixed_split(np.arange(30, 40)),
    }
    fast = MultiTaskNetRegressor(**params).fit(X, Y, sample_weight=weights)
    # a DataLoader argument the fast path does not reproduce: skorch's path
    slow = MultiTaskNetRegressor(
        **params, iterator_train__num_workers=0, iterator_valid__num_workers=0
    ).fit(X, Y, sample_weight=weights)
    assert batch_losses(slow) == batch_losses(fast)
    assert slow.history[:, "valid_loss"] == fast.history[:, "valid_loss"]
    np.testing.assert_array_equal(slow.predict(X), fast.predict(X))


def test_predefined_validation_set_is_not_weighted():
    X, Y = regression_data()
    X_valid, Y_valid = regression_data(seed=1)
    net = MultiTaskNetRegressor(
        max_epochs=2, train_split=predefined_split(Dataset(X_valid, Y_valid)), **SMALL
    ).fit(X, Y, sample_weight=integer_weights(len(X)))
    errors = (net.predict(X_valid) - Y_valid) / net.target_scale_
    np.testing.assert_allclose(
        [net.history[-1, f"valid_loss_task{t}"] for t in range(3)],
        np.nanmean(errors**2, axis=0),
        rtol=1e-5,
    )


def test_task_scoring_is_weighted():
    X, Y = regression_data()
    weights = np.random.default_rng(6).uniform(0.2, 3.0, size=len(X))
    valid_rows = np.arange(20, 40)
    net = MultiTaskNetRegressor(
        max_epochs=2,
        train_split=fixed_split(valid_rows),
        callbacks=[TaskScoring("r2")],
        **SMALL,
    ).fit(X, Y, sample_weight=weights)
    expected = multitask_r2_score(
        Y[valid_rows],
        net.predict(X[valid_rows]),
        sample_weight=weights[valid_rows],
        multioutput="raw_values",
    )
    np.testing.assert_allclose(
        [net.history[-1, f"valid_r2_task{t}"] for t in range(3)], expected, rtol=1e-5
    )


@pytest.mark.parametrize(
    "weighting", [UncertaintyWeighting(), MGDA(on="parameters")], ids=repr
)
def test_weighting_strategies_see_weighted_task_losses(weighting):
    # a loss-based and a gradient-based strategy: weights are repetitions too
    X, Y = classification_data()
    weighted, repeated = fit_pair(
        MultiTaskNetClassifier,
        X,
        Y,
        integer_weights(len(X), seed=1),
        weighting=weighting,
        **{**SGD_FULL_BATCH, "max_epochs": 3},
    )
    np.testing.assert_allclose(
        batch_losses(weighted), batch_losses(repeated), rtol=1e-5
    )
    np.testing.assert_allclose(
        weighted.history[:, "task_weights"],
        repeated.history[:, "task_weights"],
        rtol=1e-4,
    )


def test_representation_gradients_see_a_weighted_row_once():
    # On the shared representation, a row's gradient is scaled by its weight
    # (not repeated): MGDA's Gramian, and so its weights, differ from those of
    # repeated rows; the documented behaviour.
    X, Y = classification_data()
    weighted, repeated = fit_pair(
        MultiTaskNetClassifier,
        X,
        Y,
        integer_weights(len(X), seed=1),
        weighting=MGDA(on="representation"),
        **{**SGD_FULL_BATCH, "max_epochs": 1},
    )
    assert not np.allclose(
        weighted.history[0, "task_weights"],
        repeated.history[0, "task_weights"],
        rtol=1e-3,
    )


# ------------------------------------------------------------ 4. errors
@pytest.mark.parametrize(
    "weights, message",
    [
        (
            np.ones(39),
            "Expected sample_weight of shape (40,), one per sample; got "
            "shape (39,) instead.",
        ),
        (
            np.ones((40, 1)),
            "Expected sample_weight of shape (40,), one per sample; "
            "got shape (40, 1) instead.",
        ),
        (
            np.r_[np.nan, np.ones(39)],
            "Expected finite sample_weight; got NaN or infinite values.",
        ),
        (
            np.r_[-1.0, np.ones(39)],
            "Expected non-negative sample_weight; got values down to -1.0 instead.",
        ),
        (
            np.zeros(40),
            "Task 0 has no observed label with a non-zero sample_weight; "
            "every task needs at least one to be fitted.",
        ),
    ],
    ids=["length", "2d", "nan", "negative", "all-zero"],
)
def test_bad_sample_weight(weights, message):
    X, Y = regression_data()
    with raises(ValueError, message):
        MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y, sample_weight=weights)


def test_task_with_only_zero_weight_labels_is_named():
    X, codes = classification_data()
    Y = pd.DataFrame(codes, columns=["toxic", "grade"])
    weights = np.where(np.isnan(codes[:, 1]), 1.0, 0.0)
    with raises(
        ValueError,
        "Task 'grade' (index 1) has no observed label with a non-zero "
        "sample_weight; every task needs at least one to be fitted.",
    ):
        MultiTaskNetClassifier(max_epochs=1, **SMALL).partial_fit(
            X, Y, sample_weight=weights
        )


class UnweightedLoss(nn.Module):
    def __init__(self, task_kinds, output_sizes):
        super().__init__()

    def forward(self, y_pred, y_true):
        return (y_pred - y_true.nan_to_num()).pow(2).mean(0)


def test_criterion_without_sample_weight_is_an_error():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(criterion=UnweightedLoss, max_epochs=1, **SMALL)
    net.fit(X, Y)  # fine without weights
    with raises(
        ValueError,
        "Expected a criterion that takes sample_weight (as MaskedMultiTaskLoss "
        "does) to fit with sample_weight; got UnweightedLoss, which does not.",
    ):
        net.fit(X, Y, sample_weight=np.ones(len(X)))


# ------------------------------------------ 5. Pipeline and GridSearchCV
def test_pipeline_step_sample_weight_without_routing():
    X, Y = regression_data()
    weights = integer_weights(len(X))
    net = MultiTaskNetRegressor(max_epochs=2, **SMALL)
    pipeline = make_pipeline(StandardScaler(), clone(net))
    pipeline.fit(X, Y, multitasknetregressor__sample_weight=weights)
    direct = net.fit(StandardScaler().fit_transform(X), Y, sample_weight=weights)
    np.testing.assert_allclose(
        pipeline.predict(X),
        direct.predict(StandardScaler().fit(X).transform(X)),
        rtol=1e-6,
    )


def test_grid_search_routes_sample_weight_to_fit_and_score():
    X, Y = regression_data(n_samples=48)
    weights = np.random.default_rng(7).uniform(0.2, 3.0, size=len(X))
    cv = KFold(2, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        net = (
            MultiTaskNetRegressor(max_epochs=2, batch_size=16, **SMALL)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        search = GridSearchCV(net, {"lr": [0.01, 0.03]}, cv=cv).fit(
            X, Y, sample_weight=weights
        )
        train, test = next(cv.split(X))
        model = (
            clone(net)
            .set_params(lr=0.03)
            .fit(X[train], Y[train], sample_weight=weights[train])
        )
        expected = multitask_r2_score(
            Y[test], model.predict(X[test]), sample_weight=weights[test]
        )
        assert search.cv_results_["split0_test_score"][1] == pytest.approx(expected)
        # a pipeline routes them to the steps that request them
        pipeline = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False), clone(net)
        ).fit(X, Y, sample_weight=weights)
        direct = clone(net).fit(
            StandardScaler().fit_transform(X), Y, sample_weight=weights
        )
        np.testing.assert_allclose(
            pipeline.predict(X),
            direct.predict(StandardScaler().fit(X).transform(X)),
            rtol=1e-6,
        )
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            GridSearchCV(
                MultiTaskNetRegressor(max_epochs=1, **SMALL), {"lr": [0.01]}
            ).fit(X, Y, sample_weight=weights)
