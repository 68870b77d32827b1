"""Per-task target encoding of the nets: labels to training values and back.

The one place where the nets turn validated targets (see
:func:`~sklearn_mtl.utils.check_multitask_targets`) into what the network
trains on, and its outputs back into predictions: a continuous task is
standardized (its outputs are de-standardized), a classification task is
encoded as class indices (its outputs are logits, turned into probabilities
and labels). The regressor, the classifier and the mixed-type net all use it.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from ..utils._links import class_probabilities
from ..utils._targets import task_label

__all__ = ["TargetEncoding"]


def _kind_of(task_type, n_classes):
    """The loss kind of a task (see MaskedMultiTaskLoss)."""
    if task_type == "continuous":
        return "regression"
    return {1: "constant", 2: "binary"}.get(n_classes, "multiclass")


def _output_size(kind, n_classes):
    return {"regression": 1, "constant": 0, "binary": 1}.get(kind, n_classes)


def _weighted_moments(labels, weights):
    """Weighted mean and standard deviation (ddof=0) of one task's labels."""
    mean = np.average(labels, weights=weights)
    return mean, np.sqrt(np.average((labels - mean) ** 2, weights=weights))


@dataclass(frozen=True)
class TargetEncoding:
    """How a net maps each task's labels to training values, and back.

    Attributes
    ----------
    task_types : tuple of str
        ``"continuous"``, ``"binary"`` or ``"multiclass"`` for each task.
    classes : tuple
        The classes of each classification task (an array), None for a
        continuous task.
    mean : ndarray of shape (n_tasks,)
        What is subtracted from a continuous task's labels (NaN for a
        classification task).
    scale : ndarray of shape (n_tasks,)
        What they are then divided by (NaN for a classification task).
    """

    task_types: tuple
    classes: tuple
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def from_targets(
        cls, targets, *, standardize=True, classes=None, sample_weight=None
    ):
        """The encoding of validated targets.

        Parameters
        ----------
        targets : MultiTaskTargets
            Validated targets (see :func:`check_multitask_targets`).
        standardize : bool, default=True
            Whether continuous tasks are standardized with the (weighted) mean
            and standard deviation of their observed labels; otherwise they
            are used as they are (mean 0, scale 1).
        classes : list or None, default=None
            Declared classes of each task (an array-like per classification
            task, None per continuous task), in place of those observed.
        sample_weight : ndarray of shape (n_samples,) or None, default=None
            Weights of the rows in the standardization.

        Returns
        -------
        encoding : TargetEncoding
        """
        n_tasks = targets.n_tasks
        observed_classes = targets.classes or [None] * n_tasks
        task_classes = list(observed_classes)
        if classes is not None:
            for t, declared in enumerate(classes):
                if declared is not None and observed_classes[t] is not None:
                    task_classes[t] = np.unique(np.asarray(declared))
        mean, scale = np.full(n_tasks, np.nan), np.full(n_tasks, np.nan)
        for t, task_type in enumerate(targets.task_types):
            if task_type != "continuous":
                continue
            mean[t], scale[t] = 0.0, 1.0
            if standardize:
                rows, labels = targets.observed(t)
                weights = None if sample_weight is None else sample_weight[rows]
                mean[t], std = _weighted_moments(labels, weights)
                scale[t] = std if std > 0 else 1.0
        return cls(tuple(targets.task_types), tuple(task_classes), mean, scale)

    def to_dict(self):
        """The encoding as a dict of lists, tuples and arrays (see :meth:`from_dict`).

        Returns
        -------
        values : dict
            ``task_types``, ``classes``, ``mean`` and ``scale``.
        """
        return {
            "task_types": list(self.task_types),
            "classes": list(self.classes),
            "mean": self.mean,
            "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, values):
        """The encoding described by :meth:`to_dict`.

        Parameters
        ----------
        values : dict
            ``task_types``, ``classes`` (an array-like per classification
            task, None per continuous task), ``mean`` and ``scale``.

        Returns
        -------
        encoding : TargetEncoding
        """
        return cls(
            tuple(values["task_types"]),
            tuple(None if c is None else np.asarray(c) for c in values["classes"]),
            np.asarray(values["mean"], dtype=np.float64),
            np.asarray(values["scale"], dtype=np.float64),
        )

    @property
    def n_tasks(self):
        """Number of tasks."""
        return len(self.task_types)

    @property
    def task_kinds(self):
        """The kind of each task's loss: ``"regression"``, ``"binary"``,
        ``"multiclass"``, or ``"constant"`` for a single class."""
        return tuple(
            _kind_of(task_type, 0 if classes is None else classes.size)
            for task_type, classes in zip(self.task_types, self.classes, strict=True)
        )

    @property
    def output_sizes(self):
        """Number of network outputs of each task."""
        return tuple(
            _output_size(kind, 0 if classes is None else classes.size)
            for kind, classes in zip(self.task_kinds, self.classes, strict=True)
        )

    # ------------------------------------------------------------ labels
    def encode(self, targets):
        """Training values of validated targets: standardized labels of the
        continuous tasks, class indices of the others, NaN where missing.

        Parameters
        ----------
        targets : MultiTaskTargets
            Targets validated with the task types of this encoding.

        Returns
        -------
        values : ndarray of shape (n_samples, n_tasks)

        Raises
        ------
        ValueError
            If a classification task holds a label outside its classes.
        """
        values = targets.values.copy()
        for t in range(self.n_tasks):
            if self.classes[t] is None:
                values[:, t] = (values[:, t] - self.mean[t]) / self.scale[t]
            elif not np.array_equal(targets.classes[t], self.classes[t]):
                rows, labels = targets.labels(t)
                values[rows, t] = self._codes_of(t, labels, targets.task_names)
        return values

    def _codes_of(self, task, labels, task_names):
        task_classes = self.classes[task]
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

    def decode_targets(self, values):
        """Training values back in the labels' units (class indices stay).

        Parameters
        ----------
        values : ndarray of shape (n_samples, n_tasks)
            Encoded targets, NaN where missing.

        Returns
        -------
        values : ndarray of shape (n_samples, n_tasks)
        """
        continuous = np.isfinite(self.scale)
        values = np.array(values, dtype=np.float64)
        values[:, continuous] = (
            values[:, continuous] * self.scale[continuous] + self.mean[continuous]
        )
        return values

    # ----------------------------------------------------------- outputs
    def split_outputs(self, outputs):
        """The columns of the network's ``outputs`` that belong to each task."""
        bounds = np.cumsum([0, *self.output_sizes])
        return [outputs[:, start:stop] for start, stop in itertools.pairwise(bounds)]

    def probabilities(self, outputs):
        """Class probabilities of each classification task (None otherwise).

        Parameters
        ----------
        outputs : ndarray of shape (n_samples, n_outputs)
            Network outputs.

        Returns
        -------
        probabilities : list of (ndarray of shape (n_samples, n_classes_t) or None)
        """
        probabilities = []
        for columns, kind in zip(
            self.split_outputs(outputs), self.task_kinds, strict=True
        ):
            if kind == "regression":
                probabilities.append(None)
            elif kind == "constant":
                probabilities.append(np.ones((columns.shape[0], 1)))
            else:
                probabilities.append(class_probabilities(columns))
        return probabilities

    def predicted_values(self, outputs):
        """Each task's prediction as a number: the value of a continuous task
        (in its units), the index of the most probable class of the others.

        Parameters
        ----------
        outputs : ndarray of shape (n_samples, n_outputs)
            Network outputs.

        Returns
        -------
        values : ndarray of shape (n_samples, n_tasks)
        """
        values = np.empty((outputs.shape[0], self.n_tasks))
        for t, (columns, proba) in enumerate(
            zip(self.split_outputs(outputs), self.probabilities(outputs), strict=True)
        ):
            if proba is None:
                values[:, t] = columns[:, 0] * self.scale[t] + self.mean[t]
            else:
                values[:, t] = np.argmax(proba, axis=1)
        return values

    def predictions(self, outputs):
        """Each task's predictions in its label space: values of continuous
        tasks, class labels of the others.

        Parameters
        ----------
        outputs : ndarray of shape (n_samples, n_outputs)
            Network outputs.

        Returns
        -------
        columns : list of ndarray of shape (n_samples,)
        """
        values = self.predicted_values(outputs)
        return [
            values[:, t] if classes is None else classes[values[:, t].astype(np.intp)]
            for t, classes in enumerate(self.classes)
        ]
