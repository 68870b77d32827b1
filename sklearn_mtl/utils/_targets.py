"""Validation of multi-task targets: the data contract of the package.

``Y`` has shape ``(n_samples, n_tasks)``; a missing label is NaN (or ``None``,
``pandas.NA``, or the value given as ``missing_label``). Every estimator, metric
and splitter of the package goes through :func:`check_multitask_targets`.
"""

import difflib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

__all__ = [
    "TASK_TYPES",
    "MultiTaskTargets",
    "check_multitask_targets",
    "holds_text",
    "infer_task_type",
    "missing_in_object_array",
    "native_labels",
    "task_label",
]

# The kinds of target a task can hold: a regression target, or class labels.
TASK_TYPES = ("continuous", "binary", "multiclass")
_REQUESTABLE_TYPES = ("auto", *TASK_TYPES)


@dataclass(frozen=True)
class MultiTaskTargets:
    """Validated multi-task targets, as returned by :func:`check_multitask_targets`.

    The parameters are also the attributes of the (frozen) instance.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_tasks), dtype float64
        For a continuous task, the labels; for a classification task, the index
        of each label in ``classes[t]``. Missing entries are NaN. A read-only
        view of ``Y`` when ``Y`` is a float64 ndarray that holds these values
        already (no ``missing_label``; classes, if any, ``0, 1, ...``), so
        that no copy of ``Y``'s size is made; copy it to modify it.
    mask : ndarray of shape (n_samples, n_tasks), dtype bool
        True where the label of a task is observed.
    classes : list or None
        The sorted classes observed in each task: None when every task was
        read as continuous (``target_type="continuous"``); otherwise a list
        with an array per classification task and None per continuous task.
    task_names : ndarray of str or None
        Column names when ``Y`` was a pandas DataFrame, else None.
    single_output : bool
        True when ``Y`` was 1-D (one task); outputs should then be 1-D too.
    task_types : tuple of str
        The type of each task: ``"continuous"``, ``"binary"`` or
        ``"multiclass"`` (declared, or inferred as described in
        :func:`check_multitask_targets`).
    """

    values: np.ndarray
    mask: np.ndarray
    classes: list | None
    task_names: np.ndarray | None
    single_output: bool
    task_types: tuple

    @property
    def n_tasks(self):
        """Number of tasks (columns of ``Y``)."""
        return self.values.shape[1]

    def observed(self, task):
        """Row indices and values of the observed labels of one task.

        Parameters
        ----------
        task : int
            Task index.

        Returns
        -------
        rows : ndarray of int
            Rows where the task is observed.
        values : ndarray of float
            Their labels (class indices for classification).
        """
        rows = np.flatnonzero(self.mask[:, task])
        return rows, self.values[rows, task]

    def labels(self, task):
        """Observed labels of one task in their original type (classes, not codes).

        Parameters
        ----------
        task : int
            Task index.

        Returns
        -------
        rows : ndarray of int
            Rows where the task is observed.
        labels : ndarray
            Their labels: floats for regression, elements of ``classes[task]``
            for classification.
        """
        rows, values = self.observed(task)
        if self.classes is None or self.classes[task] is None:
            return rows, values
        return rows, self.classes[task][values.astype(np.intp)]


def task_label(task, task_names=None):
    """Human-readable name of a task for messages: ``0`` or ``'math' (index 0)``.

    Parameters
    ----------
    task : int
        Task index.
    task_names : array-like of str or None
        Task names, if known.

    Returns
    -------
    label : str
    """
    if task_names is None:
        return str(task)
    return f"{task_names[task]!r} (index {task})"


def _is_dataframe(obj):
    return hasattr(obj, "columns") and hasattr(obj, "iloc")


def missing_in_object_array(values):
    """Elementwise test for None / NaN / pandas.NA / NaT in an object array."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas is optional
        return np.array(
            [v is None or (isinstance(v, float) and v != v) for v in values.ravel()],
            dtype=bool,
        ).reshape(values.shape)
    return np.asarray(pandas.isna(values), dtype=bool)


def _columns_of(Y):
    """Split a DataFrame or ndarray ``Y`` into 1-D columns, plus task names.

    A pandas column with a nullable dtype and missing values becomes an object
    array holding ``pandas.NA``, so its labels keep their type (int, bool).
    """
    if _is_dataframe(Y):
        names = [str(name) for name in Y.columns]
        _check_unique_names(names)
        columns = [Y.iloc[:, t].to_numpy() for t in range(len(names))]
        return columns, np.asarray(names, dtype=object)
    if Y.ndim == 1:
        return [Y], None
    return [Y[:, t] for t in range(Y.shape[1])], None


def _check_unique_names(names):
    """Raise unless the task names (column names, as strings) are unique."""
    seen, duplicated = set(), []
    for name in names:
        if name in seen and name not in duplicated:
            duplicated.append(name)
        seen.add(name)
    if duplicated:
        raise ValueError(
            "Expected Y with unique column names, since they name the tasks; got "
            f"duplicated column names {duplicated} instead. Rename the columns "
            "(or pass Y.to_numpy() to use task indices)."
        )


def holds_text(Y):
    """Whether targets hold strings (so they can only be class labels).

    Parameters
    ----------
    Y : array-like
        Targets.

    Returns
    -------
    text : bool
    """
    if _is_dataframe(Y):
        return any(holds_text(Y.iloc[:, t].to_numpy()) for t in range(Y.shape[1]))
    array = np.asarray(Y.to_numpy() if hasattr(Y, "to_numpy") else Y)
    if array.dtype.kind in "US":
        return True
    if array.dtype.kind == "O":
        return any(isinstance(value, str) for value in array.ravel())
    return False


def _missing_mask(column, missing_label):
    if column.dtype.kind == "f":
        missing = np.isnan(column)
    elif column.dtype.kind == "O":
        missing = missing_in_object_array(column)
    else:
        missing = np.zeros(column.shape, dtype=bool)
    if missing_label is not None and not (
        isinstance(missing_label, float) and np.isnan(missing_label)
    ):
        candidates = np.flatnonzero(~missing)
        marked = np.asarray(column[candidates], dtype=object) == missing_label
        missing[candidates[np.asarray(marked, dtype=bool)]] = True
    return missing


def check_multitask_targets(
    Y,
    *,
    target_type="continuous",
    missing_label=None,
    allow_unlabelled_tasks=False,
    n_tasks=None,
    n_samples=None,
):
    """Validate multi-task targets and return their values, masks and classes.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Targets. A missing label is NaN, ``None`` or ``pandas.NA`` (or equal to
        ``missing_label``). A pandas DataFrame gives the task names; a 1-D
        array is one task.
    target_type : str, sequence of str or dict, default="continuous"
        How to read the labels of each task:

        - ``"continuous"``: every task is a regression target (labels
          converted to float64);
        - ``"classification"``: every task holds class labels, encoded task
          by task (any orderable type: integers, strings, ...);
        - ``"auto"``: the type of each task is inferred from its observed
          labels (see :func:`infer_task_type`): a float column holding a
          non-integer value is continuous, any other column (integers,
          booleans, strings, integer-valued floats) holds classes. An
          integer-valued regression target (counts, ages in years) is
          therefore read as classes: declare its type;
        - a sequence with one type per task, or a dict mapping task names (of
          a DataFrame ``Y``) or indices to types, the tasks it does not name
          being ``"auto"``. A type is ``"continuous"``, ``"binary"`` (classes,
          at most two), ``"multiclass"`` (classes, any number) or ``"auto"``.
    missing_label : int, float, str or None, default=None
        An extra marker of a missing label, for integer or string targets that
        cannot hold NaN (for instance ``-1``). NaN, ``None`` and ``pandas.NA``
        always mark a missing label.
    allow_unlabelled_tasks : bool, default=False
        Whether a task may have no observed label at all. Estimators refuse it
        in ``fit``; metrics allow it (and skip the task).
    n_tasks : int or None, default=None
        Expected number of tasks, checked when given.
    n_samples : int or None, default=None
        Expected number of rows, checked when given.

    Returns
    -------
    targets : MultiTaskTargets
        The encoded values (a read-only view of a float64 ``Y`` that holds
        them already, see :class:`MultiTaskTargets`), the masks of observed
        labels, the per-task classes
        (``classes`` is None with ``target_type="continuous"``; otherwise one
        entry per task, None for a continuous task), the type of each task,
        the task names and whether ``Y`` was 1-D.

    Raises
    ------
    ValueError
        If ``Y`` is empty, not 1-D or 2-D, a DataFrame with duplicated column
        names, holds infinite values, strings for a continuous target,
        continuous labels for classification, more than two classes for a
        binary task, a task without any observed label (unless
        allowed), or does not have the expected shape; or if ``target_type``
        is not one of the forms above.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import check_multitask_targets
    >>> Y = np.array([[1.0, np.nan], [0.0, 3.0], [np.nan, 2.0]])
    >>> targets = check_multitask_targets(Y)
    >>> targets.mask
    array([[ True, False],
           [ True,  True],
           [False,  True]])
    >>> labels = check_multitask_targets(
    ...     [["a", None], ["b", "x"], ["a", "y"]], target_type="classification"
    ... )
    >>> labels.classes
    [array(['a', 'b'], dtype=object), array(['x', 'y'], dtype=object)]
    >>> Y = np.array([[0.5, "a", 1], [1.5, "b", 2], [2.0, "c", 3]], dtype=object)
    >>> check_multitask_targets(Y, target_type="auto").task_types
    ('continuous', 'multiclass', 'multiclass')
    >>> check_multitask_targets(Y, target_type={2: "continuous"}).task_types
    ('continuous', 'multiclass', 'continuous')
    """
    if isinstance(target_type, str) and target_type not in (
        "continuous",
        "classification",
        "auto",
    ):
        raise ValueError(
            "Expected target_type to be 'continuous' or 'classification'; got "
            f"{target_type!r} instead. Also accepted: 'auto' (each task's type "
            "inferred), or a sequence or a dict of per-task types among "
            f"{list(_REQUESTABLE_TYPES)}."
        )
    if Y is None:
        raise ValueError("requires y to be passed, but the target y is None.")
    if not _is_dataframe(Y):
        Y = np.asarray(Y.to_numpy() if hasattr(Y, "to_numpy") else Y)
        if Y.ndim not in (1, 2):
            raise ValueError(
                "Expected Y of shape (n_samples,) or (n_samples, n_tasks); "
                f"got an array of shape {Y.shape} instead."
            )
    columns, task_names = _columns_of(Y)
    single_output = not _is_dataframe(Y) and Y.ndim == 1
    if not columns:
        raise ValueError(
            "Expected Y with at least one task (column); got Y with 0 columns."
        )
    n_rows = columns[0].shape[0]
    if n_rows == 0:
        raise ValueError(
            "Expected Y with at least one sample; got Y of shape "
            f"(0, {len(columns)}) instead."
        )
    if n_samples is not None and n_rows != n_samples:
        raise ValueError(
            f"Expected Y with {n_samples} rows (one per sample of X); got "
            f"{n_rows} rows instead."
        )
    if n_tasks is not None and len(columns) != n_tasks:
        raise ValueError(
            f"Expected Y with {n_tasks} tasks (columns), as in fit; got "
            f"{len(columns)} instead."
        )
    requested = _requested_types(target_type, len(columns), task_names)

    # Where Y already holds the values (float64, NaN exactly where missing,
    # each label equal to its code), they are a read-only view of Y: no
    # copy of Y's size. The copy is made at the first column that differs.
    values = _EncodedValues(Y, n_rows, len(columns), missing_label)
    mask = np.zeros((n_rows, len(columns)), dtype=bool)
    classes, task_types = [], []
    for t, column in enumerate(columns):
        name = task_label(t, task_names)
        if column.dtype.kind == "c":
            raise ValueError(f"Complex data not supported; task {name} is complex.")
        observed = ~_missing_mask(column, missing_label)
        mask[:, t] = observed
        labels = column[observed]
        if labels.size == 0 and not allow_unlabelled_tasks:
            raise ValueError(
                f"Task {name} has no observed label in Y; every task needs "
                "at least one observed label to be fitted."
            )
        kind = requested[t]
        if kind == "auto":
            kind = infer_task_type(labels)
        if kind == "continuous":
            classes.append(None)
            task_types.append("continuous")
            if labels.size:
                values.set(t, observed, labels, _as_continuous(labels, name))
            continue
        if labels.size == 0:
            task_classes, codes = np.array([], dtype=column.dtype), np.array([])
        else:
            task_classes, codes = _encode_labels(labels, name)
        if kind == "binary" and task_classes.size > 2:
            raise ValueError(
                f"Task {name} is declared binary but holds {task_classes.size} "
                f"classes {task_classes.tolist()}; declare it 'multiclass'."
            )
        classes.append(task_classes)
        if kind == "classification":  # the number of classes decides
            kind = "binary" if task_classes.size <= 2 else "multiclass"
        task_types.append(kind)
        if labels.size:
            values.set(t, observed, labels, codes)
    return MultiTaskTargets(
        values=values.array(),
        mask=mask,
        classes=None if _all_continuous(target_type) else classes,
        task_names=task_names,
        single_output=single_output,
        task_types=tuple(task_types),
    )


class _EncodedValues:
    """The ``values`` of :class:`MultiTaskTargets`, filled column by column.

    A float64 ndarray ``Y`` without a ``missing_label`` has NaN exactly where
    a label is missing: while every column's encoded labels equal ``Y``'s,
    the values are ``Y`` itself (returned as a read-only view). The first
    column that differs makes the copy.
    """

    def __init__(self, Y, n_rows, n_tasks, missing_label):
        self._source = None
        self._array = None
        if (
            isinstance(Y, np.ndarray)
            and Y.dtype == np.float64
            and (
                missing_label is None
                or (isinstance(missing_label, float) and np.isnan(missing_label))
            )
        ):
            self._source = Y.reshape(n_rows, n_tasks)
        else:
            self._array = np.full((n_rows, n_tasks), np.nan)

    def set(self, task, observed, labels, encoded):
        """Task ``task``'s ``encoded`` labels at the ``observed`` rows."""
        if self._array is None:
            if labels.dtype == np.float64 and np.array_equal(encoded, labels):
                return
            self._array = np.array(self._source, dtype=np.float64, order="C")
            self._source = None
        self._array[observed, task] = encoded

    def array(self):
        """The values, an ndarray of shape (n_samples, n_tasks)."""
        if self._array is not None:
            return self._array
        view = self._source.view()
        view.flags.writeable = False
        return view


def _all_continuous(target_type):
    return isinstance(target_type, str) and target_type == "continuous"


def _requested_types(target_type, n_tasks, task_names):
    """The type requested for each task: a task type, "classification" or "auto"."""
    if isinstance(target_type, str):
        return [target_type] * n_tasks
    if isinstance(target_type, Mapping):
        requested = ["auto"] * n_tasks
        for key, kind in target_type.items():
            index = _task_index(key, n_tasks, task_names, "the task types")
            requested[index] = _checked_type(kind, task_label(index, task_names))
        return requested
    try:
        kinds = list(target_type)
    except TypeError:
        raise ValueError(
            "Expected target_type to be 'continuous', 'classification', 'auto', "
            f"a sequence or a dict of task types; got {target_type!r} instead."
        ) from None
    if len(kinds) != n_tasks:
        raise ValueError(
            f"Expected a task type for each of the {n_tasks} tasks; got "
            f"{len(kinds)} instead."
        )
    return [
        _checked_type(kind, task_label(t, task_names)) for t, kind in enumerate(kinds)
    ]


def _checked_type(kind, name):
    if isinstance(kind, str) and kind in _REQUESTABLE_TYPES:
        return kind
    close = difflib.get_close_matches(str(kind), _REQUESTABLE_TYPES, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"Expected the type of task {name} to be one of "
        f"{list(_REQUESTABLE_TYPES)}; got {kind!r} instead.{hint}"
    )


def _task_index(key, n_tasks, task_names, what):
    """Index of a task given by index or name (as a key of ``what``)."""
    if isinstance(key, Integral) and not isinstance(key, bool):
        if not 0 <= key < n_tasks:
            raise ValueError(
                f"Expected task indices in [0, {n_tasks}) as keys of {what}; got "
                f"{key} instead."
            )
        return int(key)
    names = None if task_names is None else [str(name) for name in task_names]
    if names is None:
        raise ValueError(
            f"Got task name {key!r} as a key of {what}, but the tasks have no "
            "names (pass Y as a pandas DataFrame); use task indices instead."
        )
    if str(key) not in names:
        close = difflib.get_close_matches(str(key), names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown task {key!r} in {what}; expected one of {names}.{hint}"
        )
    return names.index(str(key))


def infer_task_type(labels):
    """The type of a task inferred from its observed labels.

    A float column holding at least one non-integer value is
    ``"continuous"``; any other column (integers, booleans, strings,
    integer-valued floats) holds classes: ``"binary"`` with at most two
    distinct labels, ``"multiclass"`` with more. Integer-valued regression
    targets are thus read as classes; declare their type instead.

    Parameters
    ----------
    labels : ndarray of shape (n_labels,)
        The observed labels of one task (no missing entry).

    Returns
    -------
    task_type : {"continuous", "binary", "multiclass"}

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils._targets import infer_task_type
    >>> infer_task_type(np.array([0.5, 1.0, 2.0]))
    'continuous'
    >>> infer_task_type(np.array([1.0, 2.0, 2.0]))
    'binary'
    >>> infer_task_type(np.array(["a", "b", "c"]))
    'multiclass'
    """
    labels = np.asarray(labels)
    if labels.dtype.kind == "O":
        labels = native_labels(labels)
    if labels.dtype.kind == "f":
        finite = labels[np.isfinite(labels)]
        if finite.size < labels.size or np.any(finite != np.floor(finite)):
            return "continuous"
    try:
        n_classes = np.unique(labels).size
    except TypeError:  # labels that cannot be sorted: an error when encoded
        n_classes = len(set(labels.tolist()))
    return "binary" if n_classes <= 2 else "multiclass"


def _as_continuous(labels, name):
    if labels.dtype.kind in "OUS":
        try:
            labels = labels.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"Expected numeric labels for a continuous target; task {name} "
                f"holds non-numeric labels such as {labels[:1].tolist()[0]!r}."
            ) from None
    labels = np.asarray(labels, dtype=np.float64)
    if not np.all(np.isfinite(labels)):
        raise ValueError(
            f"Expected finite labels; task {name} holds infinite values "
            "(use NaN for a missing label)."
        )
    return labels


def native_labels(values):
    """An object array of non-string labels as a typed array; others as they are.

    A column of an object array (mixed label types across tasks) holding only
    numbers or booleans becomes an int, float or bool array, so that
    scikit-learn reads it as the labels it holds.

    Parameters
    ----------
    values : ndarray of shape (n_samples,)
        Labels.

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    """
    if values.dtype.kind == "O" and not any(isinstance(v, str) for v in values):
        return np.asarray(values.tolist())
    return values


def _encode_labels(labels, name):
    if labels.dtype.kind == "O":
        kinds = {isinstance(v, str) for v in labels}
        if len(kinds) > 1:
            raise ValueError(
                f"Expected the labels of task {name} to be all strings or all "
                "numbers; got a mix of both."
            )
        labels = native_labels(labels)
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(
            f"Expected finite labels; task {name} holds infinite values "
            "(use NaN for a missing label)."
        )
    if labels.dtype.kind == "f":
        fractional = labels[labels != np.floor(labels)]
        if fractional.size:
            raise ValueError(
                f"Task {name}: expected class labels (integers, strings, booleans "
                "or integer-valued floats); got continuous values such as "
                f"{float(fractional[0])!r}. Use a regression estimator or metric "
                "for this task."
            )
    elif labels.dtype.kind == "O":
        with warnings.catch_warnings():
            # warned below, for every dtype, with the task's name
            warnings.filterwarnings("ignore", "The number of unique classes")
            try:
                check_classification_targets(labels)
            except ValueError as exc:
                raise ValueError(f"Task {name}: {exc}") from None
    task_classes, codes = np.unique(labels, return_inverse=True)
    if labels.size > 20 and task_classes.size > max(2, round(0.5 * labels.size)):
        warnings.warn(
            f"Task {name} has {task_classes.size} distinct labels among its "
            f"{labels.size} observed ones: it could represent a regression "
            "problem, not classes. Declare its type 'continuous' if so.",
            UserWarning,
            stacklevel=3,
        )
    return task_classes, codes.astype(np.float64)
