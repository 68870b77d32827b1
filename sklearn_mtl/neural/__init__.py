"""Multi-task neural networks through skorch.

:class:`MultiTaskNetRegressor` and :class:`MultiTaskNetClassifier` are skorch
``NeuralNet`` subclasses with masked per-task losses, task weights, per-task
history and an in-memory batching path; :class:`MultiTaskMLP` is their default
shared-trunk network.
"""

from ._callbacks import PerTaskLoss, TaskScoring
from ._classifier import MultiTaskNetClassifier
from ._loss import MaskedMultiTaskLoss
from ._modules import MultiTaskMLP, TaskHeads
from ._regressor import MultiTaskNetRegressor

__all__ = [
    "MaskedMultiTaskLoss",
    "MultiTaskMLP",
    "MultiTaskNetClassifier",
    "MultiTaskNetRegressor",
    "PerTaskLoss",
    "TaskHeads",
    "TaskScoring",
]
