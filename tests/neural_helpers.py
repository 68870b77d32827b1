"""Data, reference computations and small modules shared by the tests of the nets."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback
from torch import nn
from torch.utils.data import Subset

from sklearn_mtl.neural import (
    MultiTaskMLP,
)

# ----------------------------------------------------------------- helpers
N_SAMPLES, N_FEATURES = 40, 5

SMALL = {"module__hidden_units": (8,), "verbose": 0, "random_state": 0}
# Full-batch, unshuffled training without a validation split: deterministic.
FULL_BATCH = {
    **SMALL,
    "batch_size": -1,
    "train_split": None,
    "iterator_train__shuffle": False,
}


def regression_data(n_samples=N_SAMPLES, missing_rate=0.25, seed=0):
    """Three regression tasks on very different scales, with NaN labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES)).astype(np.float32)
    Y = X[:, :3] * [1.0, -10.0, 100.0] + [0.0, 5.0, -50.0]
    Y = Y + rng.normal(scale=[0.1, 1.0, 10.0], size=Y.shape)
    Y[rng.random(Y.shape) < missing_rate] = np.nan
    Y[:3] = np.where(np.isnan(Y[:3]), 1.0, Y[:3])  # a few fully labelled rows
    return X, Y


def classification_data(n_samples=N_SAMPLES, missing_rate=0.25, seed=0):
    """A binary task and a 3-class task (codes 0/1 and 0/1/2), NaN missing."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES)).astype(np.float32)
    binary = (X[:, 0] + 0.3 * rng.normal(size=n_samples) > 0).astype(float)
    multiclass = np.digitize(X[:, 1], [-0.4, 0.4]).astype(float)
    Y = np.column_stack([binary, multiclass])
    Y[rng.random(Y.shape) < missing_rate] = np.nan
    Y[:6, 0] = [0, 1, 0, 1, 0, 1]
    Y[:6, 1] = [0, 1, 2, 0, 1, 2]
    return X, Y


def raises(exception, message):
    """``pytest.raises`` matching the exact message ``message``."""
    return pytest.raises(exception, match=re.escape(message))


def standardized(Y):
    """Per-task standardization with the observed mean and std (ddof=0)."""
    Y = np.asarray(Y, dtype=np.float64)
    out = np.empty_like(Y)
    for t in range(Y.shape[1]):
        observed = Y[~np.isnan(Y[:, t]), t]
        scale = np.std(observed)
        out[:, t] = (Y[:, t] - observed.mean()) / (scale if scale > 0 else 1.0)
    return out


def hand_task_losses(outputs, Y, kinds, sizes, regression_loss=F.mse_loss):
    """Per-task mean losses over each task's observed rows, task by task."""
    losses, start = [], 0
    for t, (kind, size) in enumerate(zip(kinds, sizes, strict=True)):
        columns = outputs[:, start : start + size]
        start += size
        observed = ~torch.isnan(Y[:, t])
        if kind == "constant" or not bool(observed.any()):
            losses.append(outputs.new_zeros(()))
        elif kind == "regression":
            losses.append(regression_loss(columns[observed, 0], Y[observed, t]))
        elif kind == "binary":
            losses.append(
                F.binary_cross_entropy_with_logits(columns[observed, 0], Y[observed, t])
            )
        else:
            losses.append(F.cross_entropy(columns[observed], Y[observed, t].long()))
    return torch.stack(losses)


def plain_torch_loop(
    X,
    Y_encoded,
    *,
    kinds,
    sizes,
    seed,
    lr,
    shuffle,
    task_weights,
    hidden_units=(8,),
    batch_size=16,
    max_epochs=2,
    weight_decay=0.0,
    regression_loss=F.mse_loss,
):
    """The training the nets should do, written without skorch.

    Returns the loss of every batch, the trained model and each task's mean
    loss over its observed labels in each epoch, shape (max_epochs, n_tasks).
    """
    weights = np.asarray(task_weights, dtype=np.float64)
    weights = torch.as_tensor(weights / weights.mean(), dtype=torch.float32)
    X, Y = torch.from_numpy(X), torch.from_numpy(Y_encoded.astype(np.float32))
    batch_losses, epoch_task_losses = [], []
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = MultiTaskMLP(
            input_shape=(X.shape[1],), output_sizes=sizes, hidden_units=hidden_units
        )
        optimizer = torch.optim.Adam(
            model.parameters(), lr=lr, weight_decay=weight_decay
        )
        for _ in range(max_epochs):
            order = torch.randperm(len(X)) if shuffle else torch.arange(len(X))
            totals = counts = 0.0
            for start in range(0, len(X), batch_size):
                rows = order[start : start + batch_size]
                optimizer.zero_grad()
                task_losses = hand_task_losses(
                    model(X[rows]), Y[rows], kinds, sizes, regression_loss
                )
                loss = (weights * task_losses).mean()
                loss.backward()
                optimizer.step()
                batch_losses.append(loss.item())
                observed = (~torch.isnan(Y[rows])).sum(0).numpy()
                totals = totals + task_losses.detach().numpy() * observed
                counts = counts + observed
            epoch_task_losses.append(totals / counts)
    return batch_losses, model, np.array(epoch_task_losses)


def batch_losses(net):
    return [
        loss for epoch in net.history[:, "batches", :, "train_loss"] for loss in epoch
    ]


def assert_same_state(module_a, module_b, **tolerances):
    state_a, state_b = module_a.state_dict(), module_b.state_dict()
    assert list(state_a) == list(state_b)
    for name in state_a:
        np.testing.assert_allclose(
            state_a[name].numpy(), state_b[name].numpy(), err_msg=name, **tolerances
        )


class ThreadsTrunk(nn.Module):
    """An identity trunk that records ``torch.get_num_threads()`` when run."""

    seen = []

    def forward(self, X):
        ThreadsTrunk.seen.append(torch.get_num_threads())
        return X


class RecordThreads(Callback):
    """Records ``torch.get_num_threads()`` at each epoch of a fit."""

    def initialize(self):
        self.seen = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


class SmallCNN(nn.Module):
    """A trunk over (1, 8, 8) images: 3 channels pooled to 2x2, flattened (12)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(2)

    def forward(self, X):
        return torch.flatten(self.pool(torch.relu(self.conv(X))), 1)


def fixed_split(valid_rows):
    """A ``train_split`` validating on ``valid_rows`` (Subsets: fast path)."""

    def split(dataset, y=None, **kwargs):
        train_rows = np.setdiff1d(np.arange(len(dataset)), valid_rows)
        return Subset(dataset, train_rows), Subset(dataset, valid_rows)

    return split
