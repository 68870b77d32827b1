"""Per-task comparison with a reference: paired differences and their intervals."""

import numpy as np

from ..model_selection import compare_estimators
from ._plotting import (
    MAX_TICK_LABELS,
    check_matplotlib_support,
    merge_kwargs,
    panel_axes,
    set_item_ticks,
)

__all__ = ["ComparisonDisplay"]

#: Outcome of a task, in legend order, with its colour (RdBu: colour-blind safe).
OUTCOMES = {
    "improved": "#2166ac",
    "better": "#92c5de",
    "tie": "#bdbdbd",
    "worse": "#f4a582",
    "hurt": "#b2182b",
}


def _outcomes(difference, lower, upper, direction, significance):
    """``improved`` / ``better`` / ``tie`` / ``worse`` / ``hurt`` per task."""
    gain = direction * difference
    outcome = np.full(difference.shape, "tie", dtype=object)
    outcome[gain > 0] = "better"
    outcome[gain < 0] = "worse"
    if significance:
        low, high = direction * lower, direction * upper
        low, high = np.minimum(low, high), np.maximum(low, high)
        outcome[low > 0] = "improved"
        outcome[high < 0] = "hurt"
    return outcome


class ComparisonDisplay:
    """Per-task paired differences to a reference estimator, with intervals.

    One panel per compared estimator: a horizontal bar per task for the mean
    over folds of ``score(estimator) - score(reference)``, its interval as a
    black segment, and a colour per outcome: ``"improved"`` / ``"hurt"`` when
    the interval lies entirely on the good / bad side of zero, ``"better"`` /
    ``"worse"`` when only the mean does, grey for a tie or a task without
    score. The title gives Delta_m (the relative gain of
    :meth:`~sklearn_mtl.model_selection.ComparisonResult.delta_m`) and the
    counts of tasks better and worse (significant ones in parentheses).

    Build it with :meth:`from_result` (from
    :func:`~sklearn_mtl.model_selection.compare_estimators`) or
    :meth:`from_estimators` (which runs the comparison). All parameters are
    stored as attributes.

    Parameters
    ----------
    differences : ndarray of shape (n_compared, n_tasks)
        Mean paired difference of each compared estimator to the reference.
    lower, upper : ndarray of shape (n_compared, n_tasks) or None
        Interval bounds of the differences (NaN where there is none); None
        draws no interval and colours by the sign of the mean only.
    task_names : list of str
        Names of the tasks.
    estimator_names : list of str
        Names of the compared estimators (not the reference).
    reference : str
        Name of the reference estimator.
    metric : str
        Name of the metric.
    greater_is_better : bool, default=True
        Whether a positive difference is an improvement.
    delta_m : ndarray of shape (n_compared,) or None, default=None
        Relative gain of each compared estimator, in percent.
    confidence_level : float or None, default=None
        Coverage of the intervals, for the legend.
    result : ComparisonResult or None, default=None
        The comparison the numbers come from, kept for its tables.

    Attributes
    ----------
    bars_ : list of matplotlib BarContainer
        The bars of each panel; bar ``i`` is the ``i``-th task shown.
    intervals_ : list of matplotlib LineCollection or None
        The interval segments of each panel (tasks with an interval only),
        or None without intervals.
    outcomes_ : ndarray of str of shape (n_compared, n_tasks)
        ``"improved"``, ``"better"``, ``"tie"``, ``"worse"`` or ``"hurt"``.
    task_order_ : ndarray of int of shape (n_tasks,)
        Task shown at each position, from top to bottom.
    axes_ : ndarray of matplotlib Axes of shape (n_compared,)
        One axes per compared estimator.
    ax_ : matplotlib Axes
        The axes, when there is one compared estimator.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    sklearn_mtl.model_selection.compare_estimators : The comparison itself.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> from sklearn_mtl.baselines import PooledTaskRegressor
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.inspection import ComparisonDisplay
    >>> X, Y = make_multitask_regression(
    ...     n_samples=60, n_tasks=4, missing_rate=0.2, random_state=0
    ... )
    >>> display = ComparisonDisplay.from_estimators(
    ...     {"independent": IndependentTaskRegressor(Ridge()),
    ...      "pooled": PooledTaskRegressor(Ridge(), add_task_indicator=True)},
    ...     X, Y, cv=3,
    ... )
    >>> display.outcomes_.shape
    (1, 4)
    """

    def __init__(
        self,
        *,
        differences,
        lower,
        upper,
        task_names,
        estimator_names,
        reference,
        metric,
        greater_is_better=True,
        delta_m=None,
        confidence_level=None,
        result=None,
    ):
        self.differences = differences
        self.lower = lower
        self.upper = upper
        self.task_names = task_names
        self.estimator_names = estimator_names
        self.reference = reference
        self.metric = metric
        self.greater_is_better = greater_is_better
        self.delta_m = delta_m
        self.confidence_level = confidence_level
        self.result = result

    def plot(
        self,
        ax=None,
        *,
        sort=False,
        max_task_labels=MAX_TICK_LABELS,
        bar_kwargs=None,
        interval_kwargs=None,
    ):
        """Plot the per-task differences.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One axes per compared estimator; None makes a new figure whose
            panels share the task axis.
        sort : bool, default=False
            Order the tasks by the first compared estimator's gain (largest
            on top) instead of their own order: the readable choice for many
            tasks.
        max_task_labels : int, default=40
            With more tasks, only every ``k``-th task is labelled.
        bar_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.barh` (``color`` replaces
            the outcome colours).
        interval_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.hlines` for the intervals.

        Returns
        -------
        display : ComparisonDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        from matplotlib.patches import Patch
        from matplotlib.ticker import MaxNLocator

        differences = np.atleast_2d(np.asarray(self.differences, dtype=np.float64))
        n_compared, n_tasks = differences.shape
        has_intervals = self.lower is not None and self.upper is not None
        if has_intervals:
            lower = np.atleast_2d(np.asarray(self.lower, dtype=np.float64))
            upper = np.atleast_2d(np.asarray(self.upper, dtype=np.float64))
        else:
            lower = upper = np.full_like(differences, np.nan)
        if len(self.task_names) != n_tasks:
            raise ValueError(
                f"Expected {n_tasks} task names (one per column of differences); "
                f"got {len(self.task_names)} instead."
            )
        if len(self.estimator_names) != n_compared:
            raise ValueError(
                f"Expected {n_compared} estimator names (one per row of "
                f"differences); got {len(self.estimator_names)} instead."
            )
        direction = 1.0 if self.greater_is_better else -1.0
        outcomes = _outcomes(differences, lower, upper, direction, has_intervals)
        if sort:
            gain = np.nan_to_num(direction * differences[0], nan=-np.inf)
            order = np.argsort(-gain, kind="stable")
        else:
            order = np.arange(n_tasks)
        height = float(np.clip(0.26 * min(n_tasks, 60) + 1.8, 3.0, 14.0))
        figure, axes = panel_axes(
            ax,
            n_compared,
            n_cols=n_compared,
            panel_size=(5.5, height),
            caller=type(self).__name__,
            what="one per compared estimator",
            sharey=True,
        )
        positions = np.arange(n_tasks)
        labels = [str(self.task_names[t]) for t in order]
        self.bars_, self.intervals_ = [], [] if has_intervals else None
        for e, panel in enumerate(axes):
            values = differences[e, order]
            bar_style = merge_kwargs(
                {
                    "color": [OUTCOMES[o] for o in outcomes[e, order]],
                    "height": 0.75 if n_tasks <= 60 else 1.0,
                },
                bar_kwargs,
                name="bar_kwargs",
            )
            self.bars_.append(panel.barh(positions, np.nan_to_num(values), **bar_style))
            if has_intervals:
                finite = np.isfinite(lower[e, order]) & np.isfinite(upper[e, order])
                style = merge_kwargs(
                    {"color": "black", "linewidth": 1.0 if n_tasks <= 60 else 0.5},
                    interval_kwargs,
                    name="interval_kwargs",
                )
                self.intervals_.append(
                    panel.hlines(
                        positions[finite],
                        lower[e, order][finite],
                        upper[e, order][finite],
                        **style,
                    )
                )
            panel.axvline(0.0, color="black", linewidth=0.8)
            set_item_ticks(panel, "y", labels, max_labels=max_task_labels)
            panel.set_ylim(n_tasks - 0.5, -0.5)
            better = "higher" if self.greater_is_better else "lower"
            panel.set_xlabel(
                f"{self.metric}: {self.estimator_names[e]} - {self.reference}\n"
                f"({better} is better)"
            )
            panel.set_title(self._title(e, outcomes[e]), fontsize="medium")
            panel.xaxis.set_major_locator(MaxNLocator(nbins=5))
            panel.grid(axis="x", alpha=0.3)
        axes[0].set_ylabel("task" if not sort else "task (sorted by gain)")
        present = [o for o in OUTCOMES if np.any(outcomes == o)]
        legend_labels = self._legend_labels(has_intervals)
        handles = [Patch(color=OUTCOMES[o], label=legend_labels[o]) for o in present]
        if ax is None:  # our figure: the legend below the panels, off the bars
            figure.legend(
                handles=handles,
                loc="outside lower center",
                # about 2.7 inches per entry at the small font: never cut off
                ncols=max(1, min(len(handles), int(figure.get_figwidth() // 2.7))),
                fontsize="small",
                frameon=False,
            )
        else:
            axes[-1].legend(handles=handles, loc="best", fontsize="small")
        self.outcomes_ = outcomes
        self.task_order_ = order
        self.axes_ = axes
        if n_compared == 1:
            self.ax_ = axes[0]
        self.figure_ = figure
        return self

    def _title(self, e, outcomes):
        n_tasks = outcomes.size
        n_better = int(np.sum(np.isin(outcomes, ["better", "improved"])))
        n_worse = int(np.sum(np.isin(outcomes, ["worse", "hurt"])))
        head = f"{self.estimator_names[e]} vs {self.reference}"
        if self.delta_m is not None:
            head += rf": $\Delta_m$ = {np.ravel(self.delta_m)[e]:+.1f}%"
        line = f"better on {n_better}/{n_tasks}, worse on {n_worse}/{n_tasks}"
        if self.lower is not None and self.upper is not None:
            improved = int(np.sum(outcomes == "improved"))
            hurt = int(np.sum(outcomes == "hurt"))
            line = (
                f"better on {n_better}/{n_tasks} ({improved} significant), "
                f"worse on {n_worse}/{n_tasks} ({hurt} significant)"
            )
        return f"{head}\n{line}"

    def _legend_labels(self, has_intervals):
        if not has_intervals:
            return {"better": "better", "worse": "worse", "tie": "tie / no score"}
        level = (
            f"{self.confidence_level:.0%} interval"
            if self.confidence_level is not None
            else "interval"
        )
        return {
            "improved": f"improved ({level} excludes 0)",
            "better": "better, not significant",
            "tie": "tie / no interval",
            "worse": "worse, not significant",
            "hurt": f"hurt ({level} excludes 0)",
        }

    @classmethod
    def from_result(
        cls,
        result,
        *,
        estimators=None,
        confidence_level=0.95,
        ax=None,
        sort=False,
        max_task_labels=MAX_TICK_LABELS,
        bar_kwargs=None,
        interval_kwargs=None,
    ):
        """Plot a comparison returned by ``compare_estimators``.

        Parameters
        ----------
        result : ComparisonResult
            The comparison.
        estimators : list of str or None, default=None
            Names of the estimators to show; None shows every estimator but
            the reference.
        confidence_level : float or None, default=0.95
            Coverage of the intervals of the paired differences (see
            :meth:`~sklearn_mtl.model_selection.ComparisonResult.confidence_intervals`:
            the corrected resampled t-test of the comparison); None draws no
            interval.
        ax : matplotlib Axes or array-like of Axes, default=None
            See :meth:`plot`.
        sort, max_task_labels, bar_kwargs, interval_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ComparisonDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_result")
        needed = ("scores", "estimator_names", "task_names", "reference")
        if not all(hasattr(result, name) for name in needed):
            raise ValueError(
                f"{cls.__name__}.from_result needs the ComparisonResult returned "
                f"by compare_estimators; got {type(result).__name__}."
            )
        names = list(result.estimator_names)
        shown = [n for n in names if n != result.reference]
        if estimators is not None:
            estimators = [estimators] if isinstance(estimators, str) else estimators
            unknown = [n for n in estimators if n not in shown]
            if unknown:
                raise ValueError(
                    f"Unknown estimator(s) {unknown}; expected names among "
                    f"{shown} (the reference {result.reference!r} is not shown)."
                )
            shown = list(estimators)
        if not shown:
            raise ValueError(
                f"{cls.__name__} needs at least one estimator besides the reference "
                f"{result.reference!r}; got only the reference."
            )
        index = [names.index(n) for n in shown]
        if confidence_level is None:
            difference = np.asarray(result.differences(), dtype=np.float64)
            lower = upper = None
        else:
            difference = np.asarray(result.differences(), dtype=np.float64)
            lower, upper = result.confidence_intervals(confidence_level)
            lower, upper = lower[index], upper[index]
        display = cls(
            differences=difference[index],
            lower=lower,
            upper=upper,
            task_names=list(result.task_names),
            estimator_names=shown,
            reference=result.reference,
            metric=result.metric,
            greater_is_better=result.greater_is_better,
            delta_m=np.asarray(result.delta_m())[index],
            confidence_level=confidence_level,
            result=result,
        )
        return display.plot(
            ax=ax,
            sort=sort,
            max_task_labels=max_task_labels,
            bar_kwargs=bar_kwargs,
            interval_kwargs=interval_kwargs,
        )

    @classmethod
    def from_estimators(
        cls,
        estimators,
        X,
        Y,
        *,
        cv=5,
        scoring=None,
        reference=None,
        greater_is_better=None,
        n_jobs=None,
        confidence_level=0.95,
        ax=None,
        sort=False,
        max_task_labels=MAX_TICK_LABELS,
        bar_kwargs=None,
        interval_kwargs=None,
    ):
        """Cross-validate estimators with ``compare_estimators`` and plot.

        Parameters
        ----------
        estimators : dict or list of (str, estimator)
            The estimators, by name; see
            :func:`~sklearn_mtl.model_selection.compare_estimators`.
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input samples.
        Y : array-like of shape (n_samples, n_tasks)
            Targets, NaN where missing.
        cv, scoring, reference, greater_is_better, n_jobs
            Passed to
            :func:`~sklearn_mtl.model_selection.compare_estimators`.
        confidence_level
            See :meth:`from_result`.
        ax, sort, max_task_labels, bar_kwargs, interval_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ComparisonDisplay
            Its ``result`` holds the comparison's tables.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimators")
        result = compare_estimators(
            estimators,
            X,
            Y,
            cv=cv,
            scoring=scoring,
            reference=reference,
            greater_is_better=greater_is_better,
            n_jobs=n_jobs,
        )
        return cls.from_result(
            result,
            confidence_level=confidence_level,
            ax=ax,
            sort=sort,
            max_task_labels=max_task_labels,
            bar_kwargs=bar_kwargs,
            interval_kwargs=interval_kwargs,
        )
