"""Task-aware splitters and the per-task comparison of estimators."""

from ._split import MultiTaskStratifiedKFold

__all__ = ["MultiTaskStratifiedKFold"]
