"""Validation of the multi-task data contract and layout helpers."""

from ._layout import from_task_lists, long_to_wide, select_own_task, wide_to_long
from ._targets import MultiTaskTargets, check_multitask_targets
from ._weights import check_sample_weight, check_task_weights

__all__ = [
    "MultiTaskTargets",
    "check_multitask_targets",
    "check_sample_weight",
    "check_task_weights",
    "from_task_lists",
    "long_to_wide",
    "select_own_task",
    "wide_to_long",
]
