"""The result of a per-task comparison of estimators: tables and summaries."""

import numpy as np

__all__ = ["ComparisonResult"]


class ComparisonResult:
    """Per-fold, per-task scores of several estimators, with their comparison.

    Returned by :func:`~sklearn_mtl.model_selection.compare_estimators`.
    Differences are always "estimator minus reference"; whether a positive
    difference is an improvement depends on ``greater_is_better``.

    Parameters
    ----------
    scores : ndarray of shape (n_estimators, n_splits, n_tasks)
        Score of each estimator on each test fold and task (NaN where a task
        had no observed label in a test fold).
    estimator_names : list of str
        Names of the estimators, in the order of ``scores``.
    task_names : list of str
        Names of the tasks.
    reference : str
        Name of the reference estimator (a baseline).
    metric : str
        Name of the metric.
    greater_is_better : bool
        Whether a higher score is better.
    fit_times : ndarray of shape (n_estimators, n_splits)
        Seconds spent in ``fit`` on each fold.

    Attributes
    ----------
    scores, estimator_names, task_names, reference, metric, greater_is_better,
    fit_times
        The parameters.
    """

    def __init__(
        self,
        scores,
        estimator_names,
        task_names,
        reference,
        metric,
        greater_is_better,
        fit_times,
    ):
        self.scores = scores
        self.estimator_names = list(estimator_names)
        self.task_names = list(task_names)
        self.reference = reference
        self.metric = metric
        self.greater_is_better = greater_is_better
        self.fit_times = fit_times

    @property
    def _reference_index(self):
        return self.estimator_names.index(self.reference)

    @property
    def _direction(self):
        return 1.0 if self.greater_is_better else -1.0

    def mean(self):
        """Mean score over folds.

        Returns
        -------
        mean : ndarray of shape (n_estimators, n_tasks)
        """
        return np.nanmean(self.scores, axis=1)

    def std(self):
        """Standard deviation of the score over folds (``ddof=1``).

        Returns
        -------
        std : ndarray of shape (n_estimators, n_tasks)
        """
        if self.scores.shape[1] < 2:
            return np.zeros(self.scores.shape[::2])
        return np.nanstd(self.scores, axis=1, ddof=1)

    def differences(self):
        """Mean over folds of the paired difference to the reference.

        Returns
        -------
        difference : ndarray of shape (n_estimators, n_tasks)
            ``mean_folds(score[estimator] - score[reference])``; zero for the
            reference itself.
        """
        paired = self.scores - self.scores[self._reference_index]
        return np.nanmean(paired, axis=1)

    def n_improved(self):
        """Number of tasks where each estimator beats the reference on average.

        Returns
        -------
        n_improved : ndarray of int of shape (n_estimators,)
        """
        return np.sum(self._direction * self.differences() > 0, axis=1)

    def n_hurt(self):
        """Number of tasks where each estimator is worse than the reference.

        These are the tasks with negative transfer when the estimator shares
        information across tasks and the reference does not.

        Returns
        -------
        n_hurt : ndarray of int of shape (n_estimators,)
        """
        return np.sum(self._direction * self.differences() < 0, axis=1)

    def delta_m(self):
        """Relative multi-task gain over the reference, in percent.

        ``Delta_m = 100 / T * sum_t s * (M_t - B_t) / |B_t|`` where ``M_t`` and
        ``B_t`` are the mean scores of the estimator and of the reference on
        task ``t``, and ``s`` is +1 when greater is better, -1 otherwise
        (Maninis et al., 2019). Tasks where ``B_t`` is zero are left out. The
        figure is unstable for metrics that can be near zero (R^2 of a hard
        task); read it with the per-task table.

        Returns
        -------
        delta_m : ndarray of shape (n_estimators,)
        """
        mean = self.mean()
        baseline = mean[self._reference_index]
        usable = np.isfinite(baseline) & (baseline != 0)
        relative = (mean[:, usable] - baseline[usable]) / np.abs(baseline[usable])
        return 100.0 * self._direction * np.nanmean(relative, axis=1)

    def per_task_table(self):
        """One row per task: mean and sd of each estimator, difference to reference.

        Returns
        -------
        rows : list of dict
            Keys ``"task"``, then ``"<name> mean"``, ``"<name> sd"`` for each
            estimator and ``"<name> diff"`` for each non-reference estimator.
        """
        mean, std, difference = self.mean(), self.std(), self.differences()
        rows = []
        for t, task in enumerate(self.task_names):
            row = {"task": task}
            for e, name in enumerate(self.estimator_names):
                row[f"{name} mean"] = mean[e, t]
                row[f"{name} sd"] = std[e, t]
                if name != self.reference:
                    row[f"{name} diff"] = difference[e, t]
            rows.append(row)
        return rows

    def summary(self):
        """One row per estimator: average score, Delta_m, tasks improved and hurt.

        Returns
        -------
        rows : list of dict
            Keys ``"estimator"``, ``"mean"`` (over tasks and folds),
            ``"delta_m"`` (percent), ``"improved"``, ``"hurt"``, ``"n_tasks"``
            and ``"fit_time"`` (mean seconds per fold).
        """
        mean = np.nanmean(self.mean(), axis=1)
        delta_m, improved, hurt = self.delta_m(), self.n_improved(), self.n_hurt()
        return [
            {
                "estimator": name,
                "mean": mean[e],
                "delta_m": delta_m[e],
                "improved": int(improved[e]),
                "hurt": int(hurt[e]),
                "n_tasks": len(self.task_names),
                "fit_time": float(np.mean(self.fit_times[e])),
            }
            for e, name in enumerate(self.estimator_names)
        ]

    def to_frame(self, kind="per_task"):
        """The per-task table or the summary as a pandas DataFrame.

        Parameters
        ----------
        kind : {"per_task", "summary"}, default="per_task"
            Which table.

        Returns
        -------
        frame : pandas.DataFrame
            Indexed by task (per task) or by estimator (summary).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "ComparisonResult.to_frame needs pandas; install it with "
                "`pip install pandas`."
            ) from exc
        if kind == "per_task":
            return pd.DataFrame(self.per_task_table()).set_index("task")
        if kind == "summary":
            return pd.DataFrame(self.summary()).set_index("estimator")
        raise ValueError(
            f"Expected kind to be 'per_task' or 'summary'; got {kind!r} instead."
        )

    def summary_lines(self):
        """One sentence per non-reference estimator, for reports and logs.

        Returns
        -------
        lines : list of str
        """
        rows = {row["estimator"]: row for row in self.summary()}
        reference = rows[self.reference]
        return [
            f"{name}: mean {self.metric} {row['mean']:.4f} vs {reference['mean']:.4f}"
            f" for {self.reference}; Delta_m {row['delta_m']:+.1f}%; better on "
            f"{row['improved']}/{row['n_tasks']} tasks, worse on "
            f"{row['hurt']}/{row['n_tasks']}"
            for name, row in rows.items()
            if name != self.reference
        ]

    def __str__(self):
        mean, std, difference = self.mean(), self.std(), self.differences()
        task_width = max(4, *(len(str(task)) for task in self.task_names))
        cell = max(24, *(len(name) for name in self.estimator_names))
        header = f"{'task':<{task_width}}" + "".join(
            f"  {name:>{cell}}" for name in self.estimator_names
        )
        lines = [
            f"{self.metric} per task (mean +- sd over {self.scores.shape[1]} folds; "
            f"[diff] = paired difference to {self.reference})",
            header,
            "-" * len(header),
        ]
        for t, task in enumerate(self.task_names):
            cells = []
            for e, name in enumerate(self.estimator_names):
                text = f"{mean[e, t]:.3f} +- {std[e, t]:.3f}"
                if name != self.reference:
                    text += f" [{difference[e, t]:+.3f}]"
                cells.append(f"  {text:>{cell}}")
            lines.append(f"{task!s:<{task_width}}" + "".join(cells))
        lines.append("-" * len(header))
        lines.extend(self.summary_lines())
        return "\n".join(lines)

    def __repr__(self):
        return (
            f"ComparisonResult(estimators={self.estimator_names}, "
            f"n_tasks={len(self.task_names)}, n_splits={self.scores.shape[1]}, "
            f"metric={self.metric!r}, reference={self.reference!r})"
        )
