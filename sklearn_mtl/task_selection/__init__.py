"""Which tasks should learn together: task affinity and task grouping.

:class:`TaskAffinity` measures, during a short training run of a multi-task
net, how a training step on each task changes the loss of every other task
(the lookahead affinity of Fifty et al., 2021), or how the tasks' gradients
align. :class:`GroupedMultiTaskNet` chooses groups of tasks from that
affinity (or takes them by hand), trains one net per group and predicts
every task; :func:`select_task_groups` is its group selection on its own.
:func:`transfer_report` says, task by task, whether sharing helped or hurt
against a single-task model, with the affinity of the other tasks onto each.
"""

from ._affinity import TaskAffinity
from ._grouping import GroupedMultiTaskNet
from ._report import TransferReport, transfer_report
from ._selection import select_task_groups

__all__ = [
    "GroupedMultiTaskNet",
    "TaskAffinity",
    "TransferReport",
    "select_task_groups",
    "transfer_report",
]
