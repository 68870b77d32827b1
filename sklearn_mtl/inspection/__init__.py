"""Displays of multi-task models, comparisons and training, in scikit-learn's style.

Each display is built with ``from_estimator`` (or ``from_predictions``,
``from_result``, ``from_labels``) and drawn with ``plot(ax=...)``, which
returns the display with ``figure_`` and ``ax_`` (or ``axes_``) set, as
scikit-learn's displays do. Every display skips missing labels (NaN) task by
task. matplotlib is optional: it is imported when a display plots, and a
clear error says how to install it when it is absent.
"""

from ._coefficients import CoefficientDisplay
from ._comparison import ComparisonDisplay
from ._history import TaskHistoryDisplay
from ._path import RegularizationPathDisplay
from ._regression import MultiTaskPredictionErrorDisplay
from ._relationship import TaskRelationshipDisplay
from ._roc import MultiTaskRocCurveDisplay

__all__ = [
    "CoefficientDisplay",
    "ComparisonDisplay",
    "MultiTaskPredictionErrorDisplay",
    "MultiTaskRocCurveDisplay",
    "RegularizationPathDisplay",
    "TaskHistoryDisplay",
    "TaskRelationshipDisplay",
]
