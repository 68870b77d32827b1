"""Multi-task classification network."""

from types import MappingProxyType

from ..base import MultiTaskClassifierMixin
from ..metrics import multitask_accuracy_score
from ._base import BaseMultiTaskNet
from ._docs import NET_ATTRIBUTES, NET_PARAMETERS
from ._parameters import CLASSIFIER_CONSTRAINTS
from .modules import MultiTaskMLP

__all__ = ["MultiTaskNetClassifier"]


class MultiTaskNetClassifier(MultiTaskClassifierMixin, BaseMultiTaskNet):
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

    The classifier builds its module with batch normalization and dropout
    0.5 in the trunk: a module class that takes ``batch_norm`` and
    ``dropout`` (:class:`MultiTaskMLP` and the other modules of
    :mod:`sklearn_mtl.neural.modules`) gets ``batch_norm=True`` and
    ``dropout=0.5`` unless ``module__batch_norm`` or ``module__dropout`` is
    set (the regressor keeps the module's own defaults, ``False`` and 0).
    These defaults were chosen on validation rows of Tox21, ToxCast,
    Landmine and census-income (``benchmarks/net_defaults.py``): without
    batch normalization, on inputs that are not centered such as fingerprint
    bits, a net first learns the tasks' base rates through the number of
    active inputs and ranks the rows by it, and early stopping on the
    validation loss stops there; dropout makes up for most of what batch
    normalization costs on standardized inputs.

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

    _parameter_constraints = CLASSIFIER_CONSTRAINTS
    MODULE_DEFAULTS = MappingProxyType({"batch_norm": True, "dropout": 0.5})

    def __init__(self, module=MultiTaskMLP, *, missing_label=None, **kwargs):
        super().__init__(module, **kwargs)
        self.missing_label = missing_label

    def _contract_target_type(self, reset):
        return "classification"

    def _set_target_attributes(self, encoding):
        classes = list(encoding.classes)
        self.classes_ = classes[0] if self._single_output else classes

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
        probabilities = self._predict_probabilities(X)
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
        return self._format_output(self._predict_columns(X))

    def score(self, X, y, sample_weight=None):
        """Mean over the primary tasks of the accuracy of each on its labels.

        Every task counts when ``primary_tasks`` is None.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            True labels of every task; NaN, ``None`` or ``missing_label``
            where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn_mtl.metrics.multitask_accuracy_score` of
            ``self.predict(X)`` on the columns of the primary tasks
            (``primary_tasks_``).

        Notes
        -----
        This is what ``GridSearchCV`` uses without ``scoring``. scikit-learn's
        scoring strings (``scoring="roc_auc"``...) fail on missing labels
        ("Input contains NaN"); pass
        :func:`~sklearn_mtl.metrics.make_multitask_scorer` ``("roc_auc")``, or
        another metric name, instead (they score every task; its ``task``
        argument picks one).
        """
        Y_true, Y_pred, _ = self._primary_columns(y, self.predict(X))
        return multitask_accuracy_score(
            Y_true,
            Y_pred,
            sample_weight=sample_weight,
            missing_label=self.missing_label,
        )
