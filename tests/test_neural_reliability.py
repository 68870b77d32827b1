"""Reliability of the nets: nothing silent.

- Every constructor parameter is checked at ``fit`` with scikit-learn's
  constraints, and named as the user wrote it (``module__hidden_units``
  included); skorch's prefixed arguments keep working.
- The automatic validation split keeps every task on both sides; a split that
  leaves a task without a training label, or too few rows to split, is an
  error in the package's terms.
- A diverging loss and targets out of range stop the fit with an error naming
  the epoch or the task; predictions are never infinite.
- ``KeyboardInterrupt`` during an epoch puts the net back to its last
  completed epoch and is raised again; a callback that stops training at the
  end of an epoch (skorch's way) still does.
- Batch normalization never sees a training batch of one row.
"""

import pickle
import re
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import ValidSplit

from sklearn_mtl.linear_model import MultiTaskLasso
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
from sklearn_mtl.neural import (
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural._validation_split import TaskAwareValidSplit

SMALL = {"module__hidden_units": (8,), "verbose": 0, "random_state": 0}


def regression_data(n_samples=60, n_tasks=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 3)).astype(np.float32)
    Y = X[:, :n_tasks] + 0.1 * rng.standard_normal((n_samples, n_tasks))
    return X, Y


def classification_data(n_samples=60, seed=0):
    X, Y = regression_data(n_samples, seed=seed)
    return X, (Y > 0).astype(np.float64)


def fit_data(net_class, n_samples=60):
    if net_class is MultiTaskNetClassifier:
        return classification_data(n_samples)
    return regression_data(n_samples)


def raises(error, message):
    """``pytest.raises`` matching the whole message, taken literally."""
    return pytest.raises(error, match=f"^{re.escape(message)}$")


NETS = [MultiTaskNetRegressor, MultiTaskNetClassifier, MultiTaskNet]


# ------------------------------------------------ 1. parameter validation
def invalid(name, must_be, got):
    return f"The {name!r} parameter of {{net}} must be {must_be}. Got {got} instead."


PARAMETER_CASES = [
    (
        {"batch_size": 0},
        invalid("batch_size", "an int in the range [1, inf) or a int among {-1}", 0),
    ),
    (
        {"batch_size": 2.5},
        invalid("batch_size", "an int in the range [1, inf) or a int among {-1}", 2.5),
    ),
    ({"max_epochs": -1}, invalid("max_epochs", "an int in the range [0, inf)", -1)),
    ({"max_epochs": 2.5}, invalid("max_epochs", "an int in the range [0, inf)", 2.5)),
    ({"lr": "a"}, invalid("lr", "a float in the range [0.0, inf)", "'a'")),
    ({"lr": -1.0}, invalid("lr", "a float in the range [0.0, inf)", -1.0)),
    (
        {"criterion": 3},
        invalid(
            "criterion",
            "an instance of 'torch.nn.modules.module.Module' or a callable",
            3,
        ),
    ),
    (
        {"module": "mlp"},
        invalid(
            "module",
            "an instance of 'torch.nn.modules.module.Module' or a callable",
            "'mlp'",
        ),
    ),
    (
        {"torch_num_threads": 0},
        invalid("torch_num_threads", "an int in the range [1, inf) or None", 0),
    ),
    (
        {"early_stopping": "yes"},
        invalid(
            "early_stopping",
            "a str among {'auto'} or an instance of 'bool' or an instance of "
            "'numpy.bool'",
            "'yes'",
        ),
    ),
    (
        {"validation_fraction": 1.5},
        invalid("validation_fraction", "a float in the range (0.0, 1.0) or None", 1.5),
    ),
    (
        {"n_iter_no_change": 0},
        invalid("n_iter_no_change", "an int in the range [1, inf)", 0),
    ),
    ({"tol": -1.0}, invalid("tol", "a float in the range [0.0, inf)", -1.0)),
    (
        {"task_weights": "equal"},
        invalid(
            "task_weights",
            "an array-like, an instance of 'dict' or None",
            "'equal'",
        ),
    ),
    (
        {"warm_start": "yes"},
        invalid(
            "warm_start",
            "an instance of 'bool' or an instance of 'numpy.bool'",
            "'yes'",
        ),
    ),
    (
        {"callbacks": 3},
        invalid(
            "callbacks",
            "an instance of 'list', an instance of 'tuple', a str among "
            "{'disable'} or None",
            3,
        ),
    ),
    (
        {"device": "tpu"},
        "The 'device' parameter of {net} must be a device torch knows ('cpu', "
        "'cuda', 'cuda:1', 'mps', ...), a torch.device or None. Got 'tpu' instead.",
    ),
    (
        {"optimizer": "adam"},
        invalid("optimizer", "a callable", "'adam'")
        + " Pass the optimizer's class, as skorch takes it (its arguments as "
        "optimizer__<name>): optimizer=torch.optim.Adam.",
    ),
    (
        {"optimizer": "sgd"},
        invalid("optimizer", "a callable", "'sgd'")
        + " Pass the optimizer's class, as skorch takes it (its arguments as "
        "optimizer__<name>): optimizer=torch.optim.SGD.",
    ),
    # the module's parameters, checked by the module, named as given
    (
        {"module__hidden_units": "a"},
        "The 'module__hidden_units' parameter of {net} must be a sequence of "
        "positive integers (hidden_units of MultiTaskMLP). Got 'a' instead.",
    ),
    (
        {"module__hidden_units": (0,)},
        "The 'module__hidden_units' parameter of {net} must be a sequence of "
        "positive integers (hidden_units of MultiTaskMLP). Got (0,) instead.",
    ),
    (
        {"module__hidden_units": (-3,)},
        "The 'module__hidden_units' parameter of {net} must be a sequence of "
        "positive integers (hidden_units of MultiTaskMLP). Got (-3,) instead.",
    ),
    (
        {"module__dropout": 2.0},
        "The 'module__dropout' parameter of {net} must be a real number >= 0.0 "
        "and <= 1.0 (dropout of MultiTaskMLP). Got 2.0 instead.",
    ),
    (
        {"module__hiden_units": (4,)},
        "Got module__hiden_units=(4,), but MultiTaskMLP has no parameter "
        "'hiden_units'; its parameters are ['hidden_units', 'dropout', "
        "'activation', 'batch_norm', 'head_hidden_units', 'head_dropout', "
        "'trunk']. Did you mean module__hidden_units?",
    ),
    # the weighting strategy's, likewise
    (
        {"weighting": "dwa", "weighting__temperature": -1.0},
        "The 'weighting__temperature' parameter of {net} must be > 0 (temperature "
        "of DynamicWeightAverage). Got -1.0 instead.",
    ),
    (
        {"optimizer": torch.optim.SGD, "optimizer__momentom": 0.9},
        "Got optimizer__momentom=0.9, but SGD has no parameter 'momentom'; its "
        "parameters are ['lr', 'momentum', 'dampening', 'weight_decay', "
        "'nesterov', 'maximize', 'foreach', 'differentiable', 'fused']. Did you "
        "mean optimizer__momentum?",
    ),
]
NET_SPECIFIC_CASES = [
    (
        MultiTaskNetRegressor,
        {"standardize_targets": "a"},
        invalid(
            "standardize_targets",
            "an instance of 'bool' or an instance of 'numpy.bool'",
            "'a'",
        ),
    ),
    (
        MultiTaskNet,
        {"standardize_targets": "a"},
        invalid(
            "standardize_targets",
            "an instance of 'bool' or an instance of 'numpy.bool'",
            "'a'",
        ),
    ),
    (
        MultiTaskNet,
        {"task_types": 3},
        invalid(
            "task_types",
            "an instance of 'str', an instance of 'list', an instance of 'tuple' "
            "or an instance of 'dict'",
            3,
        ),
    ),
    (
        MultiTaskNetClassifier,
        {"missing_label": [-1]},
        invalid(
            "missing_label",
            "an instance of 'float', an instance of 'str' or None",
            [-1],
        ),
    ),
]
CASES = [(net, params, message) for net in NETS for params, message in PARAMETER_CASES]
CASES += NET_SPECIFIC_CASES


@pytest.mark.parametrize(
    ("net_class", "params", "message"),
    CASES,
    ids=[f"{net.__name__}-{sorted(params)[-1]}" for net, params, _ in CASES],
)
def test_invalid_parameter_is_named_at_fit(net_class, params, message):
    X, Y = fit_data(net_class, n_samples=30)
    net = net_class(**{"max_epochs": 1, **SMALL, **params})  # no error before fit
    with raises(InvalidParameterError, message.replace("{net}", net_class.__name__)):
        net.fit(X, Y)


@pytest.mark.parametrize("net_class", NETS)
def test_partial_fit_validates_the_parameters_too(net_class):
    X, Y = fit_data(net_class, n_samples=30)
    net = net_class(batch_size=0, **SMALL)
    with pytest.raises(InvalidParameterError, match=r"^The 'batch_size' parameter"):
        net.partial_fit(X, Y)


@pytest.mark.parametrize("net_class", NETS)
def test_every_constructor_parameter_has_a_constraint(net_class):
    params = net_class().get_params(deep=False)
    assert set(params) <= set(net_class._parameter_constraints)


def test_skorch_prefixed_arguments_keep_working():
    X, Y = regression_data()
    sizes = []

    class BatchSizes(Callback):
        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training:
                sizes.append(len(batch[0]))

    net = MultiTaskNetRegressor(
        optimizer=torch.optim.SGD,
        optimizer__momentum=0.9,
        optimizer__nesterov=True,
        iterator_train__shuffle=False,
        iterator_train__drop_last=True,
        iterator_valid__batch_size=7,
        batch_size=20,
        max_epochs=2,
        callbacks=[BatchSizes()],
        **SMALL,
    ).fit(X, Y)
    assert net.optimizer_.defaults["momentum"] == 0.9
    assert net.optimizer_.defaults["nesterov"] is True
    assert sizes == [20, 20] * 2  # 48 training rows, the last 8 dropped
    assert net.history[-1, "valid_batch_count"] == 2  # 12 rows, batches of 7


def test_a_torch_optimizer_class_and_a_device_object_are_accepted():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        optimizer=torch.optim.AdamW, device=torch.device("cpu"), max_epochs=1, **SMALL
    ).fit(X, Y)
    assert isinstance(net.optimizer_, torch.optim.AdamW)


# ------------------------------------------------------ 2. validation split
def test_one_row_fit_says_the_split_needs_more_rows():
    X, Y = regression_data()
    with raises(
        ValueError,
        "MultiTaskNetRegressor holds out validation_fraction=0.2 of the rows for "
        "early stopping (train_split='auto'), which needs a task with at least 2 "
        "labels, one to train on and one to validate on; got n_samples=1 and at "
        "most 1 label(s) per task. Set early_stopping=False (or "
        "validation_fraction=None) to train on every row.",
    ):
        MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X[:1], Y[:1])
    net = MultiTaskNetRegressor(max_epochs=1, early_stopping=False, **SMALL)
    assert net.fit(X[:1], Y[:1]).predict(X[:2]).shape == (2, 2)


def test_two_row_fit_trains_on_one_and_validates_on_the_other():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X[:2], Y[:2])
    assert net.history[-1, "train_batch_count"] == 1
    assert net.history[-1, "valid_batch_count"] == 1
    assert np.isfinite(net.history[:, "valid_loss"]).all()


def test_a_user_split_that_cannot_split_says_so():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        max_epochs=1, train_split=ValidSplit(0.2, random_state=0), **SMALL
    )
    with pytest.raises(
        ValueError,
        match=r"^train_split could not split the 1 row given to fit: With "
        r"n_samples=1, test_size=0\.2 and train_size=None, the resulting train set "
        r"will be empty\. .* Set train_split='auto' or None, or fit on more rows\.$",
    ):
        net.fit(X[:1], Y[:1])


def sparse_targets(seed, n_samples=50, n_tasks=6):
    """Tasks with 1 to 12 labels, some of them on the same rows."""
    rng = np.random.default_rng(seed)
    Y = np.full((n_samples, n_tasks), np.nan)
    for t in range(n_tasks):
        rows = rng.choice(n_samples, size=rng.integers(1, 13), replace=False)
        Y[rows, t] = rng.standard_normal(rows.size)
    return Y


@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.5, 0.8])
def test_auto_split_keeps_every_task_on_both_sides(fraction):
    for seed in range(30):
        Y = sparse_targets(seed)
        mask = ~np.isnan(Y)
        valid = TaskAwareValidSplit(fraction).validation_rows(Y)
        n_labels = mask.sum(axis=0)
        in_train = (mask & ~valid[:, None]).sum(axis=0)
        in_valid = (mask & valid[:, None]).sum(axis=0)
        assert (in_train >= 1).all(), seed
        assert (in_valid[n_labels >= 2] >= 1).all(), seed
        # the same rows give the same split
        assert_array_equal(TaskAwareValidSplit(fraction).validation_rows(Y), valid)


def test_auto_split_with_groups_holds_out_whole_groups():
    rng = np.random.default_rng(0)
    for seed in range(20):
        Y = sparse_targets(seed)
        n_samples = Y.shape[0]
        groups = rng.integers(0, 12, size=n_samples)
        mask = ~np.isnan(Y)
        valid = TaskAwareValidSplit(0.2, random_state=seed).validation_rows(
            Y, groups=groups
        )
        # every group on one side only; every task keeps a training label
        assert not set(groups[valid]) & set(groups[~valid]), seed
        assert ((mask & ~valid[:, None]).sum(axis=0) >= 1).all(), seed
        assert (mask & valid[:, None]).any(), seed
        assert_array_equal(
            TaskAwareValidSplit(0.2, random_state=seed).validation_rows(
                Y, groups=groups
            ),
            valid,
        )


@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.5])
def test_auto_split_with_groups_is_about_the_fraction_of_the_rows(fraction):
    # Fully labelled rows: groups are held out while that brings the count
    # closer to the target, so it ends within half the largest group of it.
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((300, 2))
    groups = rng.integers(0, 25, size=300)
    valid = TaskAwareValidSplit(fraction).validation_rows(Y, groups=groups)
    largest = np.bincount(groups).max()
    assert abs(valid.sum() - fraction * 300) <= largest / 2


def test_auto_split_with_a_few_large_groups_holds_out_the_smallest():
    Y = np.ones((10, 1))
    groups = np.array([0] * 6 + [1] * 4)  # either group is over 2 rows off 20%
    valid = TaskAwareValidSplit(0.2).validation_rows(Y, groups=groups)
    assert_array_equal(valid, groups == 1)


def test_auto_split_with_one_group_says_so():
    with raises(
        ValueError,
        "The net holds out whole groups for early stopping (train_split='auto' "
        "with groups), which needs a group with labels that are not a task's "
        "only training labels; got 1 group(s). Give more groups, or set "
        "early_stopping=False (or validation_fraction=None) to train on every row.",
    ):
        TaskAwareValidSplit(0.2).validation_rows(np.ones((10, 2)), groups=[7] * 10)


def test_auto_split_is_a_fraction_of_the_rows_and_of_each_rare_class():
    rng = np.random.default_rng(0)
    n = 500
    Y = np.column_stack(
        [
            (rng.random(n) < 0.04).astype(float),  # 20 positives among 500
            rng.standard_normal(n),
        ]
    )
    Y[rng.random(n) < 0.3, 1] = np.nan
    valid = TaskAwareValidSplit(0.2).validation_rows(Y)
    assert valid.sum() == 100
    positives = Y[:, 0] == 1
    assert (valid & positives).sum() == round(0.2 * positives.sum())
    # a large stratum is drawn at random: about the fraction of it
    labelled = ~np.isnan(Y[:, 1])
    assert abs((valid & labelled).sum() - 0.2 * labelled.sum()) < 0.05 * n


def test_the_nets_split_stratifies_the_classes_they_found():
    X, Y = classification_data(n_samples=60)
    Y[:, 1] = 0.0
    Y[[3, 17, 40], 1] = 1.0  # a rare class: 3 of 60
    net = MultiTaskNetClassifier(max_epochs=1, **SMALL).fit(X, Y)
    split = net._resolved_train_split().split
    assert split.task_kinds == net.task_kinds_ == ("binary", "binary")
    valid = split.validation_rows(Y)
    assert valid.sum() == 12
    assert 1 <= (valid & (Y[:, 1] == 1)).sum() <= 2  # the class on both sides


def test_auto_split_of_many_rows_is_fast():
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((200_000, 2))
    Y[rng.random(Y.shape) < 0.3] = np.nan
    start = time.perf_counter()
    valid = TaskAwareValidSplit(0.2).validation_rows(Y)
    assert time.perf_counter() - start < 2.0  # about 0.1 s: rows drawn at random
    assert valid.sum() == 40_000


def test_auto_split_reuses_the_stratified_kfold_placement():
    # With equal shares, the split is a fold of MultiTaskStratifiedKFold(2).
    Y = np.array(
        [[0, np.nan], [1, 1], [0, 0], [1, np.nan], [np.nan, 1], [0, 0], [1, 1], [1, 0]]
    )
    valid = TaskAwareValidSplit(0.5, random_state=0).validation_rows(Y)
    folds = list(MultiTaskStratifiedKFold(2, shuffle=True, random_state=0).split(Y, Y))
    assert any(set(np.flatnonzero(valid)) == set(test) for _, test in folds)


def test_the_default_split_gives_a_rare_task_a_training_label():
    X, Y = regression_data(n_samples=40)
    Y[:, 1] = np.nan
    Y[[4, 10], 1] = [1.0, 2.0]  # two labels: one on each side
    net = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X, Y)
    assert np.isfinite(net.history[:, "train_loss_task1"]).all()
    assert np.isfinite(net.history[:, "valid_loss_task1"]).all()
    # skorch's random split holds both out: the head of task 1 would not train
    train, _ = ValidSplit(0.2, random_state=0)(np.zeros(40), Y)
    assert np.isnan(Y[train.indices, 1]).all()


def test_a_user_split_leaving_a_task_without_training_label_is_an_error():
    X, Y = regression_data(n_samples=40)
    Y = pd.DataFrame(Y, columns=["price", "volume"])
    Y.iloc[:, 1] = np.nan
    Y.iloc[[4, 10], 1] = [1.0, 2.0]  # both among ValidSplit's validation rows
    net = MultiTaskNetRegressor(
        max_epochs=2, train_split=ValidSplit(0.2, random_state=0), **SMALL
    )
    with raises(
        ValueError,
        "Task 'volume' (index 1) has no label in the training rows of train_split "
        "(its 2 label(s) are all in the validation rows): its head would keep its "
        "initial weights. Use train_split='auto', which keeps every task on both "
        "sides, or a split that leaves every task a training label.",
    ):
        net.fit(X, Y)


def test_a_task_without_validation_label_is_quiet():
    X, Y = regression_data(n_samples=40)
    Y[:, 1] = np.nan
    Y[0, 1] = 1.0  # one label: trained on, never validated
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X, Y)
    assert np.isnan(net.history[:, "valid_loss_task1"]).all()
    assert np.isfinite(net.history[:, "train_loss_task1"]).all()
    assert np.isfinite(net.history[:, "valid_loss"]).all()


def test_validation_rows_without_any_label_are_an_error_not_a_numpy_warning():
    X, Y = regression_data(n_samples=40)
    Y[30:] = np.nan

    def last_rows(dataset, y):
        from torch.utils.data import Subset

        return Subset(dataset, np.arange(30)), Subset(dataset, np.arange(30, 40))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with raises(
            ValueError,
            "Early stopping monitors 'valid_loss', which is nan at epoch 1: no task "
            "could be evaluated on the validation rows (no observed label there, or "
            "a single class for a ranking metric). Hold out more rows "
            "(validation_fraction), give a validation set with labels of the tasks "
            "(train_split), or set early_stopping=False.",
        ):
            MultiTaskNetRegressor(max_epochs=2, train_split=last_rows, **SMALL).fit(
                X, Y
            )
        net = MultiTaskNetRegressor(
            max_epochs=2, train_split=last_rows, early_stopping=False, **SMALL
        ).fit(X, Y)
    assert np.isnan(net.history[:, "valid_loss"]).all()


# ------------------------------------------------------ 3. loss, overflow
def test_loss_explosion_without_non_finite_values_is_an_error():
    # Adam at lr=1e6: the logits grow to 1e20 and the losses with them, but the
    # binary cross-entropy of finite logits stays finite.
    X, Y = classification_data()
    net = MultiTaskNetClassifier(max_epochs=5, lr=1e6, **SMALL)
    with pytest.raises(
        FloatingPointError,
        match=r"^Training loss diverged at epoch 2: task 0 has loss \d\.\d+e\+\d+ "
        r"\(at the start of training: 0\.\d+\), task 1 has loss .*\. The weights "
        r"are no longer usable; lower the learning rate \(lr\), scale the inputs, "
        r"or keep the targets standardized\.$",
    ):
        net.fit(X, Y)
    losses = net.history[:, "train_loss_task0"]
    assert np.isfinite(losses).all() and max(losses) > 1e6


def test_a_sound_fit_never_comes_close_to_the_divergence_limit():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=30, lr=0.05, **SMALL).fit(X, Y)
    reference = dict(net.callbacks_)["loss_divergence"].reference_
    # the untrained network's loss on standardized targets: about 1
    assert ((reference > 0.3) & (reference < 3)).all()
    assert max(net.history[:, "train_loss"]) < 10


def test_targets_whose_standardization_overflows_are_an_error():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=1, **SMALL)
    size = np.abs(Y[:, 0]).max() * 1e200
    with raises(
        ValueError,
        "Expected labels whose squares float64 can sum; task 0 holds labels up to "
        f"{size:.3g} in size, and their standardization overflows. Rescale the "
        "targets (divide Y by a constant).",
    ):
        net.fit(X, Y * 1e200)
    with raises(
        ValueError,
        "Expected labels that float32, the network's precision, can hold; task 0 "
        f"holds labels up to {size:.3g} in size (float32 holds up to 3.4e+38). "
        "Rescale the targets (divide Y by a constant), or keep "
        "standardize_targets=True.",
    ):
        net.set_params(standardize_targets=False).fit(X, Y * 1e200)


def test_large_targets_that_float64_can_standardize_give_finite_predictions():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=3, **SMALL).fit(X, Y * 1e150)
    predictions = net.predict(X)
    assert np.isfinite(predictions).all()
    assert_allclose(net.target_scale_, Y.std(axis=0) * 1e150, rtol=1e-6)


def test_predictions_are_never_infinite():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X, Y)
    with raises(
        ValueError,
        "Expected finite network outputs; task 0 has NaN or infinite outputs on 1 "
        "of the 2 rows. The net's weights are not usable (its fit ended with an "
        "error), or these rows of X hold values far outside those it was fitted on.",
    ):
        net.predict(np.r_[np.full((1, 3), -3e38), X[:1]])
    with torch.no_grad():
        net.module_.heads.layers.bias[1] = float("inf")
    with pytest.raises(ValueError, match=r"^Expected finite network outputs; task 1"):
        net.predict(X)


# ------------------------------------------------------ 4. KeyboardInterrupt
class InterruptAt(Callback):
    """Raises KeyboardInterrupt once, in the first training batch of an epoch
    (``where="batch"``: as Ctrl+C would), or at the end of an epoch
    (``where="epoch"``: the way skorch's callbacks stop training)."""

    def __init__(self, epoch, where="batch"):
        self.epoch = epoch
        self.where = where

    def initialize(self):
        self.raised_ = False
        return self

    def _interrupt(self, net, where):
        if where == self.where and len(net.history) == self.epoch and not self.raised_:
            self.raised_ = True
            raise KeyboardInterrupt

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self._interrupt(net, "batch")

    def on_epoch_end(self, net, **kwargs):
        self._interrupt(net, "epoch")


FULL_BATCHES = {**SMALL, "batch_size": 16, "iterator_train__shuffle": False}


@pytest.mark.parametrize("early_stopping", [False, True])
def test_interrupted_fit_keeps_the_last_completed_epoch_and_raises(early_stopping):
    X, Y = regression_data()
    params = {**FULL_BATCHES, "early_stopping": early_stopping, "n_iter_no_change": 50}
    net = MultiTaskNetRegressor(
        max_epochs=20, callbacks=[InterruptAt(3)], lr=0.05, **params
    )
    kept = "the weights of epoch 2, the last completed one"
    if early_stopping:
        net.set_params(callbacks=[InterruptAt(3)])
    with pytest.raises(KeyboardInterrupt) as info:
        net.fit(X, Y)
    # the net as a fit of 2 epochs leaves it (no half-done third epoch)
    two_epochs = MultiTaskNetRegressor(max_epochs=2, lr=0.05, **params).fit(X, Y)
    if early_stopping:
        kept = (
            f"the weights of epoch {two_epochs.best_epoch_}, the best one so far "
            "(early stopping)"
        )
    assert str(info.value) == (
        "Training of MultiTaskNetRegressor interrupted during epoch 3; the net "
        f"keeps {kept}, and the history of the completed epochs (interrupted_ is "
        "True)."
    )
    assert net.interrupted_ is True
    assert net.n_iter_ == len(net.history) == 2
    assert net.best_epoch_ == two_epochs.best_epoch_
    assert_array_equal(net.predict(X), two_epochs.predict(X))
    assert net.history[:, "train_loss"] == two_epochs.history[:, "train_loss"]
    assert two_epochs.interrupted_ is False
    # nothing of the fit's bookkeeping is kept or pickled
    assert not {"_completed_state", "_epoch_open"} & set(vars(net))
    restored = pickle.loads(pickle.dumps(net))
    assert_array_equal(restored.predict(X), net.predict(X))


def test_interrupted_first_epoch_keeps_the_initial_weights():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=5, callbacks=[InterruptAt(1)], **SMALL)
    with pytest.raises(KeyboardInterrupt, match="no epoch was completed"):
        net.fit(X, Y)
    untrained = MultiTaskNetRegressor(max_epochs=0, **SMALL).fit(X, Y)
    assert len(net.history) == net.n_iter_ == 0
    assert_array_equal(net.predict(X), untrained.predict(X))


def test_interrupted_partial_fit_keeps_the_earlier_calls():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        max_epochs=3, callbacks=[InterruptAt(4)], **FULL_BATCHES
    )
    net.partial_fit(X, Y)
    before = net.predict(X)
    with pytest.raises(KeyboardInterrupt, match="during epoch 4"):
        net.partial_fit(X, Y)
    assert len(net.history) == 3 and net.n_iter_ == 0 and net.interrupted_
    assert_array_equal(net.predict(X), before)
    net.partial_fit(X, Y)  # the callback raises once
    assert len(net.history) == 6 and net.interrupted_ is False


def test_a_callback_that_stops_at_the_end_of_an_epoch_is_not_an_interruption():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        max_epochs=10, callbacks=[InterruptAt(3, where="epoch")], **SMALL
    ).fit(X, Y)
    assert len(net.history) == net.n_iter_ == 3 and net.interrupted_ is False
    stopped = MultiTaskNetRegressor(
        max_epochs=200,
        early_stopping=False,
        train_split=None,
        callbacks=[EarlyStopping(monitor="train_loss", patience=1, threshold=10)],
        **SMALL,
    ).fit(X, Y)
    assert len(stopped.history) == 2 and stopped.interrupted_ is False


def test_max_epochs_zero_is_not_an_interruption():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=0, **SMALL).fit(X, Y)
    assert net.interrupted_ is False and net.n_iter_ == 0


# ------------------------------------------------ 5. the shared checks
def test_zero_weight_task_message_is_the_linear_models_one():
    X, Y = regression_data()
    Y[5:, 1] = np.nan
    weights = np.r_[np.zeros(5), np.ones(55)]
    with pytest.raises(ValueError) as linear:
        MultiTaskLasso(alpha=0.01).fit(X, Y, sample_weight=weights)
    with pytest.raises(ValueError) as net:
        MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y, sample_weight=weights)
    assert str(net.value) == str(linear.value)
    assert str(net.value).startswith("Task 1 has no observed label with a non-zero")


@pytest.mark.parametrize("net_class", NETS)
def test_score_with_another_number_of_tasks_names_the_fitted_tasks(net_class):
    X, Y = fit_data(net_class)
    net = net_class(max_epochs=1, **SMALL).fit(X, Y)
    with raises(
        ValueError,
        f"Expected y with 2 columns, one per task {net_class.__name__} was fitted "
        "on; got y of shape (60, 3) instead.",
    ):
        net.score(X, np.column_stack([Y, Y[:, 0]]))
    with raises(
        ValueError,
        f"Expected y with 2 columns, one per task {net_class.__name__} was fitted "
        "on; got y of shape (60,) instead.",
    ):
        net.score(X, Y[:, 0])


# ---------------------------------------- 6. module errors the user can fix
def test_a_trunk_that_does_not_take_the_samples_says_so():
    X, Y = regression_data()
    trunk = torch.nn.Linear(5, 8)
    net = MultiTaskNetRegressor(module__trunk=trunk, max_epochs=1, verbose=0)
    with raises(
        ValueError,
        f"The trunk (module__trunk={trunk!r}) fails on a batch of samples of shape "
        "(3,), the shape of X's rows: mat1 and mat2 shapes cannot be multiplied "
        "(2x3 and 5x8). Give the trunk an input size that matches X.",
    ):
        net.fit(X, Y)


def test_a_module_whose_outputs_do_not_match_the_heads_says_so():
    class TooWide(torch.nn.Module):
        def __init__(self, input_shape, output_sizes):
            super().__init__()
            self.layer = torch.nn.Linear(input_shape[0], sum(output_sizes) + 1)

        def forward(self, X):
            return self.layer(X)

    X, Y = regression_data()
    with pytest.raises(
        ValueError,
        match=r"^Expected the module to return outputs of shape \(batch, 2\) \(the "
        r"tasks' outputs concatenated: \[1, 1\]\); got \(\d+, 3\) instead\.$",
    ):
        MultiTaskNetRegressor(module=TooWide, max_epochs=1, verbose=0).fit(X, Y)


class BatchSizes(Callback):
    def initialize(self):
        self.sizes_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and len(net.history) == 1:
            self.sizes_.append(len(batch[0]))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"module__batch_norm": True}, [16, 17]),
        ({"module__batch_norm": True, "iterator_train__pin_memory": False}, [16, 17]),
        ({"module__batch_norm": True, "iterator_train__drop_last": True}, [16, 16]),
        ({"module__batch_norm": False}, [16, 16, 1]),
    ],
    ids=["batch-norm", "skorch-loader", "drop-last", "no-batch-norm"],
)
def test_a_last_batch_of_one_row_joins_the_one_before_under_batch_norm(
    params, expected
):
    X, Y = regression_data(n_samples=33)
    sizes = BatchSizes()
    net = MultiTaskNetRegressor(
        max_epochs=2,
        batch_size=16,
        train_split=None,
        callbacks=[("sizes", sizes)],
        **{**SMALL, **params},
    ).fit(X, Y)
    assert sizes.sizes_ == expected
    assert net.history[0, "train_batch_count"] == len(expected)
    assert np.isfinite(net.predict(X)).all()


def test_batch_norm_with_batches_of_one_row_is_an_error():
    X, Y = regression_data()
    message = (
        "MultiTaskNetRegressor's module normalizes over the rows of each batch "
        "(BatchNorm1d), which needs training batches of at least 2 rows; {}. Fit "
        "on more rows with a larger batch_size, or without batch normalization "
        "(module__batch_norm=False)."
    )
    params = {**SMALL, "module__batch_norm": True, "max_epochs": 1}
    with raises(ValueError, message.format("the training rows hold 1 row")):
        MultiTaskNetRegressor(train_split=None, **params).fit(X[:1], Y[:1])
    with raises(ValueError, message.format("got batch_size=1")):
        MultiTaskNetRegressor(batch_size=1, **params).fit(X, Y)
