"""Task-aware splitters and the per-task comparison of estimators."""

from ._compare import compare_estimators
from ._comparison import ComparisonResult
from ._split import MultiTaskStratifiedKFold

__all__ = ["ComparisonResult", "MultiTaskStratifiedKFold", "compare_estimators"]
