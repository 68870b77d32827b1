"""Loss-based weighting strategies against hand computations and TorchJD.

Each strategy is driven directly with hand-made losses (``TrainingStep``
objects, ``begin_epoch`` arrays) and compared with a computation written out
here or with TorchJD's scalarizer of the same method (float64, to 1e-6 or
better); then it trains both nets on data with missing labels, where its
recorded weights are checked by hand when they are deterministic.
"""

import copy

import numpy as np
import pytest
import torch
from neural_helpers import (
    FULL_BATCH,
    SMALL,
    classification_data,
    raises,
    regression_data,
)
from sklearn.base import clone
from skorch.callbacks import Callback
from torch import nn

from sklearn_mtl.neural import (
    MaskedMultiTaskLoss,
    MultiTaskMLP,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural.weighting import TrainingStep, UncertaintyWeighting
from sklearn_mtl.neural.weighting._dwa import DynamicWeightAverage
from sklearn_mtl.neural.weighting._famo import FAMO
from sklearn_mtl.neural.weighting._gls import GeometricLossStrategy
from sklearn_mtl.neural.weighting._gradnorm import GradNorm
from sklearn_mtl.neural.weighting._imtl_l import IMTLL
from sklearn_mtl.neural.weighting._rlw import RandomLossWeighting

STRATEGIES = [
    UncertaintyWeighting,
    DynamicWeightAverage,
    RandomLossWeighting,
    GeometricLossStrategy,
    IMTLL,
    FAMO,
    GradNorm,
]
TIGHT = {"rtol": 1e-6, "atol": 1e-12}


# ------------------------------------------------------------------ helpers
@pytest.fixture
def scalarization():
    """TorchJD's scalarizers (a test-only dependency)."""
    return pytest.importorskip("torchjd.scalarization")


def hand_step(losses, labelled=None, new_losses=None):
    """A TrainingStep of hand-made per-task losses (0 for an unlabelled task)."""
    n_tasks = len(losses)
    y_true = torch.zeros((1, n_tasks), dtype=losses.dtype)
    if labelled is not None:
        y_true[0, ~torch.as_tensor(labelled)] = torch.nan
    calls = []

    def recompute():
        calls.append(1)
        return torch.as_tensor(new_losses, dtype=losses.dtype)

    step = TrainingStep(
        losses,
        y_true=y_true,
        y_pred=None,
        module=None,
        output_sizes=(1,) * n_tasks,
        recompute_task_losses=recompute,
    )
    step.recompute_calls = calls
    return step


def drive(weighting, losses, labelled=None):
    """Objective, recorded weights and gradient of the objective w.r.t. the
    losses, for float64 hand-made losses."""
    losses = torch.tensor(losses, dtype=torch.float64, requires_grad=True)
    objective, weights = weighting.weighted_objective(hand_step(losses, labelled))
    (grad,) = torch.autograd.grad(objective, losses)
    return objective.detach(), weights, grad


def initialized(strategy, task_weights, **kwargs):
    return strategy.initialize(np.asarray(task_weights, dtype=float), **kwargs).double()


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


class RecordState(Callback):
    """Copies of a weighting state attribute after every training batch."""

    def __init__(self, name):
        self.name = name

    def initialize(self):
        self.values = []
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            value = getattr(net.weighting_, self.name)
            self.values.append(value.detach().clone().numpy())


class PlainNet(nn.Module):
    """A module outside the multi-task module protocol."""

    def __init__(self, input_shape, output_sizes):
        super().__init__()
        self.layer = nn.Linear(input_shape[0], sum(output_sizes))

    def forward(self, X):
        return self.layer(X)


# ------------------------------------------------- UncertaintyWeighting
def test_uncertainty_objective_and_log_variance_gradient_by_hand():
    """mean_t w_t (c_t exp(-s_t) L_t + s_t / 2), c = 1/2 for regression and 1
    for classification; d/ds_t = w_t (1/2 - c_t exp(-s_t) L_t) / n."""
    static = np.array([0.5, 1.0, 1.5])
    kinds = ["regression", "binary", "multiclass"]
    weighting = initialized(UncertaintyWeighting(), static, task_kinds=kinds)
    s = np.array([0.3, -0.2, 0.1])
    with torch.no_grad():
        weighting.log_variance_.copy_(torch.from_numpy(s))
    losses = np.array([1.5, 0.7, 2.0])
    objective, weights, grad = drive(weighting, losses)
    c = np.array([0.5, 1.0, 1.0])
    expected = np.mean(static * (c * np.exp(-s) * losses + s / 2))
    np.testing.assert_allclose(objective.item(), expected, **TIGHT)
    np.testing.assert_allclose(weights.numpy(), static * c * np.exp(-s), **TIGHT)
    np.testing.assert_allclose(grad.numpy(), static * c * np.exp(-s) / 3, **TIGHT)
    objective, _ = weighting.weighted_objective(hand_step(torch.from_numpy(losses)))
    (grad_s,) = torch.autograd.grad(objective, weighting.log_variance_)
    expected_s = static * (0.5 - c * np.exp(-s) * losses) / 3
    np.testing.assert_allclose(grad_s.numpy(), expected_s, **TIGHT)


def test_uncertainty_matches_torchjd_uw_on_regression_tasks(scalarization):
    """On regression tasks with unit static weights: TorchJD's UW / n."""
    weighting = initialized(UncertaintyWeighting(), np.ones(3))
    reference = scalarization.UW(3).double()
    s = torch.tensor([0.4, -0.3, 0.0], dtype=torch.float64)
    with torch.no_grad():
        weighting.log_variance_.copy_(s)
        reference.log_var.copy_(s)
    values = [2.0, 0.25, 1.0]
    losses = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ours, _ = weighting.weighted_objective(hand_step(losses))
    ours_grads = torch.autograd.grad(3 * ours, [losses, weighting.log_variance_])
    losses = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    theirs = reference(losses)
    theirs_grads = torch.autograd.grad(theirs, [losses, reference.log_var])
    np.testing.assert_allclose(3 * ours.item(), theirs.item(), **TIGHT)
    for mine, their in zip(ours_grads, theirs_grads, strict=True):
        np.testing.assert_allclose(mine.numpy(), their.numpy(), **TIGHT)


@pytest.mark.parametrize(
    ("strategy", "state"),
    [(UncertaintyWeighting, "log_variance_"), (IMTLL, "log_scale_")],
)
def test_learned_scales_of_an_unlabelled_task_do_not_move(strategy, state):
    """Directly: a zero gradient; in a net trained by plain SGD, task 1's
    parameter moves only in the batches where task 1 has labels."""
    weighting = initialized(strategy(), np.ones(3))
    losses = torch.tensor([1.5, 0.0, 2.0], dtype=torch.float64)
    objective, _ = weighting.weighted_objective(
        hand_step(losses, labelled=[True, False, True])
    )
    (grad,) = torch.autograd.grad(objective, getattr(weighting, state))
    assert grad[1] == 0.0 and grad[0] != 0.0 and grad[2] != 0.0

    X, Y = regression_data()
    Y[:, 1] = np.nan
    Y[:8:3, 1] = [1.0, 2.0, 3.0]  # task 1 has labels in the first batch only
    moved = {}
    for optimizer in (torch.optim.SGD, torch.optim.Adam):
        record = RecordState(state)
        MultiTaskNetRegressor(
            weighting=strategy(),
            optimizer=optimizer,
            lr=0.05,
            max_epochs=2,
            batch_size=8,
            train_split=None,
            iterator_train__shuffle=False,
            callbacks=[record],
            **SMALL,
        ).fit(X, Y)
        values = np.array(record.values)  # (10 batches, 3 tasks)
        moved[optimizer] = np.diff(values, axis=0) != 0
    assert moved[torch.optim.SGD][:, 0].all()  # task 0 has labels in every batch
    expected = [i % 5 == 4 for i in range(9)]
    np.testing.assert_array_equal(moved[torch.optim.SGD][:, 1], expected)
    # as documented, Adam's momentum still carries it in the other batches
    assert moved[torch.optim.Adam][:, 1].all()


# --------------------------------------------------- DynamicWeightAverage
def hand_dwa(previous, static, temperature=2.0):
    """lambda_t = K softmax_t(L_t(e-1) / L_t(e-2) / T) over the finite ratios."""
    weights = np.ones(previous.shape[1])
    if len(previous) >= 2:
        ratios = previous[-1] / previous[-2]
        ok = np.isfinite(ratios) & (np.asarray(static) > 0)
        weights[ok] = ok.sum() * softmax(ratios[ok] / temperature)
    return weights


def test_dwa_weights_over_epochs_by_hand():
    losses = np.array(
        [[2.0, 1.0, 4.0], [1.0, 0.9, 3.0], [0.8, 0.9, 1.5], [0.7, 0.4, 1.4]]
    )
    static = np.array([0.5, 1.0, 1.5])
    weighting = initialized(DynamicWeightAverage(temperature=1.5), static)
    for epoch in range(len(losses) + 1):
        weighting.begin_epoch(losses[:epoch])
        expected = hand_dwa(losses[:epoch], static, temperature=1.5)
        if epoch < 2:
            np.testing.assert_array_equal(expected, 1.0)
        np.testing.assert_allclose(weighting.loss_weights_.numpy(), expected, rtol=1e-6)
        batch = [0.3, 0.2, 0.1]
        objective, weights, grad = drive(weighting, batch)
        np.testing.assert_allclose(weights.numpy(), static * expected, rtol=1e-6)
        np.testing.assert_allclose(grad.numpy(), static * expected / 3, rtol=1e-6)
        np.testing.assert_allclose(
            objective.item(), np.mean(static * expected * batch), rtol=1e-6
        )
    # epoch 4 from the ratios [0.875, 0.444, 0.933]: slow tasks 0 and 2 weigh more
    np.testing.assert_allclose(
        weighting.loss_weights_.numpy(), [1.0752, 0.8069, 1.1179], atol=1e-4
    )


def test_dwa_matches_torchjd_dwa(scalarization):
    """TorchJD's DWA averaged over one batch per epoch, rolled at each epoch."""
    rng = np.random.default_rng(0)
    losses = rng.uniform(0.5, 2.0, size=(6, 4))
    weighting = initialized(DynamicWeightAverage(temperature=0.7), np.ones(4))
    reference = scalarization.DWA(temperature=0.7)
    for epoch in range(len(losses)):
        weighting.begin_epoch(losses[:epoch])
        values = torch.tensor(losses[epoch], requires_grad=True)
        (theirs,) = torch.autograd.grad(reference(values), values)
        reference.step()
        np.testing.assert_allclose(
            weighting.loss_weights_.numpy(), theirs.numpy(), **TIGHT
        )
        assert epoch < 2 or not np.allclose(theirs.numpy(), 1.0)


def test_dwa_tasks_with_nan_or_zero_static_weight_keep_weight_one():
    """A NaN epoch loss (no label), a zero first loss (infinite ratio) or a
    static weight of 0: lambda = 1, left out of the softmax of the others."""
    losses = np.array([[1.0, 2.0, np.nan, 0.0, 1.0], [0.5, 0.5, 1.0, 1.0, 0.2]])
    static = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    weighting = initialized(DynamicWeightAverage(), static)
    weighting.begin_epoch(losses)
    shared = 2 * softmax(np.array([0.5, 0.25]) / 2.0)
    np.testing.assert_allclose(
        weighting.loss_weights_.numpy(), [*shared, 1.0, 1.0, 1.0], **TIGHT
    )
    previous = np.array([[1.0, 1.0, np.nan, 1.0, 1.0], [0.5, 1.0, 2.0, 1.0, 3.0]])
    weighting.begin_epoch(previous)
    expected = np.ones(5)
    expected[[0, 1, 3]] = 3 * softmax(np.array([0.5, 1.0, 1.0]) / 2.0)
    np.testing.assert_allclose(weighting.loss_weights_.numpy(), expected, **TIGHT)
    _, weights, _ = drive(weighting, [1.0, 1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(weights.numpy(), static * expected, **TIGHT)


def test_dwa_history_weights_are_the_hand_weights_of_the_recorded_losses():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        weighting=DynamicWeightAverage(),
        task_weights=[1.0, 2.0, 3.0],
        lr=0.01,
        max_epochs=5,
        batch_size=16,
        train_split=None,
        **SMALL,
    ).fit(X, Y)
    keys = net.task_history_keys("train_loss")
    losses = np.array([[row[key] for key in keys] for row in net.history])
    static = np.array([0.5, 1.0, 1.5])
    recorded = np.array(net.history[:, "task_weights"])
    for epoch in range(5):
        expected = static * hand_dwa(losses[:epoch], static)
        np.testing.assert_allclose(recorded[epoch], expected, rtol=1e-6)
    assert not np.allclose(recorded[4], static, rtol=1e-3)  # DWA did act


# ---------------------------------------------------- RandomLossWeighting
def test_rlw_matches_torchjd_random_weights(scalarization):
    """With every task labelled: n times TorchJD's softmax of normal draws,
    drawn from torch's global generator in the same order."""
    weighting = initialized(RandomLossWeighting(), np.ones(4))
    reference = scalarization.Random()
    torch.manual_seed(3)
    ours = [drive(weighting, [1.0, 2.0, 3.0, 4.0])[1] for _ in range(3)]
    torch.manual_seed(3)
    theirs = []
    for _ in range(3):
        values = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        theirs.append(torch.autograd.grad(reference(values), values)[0])
    for mine, their in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine.numpy(), 4 * their.numpy(), **TIGHT)
    assert not np.allclose(ours[0].numpy(), ours[1].numpy())


def test_rlw_weights_by_hand_with_an_unlabelled_task():
    static = np.array([2.0, 0.5, 1.0, 0.5])
    weighting = initialized(RandomLossWeighting(), static)
    torch.manual_seed(0)
    draws = torch.randn(4, dtype=torch.float64).numpy()
    torch.manual_seed(0)
    losses = [1.0, 0.0, 3.0, 2.0]
    objective, weights, grad = drive(weighting, losses, [True, False, True, True])
    lambdas = 3 * softmax(draws[[0, 2, 3]])
    np.testing.assert_allclose(weights.numpy()[[0, 2, 3]], static[[0, 2, 3]] * lambdas)
    assert np.isnan(weights.numpy()[1])
    np.testing.assert_allclose(grad.numpy()[[0, 2, 3]], static[[0, 2, 3]] * lambdas / 4)
    assert grad[1] == 0.0
    np.testing.assert_allclose(
        objective.item(), np.dot(static[[0, 2, 3]] * lambdas, [1.0, 3.0, 2.0]) / 4
    )


# -------------------------------------------------- GeometricLossStrategy
def test_gls_matches_torchjd_geometric_mean(scalarization):
    """The gradient of TorchJD's GeometricMean of the w_t L_t."""
    static = np.array([0.5, 1.0, 2.5])
    weighting = initialized(GeometricLossStrategy(), static)
    values = [0.3, 2.0, 1.1]
    _, weights, grad = drive(weighting, values)
    losses = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    theirs = scalarization.GeometricMean()(losses * torch.from_numpy(static))
    (their_grad,) = torch.autograd.grad(theirs, losses)
    np.testing.assert_allclose(grad.numpy(), their_grad.numpy(), **TIGHT)
    gm = np.prod(static * values) ** (1 / 3)
    np.testing.assert_allclose(weights.numpy(), gm / np.array(values), **TIGHT)
    np.testing.assert_allclose(grad.numpy(), weights.numpy() / 3, **TIGHT)


def test_gls_leaves_out_zero_losses_and_unlabelled_tasks():
    """A labelled task with loss 0 and an unlabelled task: the geometric mean
    is over the two others; the gradient is that of (2 / 4) GM; no NaN."""
    weighting = initialized(GeometricLossStrategy(), np.ones(4))
    _, weights, grad = drive(weighting, [4.0, 0.0, 1.0, 0.0], [True, True, True, False])
    np.testing.assert_allclose(weights.numpy(), [0.5, 0.0, 2.0, 0.0], **TIGHT)
    np.testing.assert_allclose(grad.numpy(), [0.125, 0.0, 0.5, 0.0], **TIGHT)
    objective, weights, grad = drive(weighting, [0.0] * 4, [False] * 4)
    assert objective == 0.0 and (weights == 0).all() and (grad == 0).all()


def test_gls_history_weights_are_geometric_mean_over_each_loss():
    """Full batch: each epoch's weights are GM / L_t of the recorded losses."""
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        weighting=GeometricLossStrategy(), lr=0.01, max_epochs=4, **FULL_BATCH
    ).fit(X, Y)
    keys = net.task_history_keys("train_loss")
    for row in net.history:
        losses = np.array([row[key] for key in keys])
        gm = np.exp(np.mean(np.log(losses)))
        np.testing.assert_allclose(row["task_weights"], gm / losses, rtol=1e-5)


# ------------------------------------------------------------------ IMTLL
def test_imtl_l_matches_torchjd_imtll_values_and_gradients(scalarization):
    weighting = initialized(IMTLL(), np.ones(3))
    reference = scalarization.IMTLL(3).double()
    s = torch.tensor([0.2, -0.7, 1.1], dtype=torch.float64)
    with torch.no_grad():
        weighting.log_scale_.copy_(s)
        reference.log_scale.copy_(s)
    values = [0.5, 3.0, 0.1]
    losses = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ours, weights = weighting.weighted_objective(hand_step(losses))
    ours_grads = torch.autograd.grad(3 * ours, [losses, weighting.log_scale_])
    losses = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    theirs = reference(losses)
    theirs_grads = torch.autograd.grad(theirs, [losses, reference.log_scale])
    np.testing.assert_allclose(3 * ours.item(), theirs.item(), **TIGHT)
    for mine, their in zip(ours_grads, theirs_grads, strict=True):
        np.testing.assert_allclose(mine.numpy(), their.numpy(), **TIGHT)
    np.testing.assert_allclose(weights.numpy(), np.exp(s.numpy()), **TIGHT)


def test_imtl_l_objective_by_hand_with_static_weights():
    static = np.array([0.5, 1.5, 1.0])
    weighting = initialized(IMTLL(), static)
    s = np.array([0.3, -0.4, 0.8])
    with torch.no_grad():
        weighting.log_scale_.copy_(torch.from_numpy(s))
    losses = np.array([2.0, 0.5, 0.0])
    objective, weights, grad = drive(weighting, losses, [True, True, False])
    labelled = np.array([1.0, 1.0, 0.0])
    expected = np.mean(static * (np.exp(s) * losses - s * labelled))
    np.testing.assert_allclose(objective.item(), expected, **TIGHT)
    np.testing.assert_allclose(weights.numpy()[:2], (static * np.exp(s))[:2], **TIGHT)
    assert np.isnan(weights.numpy()[2])
    np.testing.assert_allclose(grad.numpy(), static * np.exp(s) / 3, **TIGHT)


def test_imtl_l_and_uncertainty_take_the_same_adam_steps_on_regression():
    """Uncertainty weighting's objective on regression tasks is IMTL-L's / 2
    with s = -log-scale: Adam (invariant to that factor) gives one model."""
    X, Y = regression_data()
    params = dict(max_epochs=5, lr=0.01, batch_size=16, train_split=None, **SMALL)
    uncertainty = MultiTaskNetRegressor(weighting="uncertainty", **params).fit(X, Y)
    imtl_l = MultiTaskNetRegressor(weighting="imtl_l", **params).fit(X, Y)
    np.testing.assert_allclose(uncertainty.predict(X), imtl_l.predict(X), rtol=1e-4)
    torch.testing.assert_close(
        uncertainty.weighting_.log_variance_, -imtl_l.weighting_.log_scale_
    )
    np.testing.assert_allclose(
        uncertainty.history[-1, "task_weights"],
        np.array(imtl_l.history[-1, "task_weights"]) / 2,
        rtol=1e-5,
    )


# ------------------------------------------------------------------- FAMO
LOSS_SEQUENCE = [
    ([1.0, 2.0, 0.5], [0.9, 1.5, 0.5]),
    ([0.8, 1.6, 0.6], [0.7, 1.5, 0.55]),
    ([0.9, 1.2, 0.4], [0.6, 1.1, 0.41]),
    ([0.5, 1.0, 0.45], [0.45, 0.99, 0.3]),
    ([0.4, 0.9, 0.3], [0.39, 0.7, 0.29]),
]


def famo_step(weighting, before, after, labelled=None):
    """weighted_objective then after_optimizer_step on hand-made losses."""
    losses = torch.tensor(before, dtype=torch.float64, requires_grad=True)
    step = hand_step(losses, labelled, new_losses=after)
    objective, weights = weighting.weighted_objective(step)
    (grad,) = torch.autograd.grad(objective, losses)
    weighting.after_optimizer_step(step)
    assert step.recompute_calls == [1]  # one extra forward pass per step
    return objective.detach(), weights, grad


def test_famo_matches_torchjd_famo_on_a_sequence_of_losses(scalarization):
    """Gradient (the weights over n) and logits after each update equal
    TorchJD's FAMO with the paper's defaults (lr 0.025, decay 1e-3)."""
    weighting = initialized(FAMO(), np.ones(3))
    reference = scalarization.FAMO(3).double()
    for before, after in LOSS_SEQUENCE:
        _, weights, grad = famo_step(weighting, before, after)
        losses = torch.tensor(before, dtype=torch.float64, requires_grad=True)
        theirs = reference(losses)
        (their_grad,) = torch.autograd.grad(theirs, losses)
        reference.update(torch.tensor(after, dtype=torch.float64))
        np.testing.assert_allclose(grad.numpy(), their_grad.numpy(), **TIGHT)
        np.testing.assert_allclose(weights.numpy(), 3 * their_grad.numpy(), **TIGHT)
        np.testing.assert_allclose(
            weighting.logits_.numpy(), reference._w.detach().numpy(), **TIGHT
        )
    assert np.ptp(weighting.logits_.numpy()) > 0.05


def test_famo_weights_by_hand():
    """lambda_t = K (z_t / L_t) / sum_j (z_j / L_j) over the counted tasks,
    times the static weights; the update is Adam on z . delta."""
    static = np.array([2.0, 1.0, 1.0])
    weighting = initialized(FAMO(lr=0.1, gamma=0.0), static)
    logits = np.array([0.2, -0.1, 0.4])
    with torch.no_grad():
        weighting.logits_.copy_(torch.from_numpy(logits))
    before, after = np.array([1.0, 2.0, 0.5]), np.array([0.5, 2.0, 0.4])
    _, weights, grad = famo_step(weighting, before, after)
    z = softmax(logits)
    lambdas = 3 * (z / before) / np.sum(z / before)
    np.testing.assert_allclose(weights.numpy(), static * lambdas, **TIGHT)
    np.testing.assert_allclose(grad.numpy(), static * lambdas / 3, **TIGHT)
    delta = np.log(before + 1e-8) - np.log(after + 1e-8)
    softmax_grad = z * (delta - z @ delta)
    # Adam's first step: lr times the sign of the gradient (up to its epsilon)
    expected = logits - 0.1 * softmax_grad / (np.abs(softmax_grad) + 1e-8)
    np.testing.assert_allclose(weighting.logits_.numpy(), expected, **TIGHT)


def test_famo_unlabelled_task_keeps_its_state_and_others_match_a_smaller_famo(
    scalarization,
):
    """Task 2 unlabelled at steps 1 and 3: its logit and Adam state stay; the
    others follow TorchJD's FAMO on them alone while it is absent."""
    weighting = initialized(FAMO(), np.ones(3))
    reference = scalarization.FAMO(2).double()
    labelled = [True, True, False]
    for index, (before, after) in enumerate(LOSS_SEQUENCE[:4]):
        mask = labelled if index % 2 else [True] * 3
        before = [b if m else 0.0 for b, m in zip(before, mask, strict=True)]
        state = {name: buffer.clone() for name, buffer in weighting.named_buffers()}
        _, weights, grad = famo_step(weighting, before, after, mask)
        if index % 2 == 0:
            continue
        for name in ("logits_", "exp_avg_", "exp_avg_sq_", "n_updates_"):
            assert getattr(weighting, name)[2] == state[name][2], name
        assert torch.isnan(weights[2]) and grad[2] == 0.0
        # on the two labelled tasks: TorchJD's FAMO from the same state
        with torch.no_grad():
            reference._w.copy_(state["logits_"][:2])
        reference._optimizer = torch.optim.Adam(
            [reference._w], lr=0.025, weight_decay=1e-3
        )
        reference._optimizer.state[reference._w] = {
            "step": state["n_updates_"][0].clone(),
            "exp_avg": state["exp_avg_"][:2].clone(),
            "exp_avg_sq": state["exp_avg_sq_"][:2].clone(),
        }
        losses = torch.tensor(before[:2], dtype=torch.float64, requires_grad=True)
        (their_grad,) = torch.autograd.grad(reference(losses), losses)
        reference.update(torch.tensor(after[:2], dtype=torch.float64))
        np.testing.assert_allclose(weights.numpy()[:2], 2 * their_grad.numpy(), **TIGHT)
        np.testing.assert_allclose(
            weighting.logits_.numpy()[:2], reference._w.detach().numpy(), **TIGHT
        )
    np.testing.assert_array_equal(weighting.n_updates_.numpy(), [4, 4, 2])


def test_famo_in_a_net_updates_each_task_once_per_batch_with_labels():
    X, Y = regression_data()
    Y[8:24, 2] = np.nan  # task 2 has no label in batches 1 and 2
    net = MultiTaskNetRegressor(
        weighting=FAMO(),
        lr=0.01,
        max_epochs=3,
        batch_size=8,
        train_split=None,
        iterator_train__shuffle=False,
        **SMALL,
    ).fit(X, Y)
    observed = ~np.isnan(Y.reshape(5, 8, 3))
    batches_with_labels = observed.any(axis=1).sum(axis=0)
    np.testing.assert_array_equal(batches_with_labels, [5, 5, 3])
    np.testing.assert_array_equal(net.weighting_.n_updates_, 3 * batches_with_labels)
    assert (net.weighting_.logits_ != 0).all()


# --------------------------------------------------------------- GradNorm
def reference_gradnorm(sequence, alpha, lr):
    """GradNorm's weight updates by autograd of sum_t |G_t - mean(G) r_t^a|
    (target constant) and torch's Adam, then the renormalization."""
    n_tasks = len(sequence[0][0])
    weights = torch.ones(n_tasks, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=lr)
    initial = None
    history = []
    for losses, norms in sequence:
        losses = torch.tensor(losses, dtype=torch.float64)
        initial = losses if initial is None else initial
        ratios = losses / initial
        norms = weights * torch.tensor(norms, dtype=torch.float64)
        target = norms.mean() * (ratios / ratios.mean()) ** alpha
        objective = (norms - target.detach()).abs().sum()
        optimizer.zero_grad()
        objective.backward()
        optimizer.step()
        with torch.no_grad():
            weights.clamp_(min=1e-6)
            weights *= n_tasks / weights.sum()
        history.append(weights.detach().clone())
    return history


GRADNORM_SEQUENCE = [
    ([1.0, 2.0, 0.5], [0.5, 0.1, 2.0]),
    ([0.9, 1.9, 0.3], [0.6, 0.2, 1.0]),
    ([0.7, 1.9, 0.2], [0.4, 0.3, 1.5]),
    ([0.6, 1.8, 0.2], [0.5, 0.3, 0.2]),
]


def test_gradnorm_weight_updates_match_autograd_and_torch_adam():
    weighting = initialized(GradNorm(alpha=1.5, lr=0.05), np.ones(3))
    expected = reference_gradnorm(GRADNORM_SEQUENCE, alpha=1.5, lr=0.05)
    counted = torch.tensor([True, True, True])
    for (losses, norms), weights in zip(GRADNORM_SEQUENCE, expected, strict=True):
        weighting.update_weights(
            torch.tensor(losses, dtype=torch.float64),
            torch.tensor(norms, dtype=torch.float64),
            counted,
        )
        np.testing.assert_allclose(weighting.loss_weights_.numpy(), weights, **TIGHT)
    assert weighting.loss_weights_.sum() == pytest.approx(3.0)
    assert np.ptp(weighting.loss_weights_.numpy()) > 0.1


def test_gradnorm_uncounted_task_keeps_its_weight_and_others_match():
    """Task 1 never counted: its weight stays 1, the others follow GradNorm
    on them alone (summing to 2)."""
    weighting = initialized(GradNorm(alpha=0.5, lr=0.05), np.ones(3))
    subset = [([a[0], a[2]], [b[0], b[2]]) for a, b in GRADNORM_SEQUENCE]
    expected = reference_gradnorm(subset, alpha=0.5, lr=0.05)
    counted = torch.tensor([True, False, True])
    for (losses, norms), weights in zip(GRADNORM_SEQUENCE, expected, strict=True):
        losses = torch.tensor(losses, dtype=torch.float64)
        norms = torch.tensor(norms, dtype=torch.float64)
        weighting.update_weights(losses, norms, counted)
        np.testing.assert_allclose(
            weighting.loss_weights_.numpy()[[0, 2]], weights, **TIGHT
        )
        assert weighting.loss_weights_[1] == 1.0
    assert torch.isnan(weighting.initial_losses_[1])


@pytest.mark.parametrize("head_hidden_units", [(), (4,)])
def test_gradnorm_backward_by_hand(head_hidden_units):
    """The step is the gradient of mean_t(w_t v_t L_t) through the whole
    network; the norms are those of grad_z L_t (static weights left out)."""
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(size=(10, 4)).astype(np.float32))
    Y = rng.normal(size=(10, 3)).astype(np.float32)
    Y[:, 1] = np.nan  # task 1 has no label in this batch
    Y = torch.from_numpy(Y)
    kinds, sizes = ["regression"] * 3, [1, 1, 1]
    criterion = MaskedMultiTaskLoss(kinds, sizes)
    torch.manual_seed(0)
    module = MultiTaskMLP(
        (4,), sizes, hidden_units=(6,), head_hidden_units=head_hidden_units
    )
    reference = copy.deepcopy(module)
    static = np.array([0.5, 1.0, 1.5])
    weighting = GradNorm(lr=0.05).initialize(static, module=module)
    # two earlier updates: Adam's moments make the step depend on the norms
    for norms in ([0.3, 1.0, 0.1], [0.2, 1.0, 0.4]):
        weighting.update_weights(
            torch.tensor([1.0, 2.0, 0.5]), torch.tensor(norms), torch.ones(3) > 0
        )
    applied = weighting.loss_weights_.clone() * torch.tensor(static).float()
    expected_state = copy.deepcopy(weighting)

    representation = module.shared_representation(X)
    representation_input = representation.detach().requires_grad_()
    y_pred = module.task_outputs(representation_input, X)
    step = TrainingStep(
        criterion(y_pred, Y),
        y_true=Y,
        y_pred=y_pred,
        module=module,
        output_sizes=sizes,
        representation=representation,
        representation_input=representation_input,
    )
    objective, weights = weighting.backward(step)

    torch.testing.assert_close(weights[[0, 2]], applied[[0, 2]])
    assert torch.isnan(weights[1])
    z = reference.shared_representation(X)
    losses = criterion(reference.task_outputs(z, X), Y)
    torch.testing.assert_close(
        objective, torch.dot(losses, torch.tensor(static, dtype=torch.float32)) / 3
    )
    norms = torch.stack(
        [
            torch.autograd.grad(losses[t], z, retain_graph=True)[0].norm()
            for t in range(3)
        ]
    )
    (torch.dot(applied, losses) / 3).backward()
    for (name, mine), theirs in zip(
        module.named_parameters(), reference.parameters(), strict=True
    ):
        torch.testing.assert_close(mine.grad, theirs.grad, msg=name)
    expected_state.update_weights(
        losses.detach(), norms, torch.tensor([True, False, True])
    )
    torch.testing.assert_close(weighting.loss_weights_, expected_state.loss_weights_)
    assert weighting.loss_weights_[1] == applied[1]  # static weight 1: unchanged


def test_gradnorm_in_a_net_counts_batches_with_labels():
    X, Y = regression_data()
    Y[16:24, 0] = np.nan  # task 0 has no label in batch 2
    net = MultiTaskNetRegressor(
        weighting=GradNorm(),
        task_weights=[1.0, 2.0, 3.0],
        lr=0.01,
        max_epochs=2,
        batch_size=8,
        train_split=None,
        iterator_train__shuffle=False,
        **SMALL,
    ).fit(X, Y)
    observed = ~np.isnan(Y.reshape(5, 8, 3))
    batches_with_labels = observed.any(axis=1).sum(axis=0)
    np.testing.assert_array_equal(batches_with_labels, [4, 5, 5])
    np.testing.assert_array_equal(net.weighting_.n_updates_, 2 * batches_with_labels)
    assert net.weighting_.loss_weights_.sum() == pytest.approx(3.0)
    # the initial losses were those of the first batch: finite for all tasks
    assert torch.isfinite(net.weighting_.initial_losses_).all()
    # recorded: static times v (v moved away from 1)
    recorded = np.array(net.history[:, "task_weights"])
    assert np.isfinite(recorded).all()
    assert not np.allclose(recorded[-1], [0.5, 1.0, 1.5], rtol=1e-3)


# ------------------------------------- static weights, zero weights, nets
def weights_at_first_step(strategy, static, losses=(0.5, 2.0, 1.0, 0.25)):
    """Recorded weights of one step on hand-made losses (DWA: after two
    epochs of history; RLW: a fixed seed)."""
    weighting = initialized(strategy, static)
    if isinstance(weighting, DynamicWeightAverage):
        weighting.begin_epoch(np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 1.9, 1.0, 0.2]]))
    with torch.no_grad():
        for name in ("log_variance_", "log_scale_", "logits_"):
            if hasattr(weighting, name):
                getattr(weighting, name).copy_(torch.tensor([0.1, -0.3, 0.2, 0.5]))
    torch.manual_seed(0)
    return drive(weighting, list(losses))[1].numpy()


@pytest.mark.parametrize(
    "strategy",
    [UncertaintyWeighting, DynamicWeightAverage, RandomLossWeighting, IMTLL, FAMO],
)
def test_static_weights_multiply_the_strategy_weights(strategy):
    static = np.array([0.5, 2.0, 1.0, 0.5])
    plain = weights_at_first_step(strategy(), np.ones(4))
    assert not np.allclose(plain, 1.0)
    np.testing.assert_allclose(
        weights_at_first_step(strategy(), static), static * plain, **TIGHT
    )


def test_static_weights_only_scale_the_gls_step():
    static = np.array([0.5, 2.0, 1.0, 0.5])
    plain = weights_at_first_step(GeometricLossStrategy(), np.ones(4))
    weighted = weights_at_first_step(GeometricLossStrategy(), static)
    gm = np.exp(np.mean(np.log(static)))
    np.testing.assert_allclose(weighted, gm * plain, **TIGHT)


@pytest.mark.parametrize(
    "strategy", [DynamicWeightAverage, RandomLossWeighting, GeometricLossStrategy, FAMO]
)
def test_a_task_of_static_weight_zero_takes_no_part(strategy):
    """Weight 0 for it; the others get the weights of the problem without it."""
    with_zero = weights_at_first_step(strategy(), [1.0, 0.0, 1.0, 1.0])
    assert with_zero[1] == 0.0
    weighting = initialized(strategy(), np.ones(3))
    if isinstance(weighting, DynamicWeightAverage):
        weighting.begin_epoch(np.array([[1.0, 3.0, 4.0], [0.5, 1.0, 0.2]]))
    with torch.no_grad():
        if isinstance(weighting, FAMO):
            weighting.logits_.copy_(torch.tensor([0.1, 0.2, 0.5]))
    torch.manual_seed(0)
    if isinstance(weighting, RandomLossWeighting):
        torch.manual_seed(0)
        draws = torch.randn(4, dtype=torch.float64)[[0, 2, 3]]
        expected = 3 * softmax(draws.numpy())
    else:
        expected = drive(weighting, [0.5, 1.0, 0.25])[1].numpy()
    np.testing.assert_allclose(with_zero[[0, 2, 3]], expected, **TIGHT)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    ("net_class", "data"),
    [
        (MultiTaskNetRegressor, regression_data),
        (MultiTaskNetClassifier, classification_data),
    ],
)
def test_strategy_trains_both_nets_with_missing_labels(strategy, net_class, data):
    X, Y = data()
    assert np.isnan(Y).any()
    net = net_class(
        weighting=strategy(),
        lr=0.01,
        max_epochs=4,
        batch_size=16,
        train_split=None,
        torch_num_threads=1,
        **SMALL,
    ).fit(X, Y)
    train_loss = net.history[:, "train_loss"]
    assert train_loss[-1] < train_loss[0]
    weights = np.array(net.history[:, "task_weights"])
    assert weights.shape == (4, Y.shape[1])
    assert np.isfinite(weights).all() and (weights > 0).all()
    assert net.predict(X).shape == Y.shape


@pytest.mark.parametrize(
    ("strategy", "params"),
    [
        (DynamicWeightAverage, {"temperature": 3.0}),
        (FAMO, {"lr": 0.1, "gamma": 0.0}),
        (GradNorm, {"alpha": 0.5, "lr": 0.01}),
        (RandomLossWeighting, {}),
        (GeometricLossStrategy, {}),
        (IMTLL, {}),
    ],
)
def test_strategies_are_parameter_objects(strategy, params):
    instance = strategy(**params)
    assert clone(instance).get_params() == instance.get_params()
    assert instance.get_params() == {**strategy().get_params(), **params}
    assert not hasattr(instance, "task_weights_")


# ----------------------------------------------------------- bad parameters
@pytest.mark.parametrize(
    ("strategy", "error", "message"),
    [
        (
            DynamicWeightAverage(temperature=-1),
            ValueError,
            "Expected temperature of DynamicWeightAverage > 0; got -1 instead.",
        ),
        (
            DynamicWeightAverage(temperature=0.0),
            ValueError,
            "Expected temperature of DynamicWeightAverage > 0; got 0.0 instead.",
        ),
        (
            DynamicWeightAverage(temperature="2"),
            TypeError,
            "Expected temperature of DynamicWeightAverage to be a real number; "
            "got '2' instead.",
        ),
        (FAMO(lr=0), ValueError, "Expected lr of FAMO > 0; got 0 instead."),
        (
            FAMO(gamma=-0.1),
            ValueError,
            "Expected gamma of FAMO >= 0; got -0.1 instead.",
        ),
        (
            FAMO(lr=None),
            TypeError,
            "Expected lr of FAMO to be a real number; got None instead.",
        ),
        (
            GradNorm(alpha=-1),
            ValueError,
            "Expected alpha of GradNorm >= 0; got -1 instead.",
        ),
        (
            GradNorm(lr=-0.5),
            ValueError,
            "Expected lr of GradNorm > 0; got -0.5 instead.",
        ),
    ],
)
def test_invalid_parameters_raise_at_fit(strategy, error, message):
    with raises(error, message):
        clone(strategy).initialize([1.0, 1.0])
    X, Y = regression_data()
    with raises(error, message):
        MultiTaskNetRegressor(weighting=strategy, max_epochs=1, **SMALL).fit(X, Y)


def test_gradnorm_needs_the_module_protocol():
    X, Y = regression_data()
    with raises(
        TypeError,
        "GradNorm() needs a module following the multi-task module protocol "
        "(shared_representation, task_outputs, shared_parameters; see "
        "sklearn_mtl.neural.modules.MultiTaskModule); got PlainNet, which lacks "
        "shared_representation, task_outputs, shared_parameters.",
    ):
        MultiTaskNetRegressor(PlainNet, weighting=GradNorm(), verbose=0).fit(X, Y)
