"""Multi-task regression network."""

import numpy as np

from ..base import MultiTaskRegressorMixin
from ._base import MultiTaskNet
from ._docs import NET_ATTRIBUTES, NET_PARAMETERS
from .modules import MultiTaskMLP

__all__ = ["MultiTaskNetRegressor"]


class MultiTaskNetRegressor(MultiTaskRegressorMixin, MultiTaskNet):
    __doc__ = (
        """Multi-task regression network (skorch), trained on observed labels only.

    A shared trunk with one output per task (:class:`MultiTaskMLP` by
    default). The training loss is the task-weighted mean over tasks of each
    task's mean loss on its observed labels in the batch
    (:class:`MaskedMultiTaskLoss`: squared error by default, any elementwise
    torch loss through ``criterion__regression_loss``). By default each task's
    targets are standardized with the mean and standard deviation of its
    observed labels, so that tasks on different scales train together;
    predictions are in the original units.

    Parameters
    ----------"""
        + NET_PARAMETERS
        + """    standardize_targets : bool, default=True
        Whether to train on per-task standardized targets (the losses in the
        history are then in standard units).

    Attributes
    ----------"""
        + NET_ATTRIBUTES
        + """    target_mean_ : ndarray of shape (n_tasks,)
        Mean of each task's observed labels (0 without standardization).
    target_scale_ : ndarray of shape (n_tasks,)
        Their standard deviation (1 without standardization, or for a
        constant task).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor
    >>> X, Y = make_multitask_regression(
    ...     n_samples=200, n_features=10, n_tasks=3, missing_rate=0.2, random_state=0
    ... )
    >>> net = MultiTaskNetRegressor(
    ...     module__hidden_units=(32,), max_epochs=5, verbose=0, random_state=0
    ... ).fit(X, Y)
    >>> net.predict(X).shape
    (200, 3)
    >>> [key for key in net.history[-1] if key.startswith("valid_loss_task")]
    ['valid_loss_task0', 'valid_loss_task1', 'valid_loss_task2']
    """
    )

    _target_type = "continuous"

    def __init__(self, module=MultiTaskMLP, *, standardize_targets=True, **kwargs):
        super().__init__(module, **kwargs)
        self.standardize_targets = standardize_targets

    def _encode_targets(self, targets, *, reset, classes=None):
        if classes is not None:
            raise ValueError(
                "Expected classes=None for a regressor; got classes="
                f"{classes!r} instead."
            )
        if reset:
            self.task_kinds_ = ("regression",) * targets.n_tasks
            self.output_sizes_ = (1,) * targets.n_tasks
            self.target_mean_, self.target_scale_ = self._target_scaling(targets)
        return (targets.values - self.target_mean_) / self.target_scale_

    def _target_scaling(self, targets):
        n_tasks = targets.n_tasks
        if not self.standardize_targets:
            return np.zeros(n_tasks), np.ones(n_tasks)
        labels = [targets.observed(t)[1] for t in range(n_tasks)]
        mean = np.array([task_labels.mean() for task_labels in labels])
        scale = np.array([task_labels.std() for task_labels in labels])
        return mean, np.where(scale > 0, scale, 1.0)

    def predict(self, X):
        """Predict every task for every row, in the original units.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            Predictions (1-D when fitted on 1-D ``y``).
        """
        outputs = self._forward_outputs(X) * self.target_scale_ + self.target_mean_
        return self._format_output(list(outputs.T))

    @property
    def predict_proba(self):
        """Not available: a regressor predicts values (skorch's nets have it)."""
        raise AttributeError(
            f"{type(self).__name__} has no predict_proba; use predict."
        )

    def scoring_inputs(self, outputs, targets, spec):
        """Labels and predictions in the original units, for :class:`TaskScoring`.

        Parameters
        ----------
        outputs : ndarray of shape (n_samples, n_tasks)
            Module outputs.
        targets : ndarray of shape (n_samples, n_tasks)
            Standardized labels, NaN where missing.
        spec : MetricSpec
            The metric (its response method must be ``"predict"``).

        Returns
        -------
        Y_true, Y_pred : ndarray of shape (n_samples, n_tasks)
        """
        return (
            targets * self.target_scale_ + self.target_mean_,
            outputs * self.target_scale_ + self.target_mean_,
        )
