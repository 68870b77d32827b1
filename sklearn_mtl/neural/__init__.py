"""Multi-task neural networks through skorch.

:class:`MultiTaskNetRegressor`, :class:`MultiTaskNetClassifier` and
:class:`MultiTaskNet` (tasks of different types: regression and
classification in one net) are skorch ``NeuralNet`` subclasses with masked
per-task losses, task weights, sample weights, per-task history and an
in-memory batching path; :class:`MultiTaskMLP` is their default shared-trunk
network. Architectures live in :mod:`sklearn_mtl.neural.modules`
and the task weighting strategies (``weighting=``) in
:mod:`sklearn_mtl.neural.weighting`.
"""

from ._accelerate import MultiTaskAccelerateMixin
from ._callbacks import PerTaskLoss, TaskScoring
from ._classifier import MultiTaskNetClassifier
from ._loss import MaskedMultiTaskLoss
from ._mixed import MultiTaskNet
from ._regressor import MultiTaskNetRegressor
from .modules import (
    CGC,
    PLE,
    CrossStitch,
    Dropout,
    DSelectKGate,
    MMoE,
    MultiTaskMLP,
    MultiTaskModule,
    SoftmaxGate,
    SoftSharing,
    TaskHeads,
    mean_gate_weights,
)

__all__ = [
    "CGC",
    "PLE",
    "CrossStitch",
    "DSelectKGate",
    "Dropout",
    "MMoE",
    "MaskedMultiTaskLoss",
    "MultiTaskAccelerateMixin",
    "MultiTaskMLP",
    "MultiTaskModule",
    "MultiTaskNet",
    "MultiTaskNetClassifier",
    "MultiTaskNetRegressor",
    "PerTaskLoss",
    "SoftSharing",
    "SoftmaxGate",
    "TaskHeads",
    "TaskScoring",
    "mean_gate_weights",
]
