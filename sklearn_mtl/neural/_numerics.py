"""What the nets cannot train on or hand back: the numbers out of range.

* targets whose standardization overflows, or that float32 (the network's
  precision) cannot hold, are refused before training;
* a training loss that diverges while staying finite (a learning rate far
  too large: losses of 1e20) stops the fit with an error naming the epoch and
  the tasks, as a non-finite loss does;
* network outputs that are not finite are never turned into predictions.
"""

import numpy as np
from skorch.callbacks import Callback

from ..utils._targets import task_label

__all__ = [
    "DIVERGENCE_FACTOR",
    "LossDivergence",
    "check_encoded_targets",
    "check_finite_outputs",
]

#: A task's training loss diverged when it exceeds this many times its loss at
#: the start of training (about 1 for standardized targets, log(2) for a
#: binary task), or this many times 1 when that loss is smaller.
DIVERGENCE_FACTOR = 1e6

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_encoded_targets(targets, encoding, values):
    """Raise if a continuous task cannot be trained on in float32.

    Parameters
    ----------
    targets : MultiTaskTargets
        The validated targets (labels in their units).
    encoding : TargetEncoding
        The targets' encoding (standardization of the continuous tasks).
    values : ndarray of shape (n_samples, n_tasks)
        The encoded targets (float64), NaN where missing.

    Raises
    ------
    ValueError
        Naming the task whose standardization overflows, or whose encoded
        labels exceed float32's range.
    """
    names = targets.task_names
    for t, classes in enumerate(encoding.classes):
        if classes is not None:
            continue
        rows, labels = targets.observed(t)
        if labels.size == 0:
            continue
        size = float(np.max(np.abs(labels)))
        if not (np.isfinite(encoding.mean[t]) and np.isfinite(encoding.scale[t])):
            raise ValueError(
                "Expected labels whose squares float64 can sum; task "
                f"{task_label(t, names)} holds labels up to {size:.3g} in size, "
                "and their standardization overflows. Rescale the targets "
                "(divide Y by a constant)."
            )
        encoded = values[rows, t]
        if np.any(np.abs(encoded) > _FLOAT32_MAX):
            raise ValueError(
                "Expected labels that float32, the network's precision, can hold; "
                f"task {task_label(t, names)} holds labels up to {size:.3g} in size "
                f"(float32 holds up to {_FLOAT32_MAX:.3g}). Rescale the targets "
                "(divide Y by a constant), or keep standardize_targets=True."
            )


def check_finite_outputs(outputs, encoding, task_names=None):
    """Raise if the network's outputs hold NaN or infinite values.

    Parameters
    ----------
    outputs : ndarray of shape (n_samples, n_outputs)
        Network outputs.
    encoding : TargetEncoding
        Which columns belong to which task.
    task_names : array-like of str or None, default=None
        For the message.
    """
    if np.isfinite(outputs).all():
        return
    for t, columns in enumerate(encoding.split_outputs(outputs)):
        bad = ~np.isfinite(columns).all(axis=1)
        if bad.any():
            raise ValueError(
                "Expected finite network outputs; task "
                f"{task_label(t, task_names)} has NaN or infinite outputs on "
                f"{bad.sum()} of the {bad.size} rows. The net's weights are not "
                "usable (its fit ended with an error), or these rows of X hold "
                "values far outside those it was fitted on."
            )


class LossDivergence(Callback):
    """Stop training when a task's training loss diverges, with an error.

    A default callback of the multi-task nets, after :class:`PerTaskLoss`.
    Each task's reference is its loss on the first training batch where it
    has labels (for the first batch, the loss of the untrained network: about
    1 for standardized targets, log(2) for a binary task). At the end of each
    epoch, a task whose training loss (``train_loss_<task>``) exceeds
    ``factor`` times its reference (or ``factor`` when the reference is below
    1) raises a ``FloatingPointError`` naming the epoch and the tasks: the
    weights are then of no use, as after a non-finite loss.

    Parameters
    ----------
    factor : float, default=1e6
        How many times its reference a task's training loss may reach.
    """

    def __init__(self, factor=DIVERGENCE_FACTOR):
        self.factor = factor

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.reference_ = np.full(net.n_tasks_, np.nan)

    def on_batch_end(self, net, batch=None, training=False, task_losses=None, **kw):
        missing = np.isnan(self.reference_)
        if not training or task_losses is None or not missing.any():
            return
        labels, _ = net.unpack_targets(batch[1])
        labels = labels.cpu().numpy() if hasattr(labels, "cpu") else labels
        labelled = ~np.isnan(np.asarray(labels, dtype=float)).all(axis=0)
        losses = task_losses.detach().double().cpu().numpy()
        first = missing & labelled & np.isfinite(losses)
        self.reference_[first] = losses[first]

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        keys = net.task_history_keys("train_loss")
        if not all(key in row for key in keys):
            return
        losses = np.array([row[key] for key in keys], dtype=float)
        reference = np.where(np.isnan(self.reference_), 0.0, self.reference_)
        limits = self.factor * np.maximum(reference, 1.0)
        diverged = np.flatnonzero(np.isfinite(losses) & (losses > limits))
        if diverged.size == 0:
            return
        names = getattr(net, "task_names_", None)
        described = ", ".join(
            f"task {task_label(t, names)} has loss {losses[t]:.3g} (at the start "
            f"of training: {reference[t]:.3g})"
            for t in diverged
        )
        raise FloatingPointError(
            f"Training loss diverged at epoch {row['epoch']}: {described}. The "
            "weights are no longer usable; lower the learning rate (lr), scale "
            "the inputs, or keep the targets standardized."
        )
