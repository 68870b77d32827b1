"""Task weighting and gradient aggregation strategies for the multi-task nets.

Pass one as ``weighting=`` to :class:`~sklearn_mtl.neural.MultiTaskNetRegressor`
or :class:`~sklearn_mtl.neural.MultiTaskNetClassifier`, as an object
(``weighting=PCGrad()``, grid-searchable with ``weighting__<param>``) or by its
name (``weighting="pcgrad"``; the names are the keys of ``WEIGHTINGS``, plus
``"aux_cosine"`` for :class:`AuxiliaryCosine`, which needs the net's
``primary_tasks``). ``weighting=None`` keeps the static task weights.

Loss-based strategies reweight the task losses and cost one backward pass, as
the summed loss does. Gradient-based ones combine the per-task gradients with
respect to the shared representation (default) or the shared parameters;
their :meth:`~GradientAggregator.aggregate` method combines a Jacobian
``(n_tasks, dim)`` into one direction and can be used on its own.
"""

from ._aggregator import GradientAggregator
from ._aligned_mtl import AlignedMTL
from ._aux_cosine import AuxiliaryCosine
from ._base import LossWeighting, StaticWeighting, TaskWeighting, TrainingStep
from ._cagrad import CAGrad
from ._dwa import DynamicWeightAverage
from ._famo import FAMO
from ._gls import GeometricLossStrategy
from ._graddrop import GradDrop
from ._gradnorm import GradNorm
from ._gradvac import GradVac
from ._imtl_g import IMTLG
from ._imtl_l import IMTLL
from ._mgda import MGDA
from ._nash_mtl import NashMTL
from ._pcgrad import PCGrad
from ._registry import WEIGHTINGS, check_weighting
from ._rlw import RandomLossWeighting
from ._uncertainty import UncertaintyWeighting
from ._upgrad import UPGrad

__all__ = [
    "FAMO",
    "IMTLG",
    "IMTLL",
    "MGDA",
    "WEIGHTINGS",
    "AlignedMTL",
    "AuxiliaryCosine",
    "CAGrad",
    "DynamicWeightAverage",
    "GeometricLossStrategy",
    "GradDrop",
    "GradNorm",
    "GradVac",
    "GradientAggregator",
    "LossWeighting",
    "NashMTL",
    "PCGrad",
    "RandomLossWeighting",
    "StaticWeighting",
    "TaskWeighting",
    "TrainingStep",
    "UPGrad",
    "UncertaintyWeighting",
    "check_weighting",
]
