"""Callbacks of the nets: per-task training curves in the history, early
stopping on them, and the learning-rate schedule on the validation loss."""

import inspect
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler

from ..metrics import get_metric

__all__ = [
    "PRIMARY_SUFFIX",
    "BestEpochStopping",
    "PerTaskLoss",
    "TaskScoring",
    "ValidationPlateau",
]

# Suffix of the history keys of the primary tasks' mean (``valid_loss_primary``).
PRIMARY_SUFFIX = "_primary"


def primary_mean(values, net):
    """Mean of the per-task ``values`` over the net's primary tasks, or None.

    None when the net has no primary tasks; NaN when none of them has a value
    (NaN: no label in the epoch, or a task that could not be scored).
    """
    primary = getattr(net, "primary_tasks_", None)
    if primary is None:
        return None
    values = np.asarray(values, dtype=float)[primary]
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else np.nan


class PerTaskLoss(Callback):
    """Record each task's mean loss, and their weighted mean, at every epoch.

    A default callback of the multi-task nets, in place of skorch's
    ``PassthroughScoring`` of ``train_loss`` and ``valid_loss``. A task's epoch
    loss is its mean loss over all its observed labels of the epoch (the
    per-batch losses weighted by the task's number of labels in each batch,
    or by the sum of their sample weights in a fit with ``sample_weight``;
    NaN when it has none). The epoch's ``train_loss`` and ``valid_loss`` are
    the task-weighted mean of these, ``mean_t(w_t * loss_t)`` over the tasks
    with labels: the training objective on the epoch's rows, whatever the
    composition of the batches (an average of batch losses would count a task
    absent from a batch as a zero loss). It writes ``train_loss_<task>`` and
    ``valid_loss_<task>`` (``<task>`` being the task's name, or ``task<t>``)
    with their ``_best`` flags (``valid_loss_<task>_best`` is True at the
    epochs where task ``<task>``'s validation loss reached a new minimum, so
    that skorch's ``Checkpoint(monitor="valid_loss_<task>_best")`` keeps the
    best epoch of one task), ``train_loss`` and ``valid_loss`` with their
    ``_best`` flags (the
    objective of the net's weighting strategy, see
    :meth:`~sklearn_mtl.neural.weighting.TaskWeighting.epoch_objective`), and
    ``task_weights``: the weights the strategy applied, averaged over the
    training batches where each task had labels (NaN if it had none). When
    the module has a ``penalty()`` (see
    :class:`~sklearn_mtl.neural.modules.MultiTaskModule`), its mean over the
    training batches is recorded as ``train_penalty`` and included in
    ``train_loss``. With primary tasks (the net's ``primary_tasks``),
    ``train_loss_primary`` and ``valid_loss_primary`` (with their ``_best``
    flags) are the plain mean of the primary tasks' epoch losses (those
    with labels in the epoch; NaN if none has), without static task weights
    or penalty: the quantity early stopping then watches, the same whatever
    the weights of the tasks. The batches' losses are kept and averaged at
    the end of the epoch, so recording costs no computation or device
    synchronization per batch.
    """

    def initialize(self):
        self.best_ = {"train": np.inf, "valid": np.inf}
        self.primary_best_ = {"train": np.inf, "valid": np.inf}
        self.task_best_ = {"train": None, "valid": None}
        return self

    def on_epoch_begin(self, net, **kwargs):
        self._clear_batches()

    def _clear_batches(self):
        """Forget the epoch's batches: a fitted net holds (and pickles) none."""
        self.batches_ = {"train": [], "valid": []}
        self.penalties_ = []

    def on_batch_end(
        self,
        net,
        batch=None,
        training=False,
        task_losses=None,
        task_weights=None,
        penalty=None,
        **kw,
    ):
        if task_losses is not None:
            phase = "train" if training else "valid"
            self.batches_[phase].append((task_losses.detach(), batch[1], task_weights))
        if penalty is not None:
            self.penalties_.append(penalty)

    def on_epoch_end(self, net, **kwargs):
        try:
            self._record_epoch(net)
        finally:
            self._clear_batches()

    def on_train_end(self, net, **kwargs):
        self._clear_batches()  # an epoch interrupted before its end

    def _record_epoch(self, net):
        for phase, batches in self.batches_.items():
            if not batches:
                continue
            means, counts = self._task_means(net, batches)
            keys = net.task_history_keys(f"{phase}_loss")
            best = self.task_best_[phase]
            if best is None or len(best) != len(means):
                best = np.full(len(means), np.inf)
            improved = np.isfinite(means) & (means < best)  # NaN: no labels
            self.task_best_[phase] = np.where(improved, means, best)
            for key, value, is_best in zip(
                keys, means.tolist(), improved.tolist(), strict=True
            ):
                net.history.record(key, value)
                net.history.record(f"{key}_best", is_best)
            loss = net.weighting_.epoch_objective(means)
            if phase == "train" and self.penalties_:
                penalty = torch.stack(self.penalties_).mean().item()
                net.history.record("train_penalty", penalty)
                loss += penalty
            net.history.record(f"{phase}_loss", loss)
            net.history.record(f"{phase}_loss_best", bool(loss < self.best_[phase]))
            self.best_[phase] = min(loss, self.best_[phase])
            primary = primary_mean(means, net)
            if primary is not None:
                key = f"{phase}_loss{PRIMARY_SUFFIX}"
                is_best = bool(primary < self.primary_best_[phase])  # False for NaN
                net.history.record(key, primary)
                net.history.record(f"{key}_best", is_best)
                if is_best:
                    self.primary_best_[phase] = primary
            if phase == "train":
                weights = self._epoch_weights(net, batches, counts)
                net.history.record("task_weights", weights)

    @staticmethod
    def _task_means(net, batches):
        """Each task's mean loss over its observed labels in ``batches``, and
        the number (or total sample weight) of labels of each task in each
        batch."""
        losses = torch.stack([losses for losses, _, _ in batches]).cpu().numpy()
        targets = [y for _, y, _ in batches]
        labels, weights = net.unpack_targets(torch.cat(targets).cpu().numpy())
        observed = ~np.isnan(labels)
        if weights is not None:
            observed = observed * weights[:, None].astype(np.float64)
        starts = np.cumsum([0] + [len(y) for y in targets[:-1]])
        counts = np.add.reduceat(observed, starts, axis=0)  # (n_batches, n_tasks)
        totals = (losses * counts).sum(0)
        observed_per_task = counts.sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(observed_per_task > 0, totals / observed_per_task, np.nan)
        return means, counts

    @staticmethod
    def _epoch_weights(net, batches, counts):
        """Mean weight each task got in the batches where it had labels."""
        if all(weights is None for _, _, weights in batches):
            return net.task_weights_.tolist()  # the static weights, as given
        weights = np.stack(
            [
                net.task_weights_ if w is None else w.detach().cpu().numpy()
                for _, _, w in batches
            ]
        ).astype(float)
        weights[counts == 0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a task never labelled
            return np.nanmean(weights, axis=0).tolist()


class TaskScoring(Callback):
    """Record a metric of each task on the validation (or training) batches.

    The scores are computed at the end of each epoch from the outputs the net
    produced on the epoch's batches (no extra forward pass), in the original
    label space, with the mask-aware metrics of :mod:`sklearn_mtl.metrics`
    (weighted by the rows' weights in a fit with ``sample_weight``; a metric
    with a ``task_types`` parameter, such as ``"mixed"``, gets the net's).
    The history gets ``<prefix>_<metric>_<task>`` for each task and
    ``<prefix>_<metric>``, their mean; an improvement of the mean is flagged
    in ``<prefix>_<metric>_best``, as skorch's ``EpochScoring`` does. A net
    with primary tasks (``primary_tasks``) also gets
    ``<prefix>_<metric>_primary``, the mean over the primary tasks, with its
    ``_best`` flag.

    Parameters
    ----------
    metric : str or callable, default="r2"
        A metric name of :func:`~sklearn_mtl.metrics.get_metric` (``"r2"``,
        ``"roc_auc"``, ``"accuracy"``, ``"mixed"``, ...) or a metric function
        ``f(Y_true, Y_pred, multioutput="raw_values")`` (which must also take
        ``sample_weight`` to score a fit with sample weights).
    on_train : bool, default=False
        Whether to score the training batches (outputs of the network in
        training mode, as they were computed) instead of the validation ones.
    name : str or None, default=None
        Name used in the history keys; the metric's name (or function name)
        by default.

    Examples
    --------
    >>> from skorch.callbacks import EarlyStopping
    >>> from sklearn_mtl.neural import MultiTaskNetClassifier, TaskScoring
    >>> net = MultiTaskNetClassifier(
    ...     callbacks=[
    ...         TaskScoring("roc_auc"),
    ...         EarlyStopping(
    ...             monitor="valid_roc_auc", lower_is_better=False, load_best=True
    ...         ),
    ...     ]
    ... )
    """

    def __init__(self, metric="r2", on_train=False, name=None):
        self.metric = metric
        self.on_train = on_train
        self.name = name

    def initialize(self):
        self.spec_ = get_metric(self.metric)
        if not self.spec_.per_task:
            raise ValueError(
                f"Expected a metric with one value per task; {self.metric!r} "
                "pools the tasks."
            )
        self.best_ = None
        self.primary_best_ = None
        return self

    @property
    def history_prefix(self):
        """``<phase>_<name>``: the history key of the mean, and its per-task prefix."""
        name = self.name or (
            self.metric if isinstance(self.metric, str) else self.metric.__name__
        )
        return f"{'train' if self.on_train else 'valid'}_{name}"

    def on_epoch_begin(self, net, **kwargs):
        self._clear_batches()

    def _clear_batches(self):
        """Forget the epoch's outputs: a fitted net holds (and pickles) none."""
        self.outputs_, self.targets_ = [], []

    def on_train_end(self, net, **kwargs):
        self._clear_batches()  # an epoch interrupted before its end

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training == self.on_train and y_pred is not None:
            self.outputs_.append(y_pred.detach())
            self.targets_.append(batch[1].detach())

    def on_epoch_end(self, net, **kwargs):
        try:
            self._score_epoch(net)
        finally:
            self._clear_batches()

    def _score_epoch(self, net):
        if not self.outputs_:
            return
        outputs = torch.cat(self.outputs_).cpu().numpy()
        targets, weights = net.unpack_targets(torch.cat(self.targets_).cpu().numpy())
        Y_true, Y_pred = net.scoring_inputs(outputs, targets, self.spec_)
        kwargs = {}
        parameters = inspect.signature(self.spec_.function).parameters
        if "task_types" in parameters:
            kwargs["task_types"] = list(net._target_encoding.task_types)
        if weights is not None:
            if "sample_weight" not in parameters:
                name = getattr(self.spec_.function, "__name__", self.metric)
                raise ValueError(
                    "Expected a metric that takes sample_weight to score a fit "
                    f"with sample weights; {name!r} does not."
                )
            kwargs["sample_weight"] = weights.astype(np.float64)
        scores = np.asarray(
            self.spec_.function(Y_true, Y_pred, multioutput="raw_values", **kwargs),
            dtype=float,
        )
        prefix = self.history_prefix
        for key, score in zip(
            net.task_history_keys(prefix), scores.tolist(), strict=True
        ):
            net.history.record(key, score)
        mean = float(np.nanmean(scores)) if np.any(np.isfinite(scores)) else np.nan
        is_best = self._improves(mean, self.best_)
        if is_best:
            self.best_ = mean
        net.history.record(prefix, mean)
        net.history.record(f"{prefix}_best", is_best)
        primary = primary_mean(scores, net)
        if primary is not None:
            is_best = self._improves(primary, self.primary_best_)
            if is_best:
                self.primary_best_ = primary
            net.history.record(prefix + PRIMARY_SUFFIX, primary)
            net.history.record(f"{prefix}{PRIMARY_SUFFIX}_best", is_best)

    def _improves(self, value, best):
        """Whether ``value`` (NaN: no) is better than ``best`` (None: yes)."""
        sign = 1 if self.spec_.greater_is_better else -1
        return bool(np.isfinite(value)) and (best is None or sign * (value - best) > 0)


class BestEpochStopping(Callback):
    """Stop when a validation quantity stops improving; restore the best epoch.

    The early stopping of the multi-task nets (``early_stopping``), a default
    callback named ``"early_stopping"``, in scikit-learn's manner (as
    ``MLPRegressor``'s): the net's ``n_iter_no_change`` and ``tol`` are the
    patience and the minimum improvement, and the monitored quantity is the
    validation loss (``scoring="loss"``) or the mean over tasks of a per-task
    validation score (``scoring="roc_auc"``, ... recorded by a
    :class:`TaskScoring` callback); for a net with primary tasks
    (``primary_tasks``), that quantity over the primary tasks only
    (``valid_loss_primary``, ``valid_<metric>_primary``). A monitored value
    that is NaN (no task, or no primary task, could be evaluated on the
    validation rows) is an error. Training stops after ``n_iter_no_change``
    consecutive epochs without an improvement of at least ``tol`` over the
    best value so far; then the state of the epoch with the best value (the
    first one on a tie) is restored: a copy of the module's and the
    criteria's (the weighting strategy's) ``state_dict``, kept in memory, no
    file. The net records the epoch as ``best_epoch_``. It is active in
    ``fit`` only (``partial_fit`` trains ``max_epochs`` epochs).

    The optimizer's state is not restored: it is that of the last epoch,
    which matters only to a later ``partial_fit`` or warm-started ``fit``.
    """

    def on_train_begin(self, net, **kwargs):
        self.active_ = bool(getattr(net, "_early_stopping_active", False))
        self.monitor_, self.lower_is_better_ = net._early_stopping_monitor()
        self.best_value_ = None
        self.best_epoch_ = None
        self.best_state_ = None
        self.misses_ = 0

    def on_epoch_end(self, net, **kwargs):
        if not self.active_:
            return
        row = net.history[-1]
        if self.monitor_ not in row:
            raise ValueError(
                f"Early stopping monitors {self.monitor_!r}, which epoch "
                f"{row['epoch']} did not record: train_split gave no validation "
                "set. Set early_stopping=False, or a train_split that returns "
                "one."
            )
        value = row[self.monitor_]
        sign = 1.0 if self.lower_is_better_ else -1.0
        finite = value is not None and np.isfinite(value)
        if not finite:
            primary = self.monitor_.endswith(PRIMARY_SUFFIX)
            tasks = (
                f"none of the primary tasks {_task_names(net, net.primary_tasks_)}"
                if primary
                else "no task"
            )
            raise ValueError(
                f"Early stopping monitors {self.monitor_!r}, which is {value} at "
                f"epoch {row['epoch']}: {tasks} could be evaluated on the "
                "validation rows (no observed label there, or a single class for "
                "a ranking metric). Hold out more rows (validation_fraction), "
                "give a validation set with labels of the "
                f"{'primary tasks' if primary else 'tasks'} (train_split), or set "
                "early_stopping=False."
            )
        best = self.best_value_
        if finite and (best is None or sign * (value - best) < 0):
            self.best_value_, self.best_epoch_ = value, row["epoch"]
            self.best_state_ = _state_copy(net)
        if finite and (best is None or sign * (value - best) < -net.tol):
            self.misses_ = 0
        else:
            self.misses_ += 1
        if self.misses_ >= net.n_iter_no_change:
            if net.verbose:
                print(
                    f"Stopping: {self.monitor_} has not improved by at least "
                    f"tol={net.tol} in the last {net.n_iter_no_change} epochs; "
                    f"restoring epoch {self.best_epoch_}."
                )
            raise KeyboardInterrupt  # how skorch callbacks end training

    def on_train_end(self, net, **kwargs):
        if not self.active_:
            return
        if (
            self.best_state_ is not None
            and self.best_epoch_ != net.history[-1, "epoch"]
        ):
            for name, state in self.best_state_.items():
                getattr(net, name + "_").load_state_dict(state)
        net.best_epoch_ = self.best_epoch_
        self.best_state_ = None  # not kept (nor pickled) after fit

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("best_state_", None)
        return state


class ValidationPlateau(LRScheduler):
    """skorch's ``LRScheduler`` with torch's ``ReduceLROnPlateau`` on ``valid_loss``.

    The learning rate is multiplied by ``factor`` after ``patience`` epochs
    without a lower validation loss; the rate of each epoch is in the history
    (``event_lr``). In a fit without validation rows the rate stays constant.
    Each ``fit`` or ``partial_fit`` starts a new count of epochs without
    improvement from the optimizer's current rate.

    Parameters
    ----------
    **kwargs
        Arguments of ``ReduceLROnPlateau`` (``factor``, ``patience``...).
    """

    def __init__(self, **kwargs):
        super().__init__(policy="ReduceLROnPlateau", monitor="valid_loss", **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if "valid_loss" in net.history[-1]:
            super().on_epoch_end(net, **kwargs)

    def on_train_end(self, net, **kwargs):
        # skorch makes a new scheduler at each fit's start; the fitted net
        # keeps the rate in its optimizer, not a scheduler holding the weights.
        super().on_train_end(net, **kwargs)
        self.lr_scheduler_ = None


def _task_names(net, tasks):
    """The tasks' names (or indices) as a list, for messages."""
    names = getattr(net, "task_names_", None)
    return [int(t) if names is None else str(names[t]) for t in tasks]


def _state_copy(net):
    """A copy of the state of the net's modules and criteria that are torch modules."""
    states = {}
    for name in [*net._modules, *net._criteria]:
        component = getattr(net, name + "_", None)
        if isinstance(component, torch.nn.Module):
            states[name] = {
                key: value.detach().clone()
                for key, value in component.state_dict().items()
            }
    return states
