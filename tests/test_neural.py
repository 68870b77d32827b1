"""Tests of the skorch multi-task nets (``sklearn_mtl.neural``).

Every test is small (tens of rows, a few epochs, hidden layers of a few
units). Numerical tests compare the nets with a plain PyTorch training loop
and the masked loss with ``torch.nn.functional`` on the observed rows.
"""

import copy
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from joblib import Parallel, delayed
from neural_helpers import (
    FULL_BATCH,
    N_FEATURES,
    N_SAMPLES,
    SMALL,
    RecordThreads,
    SmallCNN,
    ThreadsTrunk,
    assert_same_state,
    batch_losses,
    classification_data,
    fixed_split,
    plain_torch_loop,
    raises,
    regression_data,
    standardized,
)
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from sklearn_mtl.metrics import (
    multitask_accuracy_score,
    multitask_r2_score,
    multitask_roc_auc_score,
)
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold
from sklearn_mtl.neural import (
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    TaskScoring,
)

# ------------------------------------- 1. against a plain PyTorch loop
# What plain_torch_loop does by default, as net parameters.
LOOP = {
    "module__hidden_units": (8,),
    "max_epochs": 2,
    "batch_size": 16,
    "train_split": None,
    "verbose": 0,
}


@pytest.mark.parametrize(
    "shuffle, weight_decay, standardize, huber",
    [
        (True, 0.0, True, False),
        (False, 0.01, True, False),
        (True, 0.0, False, False),
        (True, 0.0, True, True),
    ],
)
def test_regressor_matches_plain_torch_loop(shuffle, weight_decay, standardize, huber):
    X, Y = regression_data()
    task_weights = [1.0, 2.0, 3.0]
    extra = {"criterion__regression_loss": nn.HuberLoss} if huber else {}
    net = MultiTaskNetRegressor(
        lr=0.01,
        **LOOP,
        iterator_train__shuffle=shuffle,
        optimizer__weight_decay=weight_decay,
        task_weights=task_weights,
        standardize_targets=standardize,
        random_state=7,
        **extra,
    ).fit(X, Y)
    expected_losses, model, task_losses = plain_torch_loop(
        X,
        standardized(Y) if standardize else Y,
        kinds=["regression"] * 3,
        sizes=[1, 1, 1],
        seed=7,
        lr=0.01,
        shuffle=shuffle,
        task_weights=task_weights,
        weight_decay=weight_decay,
        regression_loss=F.huber_loss if huber else F.mse_loss,
    )
    assert len(batch_losses(net)) == 6  # 2 epochs of 16 + 16 + 8 rows
    np.testing.assert_allclose(batch_losses(net), expected_losses, rtol=1e-6)
    assert_same_state(net.module_, model, rtol=1e-5, atol=1e-6)
    for t in range(3):  # per-task epoch losses: over the epoch's observed labels
        recorded = net.history[:, f"train_loss_task{t}"]
        np.testing.assert_allclose(recorded, task_losses[:, t], rtol=1e-5)
    np.testing.assert_allclose(net.history[:, "task_weights"], [[0.5, 1, 1.5]] * 2)
    assert net.optimizer_.param_groups[0]["weight_decay"] == weight_decay
    assert net.optimizer_.param_groups[0]["lr"] == 0.01
    # predictions in the original units
    with torch.no_grad():
        outputs = model(torch.from_numpy(X)).numpy().astype(np.float64)
    if standardize:
        observed = [Y[~np.isnan(Y[:, t]), t] for t in range(3)]
        mean = np.array([o.mean() for o in observed])
        scale = np.array([np.std(o) for o in observed])
        outputs = outputs * scale + mean
        np.testing.assert_allclose(net.target_mean_, mean)
        np.testing.assert_allclose(net.target_scale_, scale)
    np.testing.assert_allclose(net.predict(X), outputs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shuffle", [True, False])
def test_classifier_matches_plain_torch_loop(shuffle):
    X, codes = classification_data()
    # labels of another type than the codes: strings for the binary task
    Y = np.empty(codes.shape, dtype=object)
    Y[:, 0] = np.where(codes[:, 0] == 1, "yes", "no")
    Y[:, 1] = codes[:, 1]
    Y[np.isnan(codes)] = None
    net = MultiTaskNetClassifier(
        lr=0.02,
        **LOOP,
        iterator_train__shuffle=shuffle,
        task_weights=[3.0, 1.0],
        random_state=3,
        # the loop's MLP, without the classifier's batch norm and dropout
        module__batch_norm=False,
        module__dropout=0.0,
    ).fit(X, Y)
    expected_losses, model, task_losses = plain_torch_loop(
        X,
        codes,
        kinds=["binary", "multiclass"],
        sizes=[1, 3],
        seed=3,
        lr=0.02,
        shuffle=shuffle,
        task_weights=[3.0, 1.0],
    )
    np.testing.assert_allclose(batch_losses(net), expected_losses, rtol=1e-6)
    assert_same_state(net.module_, model, rtol=1e-5, atol=1e-6)
    for t in range(2):
        recorded = net.history[:, f"train_loss_task{t}"]
        np.testing.assert_allclose(recorded, task_losses[:, t], rtol=1e-5)
    with torch.no_grad():
        logits = model(torch.from_numpy(X)).numpy().astype(np.float64)
    positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
    softmax = np.exp(logits[:, 1:]) / np.exp(logits[:, 1:]).sum(1, keepdims=True)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba[0][:, 1], positive, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(proba[0][:, 0], 1.0 - positive, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(proba[1], softmax, rtol=1e-5, atol=1e-6)
    Y_pred = net.predict(X)
    assert Y_pred.dtype == object
    np.testing.assert_array_equal(
        Y_pred[:, 0], np.where(proba[0][:, 1] > 0.5, "yes", "no")
    )
    np.testing.assert_array_equal(Y_pred[:, 1], proba[1].argmax(1))


# --------------------------------------------------------------- 3. masking
@pytest.mark.parametrize("Net", [MultiTaskNetRegressor, MultiTaskNetClassifier])
def test_unlabelled_rows_change_nothing(Net):
    X, Y = regression_data() if Net is MultiTaskNetRegressor else classification_data()
    rng = np.random.default_rng(5)
    X_more = np.vstack([X, rng.normal(size=(15, N_FEATURES)).astype(np.float32)])
    Y_more = np.vstack([Y, np.full((15, Y.shape[1]), np.nan)])
    # Without the classifier's batch normalization and dropout, whose batch
    # statistics and dropout masks count unlabelled rows too.
    params = {
        **FULL_BATCH,
        "lr": 0.02,
        "max_epochs": 6,
        "module__batch_norm": False,
        "module__dropout": 0.0,
    }
    net = Net(**params).fit(X, Y)
    net_more = Net(**params).fit(X_more, Y_more)
    np.testing.assert_allclose(
        net.history[:, "train_loss"], net_more.history[:, "train_loss"], rtol=1e-5
    )
    if Net is MultiTaskNetRegressor:
        np.testing.assert_allclose(
            net.predict(X_more), net_more.predict(X_more), rtol=1e-5, atol=1e-5
        )
    else:
        for proba, proba_more in zip(
            net.predict_proba(X_more), net_more.predict_proba(X_more), strict=True
        ):
            np.testing.assert_allclose(proba, proba_more, rtol=1e-5, atol=1e-6)


def test_nan_labels_of_one_task_do_not_change_other_task_losses():
    X, Y = regression_data(missing_rate=0.0)
    fewer = Y.copy()
    fewer[::3, 1] = np.nan
    params = {**FULL_BATCH, "max_epochs": 1}  # one step: losses before the update
    net = MultiTaskNetRegressor(**params).fit(X, Y)
    net_fewer = MultiTaskNetRegressor(**params).fit(X, fewer)
    # standardization of task 1 changes with its labels; tasks 0 and 2 do not
    for key in ("train_loss_task0", "train_loss_task2"):
        np.testing.assert_allclose(net.history[-1, key], net_fewer.history[-1, key])
    assert net.history[-1, "train_loss_task1"] != pytest.approx(
        net_fewer.history[-1, "train_loss_task1"]
    )


def test_missing_label_value_is_ignored():
    """-1 marked missing (missing_label=-1) trains exactly as NaN does."""
    X, codes = classification_data()
    integer = np.where(np.isnan(codes), -1, codes).astype(int)
    params = {**FULL_BATCH, "lr": 0.02, "max_epochs": 4}
    net_nan = MultiTaskNetClassifier(**params).fit(X, codes)
    net_int = MultiTaskNetClassifier(missing_label=-1, **params).fit(X, integer)
    np.testing.assert_array_equal(
        net_int.history[:, "train_loss"], net_nan.history[:, "train_loss"]
    )
    for a, b in zip(net_int.predict_proba(X), net_nan.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)
    for classes in net_int.classes_:
        assert -1 not in classes
    assert net_int.module_.heads.output_sizes == (1, 3)
    assert net_int.score(X, integer) == pytest.approx(
        multitask_accuracy_score(integer, net_int.predict(X), missing_label=-1)
    )


# ------------------------------------------- 4. task permutation equivariance
def test_task_permutation_equivariance_from_permuted_initial_weights():
    X, Y = regression_data()
    weights = np.array([1.0, 2.0, 4.0])
    perm = [2, 0, 1]
    params = {**FULL_BATCH, "lr": 0.02, "max_epochs": 0}
    net = MultiTaskNetRegressor(task_weights=weights, **params).fit(X, Y)
    net_perm = MultiTaskNetRegressor(task_weights=weights[perm], **params).fit(
        X, Y[:, perm]
    )
    assert len(net.history) == 0  # max_epochs=0 only initializes
    state = net.module_.state_dict()
    state["heads.layers.weight"] = state["heads.layers.weight"][perm]
    state["heads.layers.bias"] = state["heads.layers.bias"][perm]
    net_perm.module_.load_state_dict(state)
    for model in (net, net_perm):
        model.set_params(max_epochs=6)
    net.partial_fit(X, Y)
    net_perm.partial_fit(X, Y[:, perm])
    assert len(net.history) == 6
    np.testing.assert_allclose(
        net_perm.history[:, "train_loss"], net.history[:, "train_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(
        net_perm.predict(X), net.predict(X)[:, perm], rtol=1e-5, atol=1e-4
    )


# -------------------------------------------------- 5. inference of sizes
def test_regressor_inferred_sizes():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y)
    assert net.module_.heads.output_sizes == (1, 1, 1)
    assert net.output_sizes_ == (1, 1, 1)
    assert net.task_kinds_ == ("regression",) * 3
    assert net.input_shape_ == (N_FEATURES,)
    assert net.n_features_in_ == N_FEATURES
    assert net.n_tasks_ == 3
    assert net.module_.representation_size == 8
    assert net.module_(torch.zeros(2, N_FEATURES)).shape == (2, 3)
    assert net.predict(X).shape == (N_SAMPLES, 3)
    assert not hasattr(net, "task_names_")
    assert not hasattr(net, "feature_names_in_")


def test_classifier_inferred_sizes_and_single_class_task():
    X, codes = classification_data(missing_rate=0.0)
    Y = np.empty((N_SAMPLES, 3), dtype=object)
    Y[:, 0] = np.where(codes[:, 0] == 1, "b", "a")
    Y[:, 1] = codes[:, 1].astype(int)
    Y[:, 2] = "z"
    Y[5, 2] = None
    net = MultiTaskNetClassifier(max_epochs=1, **SMALL)
    with pytest.warns(
        UserWarning,
        match=re.escape("Task 2 has a single class ('z'); it always predicts it."),
    ):
        net.fit(X, Y)
    assert net.module_.heads.output_sizes == (1, 3, 0)
    assert net.task_kinds_ == ("binary", "multiclass", "constant")
    assert net.module_(torch.zeros(2, N_FEATURES)).shape == (2, 4)
    assert [list(c) for c in net.classes_] == [["a", "b"], [0, 1, 2], ["z"]]
    proba = net.predict_proba(X)
    assert [p.shape for p in proba] == [(N_SAMPLES, 2), (N_SAMPLES, 3), (N_SAMPLES, 1)]
    for p in proba:
        np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_array_equal(proba[2], 1.0)
    Y_pred = net.predict(X)
    assert Y_pred.shape == (N_SAMPLES, 3)
    assert set(Y_pred[:, 0]) <= {"a", "b"}
    assert set(Y_pred[:, 1]) <= {0, 1, 2}
    assert all(label == "z" for label in Y_pred[:, 2])


def test_every_task_constant_and_constant_regression_task():
    X, Y = regression_data(missing_rate=0.0)
    labels = np.full((N_SAMPLES, 2), "only", dtype=object)
    labels[::4, 1] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(X, labels)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert "Task 0 has a single class ('only'); it always predicts it." in messages
    assert "Task 1 has a single class ('only'); it always predicts it." in messages
    assert clf.module_.heads.output_sizes == (0, 0)
    assert np.all(clf.predict(X) == "only")
    assert [p.shape for p in clf.predict_proba(X)] == [(N_SAMPLES, 1)] * 2
    assert clf.history[-1, "train_loss"] == 0.0
    # a constant regression task: scale 1, its mean predicted
    Y[:, 2] = 7.0
    reg = MultiTaskNetRegressor(max_epochs=20, lr=0.05, **SMALL).fit(X, Y)
    assert reg.target_scale_[2] == 1.0 and reg.target_mean_[2] == 7.0
    with torch.no_grad():
        outputs = reg.module_(torch.from_numpy(X)).numpy().astype(np.float64)
    np.testing.assert_allclose(reg.predict(X)[:, 2], outputs[:, 2] + 7.0, rtol=1e-6)
    assert np.abs(reg.predict(X)[:, 2] - 7.0).mean() < 0.2


def test_torch_tensor_X():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X, Y)
    tensor = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(torch.from_numpy(X), Y)
    np.testing.assert_array_equal(tensor.predict(torch.from_numpy(X)), net.predict(X))


def test_single_class_warning_shows_plain_integer_label():
    X, codes = classification_data(missing_rate=0.0)
    Y = np.column_stack([codes[:, 0], np.full(N_SAMPLES, 3.0)]).astype(int)
    with pytest.warns(
        UserWarning,
        match=re.escape("Task 1 has a single class (3); it always predicts it."),
    ):
        MultiTaskNetClassifier(max_epochs=1, **SMALL).fit(X, Y)


def test_single_output_regressor_and_classifier_mirror_1d_y():
    X, Y = regression_data(missing_rate=0.0)
    reg = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X, Y[:, 0])
    assert reg.n_tasks_ == 1
    assert reg.predict(X).shape == (N_SAMPLES,)
    labels = np.where(Y[:, 1] > np.median(Y[:, 1]), "high", "low")
    clf = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(X, labels)
    assert isinstance(clf.classes_, np.ndarray)
    np.testing.assert_array_equal(clf.classes_, ["high", "low"])
    proba = clf.predict_proba(X)
    assert isinstance(proba, np.ndarray) and proba.shape == (N_SAMPLES, 2)
    Y_pred = clf.predict(X)
    assert Y_pred.shape == (N_SAMPLES,)
    np.testing.assert_array_equal(
        Y_pred, np.where(proba[:, 1] > proba[:, 0], "low", "high")
    )
    assert clf.score(X, labels) == pytest.approx(np.mean(Y_pred == labels))


def test_pandas_X_and_Y_give_feature_and_task_names():
    X, Y = regression_data()
    X_df = pd.DataFrame(X, columns=[f"f{j}" for j in range(N_FEATURES)])
    Y_df = pd.DataFrame(Y, columns=["alpha", "beta", "gamma"])
    net = MultiTaskNetRegressor(max_epochs=2, task_weights={"gamma": 4.0}, **SMALL).fit(
        X_df, Y_df
    )
    np.testing.assert_array_equal(net.feature_names_in_, X_df.columns)
    np.testing.assert_array_equal(net.task_names_, ["alpha", "beta", "gamma"])
    assert net.task_history_keys("valid_loss") == [
        "valid_loss_alpha",
        "valid_loss_beta",
        "valid_loss_gamma",
    ]
    for prefix in ("train_loss", "valid_loss"):
        for name in ("alpha", "beta", "gamma"):
            assert np.isfinite(net.history[-1, f"{prefix}_{name}"])
    assert "valid_loss_task0" not in net.history[-1]
    np.testing.assert_allclose(net.task_weights_, [0.5, 0.5, 2.0])
    np.testing.assert_allclose(net.history[-1, "task_weights"], [0.5, 0.5, 2.0])
    np.testing.assert_allclose(net.predict(X_df), net.predict(X_df.to_numpy()))


def test_pandas_nullable_dtypes_in_Y():
    X, codes = classification_data()
    Y = pd.DataFrame(
        {
            "count": pd.array(
                [None if np.isnan(c) else int(c) for c in codes[:, 1]], dtype="Int64"
            ),
            "flag": pd.array(
                [None if np.isnan(c) else bool(c) for c in codes[:, 0]],
                dtype="boolean",
            ),
            "word": pd.array(
                [None if np.isnan(c) else "xy"[int(c)] for c in codes[:, 0]],
                dtype="string",
            ),
        }
    )
    net = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(X, Y)
    assert [c.tolist() for c in net.classes_] == [[0, 1, 2], [False, True], ["x", "y"]]
    assert net.module_.heads.output_sizes == (3, 1, 1)
    Y_pred = net.predict(X)
    assert set(Y_pred[:, 1]) <= {False, True}
    assert set(Y_pred[:, 2]) <= {"x", "y"}
    # regression with a nullable float column
    _, Y_reg = regression_data()
    Y_float = pd.DataFrame({"a": pd.array(list(Y_reg[:, 0]), dtype="Float64")})
    Y_float.loc[np.isnan(Y_reg[:, 0]), "a"] = pd.NA
    reg = MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y_float)
    np.testing.assert_allclose(reg.target_mean_, [np.nanmean(Y_reg[:, 0])])
    np.testing.assert_allclose(reg.target_scale_, [np.nanstd(Y_reg[:, 0])])
    assert reg.predict(X).shape == (N_SAMPLES, 1)


def test_string_and_mixed_label_types_per_task():
    X, codes = classification_data(missing_rate=0.0)
    Y = np.empty((N_SAMPLES, 2), dtype=object)
    Y[:, 0] = np.array(["cat", "dog", "eel"])[codes[:, 1].astype(int)]
    Y[:, 1] = codes[:, 0].astype(int) * 10 + 5  # 5 or 15
    Y[::7, 0] = np.nan
    Y[1::9, 1] = None
    net = MultiTaskNetClassifier(max_epochs=3, **SMALL).fit(X, Y)
    assert [c.tolist() for c in net.classes_] == [["cat", "dog", "eel"], [5, 15]]
    Y_pred = net.predict(X)
    assert set(Y_pred[:, 0]) <= {"cat", "dog", "eel"}
    assert set(Y_pred[:, 1]) <= {5, 15}
    proba = net.predict_proba(X)
    np.testing.assert_array_equal(
        Y_pred[:, 0], np.array(["cat", "dog", "eel"])[proba[0].argmax(1)]
    )


def batch_norms(net):
    return [m for m in net.module_.modules() if isinstance(m, nn.BatchNorm1d)]


class TwoHeads(nn.Module):
    """A module class of one's own, without a batch_norm argument."""

    def __init__(self, input_shape, output_sizes):
        super().__init__()
        self.layer = nn.Linear(input_shape[0], sum(output_sizes))

    def forward(self, X):
        return self.layer(X)


def dropouts(net):
    return [m.p for m in net.module_.modules() if isinstance(m, nn.Dropout)]


def test_classifier_builds_its_module_with_batch_norm_and_dropout_by_default():
    X, Y = classification_data()
    net = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(X, Y)
    # after the trunk's one hidden layer
    assert len(batch_norms(net)) == 1 and dropouts(net) == [0.5]
    explicit = MultiTaskNetClassifier(
        max_epochs=2, module__batch_norm=True, module__dropout=0.5, **SMALL
    ).fit(X, Y)
    for proba, expected in zip(
        net.predict_proba(X), explicit.predict_proba(X), strict=True
    ):
        np.testing.assert_array_equal(proba, expected)
    off = MultiTaskNetClassifier(
        max_epochs=2, module__batch_norm=False, module__dropout=0.1, **SMALL
    ).fit(X, Y)
    assert not batch_norms(off) and dropouts(off) == [0.1]
    assert "module__batch_norm" not in MultiTaskNetClassifier().get_params()
    # the regressor keeps the module's defaults; a module class without the
    # arguments is built without them
    regressor = MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(*regression_data())
    assert not batch_norms(regressor) and not dropouts(regressor)
    own = MultiTaskNetClassifier(module=TwoHeads, max_epochs=1, verbose=0)
    assert isinstance(own.fit(X, Y).module_, TwoHeads)


# ------------------------------------------------------------ 6. custom trunks
def image_data(n_samples=30):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_samples, 1, 8, 8)).astype(np.float32)
    Y = np.column_stack([X[:, 0, :4].mean((1, 2)), X[:, 0, 4:].mean((1, 2))])
    return X, Y


def test_cnn_trunk_as_class():
    X, Y = image_data()
    net = MultiTaskNetRegressor(
        module__trunk=SmallCNN, max_epochs=2, verbose=0, random_state=0
    ).fit(X, Y)
    assert isinstance(net.module_.trunk, SmallCNN)
    assert net.module_.representation_size == 12
    assert net.module_.heads.layers.in_features == 12
    assert net.input_shape_ == (1, 8, 8)
    assert net.predict(X).shape == (30, 2)
    with raises(
        ValueError,
        "Expected samples of shape (1, 8, 8), as in fit; got (1, 8, 9) instead.",
    ):
        net.predict(np.zeros((3, 1, 8, 9), dtype=np.float32))


def test_cnn_trunk_instance_is_copied_not_mutated():
    X, Y = image_data()
    with torch.random.fork_rng():
        torch.manual_seed(11)
        trunk = SmallCNN()
    initial = copy.deepcopy(trunk.state_dict())
    params = {"module__trunk": trunk, "verbose": 0, "random_state": 0}
    untrained = MultiTaskNetRegressor(max_epochs=0, **params).fit(X, Y)
    assert untrained.module_.trunk is not trunk
    assert_same_state(untrained.module_.trunk, trunk, rtol=0, atol=0)
    net = MultiTaskNetRegressor(max_epochs=3, lr=0.05, **params).fit(X, Y)
    assert net.module_.representation_size == 12
    for name, value in trunk.state_dict().items():
        assert torch.equal(value, initial[name]), name
    assert not torch.equal(net.module_.trunk.conv.weight, trunk.conv.weight)
    # refitting starts again from the instance's weights
    first = net.predict(X)
    np.testing.assert_array_equal(net.fit(X, Y).predict(X), first)


class ModeTrunk(nn.Module):
    """Linear + dropout, recording its mode in every forward with gradients."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(N_FEATURES, 8)
        self.dropout = nn.Dropout(0.5)
        self.modes = []

    def forward(self, X):
        if torch.is_grad_enabled():  # training steps, not validation/prediction
            self.modes.append(self.training and self.dropout.training)
        return self.dropout(self.linear(X))


def test_trunk_instance_in_eval_mode_trains_in_train_mode():
    X, Y = regression_data(missing_rate=0.0)
    trunk = ModeTrunk().eval()  # e.g. pretrained, then evaluated
    net = MultiTaskNetRegressor(
        module__trunk=trunk, max_epochs=2, batch_size=16, train_split=None, verbose=0
    ).fit(X, Y)
    assert net.module_.trunk.modes == [True] * 6


def test_trunk_with_non_vector_output_is_an_error():
    X, Y = image_data()
    net = MultiTaskNetRegressor(
        module__trunk=nn.Conv2d(1, 2, kernel_size=3), verbose=0, max_epochs=1
    )
    with raises(
        ValueError,
        "Expected the trunk to map a batch to vectors, of shape (batch, size); "
        "got an output of shape (2, 2, 6, 6) for a batch of shape "
        "(2, 1, 8, 8). End the trunk with nn.Flatten().",
    ):
        net.fit(X, Y)


def test_default_mlp_rejects_nd_input():
    X, Y = image_data()
    with raises(
        ValueError,
        "Expected 2-D input (n_samples, n_features) for the default MLP trunk; "
        "got samples of shape (1, 8, 8) instead. Pass a trunk of your own "
        "(module__trunk=...) for other shapes.",
    ):
        MultiTaskNetRegressor(max_epochs=1, verbose=0).fit(X, Y)


def test_head_hidden_units_give_independent_heads():
    X, codes = classification_data()
    Y = np.column_stack([codes, codes[:, 0][::-1]])  # binary, 3-class, binary
    net = MultiTaskNetClassifier(
        module__head_hidden_units=(4,), max_epochs=2, **SMALL
    ).fit(X, Y)
    heads = net.module_.heads
    assert heads.output_sizes == (1, 3, 1)
    outputs = net.module_(torch.from_numpy(X))
    assert outputs.shape == (N_SAMPLES, 5)
    first, taskwise = heads.layers[0], heads.layers[3]
    assert first.out_features == 3 * 4
    assert tuple(taskwise.weight.shape) == (3, 4, 3)
    y_true = torch.from_numpy(Y.astype(np.float32))  # classes 0..K-1: codes
    losses = net.criterion_(outputs, y_true)
    for t in range(3):
        grads = torch.autograd.grad(
            losses[t],
            [first.weight, first.bias, taskwise.weight, taskwise.bias],
            retain_graph=True,
        )
        own_rows = slice(4 * t, 4 * (t + 1))
        others = [s for s in range(3) if s != t]
        other_rows = [row for s in others for row in range(4 * s, 4 * s + 4)]
        assert torch.all(grads[0][other_rows] == 0)
        assert torch.all(grads[1][other_rows] == 0)
        assert torch.all(grads[2][others] == 0)
        assert torch.all(grads[3][others] == 0)
        # the task's own head does learn from its loss
        assert grads[0][own_rows].abs().sum() > 0
        assert torch.all(grads[3][t, : heads.output_sizes[t]] != 0)
        # a binary task uses the first of its head's 3 output columns only
        assert torch.all(grads[3][t, heads.output_sizes[t] :] == 0)


# ------------------------------------------------------- 8. skorch features
def noisy_regression(n_samples=60, seed=3):
    """Task 0 learnable, task 1 pure noise: validation losses soon rise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES)).astype(np.float32)
    Y = np.column_stack([X[:, 0] - X[:, 1], rng.normal(size=n_samples)])
    return X, Y


@pytest.mark.parametrize("monitor", ["valid_loss", "valid_loss_task1"])
def test_early_stopping_on_aggregate_or_one_task(monitor):
    X, Y = noisy_regression()
    patience, max_epochs = 3, 60
    net = MultiTaskNetRegressor(
        module__hidden_units=(32,),
        lr=0.03,
        max_epochs=max_epochs,
        batch_size=16,
        callbacks=[EarlyStopping(monitor=monitor, patience=patience, threshold=0)],
        verbose=0,
        random_state=0,
    ).fit(X, Y)
    scores = net.history[:, monitor]
    assert len(net.history) < max_epochs
    # stopped `patience` epochs after the best one
    assert len(net.history) == int(np.argmin(scores)) + 1 + patience


def test_task_scoring_r2_matches_predict_on_validation_rows():
    X, Y = regression_data(n_samples=50)
    valid = np.arange(0, 50, 4)
    net = MultiTaskNetRegressor(
        lr=0.02,
        max_epochs=3,
        batch_size=16,
        train_split=fixed_split(valid),
        callbacks=[TaskScoring("r2")],
        **SMALL,
    ).fit(X, Y)
    expected = multitask_r2_score(
        Y[valid], net.predict(X[valid]), multioutput="raw_values"
    )
    recorded = [net.history[-1, f"valid_r2_task{t}"] for t in range(3)]
    np.testing.assert_allclose(recorded, expected, rtol=1e-5, atol=1e-6)
    assert net.history[-1, "valid_r2"] == pytest.approx(np.mean(expected), rel=1e-5)
    assert net.history[0, "valid_r2_best"] is True
    # the recorded validation losses are those of the validation rows too
    outputs = (net.predict(X[valid]) - net.target_mean_) / net.target_scale_
    Y_valid = standardized(Y)[valid]
    for t in range(3):
        observed = ~np.isnan(Y_valid[:, t])
        mse = np.mean((outputs[observed, t] - Y_valid[observed, t]) ** 2)
        assert net.history[-1, f"valid_loss_task{t}"] == pytest.approx(mse, rel=1e-4)


def test_task_scoring_on_train_batches_with_a_name():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        lr=0.0,  # the weights do not move: training outputs are predictions
        max_epochs=1,
        callbacks=[TaskScoring("r2", on_train=True, name="fit_r2")],
        **{**FULL_BATCH},
    ).fit(X, Y)
    expected = multitask_r2_score(Y, net.predict(X), multioutput="raw_values")
    recorded = [net.history[-1, f"train_fit_r2_task{t}"] for t in range(3)]
    np.testing.assert_allclose(recorded, expected, rtol=1e-5, atol=1e-6)
    assert "valid_fit_r2" not in net.history[-1]


def test_task_scoring_roc_auc_and_accuracy_match_predictions():
    X, codes = classification_data(n_samples=60, missing_rate=0.1)
    Y = np.empty(codes.shape, dtype=object)
    Y[:, 0] = np.where(codes[:, 0] == 1, "pos", "neg")
    Y[:, 1] = codes[:, 1]
    Y[np.isnan(codes)] = None
    valid = np.arange(1, 60, 3)
    net = MultiTaskNetClassifier(
        lr=0.02,
        max_epochs=3,
        batch_size=16,
        train_split=fixed_split(valid),
        early_stopping=False,  # scores of the last epoch's weights
        callbacks=[TaskScoring("roc_auc"), TaskScoring("accuracy")],
        # the plain MLP: learns above chance in 3 epochs on 40 rows, which the
        # classifier's default (batch norm, dropout 0.5) need not
        module__batch_norm=False,
        module__dropout=0.0,
        **SMALL,
    ).fit(X, Y)
    auc = multitask_roc_auc_score(
        Y[valid], net.predict_proba(X[valid]), multioutput="raw_values"
    )
    Y_pred = net.predict(X[valid])
    accuracy = [
        np.mean(Y_pred[observed, t] == Y[valid][observed, t])
        for t in range(2)
        for observed in [Y[valid][:, t] != None]  # noqa: E711
    ]
    for t in range(2):
        assert net.history[-1, f"valid_roc_auc_task{t}"] == pytest.approx(
            auc[t], rel=1e-6
        )
        assert net.history[-1, f"valid_accuracy_task{t}"] == pytest.approx(accuracy[t])
    assert net.history[-1, "valid_roc_auc"] == pytest.approx(auc.mean(), rel=1e-6)
    assert 0.5 < net.history[-1, "valid_roc_auc_task0"] <= 1.0


def test_progress_bar_runs(capsys):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        max_epochs=2, batch_size=16, callbacks=[ProgressBar()], **SMALL
    ).fit(X, Y)
    assert len(net.history) == 2
    # 32 training rows in 2 batches of 16 and 8 validation rows in 1: 3 batches
    assert "| 0/3 [" in capsys.readouterr().err


@pytest.mark.parametrize("batch_size", [4, 16, -1])
def test_epoch_loss_is_the_weighted_mean_of_task_losses(batch_size):
    """Validation rows stacked task by task: batches hold one task or two, yet
    the epoch's valid_loss is the objective on the validation rows."""
    X, Y = regression_data(missing_rate=0.0)
    stacked = np.full_like(Y, np.nan)
    valid_rows = np.arange(16, 40)
    for t, rows in enumerate(np.array_split(valid_rows, 3)):
        stacked[rows, t] = Y[rows, t]
    stacked[:16] = Y[:16]
    weights = np.array([1.0, 2.0, 3.0])
    net = MultiTaskNetRegressor(
        max_epochs=2,
        batch_size=batch_size,
        task_weights=weights,
        train_split=fixed_split(valid_rows),
        **SMALL,
    ).fit(X, stacked)
    outputs = net.forward(X[valid_rows]).numpy()
    targets = standardized_with(net, stacked[valid_rows])
    task_losses = [np.nanmean((outputs[:, t] - targets[:, t]) ** 2) for t in range(3)]
    np.testing.assert_allclose(
        net.history[-1, "valid_loss"], np.mean(weights / 2 * task_losses), rtol=1e-5
    )
    np.testing.assert_allclose(
        [net.history[-1, f"valid_loss_task{t}"] for t in range(3)],
        task_losses,
        rtol=1e-5,
    )


def standardized_with(net, Y):
    """``Y`` in the standard units the regressor trains on."""
    return (Y - net.target_mean_) / net.target_scale_


def test_predefined_validation_set_of_raw_regression_labels():
    # skorch's predefined_split with labels in their own units: they are
    # standardized as the training labels are, so each task's validation
    # loss is the squared error of the predictions in standard units
    X, Y = regression_data()
    X_valid, Y_valid = regression_data(seed=1)
    net = MultiTaskNetRegressor(
        max_epochs=2, train_split=predefined_split(Dataset(X_valid, Y_valid)), **SMALL
    ).fit(X, Y)
    residuals = standardized_with(net, net.predict(X_valid)) - standardized_with(
        net, Y_valid
    )
    np.testing.assert_allclose(
        [net.history[-1, f"valid_loss_task{t}"] for t in range(3)],
        np.nanmean(residuals**2, axis=0),
        rtol=1e-5,
    )


def string_labels(codes):
    """Binary codes as "neg"/"pos", 3-class codes as "a"/"b"/"c", None missing."""
    Y = np.full(codes.shape, None, dtype=object)
    for t, names in enumerate([["neg", "pos"], ["a", "b", "c"]]):
        observed = ~np.isnan(codes[:, t])
        Y[observed, t] = np.array(names)[codes[observed, t].astype(int)]
    return Y


def test_predefined_validation_set_of_string_labels():
    X, codes = classification_data()
    X_valid, codes_valid = classification_data(seed=1)
    net = MultiTaskNetClassifier(
        max_epochs=2,
        train_split=predefined_split(Dataset(X_valid, string_labels(codes_valid))),
        **SMALL,
    ).fit(X, string_labels(codes))
    proba = net.predict_proba(X_valid)
    best = net.best_epoch_ - 1  # early stopping restored the best epoch
    for t in range(2):
        observed = ~np.isnan(codes_valid[:, t])
        true_class = codes_valid[observed, t].astype(int)
        log_loss = -np.log(proba[t][observed][np.arange(observed.sum()), true_class])
        np.testing.assert_allclose(
            net.history[best, f"valid_loss_task{t}"], log_loss.mean(), rtol=1e-5
        )


def test_predefined_validation_set_errors():
    X, codes = classification_data()
    Y_valid = string_labels(codes)
    Y_valid[0, 0] = "maybe"
    net = MultiTaskNetClassifier(
        max_epochs=1, train_split=predefined_split(Dataset(X, Y_valid)), **SMALL
    )
    with raises(
        ValueError,
        "Task 0 holds labels ['maybe'] that are not among its classes ['neg', "
        "'pos'] (from the first fit; pass classes= to the first partial_fit to "
        "declare them all).",
    ):
        net.fit(X, string_labels(codes))
    net.set_params(train_split=predefined_split(Dataset(X, None)))
    with raises(
        ValueError,
        "Expected the validation Dataset returned by train_split to hold "
        "labels; got y=None instead.",
    ):
        net.fit(X, string_labels(codes))
    net.set_params(train_split=predefined_split(Dataset(X[:, :3], codes)))
    with raises(
        ValueError, "X has 3 features, but MultiTaskNetClassifier is expecting 5"
    ):
        net.fit(X, codes)


def test_print_log_hides_per_task_columns(capsys):
    X, Y = regression_data()
    Y = pd.DataFrame(Y, columns=["alpha", "beta", "gamma"])
    MultiTaskNetRegressor(
        module__hidden_units=(8,),
        max_epochs=2,
        callbacks=[TaskScoring("r2")],
        random_state=0,
        verbose=1,
    ).fit(X, Y)
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "train_loss" in header and "valid_loss" in header and "valid_r2" in header
    for hidden in ("_alpha", "_beta", "_gamma", "task_weights", "_task0"):
        assert hidden not in out


def test_warm_start_and_partial_fit_continue_training():
    X, Y = regression_data()
    params = {**SMALL, "lr": 0.02, "batch_size": 16, "train_split": None}
    params["iterator_train__shuffle"] = False
    once = MultiTaskNetRegressor(max_epochs=4, **params).fit(X, Y)
    warm = MultiTaskNetRegressor(max_epochs=2, warm_start=True, **params)
    warm.fit(X, Y)
    module = warm.module_
    warm.fit(X, Y)
    assert warm.module_ is module
    assert len(warm.history) == 4
    np.testing.assert_allclose(
        warm.history[:, "train_loss"], once.history[:, "train_loss"], rtol=1e-6
    )
    np.testing.assert_allclose(warm.predict(X), once.predict(X), rtol=1e-5, atol=1e-5)
    partial = MultiTaskNetRegressor(max_epochs=2, **params)
    partial.partial_fit(X, Y).partial_fit(X, Y)
    assert len(partial.history) == 4
    np.testing.assert_allclose(
        partial.predict(X), once.predict(X), rtol=1e-5, atol=1e-5
    )
    # without warm_start, fit starts again
    cold = MultiTaskNetRegressor(max_epochs=2, **params)
    first = cold.fit(X, Y).predict(X)
    assert len(cold.fit(X, Y).history) == 2
    np.testing.assert_array_equal(cold.predict(X), first)


def test_partial_fit_classes_declared_up_front():
    X, codes = classification_data(missing_rate=0.0)
    Y = codes.astype(int)
    first = Y[:, 1] < 2  # class 2 of task 1 absent from the first batch
    net = MultiTaskNetClassifier(max_epochs=1, **SMALL)
    net.partial_fit(X[first], Y[first], classes=[[0, 1], [0, 1, 2]])
    assert net.module_.heads.output_sizes == (1, 3)
    assert [c.tolist() for c in net.classes_] == [[0, 1], [0, 1, 2]]
    net.partial_fit(X, Y)
    assert len(net.history) == 2
    assert net.predict_proba(X)[1].shape == (N_SAMPLES, 3)
    # without classes=, the unseen label is an error naming the task
    net = MultiTaskNetClassifier(max_epochs=1, **SMALL).partial_fit(X[first], Y[first])
    with raises(
        ValueError,
        "Task 1 holds labels [2] that are not among its classes [0, 1] (from "
        "the first fit; pass classes= to the first partial_fit to declare them "
        "all).",
    ):
        net.partial_fit(X, Y)
    # 1-D y: classes is one array
    net = MultiTaskNetClassifier(max_epochs=1, **SMALL)
    net.partial_fit(X[first], Y[first, 1], classes=[0, 1, 2])
    np.testing.assert_array_equal(net.classes_, [0, 1, 2])
    with raises(
        ValueError, "Expected classes for each of the 2 tasks; got 1 arrays instead."
    ):
        MultiTaskNetClassifier(max_epochs=1, **SMALL).partial_fit(
            X, Y, classes=[[0, 1]]
        )


def test_checkpoint_and_load_params_restore_predictions(tmp_path):
    X, Y = regression_data()
    checkpoint = Checkpoint(dirname=str(tmp_path), load_best=True)
    net = MultiTaskNetRegressor(
        lr=0.05, max_epochs=6, callbacks=[checkpoint], **SMALL
    ).fit(X, Y)
    best_epoch = int(np.argmin(net.history[:, "valid_loss"])) + 1
    assert net.history[best_epoch - 1, "event_cp"] is True
    other = MultiTaskNetRegressor(max_epochs=1, **{**SMALL, "random_state": 1}).fit(
        X, Y
    )
    assert not np.allclose(other.predict(X), net.predict(X))
    other.load_params(checkpoint=checkpoint)
    np.testing.assert_array_equal(other.predict(X), net.predict(X))
    assert len(other.history) == best_epoch  # saved at the best epoch


def test_save_params_load_params_round_trip(tmp_path):
    X, codes = classification_data()
    net = MultiTaskNetClassifier(max_epochs=3, lr=0.05, **SMALL).fit(X, codes)
    files = {
        "f_params": tmp_path / "params.pt",
        "f_optimizer": tmp_path / "optimizer.pt",
        "f_history": tmp_path / "history.json",
    }
    net.save_params(**files)
    other = MultiTaskNetClassifier(max_epochs=1, **{**SMALL, "random_state": 5})
    other.fit(X, codes)
    other.load_params(**files)
    for a, b in zip(other.predict_proba(X), net.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert other.history[:, "train_loss"] == net.history[:, "train_loss"]
    assert (
        other.optimizer_.state_dict()["state"].keys()
        == net.optimizer_.state_dict()["state"].keys()
    )


def test_load_params_after_a_fit_without_epochs(tmp_path):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=3, **SMALL).fit(X, Y)
    net.save_params(f_params=tmp_path / "params.pt")
    # what the error message of initialize() recommends
    other = MultiTaskNetRegressor(max_epochs=3, **SMALL)
    other.set_params(max_epochs=0).fit(X, Y)
    other.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_allclose(other.predict(X), net.predict(X), rtol=1e-6)


@pytest.mark.parametrize("Net", [MultiTaskNetRegressor, MultiTaskNetClassifier])
def test_pickle_round_trip(Net):
    X, Y = regression_data() if Net is MultiTaskNetRegressor else classification_data()
    net = Net(
        max_epochs=2,
        callbacks=[TaskScoring("r2" if Net is MultiTaskNetRegressor else "accuracy")],
        **SMALL,
    ).fit(X, Y)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    if Net is MultiTaskNetClassifier:
        for a, b in zip(restored.predict_proba(X), net.predict_proba(X), strict=True):
            np.testing.assert_array_equal(a, b)
    assert restored.history[:, "valid_loss"] == net.history[:, "valid_loss"]
    assert restored.score(X, Y) == net.score(X, Y)
    restored.partial_fit(X, Y)  # still trainable
    assert len(restored.history) == 4


def test_clone_gives_an_unfitted_net_with_the_same_params():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        max_epochs=2, task_weights=[1, 2, 3], lr=0.02, module__dropout=0.1, **SMALL
    ).fit(X, Y)
    cloned = clone(net)
    assert not cloned.initialized_
    for attribute in ("module_", "history_", "n_tasks_", "task_weights_"):
        assert not hasattr(cloned, attribute) or getattr(cloned, attribute) is None
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    params, cloned_params = net.get_params(deep=False), cloned.get_params(deep=False)
    assert params.keys() == cloned_params.keys()
    assert not any(name.startswith("_") for name in params)
    for name in ("module__hidden_units", "module__dropout", "lr", "max_epochs"):
        assert cloned_params[name] == params[name]
    assert cloned_params["task_weights"] == [1, 2, 3]
    # same seed, same fit
    np.testing.assert_array_equal(cloned.fit(X, Y).predict(X), net.predict(X))


def test_set_params_task_weights_and_history():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=3, lr=0.02, **FULL_BATCH).fit(X, Y)
    np.testing.assert_array_equal(net.history[:, "task_weights"], [[1.0] * 3] * 3)
    net.set_params(task_weights=[1.0, 0.0, 3.0])
    net.fit(X, Y)
    expected = [0.75, 0.0, 2.25]
    np.testing.assert_allclose(net.task_weights_, expected)
    np.testing.assert_allclose(net.history[:, "task_weights"], [expected] * 3)
    # one batch per epoch: train_loss is the weighted mean of the task losses
    for epoch in range(3):
        task_losses = [net.history[epoch, f"train_loss_task{t}"] for t in range(3)]
        assert net.history[epoch, "train_loss"] == pytest.approx(
            np.mean(np.multiply(expected, task_losses)), rel=1e-6
        )


# ------------------------------------------------------ 9. threads and seeds
@pytest.fixture
def two_torch_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


def test_torch_num_threads_during_fit_and_restored_after(two_torch_threads):
    X, Y = regression_data()
    recorder = RecordThreads()
    net = MultiTaskNetRegressor(
        max_epochs=2, torch_num_threads=1, callbacks=[recorder], **SMALL
    ).fit(X, Y)
    assert recorder.seen == [1, 1]
    assert torch.get_num_threads() == 2
    ThreadsTrunk.seen = []
    net = MultiTaskNetRegressor(
        module__trunk=ThreadsTrunk, max_epochs=1, torch_num_threads=1, **SMALL
    ).fit(X, Y)
    assert set(ThreadsTrunk.seen) == {1}  # dry forward, training, validation
    ThreadsTrunk.seen = []
    net.predict(X)
    assert ThreadsTrunk.seen == [1]
    assert torch.get_num_threads() == 2
    # None leaves torch's setting in the main process
    MultiTaskNetRegressor(max_epochs=1, callbacks=[recorder], **SMALL).fit(X, Y)
    assert recorder.seen == [2]


def test_one_torch_thread_by_default_in_a_child_process(two_torch_threads, monkeypatch):
    """The default (None) gives 1 thread where multiprocessing has a parent."""
    import multiprocessing

    X, Y = regression_data()
    recorder = RecordThreads()
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    MultiTaskNetRegressor(max_epochs=1, callbacks=[recorder], **SMALL).fit(X, Y)
    assert recorder.seen == [1]
    assert torch.get_num_threads() == 2
    MultiTaskNetRegressor(
        max_epochs=1, torch_num_threads=2, callbacks=[recorder], **SMALL
    ).fit(X, Y)
    assert recorder.seen == [2]


@pytest.mark.slow  # starts two loky workers that import torch (~20 s here)
def test_one_torch_thread_by_default_in_joblib_workers():
    def threads_in_fit(torch_num_threads):
        import numpy as np
        import torch

        from sklearn_mtl.neural import MultiTaskNetRegressor

        class Record(Callback):
            def initialize(self):
                self.seen = []
                return self

            def on_epoch_begin(self, net, **kwargs):
                self.seen.append(torch.get_num_threads())

        torch.set_num_threads(2)
        recorder = Record()
        rng = np.random.default_rng(0)
        X = rng.normal(size=(20, 3)).astype(np.float32)
        MultiTaskNetRegressor(
            module__hidden_units=(4,),
            max_epochs=1,
            torch_num_threads=torch_num_threads,
            callbacks=[recorder],
            verbose=0,
        ).fit(X, X[:, :2])
        return recorder.seen[0], torch.get_num_threads()

    results = Parallel(n_jobs=2, backend="loky")(
        delayed(threads_in_fit)(threads) for threads in (None, 2)
    )
    assert results == [(1, 2), (2, 2)]


def test_random_state_makes_fit_reproducible_without_touching_global_rng():
    X, Y = regression_data()
    params = {
        "module__hidden_units": (8,),
        "module__dropout": 0.3,
        "max_epochs": 2,
        "batch_size": 16,
        "verbose": 0,
    }
    state = torch.get_rng_state()
    net = MultiTaskNetRegressor(random_state=4, **params).fit(X, Y)
    assert torch.equal(torch.get_rng_state(), state)
    first = net.predict(X)
    # prediction runs in evaluation mode: no dropout
    assert not net.module_.training
    np.testing.assert_array_equal(net.predict(X), first)
    with torch.no_grad():
        outputs = net.module_(torch.from_numpy(X)).numpy().astype(np.float64)
    np.testing.assert_allclose(
        first, outputs * net.target_scale_ + net.target_mean_, rtol=1e-5
    )
    second = MultiTaskNetRegressor(random_state=4, **params).fit(X, Y).predict(X)
    np.testing.assert_array_equal(first, second)
    other = MultiTaskNetRegressor(random_state=5, **params).fit(X, Y).predict(X)
    assert not np.allclose(first, other)
    # without random_state, fit draws from torch's global generator, as skorch
    MultiTaskNetRegressor(**params).fit(X, Y)
    assert not torch.equal(torch.get_rng_state(), state)
    # with it, even a failing fit restores the generator
    state = torch.get_rng_state()
    with pytest.raises(ValueError):
        MultiTaskNetRegressor(
            random_state=4, criterion__regression_loss=nn.MSELoss(), **params
        ).fit(X, Y)
    assert torch.equal(torch.get_rng_state(), state)


# ----------------------------------------- 10. model selection and scores
def test_grid_search_pipeline_regressor():
    X, Y = regression_data(n_samples=48)
    pipeline = make_pipeline(
        StandardScaler(),
        MultiTaskNetRegressor(max_epochs=3, batch_size=16, lr=0.02, **SMALL),
    )
    grid = {
        "multitasknetregressor__task_weights": [None, [1.0, 1.0, 4.0]],
        "multitasknetregressor__module__hidden_units": [(4,), (6,)],
    }
    cv = KFold(2, shuffle=True, random_state=0)
    search = GridSearchCV(pipeline, grid, cv=cv).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_[-1]
    units = search.best_params_["multitasknetregressor__module__hidden_units"]
    assert best.module_.trunk[0].out_features == units[0]
    # a cell of the table, recomputed
    i = 3
    params = search.cv_results_["params"][i]
    train, test = next(cv.split(X))
    model = clone(pipeline).set_params(**params).fit(X[train], Y[train])
    expected = multitask_r2_score(Y[test], model.predict(X[test]))
    assert search.cv_results_["split0_test_score"][i] == pytest.approx(expected)
    assert model[-1].module_.trunk[0].out_features == 6
    np.testing.assert_allclose(model[-1].task_weights_, [0.5, 0.5, 2.0])


def test_grid_search_classifier_with_missing_labels():
    X, Y = classification_data(n_samples=60, missing_rate=0.3)
    net = MultiTaskNetClassifier(
        max_epochs=3, batch_size=16, lr=0.05, train_split=None, **SMALL
    )
    cv = MultiTaskStratifiedKFold(2)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), net),
        {"multitasknetclassifier__task_weights": [None, [1.0, 3.0]]},
        cv=cv,
    ).fit(X, Y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores >= 0) & (scores <= 1))
    params = search.cv_results_["params"][1]
    train, test = next(cv.split(X, Y))
    model = clone(search.estimator).set_params(**params).fit(X[train], Y[train])
    expected = multitask_accuracy_score(Y[test], model.predict(X[test]))
    assert search.cv_results_["split0_test_score"][1] == pytest.approx(expected)


def test_cross_validate_scores_are_mask_aware():
    X, Y = regression_data(n_samples=48)
    net = MultiTaskNetRegressor(max_epochs=2, batch_size=16, **SMALL)
    cv = KFold(3)
    result = cross_validate(net, X, Y, cv=cv, return_estimator=True)
    for (_, test), estimator, score in zip(
        cv.split(X), result["estimator"], result["test_score"], strict=True
    ):
        assert score == pytest.approx(
            multitask_r2_score(Y[test], estimator.predict(X[test]))
        )


def test_score_is_the_mean_per_task_score_on_observed_labels():
    X, Y = regression_data()
    reg = MultiTaskNetRegressor(max_epochs=2, **SMALL).fit(X, Y)
    Y_pred = reg.predict(X)
    r2 = []
    for t in range(3):
        observed = ~np.isnan(Y[:, t])
        residual = np.sum((Y[observed, t] - Y_pred[observed, t]) ** 2)
        total = np.sum((Y[observed, t] - Y[observed, t].mean()) ** 2)
        r2.append(1 - residual / total)
    assert reg.score(X, Y) == pytest.approx(np.mean(r2))
    assert reg.score(X, Y) == pytest.approx(multitask_r2_score(Y, Y_pred))
    X, codes = classification_data()
    clf = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(X, codes)
    Y_pred = clf.predict(X)
    accuracy = [
        np.mean(Y_pred[observed, t] == codes[observed, t])
        for t in range(2)
        for observed in [~np.isnan(codes[:, t])]
    ]
    assert clf.score(X, codes) == pytest.approx(np.mean(accuracy))
    assert clf.score(X, codes) == pytest.approx(multitask_accuracy_score(codes, Y_pred))


def test_score_with_mixed_label_types_per_task():
    X, codes = classification_data()
    Y = np.empty(codes.shape, dtype=object)
    Y[:, 0] = np.where(codes[:, 0] == 1, "pos", "neg")
    Y[:, 1] = codes[:, 1]
    Y[np.isnan(codes)] = None
    net = MultiTaskNetClassifier(max_epochs=2, **SMALL).fit(X, Y)
    Y_pred = net.predict(X)
    accuracy = [
        np.mean(Y_pred[observed, t] == Y[observed, t])
        for t in range(2)
        for observed in [Y[:, t] != None]  # noqa: E711
    ]
    assert net.score(X, Y) == pytest.approx(np.mean(accuracy))


# ----------------------------------------------------------- 11. bad inputs
def _with_nan(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


def _with_inf(X):
    X = X.copy()
    X[3, 1] = np.inf
    return X


@pytest.mark.parametrize(
    "make_input, message",
    [
        (lambda X, Y: (_with_nan(X), Y), "Input X contains NaN."),
        (
            lambda X, Y: (_with_inf(X), Y),
            "Input X contains infinity or a value too large for dtype('float32').",
        ),
        (
            lambda X, Y: (X[:0], Y[:0]),
            "Found array with 0 sample(s) (shape=(0, 5)) while a minimum of 1 is "
            "required by MultiTaskNetRegressor.",
        ),
        (
            lambda X, Y: (X, np.column_stack([Y[:, 0], np.full(len(Y), np.nan)])),
            "Task 1 has no observed label in Y; every task needs at least one "
            "observed label to be fitted.",
        ),
        (
            lambda X, Y: (X, Y[:-1]),
            "Expected Y with 40 rows (one per sample of X); got 39 rows instead.",
        ),
        (
            lambda X, Y: (X, np.full(Y.shape, "a")),
            # the label's repr follows (np.str_('a') with numpy 2)
            "Expected numeric labels for a continuous target; task 0 holds "
            "non-numeric labels such as ",
        ),
        (lambda X, Y: (X, None), "requires y to be passed, but the target y is None."),
    ],
    ids=["nan", "inf", "empty", "unlabelled-task", "rows", "strings", "no-y"],
)
def test_bad_fit_inputs(make_input, message):
    X, Y = make_input(*regression_data())
    with raises(ValueError, message):
        MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y)


@pytest.mark.parametrize(
    "task_weights, message",
    [
        (
            [1.0, -1.0, 1.0],
            "Expected non-negative task_weights; got [1.0, -1.0, 1.0] instead.",
        ),
        (
            [1.0, 2.0],
            "Expected task_weights of shape (3,), one per task; got shape (2,) "
            "instead.",
        ),
        ([0, 0, 0], "Expected at least one positive task weight; got all zeros."),
        (
            [1.0, np.nan, 1.0],
            "Expected finite task_weights; got [1.0, nan, 1.0] instead.",
        ),
    ],
    ids=["negative", "length", "zeros", "nan"],
)
def test_bad_task_weights(task_weights, message):
    X, Y = regression_data()
    with raises(ValueError, message):
        MultiTaskNetRegressor(task_weights=task_weights, **SMALL).fit(X, Y)


def test_bad_inputs_after_fit():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(max_epochs=1, **SMALL).fit(X, Y)
    with raises(
        ValueError,
        "X has 4 features, but MultiTaskNetRegressor is expecting 5 features as input.",
    ):
        net.predict(X[:, :4])
    with raises(ValueError, "Input X contains NaN."):
        net.predict(_with_nan(X))
    with raises(
        ValueError, "Expected Y with 3 tasks (columns), as in fit; got 2 instead."
    ):
        net.partial_fit(X, Y[:, :2])
    warm = MultiTaskNetRegressor(max_epochs=1, warm_start=True, **SMALL).fit(X, Y)
    with raises(
        ValueError, "Expected Y with 3 tasks (columns), as in fit; got 2 instead."
    ):
        warm.fit(X, Y[:, :2])
    with raises(
        AttributeError, "MultiTaskNetRegressor has no predict_proba; use predict."
    ):
        net.predict_proba(X)
    assert not hasattr(net, "predict_proba")


def test_classifier_bad_labels():
    X, Y = regression_data(missing_rate=0.0)
    with raises(
        ValueError,
        "Task 0: expected class labels (integers, strings, booleans or "
        "integer-valued floats); got continuous values such as "
        f"{float(Y[0, 0])!r}. Use a regression estimator or metric for this task.",
    ):
        MultiTaskNetClassifier(max_epochs=1, **SMALL).fit(X, Y)
    labels = np.empty((N_SAMPLES, 1), dtype=object)
    labels[:, 0] = ["a", 1] * (N_SAMPLES // 2)
    with raises(
        ValueError,
        "Expected the labels of task 0 to be all strings or all numbers; got a "
        "mix of both.",
    ):
        MultiTaskNetClassifier(max_epochs=1, **SMALL).fit(X, labels)


def test_classes_for_a_regressor_is_an_error():
    X, Y = regression_data()
    with raises(
        ValueError, "Expected classes=None for a regressor; got classes=[0, 1] instead."
    ):
        MultiTaskNetRegressor(**SMALL).partial_fit(X, Y, classes=[0, 1])


@pytest.mark.parametrize("Net", [MultiTaskNetRegressor, MultiTaskNetClassifier])
def test_initialize_before_fit_is_an_error(Net):
    name = Net.__name__
    with raises(
        AttributeError,
        f"{name} infers the module's input shape and output sizes from the "
        "data: call fit or partial_fit, not initialize, first (to restore a net "
        "saved with save_params(f_params=..., f_fitted=...), call "
        "load_params(f_params=..., f_fitted=...), which initializes it).",
    ):
        Net(**SMALL).initialize()
    with pytest.raises(NotFittedError):
        Net(**SMALL).predict(np.zeros((2, N_FEATURES), dtype=np.float32))


def test_non_finite_loss_names_epoch_batch_and_task():
    X, Y = regression_data(missing_rate=0.0)
    Y[:, 1] = 1e30  # squared errors overflow float32 without standardization
    Y[::2, 1] = -1e30
    net = MultiTaskNetRegressor(
        standardize_targets=False, max_epochs=2, train_split=None, **SMALL
    )
    with raises(
        FloatingPointError,
        "Non-finite training loss at epoch 1, batch 1: task 1 has loss inf. The "
        "weights are no longer usable; lower the learning rate (lr), scale the "
        "inputs, or keep the targets standardized.",
    ):
        net.fit(X, Y)


class InfOnFifthCall(nn.Module):
    """Squared error, infinite for the second task from its fifth call on."""

    def __init__(self, reduction="none"):
        super().__init__()
        self.calls = 0

    def forward(self, input, target):
        self.calls += 1
        loss = (input - target) ** 2
        if self.calls >= 5:
            loss = loss * torch.tensor([1.0, float("inf"), 1.0])
        return loss


def test_non_finite_loss_later_in_training_with_task_names():
    X, Y = regression_data(missing_rate=0.0)
    Y = pd.DataFrame(Y, columns=["a", "b", "c"])
    net = MultiTaskNetRegressor(
        criterion__regression_loss=InfOnFifthCall,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        **SMALL,
    )
    # 3 batches per epoch: the fifth is the second batch of epoch 2
    with raises(
        FloatingPointError,
        "Non-finite training loss at epoch 2, batch 2: task 'b' (index 1) has "
        "loss inf.",
    ):
        net.fit(X, Y)
    assert len(net.history) == 2


# ----------------------------------------------------------------- 12. CUDA
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_matches_cpu_fit():
    X, Y = regression_data()
    params = {**SMALL, "max_epochs": 3, "batch_size": 16, "lr": 0.02}
    params["iterator_train__shuffle"] = False
    cpu = MultiTaskNetRegressor(**params).fit(X, Y)
    cuda = MultiTaskNetRegressor(device="cuda", **params).fit(X, Y)
    assert next(cuda.module_.parameters()).device.type == "cuda"
    np.testing.assert_allclose(cuda.predict(X), cpu.predict(X), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        cuda.history[:, "valid_loss_task1"],
        cpu.history[:, "valid_loss_task1"],
        rtol=1e-4,
    )
