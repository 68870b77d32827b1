"""Multi-task classification network."""

import warnings

import numpy as np

from ..base import MultiTaskClassifierMixin
from ..utils._links import class_probabilities
from ..utils._targets import task_label
from ._base import MultiTaskNet
from ._docs import NET_ATTRIBUTES, NET_PARAMETERS
from .modules import MultiTaskMLP

__all__ = ["MultiTaskNetClassifier"]


def _task_kind(n_classes):
    return {1: "constant", 2: "binary"}.get(n_classes, "multiclass")


def _output_size(n_classes):
    return {1: 0, 2: 1}.get(n_classes, n_classes)


class MultiTaskNetClassifier(MultiTaskClassifierMixin, MultiTaskNet):
    __doc__ = (
        """Multi-task classification network (skorch), trained on observed labels.

    A shared trunk with one head per task (:class:`MultiTaskMLP` by default):
    one logit for a binary task, one per class for a multiclass task. The
    training loss is the task-weighted mean over tasks of each task's mean
    loss on its observed labels in the batch (:class:`MaskedMultiTaskLoss`:
    binary cross-entropy with logits, or cross-entropy). Labels may be of any
    type (strings, integers, booleans), with different classes per task. A
    task with a single class in ``fit`` gets no output and always predicts
    that class, with a warning.

    Parameters
    ----------"""
        + NET_PARAMETERS
        + """    missing_label : int, float, str or None, default=None
        An extra marker of a missing label for targets that cannot hold NaN
        (such as ``-1`` in an integer array); NaN and None always mark one.

    Attributes
    ----------"""
        + NET_ATTRIBUTES
        + """    classes_ : list of ndarray
        Classes of each task (one array when fitted on 1-D ``y``).

    Examples
    --------
    >>> from sklearn_mtl.datasets import make_multitask_classification
    >>> from sklearn_mtl.neural import MultiTaskNetClassifier
    >>> X, Y = make_multitask_classification(
    ...     n_samples=200, n_features=10, n_tasks=3, missing_rate=0.2, random_state=0
    ... )
    >>> net = MultiTaskNetClassifier(
    ...     module__hidden_units=(32,), max_epochs=5, verbose=0, random_state=0
    ... ).fit(X, Y)
    >>> net.predict(X).shape
    (200, 3)
    >>> [proba.shape for proba in net.predict_proba(X[:4])]
    [(4, 2), (4, 2), (4, 2)]
    """
    )

    _target_type = "classification"

    def __init__(self, module=MultiTaskMLP, *, missing_label=None, **kwargs):
        super().__init__(module, **kwargs)
        self.missing_label = missing_label

    def _encode_targets(self, targets, *, reset, classes=None):
        if reset:
            self._classes = (
                self._check_classes(classes, targets)
                if classes is not None
                else targets.classes
            )
            n_classes = [task_classes.size for task_classes in self._classes]
            self.task_kinds_ = tuple(_task_kind(size) for size in n_classes)
            self.output_sizes_ = tuple(_output_size(size) for size in n_classes)
            self.classes_ = self._classes[0] if self._single_output else self._classes
            self._warn_constant_tasks(targets)
        codes = np.full(targets.values.shape, np.nan)
        for t in range(targets.n_tasks):
            rows, labels = targets.labels(t)
            codes[rows, t] = self._codes_of(t, labels, targets.task_names)
        return codes

    def _check_classes(self, classes, targets):
        per_task = [classes] if targets.single_output else list(classes)
        if len(per_task) != targets.n_tasks:
            raise ValueError(
                f"Expected classes for each of the {targets.n_tasks} tasks; got "
                f"{len(per_task)} arrays instead."
            )
        return [np.unique(np.asarray(task_classes)) for task_classes in per_task]

    def _codes_of(self, task, labels, task_names):
        task_classes = self._classes[task]
        codes = np.searchsorted(task_classes, labels)
        known = codes < task_classes.size
        known[known] = task_classes[codes[known]] == labels[known]
        if not np.all(known):
            unseen = np.unique(labels[~known]).tolist()
            raise ValueError(
                f"Task {task_label(task, task_names)} holds labels {unseen} that "
                f"are not among its classes {task_classes.tolist()} (from the "
                "first fit; pass classes= to the first partial_fit to declare "
                "them all)."
            )
        return codes

    def _warn_constant_tasks(self, targets):
        for t, kind in enumerate(self.task_kinds_):
            if kind == "constant":
                label = self._classes[t].tolist()[0]
                warnings.warn(
                    f"Task {task_label(t, targets.task_names)} has a single "
                    f"class ({label!r}); it always predicts it.",
                    UserWarning,
                    stacklevel=4,
                )

    def _probabilities(self, outputs):
        """Per-task class probabilities from the concatenated logits."""
        probabilities = []
        for logits, kind in zip(
            self._split_outputs(outputs), self.task_kinds_, strict=True
        ):
            if kind == "constant":
                probabilities.append(np.ones((logits.shape[0], 1)))
            else:
                probabilities.append(class_probabilities(logits))
        return probabilities

    def predict_proba(self, X):
        """Class probabilities of every task for every row.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.

        Returns
        -------
        probabilities : list of ndarray of shape (n_samples, n_classes_t)
            One array per task, its columns in the order of ``classes_[t]``
            (a single array when fitted on 1-D ``y``).
        """
        probabilities = self._probabilities(self._forward_outputs(X))
        return probabilities[0] if self._single_output else probabilities

    def predict(self, X):
        """Most probable class of every task for every row.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predicted labels (1-D when fitted on 1-D ``y``).
        """
        probabilities = self._probabilities(self._forward_outputs(X))
        return self._format_output(
            [
                task_classes[np.argmax(proba, axis=1)]
                for task_classes, proba in zip(
                    self._classes, probabilities, strict=True
                )
            ]
        )

    def scoring_inputs(self, outputs, targets, spec):
        """Labels and responses for :class:`TaskScoring`, as class indices.

        Parameters
        ----------
        outputs : ndarray of shape (n_samples, n_outputs)
            Module outputs (logits).
        targets : ndarray of shape (n_samples, n_tasks)
            Class indices, NaN where missing.
        spec : MetricSpec
            The metric: probabilities are given when its response methods
            include ``"predict_proba"``, class indices otherwise.

        Returns
        -------
        Y_true : ndarray of shape (n_samples, n_tasks)
        Y_pred : ndarray of shape (n_samples, n_tasks) or list of ndarray
        """
        probabilities = self._probabilities(outputs.astype(np.float64))
        methods = spec.response_method
        methods = (methods,) if isinstance(methods, str) else tuple(methods)
        if "predict_proba" in methods:
            return targets, probabilities
        return targets, np.column_stack(
            [np.argmax(proba, axis=1) for proba in probabilities]
        ).astype(np.float64)
