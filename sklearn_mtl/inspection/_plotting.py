"""Helpers shared by the displays: lazy matplotlib, axes, task names and ticks.

Nothing here imports matplotlib at module level: ``sklearn_mtl.inspection``
can be imported without it, and each display checks for it when it plots.
"""

import math
from numbers import Integral

import numpy as np

from ..metrics._scorer import final_estimator

__all__ = [
    "check_matplotlib_support",
    "figure_and_axes",
    "panel_axes",
    "resolve_task_names",
    "select_tasks",
    "set_item_ticks",
    "task_colors",
]

#: Above this many tasks (or features), only every k-th tick is labelled.
MAX_TICK_LABELS = 40
#: Above this many curves, the per-task legend is left out.
MAX_LEGEND_ENTRIES = 12


def check_matplotlib_support(caller_name):
    """Raise an ImportError saying how to install matplotlib when it is absent.

    Parameters
    ----------
    caller_name : str
        Name of the display method that needs matplotlib, for the message.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, which is not installed. Install "
            "it with `pip install matplotlib` (or `pip install sklearn-mtl[plot]`)."
        ) from exc


def figure_and_axes(ax, *, figsize=None):
    """The figure and axes to draw on: ``ax``'s, or a new figure's.

    Parameters
    ----------
    ax : matplotlib Axes or None
        Axes given by the user.
    figsize : tuple of float or None
        Size of a new figure.

    Returns
    -------
    figure : matplotlib Figure
    ax : matplotlib Axes
    """
    if ax is None:
        import matplotlib.pyplot as plt

        figure, ax = plt.subplots(figsize=figsize, layout="constrained")
        return figure, ax
    return ax.figure, ax


def panel_axes(ax, n_panels, *, n_cols, panel_size, caller, what, **subplot_kw):
    """One axes per panel: from ``ax`` (as many as panels) or on a new grid.

    Parameters
    ----------
    ax : matplotlib Axes, array-like of Axes or None
        Axes given by the user; None makes a figure with a grid of
        ``n_cols`` columns (panels left over are hidden).
    n_panels : int
        Number of panels needed.
    n_cols : int
        Columns of a new grid.
    panel_size : tuple of float
        Width and height of one panel of a new grid, in inches.
    caller : str
        Display name, for the error message.
    what : str
        What a panel shows ("one per task"), for the error message.
    **subplot_kw
        Passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ...).

    Returns
    -------
    figure : matplotlib Figure
    axes : ndarray of Axes of shape (n_panels,)
    """
    if ax is None:
        import matplotlib.pyplot as plt

        n_cols = max(1, min(n_cols, n_panels))
        n_rows = math.ceil(n_panels / n_cols)
        figure, grid = plt.subplots(
            n_rows,
            n_cols,
            squeeze=False,
            figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows),
            layout="constrained",
            **subplot_kw,
        )
        grid = grid.ravel()
        for extra in grid[n_panels:]:
            extra.set_visible(False)
        return figure, grid[:n_panels]
    axes = np.asarray(ax, dtype=object).ravel()
    if axes.size != n_panels:
        raise ValueError(
            f"{caller}: expected ax to hold {n_panels} axes ({what}); got "
            f"{axes.size} instead."
        )
    return axes[0].figure, axes


def resolve_task_names(n_tasks, task_names=None, *, estimator=None, Y=None):
    """Task names: given, else the estimator's ``task_names_``, else Y's columns.

    Parameters
    ----------
    n_tasks : int
        Number of tasks.
    task_names : array-like of str or None
        Names given by the user (they win).
    estimator : estimator or None
        A fitted estimator (or pipeline) that may have ``task_names_``.
    Y : array-like or None
        Targets, maybe a DataFrame.

    Returns
    -------
    names : list of str
        ``"task <t>"`` for tasks without a name.
    """
    if task_names is not None:
        names = [str(name) for name in np.ravel(np.asarray(task_names, dtype=object))]
        if len(names) != n_tasks:
            raise ValueError(
                f"Expected task_names with {n_tasks} names (one per task); got "
                f"{len(names)} instead."
            )
        return names
    candidates = []
    if estimator is not None:
        candidates.append(getattr(final_estimator(estimator), "task_names_", None))
    if Y is not None and hasattr(Y, "columns"):
        candidates.append(list(Y.columns))
    for names in candidates:
        if names is not None and len(names) == n_tasks:
            return [str(name) for name in names]
    return [f"task {t}" for t in range(n_tasks)]


def select_tasks(tasks, task_names):
    """Indices of the tasks to show, from names or indices (None: all).

    Parameters
    ----------
    tasks : array-like of int or str, int, str or None
        Tasks to show.
    task_names : list of str
        All task names.

    Returns
    -------
    indices : list of int
    """
    if tasks is None:
        return list(range(len(task_names)))
    if isinstance(tasks, (str, Integral)):
        tasks = [tasks]
    indices = []
    for task in tasks:
        if isinstance(task, (Integral, np.integer)) and not isinstance(task, bool):
            if not 0 <= task < len(task_names):
                raise ValueError(
                    f"Expected task indices in [0, {len(task_names)}); got {task}."
                )
            indices.append(int(task))
        elif str(task) in task_names:
            indices.append(task_names.index(str(task)))
        else:
            raise ValueError(f"Unknown task {task!r}; expected one of {task_names}.")
    if not indices:
        raise ValueError("Expected at least one task to show; got none.")
    return indices


def set_item_ticks(ax, axis, labels, *, max_labels=MAX_TICK_LABELS):
    """Tick labels for items at positions ``0 .. n - 1`` (tasks, features).

    Up to ``max_labels`` items every item is labelled; beyond that every
    ``k``-th one, so that the labels stay readable, and the font shrinks a
    little from 20 items on.

    Parameters
    ----------
    ax : matplotlib Axes
    axis : {"x", "y"}
    labels : list of str
    max_labels : int, default=40
    """
    n_items = len(labels)
    step = max(1, math.ceil(n_items / max_labels))
    positions = np.arange(0, n_items, step)
    fontsize = "medium" if n_items <= 20 else "small"
    shown = [labels[i] for i in positions]
    if axis == "x":
        ax.set_xticks(positions, shown, fontsize=fontsize)
        longest = max((len(label) for label in shown), default=0)
        if len(shown) > 12 or (longest > 3 and len(shown) * longest > 24):
            ax.tick_params(axis="x", labelrotation=90)
    else:
        ax.set_yticks(positions, shown, fontsize=fontsize)


def task_colors(n_colors):
    """Distinct colours for up to 20 curves, a sampled colormap beyond.

    Parameters
    ----------
    n_colors : int

    Returns
    -------
    colors : list of RGBA tuples
    """
    import matplotlib as mpl

    if n_colors <= 10:
        cmap = mpl.colormaps["tab10"]
        return [cmap(i) for i in range(n_colors)]
    if n_colors <= 20:
        cmap = mpl.colormaps["tab20"]
        return [cmap(i) for i in range(n_colors)]
    cmap = mpl.colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.0, 0.95, n_colors)]


def merge_kwargs(defaults, user, *, name):
    """``{**defaults, **user}`` after checking ``user`` is a dict or None."""
    if user is None:
        return dict(defaults)
    if not isinstance(user, dict):
        raise ValueError(f"Expected {name} to be a dict or None; got {user!r}.")
    return {**defaults, **user}


def expected_estimator_error(display, expected, estimator, missing=None):
    """The ValueError raised when a display gets an estimator it cannot show.

    Parameters
    ----------
    display : str
        Display (and method) name.
    expected : str
        What the display needs, as a noun phrase.
    estimator : object
        What it got.
    missing : str or None
        The attribute or method the estimator lacks.

    Returns
    -------
    error : ValueError
    """
    lacking = f" (it has no {missing})" if missing else ""
    return ValueError(
        f"{display} needs {expected}; got {type(estimator).__name__}{lacking}."
    )
