"""One ROC curve per binary task, on each task's observed labels."""

import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import auc, roc_curve

from ..metrics._base import check_multitask_predictions
from ..metrics._scorer import final_estimator
from ..utils._targets import task_label
from ._plotting import (
    MAX_LEGEND_ENTRIES,
    check_matplotlib_support,
    expected_estimator_error,
    figure_and_axes,
    merge_kwargs,
    resolve_task_names,
    select_tasks,
    task_colors,
)

__all__ = ["MultiTaskRocCurveDisplay"]

RESPONSE_METHODS = ("auto", "predict_proba", "decision_function")


def _positive_scores(score, classes, t, task_names):
    """Score of the positive class (the greater one) of binary task ``t``."""
    score = np.asarray(score, dtype=np.float64)
    if score.ndim == 2 and score.shape[1] > 2:
        raise ValueError(
            f"MultiTaskRocCurveDisplay needs binary tasks; task "
            f"{task_label(t, task_names)} has {score.shape[1]} classes. Choose the "
            "binary tasks with tasks=[...]."
        )
    if score.ndim == 2:
        return score[:, -1], classes[-1] if classes is not None else None
    return score, classes[-1] if classes is not None else None


def _decision_columns(model, scores, n_tasks):
    """Per-task columns of ``decision_function`` (one per binary task)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, None]
    output_task = getattr(model, "output_task_", None)
    if output_task is None:
        output_task = np.arange(scores.shape[1])
    if len(output_task) != scores.shape[1] or np.unique(output_task).size != n_tasks:
        raise ValueError(
            f"Expected decision_function to give one or more columns per task for "
            f"{n_tasks} tasks; got shape {scores.shape}."
        )
    return [scores[:, output_task == t] for t in range(n_tasks)]


class MultiTaskRocCurveDisplay:
    """ROC curve of each binary task on its observed labels, on one axes.

    Task ``t``'s curve uses only the rows where ``Y[:, t]`` is observed; a
    missing label (NaN) is left out, never counted as a negative. The
    legend gives each task's AUC (the value of
    :func:`~sklearn_mtl.metrics.multitask_roc_auc_score` with
    ``multioutput="raw_values"``). A task whose observed labels hold one
    class has no curve (it is skipped with a warning).

    Build it with :meth:`from_estimator` or :meth:`from_predictions`. All
    parameters are stored as attributes.

    Parameters
    ----------
    fpr, tpr : list of ndarray
        False and true positive rates of each task shown.
    roc_auc : list of float
        Area under each curve.
    task_names : list of str
        Names of the tasks shown.
    name : str or None, default=None
        Name of the model, for the title.
    pos_label : list or None, default=None
        Positive class of each task shown.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One curve per task shown, in the order of ``task_names``.
    chance_level_ : matplotlib Line2D or None
        The chance-level diagonal, or None.
    ax_ : matplotlib Axes
        The axes.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : The single-task display.
    sklearn_mtl.metrics.multitask_roc_auc_score : The per-task AUC.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_mtl.inspection import MultiTaskRocCurveDisplay
    >>> Y_true = np.array([[0, 1], [1, np.nan], [1, 0], [0, 0], [1, 1]])
    >>> Y_score = np.array(
    ...     [[0.1, 0.9], [0.8, 0.5], [0.3, 0.2], [0.4, 0.7], [0.9, 0.6]]
    ... )
    >>> display = MultiTaskRocCurveDisplay.from_predictions(Y_true, Y_score)
    >>> [round(a, 3) for a in display.roc_auc]
    [0.833, 0.75]
    """

    def __init__(self, *, fpr, tpr, roc_auc, task_names, name=None, pos_label=None):
        self.fpr = fpr
        self.tpr = tpr
        self.roc_auc = roc_auc
        self.task_names = task_names
        self.name = name
        self.pos_label = pos_label

    def plot(
        self,
        ax=None,
        *,
        name=None,
        legend="auto",
        plot_chance_level=True,
        curve_kwargs=None,
        chance_level_kw=None,
    ):
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        name : str or None, default=None
            Name of the model for the title; None uses ``self.name``.
        legend : {"auto", True, False}, default="auto"
            Whether to name each task with its AUC in a legend; ``"auto"``
            does up to 12 tasks (the title always gives the mean AUC).
        plot_chance_level : bool, default=True
            Whether to draw the chance level (AUC = 0.5).
        curve_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for every curve.
        chance_level_kw : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the chance level.

        Returns
        -------
        display : MultiTaskRocCurveDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        n_curves = len(self.fpr)
        if not (len(self.tpr) == len(self.roc_auc) == len(self.task_names) == n_curves):
            raise ValueError(
                "Expected fpr, tpr, roc_auc and task_names of the same length; got "
                f"{n_curves}, {len(self.tpr)}, {len(self.roc_auc)} and "
                f"{len(self.task_names)}."
            )
        figure, ax = figure_and_axes(ax, figsize=(6.4, 5.6))
        show_legend = legend if legend != "auto" else n_curves <= MAX_LEGEND_ENTRIES
        width = 1.5 if n_curves <= MAX_LEGEND_ENTRIES else 0.8
        self.lines_ = []
        for color, fpr, tpr, area, task in zip(
            task_colors(n_curves),
            self.fpr,
            self.tpr,
            self.roc_auc,
            self.task_names,
            strict=True,
        ):
            style = merge_kwargs(
                {
                    "color": color,
                    "linewidth": width,
                    "label": f"{task} (AUC = {area:.2f})",
                },
                curve_kwargs,
                name="curve_kwargs",
            )
            self.lines_.extend(ax.plot(fpr, tpr, **style))
        self.chance_level_ = None
        if plot_chance_level:
            style = merge_kwargs(
                {
                    "color": "black",
                    "linestyle": "--",
                    "linewidth": 1.0,
                    "label": "chance level (AUC = 0.5)",
                },
                chance_level_kw,
                name="chance_level_kw",
            )
            (self.chance_level_,) = ax.plot((0, 1), (0, 1), **style)
        ax.set(
            xlabel="False positive rate",
            ylabel="True positive rate",
            xlim=(-0.01, 1.01),
            ylim=(-0.01, 1.01),
            aspect="equal",
        )
        name = self.name if name is None else name
        mean = float(np.mean(self.roc_auc)) if n_curves else float("nan")
        title = f"ROC per task: mean AUC = {mean:.3f} over {n_curves} tasks"
        ax.set_title(title if name is None else f"{name}\n{title}", fontsize="medium")
        if show_legend:
            ax.legend(loc="lower right", fontsize="small")
        self.ax_ = ax
        self.figure_ = figure
        return self

    @classmethod
    def _from_task_scores(
        cls, predictions, scores, classes, task_names, tasks, drop_intermediate, name
    ):
        """Curves of the chosen tasks from per-task positive-class scores."""
        names = resolve_task_names(predictions.n_tasks, task_names)
        default = [f"task {t}" for t in range(len(names))]
        labels = None if names == default else names  # for the messages
        fprs, tprs, areas, shown_names, positives = [], [], [], [], []
        for t in select_tasks(tasks, names):
            score, positive = _positive_scores(
                scores[t], None if classes is None else classes[t], t, labels
            )
            y_true = predictions.y_true[t]
            score = score[predictions.rows[t]]
            observed_classes = np.unique(y_true)
            if observed_classes.size > 2:
                raise ValueError(
                    f"MultiTaskRocCurveDisplay needs binary tasks; task "
                    f"{task_label(t, labels)} has {observed_classes.size} classes. "
                    "Choose the binary tasks with tasks=[...]."
                )
            if observed_classes.size < 2:
                warnings.warn(
                    f"MultiTaskRocCurveDisplay: task {task_label(t, labels)} has a "
                    "single class among its observed labels; it has no ROC curve "
                    "and is left out.",
                    UserWarning,
                    stacklevel=3,
                )
                continue
            if positive is None:
                positive = observed_classes[-1]
            weights = predictions.weights_of(t)
            fpr, tpr, _ = roc_curve(
                y_true == positive,
                score,
                sample_weight=weights,
                drop_intermediate=drop_intermediate,
            )
            fprs.append(fpr)
            tprs.append(tpr)
            areas.append(float(auc(fpr, tpr)))
            shown_names.append(names[t])
            positives.append(positive)
        return cls(
            fpr=fprs,
            tpr=tprs,
            roc_auc=areas,
            task_names=shown_names,
            name=name,
            pos_label=positives,
        )

    @classmethod
    def from_predictions(
        cls,
        Y_true,
        Y_score,
        *,
        sample_weight=None,
        missing_label=None,
        task_names=None,
        tasks=None,
        drop_intermediate=True,
        name=None,
        ax=None,
        legend="auto",
        plot_chance_level=True,
        curve_kwargs=None,
        chance_level_kw=None,
    ):
        """Plot the ROC curve of each task from labels and scores.

        Parameters
        ----------
        Y_true : array-like of shape (n_samples, n_tasks)
            Binary labels; NaN, ``None`` or ``missing_label`` where missing.
            The greater class of each task is the positive one.
        Y_score : array-like of shape (n_samples, n_tasks) or list of ndarray
            Score of the positive class of each task, or the output of
            ``predict_proba`` (one array of shape (n_samples, 2) per task;
            the last column is the positive class).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        missing_label : int, float, str or None, default=None
            Extra marker of a missing label.
        task_names : list of str or None, default=None
            Names of the tasks; None uses ``Y_true``'s columns.
        tasks : list of int or str, default=None
            Tasks to show; None shows all.
        drop_intermediate : bool, default=True
            Drop thresholds that do not change the curve's shape (see
            :func:`sklearn.metrics.roc_curve`).
        name : str or None, default=None
            Name of the model, for the title.
        ax, legend, plot_chance_level, curve_kwargs, chance_level_kw
            See :meth:`plot`.

        Returns
        -------
        display : MultiTaskRocCurveDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_predictions")
        predictions = check_multitask_predictions(
            Y_true,
            Y_score,
            sample_weight=sample_weight,
            target_type="classification",
            missing_label=missing_label,
            score_arrays=True,
        )
        scores = _full_columns(Y_score, predictions.n_tasks)
        names = resolve_task_names(predictions.n_tasks, task_names, Y=Y_true)
        display = cls._from_task_scores(
            predictions,
            scores,
            None,
            names,
            tasks,
            drop_intermediate,
            name,
        )
        return display.plot(
            ax=ax,
            legend=legend,
            plot_chance_level=plot_chance_level,
            curve_kwargs=curve_kwargs,
            chance_level_kw=chance_level_kw,
        )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        Y,
        *,
        response_method="auto",
        sample_weight=None,
        task_names=None,
        tasks=None,
        drop_intermediate=True,
        name=None,
        ax=None,
        legend="auto",
        plot_chance_level=True,
        curve_kwargs=None,
        chance_level_kw=None,
    ):
        """Plot the ROC curve of each task of a fitted multi-task classifier.

        Parameters
        ----------
        estimator : classifier
            A fitted multi-task classifier (or a pipeline ending with one)
            whose ``predict_proba`` gives one array per task, or whose
            ``decision_function`` gives one column per binary task.
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input samples.
        Y : array-like of shape (n_samples, n_tasks)
            True labels; missing where NaN (or the estimator's
            ``missing_label``).
        response_method : {"auto", "predict_proba", "decision_function"}, \
default="auto"
            The scores; ``"auto"`` tries ``predict_proba``, then
            ``decision_function``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        task_names : list of str or None, default=None
            Names of the tasks; None uses the estimator's ``task_names_``.
        tasks : list of int or str, default=None
            Tasks to show; None shows all (they must be binary).
        drop_intermediate : bool, default=True
            See :func:`sklearn.metrics.roc_curve`.
        name : str or None, default=None
            Name of the model for the title; None uses its class name.
        ax, legend, plot_chance_level, curve_kwargs, chance_level_kw
            See :meth:`plot`.

        Returns
        -------
        display : MultiTaskRocCurveDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        if response_method not in RESPONSE_METHODS:
            raise ValueError(
                f"Expected response_method in {RESPONSE_METHODS}; got "
                f"{response_method!r} instead."
            )
        model = final_estimator(estimator)
        if not is_classifier(model):
            raise expected_estimator_error(
                caller, "a fitted multi-task classifier", estimator
            )
        methods = (
            ("predict_proba", "decision_function")
            if response_method == "auto"
            else (response_method,)
        )
        method = next((m for m in methods if hasattr(estimator, m)), None)
        if method is None:
            raise expected_estimator_error(
                caller,
                "a classifier with " + " or ".join(methods),
                estimator,
                missing=" or ".join(methods),
            )
        missing_label = getattr(model, "missing_label", None)
        classes = getattr(model, "classes_", None)
        n_tasks = 1 if np.ndim(Y) == 1 else np.shape(Y)[1]
        if classes is not None and not isinstance(classes, list):
            classes = [classes]
        scores = getattr(estimator, method)(X)
        if method == "predict_proba":
            scores = _full_columns(scores, n_tasks)
        else:
            scores = _decision_columns(model, scores, n_tasks)
        predictions = check_multitask_predictions(
            Y,
            scores,
            sample_weight=sample_weight,
            target_type="classification",
            missing_label=missing_label,
            score_arrays=True,
        )
        names = resolve_task_names(n_tasks, task_names, estimator=estimator, Y=Y)
        display = cls._from_task_scores(
            predictions,
            scores,
            classes,
            names,
            tasks,
            drop_intermediate,
            type(model).__name__ if name is None else name,
        )
        return display.plot(
            ax=ax,
            legend=legend,
            plot_chance_level=plot_chance_level,
            curve_kwargs=curve_kwargs,
            chance_level_kw=chance_level_kw,
        )


def _full_columns(Y_score, n_tasks):
    """Per-task score arrays on all rows: a list as is, else the columns."""
    if isinstance(Y_score, list) and all(isinstance(s, np.ndarray) for s in Y_score):
        return list(Y_score)
    scores = np.asarray(Y_score.to_numpy() if hasattr(Y_score, "iloc") else Y_score)
    if n_tasks == 1 and scores.ndim == 2 and scores.shape[1] == 2:
        return [scores]
    scores = scores.reshape(scores.shape[0], -1)
    return [scores[:, t] for t in range(n_tasks)]
