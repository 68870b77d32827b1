"""Loaders of real multi-task benchmark data sets stored in a local folder.

The loaders read files from ``data_home``. When a loader gets
``data_home=None``, the folder is the value of the environment variable
``SKLEARN_MTL_DATA`` when it is set, else ``~/sklearn_mtl_data``. A missing
file raises :class:`FileNotFoundError` naming the file and the folder searched.

Every loader returns a :class:`~sklearn.utils.Bunch` in the wide layout of the
package: ``data`` of shape ``(n_samples, n_features)``, ``target`` of shape
``(n_samples, n_tasks)`` with NaN where a row has no label for a task,
``task_names`` and a description ``DESCR``. Where each row belongs to a single
task (School, Landmine, the computer survey, SARCOS), the bunch also holds the
long arrays ``y`` (the label of each row) and ``task`` (its task index).
"""

import numpy as np
from sklearn.utils import Bunch

from ..utils import long_to_wide
from ._base import DATA_HOME_ENV, data_home_path

__all__ = [
    "load_computer_survey",
    "load_landmine",
    "load_parkinsons",
    "load_sarcos",
    "load_school",
    "load_tox21",
    "load_toxcast",
]

_SCHOOL_DESCR = """\
Inner London Education Authority (ILEA) exam scores of 15,362 students in 139
secondary schools, 1985-1987 (MALSAR's school.mat). Each school is a task
(22 to 251 students) and each student belongs to one school. The 28 features
are the year (one-hot), the school's percentage of free school meals and of
verbal-reasoning band 1, the student's gender, verbal-reasoning band and
ethnic group, the school's gender and denomination, and a constant bias
column; the target is the exam score (1 to 70). The usual protocol uses ten
random 75/25 splits within each school (the fixed splits of the literature are
in `splits`: 11,521 training and 3,841 test rows each) and reports the
explained variance 1 - MSE / Var(y_test) of the pooled test labels; multi-task
models reach about 34-37%, single-task ridge regression about 30-33%."""

_LANDMINE_DESCR = """\
Landmine detection (Xue et al., 2007): 14,820 locations in 29 minefields, each
described by 9 features extracted from synthetic-aperture radar images (four
moment-based, three correlation-based, an energy ratio and a spatial
variance). Each field is a task of 445 to 690 locations, binary label 1 for a
landmine (6.1% of the rows). Fields 0-14 are highly foliated regions, fields
15-28 bare earth or desert. The usual protocol trains on a fraction of each
field (for example 20% or 50%) and reports the ROC-AUC averaged over tasks."""

_COMPUTER_SURVEY_DESCR = """\
Conjoint analysis of personal computers (Lenk et al., 1996): 190 respondents
rated the likelihood of buying each of 20 computer profiles on a 0-10 scale.
Each respondent is a task with 20 rows, one per profile (`profile`, 0-19);
every respondent saw the same profiles. The 14 features are a bias column and
13 binary attributes (hotline, RAM, screen, CPU, ...) coded -1/+1. Papers
report 179 or 180 respondents; this copy has 190. The usual protocol trains on
profiles 0-7 (or 0-15) and tests on profiles 16-19, reporting the RMSE averaged
over respondents."""

_SARCOS_DESCR = """\
Inverse dynamics of a 7 degrees-of-freedom SARCOS anthropomorphic robot arm.
The 21 features are the positions, velocities and accelerations of the 7
joints, and the 7 tasks are the torques of the joints; each row holds the
torque of one joint only. {split} The usual metric is the normalized MSE
(MSE / variance of the test labels) averaged over tasks."""

_SARCOS_MTPL_DESCR = """\
The `mtpl` split (from the MTPL repository) has 600 training, 200 validation
and 200 test rows per task, 7,000 rows in all (`train_indices`, `val_indices`,
`test_indices`). 31 test rows repeat a training or validation row exactly."""

_SARCOS_10SPLITS_DESCR = """\
The `10splits` version pools 6,228 rows (5,868 distinct inputs, 841 to 946
rows per task) that ten fixed splits divide into 4,671 training and 1,557 test
rows (`splits`)."""

_PARKINSONS_DESCR = """\
Parkinson's disease telemonitoring (UCI, Tsanas et al., 2010): 5,875 voice
recordings of 42 patients with early-stage Parkinson's disease, 101 to 168
recordings each. The 19 features are the age, sex and time since recruitment
(`test_time`) of the patient and 16 measures of the voice. The two tasks are
the motor and total UPDRS scores of the recording, both always observed. The
patient of each row is in `groups`: evaluate with a splitter that keeps the
recordings of a patient together (GroupKFold), or treat the patients as tasks
with sklearn_mtl.utils.long_to_wide."""

_TOX21_DESCR = """\
Tox21 (MoleculeNet version): 7,823 molecules tested in 12 toxicity assays
(nuclear-receptor and stress-response pathways), binary labels, 17.1% of them
missing, 7.5% of the observed ones positive. The features are 1,024-bit
Morgan/ECFP4 fingerprints (radius 2) computed with RDKit; 8 SMILES that RDKit
could not parse were dropped. The usual protocol is a random or scaffold
80/10/10 split and the ROC-AUC of the observed test labels averaged over
tasks."""

_TOXCAST_DESCR = """\
ToxCast (MoleculeNet version): 8,576 molecules tested in 617 high-throughput
assays, binary labels, 71.0% of them missing (every assay has at least 50
labels), 8.3% of the observed ones positive. The features are 1,024-bit
Morgan/ECFP4 fingerprints (radius 2) computed with RDKit. The usual protocol
is a random or scaffold 80/10/10 split and the ROC-AUC of the observed test
labels averaged over tasks."""

_SARCOS_FEATURES = np.array(
    [
        f"{quantity}_{joint}"
        for quantity in ("position", "velocity", "acceleration")
        for joint in range(1, 8)
    ]
)

_SARCOS_FILES = {
    "mtpl": "sarcos_MTPL_split01.npz",
    "10splits": "sarcos_vstg_10splits.npz",
}


def _data_file(filename, data_home, loader):
    """Path of ``filename`` in ``data_home``, or a clear error if it is absent.

    Parameters
    ----------
    filename : str
        Name of the file.
    data_home : str, path-like or None
        Folder of the data; None reads the ``SKLEARN_MTL_DATA`` environment
        variable, falling back to ``~/sklearn_mtl_data``.
    loader : str
        Name of the calling loader, for the error message.

    Returns
    -------
    path : pathlib.Path
    """
    directory = data_home_path(data_home)
    path = directory / filename
    if not path.is_file():
        fetcher = loader.replace("load_", "fetch_", 1)
        raise FileNotFoundError(
            f"{loader} expected the file {filename!r} in data_home "
            f"{str(directory)!r}; it is not there. Pass data_home=... or set the "
            f"{DATA_HOME_ENV} environment variable to the folder that holds it. "
            f"To download it, call {fetcher}()."
        )
    return path


def _read_npz(filename, data_home, loader, allow_pickle=False):
    """All the arrays of a ``.npz`` file of ``data_home``, as a dict."""
    with np.load(
        _data_file(filename, data_home, loader), allow_pickle=allow_pickle
    ) as f:
        return {name: f[name] for name in f.files}


def _task_names(prefix, n_tasks, start=0):
    return np.array([f"{prefix}_{t}" for t in range(start, start + n_tasks)])


def _long_rows(arrays, key="{}"):
    """Rows ``[X, y, task]`` of the long arrays ``key.format("X")`` etc."""
    return np.column_stack([arrays[key.format(name)] for name in ("X", "y", "task")])


def _long_bunch(X, y, task, task_names, descr, **extra):
    """Bunch in the wide layout, with the long arrays ``y`` and ``task`` too."""
    X, Y = long_to_wide(X, y, task, n_tasks=len(task_names))
    return Bunch(
        data=X, target=Y, y=y, task=task, task_names=task_names, DESCR=descr, **extra
    )


def _match_rows(reference, query):
    """Index of a distinct row of ``reference`` equal to each row of ``query``.

    The k-th occurrence of a row in ``query`` gets the k-th occurrence of the
    same row in ``reference``, so that no index is used twice; rows of
    ``query`` without such a match get -1.
    """
    # Rows compared as raw bytes (much faster than numpy.unique(axis=0));
    # adding 0.0 turns -0.0 into 0.0 so that equal values have equal bytes.
    rows = np.ascontiguousarray(np.vstack([reference, query]) + 0.0)
    row_bytes = rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1])))
    _, keys = np.unique(row_bytes.ravel(), return_inverse=True)
    reference_keys, query_keys = keys[: len(reference)], keys[len(reference) :]
    reference_order = np.argsort(reference_keys, kind="stable")
    query_order = np.argsort(query_keys, kind="stable")
    reference_sorted = reference_keys[reference_order]
    query_sorted = query_keys[query_order]
    occurrence = np.arange(len(query)) - np.searchsorted(query_sorted, query_sorted)
    position = np.searchsorted(reference_sorted, query_sorted) + occurrence
    found = position < len(reference)
    found[found] = reference_sorted[position[found]] == query_sorted[found]
    index = np.full(len(query), -1, dtype=np.intp)
    index[query_order[found]] = reference_order[position[found]]
    return index


def _index_splits(reference, archive, filename):
    """Turn the ``rep{r}_{X,y,task}_{train,test}`` arrays into index splits.

    Each split's rows are located among the rows ``[X, y, task]`` of
    ``reference``; an error is raised if a row is not there.
    """
    n_reps = sum(name.endswith("_X_train") for name in archive)
    splits = []
    for rep in range(1, n_reps + 1):
        train = _long_rows(archive, f"rep{rep}_{{}}_train")
        test = _long_rows(archive, f"rep{rep}_{{}}_test")
        index = _match_rows(reference, np.vstack([train, test]))
        if np.any(index < 0):
            raise ValueError(
                f"Split {rep} of {filename!r} has {np.sum(index < 0)} row(s) that "
                "are not rows of the data set; the two files do not match."
            )
        splits.append((index[: len(train)], index[len(train) :]))
    return splits


def load_school(data_home=None):
    """Load the School data: exam scores of students in 139 London schools.

    Each school is a task and each student (row) belongs to one school, so
    ``target`` has one observed label per row. ``splits`` holds the ten fixed
    75/25 splits within each school used in the literature.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``school.npz`` and ``school_vstg_10splits.npz``. None
        reads the environment variable ``SKLEARN_MTL_DATA``, falling back to
        ``~/sklearn_mtl_data``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (15362, 28)
            Features; the last column is a constant bias.
        target : ndarray of shape (15362, 139)
            Exam score of each student in the column of their school, NaN
            elsewhere.
        y : ndarray of shape (15362,)
            Exam score of each student (long layout).
        task : ndarray of int of shape (15362,)
            School index of each student; rows are sorted by school.
        task_names : ndarray of str of shape (139,)
            ``"school_0"``, ..., ``"school_138"``.
        feature_names : ndarray of str of shape (28,)
            Names of the features.
        splits : list of 10 tuples (train_indices, test_indices)
            Row indices into ``data`` of 11,521 training and 3,841 test
            students, each a partition of all the rows; pass ``cv=splits`` to
            :class:`~sklearn.model_selection.GridSearchCV` or
            :func:`~sklearn.model_selection.cross_validate`. The split file
            stores rows, not indices; they are located in ``data`` by their
            features, score and school (identical students get distinct
            indices).
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If a file is not in ``data_home``.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_school
    >>> school = load_school("path/to/data")  # doctest: +SKIP
    >>> school.data.shape, school.target.shape  # doctest: +SKIP
    ((15362, 28), (15362, 139))
    """
    arrays = _read_npz("school.npz", data_home, "load_school")
    archive = _read_npz("school_vstg_10splits.npz", data_home, "load_school")
    bunch = _long_bunch(
        arrays["X"],
        arrays["y"],
        arrays["task"],
        _task_names("school", len(arrays["n_per_task"])),
        _SCHOOL_DESCR,
        feature_names=arrays["feature_names"],
    )
    bunch.splits = _index_splits(
        _long_rows(arrays), archive, "school_vstg_10splits.npz"
    )
    return bunch


def load_landmine(data_home=None):
    """Load the Landmine data: landmine detection in 29 minefields.

    Each minefield is a binary classification task and each location (row)
    belongs to one field.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``landmine.npz``. None reads the environment variable
        ``SKLEARN_MTL_DATA``, falling back to ``~/sklearn_mtl_data``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (14820, 9)
            Radar image features.
        target : ndarray of shape (14820, 29)
            1.0 for a landmine, 0.0 for clutter, in the column of the row's
            field; NaN elsewhere.
        y : ndarray of shape (14820,)
            Label of each row (long layout).
        task : ndarray of int of shape (14820,)
            Field index of each row; rows are sorted by field.
        task_names : ndarray of str of shape (29,)
            ``"field_0"``, ..., ``"field_28"``.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If ``landmine.npz`` is not in ``data_home``.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_landmine
    >>> landmine = load_landmine("path/to/data")  # doctest: +SKIP
    >>> landmine.target.shape  # doctest: +SKIP
    (14820, 29)
    """
    arrays = _read_npz("landmine.npz", data_home, "load_landmine")
    return _long_bunch(
        arrays["X"],
        arrays["y"],
        arrays["task"],
        _task_names("field", len(arrays["n_per_task"])),
        _LANDMINE_DESCR,
    )


def load_computer_survey(data_home=None):
    """Load the computer survey data: ratings of 20 computers by 190 people.

    Each respondent is a regression task with one row per computer profile.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``computer_survey.npz``. None reads the environment
        variable ``SKLEARN_MTL_DATA``, falling back to ``~/sklearn_mtl_data``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (3800, 14)
            A bias column and 13 attributes coded -1/+1 of the profile rated.
        target : ndarray of shape (3800, 190)
            Rating (0 to 10) in the column of the respondent, NaN elsewhere.
        y : ndarray of shape (3800,)
            Rating of each row (long layout).
        task : ndarray of int of shape (3800,)
            Respondent index of each row; rows are sorted by respondent.
        profile : ndarray of int of shape (3800,)
            Index (0 to 19) of the computer profile rated in each row; for the
            usual protocol, train on ``profile < 16`` (or ``< 8``) and test on
            ``profile >= 16``.
        task_names : ndarray of str of shape (190,)
            ``"respondent_0"``, ..., ``"respondent_189"``.
        feature_names : ndarray of str of shape (14,)
            ``"bias"`` and the names of the attributes.
        attribute_names : ndarray of str of shape (14,)
            The same as ``feature_names``.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If ``computer_survey.npz`` is not in ``data_home``.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_computer_survey
    >>> survey = load_computer_survey("path/to/data")  # doctest: +SKIP
    >>> train = survey.profile < 16  # doctest: +SKIP
    """
    arrays = _read_npz("computer_survey.npz", data_home, "load_computer_survey")
    return _long_bunch(
        arrays["X"],
        arrays["y"],
        arrays["task"],
        _task_names("respondent", arrays["ratings"].shape[0]),
        _COMPUTER_SURVEY_DESCR,
        profile=arrays["profile"],
        feature_names=arrays["attribute_names"],
        attribute_names=arrays["attribute_names"],
    )


def load_sarcos(data_home=None, split="mtpl"):
    """Load the SARCOS data: inverse dynamics of a 7-joint robot arm.

    Each joint torque is a regression task and each row holds the torque of
    one joint only.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``sarcos_MTPL_split01.npz`` (``split="mtpl"``) or
        ``sarcos_vstg_10splits.npz`` (``split="10splits"``). None reads the
        environment variable ``SKLEARN_MTL_DATA``, falling back to
        ``~/sklearn_mtl_data``.
    split : {"mtpl", "10splits"}, default="mtpl"
        ``"mtpl"``: one split of 600 training, 200 validation and 200 test
        rows per task (7,000 rows). ``"10splits"``: 6,228 rows and ten fixed
        splits of 4,671 training and 1,557 test rows.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (n_samples, 21)
            Positions, velocities and accelerations of the 7 joints.
        target : ndarray of shape (n_samples, 7)
            Torque in the column of the row's joint, NaN elsewhere.
        y : ndarray of shape (n_samples,)
            Torque of each row (long layout).
        task : ndarray of int of shape (n_samples,)
            Joint (task) index of each row.
        task_names : ndarray of str of shape (7,)
            ``"torque_1"``, ..., ``"torque_7"``.
        feature_names : ndarray of str of shape (21,)
            ``"position_1"``, ..., ``"velocity_1"``, ...,
            ``"acceleration_7"``.
        train_indices, val_indices, test_indices : ndarray of int
            With ``split="mtpl"`` only: the rows of each part (4,200, 1,400
            and 1,400); ``data`` holds them in this order.
        splits : list of 10 tuples (train_indices, test_indices)
            With ``split="10splits"`` only: row indices into ``data``, each a
            partition of all the rows; pass ``cv=splits`` to
            :class:`~sklearn.model_selection.GridSearchCV`. The ten splits of
            the file divide the same 6,228 rows differently; ``data`` holds
            them in the order of the first split (its training rows, then
            its test rows), and the rows of the other splits are located in
            it by their features, torque and joint.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If the file of ``split`` is not in ``data_home``.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_sarcos
    >>> sarcos = load_sarcos("path/to/data")  # doctest: +SKIP
    >>> sarcos.data[sarcos.train_indices].shape  # doctest: +SKIP
    (4200, 21)
    """
    if split not in _SARCOS_FILES:
        raise ValueError(
            f"Expected split to be 'mtpl' or '10splits'; got {split!r} instead."
        )
    arrays = _read_npz(_SARCOS_FILES[split], data_home, "load_sarcos")
    if split == "mtpl":
        return _sarcos_mtpl(arrays)
    return _sarcos_10splits(arrays)


def _sarcos_bunch(rows, descr, **extra):
    return _long_bunch(
        rows[:, :-2],
        rows[:, -2],
        rows[:, -1].astype(np.intp),
        _task_names("torque", 7, start=1),
        _SARCOS_DESCR.format(split=descr),
        feature_names=_SARCOS_FEATURES.copy(),
        **extra,
    )


def _sarcos_mtpl(arrays):
    parts = [_long_rows(arrays, f"{{}}_{part}") for part in ("train", "val", "test")]
    bounds = np.cumsum([len(rows) for rows in parts])
    train, val, test = np.split(np.arange(bounds[-1]), bounds[:-1])
    return _sarcos_bunch(
        np.vstack(parts),
        _SARCOS_MTPL_DESCR,
        train_indices=train,
        val_indices=val,
        test_indices=test,
    )


def _sarcos_10splits(arrays):
    rows = np.vstack(
        [_long_rows(arrays, f"rep1_{{}}_{part}") for part in ("train", "test")]
    )
    splits = _index_splits(rows, arrays, _SARCOS_FILES["10splits"])
    return _sarcos_bunch(rows, _SARCOS_10SPLITS_DESCR, splits=splits)


def load_parkinsons(data_home=None):
    """Load the Parkinson's telemonitoring data: two UPDRS scores per recording.

    The two tasks (motor and total UPDRS) are observed for every row; the
    patient of each row is in ``groups``.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``parkinsons.npz``. None reads the environment variable
        ``SKLEARN_MTL_DATA``, falling back to ``~/sklearn_mtl_data``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (5875, 19)
            Age, sex, time since recruitment and 16 voice measures.
        target : ndarray of shape (5875, 2)
            Motor and total UPDRS scores, with no missing values.
        groups : ndarray of int of shape (5875,)
            Patient index (0 to 41) of each row, for
            :class:`~sklearn.model_selection.GroupKFold`.
        task_names : ndarray of str of shape (2,)
            ``"motor_UPDRS"`` and ``"total_UPDRS"``.
        feature_names : ndarray of str of shape (19,)
            Names of the features.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If ``parkinsons.npz`` is not in ``data_home``.

    Examples
    --------
    >>> from sklearn.model_selection import GroupKFold
    >>> from sklearn_mtl.datasets import load_parkinsons
    >>> parkinsons = load_parkinsons("path/to/data")  # doctest: +SKIP
    >>> cv, groups = GroupKFold(n_splits=5), parkinsons.groups  # doctest: +SKIP
    >>> folds = list(cv.split(parkinsons.data, groups=groups))  # doctest: +SKIP
    """
    arrays = _read_npz("parkinsons.npz", data_home, "load_parkinsons")
    return Bunch(
        data=arrays["X"],
        target=arrays["Y"],
        groups=arrays["task"],
        task_names=arrays["target_names"],
        feature_names=arrays["feature_names"],
        DESCR=_PARKINSONS_DESCR,
    )


def _load_molecules(filename, data_home, loader, descr):
    # The SMILES strings are an object array, which numpy stores with pickle;
    # unpickling can run code, so this is only for the data files of the
    # project (point data_home at trusted files only).
    arrays = _read_npz(filename, data_home, loader, allow_pickle=True)
    return Bunch(
        data=arrays["X"].astype(np.float64),
        target=arrays["Y"],
        task_names=arrays["task_names"],
        smiles=arrays["smiles"],
        DESCR=descr,
    )


def load_tox21(data_home=None):
    """Load the Tox21 data: 12 toxicity assays of 7,823 molecules.

    Each assay is a binary classification task; 17.1% of the labels are
    missing (NaN).

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``tox21_ecfp4.npz``. None reads the environment variable
        ``SKLEARN_MTL_DATA``, falling back to ``~/sklearn_mtl_data``. The file
        is read with ``allow_pickle=True`` (for the SMILES strings): only use
        a trusted file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (7823, 1024)
            ECFP4 fingerprint bits as float64 (0.0 or 1.0), converted from the
            stored uint8 so that estimators take them as they are.
        target : ndarray of shape (7823, 12)
            1.0 (active), 0.0 (inactive) or NaN (not tested).
        task_names : ndarray of str of shape (12,)
            Names of the assays.
        smiles : ndarray of object of shape (7823,)
            SMILES string of each molecule.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If ``tox21_ecfp4.npz`` is not in ``data_home``.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_tox21
    >>> tox21 = load_tox21("path/to/data")  # doctest: +SKIP
    >>> tox21.target.shape  # doctest: +SKIP
    (7823, 12)
    """
    return _load_molecules("tox21_ecfp4.npz", data_home, "load_tox21", _TOX21_DESCR)


def load_toxcast(data_home=None):
    """Load the ToxCast data: 617 assays of 8,576 molecules.

    Each assay is a binary classification task; 71.0% of the labels are
    missing (NaN).

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``toxcast_ecfp4.npz``. None reads the environment
        variable ``SKLEARN_MTL_DATA``, falling back to ``~/sklearn_mtl_data``.
        The file is read with ``allow_pickle=True`` (for the SMILES strings):
        only use a trusted file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (8576, 1024)
            ECFP4 fingerprint bits as float64 (0.0 or 1.0), converted from the
            stored uint8 so that estimators take them as they are.
        target : ndarray of shape (8576, 617)
            1.0 (active), 0.0 (inactive) or NaN (not tested).
        task_names : ndarray of str of shape (617,)
            Names of the assays.
        smiles : ndarray of object of shape (8576,)
            SMILES string of each molecule.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        If ``toxcast_ecfp4.npz`` is not in ``data_home``.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_toxcast
    >>> toxcast = load_toxcast("path/to/data")  # doctest: +SKIP
    >>> toxcast.target.shape  # doctest: +SKIP
    (8576, 617)
    """
    return _load_molecules(
        "toxcast_ecfp4.npz", data_home, "load_toxcast", _TOXCAST_DESCR
    )
