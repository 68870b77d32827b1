"""Callbacks that record per-task training curves in the net's history."""

import inspect
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback

from ..metrics import get_metric

__all__ = ["PerTaskLoss", "TaskScoring"]


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
    ``valid_loss_<task>`` (``<task>`` being the task's name, or ``task<t>``),
    ``train_loss`` and ``valid_loss`` with their ``_best`` flags (the
    objective of the net's weighting strategy, see
    :meth:`~sklearn_mtl.neural.weighting.TaskWeighting.epoch_objective`), and
    ``task_weights``: the weights the strategy applied, averaged over the
    training batches where each task had labels (NaN if it had none). When
    the module has a ``penalty()`` (see
    :class:`~sklearn_mtl.neural.modules.MultiTaskModule`), its mean over the
    training batches is recorded as ``train_penalty`` and included in
    ``train_loss``. The batches' losses are kept and averaged at the end of
    the epoch, so recording costs no computation or device synchronization
    per batch.
    """

    def initialize(self):
        self.best_ = {"train": np.inf, "valid": np.inf}
        return self

    def on_epoch_begin(self, net, **kwargs):
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
        for phase, batches in self.batches_.items():
            if not batches:
                continue
            means, counts = self._task_means(net, batches)
            keys = net.task_history_keys(f"{phase}_loss")
            for key, value in zip(keys, means.tolist(), strict=True):
                net.history.record(key, value)
            loss = net.weighting_.epoch_objective(means)
            if phase == "train" and self.penalties_:
                penalty = torch.stack(self.penalties_).mean().item()
                net.history.record("train_penalty", penalty)
                loss += penalty
            net.history.record(f"{phase}_loss", loss)
            net.history.record(f"{phase}_loss_best", bool(loss < self.best_[phase]))
            self.best_[phase] = min(loss, self.best_[phase])
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
    in ``<prefix>_<metric>_best``, as skorch's ``EpochScoring`` does.

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
        return self

    @property
    def history_prefix(self):
        """``<phase>_<name>``: the history key of the mean, and its per-task prefix."""
        name = self.name or (
            self.metric if isinstance(self.metric, str) else self.metric.__name__
        )
        return f"{'train' if self.on_train else 'valid'}_{name}"

    def on_epoch_begin(self, net, **kwargs):
        self.outputs_, self.targets_ = [], []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training == self.on_train and y_pred is not None:
            self.outputs_.append(y_pred.detach())
            self.targets_.append(batch[1].detach())

    def on_epoch_end(self, net, **kwargs):
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
        sign = 1 if self.spec_.greater_is_better else -1
        is_best = bool(np.isfinite(mean)) and (
            self.best_ is None or sign * (mean - self.best_) > 0
        )
        if is_best:
            self.best_ = mean
        net.history.record(prefix, mean)
        net.history.record(f"{prefix}_best", bool(is_best))
