"""Multi-task network architectures and the module protocol they follow.

Every module here takes the ``input_shape`` and ``output_sizes`` the nets infer
in ``fit`` and follows the protocol of :class:`MultiTaskModule`: it exposes
its shared representation and its shared parameters, so that every weighting
strategy of :mod:`sklearn_mtl.neural.weighting` works with it.
"""

from ._cross_stitch import CrossStitch
from ._gates import DSelectKGate, SoftmaxGate
from ._heads import TaskHeads
from ._layers import Dropout
from ._mixture import mean_gate_weights
from ._mlp import MultiTaskMLP
from ._mmoe import MMoE
from ._ple import CGC, PLE
from ._protocol import MultiTaskModule
from ._soft_sharing import SoftSharing

__all__ = [
    "CGC",
    "PLE",
    "CrossStitch",
    "DSelectKGate",
    "Dropout",
    "MMoE",
    "MultiTaskMLP",
    "MultiTaskModule",
    "SoftSharing",
    "SoftmaxGate",
    "TaskHeads",
    "mean_gate_weights",
]
