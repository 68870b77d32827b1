"""The training settings of the nets: early stopping, validation split, verbosity."""

import multiprocessing
import numbers
import sys
from contextlib import contextmanager

import numpy as np
from skorch.dataset import ValidSplit

from ..metrics import get_metric
from ._callbacks import TaskScoring

__all__ = ["TrainingSettingsMixin", "is_auto"]

# train_split="auto" draws validation_fraction of the rows at random with a
# fixed seed: skorch's ValidSplit(5) keeps the last rows for validation, which
# on data stacked task by task (SARCOS, School) would validate on the last
# tasks only.
AUTO_SPLIT_SEED = 0

# verbose="auto" is 0 inside model selection: in a child process (joblib's
# workers) or when fit is called from these packages' model-selection code
# (GridSearchCV, cross_validate, ..., compare_estimators, whatever n_jobs).
QUIET_CALLER_PACKAGES = ("sklearn.model_selection", "sklearn_mtl.model_selection")


class TrainingSettingsMixin:
    """How a fit of :class:`BaseMultiTaskNet` resolves its ``"auto"`` settings.

    ``early_stopping``, ``train_split`` (with ``validation_fraction``),
    ``scoring`` and ``verbose`` may be ``"auto"``; these methods validate
    them and decide, for each fit, whether it stops early, on which split and
    history key, and whether it prints its epoch table.
    """

    def _check_training_params(self):
        """Validate the parameters of early stopping and verbosity."""
        if not (
            is_auto(self.early_stopping)
            or isinstance(self.early_stopping, bool | np.bool_)
        ):
            raise ValueError(
                "Expected early_stopping to be 'auto', True or False; got "
                f"{self.early_stopping!r} instead."
            )
        fraction = self.validation_fraction
        if fraction is not None and not (
            isinstance(fraction, numbers.Real)
            and not isinstance(fraction, bool)
            and 0 < fraction < 1
        ):
            raise ValueError(
                "Expected validation_fraction to be a float in (0, 1) or None; "
                f"got {fraction!r} instead."
            )
        patience = self.n_iter_no_change
        if not (
            isinstance(patience, numbers.Integral)
            and not isinstance(patience, bool)
            and patience >= 1
        ):
            raise ValueError(
                "Expected n_iter_no_change to be an integer >= 1; got "
                f"{patience!r} instead."
            )
        if not (isinstance(self.tol, numbers.Real) and self.tol >= 0):
            raise ValueError(
                f"Expected tol to be a non-negative number; got {self.tol!r} instead."
            )
        if self.scoring != "loss":
            get_metric(self.scoring)  # raises on an unknown metric
        verbose = self.verbose
        if not (is_auto(verbose) or isinstance(verbose, numbers.Integral)):
            raise ValueError(
                f"Expected verbose to be 'auto' or an integer; got {verbose!r} instead."
            )
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
        """The history key that early stopping watches, and whether lower is better."""
        if is_auto(self.scoring) or self.scoring == "loss":
            return "valid_loss", True
        spec = get_metric(self.scoring)
        return TaskScoring(self.scoring).history_prefix, not spec.greater_is_better

    def _resolved_train_split(self):
        """The split in use: ``train_split``, or for ``"auto"`` a seeded shuffled
        split of ``validation_fraction`` of the rows when early stopping is on
        (``early_stopping`` resolved; in ``partial_fit`` too, which validates
        on it without stopping), else none."""
        if not is_auto(self.train_split):
            return self.train_split
        if self.validation_fraction is None or not self._uses_early_stopping():
            return None
        return ValidSplit(self.validation_fraction, random_state=AUTO_SPLIT_SEED)

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
        start = len(self.history_) if continues else 0
        try:
            yield
        finally:
            self.verbose = verbose
            self._early_stopping_active = False
        self.n_iter_ = len(self.history_) - start if self.history_ is not None else 0


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
