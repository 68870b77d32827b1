"""Per-task training curves and task weights from a multi-task net's history."""

import numpy as np

from ..metrics._scorer import final_estimator
from ._plotting import (
    MAX_LEGEND_ENTRIES,
    check_matplotlib_support,
    expected_estimator_error,
    merge_kwargs,
    panel_axes,
    resolve_task_names,
    select_tasks,
    task_colors,
)

__all__ = ["TaskHistoryDisplay"]


def _history_array(history, keys):
    """``(n_epochs, len(keys))`` floats; NaN where an epoch lacks a key."""
    values = np.full((len(history), len(keys)), np.nan)
    for e, epoch in enumerate(history):
        for k, key in enumerate(keys):
            value = epoch.get(key)
            if value is not None:
                values[e, k] = float(value)
    return values


class TaskHistoryDisplay:
    """Per-task training and validation curves, and the task weights, by epoch.

    The left panel shows each task's training loss (solid) and validation
    loss (dashed, when the net had a validation split) in one colour per
    task; the right panel, the weight each task got at each epoch (the
    ``task_weights`` recorded by the net's weighting strategy). An epoch in
    which a task had no observed label leaves a gap in its curve.

    Build it with :meth:`from_estimator`. All parameters are stored as
    attributes.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
        Epoch numbers (from 1).
    train : ndarray of shape (n_epochs, n_tasks) or None
        Per-task training values (NaN where missing); None when only
        validation values were recorded.
    valid : ndarray of shape (n_epochs, n_tasks) or None, default=None
        Per-task validation values.
    task_weights : ndarray of shape (n_epochs, n_tasks) or None, default=None
        Weight of each task at each epoch.
    task_names : list of str or None, default=None
        Names of the tasks.
    metric : str, default="loss"
        What the curves show, for the axis label.

    Attributes
    ----------
    train_lines_ : list of matplotlib Line2D or None
        One training curve per task shown, or None.
    valid_lines_ : list of matplotlib Line2D or None
        One validation curve per task shown, or None.
    weight_lines_ : list of matplotlib Line2D or None
        One task-weight curve per task shown, or None.
    axes_ : ndarray of matplotlib Axes
        The curves' axes, then the weights' axes when shown.
    figure_ : matplotlib Figure
        The figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_mtl.inspection import TaskHistoryDisplay
    >>> from sklearn_mtl.neural import MultiTaskNetRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 4)).astype(np.float32)
    >>> Y = X[:, :2] + 0.1 * rng.standard_normal((60, 2))
    >>> Y[::4, 1] = np.nan
    >>> net = MultiTaskNetRegressor(
    ...     max_epochs=3, module__hidden_units=(8,), verbose=0, random_state=0
    ... ).fit(X, Y)
    >>> display = TaskHistoryDisplay.from_estimator(net)
    >>> len(display.train_lines_), len(display.valid_lines_)
    (2, 2)
    """

    def __init__(
        self,
        *,
        epochs,
        train=None,
        valid=None,
        task_weights=None,
        task_names=None,
        metric="loss",
    ):
        self.epochs = epochs
        self.train = train
        self.valid = valid
        self.task_weights = task_weights
        self.task_names = task_names
        self.metric = metric

    def plot(
        self,
        ax=None,
        *,
        tasks=None,
        show_weights=True,
        yscale="auto",
        legend="auto",
        line_kwargs=None,
    ):
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One axes for the curves, then one for the weights when they are
            shown; None makes a new figure.
        tasks : list of int or str, default=None
            Tasks to show, by index or name; None shows all.
        show_weights : bool, default=True
            Whether to show the task weights (when there are some).
        yscale : {"auto", "linear", "log"}, default="auto"
            Scale of the curves' axis; ``"auto"`` is ``"log"`` when every
            value is positive (tasks on different scales stay readable).
        legend : {"auto", True, False}, default="auto"
            Whether to name the tasks in a legend; ``"auto"`` does up to 12
            tasks.
        line_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for every curve.

        Returns
        -------
        display : TaskHistoryDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        from matplotlib.lines import Line2D

        if yscale not in ("auto", "linear", "log"):
            raise ValueError(
                "Expected yscale to be 'auto', 'linear' or 'log'; got "
                f"{yscale!r} instead."
            )
        epochs = np.asarray(self.epochs)
        phases = {
            phase: np.asarray(values, dtype=np.float64).reshape(epochs.size, -1)
            for phase, values in (("train", self.train), ("valid", self.valid))
            if values is not None
        }
        if not phases:
            raise ValueError("Expected train or valid curves; got neither.")
        n_tasks = next(iter(phases.values())).shape[1]
        names = resolve_task_names(n_tasks, self.task_names)
        shown = select_tasks(tasks, names)
        weights = None
        if show_weights and self.task_weights is not None:
            weights = np.asarray(self.task_weights, dtype=np.float64)
            weights = weights.reshape(epochs.size, n_tasks)
        n_panels = 2 if weights is not None else 1
        figure, axes = panel_axes(
            ax,
            n_panels,
            n_cols=n_panels,
            panel_size=(5.0, 3.8),
            caller=type(self).__name__,
            what="one for the curves, then one for the task weights",
            sharex=True,
        )
        colors = task_colors(len(shown))
        style = merge_kwargs({"linewidth": 1.5}, line_kwargs, name="line_kwargs")
        marker = {"marker": "o", "markersize": 3} if epochs.size <= 30 else {}
        dashes = {"train": "-", "valid": "--"}
        curves = axes[0]
        lines = {phase: [] for phase in phases}
        for color, t in zip(colors, shown, strict=True):
            for phase, values in phases.items():
                lines[phase].extend(
                    curves.plot(
                        epochs,
                        values[:, t],
                        label=names[t],
                        **{
                            "color": color,
                            "linestyle": dashes[phase],
                            **marker,
                            **style,
                        },
                    )
                )
        self.train_lines_ = lines.get("train")
        self.valid_lines_ = lines.get("valid")
        finite = np.concatenate([v[:, shown].ravel() for v in phases.values()])
        finite = finite[np.isfinite(finite)]
        if yscale == "auto":
            yscale = "log" if finite.size and np.all(finite > 0) else "linear"
        curves.set_yscale(yscale)
        curves.set_xlabel("epoch")
        curves.set_ylabel(f"{self.metric} per task")
        described = {
            ("train",): "training",
            ("valid",): "validation",
            ("train", "valid"): "training (solid) and validation (dashed)",
        }[tuple(phases)]
        curves.set_title(f"{described} {self.metric}", fontsize="medium")
        curves.grid(alpha=0.3)
        show_legend = legend if legend != "auto" else len(shown) <= MAX_LEGEND_ENTRIES
        if show_legend:
            handles = list(next(iter(lines.values())))
            if len(phases) == 2:
                handles += [
                    Line2D([], [], color="gray", label="train"),
                    Line2D([], [], color="gray", linestyle="--", label="valid"),
                ]
            if ax is None:  # our figure: the legend beside the panels
                figure.legend(
                    handles=handles,
                    loc="outside right upper",
                    fontsize="small",
                    frameon=False,
                )
            else:
                curves.legend(handles=handles, fontsize="small")
        self.weight_lines_ = None
        if weights is not None:
            panel, self.weight_lines_ = axes[1], []
            for color, t in zip(colors, shown, strict=True):
                self.weight_lines_.extend(
                    panel.plot(
                        epochs,
                        weights[:, t],
                        label=names[t],
                        **{"color": color, **marker, **style},
                    )
                )
            panel.set_xlabel("epoch")
            panel.set_ylabel("task weight")
            panel.set_title("task weights", fontsize="medium")
            panel.grid(alpha=0.3)
        if epochs.size:
            for panel in axes:
                panel.xaxis.get_major_locator().set_params(integer=True)
        self.axes_ = axes
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        metric="loss",
        task_names=None,
        ax=None,
        tasks=None,
        show_weights=True,
        yscale="auto",
        legend="auto",
        line_kwargs=None,
    ):
        """Plot the history of a fitted multi-task net.

        Parameters
        ----------
        estimator : MultiTaskNetRegressor or MultiTaskNetClassifier
            A fitted net (or a pipeline ending with one) whose ``history``
            holds per-task keys ``train_<metric>_<task>`` (and
            ``valid_<metric>_<task>`` with a validation split), as
            :meth:`~sklearn_mtl.neural.MultiTaskNetRegressor.task_history_keys`
            names them, and ``task_weights``.
        metric : str, default="loss"
            The per-task quantity: ``"loss"``, or the name of a
            :class:`~sklearn_mtl.neural.TaskScoring` callback (its
            ``valid_<name>_<task>`` keys, or ``train_...`` with
            ``on_train=True``).
        task_names : list of str or None, default=None
            Names for the legend; None uses the net's task names.
        ax, tasks, show_weights, yscale, legend, line_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : TaskHistoryDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        net = final_estimator(estimator)
        expected = (
            "a fitted multi-task net (MultiTaskNetRegressor or "
            "MultiTaskNetClassifier) with per-task curves in its history"
        )
        if not hasattr(net, "task_history_keys"):
            raise expected_estimator_error(
                caller, expected, estimator, missing="task_history_keys"
            )
        history = getattr(net, "history", None)
        if not getattr(net, "initialized_", False) or not history:
            raise expected_estimator_error(
                caller, expected, estimator, missing="history (it is not fitted)"
            )
        train_keys = net.task_history_keys(f"train_{metric}")
        valid_keys = net.task_history_keys(f"valid_{metric}")
        recorded = set().union(*(epoch.keys() for epoch in history))
        has_train = any(key in recorded for key in train_keys)
        has_valid = any(key in recorded for key in valid_keys)
        if not (has_train or has_valid):
            raise ValueError(
                f"{caller}: the net's history has no per-task {metric!r} keys "
                f"(expected {train_keys[0]!r} or {valid_keys[0]!r}); recorded "
                f"keys: {sorted(k for k in recorded if k != 'batches')}."
            )
        train = _history_array(history, train_keys) if has_train else None
        valid = _history_array(history, valid_keys) if has_valid else None
        weights = None
        if "task_weights" in recorded:
            weights = np.full((len(history), net.n_tasks_), np.nan)
            for e, epoch in enumerate(history):
                if epoch.get("task_weights") is not None:
                    weights[e] = np.asarray(epoch["task_weights"], dtype=np.float64)
        display = cls(
            epochs=np.array(
                [epoch.get("epoch", e + 1) for e, epoch in enumerate(history)]
            ),
            train=train,
            valid=valid,
            task_weights=weights,
            task_names=resolve_task_names(net.n_tasks_, task_names, estimator=net),
            metric=metric,
        )
        return display.plot(
            ax=ax,
            tasks=tasks,
            show_weights=show_weights,
            yscale=yscale,
            legend=legend,
            line_kwargs=line_kwargs,
        )
