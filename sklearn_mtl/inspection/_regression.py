"""Prediction error of a multi-task regressor: one panel per task."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state

from ..metrics._base import check_multitask_predictions
from ..metrics._scorer import final_estimator
from ._plotting import (
    check_matplotlib_support,
    expected_estimator_error,
    merge_kwargs,
    panel_axes,
    resolve_task_names,
    select_tasks,
)

__all__ = ["MultiTaskPredictionErrorDisplay"]

KINDS = ("actual_vs_predicted", "residual_vs_predicted")


class MultiTaskPredictionErrorDisplay:
    """Actual vs predicted values (or residuals) of each task, one panel per task.

    Task ``t``'s panel shows only the rows where ``Y[:, t]`` is observed; a
    missing label (NaN) is left out. Each panel's title gives the task's
    R^2 and number of labels. scikit-learn's
    :class:`~sklearn.metrics.PredictionErrorDisplay` does the same for one
    target.

    Build it with :meth:`from_estimator` or :meth:`from_predictions`. All
    parameters are stored as attributes.

    Parameters
    ----------
    y_true : list of ndarray
        Observed labels of each task shown.
    y_pred : list of ndarray
        Predictions on the same rows.
    task_names : list of str
        Names of the tasks shown.
    n_observed : list of int or None, default=None
        Number of observed labels of each task (before any subsampling).

    Attributes
    ----------
    scatters_ : list of matplotlib PathCollection
        The points of each panel.
    lines_ : list of matplotlib Line2D
        The reference line of each panel (``y = x``, or zero residual).
    r2_ : ndarray of shape (n_tasks_shown,)
        R^2 of each task on the points shown.
    axes_ : ndarray of matplotlib Axes of shape (n_tasks_shown,)
        One axes per task.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    sklearn.metrics.PredictionErrorDisplay : The single-target display.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_mtl.inspection import MultiTaskPredictionErrorDisplay
    >>> Y_true = np.array([[1.0, np.nan], [2.0, 0.5], [3.0, 1.5], [4.0, 2.0]])
    >>> Y_pred = np.array([[1.1, 0.0], [1.9, 0.4], [3.2, 1.4], [3.9, 2.2]])
    >>> display = MultiTaskPredictionErrorDisplay.from_predictions(Y_true, Y_pred)
    >>> [len(points) for points in display.y_true]
    [4, 3]
    """

    def __init__(self, *, y_true, y_pred, task_names, n_observed=None):
        self.y_true = y_true
        self.y_pred = y_pred
        self.task_names = task_names
        self.n_observed = n_observed

    def plot(
        self,
        ax=None,
        *,
        kind="actual_vs_predicted",
        n_cols=4,
        scatter_kwargs=None,
        line_kwargs=None,
    ):
        """Plot one panel per task.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One axes per task; None makes a new figure with a grid of
            ``n_cols`` columns.
        kind : {"actual_vs_predicted", "residual_vs_predicted"}, \
default="actual_vs_predicted"
            Observed values (y-axis) against predictions (x-axis), or the
            residuals ``actual - predicted`` against predictions.
        n_cols : int, default=4
            Columns of a new grid.
        scatter_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.scatter`.
        line_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the reference
            line.

        Returns
        -------
        display : MultiTaskPredictionErrorDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        if kind not in KINDS:
            raise ValueError(f"Expected kind in {KINDS}; got {kind!r} instead.")
        n_tasks = len(self.y_true)
        if not len(self.y_pred) == len(self.task_names) == n_tasks:
            raise ValueError(
                "Expected y_true, y_pred and task_names of the same length; got "
                f"{n_tasks}, {len(self.y_pred)} and {len(self.task_names)}."
            )
        figure, axes = panel_axes(
            ax,
            n_tasks,
            n_cols=n_cols,
            panel_size=(3.4, 3.2),
            caller=type(self).__name__,
            what="one per task",
        )
        scatter_style = merge_kwargs(
            {"color": "tab:blue", "alpha": 0.6, "s": 12 if n_tasks > 4 else 18},
            scatter_kwargs,
            name="scatter_kwargs",
        )
        line_style = merge_kwargs(
            {"color": "black", "alpha": 0.7, "linestyle": "--"},
            line_kwargs,
            name="line_kwargs",
        )
        n_observed = self.n_observed
        if n_observed is None:
            n_observed = [len(y) for y in self.y_true]
        self.scatters_, self.lines_, r2 = [], [], []
        for panel, y_true, y_pred, task, n in zip(
            axes,
            self.y_true,
            self.y_pred,
            self.task_names,
            n_observed,
            strict=True,
        ):
            y_true = np.asarray(y_true, dtype=np.float64)
            y_pred = np.asarray(y_pred, dtype=np.float64)
            score = r2_score(y_true, y_pred) if y_true.size >= 2 else np.nan
            r2.append(score)
            if kind == "actual_vs_predicted":
                both = np.r_[y_true, y_pred]
                low, high = (both.min(), both.max()) if both.size else (0.0, 1.0)
                self.lines_.extend(panel.plot([low, high], [low, high], **line_style))
                self.scatters_.append(panel.scatter(y_pred, y_true, **scatter_style))
                panel.set_aspect("equal", adjustable="datalim")
                ylabel = "actual"
            else:
                low, high = (y_pred.min(), y_pred.max()) if y_pred.size else (0.0, 1.0)
                self.lines_.extend(panel.plot([low, high], [0, 0], **line_style))
                self.scatters_.append(
                    panel.scatter(y_pred, y_true - y_pred, **scatter_style)
                )
                ylabel = "residual (actual - predicted)"
            panel.set_title(f"{task}\n$R^2$ = {score:.3f}, n = {n}", fontsize="medium")
            panel.set_xlabel("predicted")
            panel.set_ylabel(ylabel)
        columns = axes.size if ax is not None else min(n_cols, n_tasks)
        for i, panel in enumerate(axes):
            if ax is None and i % columns:
                panel.set_ylabel("")
        self.r2_ = np.array(r2)
        self.axes_ = axes
        self.figure_ = figure
        return self

    @classmethod
    def _from_masked(cls, predictions, task_names, tasks, subsample, random_state):
        names = resolve_task_names(predictions.n_tasks, task_names)
        rng = check_random_state(random_state)
        y_true, y_pred, shown, n_observed = [], [], [], []
        for t in select_tasks(tasks, names):
            true = np.asarray(predictions.y_true[t], dtype=np.float64)
            pred = np.asarray(predictions.y_pred[t], dtype=np.float64)
            n_observed.append(true.size)
            if subsample is not None and true.size > subsample:
                keep = np.sort(rng.choice(true.size, size=subsample, replace=False))
                true, pred = true[keep], pred[keep]
            y_true.append(true)
            y_pred.append(pred)
            shown.append(names[t])
        return cls(
            y_true=y_true, y_pred=y_pred, task_names=shown, n_observed=n_observed
        )

    @classmethod
    def from_predictions(
        cls,
        Y_true,
        Y_pred,
        *,
        task_names=None,
        tasks=None,
        kind="actual_vs_predicted",
        subsample=1_000,
        random_state=None,
        ax=None,
        n_cols=4,
        scatter_kwargs=None,
        line_kwargs=None,
    ):
        """Plot the prediction error of each task from labels and predictions.

        Parameters
        ----------
        Y_true : array-like of shape (n_samples, n_tasks)
            True values, NaN where missing.
        Y_pred : array-like of shape (n_samples, n_tasks)
            Predictions of every task for every row.
        task_names : list of str or None, default=None
            Names of the tasks; None uses ``Y_true``'s columns.
        tasks : list of int or str, default=None
            Tasks to show; None shows all.
        kind : {"actual_vs_predicted", "residual_vs_predicted"}, \
default="actual_vs_predicted"
            See :meth:`plot`.
        subsample : int or None, default=1000
            Most points drawn per task (drawn at random); None draws all.
        random_state : int, RandomState instance or None, default=None
            Controls the subsampling.
        ax, n_cols, scatter_kwargs, line_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : MultiTaskPredictionErrorDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_predictions")
        predictions = check_multitask_predictions(Y_true, Y_pred)
        names = resolve_task_names(predictions.n_tasks, task_names, Y=Y_true)
        display = cls._from_masked(predictions, names, tasks, subsample, random_state)
        return display.plot(
            ax=ax,
            kind=kind,
            n_cols=n_cols,
            scatter_kwargs=scatter_kwargs,
            line_kwargs=line_kwargs,
        )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        Y,
        *,
        task_names=None,
        tasks=None,
        kind="actual_vs_predicted",
        subsample=1_000,
        random_state=None,
        ax=None,
        n_cols=4,
        scatter_kwargs=None,
        line_kwargs=None,
    ):
        """Plot the prediction error of each task of a fitted regressor.

        Parameters
        ----------
        estimator : regressor
            A fitted multi-task regressor (or a pipeline ending with one)
            whose ``predict`` gives ``(n_samples, n_tasks)``.
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input samples.
        Y : array-like of shape (n_samples, n_tasks)
            True values, NaN where missing.
        task_names : list of str or None, default=None
            Names of the tasks; None uses the estimator's ``task_names_``.
        tasks, kind, subsample, random_state, ax, n_cols, scatter_kwargs, \
line_kwargs
            See :meth:`from_predictions`.

        Returns
        -------
        display : MultiTaskPredictionErrorDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        if is_classifier(final_estimator(estimator)):
            raise expected_estimator_error(
                caller,
                "a fitted multi-task regressor (use MultiTaskRocCurveDisplay for "
                "classifiers)",
                estimator,
            )
        predictions = check_multitask_predictions(Y, estimator.predict(X))
        names = resolve_task_names(
            predictions.n_tasks, task_names, estimator=estimator, Y=Y
        )
        display = cls._from_masked(predictions, names, tasks, subsample, random_state)
        return display.plot(
            ax=ax,
            kind=kind,
            n_cols=n_cols,
            scatter_kwargs=scatter_kwargs,
            line_kwargs=line_kwargs,
        )
