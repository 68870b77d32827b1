"""Tests of the nets' components: the masked loss and the in-memory data path."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from neural_helpers import (
    SMALL,
    batch_losses,
    classification_data,
    hand_task_losses,
    raises,
    regression_data,
)
from scipy import sparse
from skorch.dataset import Dataset
from torch import nn
from torch.utils.data import DataLoader, Subset

from sklearn_mtl.neural import (
    MaskedMultiTaskLoss,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural._data import TensorBatchLoader, fast_loader_or_none

# ----------------------------------------------- 2. MaskedMultiTaskLoss
KINDS = ["binary", "regression", "constant", "multiclass", "regression"]
SIZES = [1, 1, 0, 3, 1]


def mixed_batch(seed=0):
    generator = torch.Generator().manual_seed(seed)
    y_pred = torch.randn(6, sum(SIZES), generator=generator, requires_grad=True)
    y_true = torch.tensor(
        [
            [0.0, 1.5, np.nan, 2.0, np.nan],
            [1.0, np.nan, np.nan, 0.0, np.nan],
            [np.nan, -0.5, np.nan, 1.0, np.nan],
            [1.0, 2.0, np.nan, np.nan, np.nan],
            [0.0, 0.3, np.nan, 2.0, np.nan],
            [np.nan, np.nan, np.nan, 1.0, np.nan],
        ],
        dtype=torch.float32,
    )
    return y_pred, y_true


def test_masked_loss_matches_functional_on_observed_rows():
    y_pred, y_true = mixed_batch()
    losses = MaskedMultiTaskLoss(KINDS, SIZES)(y_pred, y_true)
    expected = hand_task_losses(y_pred, y_true, KINDS, SIZES)
    assert losses.shape == (5,)
    torch.testing.assert_close(losses, expected, rtol=1e-6, atol=1e-7)
    assert losses[2].item() == 0.0  # constant task
    assert losses[4].item() == 0.0  # no observed label in the batch
    # the gradients agree too
    (grad,) = torch.autograd.grad(losses.sum(), y_pred)
    (expected_grad,) = torch.autograd.grad(expected.sum(), y_pred)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "regression_loss, functional",
    [
        (nn.L1Loss, F.l1_loss),
        (nn.HuberLoss, F.huber_loss),
        (
            nn.HuberLoss(delta=0.5, reduction="none"),
            lambda a, b: F.huber_loss(a, b, delta=0.5),
        ),
        (nn.SmoothL1Loss, F.smooth_l1_loss),
    ],
)
def test_masked_loss_regression_criteria(regression_loss, functional):
    y_pred, y_true = mixed_batch(seed=1)
    y_pred = 3 * y_pred  # residuals beyond Huber's delta
    criterion = MaskedMultiTaskLoss(KINDS, SIZES, regression_loss=regression_loss)
    expected = hand_task_losses(y_pred, y_true, KINDS, SIZES, functional)
    torch.testing.assert_close(
        criterion(y_pred, y_true), expected, rtol=1e-6, atol=1e-7
    )


def test_masked_loss_all_regression_fast_branch():
    generator = torch.Generator().manual_seed(2)
    y_pred = torch.randn(7, 3, generator=generator)
    y_true = torch.randn(7, 3, generator=generator)
    y_true[torch.rand(7, 3, generator=generator) < 0.4] = float("nan")
    y_true[:, 2] = float("nan")
    kinds = ["regression"] * 3
    losses = MaskedMultiTaskLoss(kinds, [1, 1, 1])(y_pred, y_true)
    torch.testing.assert_close(
        losses, hand_task_losses(y_pred, y_true, kinds, [1, 1, 1]), rtol=1e-6, atol=0
    )
    assert losses[2].item() == 0.0


@pytest.mark.parametrize("kinds", [["regression"] * 3, ["regression", "binary"] * 2])
def test_masked_squared_error_gradients(kinds):
    # The squared error skips the mask product: its gradients (float64,
    # against finite differences) and values (against the masked path of any
    # other regression loss) must be those of the masked mean.
    generator = torch.Generator().manual_seed(3)
    shape = (9, len(kinds))
    y_pred = torch.randn(shape, generator=generator, dtype=torch.float64)
    y_true = torch.randint(0, 2, shape, generator=generator).double()
    y_true[torch.rand(shape, generator=generator) < 0.3] = float("nan")
    y_true[:, 0] = float("nan")  # a task without labels in the batch
    y_pred.requires_grad_(True)
    sizes = [1] * len(kinds)
    fused = MaskedMultiTaskLoss(kinds, sizes)
    elementwise = MaskedMultiTaskLoss(
        kinds, sizes, regression_loss=lambda a, b: F.mse_loss(a, b, reduction="none")
    )
    assert torch.autograd.gradcheck(lambda y: fused(y, y_true), (y_pred,))
    torch.testing.assert_close(fused(y_pred, y_true), elementwise(y_pred, y_true))


def test_masked_squared_error_keeps_non_finite_outputs():
    # a diverged output at an observed label is not masked away
    y_pred = torch.tensor([[1.0, 2.0], [float("nan"), 0.0]])
    y_true = torch.tensor([[0.0, float("nan")], [1.0, 0.0]])
    losses = MaskedMultiTaskLoss(["regression"] * 2, [1, 1])(y_pred, y_true)
    assert torch.isnan(losses[0])
    assert losses[1].item() == 0.0


def test_masked_loss_ignores_outputs_at_missing_labels():
    y_pred, y_true = mixed_batch()
    criterion = MaskedMultiTaskLoss(KINDS, SIZES)
    missing = torch.isnan(y_true)
    # garbage outputs where the label is missing (one output per task for
    # the regression and binary tasks)
    garbage = y_pred.detach().clone().requires_grad_(True)
    with torch.no_grad():
        for t, column in ((0, 0), (1, 1), (4, 5)):
            garbage[missing[:, t], column] = 1e6
        garbage[missing[:, 3], 2:5] = torch.tensor([1e4, -1e4, 3e3])
    torch.testing.assert_close(criterion(garbage, y_true), criterion(y_pred, y_true))
    (grad,) = torch.autograd.grad(criterion(garbage, y_true).sum(), garbage)
    for t, columns in ((0, [0]), (1, [1]), (3, [2, 3, 4]), (4, [5])):
        assert torch.all(grad[missing[:, t]][:, columns] == 0)


def test_masked_loss_nan_of_one_task_leaves_the_others():
    y_pred, y_true = mixed_batch()
    criterion = MaskedMultiTaskLoss(KINDS, SIZES)
    fewer = y_true.clone()
    fewer[[0, 4], 3] = float("nan")
    fewer[1, 0] = float("nan")
    before, after = criterion(y_pred, y_true), criterion(y_pred, fewer)
    assert torch.equal(before[[1, 2, 4]], after[[1, 2, 4]])
    assert not torch.isclose(before[3], after[3])
    assert not torch.isclose(before[0], after[0])


def test_masked_loss_rejects_reduced_loss_instance():
    with raises(
        ValueError,
        "Expected a regression loss with reduction='none' (one value per "
        "label, so that missing labels can be masked); got reduction="
        "'mean' instead. Pass the loss class, e.g. "
        "criterion__regression_loss=torch.nn.HuberLoss.",
    ):
        MaskedMultiTaskLoss(["regression"], [1], regression_loss=nn.MSELoss())
    # through the net: the same message at fit
    X, Y = regression_data()
    net = MultiTaskNetRegressor(criterion__regression_loss=nn.L1Loss(), **SMALL)
    with raises(ValueError, "got reduction='mean' instead"):
        net.fit(X, Y)


def test_masked_loss_shape_and_argument_errors():
    criterion = MaskedMultiTaskLoss(["regression", "multiclass"], [1, 3])
    with raises(
        ValueError,
        "Expected the module to return outputs of shape (batch, 4) (the "
        "tasks' outputs concatenated: [1, 3]); got (5, 3) instead.",
    ):
        criterion(torch.zeros(5, 3), torch.zeros(5, 2))
    with raises(
        ValueError, "Expected targets of shape (batch, 2); got (5, 3) instead."
    ):
        criterion(torch.zeros(5, 4), torch.zeros(5, 3))
    with raises(
        ValueError,
        "Expected task kinds among ('regression', 'binary', 'multiclass', "
        "'constant'); got ['ordinal'].",
    ):
        MaskedMultiTaskLoss(["ordinal"], [1])
    with raises(ValueError, "Expected one output size per task (2); got 1 instead."):
        MaskedMultiTaskLoss(["binary", "binary"], [1])


# ---------------------------------------------------------- 7. data path
def test_fast_loader_or_none_conditions():
    X, Y = regression_data()
    dataset = Dataset(X, Y.astype(np.float32))
    fast = fast_loader_or_none(dataset, DataLoader, {"batch_size": 8})
    assert isinstance(fast, TensorBatchLoader)
    assert fast_loader_or_none(
        dataset, DataLoader, {"batch_size": 8, "shuffle": True, "drop_last": True}
    ).drop_last
    # any other DataLoader argument, loader class or dataset class steps aside
    assert (
        fast_loader_or_none(dataset, DataLoader, {"batch_size": 8, "num_workers": 0})
        is None
    )
    assert (
        fast_loader_or_none(dataset, DataLoader, {"batch_size": 8, "collate_fn": None})
        is None
    )

    class MyLoader(DataLoader):
        pass

    class MyDataset(Dataset):
        pass

    assert fast_loader_or_none(dataset, MyLoader, {"batch_size": 8}) is None
    assert fast_loader_or_none(MyDataset(X, Y), DataLoader, {"batch_size": 8}) is None
    dict_X = Dataset({"x": X}, Y)  # not arrays in memory: skorch's own path
    assert fast_loader_or_none(dict_X, DataLoader, {"batch_size": 8}) is None
    subset = fast_loader_or_none(
        Subset(dataset, [3, 1, 4]), DataLoader, {"batch_size": 2}
    )
    X_batches = [X_batch for X_batch, _ in subset]
    np.testing.assert_array_equal(torch.cat(X_batches).numpy(), X[[3, 1, 4]])
    csr = fast_loader_or_none(
        Dataset(sparse.csr_matrix(X), Y), DataLoader, {"batch_size": 8}
    )
    assert isinstance(csr, TensorBatchLoader)


def test_tensor_batch_loader_batches():
    X = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10, dtype=np.float32)[:, None] * [1.0, -1.0]
    loader = TensorBatchLoader(X, y, batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [len(X_batch) for X_batch, _ in batches] == [4, 4, 2]
    np.testing.assert_array_equal(torch.cat([b[0] for b in batches]).numpy(), X)
    np.testing.assert_array_equal(torch.cat([b[1] for b in batches]).numpy(), y)
    dropped = TensorBatchLoader(X, y, batch_size=4, drop_last=True)
    assert len(dropped) == 2
    assert [len(X_batch) for X_batch, _ in dropped] == [4, 4]
    assert len(TensorBatchLoader(X, y, batch_size=5, drop_last=True)) == 2
    # a subset, in its order
    rows = [7, 1, 3, 5, 9]
    subset = TensorBatchLoader(X, y, indices=rows, batch_size=2)
    assert len(subset) == 3
    np.testing.assert_array_equal(torch.cat([b[0] for b in subset]).numpy(), X[rows])
    np.testing.assert_array_equal(torch.cat([b[1] for b in subset]).numpy(), y[rows])
    # shuffling: each row once per pass, a new order per pass, torch's generator
    shuffled = TensorBatchLoader(X, y, indices=rows, batch_size=2, shuffle=True)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        passes = [torch.cat([b[1] for b in shuffled])[:, 0].numpy() for _ in range(3)]
        torch.manual_seed(0)
        expected = [np.array(rows)[torch.randperm(5).numpy()] for _ in range(3)]
    for seen, order in zip(passes, expected, strict=True):
        assert sorted(seen.tolist()) == sorted(rows)
        np.testing.assert_array_equal(seen, order)
    assert not all(np.array_equal(passes[0], p) for p in passes[1:])
    # prediction batches hold no targets; sparse inputs are densified
    assert all(y_batch is None for _, y_batch in TensorBatchLoader(X, batch_size=4))
    dense = [b[0] for b in TensorBatchLoader(X, y, indices=rows, batch_size=2)]
    csr = [
        b[0]
        for b in TensorBatchLoader(sparse.csr_matrix(X), y, indices=rows, batch_size=2)
    ]
    for a, b in zip(dense, csr, strict=True):
        assert torch.equal(a, b)


def test_dataloader_path_matches_fast_path():
    X, Y = regression_data()
    params = {
        **SMALL,
        "lr": 0.02,
        "max_epochs": 2,
        "batch_size": 16,
        "train_split": None,
        "iterator_train__shuffle": False,
    }
    fast = MultiTaskNetRegressor(**params).fit(X, Y)
    slow = MultiTaskNetRegressor(iterator_train__num_workers=0, **params).fit(X, Y)
    dataset = Dataset(X, Y.astype(np.float32))
    assert isinstance(fast.get_iterator(dataset, training=True), TensorBatchLoader)
    iterator = slow.get_iterator(dataset, training=True)
    assert type(iterator) is DataLoader
    assert iterator.batch_size == 16
    assert batch_losses(slow) == batch_losses(fast)
    np.testing.assert_array_equal(slow.predict(X), fast.predict(X))


@pytest.mark.parametrize("Net", [MultiTaskNetRegressor, MultiTaskNetClassifier])
def test_sparse_X_gives_the_same_fit_as_dense(Net):
    X, Y = regression_data() if Net is MultiTaskNetRegressor else classification_data()
    X = np.where(np.abs(X) < 0.5, 0.0, X).astype(np.float32)
    params = {**SMALL, "max_epochs": 2, "batch_size": 16, "lr": 0.02}
    dense = Net(**params).fit(X, Y)
    csr = Net(**params).fit(sparse.csr_matrix(X), Y)
    assert batch_losses(csr) == batch_losses(dense)
    assert csr.history[:, "valid_loss"] == dense.history[:, "valid_loss"]
    np.testing.assert_array_equal(csr.predict(sparse.csr_matrix(X)), dense.predict(X))
    np.testing.assert_array_equal(csr.predict(X), dense.predict(X))
