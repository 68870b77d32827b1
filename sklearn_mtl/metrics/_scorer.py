"""Scorers for model selection (``GridSearchCV(scoring=...)``) on multi-task data."""

import difflib
import inspect
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.base import is_classifier, is_regressor

from ._classification import (
    multitask_accuracy_score,
    multitask_average_precision_score,
    multitask_log_loss,
    multitask_roc_auc_score,
)
from ._mixed import multitask_mixed_score
from ._regression import (
    multitask_mean_absolute_error,
    multitask_mean_squared_error,
    multitask_r2_score,
    normalized_mean_squared_error,
    pooled_explained_variance_score,
)

__all__ = ["MetricSpec", "MultiTaskScorer", "get_metric", "make_multitask_scorer"]


@dataclass(frozen=True)
class MetricSpec:
    """What a scorer needs to know about a metric.

    Parameters
    ----------
    function : callable
        ``function(Y_true, Y_pred, **kwargs)``.
    greater_is_better : bool
        Whether a higher value is better.
    response_method : str or tuple of str
        Estimator method(s) giving ``Y_pred``; the first one available is used.
    per_task : bool
        Whether the metric takes ``multioutput`` (per-task values).
    """

    function: object
    greater_is_better: bool
    response_method: object
    per_task: bool = True


METRICS = {
    "r2": MetricSpec(multitask_r2_score, True, "predict"),
    "mean_squared_error": MetricSpec(multitask_mean_squared_error, False, "predict"),
    "normalized_mean_squared_error": MetricSpec(
        normalized_mean_squared_error, False, "predict"
    ),
    "pooled_explained_variance": MetricSpec(
        pooled_explained_variance_score, True, "predict", per_task=False
    ),
    "mean_absolute_error": MetricSpec(multitask_mean_absolute_error, False, "predict"),
    "accuracy": MetricSpec(multitask_accuracy_score, True, "predict"),
    "roc_auc": MetricSpec(
        multitask_roc_auc_score, True, ("predict_proba", "decision_function")
    ),
    "average_precision": MetricSpec(
        multitask_average_precision_score,
        True,
        ("predict_proba", "decision_function"),
    ),
    "log_loss": MetricSpec(multitask_log_loss, False, "predict_proba"),
    "mixed": MetricSpec(multitask_mixed_score, True, "predict"),
}


def get_metric(metric, *, greater_is_better=None, response_method=None):
    """Resolve a metric name or function into a :class:`MetricSpec`.

    Parameters
    ----------
    metric : str or callable
        One of ``"r2"``, ``"mean_squared_error"``, ``"mean_absolute_error"``,
        ``"normalized_mean_squared_error"``, ``"pooled_explained_variance"``,
        ``"accuracy"``, ``"roc_auc"``, ``"average_precision"``,
        ``"log_loss"``, ``"mixed"`` (R^2 or accuracy, each task by its
        type: :func:`multitask_mixed_score`) (scikit-learn's ``"neg_..."``
        names of the errors and losses, such as ``"neg_mean_squared_error"``
        or ``"neg_log_loss"``, are accepted as aliases), or a metric
        function ``f(Y_true, Y_pred, **kwargs)``.
    greater_is_better : bool or None, default=None
        Overrides the metric's default (True for an unknown callable).
    response_method : str, tuple of str or None, default=None
        Overrides the metric's default (``"predict"`` for an unknown callable).

    Returns
    -------
    spec : MetricSpec
        The metric's function, direction and response method.
    """
    if isinstance(metric, str):
        name = metric
        negated = name.removeprefix("neg_")
        if negated in METRICS and not METRICS[negated].greater_is_better:
            name = negated
        if name not in METRICS:
            close = difflib.get_close_matches(metric, list(METRICS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Unknown metric {metric!r}; expected one of {sorted(METRICS)} or "
                f"a callable.{hint}"
            )
        spec = METRICS[name]
    elif callable(metric):
        known = [spec for spec in METRICS.values() if spec.function is metric]
        accepts_multioutput = "multioutput" in inspect.signature(metric).parameters
        spec = (
            known[0]
            if known
            else MetricSpec(metric, True, "predict", per_task=accepts_multioutput)
        )
    else:
        raise ValueError(
            f"Expected a metric name or a callable; got {metric!r} instead."
        )
    return MetricSpec(
        spec.function,
        spec.greater_is_better if greater_is_better is None else greater_is_better,
        spec.response_method if response_method is None else response_method,
        spec.per_task,
    )


def final_estimator(estimator):
    """The last step of a (nested) Pipeline, or the estimator itself."""
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


def get_response(estimator, X, response_method):
    """Call the first available method of ``response_method`` on ``X``.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator.
    X : array-like
        Input samples.
    response_method : str or tuple of str
        Candidate method names, in order of preference.

    Returns
    -------
    response : ndarray or list of ndarray
    """
    methods = (
        (response_method,) if isinstance(response_method, str) else response_method
    )
    for method in methods:
        if hasattr(estimator, method):
            return getattr(estimator, method)(X)
    raise AttributeError(
        f"{type(estimator).__name__} has none of the methods {list(methods)} "
        "needed by this metric."
    )


def estimator_metric_kwargs(spec, estimator):
    """Keyword arguments a metric takes from the fitted estimator.

    A metric with a ``missing_label`` parameter gets the estimator's (the last
    step's, for a pipeline), so that the same marker masks fit and scoring; one
    with a ``classes`` parameter gets its ``classes_`` (the columns of its
    ``predict_proba``); one with a ``task_types`` parameter gets its
    ``task_types_`` (``"continuous"`` for a regressor, ``"classification"``
    for a classifier, else ``"auto"``).

    Parameters
    ----------
    spec : MetricSpec
        The metric.
    estimator : estimator
        The fitted estimator (or pipeline) being scored.

    Returns
    -------
    kwargs : dict
    """
    parameters = inspect.signature(spec.function).parameters
    final = final_estimator(estimator)
    kwargs = {}
    if "missing_label" in parameters:
        kwargs["missing_label"] = getattr(final, "missing_label", None)
    if "classes" in parameters:
        kwargs["classes"] = getattr(final, "classes_", None)
    if "task_types" in parameters:
        kwargs["task_types"] = _task_types_of(final)
    return kwargs


def _task_types_of(estimator):
    task_types = getattr(estimator, "task_types_", None)
    if task_types is not None:
        return list(task_types)
    if is_regressor(estimator):
        return "continuous"
    if is_classifier(estimator):
        return "classification"
    return "auto"


def _task_index(task, Y_true, estimator):
    if isinstance(task, Integral) and not isinstance(task, bool):
        n_tasks = np.shape(Y_true)[1] if np.ndim(Y_true) == 2 else 1
        if not 0 <= task < n_tasks:
            raise ValueError(
                f"Expected task to be an index in [0, {n_tasks - 1}] (Y has "
                f"{n_tasks} task(s); negative indices are not supported); got "
                f"{task} instead."
            )
        return int(task)
    names = list(Y_true.columns) if hasattr(Y_true, "columns") else None
    if names is None:
        fitted_names = getattr(final_estimator(estimator), "task_names_", None)
        names = None if fitted_names is None else list(fitted_names)
    if names is None:
        raise ValueError(
            f"Cannot select task {task!r} by name: the tasks have no names (they "
            "come from a DataFrame Y). Use a task index instead."
        )
    if task not in names:
        close = difflib.get_close_matches(str(task), [str(n) for n in names], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown task {task!r}; expected one of {names}.{hint}")
    return names.index(task)


def _select_task(values, index):
    """Column(s) ``index`` (an int, or a list of ints) of labels or predictions."""
    if isinstance(values, list):
        return [values[i] for i in index] if isinstance(index, list) else values[index]
    values = values.iloc[:, index] if hasattr(values, "iloc") else np.asarray(values)
    if np.ndim(values) == 2:
        values = values[:, index]
    return values


def _select_kwargs(kwargs, index):
    """The per-task entries (task types, classes) of the selected task(s)."""
    for key in ("task_types", "classes"):
        values = kwargs.get(key)
        if isinstance(values, list | tuple):
            kwargs[key] = (
                [values[i] for i in index]
                if isinstance(index, list)
                else [values[index]]
            )
    return kwargs


def _primary_tasks(estimator, y_true):
    """Indices of the estimator's primary tasks, or None to score every task.

    None also when ``y_true`` does not have one column per fitted task: the
    metric then says what it expected.
    """
    final = final_estimator(estimator)
    primary = getattr(final, "primary_tasks_", None)
    n_tasks = getattr(final, "n_tasks_", None)
    if primary is None or np.ndim(y_true) != 2 or np.shape(y_true)[1] != n_tasks:
        return None
    return [int(t) for t in primary]


class MultiTaskScorer:
    """Score a fitted estimator with a multi-task metric, on all or one task.

    Use :func:`make_multitask_scorer` to build one. Calling it as
    ``scorer(estimator, X, Y)`` predicts on ``X`` and returns the metric (its
    negative when lower is better, so that greater is always better, as
    scikit-learn's model selection expects).

    Parameters
    ----------
    spec : MetricSpec
        The metric and how to call it.
    task : int, str or None
        A single task to score (index or name), or None for all tasks.
    kwargs : dict
        Extra keyword arguments of the metric (``task_weights``, ...).
    """

    def __init__(self, spec, task, kwargs):
        self.spec = spec
        self.task = task
        self.kwargs = kwargs

    def __call__(self, estimator, X, y_true, sample_weight=None):
        """Score ``estimator`` on ``(X, y_true)``.

        Parameters
        ----------
        estimator : estimator
            A fitted multi-task estimator (or a Pipeline ending with one).
        X : array-like of shape (n_samples, n_features)
            Input samples.
        y_true : array-like of shape (n_samples, n_tasks)
            True labels, missing where NaN.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The metric on the observed labels, of every task (averaged) or
            of the scorer's task; errors and losses are negated, so that
            greater is better.
        """
        Y_pred = get_response(estimator, X, self.spec.response_method)
        kwargs = {**estimator_metric_kwargs(self.spec, estimator), **self.kwargs}
        index = (
            _primary_tasks(estimator, y_true)
            if self.task is None
            else _task_index(self.task, y_true, estimator)
        )
        if index is not None:
            y_true = _select_task(y_true, index)
            Y_pred = _select_task(Y_pred, index)
            kwargs = _select_kwargs(kwargs, index)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        score = self.spec.function(y_true, Y_pred, **kwargs)
        return score if self.spec.greater_is_better else -score

    def __repr__(self):
        name = getattr(self.spec.function, "__name__", repr(self.spec.function))
        task = "" if self.task is None else f", task={self.task!r}"
        extra = "".join(f", {key}={value!r}" for key, value in self.kwargs.items())
        return f"make_multitask_scorer({name}{task}{extra})"


def make_multitask_scorer(
    metric, task=None, *, greater_is_better=None, response_method=None, **kwargs
):
    """Make a scorer for ``GridSearchCV`` / ``cross_validate`` from a metric.

    Parameters
    ----------
    metric : str or callable
        A metric name (``"r2"``, ``"mean_squared_error"``,
        ``"normalized_mean_squared_error"``, ``"pooled_explained_variance"``,
        ``"accuracy"``, ``"roc_auc"``, ...) or a metric function
        ``f(Y_true, Y_pred, **kwargs)`` such as those of
        :mod:`sklearn_mtl.metrics` (:func:`multitask_mixed_score` for tasks
        of different types: it gets the estimator's ``task_types_``).
    task : int, str or None, default=None
        Score only this task (its index in ``[0, n_tasks)``, negative
        indices being refused, or its name when ``Y`` is a DataFrame or the
        estimator has ``task_names_``). None scores all tasks as the metric
        averages them, except for an estimator fitted with primary tasks
        (``primary_tasks_``, for example a net with ``primary_tasks=``),
        which is scored on its primary tasks only, as its ``score`` method
        does.
    greater_is_better : bool or None, default=None
        Whether a higher metric is better; known metrics set it themselves.
        When False the scorer returns the negated metric.
    response_method : str, tuple of str or None, default=None
        Method of the estimator that gives the predictions (known metrics set
        it: ``predict``, or ``predict_proba`` then ``decision_function`` for
        ``roc_auc``).
    **kwargs
        Passed to the metric, e.g. ``task_weights``.

    Returns
    -------
    scorer : MultiTaskScorer
        Callable as ``scorer(estimator, X, Y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> from sklearn_mtl.metrics import make_multitask_scorer
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> Y = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 5.0], [3.0, 7.0]])
    >>> model = IndependentTaskRegressor(Ridge(alpha=1e-8)).fit(X, Y)
    >>> scorer = make_multitask_scorer("mean_squared_error", task=0)
    >>> round(scorer(model, X, Y), 6)
    -0.0
    """
    spec = get_metric(
        metric, greater_is_better=greater_is_better, response_method=response_method
    )
    return MultiTaskScorer(spec, task, kwargs)
