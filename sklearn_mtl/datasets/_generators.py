"""Synthetic multi-task data with a known, tunable relatedness between tasks.

Every task is a linear model on the same standard normal features. All tasks
use the same ``n_informative`` features (a shared support, the setting of
joint-sparsity penalties such as L2,1), and on that support the coefficients
of task ``t`` are ``sqrt(rho) * w_shared + sqrt(1 - rho) * w_t`` with ``rho``
the ``task_relatedness``: the correlation between the coefficients of two
tasks is ``rho``, from unrelated tasks (0) to identical ones (1).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from ..utils import select_own_task

__all__ = ["make_multitask_classification", "make_multitask_regression"]

_LAYOUTS = ("wide", "long")


def _check_int(name, value, minimum):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(
            f"Expected {name} to be an int >= {minimum}; got {value!r} instead."
        )


def _check_bool(name, value):
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"Expected {name} to be a bool; got {value!r} instead.")


def _check_real(name, value, low=-np.inf, high=np.inf, closed="both"):
    """Check that ``value`` is a real number in an interval.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"`` or ``"neither"``.
    """
    left = closed in ("both", "left") and np.isfinite(low)
    right = closed in ("both", "right") and np.isfinite(high)
    valid = isinstance(value, Real) and not isinstance(value, bool)
    if valid:
        valid = not np.isnan(value) and (low <= value if left else low < value)
        valid = valid and (value <= high if right else value < high)
    if not valid:
        interval = f"{'[' if left else '('}{low:g}, {high:g}{']' if right else ')'}"
        kind = "finite float" if interval == "(-inf, inf)" else f"float in {interval}"
        raise ValueError(f"Expected {name} to be a {kind}; got {value!r} instead.")


def _check_common(
    n_samples,
    n_features,
    n_tasks,
    n_informative,
    task_relatedness,
    missing_rate,
    layout,
    shuffle,
    coef,
    min_labels,
):
    """Validate the parameters shared by both generators."""
    _check_int("n_samples", n_samples, 1)
    _check_int("n_features", n_features, 1)
    _check_int("n_tasks", n_tasks, 1)
    _check_int("n_informative", n_informative, 0)
    if n_informative > n_features:
        raise ValueError(
            f"Expected n_informative <= n_features ({n_features}); got "
            f"n_informative={n_informative} instead."
        )
    _check_real("task_relatedness", task_relatedness, 0.0, 1.0)
    _check_real("missing_rate", missing_rate, 0.0, 1.0, closed="left")
    if layout not in _LAYOUTS:
        raise ValueError(
            f"Expected layout to be 'wide' or 'long'; got {layout!r} instead."
        )
    _check_bool("shuffle", shuffle)
    _check_bool("coef", coef)
    if layout == "long" and missing_rate > 0:
        raise ValueError(
            "Expected missing_rate=0.0 with layout='long', where each row has the "
            f"label of one task only; got missing_rate={missing_rate!r} instead."
        )
    n_rows = min_labels * (n_tasks if layout == "long" else 1)
    if n_samples < n_rows:
        raise ValueError(
            f"Expected n_samples >= {n_rows} with layout={layout!r}, so that every "
            f"task gets {min_labels} labelled rows; got n_samples={n_samples} "
            "instead."
        )


def _task_coefficients(rng, n_features, n_tasks, n_informative, rho, shuffle, *shape):
    """Coefficients of shape (n_features, n_tasks, *shape) on a shared support."""
    if shuffle:
        support = rng.choice(n_features, n_informative, replace=False)
    else:
        support = np.arange(n_informative)
    shared = rng.standard_normal((n_informative, 1, *shape))
    own = rng.standard_normal((n_informative, n_tasks, *shape))
    coef = np.zeros((n_features, n_tasks, *shape))
    coef[support] = np.sqrt(rho) * shared + np.sqrt(1.0 - rho) * own
    return coef


def _observed_labels(
    rng, n_samples, n_tasks, missing_rate, layout, shuffle, min_labels
):
    """Boolean mask (n_samples, n_tasks) of the labels that are returned.

    In the wide layout each label is missing with probability ``missing_rate``;
    in the long layout each row has the label of one task, drawn uniformly. In
    both, every task keeps at least ``min_labels`` labels.
    """
    if layout == "long":
        task = np.concatenate(
            [
                np.repeat(np.arange(n_tasks), min_labels),
                rng.randint(n_tasks, size=n_samples - n_tasks * min_labels),
            ]
        )
        if shuffle:
            rng.shuffle(task)
        else:
            task.sort()
        return task[:, None] == np.arange(n_tasks)
    observed = rng.random((n_samples, n_tasks)) >= missing_rate
    for t in np.flatnonzero(observed.sum(axis=0) < min_labels):
        n_forced = min_labels - observed[:, t].sum()
        forced = rng.choice(np.flatnonzero(~observed[:, t]), n_forced, replace=False)
        observed[forced, t] = True
    return observed


def _layout_output(X, Y, observed, layout, coef):
    """Return ``(X, Y)`` (wide) or ``(X, y, task)`` (long), then ``coef`` if given."""
    if layout == "wide":
        Y = Y.astype(np.float64)
        Y[~observed] = np.nan
        output = (X, Y)
    else:
        task = np.argmax(observed, axis=1)
        output = (X, select_own_task(Y, task), task)
    return output if coef is None else (*output, coef)


def make_multitask_regression(
    n_samples=100,
    n_features=20,
    n_tasks=5,
    *,
    n_informative=5,
    task_relatedness=0.8,
    noise=1.0,
    bias=0.0,
    missing_rate=0.0,
    layout="wide",
    shuffle=True,
    coef=False,
    random_state=None,
):
    """Generate a multi-task linear regression problem with related tasks.

    ``X`` is standard normal and task ``t`` is ``y_t = X @ coef[:, t] + bias +
    noise * eps``. All tasks share the same ``n_informative`` nonzero
    coefficients; on them ``coef[:, t] = 10 * (sqrt(rho) * w_shared +
    sqrt(1 - rho) * w_t)`` with ``w_shared`` and ``w_t`` standard normal and
    ``rho = task_relatedness``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples (rows).
    n_features : int, default=20
        Number of features.
    n_tasks : int, default=5
        Number of tasks.
    n_informative : int, default=5
        Number of features with a nonzero coefficient, the same for all tasks.
    task_relatedness : float, default=0.8
        Correlation ``rho`` in [0, 1] between the coefficients of two tasks:
        1 gives identical tasks, 0 independent coefficients on the shared
        support.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise added to the labels.
    bias : float, default=0.0
        Intercept of every task.
    missing_rate : float, default=0.0
        Probability in [0, 1) that a label is missing (NaN) in the wide layout,
        independently for each label. Every task keeps at least 2 observed
        labels (some are restored if needed). Must be 0 with ``layout="long"``.
    layout : {"wide", "long"}, default="wide"
        ``"wide"``: every row may be labelled for every task, ``Y`` has shape
        ``(n_samples, n_tasks)``. ``"long"``: each row belongs to one task drawn
        uniformly (each task gets at least 2 rows), as with students and their
        schools; see :func:`~sklearn_mtl.utils.long_to_wide`.
    shuffle : bool, default=True
        Whether the informative features are at random columns and, in the long
        layout, the rows in random order. If False, the informative features
        are the first ``n_informative`` columns and the rows are sorted by task.
    coef : bool, default=False
        Whether to return the true coefficients as well.
    random_state : int, RandomState instance or None, default=None
        Seed of the random numbers, for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    Y : ndarray of shape (n_samples, n_tasks)
        Labels, NaN where missing. Only with ``layout="wide"``.
    y : ndarray of shape (n_samples,)
        Label of each row for its own task. Only with ``layout="long"``.
    task : ndarray of int of shape (n_samples,)
        Task index of each row. Only with ``layout="long"``.
    coef : ndarray of shape (n_features, n_tasks)
        True coefficients. Only if ``coef=True``.

    See Also
    --------
    make_multitask_classification : Related classification tasks.
    sklearn.datasets.make_regression : A single-task or multi-output problem.

    Examples
    --------
    >>> from sklearn_mtl.datasets import make_multitask_regression
    >>> X, Y = make_multitask_regression(
    ...     n_samples=50, n_tasks=3, missing_rate=0.2, random_state=0
    ... )
    >>> X.shape, Y.shape
    ((50, 20), (50, 3))
    >>> X, y, task, coef = make_multitask_regression(
    ...     layout="long", coef=True, random_state=0
    ... )
    >>> y.shape, task.shape, coef.shape
    ((100,), (100,), (20, 5))
    """
    _check_common(
        n_samples,
        n_features,
        n_tasks,
        n_informative,
        task_relatedness,
        missing_rate,
        layout,
        shuffle,
        coef,
        min_labels=2,
    )
    _check_real("noise", noise, low=0.0)
    _check_real("bias", bias)
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    W = 10.0 * _task_coefficients(
        rng, n_features, n_tasks, n_informative, task_relatedness, shuffle
    )
    Y = X @ W + bias + noise * rng.standard_normal((n_samples, n_tasks))
    observed = _observed_labels(
        rng, n_samples, n_tasks, missing_rate, layout, shuffle, min_labels=2
    )
    return _layout_output(X, Y, observed, layout, W if coef else None)


def _sample_labels(rng, X, coef):
    """Draw labels from the (multinomial) logistic model with logits ``X @ coef``.

    Adding logistic noise to the logit and taking its sign (binary), or Gumbel
    noise to the class logits and taking the argmax (multiclass), draws each
    label with its logistic-model probability.
    """
    if coef.ndim == 2:
        logits = X @ coef
        return (logits + rng.logistic(size=logits.shape) > 0).astype(np.intp)
    logits = np.einsum("if,ftk->itk", X, coef)
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=2)


def _ensure_every_class(rng, labels, observed, n_classes):
    """Relabel a few observed rows of the tasks that lack a class, in place."""
    for t in range(labels.shape[1]):
        rows = np.flatnonzero(observed[:, t])
        if np.unique(labels[rows, t]).size < n_classes:
            chosen = rng.choice(rows, n_classes, replace=False)
            labels[chosen, t] = np.arange(n_classes)


def make_multitask_classification(
    n_samples=100,
    n_features=20,
    n_tasks=5,
    *,
    n_informative=5,
    n_classes=2,
    task_relatedness=0.8,
    flip_y=0.01,
    class_sep=1.0,
    missing_rate=0.0,
    layout="wide",
    shuffle=True,
    coef=False,
    random_state=None,
):
    """Generate a multi-task (multinomial) logistic classification problem.

    ``X`` is standard normal and the labels of task ``t`` follow a logistic
    model: ``P(y = 1 | x) = sigmoid(x @ coef[:, t])`` for two classes,
    ``P(y = k | x) = softmax(x @ coef[:, t, :])_k`` for more. The labels are
    drawn as the sign of the logit plus logistic noise (the argmax of the class
    logits plus Gumbel noise), then a fraction ``flip_y`` of them is replaced
    by random classes. All tasks share the same ``n_informative`` nonzero
    coefficients; on them ``coef[:, t] = class_sep * (sqrt(rho) * w_shared +
    sqrt(1 - rho) * w_t)`` with ``w_shared`` and ``w_t`` standard normal and
    ``rho = task_relatedness``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples (rows).
    n_features : int, default=20
        Number of features.
    n_tasks : int, default=5
        Number of tasks.
    n_informative : int, default=5
        Number of features with a nonzero coefficient, the same for all tasks.
    n_classes : int, default=2
        Number of classes of every task; labels are ``0, ..., n_classes - 1``.
    task_relatedness : float, default=0.8
        Correlation ``rho`` in [0, 1] between the coefficients of two tasks:
        1 gives identical tasks, 0 independent coefficients on the shared
        support.
    flip_y : float, default=0.01
        Fraction in [0, 1] of labels replaced by a class drawn uniformly (which
        may be the original one), as in
        :func:`sklearn.datasets.make_classification`.
    class_sep : float, default=1.0
        Scale (> 0) of the coefficients, hence of the logits: larger values
        make the classes more separable.
    missing_rate : float, default=0.0
        Probability in [0, 1) that a label is missing (NaN) in the wide layout,
        independently for each label. Must be 0 with ``layout="long"``.
    layout : {"wide", "long"}, default="wide"
        ``"wide"``: every row may be labelled for every task, ``Y`` has shape
        ``(n_samples, n_tasks)``. ``"long"``: each row belongs to one task drawn
        uniformly, as with students and their schools; see
        :func:`~sklearn_mtl.utils.long_to_wide`.
    shuffle : bool, default=True
        Whether the informative features are at random columns and, in the long
        layout, the rows in random order. If False, the informative features
        are the first ``n_informative`` columns and the rows are sorted by task.
    coef : bool, default=False
        Whether to return the true coefficients as well.
    random_state : int, RandomState instance or None, default=None
        Seed of the random numbers, for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    Y : ndarray of shape (n_samples, n_tasks)
        Class labels as floats, NaN where missing. Only with ``layout="wide"``.
    y : ndarray of int of shape (n_samples,)
        Label of each row for its own task. Only with ``layout="long"``.
    task : ndarray of int of shape (n_samples,)
        Task index of each row. Only with ``layout="long"``.
    coef : ndarray of shape (n_features, n_tasks) or \
            (n_features, n_tasks, n_classes)
        True coefficients (the logit of two classes, the class logits of more).
        Only if ``coef=True``.

    See Also
    --------
    make_multitask_regression : Related regression tasks.
    sklearn.datasets.make_classification : A single-task problem.

    Notes
    -----
    Every task keeps at least ``max(2, n_classes)`` labels (wide layout: some
    missing labels are restored if needed; long layout: rows per task), and
    every class appears among the labels of every task: where a class is
    absent, ``n_classes`` labelled rows of that task are relabelled with one
    class each.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.datasets import make_multitask_classification
    >>> X, Y = make_multitask_classification(
    ...     n_samples=60, n_tasks=4, n_classes=3, missing_rate=0.3, random_state=0
    ... )
    >>> X.shape, Y.shape
    ((60, 20), (60, 4))
    >>> np.unique(Y[~np.isnan(Y)])
    array([0., 1., 2.])
    """
    _check_int("n_classes", n_classes, 2)
    min_labels = max(2, n_classes)
    _check_common(
        n_samples,
        n_features,
        n_tasks,
        n_informative,
        task_relatedness,
        missing_rate,
        layout,
        shuffle,
        coef,
        min_labels,
    )
    _check_real("flip_y", flip_y, 0.0, 1.0)
    _check_real("class_sep", class_sep, low=0.0, closed="neither")
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    class_shape = () if n_classes == 2 else (n_classes,)
    W = class_sep * _task_coefficients(
        rng, n_features, n_tasks, n_informative, task_relatedness, shuffle, *class_shape
    )
    labels = _sample_labels(rng, X, W)
    flipped = rng.random(labels.shape) < flip_y
    labels[flipped] = rng.randint(n_classes, size=flipped.sum())
    observed = _observed_labels(
        rng, n_samples, n_tasks, missing_rate, layout, shuffle, min_labels
    )
    _ensure_every_class(rng, labels, observed, n_classes)
    return _layout_output(X, labels, observed, layout, W if coef else None)
