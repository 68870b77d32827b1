"""Early stopping of the nets (best epoch restored) and their verbosity rule."""

import pickle
import re

import numpy as np
import pytest
import sklearn
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, cross_validate
from skorch.callbacks import Callback, Checkpoint
from skorch.dataset import Dataset, ValidSplit
from skorch.helper import predefined_split

from sklearn_mtl.datasets import (
    make_multitask_classification,
    make_multitask_regression,
)
from sklearn_mtl.model_selection import compare_estimators
from sklearn_mtl.neural import (
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural._validation_split import TaskAwareValidSplit

# Small and fast to overfit: early stopping triggers within a few dozen epochs.
NET = {
    "module__hidden_units": (32,),
    "lr": 0.02,
    "batch_size": 32,
    "verbose": 0,
    "random_state": 0,
}


@pytest.fixture(scope="module")
def data():
    X, Y = make_multitask_regression(
        n_samples=120,
        n_features=8,
        n_tasks=3,
        noise=5.0,
        missing_rate=0.2,
        random_state=0,
    )
    return X.astype(np.float32), Y


@pytest.fixture(scope="module")
def classification_data():
    X, Y = make_multitask_classification(
        n_samples=160, n_features=8, n_tasks=3, missing_rate=0.1, random_state=0
    )
    return X.astype(np.float32), Y


# The split of train_split="auto" (validation_fraction=0.2), given explicitly to
# the fits without early stopping that replay it.
AUTO_SPLIT = TaskAwareValidSplit(0.2, random_state=0)


def expected_stop(values, patience, tol):
    """The epoch (1-based) at which the rule stops, and the best epoch, by hand."""
    best, best_epoch, misses = np.inf, None, 0
    for epoch, value in enumerate(values, start=1):
        if value < best - tol:
            misses = 0
        else:
            misses += 1
        if value < best:
            best, best_epoch = value, epoch
        if misses >= patience:
            return epoch, best_epoch
    return len(values), best_epoch


# ----------------------------------------------------------- the rule
@pytest.mark.parametrize("tol", [0.0, 0.01])
def test_stops_where_the_rule_says_and_restores_the_best_epoch(data, tol):
    X, Y = data
    patience = 4
    # The same training without early stopping, on the same split: the
    # validation curve the rule reads.
    free = MultiTaskNetRegressor(
        max_epochs=60,
        early_stopping=False,
        train_split=AUTO_SPLIT,
        **NET,
    ).fit(X, Y)
    stop, best = expected_stop(free.history[:, "valid_loss"], patience, tol)
    assert stop < 60  # the case tests something

    net = MultiTaskNetRegressor(
        max_epochs=60, n_iter_no_change=patience, tol=tol, **NET
    ).fit(X, Y)
    assert net.n_iter_ == len(net.history) == stop
    assert net.best_epoch_ == best
    assert_allclose(net.history[:, "valid_loss"], free.history[:stop, "valid_loss"])

    # The restored weights are those of the best epoch: a fit that ends there.
    at_best = MultiTaskNetRegressor(
        max_epochs=best,
        early_stopping=False,
        train_split=AUTO_SPLIT,
        **NET,
    ).fit(X, Y)
    assert_array_equal(net.predict(X), at_best.predict(X))


def test_weighting_state_restored(classification_data):
    X, Y = classification_data
    params = {**NET, "weighting": "uncertainty", "n_iter_no_change": 3}
    net = MultiTaskNetClassifier(max_epochs=80, **params).fit(X, Y)
    assert net.best_epoch_ < net.n_iter_  # something to restore
    at_best = MultiTaskNetClassifier(
        max_epochs=net.best_epoch_,
        early_stopping=False,
        train_split=AUTO_SPLIT,
        **params,
    ).fit(X, Y)
    for (name, value), (_, expected) in zip(
        net.weighting_.state_dict().items(),
        at_best.weighting_.state_dict().items(),
        strict=True,
    ):
        assert_array_equal(value, expected, err_msg=name)
    assert_allclose(net.predict_proba(X)[0], at_best.predict_proba(X)[0])


def test_scoring_monitors_a_per_task_score(classification_data):
    X, Y = classification_data
    net = MultiTaskNetClassifier(
        max_epochs=80, scoring="roc_auc", n_iter_no_change=5, **NET
    ).fit(X, Y)
    scores = net.history[:, "valid_roc_auc"]
    assert net.best_epoch_ == int(np.argmax(scores)) + 1  # first maximum
    assert len(net.history) == net.n_iter_ < 80
    assert net.history[0, "valid_roc_auc_task0"] == pytest.approx(
        net.history[0, "valid_roc_auc_task0"]
    )
    assert {"valid_roc_auc_task0", "valid_roc_auc_task2"} <= set(net.history[-1])


def test_per_task_best_flags_follow_each_task_minimum(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=15, early_stopping=False, **NET)
    net.set_params(train_split=ValidSplit(0.2, random_state=0)).fit(X, Y)
    for phase in ("train", "valid"):
        for key in net.task_history_keys(f"{phase}_loss"):
            values = np.array(net.history[:, key])
            running_min = np.minimum.accumulate(values)
            expected = np.r_[True, values[1:] < running_min[:-1]]
            assert net.history[:, f"{key}_best"] == expected.tolist()


def test_checkpoint_on_one_task_best_flag(data, tmp_path):
    X, Y = data
    checkpoint = Checkpoint(
        monitor="valid_loss_task1_best", dirname=str(tmp_path), load_best=True
    )
    net = MultiTaskNetRegressor(
        max_epochs=25, early_stopping=False, callbacks=[checkpoint], **NET
    )
    net.set_params(train_split=ValidSplit(0.2, random_state=0)).fit(X, Y)
    best = int(np.argmin(net.history[:, "valid_loss_task1"])) + 1
    at_best = MultiTaskNetRegressor(
        max_epochs=best,
        early_stopping=False,
        train_split=ValidSplit(0.2, random_state=0),
        **NET,
    ).fit(X, Y)
    assert_array_equal(net.predict(X), at_best.predict(X))


# ---------------------------------------------------- on, off and auto
def test_early_stopping_false_trains_all_rows_for_max_epochs(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=7, early_stopping=False, **NET).fit(X, Y)
    no_split = MultiTaskNetRegressor(max_epochs=7, train_split=None, **NET).fit(X, Y)
    assert net.n_iter_ == 7 and net.best_epoch_ is None
    assert "valid_loss" not in net.history[-1]
    assert_array_equal(net.predict(X), no_split.predict(X))
    assert no_split.best_epoch_ is None and no_split.n_iter_ == 7


def test_regressor_halves_the_rate_on_a_validation_plateau(data):
    """The regressor's default schedule is torch's ReduceLROnPlateau(factor=0.5,
    patience=3) fed the validation losses of the history."""
    X, Y = data
    net = MultiTaskNetRegressor(**{**NET, "n_iter_no_change": 30, "max_epochs": 30})
    net.fit(X, Y)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=NET["lr"])
    reference = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, factor=0.5, patience=3
    )
    expected = []
    for loss in net.history[:, "valid_loss"]:
        expected.append(optimizer.param_groups[0]["lr"])
        reference.step(loss)
    assert_allclose(net.history[:, "event_lr"], expected)
    assert expected[-1] < NET["lr"] / 2  # halved at least twice
    assert net.optimizer_.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]


@pytest.mark.parametrize(
    "params",
    [{"callbacks__lr_scheduler": None}, {"early_stopping": False}],
    ids=["turned-off", "no-validation"],
)
def test_regressor_rate_constant_without_the_schedule_or_validation(data, params):
    X, Y = data
    net = MultiTaskNetRegressor(**{**NET, "max_epochs": 8, **params}).fit(X, Y)
    assert "event_lr" not in net.history[-1]
    assert net.optimizer_.param_groups[0]["lr"] == NET["lr"]


def test_classifier_keeps_a_constant_rate(classification_data):
    X, Y = classification_data
    net = MultiTaskNetClassifier(**{**NET, "max_epochs": 3}).fit(X, Y)
    assert "lr_scheduler" not in dict(net.callbacks_)
    assert net.optimizer_.param_groups[0]["lr"] == NET["lr"]


def test_auto_uses_a_user_split(data):
    X, Y = data
    X_valid, Y_valid = X[:30], Y[:30]
    net = MultiTaskNetRegressor(
        max_epochs=200,
        train_split=predefined_split(Dataset(X_valid, Y_valid)),
        n_iter_no_change=3,
        **NET,
    ).fit(X[30:], Y[30:])
    assert net.n_iter_ < 200
    assert net.best_epoch_ == int(np.argmin(net.history[:, "valid_loss"])) + 1


def test_validation_fraction_sets_the_split(data):
    X, Y = data
    params = {**NET, "max_epochs": 8, "n_iter_no_change": 50}
    net = MultiTaskNetRegressor(validation_fraction=0.3, **params).fit(X, Y)
    same = MultiTaskNetRegressor(
        train_split=TaskAwareValidSplit(0.3, random_state=0), **params
    ).fit(X, Y)
    assert_allclose(net.history[:, "valid_loss"], same.history[:, "valid_loss"])
    # 36 of the 120 rows: 2 batches of 32
    assert net.history[-1, "valid_batch_count"] == 2
    off = MultiTaskNetRegressor(validation_fraction=None, **params).fit(X, Y)
    assert off.best_epoch_ is None and "valid_loss" not in off.history[-1]


def test_partial_fit_validates_without_stopping(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=6, n_iter_no_change=1, **NET)
    net.partial_fit(X, Y)
    assert net.n_iter_ == 6 and net.best_epoch_ is None
    net.partial_fit(X, Y)
    assert net.n_iter_ == 6 and len(net.history) == 12
    # On the split fit would use (the same history, the last weights).
    fitted = MultiTaskNetRegressor(
        max_epochs=6,
        early_stopping=False,
        train_split=AUTO_SPLIT,
        **NET,
    ).fit(X, Y)
    assert_allclose(net.history[:6, "valid_loss"], fitted.history[:, "valid_loss"])


def test_refit_counts_the_new_fit(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=6, **NET).fit(X, Y)
    net.set_params(max_epochs=3).fit(X, Y)
    assert net.n_iter_ == len(net.history) == 3


def test_warm_start_fit_counts_its_own_epochs(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=5, warm_start=True, **NET)
    net.set_params(n_iter_no_change=100).fit(X, Y)
    net.fit(X, Y)
    assert net.n_iter_ == 5 and len(net.history) == 10
    # Best epoch of the second fit, numbered as in the history.
    assert net.best_epoch_ == int(np.argmin(net.history[5:, "valid_loss"])) + 6


def test_mixed_net_stops_early():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4)).astype(np.float32)
    Y = np.empty((150, 2), dtype=object)
    Y[:, 0] = X[:, 0] + 0.5 * rng.normal(size=150)
    Y[:, 1] = np.where(X[:, 1] > 0, "a", "b")
    net = MultiTaskNet(max_epochs=200, n_iter_no_change=3, **NET).fit(X, Y)
    assert net.n_iter_ < 200
    assert net.best_epoch_ == int(np.argmin(net.history[:, "valid_loss"])) + 1


def test_callback_not_pickled_with_weights(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=3, **NET).fit(X, Y)
    callback = dict(net.callbacks_)["early_stopping"]
    assert getattr(callback, "best_state_", None) is None
    restored = pickle.loads(pickle.dumps(net))
    assert_array_equal(restored.predict(X), net.predict(X))


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"early_stopping": "yes"},
            "The 'early_stopping' parameter of MultiTaskNetRegressor must be a str "
            "among {'auto'} or an instance of 'bool'",
        ),
        (
            {"validation_fraction": 1.5},
            r"The 'validation_fraction' parameter of MultiTaskNetRegressor must be "
            r"a float in the range \(0.0, 1.0\) or None. Got 1.5 instead.",
        ),
        (
            {"n_iter_no_change": 0},
            r"The 'n_iter_no_change' parameter of MultiTaskNetRegressor must be an "
            r"int in the range \[1, inf\). Got 0 instead.",
        ),
        (
            {"tol": -1.0},
            r"The 'tol' parameter of MultiTaskNetRegressor must be a float in the "
            r"range \[0.0, inf\). Got -1.0 instead.",
        ),
        (
            {"verbose": "loud"},
            "The 'verbose' parameter of MultiTaskNetRegressor must be a str among "
            "{'auto'} or an int",
        ),
        (
            {"early_stopping": True, "train_split": None},
            "early_stopping=True needs a validation set",
        ),
        (
            {"early_stopping": True, "validation_fraction": None},
            "early_stopping=True needs a validation set",
        ),
    ],
)
def test_invalid_parameters(data, params, message):
    X, Y = data
    with pytest.raises(ValueError, match=message):
        MultiTaskNetRegressor(max_epochs=1, **{**NET, **params}).fit(X, Y)


def test_no_validation_set_from_a_user_split_is_an_error(data):
    X, Y = data
    net = MultiTaskNetRegressor(
        max_epochs=2, early_stopping=True, train_split=lambda ds, y: (ds, None), **NET
    )
    with pytest.raises(ValueError, match="train_split gave no validation set"):
        net.fit(X, Y)


# ------------------------------------------------------------------ groups
def group_labels(n_samples, n_groups=12, seed=0):
    return np.random.default_rng(seed).integers(0, n_groups, size=n_samples)


def test_groups_stop_on_whole_groups_as_a_predefined_split(classification_data):
    # fit(X, Y, groups=...) validates on whole groups: the same fit as one on
    # the other rows, with those groups as a predefined validation set.
    X, Y = classification_data
    groups = group_labels(len(X))
    net = MultiTaskNetClassifier(max_epochs=40, **NET).fit(X, Y, groups=groups)
    valid = AUTO_SPLIT.validation_rows(np.asarray(Y, dtype=float), groups=groups)
    assert not set(groups[valid]) & set(groups[~valid])
    replay = MultiTaskNetClassifier(
        max_epochs=40,
        train_split=predefined_split(Dataset(X[valid], Y[valid])),
        **NET,
    ).fit(X[~valid], Y[~valid])
    assert net.best_epoch_ == replay.best_epoch_ < net.n_iter_ < 40
    assert_allclose(net.history[:, "valid_loss"], replay.history[:, "valid_loss"])
    for proba, expected in zip(
        net.predict_proba(X), replay.predict_proba(X), strict=True
    ):
        assert_allclose(proba, expected, rtol=1e-5, atol=1e-6)
    # without groups, the split is another one
    rows = MultiTaskNetClassifier(max_epochs=40, **NET).fit(X, Y)
    assert not np.allclose(
        rows.history[:, "valid_loss"][:3], net.history[:3, "valid_loss"]
    )


def test_groups_of_rows_of_weight_zero_are_left_out_with_them(data):
    X, Y = data
    groups = group_labels(len(X), seed=1)
    weights = np.ones(len(X))
    weights[::7] = 0.0
    kept = weights > 0
    net = MultiTaskNetRegressor(max_epochs=5, **NET).fit(
        X, Y, sample_weight=weights, groups=groups
    )
    expected = MultiTaskNetRegressor(max_epochs=5, **NET).fit(
        X[kept], Y[kept], groups=groups[kept]
    )
    assert_allclose(net.predict(X), expected.predict(X), rtol=1e-5, atol=1e-5)


def test_groups_reach_the_nets_through_metadata_routing(data):
    X, Y = data
    groups = group_labels(len(X), seed=2)
    cv = GroupKFold(n_splits=2)
    with sklearn.config_context(enable_metadata_routing=True):
        net = MultiTaskNetRegressor(max_epochs=5, **NET).set_fit_request(groups=True)
        scores = cross_validate(net, X, Y, cv=cv, params={"groups": groups})
    for (train, test), score in zip(
        cv.split(X, Y, groups), scores["test_score"], strict=True
    ):
        by_hand = MultiTaskNetRegressor(max_epochs=5, **NET).fit(
            X[train], Y[train], groups=groups[train]
        )
        rows = MultiTaskNetRegressor(max_epochs=5, **NET).fit(X[train], Y[train])
        assert score == pytest.approx(by_hand.score(X[test], Y[test]), rel=1e-6)
        assert score != pytest.approx(rows.score(X[test], Y[test]), rel=1e-6)


def test_groups_errors(data):
    X, Y = data
    net = MultiTaskNetRegressor(max_epochs=1, **NET)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected groups of shape (120,), one group per row of X; got shape "
            "(119,) instead."
        ),
    ):
        net.fit(X, Y, groups=np.zeros(119))
    net.set_params(train_split=lambda dataset, y: (dataset, dataset))
    with pytest.raises(TypeError, match="fit got groups, which the net gives to"):
        net.fit(X, Y, groups=group_labels(len(X)))


# ------------------------------------------------------------- verbosity
class VerboseRecorder(Callback):
    """Records the net's verbosity during its fit."""

    def on_train_begin(self, net, **kwargs):
        self.verbose_ = net.verbose


def quiet_net(**params):
    return MultiTaskNetRegressor(
        module__hidden_units=(8,),
        max_epochs=2,
        random_state=0,
        callbacks=[("recorder", VerboseRecorder())],
        **params,
    )


def test_standalone_fit_prints_the_epoch_table(data, capsys):
    X, Y = data
    net = quiet_net().fit(X, Y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out
    assert dict(net.callbacks_)["recorder"].verbose_ == 1
    assert net.verbose == "auto"  # the parameter is unchanged
    assert net.resolved_verbose() == 1


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_is_quiet(data, capfd, n_jobs):
    X, Y = data
    search = GridSearchCV(quiet_net(), {"lr": [1e-3, 1e-2]}, cv=2, n_jobs=n_jobs)
    search.fit(X, Y)
    out = capfd.readouterr().out
    assert out == ""
    # The refit of the best net too.
    assert dict(search.best_estimator_.callbacks_)["recorder"].verbose_ == 0


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cross_validate_is_quiet_and_verbose_forces_the_log(data, capfd, n_jobs):
    X, Y = data
    cv = KFold(2)
    result = cross_validate(
        quiet_net(), X, Y, cv=cv, n_jobs=n_jobs, return_estimator=True
    )
    assert capfd.readouterr().out == ""
    for net in result["estimator"]:
        assert dict(net.callbacks_)["recorder"].verbose_ == 0
        assert net.verbose == "auto"
    result = cross_validate(quiet_net(verbose=1), X, Y, cv=cv, return_estimator=True)
    assert "valid_loss" in capfd.readouterr().out
    assert all(
        dict(net.callbacks_)["recorder"].verbose_ == 1 for net in result["estimator"]
    )


def test_compare_estimators_is_quiet(data, capfd):
    X, Y = data
    compare_estimators({"net": quiet_net()}, X, Y, cv=2)
    assert capfd.readouterr().out == ""
