"""Multi-task neural networks through skorch.

:class:`MultiTaskNetRegressor` and :class:`MultiTaskNetClassifier` are skorch
``NeuralNet`` subclasses with masked per-task losses, task weights, per-task
history and an in-memory batching path; :class:`MultiTaskMLP` is their default
shared-trunk network. Architectures live in :mod:`sklearn_mtl.neural.modules`
and the task weighting strategies (``weighting=``) in
:mod:`sklearn_mtl.neural.weighting`.
"""

from ._callbacks import PerTaskLoss, TaskScoring
from ._classifier import MultiTaskNetClassifier
from ._loss import MaskedMultiTaskLoss
from ._regressor import MultiTaskNetRegressor
from .modules import MultiTaskMLP, MultiTaskModule, TaskHeads

__all__ = [
    "MaskedMultiTaskLoss",
    "MultiTaskMLP",
    "MultiTaskModule",
    "MultiTaskNetClassifier",
    "MultiTaskNetRegressor",
    "PerTaskLoss",
    "TaskHeads",
    "TaskScoring",
]
