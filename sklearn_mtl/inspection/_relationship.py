"""Tasks x tasks heatmaps: coefficient or label correlations, learned relations."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..metrics._scorer import final_estimator
from ..utils import check_multitask_targets
from ._coefficients import coef_column_names, linear_coefficients
from ._plotting import (
    MAX_TICK_LABELS,
    check_matplotlib_support,
    expected_estimator_error,
    figure_and_axes,
    merge_kwargs,
    resolve_task_names,
    set_item_ticks,
)

__all__ = ["TaskRelationshipDisplay", "pairwise_label_correlation"]

#: Learned task relations a model may expose: kind -> fitted attribute.
LEARNED_RELATIONS = {"covariance": "task_covariance_", "affinity": "affinity_"}


def pairwise_label_correlation(Y, *, min_common=3, missing_label=None):
    """Pearson correlation of each pair of tasks over their co-labelled rows.

    For tasks ``s`` and ``t``, the correlation of ``Y[:, s]`` and
    ``Y[:, t]`` over the rows where both are observed (pairwise complete
    observations, as :meth:`pandas.DataFrame.corr` computes it); NaN with
    fewer than ``min_common`` such rows or a constant label on them.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_tasks)
        Numeric labels (binary 0/1 labels give the phi coefficient), NaN where
        missing.
    min_common : int, default=3
        Fewest co-labelled rows for a correlation.
    missing_label : int, float or None, default=None
        Extra marker of a missing label.

    Returns
    -------
    correlation : ndarray of shape (n_tasks, n_tasks)
    n_common : ndarray of int of shape (n_tasks, n_tasks)
        Number of co-labelled rows of each pair.
    """
    targets = check_multitask_targets(
        Y, missing_label=missing_label, allow_unlabelled_tasks=True
    )
    observed = targets.mask.astype(np.float64)
    with np.errstate(invalid="ignore"):
        means = np.nanmean(targets.values, axis=0)
    # Centred by each task's mean, to keep the sums below well conditioned.
    values = np.where(targets.mask, targets.values - np.nan_to_num(means), 0.0)
    n_common = observed.T @ observed
    sums = values.T @ observed  # [s, t]: sum of task s over rows with both
    squares = (values**2).T @ observed
    products = values.T @ values
    with np.errstate(invalid="ignore", divide="ignore"):
        covariance = products - sums * sums.T / n_common
        variance = squares - sums**2 / n_common
        correlation = covariance / np.sqrt(variance * variance.T)
    scale = np.maximum(squares, squares.T)
    degenerate = (variance <= 1e-12 * scale) | (variance.T <= 1e-12 * scale)
    correlation[(n_common < min_common) | degenerate] = np.nan
    correlation = np.clip(correlation, -1.0, 1.0)
    diagonal = np.diag(correlation).copy()
    np.fill_diagonal(correlation, np.where(np.isfinite(diagonal), 1.0, np.nan))
    return correlation, n_common.astype(np.int64)


def _coefficient_correlation(coef):
    """Pearson correlation of the rows of ``coef`` (NaN for a constant row)."""
    centred = coef - coef.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = (centred @ centred.T) / np.outer(norms, norms)
    constant = norms <= 1e-12 * max(np.abs(coef).max(initial=0.0), 1e-300)
    correlation[constant] = np.nan
    correlation[:, constant] = np.nan
    return np.clip(correlation, -1.0, 1.0)


def _cluster_order(matrix, correlation):
    """Leaf order of an average-linkage clustering (similar tasks adjacent)."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if matrix.shape[0] < 3:
        return np.arange(matrix.shape[0])
    similarity = np.nan_to_num(matrix, nan=0.0)
    if not correlation:
        scale = np.sqrt(np.abs(np.diag(similarity)))
        scale[scale == 0] = 1.0
        similarity = similarity / np.outer(scale, scale)
    similarity = (similarity + similarity.T) / 2
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    return leaves_list(linkage(squareform(distance, checks=False), "average"))


class TaskRelationshipDisplay:
    """How tasks relate: a tasks x tasks heatmap.

    It shows one of: the correlation of the tasks' coefficient vectors in a
    linear model (tasks that use the same features in the same way), the
    correlation of the tasks' labels over the rows labelled for both (from
    ``Y`` with NaN), or a relation the model learned (a task covariance
    ``task_covariance_`` or an affinity ``affinity_``). Cells without a value
    (too few co-labelled rows, a task whose coefficients are all zero) are
    grey.

    Build it with :meth:`from_estimator` or :meth:`from_labels`. All
    parameters are stored as attributes.

    Parameters
    ----------
    matrix : ndarray of shape (n_tasks, n_tasks)
        The relation of each pair of tasks (NaN where undefined).
    task_names : list of str or None, default=None
        Names of the tasks.
    title : str or None, default=None
        What the matrix is.
    correlation : bool, default=True
        Whether the matrix holds correlations (colour scale from -1 to 1);
        otherwise the scale is symmetric around zero.
    n_common : ndarray of int of shape (n_tasks, n_tasks) or None, default=None
        Number of rows labelled for both tasks (label correlations).

    Attributes
    ----------
    im_ : matplotlib AxesImage
        The heatmap; ``im_.get_array()`` is the matrix shown (tasks
        reordered by ``task_order_``).
    text_ : ndarray of matplotlib Text of shape (n_tasks, n_tasks) or None
        The values written in the cells, or None.
    task_order_ : ndarray of int of shape (n_tasks,)
        Task shown at each row (and column).
    colorbar_ : matplotlib Colorbar or None
        The colour scale.
    ax_ : matplotlib Axes
        The axes.
    figure_ : matplotlib Figure
        The figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_mtl.inspection import TaskRelationshipDisplay
    >>> Y = np.array([[1.0, 2.0, np.nan], [2.0, 4.1, 1.0], [3.0, np.nan, 0.0],
    ...               [4.0, 8.2, -1.0], [5.0, 9.9, -2.0]])
    >>> display = TaskRelationshipDisplay.from_labels(Y)
    >>> np.round(display.matrix[0], 3)
    array([ 1.   ,  0.999, -1.   ])
    """

    def __init__(
        self, *, matrix, task_names=None, title=None, correlation=True, n_common=None
    ):
        self.matrix = matrix
        self.task_names = task_names
        self.title = title
        self.correlation = correlation
        self.n_common = n_common

    def plot(
        self,
        ax=None,
        *,
        cluster=False,
        include_values="auto",
        values_format=".2f",
        cmap="RdBu_r",
        colorbar=True,
        max_labels=MAX_TICK_LABELS,
        imshow_kwargs=None,
    ):
        """Plot the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        cluster : bool, default=False
            Reorder the tasks by a hierarchical clustering of the matrix
            (average linkage on ``1 - correlation``), so that related tasks
            sit together: the readable choice for many tasks.
        include_values : {"auto", True, False}, default="auto"
            Write the values in the cells; ``"auto"`` does up to 12 tasks.
        values_format : str, default=".2f"
            Format of the values written.
        cmap : str or Colormap, default="RdBu_r"
            Colormap (undefined cells are grey).
        colorbar : bool, default=True
            Whether to draw the colour scale.
        max_labels : int, default=40
            With more tasks, only every ``k``-th is labelled.
        imshow_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.imshow`.

        Returns
        -------
        display : TaskRelationshipDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib as mpl

        matrix = np.asarray(self.matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(
                "Expected a square matrix of shape (n_tasks, n_tasks); got shape "
                f"{matrix.shape} instead."
            )
        n_tasks = matrix.shape[0]
        names = resolve_task_names(n_tasks, self.task_names)
        order = (
            _cluster_order(matrix, self.correlation) if cluster else np.arange(n_tasks)
        )
        shown = matrix[np.ix_(order, order)]
        size = float(np.clip(0.3 * min(n_tasks, 60) + 2.5, 4.0, 11.0))
        figure, ax = figure_and_axes(ax, figsize=(size + 1.2, size))
        if self.correlation:
            vmin, vmax = -1.0, 1.0
        else:
            vmax = np.nanmax(np.abs(shown), initial=0.0) or 1.0
            vmin = -vmax
        colormap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
        style = merge_kwargs(
            {
                "cmap": colormap.with_extremes(bad="lightgrey"),
                "vmin": vmin,
                "vmax": vmax,
                "interpolation": "nearest",
            },
            imshow_kwargs,
            name="imshow_kwargs",
        )
        self.im_ = ax.imshow(np.ma.masked_invalid(shown), **style)
        labels = [names[t] for t in order]
        set_item_ticks(ax, "x", labels, max_labels=max_labels)
        set_item_ticks(ax, "y", labels, max_labels=max_labels)
        if self.title:
            ax.set_title(self.title, fontsize="medium")
        self.text_ = None
        if include_values == "auto":
            include_values = n_tasks <= 12
        if include_values:
            self.text_ = np.empty((n_tasks, n_tasks), dtype=object)
            for i in range(n_tasks):
                for j in range(n_tasks):
                    value = shown[i, j]
                    dark = np.isfinite(value) and abs(value) > 0.6 * vmax
                    self.text_[i, j] = ax.text(
                        j,
                        i,
                        "" if not np.isfinite(value) else format(value, values_format),
                        ha="center",
                        va="center",
                        fontsize="small" if n_tasks <= 8 else "x-small",
                        color="white" if dark else "black",
                    )
        self.colorbar_ = None
        if colorbar:
            label = "correlation" if self.correlation else "value"
            self.colorbar_ = figure.colorbar(self.im_, ax=ax, shrink=0.8, label=label)
        self.task_order_ = order
        self.ax_ = ax
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        kind="auto",
        task_names=None,
        ax=None,
        cluster=False,
        include_values="auto",
        values_format=".2f",
        cmap="RdBu_r",
        colorbar=True,
        max_labels=MAX_TICK_LABELS,
        imshow_kwargs=None,
    ):
        """Plot the task relation of a fitted model.

        Parameters
        ----------
        estimator : estimator
            A fitted model (or a pipeline ending with one) with a learned task
            relation (``task_covariance_`` or ``affinity_``, of shape
            (n_tasks, n_tasks)) or a linear model's ``coef_``.
        kind : {"auto", "coef", "covariance", "affinity"}, default="auto"
            ``"coef"``: the Pearson correlation of the rows of ``coef_`` (over
            features; one row per task, per class for a multiclass task);
            ``"covariance"``: ``task_covariance_``; ``"affinity"``:
            ``affinity_``. ``"auto"`` takes the first learned relation the
            model has, else ``"coef"``.
        task_names : list of str or None, default=None
            Names of the tasks; None uses the model's ``task_names_``.
        ax, cluster, include_values, values_format, cmap, colorbar, \
max_labels, imshow_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : TaskRelationshipDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        kinds = ("auto", "coef", *LEARNED_RELATIONS)
        if kind not in kinds:
            raise ValueError(f"Expected kind in {kinds}; got {kind!r} instead.")
        model = final_estimator(estimator)
        check_is_fitted(model)
        if kind == "auto":
            kind = next(
                (k for k, name in LEARNED_RELATIONS.items() if hasattr(model, name)),
                "coef",
            )
            if kind == "coef" and not hasattr(model, "coef_"):
                raise expected_estimator_error(
                    caller,
                    "a fitted model with a learned task relation ("
                    + ", ".join(LEARNED_RELATIONS.values())
                    + ") or a linear model's coef_",
                    estimator,
                )
        if kind == "coef":
            coef, _, model = linear_coefficients(estimator, caller)
            matrix = _coefficient_correlation(coef)
            names = coef_column_names(model, coef, task_names)
            title = "correlation of the tasks' coefficients"
            correlation = True
        else:
            attribute = LEARNED_RELATIONS[kind]
            if not hasattr(model, attribute):
                raise expected_estimator_error(
                    caller,
                    f"a fitted model with {attribute}",
                    estimator,
                    missing=attribute,
                )
            matrix = np.asarray(getattr(model, attribute), dtype=np.float64)
            names = resolve_task_names(matrix.shape[0], task_names, estimator=model)
            title = f"learned task {kind} ({attribute})"
            correlation = False
        display = cls(
            matrix=matrix, task_names=names, title=title, correlation=correlation
        )
        return display.plot(
            ax=ax,
            cluster=cluster,
            include_values=include_values,
            values_format=values_format,
            cmap=cmap,
            colorbar=colorbar,
            max_labels=max_labels,
            imshow_kwargs=imshow_kwargs,
        )

    @classmethod
    def from_labels(
        cls,
        Y,
        *,
        min_common=3,
        missing_label=None,
        task_names=None,
        ax=None,
        cluster=False,
        include_values="auto",
        values_format=".2f",
        cmap="RdBu_r",
        colorbar=True,
        max_labels=MAX_TICK_LABELS,
        imshow_kwargs=None,
    ):
        """Plot the correlation of the tasks' labels over co-labelled rows.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_tasks)
            Numeric labels, NaN where missing; a DataFrame names the tasks.
        min_common : int, default=3
            Fewest rows labelled for both tasks of a pair for a correlation;
            pairs with fewer are grey.
        missing_label : int, float or None, default=None
            Extra marker of a missing label.
        task_names : list of str or None, default=None
            Names of the tasks; None uses ``Y``'s columns.
        ax, cluster, include_values, values_format, cmap, colorbar, \
max_labels, imshow_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : TaskRelationshipDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_labels")
        correlation, n_common = pairwise_label_correlation(
            Y, min_common=min_common, missing_label=missing_label
        )
        display = cls(
            matrix=correlation,
            task_names=resolve_task_names(correlation.shape[0], task_names, Y=Y),
            title="correlation of the labels (rows labelled for both tasks)",
            correlation=True,
            n_common=n_common,
        )
        return display.plot(
            ax=ax,
            cluster=cluster,
            include_values=include_values,
            values_format=values_format,
            cmap=cmap,
            colorbar=colorbar,
            max_labels=max_labels,
            imshow_kwargs=imshow_kwargs,
        )
