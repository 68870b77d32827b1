"""The result of a per-task comparison of estimators: tables and summaries."""

import warnings

import numpy as np
from scipy import stats

__all__ = ["ComparisonResult"]

# The names R^2 has as a metric of a comparison (by name, by function).
R2_NAMES = ("r2", "multitask_r2_score")


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
    test_train_ratio : float or None, default=None
        Mean ratio of test to training rows over the splits, for the variance
        correction of the paired tests; None means K-fold cross-validation,
        ``1 / (n_splits - 1)``.
    alpha : float, default=0.05
        Level of the per-task tests behind :meth:`n_improved` and
        :meth:`n_hurt`.
    estimators : list of list of estimator or None, default=None
        The fitted estimators, one list of folds per estimator.

    Attributes
    ----------
    scores, estimator_names, task_names, reference, metric, greater_is_better,
    fit_times, test_train_ratio, alpha, estimators
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
        *,
        test_train_ratio=None,
        alpha=0.05,
        estimators=None,
    ):
        self.scores = scores
        self.estimator_names = list(estimator_names)
        self.task_names = list(task_names)
        self.reference = reference
        self.metric = metric
        self.greater_is_better = greater_is_better
        self.fit_times = fit_times
        n_splits = scores.shape[1]
        if test_train_ratio is None and n_splits > 1:
            test_train_ratio = 1.0 / (n_splits - 1)
        self.test_train_ratio = test_train_ratio
        self.alpha = alpha
        self.estimators = estimators

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
            Each estimator's mean score on each task (NaN folds skipped).
        """
        return np.nanmean(self.scores, axis=1)

    def std(self):
        """Standard deviation of the score over folds (``ddof=1``).

        Returns
        -------
        std : ndarray of shape (n_estimators, n_tasks)
            Each estimator's standard deviation on each task; zeros with a
            single fold.
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

    def _paired_statistics(self):
        """Mean paired difference, its corrected standard error and the
        number of folds that scored both, per estimator and task."""
        paired = self.scores - self.scores[self._reference_index]
        n_folds = np.isfinite(paired).sum(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # < 2 folds
            mean = np.nanmean(paired, axis=1)
            variance = np.nanvar(paired, axis=1, ddof=1)
        ratio = np.nan if self.test_train_ratio is None else self.test_train_ratio
        with np.errstate(divide="ignore", invalid="ignore"):
            error = np.sqrt((1.0 / n_folds + ratio) * variance)
        error[n_folds < 2] = np.nan
        error[self._reference_index] = np.nan
        return mean, error, n_folds

    def p_values(self):
        """Two-sided p-values of the paired differences, per task.

        The corrected resampled t-test of Nadeau and Bengio (2003): with
        ``d_k`` the paired difference on fold ``k`` (``K`` folds where the
        task was scored), ``t = mean(d) / sqrt((1 / K + n_test / n_train) *
        var(d))`` on ``K - 1`` degrees of freedom. The ``n_test / n_train``
        term accounts for the overlap of the training sets, which makes the
        folds' differences correlated and the plain paired t-test
        overconfident.

        Returns
        -------
        p_values : ndarray of shape (n_estimators, n_tasks)
            NaN for the reference and where fewer than two folds scored the
            task; 1 where every paired difference is zero.

        References
        ----------
        C. Nadeau and Y. Bengio, "Inference for the generalization error",
        Machine Learning 52(3), 2003.
        """
        mean, error, n_folds = self._paired_statistics()
        with np.errstate(divide="ignore", invalid="ignore"):
            statistic = np.where(mean == 0.0, 0.0, mean / error)
        statistic[np.isnan(error)] = np.nan
        return 2.0 * stats.t.sf(np.abs(statistic), np.maximum(n_folds - 1, 1))

    def confidence_intervals(self, confidence_level=None):
        """Compute intervals of the mean paired differences, from the same test.

        ``mean(d) +- q * sqrt((1 / K + n_test / n_train) * var(d))`` with
        ``q`` the quantile of Student's t on ``K - 1`` degrees of freedom (see
        :meth:`p_values`): at ``confidence_level = 1 - alpha`` an interval
        excludes zero exactly when the p-value is below ``alpha``.

        Parameters
        ----------
        confidence_level : float or None, default=None
            Coverage, in ``(0, 1)``; None means ``1 - alpha``.

        Returns
        -------
        lower, upper : ndarrays of shape (n_estimators, n_tasks)
            NaN where :meth:`p_values` is NaN.
        """
        if confidence_level is None:
            confidence_level = 1.0 - self.alpha
        if not 0 < confidence_level < 1:
            raise ValueError(
                "Expected confidence_level strictly between 0 and 1; got "
                f"{confidence_level!r} instead."
            )
        mean, error, n_folds = self._paired_statistics()
        quantile = stats.t.ppf(0.5 + confidence_level / 2, np.maximum(n_folds - 1, 1))
        return mean - quantile * error, mean + quantile * error

    def _counts(self, sign, significant):
        better = sign * self._direction * self.differences() > 0
        if significant:
            with np.errstate(invalid="ignore"):
                better &= self.p_values() < self.alpha
        return np.sum(better, axis=1)

    def n_improved(self, significant=True):
        """Number of tasks where each estimator beats the reference.

        Parameters
        ----------
        significant : bool, default=True
            Count a task only when its :meth:`p_values` entry is below
            ``alpha``; False counts every task whose mean score is better.

        Returns
        -------
        n_improved : ndarray of int of shape (n_estimators,)
            Number of tasks improved, per estimator (0 for the reference).
        """
        return self._counts(1.0, significant)

    def n_hurt(self, significant=True):
        """Number of tasks where each estimator is worse than the reference.

        These are the tasks with negative transfer when the estimator shares
        information across tasks and the reference does not.

        Parameters
        ----------
        significant : bool, default=True
            Count a task only when its :meth:`p_values` entry is below
            ``alpha``; False counts every task whose mean score is worse.

        Returns
        -------
        n_hurt : ndarray of int of shape (n_estimators,)
            Number of tasks hurt, per estimator (0 for the reference).
        """
        return self._counts(-1.0, significant)

    def mean_difference(self):
        """Mean over tasks of the paired difference, positive when better.

        ``s / T * sum_t mean_folds(score - reference score)`` in the metric's
        own units (``s`` = -1 when lower is better): the gain that
        :meth:`delta_m` expresses relative to the reference's scores.

        Returns
        -------
        mean_difference : ndarray of shape (n_estimators,)
            Mean gain over the reference per estimator, in the metric's
            units (0 for the reference).
        """
        return self._direction * np.nanmean(self.differences(), axis=1)

    def delta_m(self):
        """Relative multi-task gain over the reference, in percent.

        ``Delta_m = 100 / T * sum_t s * (M_t - B_t) / |B_t|`` where ``M_t`` and
        ``B_t`` are the mean scores of the estimator and of the reference on
        task ``t``, and ``s`` is +1 when greater is better, -1 otherwise
        (Maninis et al., 2019). Tasks where ``B_t`` is zero are left out.

        For R^2, whose reference value can be near zero on a hard task (and
        would then inflate the ratio without bound), the gain is taken on the
        normalized error ``1 - R^2`` instead, as a ratio of sums:
        ``100 * sum_t (M_t - B_t) / sum_t (1 - B_t)``, the relative reduction
        of the tasks' mean unexplained variance. A ratio per task would blow
        up in turn on a task the reference predicts almost perfectly. Read it
        beside :meth:`mean_difference` and the per-task table.

        Returns
        -------
        delta_m : ndarray of shape (n_estimators,)
            Relative gain over the reference per estimator, in percent (0
            for the reference).
        """
        mean = self.mean()
        baseline = mean[self._reference_index]
        if self.metric in R2_NAMES:
            usable = np.isfinite(baseline) & np.isfinite(mean)
            gain = np.where(usable, mean - baseline, 0.0).sum(axis=1)
            error = np.where(usable, 1.0 - baseline, 0.0).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(error > 0, 100.0 * gain / error, np.nan)
        usable = np.isfinite(baseline) & (baseline != 0)
        relative = (mean[:, usable] - baseline[usable]) / np.abs(baseline[usable])
        return 100.0 * self._direction * np.nanmean(relative, axis=1)

    def per_task_table(self):
        """One row per task: each estimator's mean and sd, differences, p-values.

        Returns
        -------
        rows : list of dict
            Keys ``"task"``, then ``"<name> mean"``, ``"<name> sd"`` for each
            estimator and ``"<name> diff"`` (paired difference to the
            reference) and ``"<name> p"`` (:meth:`p_values`) for each
            non-reference estimator.
        """
        mean, std, difference = self.mean(), self.std(), self.differences()
        p_values = self.p_values()
        rows = []
        for t, task in enumerate(self.task_names):
            row = {"task": task}
            for e, name in enumerate(self.estimator_names):
                row[f"{name} mean"] = mean[e, t]
                row[f"{name} sd"] = std[e, t]
                if name != self.reference:
                    row[f"{name} diff"] = difference[e, t]
                    row[f"{name} p"] = p_values[e, t]
            rows.append(row)
        return rows

    def per_fold_table(self):
        """One row per estimator, fold and task: the raw scores.

        Returns
        -------
        rows : list of dict
            Keys ``"estimator"``, ``"fold"``, ``"task"``, ``"score"`` and
            ``"fit_time"`` (seconds, the fold's fit).
        """
        return [
            {
                "estimator": name,
                "fold": k,
                "task": task,
                "score": self.scores[e, k, t],
                "fit_time": self.fit_times[e, k],
            }
            for e, name in enumerate(self.estimator_names)
            for k in range(self.scores.shape[1])
            for t, task in enumerate(self.task_names)
        ]

    def summary(self):
        """One row per estimator: scores, gains, tasks improved and hurt.

        Returns
        -------
        rows : list of dict
            Keys ``"estimator"``, ``"mean"`` (over tasks and folds),
            ``"mean_difference"`` (:meth:`mean_difference`), ``"delta_m"``
            (percent), ``"improved"`` and ``"hurt"`` (tasks significantly
            better or worse than the reference at level ``alpha``),
            ``"better"`` and ``"worse"`` (tasks whose mean is better or worse,
            without a test), ``"n_tasks"`` and ``"fit_time"`` (mean seconds
            per fold).
        """
        mean = np.nanmean(self.mean(), axis=1)
        difference, delta_m = self.mean_difference(), self.delta_m()
        improved, hurt = self.n_improved(), self.n_hurt()
        better, worse = self.n_improved(False), self.n_hurt(False)
        return [
            {
                "estimator": name,
                "mean": mean[e],
                "mean_difference": difference[e],
                "delta_m": delta_m[e],
                "improved": int(improved[e]),
                "hurt": int(hurt[e]),
                "better": int(better[e]),
                "worse": int(worse[e]),
                "n_tasks": len(self.task_names),
                "fit_time": float(np.mean(self.fit_times[e])),
            }
            for e, name in enumerate(self.estimator_names)
        ]

    def to_frame(self, kind="per_task"):
        """A table of the result as a pandas DataFrame.

        Parameters
        ----------
        kind : {"per_task", "summary", "per_fold"}, default="per_task"
            :meth:`per_task_table` (indexed by task), :meth:`summary`
            (indexed by estimator) or :meth:`per_fold_table` (a row per
            estimator, fold and task).

        Returns
        -------
        frame : pandas.DataFrame
            The table chosen by ``kind``.
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
        if kind == "per_fold":
            return pd.DataFrame(self.per_fold_table())
        raise ValueError(
            "Expected kind to be 'per_task', 'summary' or 'per_fold'; got "
            f"{kind!r} instead."
        )

    def summary_lines(self):
        """One sentence per non-reference estimator, for reports and logs.

        Returns
        -------
        lines : list of str
            One sentence per estimator other than the reference.
        """
        rows = {row["estimator"]: row for row in self.summary()}
        reference = rows[self.reference]
        level = f"{100 * self.alpha:g}%"
        return [
            f"{name}: mean {self.metric} {row['mean']:.4f} vs {reference['mean']:.4f}"
            f" for {self.reference} (mean difference {row['mean_difference']:+.4f}, "
            f"Delta_m {row['delta_m']:+.1f}%); better on {row['better']}/"
            f"{row['n_tasks']} tasks ({row['improved']} significant at {level}), "
            f"worse on {row['worse']}/{row['n_tasks']} ({row['hurt']} significant)"
            for name, row in rows.items()
            if name != self.reference
        ]

    def __str__(self):
        mean, std, difference = self.mean(), self.std(), self.differences()
        significant = self.p_values() < self.alpha
        task_width = max(4, *(len(str(task)) for task in self.task_names))
        cell = max(25, *(len(name) for name in self.estimator_names))
        header = f"{'task':<{task_width}}" + "".join(
            f"  {name:>{cell}}" for name in self.estimator_names
        )
        lines = [
            f"{self.metric} per task (mean +- sd over {self.scores.shape[1]} folds; "
            f"[diff] = paired difference to {self.reference}, * where p < "
            f"{self.alpha:g})",
            header,
            "-" * len(header),
        ]
        for t, task in enumerate(self.task_names):
            cells = []
            for e, name in enumerate(self.estimator_names):
                text = f"{mean[e, t]:.3f} +- {std[e, t]:.3f}"
                if name != self.reference:
                    mark = "*" if significant[e, t] else " "
                    text += f" [{difference[e, t]:+.3f}]{mark}"
                cells.append(f"  {text:>{cell}}")
            lines.append((f"{task!s:<{task_width}}" + "".join(cells)).rstrip())
        lines.append("-" * len(header))
        lines.extend(self.summary_lines())
        return "\n".join(lines)

    def __repr__(self):
        return (
            f"ComparisonResult(estimators={self.estimator_names}, "
            f"n_tasks={len(self.task_names)}, n_splits={self.scores.shape[1]}, "
            f"metric={self.metric!r}, reference={self.reference!r})"
        )
