"""Fetchers of the real data sets: download once, convert, cache, load.

A fetcher looks for the converted files of its data set in the data home
(see :func:`~sklearn_mtl.datasets.get_data_home`). The files that are absent
are made from the original public files: each is downloaded from a URL pinned
to a commit (or from the mirror named by ``SKLEARN_MTL_DATA_MIRROR``), checked
against its sha256 with pooch, converted by :mod:`._convert` and written to
the data home under the name the matching ``load_*`` function reads. Then the
fetcher returns what that loader returns. A data home that already holds the
converted files (such as the project's shared data folder) needs no download.
"""

from typing import NamedTuple

import numpy as np

from . import _convert
from ._base import DOWNLOADS, MIRROR_ENV, data_home_path, download, save_npz
from ._census import load_census_income
from ._loaders import (
    _SARCOS_FILES,
    load_computer_survey,
    load_landmine,
    load_parkinsons,
    load_sarcos,
    load_school,
    load_tox21,
    load_toxcast,
)

__all__ = [
    "fetch_census_income",
    "fetch_computer_survey",
    "fetch_landmine",
    "fetch_parkinsons",
    "fetch_sarcos",
    "fetch_school",
    "fetch_tox21",
    "fetch_toxcast",
]


class _CacheFile(NamedTuple):
    """A file of the data home and the original files it is made from.

    ``convert`` takes the paths of the downloaded ``sources`` and returns the
    arrays of the ``.npz`` file ``name``; None means that the (single) source
    file is itself the cached file. ``check``, if any, is called with the
    fetcher's name before anything is downloaded (to fail early when an
    optional dependency is missing).
    """

    name: str
    sources: tuple
    convert: object = None
    check: object = None


def _split_files(prefix):
    return tuple(f"{prefix}_re{rep}.mat" for rep in range(1, 11))


def _molecules(name, source):
    return _CacheFile(name, (source,), _convert.molecules, check=_convert.import_rdkit)


# Title of each data set (for messages) and the files that make it.
_DATASETS = {
    "school": (
        "School",
        (
            _CacheFile("school.npz", ("school.mat",), _convert.school),
            _CacheFile(
                "school_vstg_10splits.npz", _split_files("school"), _convert.splits
            ),
        ),
    ),
    "landmine": (
        "Landmine",
        (_CacheFile("landmine.npz", ("LandmineData.mat",), _convert.landmine),),
    ),
    "computer_survey": (
        "computer survey",
        (
            _CacheFile(
                "computer_survey.npz",
                ("conjointAnalysisComputerBuyers.mat",),
                _convert.computer_survey,
            ),
        ),
    ),
    "parkinsons": (
        "Parkinson's telemonitoring",
        (
            _CacheFile(
                "parkinsons.npz", ("parkinsons_updrs.data",), _convert.parkinsons
            ),
        ),
    ),
    "sarcos_mtpl": (
        "SARCOS (split='mtpl')",
        (_CacheFile(_SARCOS_FILES["mtpl"], ("sarcos_01.mat",), _convert.sarcos_mtpl),),
    ),
    "sarcos_10splits": (
        "SARCOS (split='10splits')",
        (
            _CacheFile(
                _SARCOS_FILES["10splits"], _split_files("sarcos"), _convert.splits
            ),
        ),
    ),
    "tox21": ("Tox21", (_molecules("tox21_ecfp4.npz", "tox21.csv"),)),
    "toxcast": ("ToxCast", (_molecules("toxcast_ecfp4.npz", "toxcast.csv.gz"),)),
    "census_income": (
        "census-income",
        (_CacheFile("census-income.test.gz", ("census-income.test.gz",)),),
    ),
}


def _ensure_cached(dataset, data_home, download_if_missing, fetcher):
    """Make the converted files of ``dataset`` in the data home if absent.

    All the original files are downloaded and checked before any is
    converted, so that a failed download leaves no converted file; checked
    originals stay in the ``downloads`` folder of the data home until their
    conversion succeeds (a new call does not download them again).

    Returns
    -------
    data_home : pathlib.Path
    """
    title, files = _DATASETS[dataset]
    home = data_home_path(data_home)
    missing = [file for file in files if not (home / file.name).is_file()]
    if not missing:
        return home
    names = ", ".join(repr(file.name) for file in missing)
    if not download_if_missing:
        raise FileNotFoundError(
            f"{fetcher}: the {title} data are not in data_home {str(home)!r} "
            f"(missing: {names}) and download_if_missing=False. Call "
            f"{fetcher}(data_home={str(home)!r}) with download_if_missing=True "
            "(the default) to download them from their original source (or "
            f"from the mirror named by the {MIRROR_ENV} environment variable), "
            "or put the converted files in that folder."
        )
    for file in missing:
        if file.check is not None:
            file.check(fetcher)
    downloads = home / DOWNLOADS
    downloads.mkdir(parents=True, exist_ok=True)
    try:
        sources = {
            file.name: [download(name, downloads, fetcher) for name in file.sources]
            for file in missing
        }
        for file in missing:
            paths = sources[file.name]
            if file.convert is None:
                paths[0].replace(home / file.name)
                continue
            save_npz(home / file.name, file.convert(*paths))
            for path in paths:
                path.unlink()
    finally:
        try:
            downloads.rmdir()
        except OSError:  # not empty: checked originals, or files of another call
            pass
    return home


def _import_pandas(fetcher):
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            f"{fetcher}(as_frame=True) requires pandas; install it (pip install "
            "pandas) or pass as_frame=False."
        ) from exc
    return pandas


def _generic_names(prefix, n_names):
    return np.array([f"{prefix}_{j}" for j in range(n_names)])


def _finish(bunch, return_X_y, pandas):
    """Turn data and target into DataFrames if ``pandas``; pick (X, Y)."""
    if pandas is not None:
        bunch.data = pandas.DataFrame(bunch.data, columns=list(bunch.feature_names))
        bunch.target = pandas.DataFrame(bunch.target, columns=list(bunch.task_names))
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def _fetch(dataset, loader, fetcher, data_home, download_if_missing, as_frame):
    """Cache ``dataset`` if needed and return ``loader``'s bunch and pandas."""
    pandas = _import_pandas(fetcher) if as_frame else None
    home = _ensure_cached(dataset, data_home, download_if_missing, fetcher)
    return loader(home), pandas


_PARAMETERS = """\
    data_home : str, path-like or None, default=None
        Folder where the converted data are cached (see
        :func:`~sklearn_mtl.datasets.get_data_home`). None reads the
        environment variable ``SKLEARN_MTL_DATA``, falling back to
        ``~/sklearn_mtl_data``.
    download_if_missing : bool, default=True
        Whether to download the data from their original source when they
        are not in ``data_home``; if False, a missing file raises
        :class:`FileNotFoundError`.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` and ``target`` are pandas DataFrames (this requires
        pandas) with the feature and task names as columns."""

_RAISES = """\
    FileNotFoundError
        If the data are not in ``data_home`` and ``download_if_missing`` is
        False.
    OSError
        If a download fails or a downloaded file does not have the expected
        sha256; no converted file is written then."""


_SHARED_DOCS = {"parameters": _PARAMETERS, "raises": _RAISES}


def _document(function):
    """Put the shared parts of the fetchers' docstrings in place."""
    for name, text in _SHARED_DOCS.items():
        function.__doc__ = function.__doc__.replace(f"    {{{name}}}", text)
    return function


@_document
def fetch_school(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the School data: exam scores of students in 139 London schools.

    Downloads MALSAR's ``school.mat`` and the ten fixed splits of the
    literature (about 36 MB in all) once, caches them converted in
    ``data_home`` and returns :func:`~sklearn_mtl.datasets.load_school`'s
    data. Each school is a regression task; each student belongs to one.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_school`:

        data : ndarray of shape (15362, 28) or DataFrame
            Features; the last column is a constant bias.
        target : ndarray of shape (15362, 139) or DataFrame
            Exam score in the column of the student's school, NaN elsewhere.
        y, task : ndarray of shape (15362,)
            Long layout: the score and the school index of each student.
        task_names, feature_names : ndarray of str
            Names of the 139 schools and of the 28 features.
        splits : list of 10 tuples (train_indices, test_indices)
            The fixed 75/25 splits within each school.
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    {raises}

    See Also
    --------
    load_school : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_school
    >>> school = fetch_school()  # doctest: +SKIP
    >>> school.data.shape, school.target.shape  # doctest: +SKIP
    ((15362, 28), (15362, 139))
    """
    bunch, pandas = _fetch(
        "school", load_school, "fetch_school", data_home, download_if_missing, as_frame
    )
    return _finish(bunch, return_X_y, pandas)


@_document
def fetch_landmine(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the Landmine data: landmine detection in 29 minefields.

    Downloads ``LandmineData.mat`` (about 1 MB) once, caches it converted in
    ``data_home`` and returns :func:`~sklearn_mtl.datasets.load_landmine`'s
    data. Each field is a binary classification task; each location belongs
    to one field.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_landmine`:

        data : ndarray of shape (14820, 9) or DataFrame
            Radar image features.
        target : ndarray of shape (14820, 29) or DataFrame
            1.0 (landmine) or 0.0 in the column of the row's field, NaN
            elsewhere.
        y, task : ndarray of shape (14820,)
            Long layout: the label and the field index of each row.
        task_names : ndarray of str of shape (29,)
            ``"field_0"``, ..., ``"field_28"``.
        feature_names : ndarray of str of shape (9,)
            ``"feature_0"``, ..., ``"feature_8"`` (the source does not name
            the features).
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    {raises}

    See Also
    --------
    load_landmine : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_landmine
    >>> X, Y = fetch_landmine(return_X_y=True)  # doctest: +SKIP
    >>> Y.shape  # doctest: +SKIP
    (14820, 29)
    """
    bunch, pandas = _fetch(
        "landmine",
        load_landmine,
        "fetch_landmine",
        data_home,
        download_if_missing,
        as_frame,
    )
    bunch.feature_names = _generic_names("feature", bunch.data.shape[1])
    return _finish(bunch, return_X_y, pandas)


@_document
def fetch_computer_survey(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the computer survey data: ratings of 20 computers by 190 people.

    Downloads the conjoint-analysis file of pmtkdata (3 KB) once, caches it
    converted in ``data_home`` and returns
    :func:`~sklearn_mtl.datasets.load_computer_survey`'s data. Each respondent
    is a regression task with one row per computer profile.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_computer_survey`:

        data : ndarray of shape (3800, 14) or DataFrame
            A bias column and 13 attributes coded -1/+1.
        target : ndarray of shape (3800, 190) or DataFrame
            Rating (0 to 10) in the column of the respondent, NaN elsewhere.
        y, task, profile : ndarray of shape (3800,)
            Long layout: the rating, the respondent and the profile (0 to 19)
            of each row; the usual protocol tests on ``profile >= 16``.
        task_names, feature_names : ndarray of str
            Names of the 190 respondents and of the 14 features.
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    {raises}

    See Also
    --------
    load_computer_survey : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_computer_survey
    >>> survey = fetch_computer_survey()  # doctest: +SKIP
    >>> train = survey.profile < 16  # doctest: +SKIP
    """
    bunch, pandas = _fetch(
        "computer_survey",
        load_computer_survey,
        "fetch_computer_survey",
        data_home,
        download_if_missing,
        as_frame,
    )
    return _finish(bunch, return_X_y, pandas)


@_document
def fetch_parkinsons(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the Parkinson's telemonitoring data: two UPDRS scores per recording.

    Downloads UCI's ``parkinsons_updrs.data`` (about 0.9 MB) once, caches it
    converted in ``data_home`` and returns
    :func:`~sklearn_mtl.datasets.load_parkinsons`'s data. The two regression
    tasks (motor and total UPDRS) are observed for every recording.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_parkinsons`:

        data : ndarray of shape (5875, 19) or DataFrame
            Age, sex, time since recruitment and 16 voice measures.
        target : ndarray of shape (5875, 2) or DataFrame
            Motor and total UPDRS scores.
        groups : ndarray of int of shape (5875,)
            Patient index (0 to 41) of each row, for
            :class:`~sklearn.model_selection.GroupKFold`.
        task_names, feature_names : ndarray of str
            Names of the 2 tasks and of the 19 features.
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    {raises}

    See Also
    --------
    load_parkinsons : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_parkinsons
    >>> parkinsons = fetch_parkinsons(as_frame=True)  # doctest: +SKIP
    >>> list(parkinsons.target.columns)  # doctest: +SKIP
    ['motor_UPDRS', 'total_UPDRS']
    """
    bunch, pandas = _fetch(
        "parkinsons",
        load_parkinsons,
        "fetch_parkinsons",
        data_home,
        download_if_missing,
        as_frame,
    )
    return _finish(bunch, return_X_y, pandas)


@_document
def fetch_sarcos(
    *,
    split="mtpl",
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    as_frame=False,
):
    """Fetch the SARCOS data: inverse dynamics of a 7-joint robot arm.

    Downloads the files of ``split`` once (about 1 MB for ``"mtpl"``, 11 MB
    for ``"10splits"``), caches them converted in ``data_home`` and returns
    :func:`~sklearn_mtl.datasets.load_sarcos`'s data. Each joint torque is a
    regression task; each row holds the torque of one joint.

    Parameters
    ----------
    split : {"mtpl", "10splits"}, default="mtpl"
        ``"mtpl"``: one split of 600 training, 200 validation and 200 test
        rows per task, from the MTPL repository. ``"10splits"``: 6,228 rows
        and ten fixed splits of 4,671 training and 1,557 test rows.
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_sarcos`:

        data : ndarray of shape (n_samples, 21) or DataFrame
            Positions, velocities and accelerations of the 7 joints.
        target : ndarray of shape (n_samples, 7) or DataFrame
            Torque in the column of the row's joint, NaN elsewhere.
        y, task : ndarray of shape (n_samples,)
            Long layout: the torque and the joint index of each row.
        task_names, feature_names : ndarray of str
            Names of the 7 torques and of the 21 features.
        train_indices, val_indices, test_indices : ndarray of int
            With ``split="mtpl"``: the rows of each part.
        splits : list of 10 tuples (train_indices, test_indices)
            With ``split="10splits"``: the fixed splits.
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``split`` is not ``"mtpl"`` or ``"10splits"``.
    {raises}

    See Also
    --------
    load_sarcos : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_sarcos
    >>> sarcos = fetch_sarcos()  # doctest: +SKIP
    >>> sarcos.data[sarcos.train_indices].shape  # doctest: +SKIP
    (4200, 21)
    """
    if split not in _SARCOS_FILES:
        raise ValueError(
            f"Expected split to be 'mtpl' or '10splits'; got {split!r} instead."
        )
    bunch, pandas = _fetch(
        f"sarcos_{split}",
        lambda home: load_sarcos(home, split=split),
        "fetch_sarcos",
        data_home,
        download_if_missing,
        as_frame,
    )
    return _finish(bunch, return_X_y, pandas)


_MOLECULES_NOTE = """\
    The molecules are turned into fingerprints with RDKit, an optional
    dependency (``pip install 'sklearn-mtl[chem]'``), only when the data are
    downloaded: a ``data_home`` that holds the converted file needs no RDKit.
    The bits of a given molecule can differ between RDKit versions in rare
    cases."""
_SHARED_DOCS["molecules"] = _MOLECULES_NOTE


@_document
def fetch_tox21(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the Tox21 data: 12 toxicity assays of 7,823 molecules.

    Downloads MoleculeNet's ``tox21.csv`` (about 0.5 MB) once, turns each
    molecule into its 1,024-bit ECFP4 fingerprint (Morgan, radius 2), caches
    the result in ``data_home`` and returns
    :func:`~sklearn_mtl.datasets.load_tox21`'s data. Each assay is a binary
    classification task; 17% of the labels are missing (NaN).

    {molecules}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_tox21`:

        data : ndarray of shape (7823, 1024) or DataFrame
            Fingerprint bits as float64 (0.0 or 1.0).
        target : ndarray of shape (7823, 12) or DataFrame
            1.0 (active), 0.0 (inactive) or NaN (not tested).
        task_names : ndarray of str of shape (12,)
            Names of the assays.
        feature_names : ndarray of str of shape (1024,)
            ``"ecfp4_0"``, ..., ``"ecfp4_1023"``.
        smiles : ndarray of object of shape (7823,)
            SMILES string of each molecule; the 8 that RDKit cannot parse
            are dropped.
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If the data must be converted and RDKit is not installed (nothing is
        downloaded then).
    {raises}

    See Also
    --------
    load_tox21 : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_tox21
    >>> tox21 = fetch_tox21()  # doctest: +SKIP
    >>> tox21.target.shape  # doctest: +SKIP
    (7823, 12)
    """
    bunch, pandas = _fetch(
        "tox21", load_tox21, "fetch_tox21", data_home, download_if_missing, as_frame
    )
    bunch.feature_names = _generic_names("ecfp4", bunch.data.shape[1])
    return _finish(bunch, return_X_y, pandas)


@_document
def fetch_toxcast(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the ToxCast data: 617 assays of 8,576 molecules.

    Downloads MoleculeNet's ``toxcast.csv.gz`` (about 0.4 MB) once, turns
    each molecule into its 1,024-bit ECFP4 fingerprint (Morgan, radius 2),
    caches the result in ``data_home`` and returns
    :func:`~sklearn_mtl.datasets.load_toxcast`'s data. Each assay is a binary
    classification task; 71% of the labels are missing (NaN).

    {molecules}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_toxcast`:

        data : ndarray of shape (8576, 1024) or DataFrame
            Fingerprint bits as float64 (0.0 or 1.0).
        target : ndarray of shape (8576, 617) or DataFrame
            1.0 (active), 0.0 (inactive) or NaN (not tested).
        task_names : ndarray of str of shape (617,)
            Names of the assays.
        feature_names : ndarray of str of shape (1024,)
            ``"ecfp4_0"``, ..., ``"ecfp4_1023"``.
        smiles : ndarray of object of shape (8576,)
            SMILES string of each molecule.
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If the data must be converted and RDKit is not installed (nothing is
        downloaded then).
    {raises}

    See Also
    --------
    load_toxcast : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_toxcast
    >>> toxcast = fetch_toxcast()  # doctest: +SKIP
    >>> toxcast.target.shape  # doctest: +SKIP
    (8576, 617)
    """
    bunch, pandas = _fetch(
        "toxcast",
        load_toxcast,
        "fetch_toxcast",
        data_home,
        download_if_missing,
        as_frame,
    )
    bunch.feature_names = _generic_names("ecfp4", bunch.data.shape[1])
    return _finish(bunch, return_X_y, pandas)


@_document
def fetch_census_income(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Fetch the census-income data: income and marital status, two tasks.

    Downloads the test split of the UCI census-income (KDD) data (about
    3 MB, the file is cached as it is) once into ``data_home`` and returns
    :func:`~sklearn_mtl.datasets.load_census_income`'s data. Both binary
    tasks are observed for every person; the features mix numeric and
    categorical columns.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes of
        :func:`~sklearn_mtl.datasets.load_census_income`:

        data : ndarray of object of shape (99762, 39) or DataFrame
            Features: numeric columns as floats, categorical ones as
            strings.
        target : ndarray of shape (99762, 2) or DataFrame
            1.0 or 0.0 for the tasks ``income`` and ``never_married``.
        sample_weight : ndarray of shape (99762,)
            Census instance weight of each person.
        task_names, feature_names : ndarray of str
            Names of the tasks and of the features.
        categorical_features : list of str
            Names of the categorical features (column names for a
            :class:`~sklearn.compose.ColumnTransformer`).
        DESCR : str
            Description of the data set.

    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    {raises}

    See Also
    --------
    load_census_income : Load the cached data without downloading.

    Examples
    --------
    >>> from sklearn_mtl.datasets import fetch_census_income
    >>> census = fetch_census_income(as_frame=True)  # doctest: +SKIP
    >>> census.data.shape  # doctest: +SKIP
    (99762, 39)
    """
    fetcher = "fetch_census_income"
    if as_frame:
        _import_pandas(fetcher)
    home = _ensure_cached("census_income", data_home, download_if_missing, fetcher)
    bunch = load_census_income(home, as_frame=as_frame)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch
