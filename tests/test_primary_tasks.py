"""Primary and auxiliary tasks on the nets (``primary_tasks``), and the
auxiliary-task weighting of Du et al. (:class:`AuxiliaryCosine`).

References: the rule of early stopping written by hand on the recorded
curves, scikit-learn's per-task metrics on the primary columns, a second fit
of the same net, and autograd's per-task gradients for the strategy.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from neural_helpers import (
    FULL_BATCH,
    SMALL,
    classification_data,
    fixed_split,
    raises,
    regression_data,
)
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss, r2_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold
from skorch.dataset import ValidSplit

from sklearn_mtl.metrics import make_multitask_scorer
from sklearn_mtl.neural import (
    MaskedMultiTaskLoss,
    MultiTaskMLP,
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural.weighting import (
    WEIGHTINGS,
    AuxiliaryCosine,
    TrainingStep,
    check_weighting,
)
from sklearn_mtl.neural.weighting._registry import AUXILIARY_WEIGHTINGS

VALID_ROWS = np.arange(0, 40, 4)  # 10 of the 40 rows of regression_data
WITH_VALIDATION = {**FULL_BATCH, "train_split": fixed_split(VALID_ROWS)}


def expected_stop(values, patience, tol):
    """The epoch (1-based) at which the rule stops, and the best epoch, by hand."""
    best, best_epoch, misses = np.inf, None, 0
    for epoch, value in enumerate(values, start=1):
        misses = 0 if value < best - tol else misses + 1
        if value < best:
            best, best_epoch = value, epoch
        if misses >= patience:
            return epoch, best_epoch
    return len(values), best_epoch


def observed_mean(y_true, y_pred, metric, **kwargs):
    """Mean over the columns of ``metric`` on each column's observed rows."""
    scores = []
    for t in range(y_true.shape[1]):
        rows = ~pd.isna(y_true[:, t])
        extra = {k: v[rows] for k, v in kwargs.items()}
        scores.append(metric(y_true[rows, t], y_pred[rows, t], **extra))
    return np.mean(scores)


# ------------------------------------------------------ 1. the parameter
GENERIC = (
    "Expected primary_tasks to be None or a non-empty list of task names or "
    "indices; got {} instead."
)


@pytest.mark.parametrize(
    ("primary_tasks", "message"),
    [
        ([], GENERIC.format("[]")),
        (1.5, GENERIC.format("1.5")),
        ({"a": 1}, GENERIC.format("{'a': 1}")),
        ([True], GENERIC.format("[True]")),
        ([3], "Expected primary_tasks indices in [0, 3); got 3 instead."),
        ([-1], "Expected primary_tasks indices in [0, 3); got -1 instead."),
        (
            ["a"],
            "Expected primary_tasks to be task indices: the tasks have no names "
            "(pass Y as a pandas DataFrame to name them); got 'a' instead.",
        ),
        (
            [0, 2, 0],
            "Expected primary_tasks without duplicates; got [0, 2, 0] instead "
            "(task 0 more than once).",
        ),
    ],
)
def test_invalid_primary_tasks_are_errors_at_fit(primary_tasks, message):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(primary_tasks=primary_tasks, max_epochs=1, **SMALL)
    with raises(ValueError, message):
        net.fit(X, Y)


def test_primary_tasks_by_name_or_index():
    X, Y = regression_data()
    Y = pd.DataFrame(Y, columns=["math", "art", "music"])
    net = MultiTaskNetRegressor(max_epochs=1, **FULL_BATCH)
    for primary_tasks, expected in [
        (["music", "math"], [0, 2]),
        ("art", [1]),
        (np.array([2, 0]), [0, 2]),
        (["math", 2], [0, 2]),
        (None, None),
    ]:
        net.set_params(primary_tasks=primary_tasks).fit(X, Y)
        if expected is None:
            assert net.primary_tasks_ is None
        else:
            np.testing.assert_array_equal(net.primary_tasks_, expected)
    with raises(
        ValueError,
        "Expected primary_tasks to name tasks among ['math', 'art', 'music']; got "
        "'maths' instead. Did you mean 'math'?",
    ):
        net.set_params(primary_tasks=["maths"]).fit(X, Y)
    with raises(
        ValueError,
        "Expected primary_tasks without duplicates; got ['art', 1] instead (task "
        "'art' (index 1) more than once).",
    ):
        net.set_params(primary_tasks=["art", 1]).fit(X, Y)
    Y.columns = ["math", "primary", "music"]
    with raises(ValueError, "Expected no task named 'primary' with primary_tasks"):
        net.set_params(primary_tasks=["math"]).fit(X, Y)


# --------------------------------------------------------- 2. the history
def test_primary_keys_leave_training_and_the_all_task_keys_unchanged():
    """With the static weights, primary_tasks changes nothing in training;
    the *_primary keys are the plain mean of the primary tasks' losses."""
    X, Y = regression_data()
    params = dict(
        max_epochs=4, lr=0.01, task_weights=[1.0, 3.0, 2.0], **WITH_VALIDATION
    )
    params["early_stopping"] = False
    plain = MultiTaskNetRegressor(**params).fit(X, Y)
    net = MultiTaskNetRegressor(primary_tasks=[2, 0], **params).fit(X, Y)
    for key in ["train_loss", "valid_loss", "valid_loss_task1", "task_weights"]:
        np.testing.assert_array_equal(net.history[:, key], plain.history[:, key])
    np.testing.assert_array_equal(net.predict(X), plain.predict(X))
    for phase in ["train", "valid"]:
        expected = np.mean(
            [
                net.history[:, f"{phase}_loss_task0"],
                net.history[:, f"{phase}_loss_task2"],
            ],
            axis=0,
        )
        recorded = np.array(net.history[:, f"{phase}_loss_primary"])
        np.testing.assert_allclose(recorded, expected, rtol=1e-12)
        running_min = np.minimum.accumulate(recorded)
        best = np.r_[True, recorded[1:] < running_min[:-1]]
        assert net.history[:, f"{phase}_loss_primary_best"] == best.tolist()
    assert "valid_loss_primary" not in plain.history[-1]


def test_early_stopping_and_the_best_epoch_follow_the_primary_tasks():
    """The primary task is noise (its validation loss rises as the net fits
    it) while the auxiliary task keeps improving: early stopping stops on the
    primary loss and restores its best epoch."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 6)).astype(np.float32)
    auxiliary = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.05 * rng.normal(size=160)
    Y = np.column_stack([rng.normal(size=160), auxiliary])
    valid_rows = np.arange(0, 160, 5)
    params = dict(
        module__hidden_units=(32,),
        lr=0.02,
        batch_size=32,
        verbose=0,
        random_state=0,
        train_split=fixed_split(valid_rows),
    )
    patience = 5
    free = MultiTaskNetRegressor(max_epochs=15, early_stopping=False, **params)
    free.fit(X, Y)
    stop, best = expected_stop(free.history[:, "valid_loss_task0"], patience, 1e-4)
    _, all_best = expected_stop(free.history[:, "valid_loss"], patience, 1e-4)
    assert best < all_best  # the two keys disagree: the case tests something

    net = MultiTaskNetRegressor(
        max_epochs=30, primary_tasks=[0], n_iter_no_change=patience, **params
    ).fit(X, Y)
    assert net.best_epoch_ == best
    assert net.n_iter_ == len(net.history) == stop
    np.testing.assert_array_equal(
        net.history[:, "valid_loss_primary"], free.history[:stop, "valid_loss_task0"]
    )
    # the auxiliary task was still improving after the best epoch
    aux_curve = free.history[:, "valid_loss_task1"]
    assert min(aux_curve[best:stop]) < aux_curve[best - 1]
    # the restored weights give the best epoch's primary validation loss
    rows = valid_rows[~np.isnan(Y[valid_rows, 0])]
    residual = (net.predict(X[rows])[:, 0] - Y[rows, 0]) / net.target_scale_[0]
    np.testing.assert_allclose(
        np.mean(residual**2), net.history[best - 1, "valid_loss_primary"], rtol=1e-5
    )


def test_scoring_metric_is_monitored_on_the_primary_tasks():
    X, Y = classification_data(n_samples=80)
    net = MultiTaskNetClassifier(
        primary_tasks=[1],
        scoring="accuracy",
        max_epochs=12,
        n_iter_no_change=3,
        lr=0.05,
        **{**FULL_BATCH, "train_split": ValidSplit(0.25, random_state=0)},
    ).fit(X, Y)
    scores = net.history[:, "valid_accuracy_primary"]
    np.testing.assert_array_equal(scores, net.history[:, "valid_accuracy_task1"])
    # the first maximum of the primary score
    assert net.best_epoch_ == int(np.argmax(scores)) + 1
    assert net.history[:, "valid_accuracy_primary_best"][0] is True
    assert "valid_loss_primary" in net.history[-1]


def test_no_primary_label_in_the_validation_rows_is_an_error():
    X, Y = regression_data()
    Y[VALID_ROWS, 1] = np.nan
    net = MultiTaskNetRegressor(primary_tasks=[1], max_epochs=3, **WITH_VALIDATION)
    with raises(
        ValueError,
        "Early stopping monitors 'valid_loss_primary', which is nan at epoch 1: "
        "none of the primary tasks [1] could be evaluated on the validation rows",
    ):
        net.fit(X, Y)
    # without early stopping, the key is recorded as NaN
    net.set_params(early_stopping=False).fit(X, Y)
    assert np.isnan(net.history[:, "valid_loss_primary"]).all()


# ------------------------------------------------------------ 3. scoring
def test_score_is_the_metric_on_the_primary_columns():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(primary_tasks=[0, 2], max_epochs=3, **FULL_BATCH)
    net.fit(X, Y)
    Y_pred = net.predict(X)
    assert Y_pred.shape == Y.shape  # every task is predicted
    expected = observed_mean(Y[:, [0, 2]], Y_pred[:, [0, 2]], r2_score)
    assert net.score(X, Y) == pytest.approx(expected, rel=1e-12)
    weights = np.linspace(0.5, 2.0, len(X))
    expected = observed_mean(
        Y[:, [0, 2]], Y_pred[:, [0, 2]], r2_score, sample_weight=weights
    )
    assert net.score(X, Y, sample_weight=weights) == pytest.approx(expected)
    frame = pd.DataFrame(Y, columns=["a", "b", "c"])
    net.set_params(primary_tasks=["b"]).fit(X, frame)
    expected = observed_mean(Y[:, [1]], net.predict(X)[:, [1]], r2_score)
    assert net.score(X, frame) == pytest.approx(expected, rel=1e-12)
    assert net.score(X, Y) == pytest.approx(expected, rel=1e-12)


def test_classifier_and_mixed_net_score_the_primary_columns():
    X, Y = classification_data()
    labels = Y.astype(object)  # None where missing
    labels[np.isnan(Y)] = None
    net = MultiTaskNetClassifier(primary_tasks=[1], max_epochs=3, **FULL_BATCH)
    net.fit(X, labels)
    expected = observed_mean(Y[:, [1]], net.predict(X)[:, [1]], accuracy_score)
    assert net.score(X, labels) == pytest.approx(expected, rel=1e-12)

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "price": 2.0 * X[:, 0] + rng.normal(scale=0.1, size=len(X)),
            "churn": np.where(X[:, 1] > 0, "yes", "no"),
        }
    )
    mixed = MultiTaskNet(primary_tasks="churn", max_epochs=3, **FULL_BATCH)
    mixed.fit(X, frame)
    predicted = mixed.predict(X)
    assert mixed.score(X, frame) == accuracy_score(frame["churn"], predicted[:, 1])
    mixed.set_params(primary_tasks="price").fit(X, frame)
    assert mixed.score(X, frame) == pytest.approx(
        r2_score(frame["price"], mixed.predict(X)[:, 0].astype(float)), rel=1e-12
    )


def test_grid_search_default_scorer_uses_the_primary_tasks():
    X, Y = regression_data(n_samples=60)
    net = MultiTaskNetRegressor(
        primary_tasks=[1], weighting="aux_cosine", max_epochs=3, lr=0.02, **FULL_BATCH
    )
    grid = {"weighting__variant": ["unweighted", "weighted"]}
    cv = KFold(2, shuffle=True, random_state=0)
    search = GridSearchCV(net, grid, cv=cv).fit(X, Y)
    for i, params in enumerate(search.cv_results_["params"]):
        for split, (train, test) in enumerate(cv.split(X)):
            fitted = clone(net).set_params(**params).fit(X[train], Y[train])
            expected = observed_mean(
                Y[test][:, [1]], fitted.predict(X[test])[:, [1]], r2_score
            )
            score = search.cv_results_[f"split{split}_test_score"][i]
            assert score == pytest.approx(expected, rel=1e-6)
    best = search.best_estimator_
    assert best.weighting_.variant == search.best_params_["weighting__variant"]
    np.testing.assert_array_equal(best.primary_tasks_, [1])


def test_multitask_scorers_score_the_primary_tasks():
    X, Y = classification_data()
    third = np.where(X[:, 2] > 0, 1.0, 0.0)
    third[::5] = np.nan
    Y = np.column_stack([Y, third])  # binary, 3-class, binary
    net = MultiTaskNetClassifier(primary_tasks=[0, 2], max_epochs=3, **FULL_BATCH)
    net.fit(X, Y)
    proba = net.predict_proba(X)
    observed = ~np.isnan(Y)
    expected = np.mean(
        [
            roc_auc_score(Y[observed[:, t], t], proba[t][observed[:, t], 1])
            for t in (0, 2)
        ]
    )
    assert make_multitask_scorer("roc_auc")(net, X, Y) == pytest.approx(
        expected, rel=1e-12
    )
    # log loss needs each scored task's classes: those of the primary tasks
    expected = np.mean(
        [log_loss(Y[observed[:, t], t], proba[t][observed[:, t]]) for t in (0, 2)]
    )
    assert make_multitask_scorer("log_loss")(net, X, Y) == pytest.approx(
        -expected, rel=1e-12
    )
    # a task chosen by hand is scored whatever the primary tasks
    predicted = net.predict(X)
    assert make_multitask_scorer("accuracy", task=1)(net, X, Y) == pytest.approx(
        accuracy_score(Y[observed[:, 1], 1], predicted[observed[:, 1], 1]), rel=1e-12
    )


# ---------------------------------------------- 4. strategies and primaries
@pytest.mark.parametrize("weighting", sorted(WEIGHTINGS))
def test_every_strategy_trains_with_primary_tasks(weighting):
    X, Y = regression_data(n_samples=60)
    net = MultiTaskNetRegressor(
        weighting=weighting,
        primary_tasks=[1],
        task_weights=[0.2, 1.0, 0.2],  # auxiliary tasks down-weighted
        max_epochs=6,
        lr=0.01,
        **FULL_BATCH,
    ).fit(X, Y)
    losses = net.history[:, "train_loss_primary"]
    assert losses[-1] < losses[0]
    np.testing.assert_array_equal(losses, net.history[:, "train_loss_task1"])
    assert np.isfinite(net.predict(X)).all()


def test_auxiliary_strategies_are_reached_by_name():
    assert type(check_weighting("aux_cosine")) is AuxiliaryCosine
    assert type(check_weighting("AUX_COSINE")) is AuxiliaryCosine
    assert set(AUXILIARY_WEIGHTINGS).isdisjoint(WEIGHTINGS)
    with raises(ValueError, "got 'aux_cosin' instead. Did you mean 'aux_cosine'?"):
        check_weighting("aux_cosin")


def test_auxiliary_cosine_needs_primary_tasks_and_a_valid_variant():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(weighting="aux_cosine", max_epochs=1, **SMALL)
    with raises(
        ValueError,
        "Expected primary_tasks on the net to train with AuxiliaryCosine, which "
        "keeps the auxiliary tasks' gradients that agree with the primary tasks'; "
        "got primary_tasks=None instead.",
    ):
        net.fit(X, Y)
    net = MultiTaskNetRegressor(
        weighting=AuxiliaryCosine(variant="cosine"), primary_tasks=[0], **SMALL
    )
    with raises(
        ValueError,
        "Expected variant of AuxiliaryCosine to be one of 'unweighted', "
        "'weighted'; got 'cosine' instead.",
    ):
        net.fit(X, Y)
    with raises(ValueError, "AuxiliaryCosine needs the primary tasks: call"):
        AuxiliaryCosine().aggregate(torch.eye(2))
    with raises(ValueError, "Expected primary task indices in [0, 2) for 2 tasks"):
        AuxiliaryCosine().set_primary_tasks([2]).aggregate(torch.eye(2))
    with raises(ValueError, "Expected primary_tasks to be distinct non-negative"):
        AuxiliaryCosine().set_primary_tasks([0, 0])


# ---------------------------------------- 5. the cosine rule, by hand
def test_auxiliary_cosine_aggregate_equals_the_rule_by_hand():
    """Primary tasks 0 and 1; auxiliary 2 is aligned with their sum, 3 is
    exactly opposite, 4 is orthogonal: rows 3 and 4 are dropped."""
    jacobian = torch.tensor(
        [
            [1.0, 0.0, 2.0],
            [0.0, 1.0, 0.0],
            [2.0, -1.0, 1.0],
            [-2.0, -2.0, -4.0],
            [2.0, 0.0, -1.0],
        ],
        dtype=torch.float64,
    )
    J = jacobian.numpy()
    g_primary = J[0] + J[1]
    cos2 = J[2] @ g_primary / np.linalg.norm(J[2]) / np.linalg.norm(g_primary)
    assert 0 < cos2 < 1 and J[4] @ g_primary == 0
    unweighted = AuxiliaryCosine().set_primary_tasks([1, 0]).aggregate(jacobian)
    np.testing.assert_allclose(unweighted.numpy(), (g_primary + J[2]) / 5)
    weighted = AuxiliaryCosine(variant="weighted").set_primary_tasks([0, 1])
    np.testing.assert_allclose(
        weighted.aggregate(jacobian).numpy(), (g_primary + cos2 * J[2]) / 5
    )
    # every auxiliary gradient aligned: the mean of the rows (the default step)
    aligned = jacobian[[0, 2]]
    assert J[0] @ J[2] > 0
    direction = AuxiliaryCosine().set_primary_tasks([0]).aggregate(aligned)
    np.testing.assert_allclose(direction.numpy(), aligned.mean(0).numpy())
    # a zero primary gradient: no auxiliary gradient is used
    zero_primary = torch.cat([torch.zeros(1, 3, dtype=torch.float64), jacobian[2:]])
    direction = AuxiliaryCosine().set_primary_tasks([0]).aggregate(zero_primary)
    np.testing.assert_array_equal(direction.numpy(), np.zeros(3))


def _mirrored_step(on):
    """A step where auxiliary task 1 copies the primary task 0 (same head, same
    labels: cosine 1) and auxiliary task 2 mirrors it (same head, labels on
    the other side of the prediction: cosine -1)."""
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(size=(12, 4)).astype(np.float32))
    torch.manual_seed(0)
    module = MultiTaskMLP((4,), [1, 1, 1], hidden_units=(6,))
    with torch.no_grad():  # the three heads are one head
        weight, bias = _head_tensors(module)
        weight[1:] = weight[0]
        bias[1:] = bias[0]
        prediction = module(X)[:, 0]
    y0 = torch.from_numpy(rng.normal(size=12).astype(np.float32))
    Y = torch.stack([y0, y0, 2 * prediction - y0], dim=1)
    Y[3, 0] = Y[3, 1] = Y[3, 2] = float("nan")  # a row without labels
    criterion = MaskedMultiTaskLoss(["regression"] * 3, [1, 1, 1])
    if on == "representation":
        representation = module.shared_representation(X)
        representation_input = representation.detach().requires_grad_()
        y_pred = module.task_outputs(representation_input, X)
    else:
        representation = representation_input = None
        y_pred = module(X)
    losses = criterion(y_pred, Y)
    step = TrainingStep(
        losses,
        y_true=Y,
        y_pred=y_pred,
        module=module,
        output_sizes=(1, 1, 1),
        representation=representation,
        representation_input=representation_input,
    )
    return module, X, Y, criterion, step


def _head_tensors(module):
    """The stacked weight (n_tasks, size) and bias (n_tasks,) of linear heads."""
    readout = dict(module.heads.named_parameters())
    weights = [p for name, p in readout.items() if p.ndim == 2]
    biases = [p for name, p in readout.items() if p.ndim == 1]
    assert len(weights) == len(biases) == 1, list(readout)
    return weights[0], biases[0]


@pytest.mark.parametrize("on", ["representation", "parameters"])
@pytest.mark.parametrize("variant", ["unweighted", "weighted"])
def test_auxiliary_cosine_step_keeps_the_aligned_task_and_drops_the_opposite(
    on, variant
):
    """The trunk's gradient is that of (loss_0 + loss_1) / 3, by autograd on a
    copy: the mirrored task 2 is dropped; every head learns its own loss."""
    module, X, Y, criterion, step = _mirrored_step(on)
    weights = torch.tensor([1.0, 0.5, 2.0])
    strategy = AuxiliaryCosine(variant=variant, on=on).initialize(
        weights.numpy() / weights.numpy().mean(), module=module
    )
    strategy.set_primary_tasks([0])
    _, applied = strategy.backward(step)
    w = strategy.task_weights_
    np.testing.assert_allclose(applied.numpy(), [w[0], w[1], 0.0], rtol=1e-5)

    reference = MultiTaskMLP((4,), [1, 1, 1], hidden_units=(6,))
    reference.load_state_dict(module.state_dict())
    losses = criterion(reference(X), Y) * w
    trunk = list(reference.trunk.parameters())
    expected = torch.autograd.grad(
        (losses[0] + losses[1]) / 3, trunk, retain_graph=True
    )
    for parameter, grad in zip(module.trunk.parameters(), expected, strict=True):
        torch.testing.assert_close(parameter.grad, grad, rtol=1e-4, atol=1e-7)
    heads = list(reference.heads.parameters())
    expected = torch.autograd.grad(losses.sum() / 3, heads)
    for parameter, grad in zip(module.heads.parameters(), expected, strict=True):
        torch.testing.assert_close(parameter.grad, grad, rtol=1e-5, atol=1e-7)


def test_a_batch_without_primary_labels_moves_only_the_auxiliary_heads():
    """Documented choice: no primary gradient, no cosine, no shared update."""
    module, _, Y, criterion, step = _mirrored_step("representation")
    Y[:, 0] = float("nan")
    step = TrainingStep(
        criterion(step.y_pred, Y),
        y_true=Y,
        y_pred=step.y_pred,
        module=module,
        output_sizes=(1, 1, 1),
        representation=step.representation,
        representation_input=step.representation_input,
    )
    strategy = AuxiliaryCosine().initialize(np.ones(3), module=module)
    _, applied = strategy.set_primary_tasks([0]).backward(step)
    np.testing.assert_array_equal(applied.numpy(), [np.nan, 0.0, 0.0])
    for parameter in module.trunk.parameters():
        assert parameter.grad is None or not parameter.grad.any()
    weight, _ = _head_tensors(module)
    assert weight.grad[1:].abs().sum() > 0


def test_nets_train_with_missing_labels_sample_weight_and_primary_tasks():
    """Batches without primary labels (batch_size=8, the primary task
    labelled on the first rows only) train the auxiliary tasks; the primary
    keys weigh the labels as the per-task ones do."""
    X, Y = classification_data(n_samples=48)
    Y[16:, 0] = np.nan
    frame = pd.DataFrame(Y, columns=["toxic", "grade"])
    weights = np.linspace(0.5, 2.0, len(X))
    for weighting in [None, "aux_cosine"]:
        net = MultiTaskNetClassifier(
            primary_tasks=["toxic"],
            weighting=weighting,
            max_epochs=4,
            lr=0.02,
            **{**FULL_BATCH, "batch_size": 8},
        ).fit(X, frame, sample_weight=weights)
        np.testing.assert_array_equal(
            net.history[:, "train_loss_primary"], net.history[:, "train_loss_toxic"]
        )
        losses = net.history[:, "train_loss_grade"]
        assert losses[-1] < losses[0]


def test_switching_strategy_and_primary_tasks_on_a_fitted_net():
    """skorch re-initializes the strategy in set_params, before the next fit
    validates primary_tasks: the check waits until training starts."""
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        weighting="aux_cosine", primary_tasks=[0], max_epochs=1, **FULL_BATCH
    ).fit(X, Y)
    net.set_params(weighting=None, primary_tasks=None).fit(X, Y)
    assert net.primary_tasks_ is None
    net.set_params(weighting="aux_cosine", primary_tasks=[1]).fit(X, Y)
    assert net.weighting_.primary_tasks == (1,)
    with raises(ValueError, "got primary_tasks=None instead"):
        net.set_params(primary_tasks=None).partial_fit(X, Y)


# ---------------------------------------------------- 6. clone and pickle
def test_clone_pickle_and_partial_fit_keep_the_primary_tasks():
    X, Y = regression_data()
    strategy = AuxiliaryCosine(variant="weighted")
    net = MultiTaskNetRegressor(
        primary_tasks=[2], weighting=strategy, max_epochs=2, **FULL_BATCH
    )
    fresh = clone(net)
    assert fresh.get_params()["primary_tasks"] == [2]
    assert fresh.get_params()["weighting__variant"] == "weighted"
    net.fit(X, Y)
    assert strategy.primary_tasks is None  # the object given is not changed
    assert net.weighting_.primary_tasks == (2,)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    np.testing.assert_array_equal(restored.primary_tasks_, [2])
    assert restored.weighting_.primary_tasks == (2,)
    np.testing.assert_array_equal(clone(net).fit(X, Y).predict(X), net.predict(X))
    restored.set_params(primary_tasks=[0, 1]).partial_fit(X, Y)
    assert restored.weighting_.primary_tasks == (0, 1)
    assert len(restored.history) == 4
    assert "train_loss_primary" in restored.history[-1]
