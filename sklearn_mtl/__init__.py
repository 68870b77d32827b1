"""Multi-task learning for the scikit-learn world.

The public names live in the submodules (:mod:`sklearn_mtl.baselines`,
:mod:`sklearn_mtl.metrics`, :mod:`sklearn_mtl.model_selection`,
:mod:`sklearn_mtl.datasets`, :mod:`sklearn_mtl.utils`); the estimators and the
comparison workflow are also importable from here, with
:func:`show_versions` for bug reports.
"""

from ._show_versions import show_versions
from .baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from .model_selection import MultiTaskStratifiedKFold, compare_estimators

__version__ = "0.1.0.dev0"

__all__ = [
    "IndependentTaskClassifier",
    "IndependentTaskRegressor",
    "MultiTaskStratifiedKFold",
    "PooledTaskClassifier",
    "PooledTaskRegressor",
    "__version__",
    "compare_estimators",
    "show_versions",
]
