"""The weighting protocol of the nets: the seam, per-task gradients, the API.

The strategies themselves are tested against references in
``test_aggregators_*.py`` and ``test_loss_weighting.py``; here: the default
is exactly the static objective, per-task gradients are the per-task
autograd gradients, a mean of them reproduces the default step, and the
parameter (``weighting=``) behaves as scikit-learn and skorch users expect.
"""

import pickle

import numpy as np
import pytest
import torch
from neural_helpers import (
    FULL_BATCH,
    SMALL,
    classification_data,
    raises,
    regression_data,
    standardized,
)
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from torch import nn

from sklearn_mtl.neural import (
    MaskedMultiTaskLoss,
    MultiTaskMLP,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural.weighting import (
    WEIGHTINGS,
    GradientAggregator,
    PCGrad,
    StaticWeighting,
    TrainingStep,
    UncertaintyWeighting,
    check_weighting,
)
from sklearn_mtl.neural.weighting._gradients import (
    DenseGradients,
    ReadoutGradients,
    representation_gradients,
)


class MeanAggregator(GradientAggregator):
    """The mean of the rows: with every task labelled, the default step."""

    def gramian_weights(self, gramian, tasks):
        return torch.full((len(tasks),), 1.0 / len(tasks), dtype=torch.float64)


# ------------------------------------------------ 1. the default is unchanged
def test_default_is_bitwise_the_static_objective_of_a_plain_loop():
    """weighting=None: mean_t(w_t * loss_t) as one dot product, one backward."""
    X, Y = regression_data()
    weights = np.array([1.0, 2.0, 3.0])
    net = MultiTaskNetRegressor(
        lr=0.01,
        max_epochs=2,
        batch_size=16,
        train_split=None,
        iterator_train__shuffle=False,
        task_weights=weights,
        **SMALL,
    ).fit(X, Y)
    Y_std = torch.from_numpy(standardized(Y).astype(np.float32))
    X_t = torch.from_numpy(X)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = MultiTaskMLP((X.shape[1],), [1, 1, 1], hidden_units=(8,))
    criterion = MaskedMultiTaskLoss(["regression"] * 3, [1, 1, 1])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    mean_weights = torch.tensor(weights / weights.mean() / 3, dtype=torch.float32)
    losses = []
    for _ in range(2):
        for start in range(0, len(X), 16):
            optimizer.zero_grad()
            rows = slice(start, start + 16)
            loss = torch.dot(mean_weights, criterion(model(X_t[rows]), Y_std[rows]))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    recorded = [b["train_loss"] for epoch in net.history for b in epoch["batches"]]
    assert recorded == losses
    for name, value in model.state_dict().items():
        assert torch.equal(net.module_.state_dict()[name], value), name
    assert isinstance(net.weighting_, StaticWeighting)
    assert net.history[-1, "task_weights"] == [0.5, 1.0, 1.5]


class PenalizedMLP(MultiTaskMLP):
    """A MultiTaskMLP whose ``penalty()`` is ``0.5 * ||trunk weights||^2``."""

    def penalty(self):
        return 0.5 * self.trunk[0].weight.pow(2).sum()


@pytest.mark.parametrize("weighting", [None, "pcgrad", "uncertainty"])
def test_module_penalty_gradient_is_added_to_the_strategy_step(weighting):
    """One SGD step with a penalty = the same step without it, plus lr * its
    gradient; ``train_loss`` includes the recorded ``train_penalty``."""
    X, Y = regression_data()
    lr = 0.1
    params = dict(
        weighting=weighting,
        lr=lr,
        max_epochs=1,
        optimizer=torch.optim.SGD,
        **FULL_BATCH,
    )
    plain = MultiTaskNetRegressor(module=MultiTaskMLP, **params).fit(X, Y)
    penalized = MultiTaskNetRegressor(module=PenalizedMLP, **params).fit(X, Y)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        initial = PenalizedMLP((X.shape[1],), [1, 1, 1], hidden_units=(8,))
    w0 = initial.trunk[0].weight.detach()
    expected = plain.module_.state_dict()
    expected["trunk.0.weight"] = expected["trunk.0.weight"] - lr * w0
    for name, value in penalized.module_.state_dict().items():
        torch.testing.assert_close(value, expected[name], rtol=1e-5, atol=1e-6)
    penalty = 0.5 * w0.pow(2).sum().item()
    history = penalized.history[-1]
    np.testing.assert_allclose(history["train_penalty"], penalty, rtol=1e-6)
    np.testing.assert_allclose(
        history["train_loss"],
        plain.history[-1, "train_loss"] + penalty,
        rtol=1e-6,
    )
    assert "train_penalty" not in plain.history[-1]


# ------------------------------------------- 2. per-task gradients of a step
def _step(module, X, Y, kinds, sizes):
    """A TrainingStep on the representation path, as the net builds it."""
    x = torch.from_numpy(X)
    representation = module.shared_representation(x)
    representation_input = representation.detach().requires_grad_()
    y_pred = module.task_outputs(representation_input, x)
    losses = MaskedMultiTaskLoss(kinds, sizes)(y_pred, torch.from_numpy(Y))
    return TrainingStep(
        losses,
        y_true=torch.from_numpy(Y),
        y_pred=y_pred,
        module=module,
        output_sizes=sizes,
        representation=representation,
        representation_input=representation_input,
    )


@pytest.mark.parametrize("head_hidden_units", [(), (4,)])
def test_representation_gradients_are_the_per_task_gradients(head_hidden_units):
    """Rows equal autograd's gradient of each weighted task loss (readout or
    batched path); the Gramian and weighted sums agree with the rows."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 4)).astype(np.float32)
    kinds, sizes = ["binary", "multiclass", "regression", "constant"], [1, 3, 1, 0]
    Y = np.column_stack(
        [rng.integers(0, 2, 12), rng.integers(0, 3, 12), rng.normal(size=12), [0] * 12]
    ).astype(np.float32)
    Y[rng.random(Y.shape) < 0.3] = np.nan
    torch.manual_seed(0)
    module = MultiTaskMLP(
        (4,), sizes, hidden_units=(6,), head_hidden_units=head_hidden_units
    )
    step = _step(module, X, Y, kinds, sizes)
    static = torch.tensor([0.5, 2.0, 1.0, 0.5])
    weighted = step.task_losses * static
    tasks = [0, 1, 2]
    expected = torch.stack(
        [
            torch.autograd.grad(
                weighted[t], step.representation_input, retain_graph=True
            )[0].flatten()
            for t in tasks
        ]
    )
    heads_expected = torch.autograd.grad(
        weighted.sum() / 4, list(module.heads.parameters()), retain_graph=True
    )
    gradients = representation_gradients(step, weighted, tasks)
    matrix = gradients.matrix()
    torch.testing.assert_close(matrix, expected, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(
        gradients.gramian(), expected @ expected.T, rtol=1e-5, atol=1e-7
    )
    weights = torch.tensor([0.2, -1.0, 3.0], dtype=torch.float64)
    torch.testing.assert_close(
        gradients.combine(weights), weights.float() @ expected, rtol=1e-5, atol=1e-6
    )
    _assert_signed_sums(gradients, expected)
    # the heads got the gradient of mean_t(w_t * loss_t), nothing else did
    for parameter, grad in zip(module.heads.parameters(), heads_expected, strict=True):
        torch.testing.assert_close(parameter.grad, grad)
    assert all(p.grad is None for p in module.trunk.parameters())


def _assert_signed_sums(gradients, rows):
    scales = torch.linspace(0.1, 1.0, len(rows), dtype=torch.float64)
    for s, weights in [(None, torch.ones(len(rows))), (scales, scales.float())]:
        total, magnitude = gradients.signed_sums(s)
        tol = dict(rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(total, weights @ rows, **tol)
        torch.testing.assert_close(magnitude, weights @ rows.abs(), **tol)


def test_readout_gradients_with_one_output_per_task():
    """The readout path without forming the rows (GradDrop's sums too)."""
    X, Y = regression_data(n_samples=20)
    torch.manual_seed(0)
    module = MultiTaskMLP((X.shape[1],), [1, 1, 1], hidden_units=(6,))
    step = _step(module, X, Y.astype(np.float32), ["regression"] * 3, [1, 1, 1])
    tasks = [0, 2]
    weighted = step.task_losses * torch.tensor([1.0, 2.0, 3.0])
    expected = torch.stack(
        [
            torch.autograd.grad(
                weighted[t], step.representation_input, retain_graph=True
            )[0].flatten()
            for t in tasks
        ]
    )
    gradients = representation_gradients(step, weighted, tasks)
    assert isinstance(gradients, ReadoutGradients)
    torch.testing.assert_close(gradients.matrix(), expected)
    torch.testing.assert_close(gradients.gramian(), expected @ expected.T)
    weights = torch.tensor([0.5, -2.0], dtype=torch.float64)
    torch.testing.assert_close(gradients.combine(weights), weights.float() @ expected)
    _assert_signed_sums(gradients, expected)


def test_dense_gradients_of_a_matrix():
    matrix = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    gradients = DenseGradients(matrix)
    torch.testing.assert_close(gradients.gramian(), matrix @ matrix.T)
    torch.testing.assert_close(
        gradients.combine(torch.tensor([1.0, 2.0])), torch.tensor([7.0, 0.0])
    )


@pytest.mark.parametrize("on", ["representation", "parameters"])
@pytest.mark.parametrize("head_hidden_units", [(), (4,)])
def test_mean_of_per_task_gradients_is_the_default_step(on, head_hidden_units):
    """With every task labelled, the mean of the rows w_t grad loss_t gives
    the gradient of mean_t(w_t * loss_t): the static strategy's step."""
    X, Y = regression_data(missing_rate=0.0)
    kwargs = dict(
        FULL_BATCH,
        max_epochs=3,
        lr=0.01,
        task_weights=[1.0, 2.0, 3.0],
        module__head_hidden_units=head_hidden_units,
    )
    default = MultiTaskNetRegressor(**kwargs).fit(X, Y)
    mean = MultiTaskNetRegressor(weighting=MeanAggregator(on=on), **kwargs).fit(X, Y)
    for name, value in default.module_.state_dict().items():
        torch.testing.assert_close(
            mean.module_.state_dict()[name], value, rtol=1e-5, atol=1e-6
        )
    np.testing.assert_allclose(
        mean.history[:, "train_loss"], default.history[:, "train_loss"], rtol=1e-5
    )
    # weights on the static scale: the step follows mean_t(c_t grad loss_t)
    np.testing.assert_allclose(mean.history[-1, "task_weights"], [0.5, 1.0, 1.5])


def test_unlabelled_task_is_not_counted_by_an_aggregator():
    """A task without a label in a batch gives no row (the mean is over the
    others) and its recorded weight averages the batches where it had one."""
    X, Y = regression_data()
    Y[:, 1] = np.nan
    Y[0, 1] = 1.0  # task 1 is labelled in the first batch only
    net = MultiTaskNetRegressor(
        weighting=MeanAggregator(),
        max_epochs=1,
        batch_size=10,
        train_split=None,
        iterator_train__shuffle=False,
        standardize_targets=False,
        **SMALL,
    ).fit(X, Y)
    labelled = (~np.isnan(Y)).reshape(4, 10, 3).any(axis=1)  # (batch, task)
    # c_t = n_tasks * (1 / k) in a batch with k labelled tasks
    per_batch = np.where(labelled, 3 / labelled.sum(1, keepdims=True), np.nan)
    np.testing.assert_allclose(
        net.history[-1, "task_weights"], np.nanmean(per_batch, axis=0)
    )
    assert net.history[-1, "task_weights"][1] == pytest.approx(1.0)


# ------------------------------------------------------ 3. the parameter
def test_strings_give_the_strategies_and_unknown_names_are_errors():
    for name, strategy in WEIGHTINGS.items():
        assert type(check_weighting(name)) is strategy
        assert type(check_weighting(name.upper())) is strategy
    assert isinstance(check_weighting(None), StaticWeighting)
    with raises(ValueError, "got 'pcgrd' instead. Did you mean 'pcgrad'?"):
        check_weighting("pcgrd")
    with raises(TypeError, "Expected weighting to be None, a strategy object"):
        check_weighting(0.5)
    X, Y = regression_data()
    with raises(ValueError, "Did you mean 'uncertainty'?"):
        MultiTaskNetRegressor(weighting="uncertainty_weighting", **SMALL).fit(X, Y)


def test_invalid_on_is_an_error():
    X, Y = regression_data()
    with raises(
        ValueError,
        "Expected on of PCGrad to be one of 'representation', 'parameters'; got "
        "'trunk' instead.",
    ):
        MultiTaskNetRegressor(weighting=PCGrad(on="trunk"), **SMALL).fit(X, Y)


class PlainNet(nn.Module):
    """A module outside the protocol: forward only."""

    def __init__(self, input_shape, output_sizes):
        super().__init__()
        self.layer = nn.Linear(input_shape[0], sum(output_sizes))

    def forward(self, X):
        return self.layer(X)


def test_gradient_strategy_needs_the_module_protocol():
    X, Y = regression_data()
    with raises(
        TypeError,
        "PCGrad() needs a module following the multi-task module protocol "
        "(shared_representation, task_outputs, shared_parameters; see "
        "sklearn_mtl.neural.modules.MultiTaskModule); got PlainNet, which lacks "
        "shared_representation, task_outputs, shared_parameters.",
    ):
        MultiTaskNetRegressor(PlainNet, weighting="pcgrad", verbose=0).fit(X, Y)
    # loss-based strategies need nothing of the module
    net = MultiTaskNetRegressor(
        PlainNet, weighting="uncertainty", max_epochs=2, verbose=0
    )
    assert net.fit(X, Y).predict(X).shape == Y.shape


def test_weighting_params_are_searchable_and_cloned_not_mutated():
    X, Y = regression_data()
    strategy = PCGrad()
    net = MultiTaskNetRegressor(weighting=strategy, max_epochs=2, **SMALL)
    search = GridSearchCV(
        net,
        [
            {"weighting": [None, UncertaintyWeighting()]},
            {
                "weighting": [strategy],
                "weighting__on": ["representation", "parameters"],
            },
        ],
        cv=KFold(2),
        error_score="raise",
    ).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    assert strategy.get_params() == {"on": "representation"}
    assert not hasattr(strategy, "task_weights_")  # never initialized itself
    net.set_params(weighting__on="parameters").fit(X, Y)
    assert net.weighting_.on == "parameters"
    assert net.weighting_ is not strategy
    assert clone(net).get_params()["weighting__on"] == "parameters"
    assert net.get_params(deep=False)["weighting__on"] == "parameters"


def test_set_params_weighting_on_a_fitted_net_reinitializes_it():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y)
    net.set_params(weighting="uncertainty")
    assert isinstance(net.weighting_, UncertaintyWeighting)
    # its log-variances are trained by the optimizer
    net.partial_fit(X, Y)
    optimized = {
        id(p) for group in net.optimizer_.param_groups for p in group["params"]
    }
    assert id(net.weighting_.log_variance_) in optimized
    assert not torch.equal(net.weighting_.log_variance_, torch.zeros(3))


# ----------------------------------------- 4. state: pickle, save, continue
def test_weighting_state_survives_pickle_save_params_and_partial_fit(tmp_path):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(weighting="uncertainty", max_epochs=3, lr=0.05, **SMALL)
    net.fit(X, Y)
    learned = net.weighting_.log_variance_.detach().clone()
    restored = pickle.loads(pickle.dumps(net))
    torch.testing.assert_close(restored.weighting_.log_variance_, learned)
    restored.partial_fit(X, Y)  # continues from the learned state
    assert len(restored.history) == 6
    assert not torch.equal(restored.weighting_.log_variance_, learned)

    net.save_params(
        f_params=tmp_path / "params.pt", f_weighting=tmp_path / "weighting.pt"
    )
    fresh = MultiTaskNetRegressor(weighting="uncertainty", max_epochs=0, **SMALL)
    fresh.fit(X, Y).load_params(
        f_params=tmp_path / "params.pt", f_weighting=tmp_path / "weighting.pt"
    )
    torch.testing.assert_close(fresh.weighting_.log_variance_, learned)
    np.testing.assert_array_equal(fresh.predict(X), net.predict(X))


def test_recorded_weights_are_the_applied_ones():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        weighting="uncertainty", task_weights=[1, 1, 2], max_epochs=1, **FULL_BATCH
    ).fit(X, Y)
    # one batch: the weights of that step, before the update of s_t
    expected = np.array([0.75, 0.75, 1.5]) * 0.5  # w_t / 2 * exp(-0) for regression
    np.testing.assert_allclose(net.history[-1, "task_weights"], expected)


@pytest.mark.parametrize("Net", [MultiTaskNetRegressor, MultiTaskNetClassifier])
@pytest.mark.parametrize("weighting", sorted(WEIGHTINGS))
def test_every_strategy_trains_both_nets_with_missing_labels(Net, weighting):
    data = regression_data if Net is MultiTaskNetRegressor else classification_data
    X, Y = data(n_samples=80)
    net = Net(weighting=weighting, max_epochs=8, lr=0.01, **FULL_BATCH).fit(X, Y)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    weights = np.array(net.history[-1, "task_weights"])
    # GradDrop keeps coordinates, not whole gradients: no weights to record
    assert np.all(
        np.isnan(weights) if weighting == "graddrop" else np.isfinite(weights)
    )
    assert np.isfinite(net.predict(X).astype(float)).all()
