"""The coefficient pattern of a multi-task linear model: heatmaps and row norms."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..metrics._scorer import final_estimator
from ._plotting import (
    MAX_TICK_LABELS,
    check_matplotlib_support,
    expected_estimator_error,
    merge_kwargs,
    panel_axes,
    resolve_task_names,
    set_item_ticks,
)

__all__ = ["CoefficientDisplay", "coef_column_names", "linear_coefficients"]

#: Titles of the parts of known penalties (attribute ``coef_<part>_``).
PART_TITLES = {
    "group": "shared part P (coef_group_)",
    "sparse": "task-specific part Q (coef_sparse_)",
}
#: Colours of the row-norm bars by support: every column, some, none.
SUPPORT_COLORS = {"all": "#2166ac", "some": "#f4a582", "none": "#bdbdbd"}


def linear_coefficients(estimator, caller):
    """``coef_`` of a fitted linear model, its parts, and the model they come from.

    Parameters
    ----------
    estimator : estimator
        A fitted multi-task linear model (or a pipeline ending with one), or
        a baseline whose per-task estimators all have a 1-D ``coef_``.
    caller : str
        Display name, for the error message.

    Returns
    -------
    coef : ndarray of shape (n_outputs, n_features)
    parts : dict of str to ndarray of shape (n_outputs, n_features)
        The parts of the Dirty model (``coef_group_``, ``coef_sparse_``), or
        of any model with ``coef_<part>_`` attributes of ``coef_``'s shape.
    model : estimator
        The estimator that holds ``coef_`` (the pipeline's last step).
    """
    model = final_estimator(estimator)
    check_is_fitted(model)
    if hasattr(model, "coef_"):
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
        parts = {}
        for name, value in vars(model).items():
            if name.startswith("coef_") and name.endswith("_") and name != "coef_":
                value = np.atleast_2d(np.asarray(value, dtype=np.float64))
                if value.shape == coef.shape:
                    parts[name[len("coef_") : -1]] = value
        return coef, parts, model
    inner = getattr(model, "estimators_", None)
    if inner is not None and all(_one_row_of_coefficients(e) for e in inner):
        coef = np.vstack([np.ravel(np.asarray(e.coef_, np.float64)) for e in inner])
        return coef, {}, model
    raise expected_estimator_error(
        caller,
        "a fitted linear model with a coef_ attribute (or one linear estimator "
        "per task with a 1-D coef_)",
        estimator,
        missing="coef_",
    )


def _one_row_of_coefficients(estimator):
    coef = getattr(estimator, "coef_", None)
    return (
        coef is not None
        and np.ndim(coef) in (1, 2)
        and np.shape(coef)[0]
        in (
            1,
            np.size(coef),
        )
    )


def coef_column_names(model, coef, task_names=None):
    """Names of the rows of ``coef_``: tasks, or ``task[class]`` for multiclass.

    Parameters
    ----------
    model : estimator
        The fitted model holding ``coef_`` (maybe ``output_task_``,
        ``classes_``, ``task_names_``).
    coef : ndarray of shape (n_outputs, n_features)
    task_names : list of str or None
        Task names given by the user.

    Returns
    -------
    names : list of str
    """
    n_outputs = coef.shape[0]
    output_task = getattr(model, "output_task_", None)
    n_tasks = getattr(model, "n_tasks_", n_outputs)
    if output_task is None or len(output_task) != n_outputs or n_tasks == n_outputs:
        return resolve_task_names(n_outputs, task_names, estimator=model)
    names = resolve_task_names(n_tasks, task_names, estimator=model)
    classes = getattr(model, "classes_", None)
    if classes is not None and n_tasks == 1 and not isinstance(classes, list):
        classes = [classes]
    labels = []
    for r, t in enumerate(output_task):
        rows = np.flatnonzero(output_task == t)
        if rows.size == 1:
            labels.append(names[t])
            continue
        k = int(np.flatnonzero(rows == r)[0])
        label = classes[t][k] if classes is not None else k
        labels.append(f"{names[t]}[{label}]")
    return labels


class CoefficientDisplay:
    """Coefficient pattern of a multi-task linear model: which features each task uses.

    Heatmaps of ``W = coef_.T`` (features down, tasks across; zero is white),
    and of the parts of the :class:`~sklearn_mtl.linear_model.Dirty` model
    when there are some (``W = P + Q``, the shared row-sparse part ``P`` and
    the task-specific sparse part ``Q``), with the norm of each row of ``W``
    on the right, coloured by the row's support: used by every task (the
    support shared by an L2,1 penalty), by some tasks, or by none.

    Build it with :meth:`from_estimator`. All parameters are stored as
    attributes.

    Parameters
    ----------
    coef : ndarray of shape (n_outputs, n_features)
        ``coef_`` of the model: one row per task (per class for a multiclass
        task).
    parts : dict of str to ndarray of shape (n_outputs, n_features) or None
        Parts of ``coef`` to show beside it (``{"group": P.T, "sparse":
        Q.T}`` for the Dirty model).
    feature_names : list of str or None, default=None
        Names of the features; None numbers them.
    task_names : list of str or None, default=None
        Names of the rows of ``coef`` (tasks); None numbers them.

    Attributes
    ----------
    images_ : dict of str to matplotlib AxesImage
        The heatmaps: ``"coef"``, then one per part. ``images_[name]
        .get_array()`` is the matrix shown, of shape (n_features_shown,
        n_outputs).
    norm_bars_ : matplotlib BarContainer or None
        Bars of the row norms (None with ``show_norms=False``).
    row_norms_ : ndarray of shape (n_features_shown,)
        ``||W_j||_2`` of each feature shown.
    support_ : ndarray of int of shape (n_features_shown,)
        Number of tasks (columns) in which each feature shown is non-zero.
    feature_order_ : ndarray of int of shape (n_features_shown,)
        Feature shown at each row, from top to bottom.
    colorbar_ : matplotlib Colorbar or None
        The colour scale, shared by the heatmaps.
    axes_ : ndarray of matplotlib Axes
        The heatmaps' axes, then the norms' axes.
    figure_ : matplotlib Figure
        The figure.

    See Also
    --------
    TaskRelationshipDisplay : Correlations between the tasks' coefficients.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_mtl.inspection import CoefficientDisplay
    >>> from sklearn_mtl.linear_model import Dirty, MultiTaskLinearRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6))
    >>> Y = X[:, :2] @ rng.standard_normal((2, 3))
    >>> Y[::5, 0] = np.nan
    >>> model = MultiTaskLinearRegressor(Dirty(0.1, 0.05)).fit(X, Y)
    >>> display = CoefficientDisplay.from_estimator(model)
    >>> sorted(display.images_)
    ['coef', 'group', 'sparse']
    """

    def __init__(self, *, coef, parts=None, feature_names=None, task_names=None):
        self.coef = coef
        self.parts = parts
        self.feature_names = feature_names
        self.task_names = task_names

    def plot(
        self,
        ax=None,
        *,
        show_parts=True,
        show_norms=True,
        max_features=None,
        sort_features=False,
        support_tol=0.0,
        cmap="RdBu_r",
        max_labels=MAX_TICK_LABELS,
        imshow_kwargs=None,
        colorbar=True,
    ):
        """Plot the heatmaps and the row norms.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One axes per heatmap (``coef``, then each part when
            ``show_parts``), then one for the norms when ``show_norms``; None
            makes a new figure.
        show_parts : bool, default=True
            Whether to show the parts beside ``coef``.
        show_norms : bool, default=True
            Whether to show the row norms.
        max_features : int or None, default=None
            Show only the features with the largest row norms, this many (in
            their own order, or by norm with ``sort_features``).
        sort_features : bool, default=False
            Order the features by decreasing row norm.
        support_tol : float, default=0.0
            A coefficient counts as non-zero when its absolute value exceeds
            this.
        cmap : str or Colormap, default="RdBu_r"
            Colormap of the heatmaps (centred on zero).
        max_labels : int, default=40
            With more features or tasks, only every ``k``-th is labelled.
        imshow_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.imshow`.
        colorbar : bool, default=True
            Whether to draw the colour scale.

        Returns
        -------
        display : CoefficientDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        coef = np.atleast_2d(np.asarray(self.coef, dtype=np.float64))
        n_outputs, n_features = coef.shape
        matrices = {"coef": coef}
        if show_parts and self.parts:
            for name, part in self.parts.items():
                part = np.atleast_2d(np.asarray(part, dtype=np.float64))
                if part.shape != coef.shape:
                    raise ValueError(
                        f"Expected the part {name!r} of the shape of coef "
                        f"{coef.shape}; got {part.shape} instead."
                    )
                matrices[name] = part
        feature_names = (
            [f"x{j}" for j in range(n_features)]
            if self.feature_names is None
            else [str(name) for name in self.feature_names]
        )
        task_names = resolve_task_names(n_outputs, self.task_names)
        if len(feature_names) != n_features:
            raise ValueError(
                f"Expected {n_features} feature names (one per column of coef); "
                f"got {len(feature_names)} instead."
            )
        W = coef.T
        norms = np.linalg.norm(W, axis=1)
        support = np.sum(np.abs(W) > support_tol, axis=1)
        order = np.arange(n_features)
        if sort_features:
            order = np.argsort(-norms, kind="stable")
        if max_features is not None and max_features < n_features:
            top = np.argsort(-norms, kind="stable")[:max_features]
            order = order[np.isin(order, top)]
        n_shown = order.size

        n_heat = len(matrices)
        height = float(np.clip(0.22 * min(n_shown, 80) + 1.8, 3.0, 12.0))
        width = float(np.clip(0.3 * min(n_outputs, 60) + 1.4, 2.6, 8.0))
        figure, axes = self._axes(ax, n_heat, show_norms, width, height)
        vmax = max(np.abs(m[:, order]).max(initial=0.0) for m in matrices.values())
        vmax = vmax if vmax > 0 else 1.0
        style = merge_kwargs(
            {
                "cmap": cmap,
                "vmin": -vmax,
                "vmax": vmax,
                "aspect": "auto",
                "interpolation": "nearest",
            },
            imshow_kwargs,
            name="imshow_kwargs",
        )
        shown_features = [feature_names[j] for j in order]
        self.images_ = {}
        for panel, (name, matrix) in zip(axes, matrices.items(), strict=False):
            self.images_[name] = panel.imshow(matrix.T[order], **style)
            set_item_ticks(panel, "x", task_names, max_labels=max_labels)
            set_item_ticks(panel, "y", shown_features, max_labels=max_labels)
            title = "coef_ (W = P + Q)" if len(matrices) > 1 else "coef_"
            if name != "coef":
                title = PART_TITLES.get(name, f"coef_{name}_")
            panel.set_title(title, fontsize="medium")
            panel.set_xlabel("task")
        axes[0].set_ylabel(
            "feature"
            + (" (by row norm)" if sort_features else "")
            + (f" (top {n_shown} of {n_features})" if n_shown < n_features else "")
        )
        for panel in axes[1:n_heat]:
            panel.tick_params(axis="y", labelleft=False)
        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = figure.colorbar(
                self.images_["coef"],
                ax=list(axes[:n_heat]),
                shrink=0.8,
                label="coefficient",
            )
        self.norm_bars_ = None
        if show_norms:
            self.norm_bars_ = self._plot_norms(
                axes[-1], norms[order], support[order], n_outputs
            )
        self.row_norms_ = norms[order]
        self.support_ = support[order]
        self.feature_order_ = order
        self.axes_ = axes
        self.figure_ = figure
        return self

    def _axes(self, ax, n_heat, show_norms, width, height):
        n_panels = n_heat + int(show_norms)
        if ax is not None:
            return panel_axes(
                ax,
                n_panels,
                n_cols=n_panels,
                panel_size=(width, height),
                caller=type(self).__name__,
                what="one per heatmap, then one for the row norms",
            )
        import matplotlib.pyplot as plt

        ratios = [width] * n_heat + ([2.4] if show_norms else [])
        figure, axes = plt.subplots(
            1,
            n_panels,
            figsize=(sum(ratios) + 1.5, height),
            layout="constrained",
            width_ratios=ratios,
            sharey=True,
            squeeze=False,
        )
        return figure, axes.ravel()

    def _plot_norms(self, panel, norms, support, n_outputs):
        from matplotlib.patches import Patch

        kind = np.where(support == n_outputs, "all", "some")
        kind[support == 0] = "none"
        positions = np.arange(norms.size)
        bars = panel.barh(
            positions,
            norms,
            height=0.75 if norms.size <= 80 else 1.0,
            color=[SUPPORT_COLORS[k] for k in kind],
        )
        panel.set_ylim(norms.size - 0.5, -0.5)
        panel.tick_params(axis="y", labelleft=False)
        panel.set_xlabel(r"row norm $\|W_j\|_2$")
        counts = {k: int(np.sum(kind == k)) for k in SUPPORT_COLORS}
        panel.set_title("support", fontsize="medium")
        labels = {
            "all": f"all tasks ({counts['all']})",
            "some": f"some tasks ({counts['some']})",
            "none": f"no task ({counts['none']})",
        }
        panel.legend(
            handles=[
                Patch(color=SUPPORT_COLORS[k], label=labels[k])
                for k in SUPPORT_COLORS
                if counts[k]
            ],
            loc="lower right",
            fontsize="small",
        )
        return bars

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        feature_names=None,
        task_names=None,
        ax=None,
        show_parts=True,
        show_norms=True,
        max_features=None,
        sort_features=False,
        support_tol=0.0,
        cmap="RdBu_r",
        max_labels=MAX_TICK_LABELS,
        imshow_kwargs=None,
        colorbar=True,
    ):
        """Plot the coefficients of a fitted multi-task linear model.

        Parameters
        ----------
        estimator : estimator
            A fitted model with ``coef_`` of shape (n_tasks, n_features)
            (:class:`~sklearn_mtl.linear_model.MultiTaskLinearRegressor`,
            :class:`~sklearn_mtl.linear_model.MultiTaskLasso`, ... or a
            pipeline ending with one; with the Dirty penalty its parts
            ``coef_group_`` and ``coef_sparse_`` are shown too), or a baseline
            whose per-task estimators are linear
            (``IndependentTaskRegressor(Ridge())``).
        feature_names : list of str or None, default=None
            Names of the features; None uses the model's
            ``feature_names_in_`` when it has them.
        task_names : list of str or None, default=None
            Names of the tasks; None uses the model's ``task_names_`` when it
            has them. A multiclass task's rows are named ``task[class]``.
        ax, show_parts, show_norms, max_features, sort_features, support_tol, \
cmap, max_labels, imshow_kwargs, colorbar
            See :meth:`plot`.

        Returns
        -------
        display : CoefficientDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        coef, parts, model = linear_coefficients(
            estimator, f"{cls.__name__}.from_estimator"
        )
        if feature_names is None:
            names = getattr(model, "feature_names_in_", None)
            if names is not None and len(names) == coef.shape[1]:
                feature_names = list(names)
        display = cls(
            coef=coef,
            parts=parts or None,
            feature_names=feature_names,
            task_names=coef_column_names(model, coef, task_names),
        )
        return display.plot(
            ax=ax,
            show_parts=show_parts,
            show_norms=show_norms,
            max_features=max_features,
            sort_features=sort_features,
            support_tol=support_tol,
            cmap=cmap,
            max_labels=max_labels,
            imshow_kwargs=imshow_kwargs,
            colorbar=colorbar,
        )
