"""Multi-task regression network."""

from types import MappingProxyType

from ..base import MultiTaskRegressorMixin
from ..metrics import multitask_r2_score
from ._base import BaseMultiTaskNet
from ._docs import NET_ATTRIBUTES, NET_PARAMETERS
from ._parameters import REGRESSOR_CONSTRAINTS
from .modules import MultiTaskMLP

__all__ = ["MultiTaskNetRegressor"]


class MultiTaskNetRegressor(MultiTaskRegressorMixin, BaseMultiTaskNet):
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

    The learning rate starts at ``lr`` and is halved whenever the validation
    loss has not improved for more than 3 epochs (the default callback
    ``"lr_scheduler"``: skorch's ``LRScheduler`` with torch's
    ``ReduceLROnPlateau(factor=0.5, patience=3)`` on ``valid_loss``, the rate
    of each epoch in the history as ``event_lr``).
    It stays constant without validation rows or with
    ``callbacks__lr_scheduler=None``. Chosen on SARCOS's validation rows
    (``benchmarks/net_defaults.py``).

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
    >>> net.task_history_keys("valid_loss")
    ['valid_loss_task0', 'valid_loss_task1', 'valid_loss_task2']
    >>> net.history[-1, "valid_loss_task0_best"] in (True, False)
    True
    >>> net.n_iter_, net.best_epoch_ is not None
    (5, True)
    """
    )

    _parameter_constraints = REGRESSOR_CONSTRAINTS
    LR_PLATEAU = MappingProxyType({"factor": 0.5, "patience": 3})

    def __init__(self, module=MultiTaskMLP, *, standardize_targets=True, **kwargs):
        super().__init__(module, **kwargs)
        self.standardize_targets = standardize_targets

    def _contract_target_type(self, reset):
        return "continuous"

    def _declared_classes(self, classes, targets):
        raise ValueError(
            f"Expected classes=None for a regressor; got classes={classes!r} instead."
        )

    def _set_target_attributes(self, encoding):
        self.target_mean_ = encoding.mean
        self.target_scale_ = encoding.scale

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
        return self._format_output(self._predict_columns(X))

    def score(self, X, y, sample_weight=None):
        """Mean over the primary tasks of the R^2 of each on its observed labels.

        Every task counts when ``primary_tasks`` is None.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            True labels of every task, NaN where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn_mtl.metrics.multitask_r2_score` of
            ``self.predict(X)`` on the columns of the primary tasks
            (``primary_tasks_``).

        Notes
        -----
        This is what ``GridSearchCV`` uses without ``scoring``. scikit-learn's
        scoring strings (``scoring="r2"``...) fail on missing labels ("Input
        contains NaN"); pass
        :func:`~sklearn_mtl.metrics.make_multitask_scorer` ``("r2")``, or
        another metric name, instead (they score every task; its ``task``
        argument picks one).
        """
        Y_true, Y_pred, _ = self._primary_columns(y, self.predict(X))
        return multitask_r2_score(Y_true, Y_pred, sample_weight=sample_weight)

    @property
    def predict_proba(self):
        """Not available: a regressor predicts values (skorch's nets have it)."""
        raise AttributeError(
            f"{type(self).__name__} has no predict_proba; use predict."
        )
