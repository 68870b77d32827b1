"""Task weighting and gradient aggregation strategies for the multi-task nets.

Pass one as ``weighting=`` to :class:`~sklearn_mtl.neural.MultiTaskNetRegressor`
or :class:`~sklearn_mtl.neural.MultiTaskNetClassifier`, as an object
(``weighting=PCGrad()``, grid-searchable with ``weighting__<param>``) or by its
name (``weighting="pcgrad"``). ``weighting=None`` keeps the static task
weights.

Loss-based strategies reweight the task losses and cost one backward pass, as
the summed loss does. Gradient-based ones combine the per-task gradients with
respect to the shared representation (default) or the shared parameters;
their :meth:`~GradientAggregator.aggregate` method combines a Jacobian
``(n_tasks, dim)`` into one direction and can be used on its own.
"""

from ._aggregator import GradientAggregator
from ._base import (
    LossWeighting,
    StaticWeighting,
    TaskWeighting,
    TrainingStep,
)
from ._pcgrad import PCGrad
from ._registry import WEIGHTINGS, check_weighting
from ._uncertainty import UncertaintyWeighting

__all__ = [
    "WEIGHTINGS",
    "GradientAggregator",
    "LossWeighting",
    "PCGrad",
    "StaticWeighting",
    "TaskWeighting",
    "TrainingStep",
    "UncertaintyWeighting",
    "check_weighting",
]
