"""Validation error along the alpha path of a cross-validated linear model."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..metrics._scorer import final_estimator
from ._plotting import (
    MAX_LEGEND_ENTRIES,
    check_matplotlib_support,
    expected_estimator_error,
    figure_and_axes,
    merge_kwargs,
    resolve_task_names,
    task_colors,
)

__all__ = ["RegularizationPathDisplay"]


def _score_label(model):
    """Axis label of a generic ``*CV`` model's ``scores_path_``.

    The scores are those of the model's scorer: a metric where lower is
    better (an error, a loss) is negated, and the label says so.
    """
    scorer = getattr(model, "scorer_", None)
    spec = getattr(scorer, "spec", None)
    if spec is None:  # a callable scorer of the user's
        return "validation score"
    name = getattr(spec.function, "__name__", "score")
    name = name.removeprefix("multitask_")
    if spec.greater_is_better:
        return f"validation {name}"
    return f"validation score: -{name}"


class RegularizationPathDisplay:
    """Cross-validation error against the regularization strength ``alpha``.

    For each path (one per ``l1_ratio`` of an elastic net, or one per task
    when the errors are given per task), the mean validation error over the
    folds against ``alpha`` (log scale), with a band of one standard
    deviation over the folds and, optionally, each fold's curve; the chosen
    ``alpha`` is a vertical line.

    Build it with :meth:`from_estimator`
    (:class:`~sklearn_mtl.linear_model.MultiTaskLassoCV`,
    :class:`~sklearn_mtl.linear_model.MultiTaskElasticNetCV`, and
    scikit-learn's ``*CV`` linear models, which store the same
    ``alphas_``, ``mse_path_`` and ``alpha_``; the generic ``*CV`` estimators,
    whose ``scores_path_`` is drawn as a validation score), or from the
    numbers. All parameters are stored as attributes.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,) or (n_paths, n_alphas)
        The alphas of each path.
    errors : ndarray of shape (n_alphas, n_folds) or (n_paths, n_alphas, n_folds)
        Validation error of each alpha on each fold, for each path.
    alpha : float or None, default=None
        The chosen alpha.
    path_names : list of str or None, default=None
        Name of each path (``"l1_ratio=0.5"``, task names), for the legend.
    error_name : str, default="validation MSE"
        What ``errors`` holds, for the axis label (scores, where greater is
        better, can be drawn too: name them here).

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The mean error of each path over the folds.
    fill_between_ : list of matplotlib PolyCollection or None
        The band of one standard deviation over the folds, per path.
    fold_lines_ : list of list of matplotlib Line2D or None
        Each fold's curve, per path, with ``show_folds=True``.
    alpha_line_ : matplotlib Line2D or None
        The vertical line at the chosen alpha.
    ax_ : matplotlib Axes
        The axes.
    figure_ : matplotlib Figure
        The figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_mtl.inspection import RegularizationPathDisplay
    >>> from sklearn_mtl.linear_model import MultiTaskLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> Y = X[:, :2] @ rng.standard_normal((2, 3)) + 0.1 * rng.standard_normal((60, 3))
    >>> Y[::3, 1] = np.nan
    >>> model = MultiTaskLassoCV(alphas=10, cv=3).fit(X, Y)
    >>> display = RegularizationPathDisplay.from_estimator(model)
    >>> display.lines_[0].get_ydata().shape
    (10,)
    """

    def __init__(
        self,
        *,
        alphas,
        errors,
        alpha=None,
        path_names=None,
        error_name="validation MSE",
    ):
        self.alphas = alphas
        self.errors = errors
        self.alpha = alpha
        self.path_names = path_names
        self.error_name = error_name

    def plot(
        self,
        ax=None,
        *,
        show_folds=False,
        show_std=True,
        legend="auto",
        line_kwargs=None,
        fill_kwargs=None,
    ):
        """Plot the paths.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        show_folds : bool, default=False
            Whether to draw each fold's curve (thin, dotted).
        show_std : bool, default=True
            Whether to shade one standard deviation over the folds around
            each mean.
        legend : {"auto", True, False}, default="auto"
            Whether to name the paths in a legend; ``"auto"`` does it for 2
            to 12 paths (and the chosen alpha).
        line_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the mean curves.
        fill_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.fill_between`.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, with the fitted attributes set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        errors = np.asarray(self.errors, dtype=np.float64)
        if errors.ndim == 2:
            errors = errors[np.newaxis]
        if errors.ndim != 3:
            raise ValueError(
                "Expected errors of shape (n_alphas, n_folds) or (n_paths, "
                f"n_alphas, n_folds); got shape {np.shape(self.errors)} instead."
            )
        n_paths, n_alphas, n_folds = errors.shape
        alphas = np.asarray(self.alphas, dtype=np.float64)
        alphas = np.broadcast_to(alphas.reshape(-1, n_alphas), (n_paths, n_alphas))
        names = self.path_names
        if names is None:
            names = (
                [None] * n_paths
                if n_paths == 1
                else [f"path {p}" for p in range(n_paths)]
            )
        if len(names) != n_paths:
            raise ValueError(
                f"Expected {n_paths} path names (one per path); got {len(names)}."
            )
        figure, ax = figure_and_axes(ax, figsize=(6.4, 4.4))
        colors = ["black"] if n_paths == 1 else task_colors(n_paths)
        mean = errors.mean(axis=2)
        std = errors.std(axis=2)
        self.lines_, self.fold_lines_ = [], [] if show_folds else None
        self.fill_between_ = [] if show_std and n_folds > 1 else None
        for p in range(n_paths):
            if show_folds:
                self.fold_lines_.append(
                    ax.plot(
                        alphas[p],
                        errors[p],
                        color=colors[p],
                        linestyle=":",
                        linewidth=0.8,
                        alpha=0.6,
                    )
                )
            if self.fill_between_ is not None:
                style = merge_kwargs(
                    {"color": colors[p], "alpha": 0.15}, fill_kwargs, name="fill_kwargs"
                )
                self.fill_between_.append(
                    ax.fill_between(
                        alphas[p], mean[p] - std[p], mean[p] + std[p], **style
                    )
                )
            label = names[p] or f"mean over {n_folds} folds"
            style = merge_kwargs(
                {
                    "color": colors[p],
                    "linewidth": 2.0 if n_paths == 1 else 1.5,
                    "label": label,
                },
                line_kwargs,
                name="line_kwargs",
            )
            self.lines_.extend(ax.plot(alphas[p], mean[p], **style))
        self.alpha_line_ = None
        if self.alpha is not None:
            self.alpha_line_ = ax.axvline(
                self.alpha,
                color="black",
                linestyle="--",
                linewidth=1.0,
                label=f"chosen alpha = {self.alpha:.3g}",
            )
        ax.set_xscale("log")
        ax.set_xlabel("alpha (regularization strength)")
        spread = " (mean +- sd over folds)" if self.fill_between_ is not None else ""
        ax.set_ylabel(f"{self.error_name}{spread}")
        ax.grid(alpha=0.3)
        if legend == "auto":
            legend = n_paths <= MAX_LEGEND_ENTRIES
        if legend:
            ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        show_folds=False,
        show_std=True,
        legend="auto",
        line_kwargs=None,
        fill_kwargs=None,
    ):
        """Plot the cross-validation path of a fitted ``*CV`` linear model.

        Parameters
        ----------
        estimator : estimator
            A fitted :class:`~sklearn_mtl.linear_model.MultiTaskLassoCV` or
            :class:`~sklearn_mtl.linear_model.MultiTaskElasticNetCV` (or a
            pipeline ending with one), or any model with ``alphas_``,
            ``mse_path_`` and ``alpha_`` in scikit-learn's layout; or one of
            the generic ``*CV`` estimators
            (:class:`~sklearn_mtl.linear_model.MultiTaskLinearRegressorCV`,
            :class:`~sklearn_mtl.linear_model.MultiTaskLinearClassifierCV`,
            :class:`~sklearn_mtl.linear_model.MultiTaskLogisticRegressionCV`),
            whose ``scores_path_`` (greater is better) is drawn with its
            scorer's name. An elastic
            net fitted with several ``l1_ratio`` gets one path per ratio.
            ``mse_path_`` of shape (n_alphas, n_folds, n_tasks), where a
            model stores the error of each task, gives one path per task.
        ax, show_folds, show_std, legend, line_kwargs, fill_kwargs
            See :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        model = final_estimator(estimator)
        expected = (
            "a fitted cross-validated linear model with alphas_ and mse_path_ "
            "(MultiTaskLassoCV, MultiTaskElasticNetCV) or scores_path_ "
            "(MultiTaskLinearRegressorCV, MultiTaskLinearClassifierCV, "
            "MultiTaskLogisticRegressionCV)"
        )
        path = next(
            (name for name in ("mse_path_", "scores_path_") if hasattr(model, name)),
            None,
        )
        for attribute in ("alphas_", path or "mse_path_"):
            if not hasattr(model, attribute):
                check_is_fitted(model)
                raise expected_estimator_error(
                    caller, expected, estimator, missing=attribute
                )
        alphas = np.asarray(model.alphas_, dtype=np.float64)
        errors = np.asarray(getattr(model, path), dtype=np.float64)
        error_name = "validation MSE"
        if path == "scores_path_":
            error_name = _score_label(model)
        ratios = np.atleast_1d(getattr(model, "l1_ratio", 1.0))
        names = None
        if alphas.ndim == 2:  # one path per l1 ratio
            chosen = getattr(model, "l1_ratio_", None)
            names = [
                f"l1_ratio = {ratio:g}" + (" (chosen)" if ratio == chosen else "")
                for ratio in ratios
            ]
        elif errors.ndim == 3:  # one path per task: (n_alphas, n_folds, n_tasks)
            errors = errors.transpose(2, 0, 1)
            names = resolve_task_names(errors.shape[0], estimator=model)
        display = cls(
            alphas=alphas,
            errors=errors,
            alpha=getattr(model, "alpha_", None),
            path_names=names,
            error_name=error_name,
        )
        return display.plot(
            ax=ax,
            show_folds=show_folds,
            show_std=show_std,
            legend=legend,
            line_kwargs=line_kwargs,
            fill_kwargs=fill_kwargs,
        )
