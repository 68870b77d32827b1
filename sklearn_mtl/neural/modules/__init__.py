"""Multi-task network architectures and the module protocol they follow.

Every module here takes the ``input_shape`` and ``output_sizes`` the nets infer
in ``fit`` and follows the protocol of :class:`MultiTaskModule`: it exposes
its shared representation and its shared parameters, so that every weighting
strategy of :mod:`sklearn_mtl.neural.weighting` works with it.
"""

from ._heads import TaskHeads
from ._mlp import MultiTaskMLP
from ._protocol import MultiTaskModule

__all__ = ["MultiTaskMLP", "MultiTaskModule", "TaskHeads"]
