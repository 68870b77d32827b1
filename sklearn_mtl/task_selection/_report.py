"""Per task, did sharing help or hurt? The comparison with the affinity beside it."""

import numpy as np
from sklearn.base import clone

from ..model_selection import ComparisonResult, compare_estimators
from ..neural._base import BaseMultiTaskNet
from ._affinity import TaskAffinity
from ._recorder import METHODS

__all__ = ["TransferReport", "transfer_report"]

#: Outcome of a task, as :class:`~sklearn_mtl.inspection.ComparisonDisplay`
#: names them: significant gain, gain, no difference, loss, significant loss.
OUTCOMES = ("improved", "better", "tie", "worse", "hurt")

#: Columns of :meth:`TransferReport.table` taken from the comparison.
COMPARISON_COLUMNS = ("score", "baseline score", "difference", "p-value", "outcome")
#: Columns added when the report has an affinity.
AFFINITY_COLUMNS = (
    "mean affinity",
    "best partner",
    "best affinity",
    "worst partner",
    "worst affinity",
)


class TransferReport:
    """Per task, whether sharing helped or hurt, with the task's affinity.

    Returned by :func:`transfer_report`; it can also be built from a
    :class:`~sklearn_mtl.model_selection.ComparisonResult` that holds the
    shared model and the baseline (the reference of the comparison). The
    scores, paired differences and p-values are the comparison's own
    (:meth:`~sklearn_mtl.model_selection.ComparisonResult.differences`,
    :meth:`~sklearn_mtl.model_selection.ComparisonResult.p_values`): the
    report only picks the two estimators, names each task's outcome and adds
    the affinity of the other tasks onto it.

    Parameters
    ----------
    comparison : ComparisonResult
        A comparison whose reference is the baseline (a single-task model).
    estimator : str or None, default=None
        Name in ``comparison`` of the shared model; None takes the only
        estimator other than the reference.
    affinity : array-like of shape (n_tasks, n_tasks) or None, default=None
        ``affinity[i, j]``: the effect of task ``i`` on task ``j``, as in
        :attr:`TaskAffinity.affinity_ <sklearn_mtl.task_selection.TaskAffinity>`
        (NaN where unmeasured), with the tasks in the comparison's order.
        None: no affinity columns.

    Attributes
    ----------
    comparison : ComparisonResult
        The comparison.
    estimator : str
        Name of the shared model.
    baseline : str
        Name of the baseline (the comparison's reference).
    affinity : ndarray of shape (n_tasks, n_tasks) or None
        The affinity.
    task_names : list of str
        Names of the tasks (the comparison's).
    metric : str
        Name of the metric.
    alpha : float
        Level of the per-task tests (the comparison's).

    See Also
    --------
    transfer_report : Cross-validate a model and a baseline and report.
    sklearn_mtl.model_selection.compare_estimators : The comparison itself.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> from sklearn_mtl.baselines import PooledTaskRegressor
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.model_selection import compare_estimators
    >>> from sklearn_mtl.task_selection import TransferReport
    >>> X, Y = make_multitask_regression(n_samples=60, n_tasks=3, random_state=0)
    >>> result = compare_estimators(
    ...     {"single": IndependentTaskRegressor(Ridge()),
    ...      "pooled": PooledTaskRegressor(Ridge())},
    ...     X, Y, cv=3,
    ... )
    >>> report = TransferReport(result, "pooled")
    >>> report.baseline
    'single'
    >>> np.array_equal(report.differences(), result.differences()[1])
    True
    """

    def __init__(self, comparison, estimator=None, *, affinity=None):
        if not isinstance(comparison, ComparisonResult):
            raise TypeError(
                "Expected comparison to be the ComparisonResult of "
                f"compare_estimators; got {type(comparison).__name__} instead."
            )
        others = [
            name for name in comparison.estimator_names if name != comparison.reference
        ]
        if estimator is None:
            if len(others) != 1:
                raise ValueError(
                    "Expected estimator to name the shared model among "
                    f"{others}; got None, and the comparison has "
                    f"{len(others)} estimators besides its reference "
                    f"{comparison.reference!r}."
                )
            estimator = others[0]
        if estimator not in others:
            raise ValueError(
                f"Expected estimator to be one of {others} (the comparison's "
                f"estimators but its reference {comparison.reference!r}); got "
                f"{estimator!r} instead."
            )
        n_tasks = len(comparison.task_names)
        if affinity is not None:
            affinity = np.asarray(affinity, dtype=np.float64)
            if affinity.shape != (n_tasks, n_tasks):
                raise ValueError(
                    f"Expected affinity of shape ({n_tasks}, {n_tasks}), one row "
                    "and one column per task of the comparison; got shape "
                    f"{affinity.shape} instead."
                )
        self.comparison = comparison
        self.estimator = estimator
        self.baseline = comparison.reference
        self.affinity = affinity
        self.task_names = list(comparison.task_names)
        self.metric = comparison.metric
        self.alpha = comparison.alpha

    @property
    def _index(self):
        return self.comparison.estimator_names.index(self.estimator)

    # ------------------------------------------------------------- numbers
    def scores(self):
        """Mean score over folds of the shared model and of the baseline.

        Returns
        -------
        scores : ndarray of shape (n_tasks,)
            The shared model's mean score on each task.
        baseline_scores : ndarray of shape (n_tasks,)
            The baseline's.
        """
        mean = self.comparison.mean()
        return mean[self._index], mean[self.comparison._reference_index]

    def differences(self):
        """Mean paired difference (shared model minus baseline) per task.

        Returns
        -------
        differences : ndarray of shape (n_tasks,)
            In the metric's units; whether positive is good depends on the
            metric (``comparison.greater_is_better``).
        """
        return self.comparison.differences()[self._index]

    def p_values(self):
        """Compute the p-values of the paired differences (corrected t-test).

        Returns
        -------
        p_values : ndarray of shape (n_tasks,)
            See :meth:`~sklearn_mtl.model_selection.ComparisonResult.p_values`.
        """
        return self.comparison.p_values()[self._index]

    def outcomes(self):
        """What sharing did to each task.

        ``"improved"`` / ``"hurt"``: the shared model is better / worse than
        the baseline with a p-value below ``alpha`` (the tasks that
        :meth:`~sklearn_mtl.model_selection.ComparisonResult.n_improved` and
        :meth:`~sklearn_mtl.model_selection.ComparisonResult.n_hurt` count);
        ``"better"`` / ``"worse"``: only the mean is; ``"tie"``: no
        difference, or no score.

        Returns
        -------
        outcomes : ndarray of str of shape (n_tasks,)
            ``"improved"``, ``"better"``, ``"tie"``, ``"worse"`` or
            ``"hurt"`` for each task.
        """
        sign = 1.0 if self.comparison.greater_is_better else -1.0
        gain = sign * self.differences()
        with np.errstate(invalid="ignore"):
            significant = self.p_values() < self.alpha
        outcome = np.full(gain.shape, "tie", dtype=object)
        outcome[gain > 0] = "better"
        outcome[gain < 0] = "worse"
        outcome[(gain > 0) & significant] = "improved"
        outcome[(gain < 0) & significant] = "hurt"
        return outcome

    def hurt_tasks(self, significant=True):
        """Return the tasks the shared model did worse on (negative transfer).

        Parameters
        ----------
        significant : bool, default=True
            Only the tasks ``"hurt"`` (p-value below ``alpha``); False adds
            the tasks ``"worse"`` on the mean.

        Returns
        -------
        tasks : list of str
            Their names, in the tasks' order.
        """
        kept = ("hurt",) if significant else ("hurt", "worse")
        return self._tasks_with(kept)

    def improved_tasks(self, significant=True):
        """Return the tasks the shared model did better on.

        Parameters
        ----------
        significant : bool, default=True
            Only the tasks ``"improved"`` (p-value below ``alpha``); False
            adds the tasks ``"better"`` on the mean.

        Returns
        -------
        tasks : list of str
            Their names, in the tasks' order.
        """
        kept = ("improved",) if significant else ("improved", "better")
        return self._tasks_with(kept)

    def _tasks_with(self, outcomes):
        return [
            task
            for task, outcome in zip(self.task_names, self.outcomes(), strict=True)
            if outcome in outcomes
        ]

    def delta_m(self):
        """Relative gain of the shared model over the baseline, in percent.

        Returns
        -------
        delta_m : float
            :meth:`~sklearn_mtl.model_selection.ComparisonResult.delta_m`.
        """
        return float(self.comparison.delta_m()[self._index])

    def partners(self):
        """The affinity of the other tasks onto each task.

        For task ``t``, the column ``affinity[:, t]`` without ``t`` itself:
        how a training step on each other task moves task ``t``'s loss
        (positive: it lowers it).

        Returns
        -------
        mean : ndarray of shape (n_tasks,)
            Mean over the other tasks (NaN entries skipped).
        best, worst : list of str or None
            The other task with the highest and the lowest affinity onto
            each task (None without any measured value). The worst partner
            may still help (a positive affinity): no task hurts it then.
        best_value, worst_value : ndarray of shape (n_tasks,)
            Their affinities.

        Raises
        ------
        ValueError
            If the report has no affinity.
        """
        if self.affinity is None:
            raise ValueError(
                "This TransferReport has no affinity; pass affinity= to "
                "transfer_report or TransferReport."
            )
        n_tasks = len(self.task_names)
        mean = np.full(n_tasks, np.nan)
        best_value, worst_value = np.full(n_tasks, np.nan), np.full(n_tasks, np.nan)
        best, worst = [None] * n_tasks, [None] * n_tasks
        for t in range(n_tasks):
            others = np.array([i for i in range(n_tasks) if i != t], dtype=int)
            column = self.affinity[others, t]
            measured = np.isfinite(column)
            if not measured.any():
                continue
            values, partners = column[measured], others[measured]
            mean[t] = values.mean()
            high, low = int(np.argmax(values)), int(np.argmin(values))
            best[t], best_value[t] = self.task_names[partners[high]], values[high]
            worst[t], worst_value[t] = self.task_names[partners[low]], values[low]
        return mean, best, worst, best_value, worst_value

    # -------------------------------------------------------------- tables
    def table_rows(self):
        """One row per task, as dicts (the rows of :meth:`table`).

        Returns
        -------
        rows : list of dict
            Keys ``"task"``, ``"score"`` and ``"baseline score"`` (means over
            folds), ``"difference"`` (paired, shared model minus baseline),
            ``"p-value"``, ``"outcome"`` (:meth:`outcomes`) and, with an
            affinity, ``"mean affinity"``, ``"best partner"``,
            ``"best affinity"``, ``"worst partner"`` and ``"worst affinity"``
            (:meth:`partners`).
        """
        score, baseline = self.scores()
        difference, p_values = self.differences(), self.p_values()
        outcomes = self.outcomes()
        rows = [
            {
                "task": task,
                "score": score[t],
                "baseline score": baseline[t],
                "difference": difference[t],
                "p-value": p_values[t],
                "outcome": outcomes[t],
            }
            for t, task in enumerate(self.task_names)
        ]
        if self.affinity is not None:
            mean, best, worst, best_value, worst_value = self.partners()
            for t, row in enumerate(rows):
                values = (mean[t], best[t], best_value[t], worst[t], worst_value[t])
                row.update(zip(AFFINITY_COLUMNS, values, strict=True))
        return rows

    def table(self):
        """The per-task report as a pandas DataFrame, indexed by task.

        Returns
        -------
        frame : pandas.DataFrame
            The columns of :meth:`table_rows`.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "TransferReport.table needs pandas; install it with "
                "`pip install pandas`."
            ) from exc
        return pd.DataFrame(self.table_rows()).set_index("task")

    def to_frame(self):
        """The per-task report as a pandas DataFrame (same as :meth:`table`).

        Returns
        -------
        frame : pandas.DataFrame
            The columns of :meth:`table_rows`, indexed by task.
        """
        return self.table()

    def summary_line(self):
        """One sentence: the gain, and the tasks improved and hurt.

        Returns
        -------
        line : str
            The shared model against the baseline, in one sentence.
        """
        n_tasks = len(self.task_names)
        outcomes = list(self.outcomes())
        level = f"{100 * self.alpha:g}%"
        hurt = self.hurt_tasks()
        improved = self.improved_tasks()
        return (
            f"{self.estimator} vs {self.baseline}: Delta_m {self.delta_m():+.1f}%; "
            f"better on {outcomes.count('improved') + outcomes.count('better')}/"
            f"{n_tasks} tasks, significantly on {len(improved)}"
            f"{' (' + ', '.join(improved) + ')' if improved else ''}; worse on "
            f"{outcomes.count('hurt') + outcomes.count('worse')}/{n_tasks}, "
            f"significantly (negative transfer, p < {self.alpha:g}) on {len(hurt)}"
            f"{' (' + ', '.join(hurt) + ')' if hurt else ''}; tests at {level}."
        )

    def __str__(self):
        rows = self.table_rows()
        columns = ["task", *COMPARISON_COLUMNS]
        if self.affinity is not None:
            columns += ["mean affinity", "best partner", "worst partner"]
        cells = [[_cell(row, column) for column in columns] for row in rows]
        header = [
            {"score": self.estimator, "baseline score": self.baseline}.get(c, c)
            for c in columns
        ]
        widths = [
            max(len(header[c]), *(len(line[c]) for line in cells))
            for c in range(len(columns))
        ]

        def line(values):
            return "  ".join(
                f"{v:<{w}}" if c == 0 or columns[c] in ("outcome",) else f"{v:>{w}}"
                for c, (v, w) in enumerate(zip(values, widths, strict=True))
            ).rstrip()

        n_folds = self.comparison.scores.shape[1]
        title = (
            f"Transfer report: {self.metric} per task, mean over {n_folds} "
            f"fold{'s' if n_folds > 1 else ''}; difference = "
            f"{self.estimator} - {self.baseline} (paired), p-value of the "
            "corrected resampled t-test"
        )
        if self.affinity is not None:
            title += "; affinity of the other tasks onto each task (partner: value)"
        rule = "-" * len(line(header))
        body = [line(values) for values in cells]
        return "\n".join([title, line(header), rule, *body, rule, self.summary_line()])

    def __repr__(self):
        return (
            f"TransferReport(estimator={self.estimator!r}, "
            f"baseline={self.baseline!r}, n_tasks={len(self.task_names)}, "
            f"metric={self.metric!r}, affinity={self.affinity is not None})"
        )

    # ------------------------------------------------------------- displays
    def plot(self, ax=None, **kwargs):
        """Plot the per-task differences with their intervals.

        A :class:`~sklearn_mtl.inspection.ComparisonDisplay` of the shared
        model against the baseline: bars coloured by outcome, intervals of
        the same test as the p-values.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        **kwargs : dict
            Passed to
            :meth:`ComparisonDisplay.from_result
            <sklearn_mtl.inspection.ComparisonDisplay.from_result>`
            (``sort``, ...). ``confidence_level`` defaults to ``1 - alpha``:
            an interval then excludes zero exactly when the p-value is below
            ``alpha``, so the bars' colours are the report's outcomes.

        Returns
        -------
        display : ComparisonDisplay
            The display of the shared model against the baseline.
        """
        from ..inspection import ComparisonDisplay

        kwargs.setdefault("confidence_level", 1.0 - self.alpha)
        return ComparisonDisplay.from_result(
            self.comparison, estimators=[self.estimator], ax=ax, **kwargs
        )

    def plot_affinity(self, ax=None, **kwargs):
        """Plot the affinity as a tasks x tasks heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        **kwargs : dict
            Passed to
            :meth:`TaskRelationshipDisplay.plot
            <sklearn_mtl.inspection.TaskRelationshipDisplay.plot>`
            (``cluster``, ``values_format``, ...).

        Returns
        -------
        display : TaskRelationshipDisplay
            Row ``i``, column ``j``: the effect of task ``i`` on task ``j``.
        """
        from ..inspection import TaskRelationshipDisplay

        if self.affinity is None:
            raise ValueError(
                "This TransferReport has no affinity to plot; pass affinity= to "
                "transfer_report or TransferReport."
            )
        display = TaskRelationshipDisplay(
            matrix=self.affinity,
            task_names=self.task_names,
            title="affinity (row: task stepped on, column: task moved)",
            correlation=False,
        )
        return display.plot(ax=ax, **kwargs)


def _cell(row, column):
    value = row.get(column)
    if column in ("best partner", "worst partner"):
        number = row[column.replace("partner", "affinity")]
        return "-" if value is None else f"{value}: {number:+.3g}"
    if isinstance(value, str):
        return value
    if not np.isfinite(value):
        return "-"
    formats = {"p-value": ".3f", "difference": "+.4f", "mean affinity": "+.3g"}
    return format(value, formats.get(column, ".4f"))


def transfer_report(
    estimator,
    baseline,
    X,
    Y,
    *,
    cv=5,
    scoring=None,
    affinity=None,
    names=("multi-task", "single-task"),
    groups=None,
    params=None,
    alpha=0.05,
    n_jobs=None,
    verbose=0,
):
    """Per task, whether sharing helped or hurt compared with a single-task model.

    Cross-validates the shared model and the baseline on the same folds with
    :func:`~sklearn_mtl.model_selection.compare_estimators` (the baseline as
    the reference) and reports, per task, both mean scores, the paired
    difference, the p-value of the corrected resampled t-test and the
    outcome: a task ``"hurt"`` by the shared model is negative transfer. With
    ``affinity``, the report adds how the other tasks act on each task
    during training (:class:`TaskAffinity`): their mean affinity onto it and
    its most and least helpful partners, which tell whether a hurt task has
    a partner that pulls it the wrong way (and which group it might rather
    train with, see :class:`GroupedMultiTaskNet`).

    Parameters
    ----------
    estimator : estimator
        The model that shares across tasks (a multi-task net, a linear
        multi-task model, a :class:`GroupedMultiTaskNet`...).
    baseline : estimator
        The single-task model it is compared with, such as
        :class:`~sklearn_mtl.baselines.IndependentTaskClassifier` or
        :class:`~sklearn_mtl.baselines.IndependentTaskRegressor`.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Input samples.
    Y : array-like of shape (n_samples, n_tasks)
        Targets, NaN where missing; a DataFrame names the tasks.
    cv : int, cross-validation splitter or iterable, default=5
        Passed to :func:`~sklearn_mtl.model_selection.compare_estimators`
        (an int gives a
        :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold`).
    scoring : str or callable, default=None
        The per-task metric; see
        :func:`~sklearn_mtl.model_selection.compare_estimators` (None: R^2
        for regressors, accuracy for classifiers, judged on the baseline).
    affinity : None, {"lookahead", "gradient_cosine"}, TaskAffinity or \
            array-like of shape (n_tasks, n_tasks), default=None
        The affinity of the tasks. None: no affinity columns. A method name:
        a :class:`TaskAffinity` with that method and its defaults, trained
        with ``estimator`` (a multi-task net, or the net of a
        :class:`GroupedMultiTaskNet`) on all of ``X`` and ``Y``. A
        ``TaskAffinity``: used as it is when fitted, else fitted (a clone)
        on all of ``X`` and ``Y``, with ``estimator``'s net when its own
        ``estimator`` is None. An array: a precomputed ``affinity_``, its
        tasks in ``Y``'s order. The affinity describes training on the
        whole data; it explains the comparison, it is not validated by it.
    names : tuple of (str, str), default=("multi-task", "single-task")
        Names of the shared model and of the baseline in the comparison and
        the report.
    groups : array-like of shape (n_samples,), default=None
        Group labels of the rows for a group splitter; see
        :func:`~sklearn_mtl.model_selection.compare_estimators`.
    params : dict, default=None
        Fit parameters (``sample_weight``...), passed to
        :func:`~sklearn_mtl.model_selection.compare_estimators` and to the
        affinity run.
    alpha : float, default=0.05
        Level of the per-task tests.
    n_jobs : int, default=None
        Number of fits run in parallel (joblib).
    verbose : int, default=0
        Passed to :func:`~sklearn_mtl.model_selection.compare_estimators`.

    Returns
    -------
    report : TransferReport
        ``report.table()`` is the per-task table, ``print(report)`` a
        readable one, ``report.plot()`` a
        :class:`~sklearn_mtl.inspection.ComparisonDisplay` and
        ``report.comparison`` the full comparison.

    See Also
    --------
    sklearn_mtl.model_selection.compare_estimators : Compare any estimators.
    TaskAffinity : The affinity of the tasks.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_mtl.baselines import IndependentTaskRegressor
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> from sklearn_mtl.linear_model import MultiTaskLasso
    >>> from sklearn_mtl.task_selection import transfer_report
    >>> X, Y = make_multitask_regression(
    ...     n_samples=80, n_tasks=3, missing_rate=0.2, random_state=0
    ... )
    >>> report = transfer_report(
    ...     MultiTaskLasso(alpha=0.1), IndependentTaskRegressor(Ridge()), X, Y, cv=3
    ... )
    >>> list(report.table().columns)
    ['score', 'baseline score', 'difference', 'p-value', 'outcome']
    >>> report.outcomes().shape
    (3,)
    """
    names = _check_names(names)
    matrix = None
    if affinity is not None:
        matrix = _affinity_matrix(affinity, estimator, X, Y, params)
        _check_affinity_tasks(matrix, _task_names_of(Y), affinity)
    comparison = compare_estimators(
        {names[0]: estimator, names[1]: baseline},
        X,
        Y,
        groups=groups,
        cv=cv,
        scoring=scoring,
        reference=names[1],
        params=params,
        alpha=alpha,
        n_jobs=n_jobs,
        verbose=verbose,
    )
    return TransferReport(comparison, names[0], affinity=matrix)


def _check_names(names):
    if (
        isinstance(names, str)
        or not hasattr(names, "__len__")
        or len(names) != 2
        or not all(isinstance(name, str) for name in names)
        or names[0] == names[1]
    ):
        raise ValueError(
            "Expected names to be two distinct strings (the shared model's and "
            f"the baseline's); got {names!r} instead."
        )
    return tuple(names)


def _affinity_matrix(affinity, estimator, X, Y, params):
    """The affinity: given, or measured with the estimator's net."""
    fit_params = {k: v for k, v in (params or {}).items() if k != "groups"}
    if isinstance(affinity, str):
        if affinity not in METHODS:
            raise ValueError(
                "Expected affinity to be None, one of "
                f"{', '.join(map(repr, METHODS))}, a TaskAffinity or an array of "
                f"shape (n_tasks, n_tasks); got {affinity!r} instead."
            )
        run = TaskAffinity(_net_of(estimator, affinity), method=affinity)
        return run.fit(X, Y, **fit_params).affinity_
    if isinstance(affinity, TaskAffinity):
        if hasattr(affinity, "affinity_"):
            return np.asarray(affinity.affinity_, dtype=np.float64)
        run = clone(affinity)
        if run.estimator is None:
            run.set_params(estimator=_net_of(estimator, "a TaskAffinity"))
        return run.fit(X, Y, **fit_params).affinity_
    try:
        return np.asarray(affinity, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "Expected affinity to be None, one of "
            f"{', '.join(map(repr, METHODS))}, a TaskAffinity or an array of "
            f"shape (n_tasks, n_tasks); got {affinity!r} instead."
        ) from None


def _net_of(estimator, source):
    """The multi-task net that measures the affinity for ``estimator``."""
    from ._grouping import GroupedMultiTaskNet

    if isinstance(estimator, GroupedMultiTaskNet):
        estimator = estimator.estimator
        if estimator is None:
            return None  # TaskAffinity picks the net from Y, as the model does
    if not isinstance(estimator, BaseMultiTaskNet):
        raise TypeError(
            f"affinity={source!r} trains the estimator's multi-task net, but "
            f"{type(estimator).__name__} is not a multi-task net of "
            "sklearn_mtl.neural (or a GroupedMultiTaskNet); pass a TaskAffinity "
            "with its own estimator, or a precomputed array."
        )
    return estimator


def _task_names_of(Y):
    """``Y``'s task names as the comparison gives them (``task 0``... unnamed)."""
    if hasattr(Y, "columns"):
        return [str(name) for name in Y.columns]
    n_tasks = 1 if np.ndim(Y) == 1 else np.shape(Y)[1]
    return [f"task {t}" for t in range(n_tasks)]


def _check_affinity_tasks(matrix, task_names, affinity):
    """The affinity's shape, and its task names when both sides have names."""
    n_tasks = len(task_names)
    if matrix.shape != (n_tasks, n_tasks):
        raise ValueError(
            f"Expected affinity of shape ({n_tasks}, {n_tasks}), one row and one "
            f"column per task of Y; got shape {matrix.shape} instead."
        )
    names = getattr(affinity, "task_names_", None)
    if names is None:
        return
    unnamed = [f"task {t}" for t in range(n_tasks)]
    names = [str(name) for name in names]
    if unnamed in (names, list(task_names)):
        return  # one side has no names: the tasks are matched by position
    if names != list(task_names):
        raise ValueError(
            "Expected the TaskAffinity to be fitted on the tasks of Y, in the "
            f"same order; got tasks {names} for the affinity and "
            f"{list(task_names)} for Y instead."
        )
