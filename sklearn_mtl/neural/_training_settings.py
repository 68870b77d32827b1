"""The training settings of the nets: early stopping, validation split, verbosity,
and the primary tasks (what early stopping and ``score`` look at)."""

import difflib
import multiprocessing
import numbers
import sys
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

import numpy as np

from ..metrics import get_metric
from ..utils._targets import task_label
from ._callbacks import PRIMARY_SUFFIX, TaskScoring
from ._interruption import InterruptibleTrainingMixin
from ._parameters import NET_CONSTRAINTS, component_parameter_error, validate_net_params
from ._validation_split import CheckedSplit, TaskAwareValidSplit

__all__ = ["TrainingSettingsMixin", "check_primary_tasks", "is_auto"]

# train_split="auto" draws validation_fraction of the rows, stratified over the
# tasks, in an order drawn with a fixed seed: skorch's ValidSplit(5) keeps the
# last rows for validation, which on data stacked task by task (SARCOS,
# School) would validate on the last tasks only.
AUTO_SPLIT_SEED = 0

# verbose="auto" is 0 inside model selection: in a child process (joblib's
# workers) or when fit is called from these packages' model-selection code
# (GridSearchCV, cross_validate, ..., compare_estimators, whatever n_jobs).
QUIET_CALLER_PACKAGES = ("sklearn.model_selection", "sklearn_mtl.model_selection")


class TrainingSettingsMixin(InterruptibleTrainingMixin):
    """How a fit of :class:`BaseMultiTaskNet` resolves its ``"auto"`` settings.

    ``early_stopping``, ``train_split`` (with ``validation_fraction``),
    ``scoring`` and ``verbose`` may be ``"auto"``; these methods validate
    them and decide, for each fit, whether it stops early, on which split and
    history key, and whether it prints its epoch table. ``primary_tasks``
    narrows the monitored key and ``score`` to the primary tasks. A fit ended
    during an epoch by ``KeyboardInterrupt`` is rolled back to its last
    completed epoch and raises it again (see
    :class:`~sklearn_mtl.neural._interruption.InterruptibleTrainingMixin`).
    """

    _parameter_constraints = NET_CONSTRAINTS

    def _check_training_params(self):
        """Validate every parameter (scikit-learn's constraints), the metric of
        ``scoring``, and early stopping against the validation split."""
        validate_net_params(self)
        if self.scoring != "loss":
            get_metric(self.scoring)  # raises on an unknown metric
        if self.early_stopping is True and self._auto_split_disabled():
            raise ValueError(
                "early_stopping=True needs a validation set; got train_split="
                f"{self.train_split!r} and validation_fraction="
                f"{self.validation_fraction!r}. Set validation_fraction (with "
                "train_split='auto') or a train_split that holds out rows."
            )

    def _auto_split_disabled(self):
        """Whether the parameters ask for no validation set at all."""
        if is_auto(self.train_split):
            return self.validation_fraction is None
        return self.train_split is None

    def _uses_early_stopping(self):
        """Whether ``fit`` stops early (``early_stopping`` resolved)."""
        if is_auto(self.early_stopping):
            return not self._auto_split_disabled()
        return bool(self.early_stopping)

    def _early_stopping_monitor(self):
        """The history key that early stopping watches, and whether lower is better.

        ``valid_loss`` or ``valid_<metric>``, with the suffix ``_primary`` when
        the net has primary tasks (``primary_tasks_``): the same quantity over
        the primary tasks only.
        """
        suffix = "" if getattr(self, "primary_tasks_", None) is None else PRIMARY_SUFFIX
        if is_auto(self.scoring) or self.scoring == "loss":
            return "valid_loss" + suffix, True
        spec = get_metric(self.scoring)
        prefix = TaskScoring(self.scoring).history_prefix
        return prefix + suffix, not spec.greater_is_better

    def _check_primary_tasks(self):
        """``primary_tasks`` as sorted task indices (None), for the fitted tasks."""
        names = getattr(self, "task_names_", None)
        primary = check_primary_tasks(self.primary_tasks, self.n_tasks_, names)
        reserved = PRIMARY_SUFFIX[1:]
        if primary is not None and names is not None and reserved in map(str, names):
            raise ValueError(
                f"Expected no task named {reserved!r} with primary_tasks: "
                "its history keys (such as 'valid_loss_primary') are those of the "
                "primary tasks' mean; got a task of that name. Rename the column."
            )
        return primary

    def _primary_columns(self, y, Y_pred):
        """The primary tasks' columns of labels ``y`` and predictions ``Y_pred``.

        Returns them with the indices of the tasks kept: every task, and
        ``y`` and ``Y_pred`` unchanged, when there are no ``primary_tasks`` or
        for a net fitted on 1-D ``y``. A ``y`` without one column per task the
        net was fitted on is an error.
        """
        primary = self.primary_tasks_
        every_task = list(range(self.n_tasks_))
        if not self._single_output:
            shape = np.shape(y)
            if len(shape) != 2 or shape[1] != self.n_tasks_:
                raise ValueError(
                    f"Expected y with {self.n_tasks_} columns, one per task "
                    f"{type(self).__name__} was fitted on; got y of shape {shape} "
                    "instead."
                )
        if primary is None or self._single_output:
            return y, Y_pred, every_task
        if hasattr(y, "iloc"):
            labels = y
        else:
            labels = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if hasattr(labels, "iloc"):
            labels = labels.iloc[:, primary]
        else:
            labels = labels[:, primary]
        return labels, np.asarray(Y_pred)[:, primary], primary.tolist()

    def _resolved_train_split(self):
        """The split in use: ``train_split``, or for ``"auto"`` a split of
        ``validation_fraction`` of the rows that keeps every task on both
        sides when early stopping is on (``early_stopping`` resolved; in
        ``partial_fit`` too, which validates on it without stopping), else
        none. A split is checked to leave every task a training label."""
        split = self.train_split
        if is_auto(split):
            if self.validation_fraction is None or not self._uses_early_stopping():
                return None
            split = TaskAwareValidSplit(
                self.validation_fraction,
                random_state=AUTO_SPLIT_SEED,
                owner=type(self).__name__,
                task_kinds=getattr(self, "task_kinds_", None),
            )
        return CheckedSplit(split, self) if split else split

    def resolved_verbose(self):
        """The verbosity of a fit now: ``verbose``, with ``"auto"`` resolved.

        ``"auto"`` is 0 (no epoch table) inside model selection, else 1:
        in a child process (a joblib worker of ``GridSearchCV(n_jobs=2)``,
        ``cross_validate``, ...) or when ``fit`` is called, directly or not,
        from ``sklearn.model_selection`` or
        ``sklearn_mtl.model_selection`` (searches and their refit,
        ``cross_validate``, ``compare_estimators``, ... with any ``n_jobs``).

        Returns
        -------
        verbose : int
        """
        if not is_auto(self.verbose):
            return int(self.verbose)
        return 0 if _inside_model_selection() else 1

    @contextmanager
    def _training_session(self, *, early_stopping, continues):
        """A fit's resolved settings: early stopping (``fit`` only), and
        ``verbose`` as an integer (restored after the fit); ``n_iter_`` counts
        the epochs added to the history (kept when the fit ``continues``)."""
        verbose = self.verbose
        self._early_stopping_active = early_stopping and self._uses_early_stopping()
        self.verbose = self.resolved_verbose()
        self.best_epoch_ = None
        start = len(self.history_) if continues and self.history_ is not None else 0
        try:
            yield
        finally:
            interrupted_epoch = self.__dict__.pop("_interrupted_epoch", None)
            self.verbose = verbose
            self._early_stopping_active = False
            for name in (
                "_split_groups",
                "_completed_state",
                "_epoch_open",
                "_open_row",
                "_interrupted_during_epoch",
            ):
                self.__dict__.pop(name, None)
            history = self.history_
            self.n_iter_ = len(history) - start if history is not None else 0
            self.interrupted_ = interrupted_epoch is not None
        if interrupted_epoch is not None:
            raise KeyboardInterrupt(self._interruption_message(interrupted_epoch))

    def initialize(self):
        """skorch's; an invalid ``module__<name>`` (``criterion__``,
        ``weighting__``, ``optimizer__``) argument is named as given, and a
        trunk that cannot take the samples says so."""
        try:
            return super().initialize()
        except (ValueError, TypeError) as error:
            translated = component_parameter_error(self, error)
            if translated is None:
                raise
            raise translated from error
        except RuntimeError as error:
            trunk = vars(self).get("module__trunk")
            if trunk is None or not hasattr(self, "input_shape_"):
                raise
            raise ValueError(
                f"The trunk (module__trunk={trunk!r}) fails on a batch of samples "
                f"of shape {tuple(self.input_shape_)}, the shape of X's rows: "
                f"{error}. Give the trunk an input size that matches X."
            ) from error


def check_primary_tasks(primary_tasks, n_tasks, task_names=None):
    """Validate ``primary_tasks`` of a net: the indices of the tasks it names.

    Parameters
    ----------
    primary_tasks : None, str, int or list of str or int
        Task names (of a DataFrame ``Y``) or indices; a single name or index
        stands for a list of one.
    n_tasks : int
        Number of tasks.
    task_names : array-like of str or None, default=None
        Names of the tasks.

    Returns
    -------
    indices : ndarray of int or None
        The primary tasks' indices in increasing order; None for None.
    """
    if primary_tasks is None:
        return None
    expected = (
        "Expected primary_tasks to be None or a non-empty list of task names or "
        f"indices; got {primary_tasks!r} instead."
    )
    if isinstance(primary_tasks, str | numbers.Integral):
        items = [primary_tasks]
    elif isinstance(primary_tasks, Mapping) or not isinstance(primary_tasks, Iterable):
        raise ValueError(expected)
    else:
        items = list(primary_tasks)
    if not items:
        raise ValueError(expected)
    names = None if task_names is None else [str(name) for name in task_names]
    indices = [_task_index(item, n_tasks, names, expected) for item in items]
    if len(set(indices)) != len(indices):
        repeated = sorted({t for t in indices if indices.count(t) > 1})
        described = ", ".join(task_label(t, task_names) for t in repeated)
        raise ValueError(
            f"Expected primary_tasks without duplicates; got {primary_tasks!r} "
            f"instead (task {described} more than once)."
        )
    return np.array(sorted(indices), dtype=np.intp)


def _task_index(item, n_tasks, names, expected):
    """The index of one entry of ``primary_tasks``."""
    if isinstance(item, bool | np.bool_):
        raise ValueError(expected)
    if isinstance(item, numbers.Integral):
        if not 0 <= item < n_tasks:
            raise ValueError(
                f"Expected primary_tasks indices in [0, {n_tasks}); got {item} instead."
            )
        return int(item)
    if not isinstance(item, str):
        raise ValueError(expected)
    if names is None:
        raise ValueError(
            "Expected primary_tasks to be task indices: the tasks have no names "
            f"(pass Y as a pandas DataFrame to name them); got {item!r} instead."
        )
    if item not in names:
        close = difflib.get_close_matches(item, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Expected primary_tasks to name tasks among {names}; got {item!r} "
            f"instead.{hint}"
        )
    return names.index(item)


def is_auto(value):
    """Whether a parameter is the string ``"auto"``."""
    return isinstance(value, str) and value == "auto"


def _inside_model_selection():
    """Whether this fit runs inside model selection (see ``resolved_verbose``)."""
    if multiprocessing.parent_process() is not None:
        return True
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__") or ""
        if name.startswith(QUIET_CALLER_PACKAGES):
            return True
        frame = frame.f_back
    return False
