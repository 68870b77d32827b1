"""Multi-task network for tasks of different types (regression and classification)."""

from collections.abc import Mapping

from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils.metaestimators import available_if

from ..base import _MultiTaskMixin
from ..metrics import multitask_mixed_score
from ..utils._targets import TASK_TYPES, task_label
from ._base import BaseMultiTaskNet
from ._docs import NET_ATTRIBUTES, NET_PARAMETERS
from ._parameters import MIXED_CONSTRAINTS
from .modules import MultiTaskMLP

__all__ = ["MultiTaskNet"]


def _has_classification_task(net):
    """``predict_proba`` exists unless the fitted net has no classification task."""
    encoding = getattr(net, "_target_encoding", None)
    if encoding is not None and all(classes is None for classes in encoding.classes):
        raise AttributeError(
            f"{type(net).__name__} has no predict_proba: none of its tasks is a "
            f"classification task (task types {list(encoding.task_types)})."
        )
    return True


class MultiTaskNet(_MultiTaskMixin, BaseMultiTaskNet):
    __doc__ = (
        """Multi-task network (skorch) for tasks of different types.

    One network for ``Y`` whose columns mix regression and classification
    targets (a price and a churn flag, a solubility and a toxicity class): a
    shared trunk with one head per task (:class:`MultiTaskMLP` by default),
    trained on the observed labels only. A continuous task has one output and
    a squared error on its standardized labels (any elementwise torch loss
    through ``criterion__regression_loss``); a binary task one logit and the
    binary cross-entropy; a multiclass task one logit per class and the
    cross-entropy (:class:`MaskedMultiTaskLoss`). The training loss is the
    task-weighted mean over tasks of each task's mean loss on its observed
    labels in the batch.

    For ``Y`` of a single type, :class:`MultiTaskNetRegressor` and
    :class:`MultiTaskNetClassifier` train the same network; they are
    scikit-learn regressors and classifiers (``score``, cross-validation
    splitters, ``is_classifier``), which this net, being both, is not.

    Parameters
    ----------"""
        + NET_PARAMETERS
        + """    task_types : "auto", list of str or dict, default="auto"
        Type of each task: ``"continuous"`` (regression), ``"binary"``
        (classes, at most two) or ``"multiclass"`` (classes, any number).
        ``"auto"`` infers each task's type from its observed labels in
        ``fit``: a float column with a non-integer value is continuous; any
        other column (strings, booleans, integers, integer-valued floats)
        holds classes. **Caveat:** integer-valued regression targets (counts,
        ages in years) are therefore read as classes; declare them, e.g.
        ``task_types={"age": "continuous"}``. A list gives one type per task
        (``"auto"`` allowed); a dict maps task names (of a DataFrame ``Y``)
        or indices to types, the other tasks being ``"auto"``.
    standardize_targets : bool, default=True
        Whether to train the continuous tasks on their standardized labels
        (their losses in the history are then in standard units).
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label in every column, for targets that
        cannot hold NaN (such as ``-1`` in an integer column); NaN and None
        always mark one.

    Attributes
    ----------"""
        + NET_ATTRIBUTES
        + """    task_types_ : tuple of str
        ``"continuous"``, ``"binary"`` or ``"multiclass"`` for each task, as
        given or inferred.
    classes_ : list
        Classes of each classification task (an array), None for a
        continuous task (one entry, not a list, when fitted on 1-D ``y``).
    target_mean_ : ndarray of shape (n_tasks,)
        Mean of each continuous task's observed labels (0 without
        standardization; NaN for a classification task).
    target_scale_ : ndarray of shape (n_tasks,)
        Their standard deviation (1 without standardization, or for a
        constant task; NaN for a classification task).

    See Also
    --------
    MultiTaskNetRegressor : The same network for regression tasks only.
    MultiTaskNetClassifier : The same network for classification tasks only.
    sklearn_mtl.metrics.multitask_mixed_score : The score of this net.

    Notes
    -----
    ``predict`` returns one array of shape ``(n_samples, n_tasks)``: a float
    array when every task predicts numbers of one type, else an object array
    whose column ``t`` holds task ``t``'s values or class labels (as
    scikit-learn's ``MultiOutputClassifier`` returns for labels of different
    types). It is an array even for a DataFrame ``Y``;
    ``pandas.DataFrame(net.predict(X), columns=net.task_names_).infer_objects()``
    gives each column its type back. ``predict_proba`` returns a list with
    one entry per task: an array of shape ``(n_samples, n_classes_t)`` for a
    classification task (columns in the order of ``classes_[t]``), None for a
    continuous task. ``score`` is
    :func:`~sklearn_mtl.metrics.multitask_mixed_score`: the mean over tasks of
    the R^2 of the continuous tasks and the accuracy of the classification
    tasks; ``make_multitask_scorer(multitask_mixed_score)`` is the scorer for
    model selection.

    Build a ``Y`` of mixed types as a DataFrame or an object array: a nested
    list or a NumPy array of numbers and strings holds only strings.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_mtl.neural import MultiTaskNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype(np.float32)
    >>> Y = pd.DataFrame({
    ...     "price": 3.0 * X[:, 0] + rng.normal(scale=0.1, size=200),
    ...     "churn": np.where(X[:, 1] > 0, "yes", "no"),
    ...     "age": np.round(40 + 10 * X[:, 2]),
    ... })
    >>> net = MultiTaskNet(
    ...     task_types={"age": "continuous"},
    ...     module__hidden_units=(32,),
    ...     max_epochs=5,
    ...     verbose=0,
    ...     random_state=0,
    ... ).fit(X, Y)
    >>> net.task_types_
    ('continuous', 'binary', 'continuous')
    >>> net.predict(X[:2]).dtype
    dtype('O')
    >>> [None if p is None else p.shape for p in net.predict_proba(X[:2])]
    [None, (2, 2), None]
    """
    )

    _parameter_constraints = MIXED_CONSTRAINTS

    def __init__(
        self,
        module=MultiTaskMLP,
        *,
        task_types="auto",
        standardize_targets=True,
        missing_label=None,
        **kwargs,
    ):
        super().__init__(module, **kwargs)
        self.task_types = task_types
        self.standardize_targets = standardize_targets
        self.missing_label = missing_label

    def _contract_target_type(self, reset):
        if not reset:  # classes of any number: unseen ones are named by the encoding
            return [
                "continuous" if task_type == "continuous" else "multiclass"
                for task_type in self.task_types_
            ]
        task_types = self.task_types
        if isinstance(task_types, str):
            if task_types == "auto":
                return task_types
        elif isinstance(task_types, Mapping | list | tuple):
            return task_types
        raise ValueError(
            "Expected task_types to be 'auto', a list or a dict of task types "
            f"among {list(TASK_TYPES)}; got {task_types!r} instead."
        )

    def _declared_classes(self, classes, targets):
        per_task = super()._declared_classes(classes, targets)
        for t, declared in enumerate(per_task):
            if declared is not None and targets.task_types[t] == "continuous":
                raise ValueError(
                    f"Task {task_label(t, targets.task_names)} is continuous; "
                    f"expected None as its classes, got {declared!r} instead."
                )
        return per_task

    def _set_target_attributes(self, encoding):
        self.task_types_ = encoding.task_types
        classes = list(encoding.classes)
        self.classes_ = classes[0] if self._single_output else classes
        self.target_mean_ = encoding.mean
        self.target_scale_ = encoding.scale

    def predict(self, X):
        """Predict every task for every row, in each task's label space.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            The values of the continuous tasks (in their units) and the most
            probable class of the others; an object array when the tasks'
            predictions differ in type (1-D when fitted on 1-D ``y``).
        """
        return self._format_output(self._predict_columns(X))

    @available_if(_has_classification_task)
    def predict_proba(self, X):
        """Class probabilities of the classification tasks for every row.

        Only available when a task is a classification task.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Inputs.

        Returns
        -------
        probabilities : list of (ndarray of shape (n_samples, n_classes_t) or None)
            One entry per task: the probabilities of a classification task,
            columns in the order of ``classes_[t]``; None for a continuous
            task (the array itself when fitted on 1-D ``y``).
        """
        probabilities = self._predict_probabilities(X)
        return probabilities[0] if self._single_output else probabilities

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Neither a classifier nor a regressor (estimator_type stays None), it
        # classifies: its classification tasks can have any number of classes.
        tags.classifier_tags = ClassifierTags()
        tags.regressor_tags = RegressorTags()
        return tags

    def score(self, X, y, sample_weight=None):
        """Mean over the primary tasks of the R^2 (continuous) or accuracy of each.

        Every task counts when ``primary_tasks`` is None.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            True labels; NaN, ``None`` or ``missing_label`` where missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn_mtl.metrics.multitask_mixed_score` of
            ``self.predict(X)`` with the fitted ``task_types_``, on the
            columns of the primary tasks (``primary_tasks_``).
        """
        Y_true, Y_pred, tasks = self._primary_columns(y, self.predict(X))
        return multitask_mixed_score(
            Y_true,
            Y_pred,
            task_types=[self.task_types_[t] for t in tasks],
            sample_weight=sample_weight,
            missing_label=self.missing_label,
        )
