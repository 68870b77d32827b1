"""Tests of the fetchers: download, check, convert and cache the real data sets.

The original files are replaced by small files of the same formats, built in
``tmp_path`` and served by an HTTP server on 127.0.0.1 through the
``SKLEARN_MTL_DATA_MIRROR`` environment variable, with their sha256 patched
into the registry: no test reaches the network.
"""

import functools
import gzip
import hashlib
import http.server
import io
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from scipy.io import savemat
from sklearn.utils import Bunch

from sklearn_mtl.datasets import (
    _base,
    _fetchers,
    fetch_census_income,
    fetch_computer_survey,
    fetch_landmine,
    fetch_parkinsons,
    fetch_sarcos,
    fetch_school,
    fetch_tox21,
    fetch_toxcast,
    get_data_home,
    load_landmine,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# A mirror on 127.0.0.1


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the mirror folder, records each request, cuts some files short."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = unquote(self.path.lstrip("/"))
        self.server.requests.append(name)
        if name not in self.server.truncate:
            return super().do_GET()
        content = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content[: len(content) // 2])
        self.wfile.flush()
        self.close_connection = True
        return None


class Mirror:
    """The served folder, the names requested and the files to cut short."""

    def __init__(self, directory, server, monkeypatch):
        self.directory = directory
        self.requests = server.requests
        self.truncate = server.truncate
        self._monkeypatch = monkeypatch

    def publish(self, name, content):
        """Serve ``content`` as ``name`` and register its sha256."""
        (self.directory / name).write_bytes(content)
        self._monkeypatch.setitem(
            _base.REMOTE_FILES,
            name,
            _base.REMOTE_FILES[name]._replace(
                sha256=hashlib.sha256(content).hexdigest()
            ),
        )


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    directory = tmp_path / "mirror"
    directory.mkdir()
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests, server.truncate = [], set()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    monkeypatch.setenv(
        "SKLEARN_MTL_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}/"
    )
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, "127.0.0.1,localhost")
    try:
        yield Mirror(directory, server, monkeypatch)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def home(tmp_path):
    return tmp_path / "data_home"


def _files(folder):
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()
    )


# Small files in the formats of the originals


def _mat(variables):
    buffer = io.BytesIO()
    savemat(buffer, variables)
    return buffer.getvalue()


def _cell(arrays, shape=None):
    cell = np.empty(shape or (1, len(arrays)), dtype=object)
    for index, array in enumerate(arrays):
        cell.flat[index] = array
    return cell


def _wide(y, task, n_tasks):
    """The wide target, by hand: y[i] in column task[i], NaN elsewhere."""
    Y = np.full((len(y), n_tasks), np.nan)
    Y[np.arange(len(y)), task] = y
    return Y


def _tasks(rng, sizes, n_features, integers=False):
    """Per-task feature blocks and labels."""
    if integers:
        X = [rng.integers(0, 3, size=(n, n_features)).astype(np.uint8) for n in sizes]
        y = [rng.integers(1, 70, size=(n, 1)).astype(np.uint8) for n in sizes]
    else:
        X = [rng.normal(size=(n, n_features)) for n in sizes]
        y = [rng.normal(size=(n, 1)) for n in sizes]
    return X, y


def _publish_splits(mirror, prefix, X, y, rng):
    """Ten ``{prefix}_re{r}.mat`` files splitting each task 75/25."""
    splits = []
    for rep in range(1, 11):
        parts = {
            "train_input": [],
            "train_output": [],
            "test_input": [],
            "test_output": [],
        }
        for X_task, y_task in zip(X, y, strict=True):
            order = rng.permutation(len(y_task))
            cut = int(0.75 * len(order))
            for part, rows in (("train", order[:cut]), ("test", order[cut:])):
                parts[f"{part}_input"].append(X_task[rows].astype(np.float64))
                parts[f"{part}_output"].append(y_task[rows].astype(np.float64))
        mirror.publish(
            f"{prefix}_re{rep}.mat",
            _mat({name: _cell(cells) for name, cells in parts.items()}),
        )
        splits.append(
            tuple(
                (np.vstack(parts[f"{part}_input"]), np.vstack(parts[f"{part}_output"]))
                for part in ("train", "test")
            )
        )
    return splits


def _check_splits(bunch, splits):
    """Each split of the bunch indexes the rows of the published split."""
    assert len(bunch.splits) == len(splits)
    for (train, test), published in zip(bunch.splits, splits, strict=True):
        for indices, (X_part, y_part) in zip((train, test), published, strict=True):
            np.testing.assert_array_equal(bunch.data[indices], X_part)
            np.testing.assert_array_equal(bunch.y[indices], y_part.ravel())


def _school(mirror, rng):
    sizes = (8, 6, 7)
    X, y = _tasks(rng, sizes, 28, integers=True)
    for block in X:
        block[:, -1] = 1
    mirror.publish("school.mat", _mat({"X": _cell(X), "Y": _cell(y)}))
    splits = _publish_splits(mirror, "school", X, y, rng)
    task = np.repeat(np.arange(3), sizes)
    y_long = np.vstack(y).ravel().astype(np.float64)

    def check(bunch):
        np.testing.assert_array_equal(bunch.data, np.vstack(X).astype(np.float64))
        np.testing.assert_array_equal(bunch.target, _wide(y_long, task, 3))
        np.testing.assert_array_equal(bunch.task, task)
        assert bunch.feature_names[-1] == "Bias"
        assert list(bunch.task_names) == ["school_0", "school_1", "school_2"]
        _check_splits(bunch, splits)

    return check


def _landmine(mirror, rng):
    sizes = (5, 7)
    X, _ = _tasks(rng, sizes, 9)
    labels = [rng.integers(0, 2, size=(n, 1)).astype(np.uint8) for n in sizes]
    mirror.publish(
        "LandmineData.mat", _mat({"feature": _cell(X), "label": _cell(labels)})
    )
    task = np.repeat(np.arange(2), sizes)
    y_long = np.vstack(labels).ravel().astype(np.float64)

    def check(bunch):
        np.testing.assert_array_equal(bunch.data, np.vstack(X))
        np.testing.assert_array_equal(bunch.target, _wide(y_long, task, 2))
        assert list(bunch.task_names) == ["field_0", "field_1"]

    return check


def _computer_survey(mirror, rng):
    design = rng.choice([-1, 1], size=(20, 14)).astype(np.int16)
    design[:, 0] = 1
    ratings = rng.integers(0, 11, size=(4, 20)).astype(np.uint8)
    respondents = rng.integers(0, 2, size=(4, 7)).astype(np.uint8)
    mirror.publish(
        "conjointAnalysisComputerBuyers.mat",
        _mat(
            {
                "designMarix": design,
                "likeBuy": ratings,
                "computerDataZ": respondents,
            }
        ),
    )

    def check(bunch):
        assert bunch.data.shape == (80, 14)
        for respondent in range(4):
            rows = slice(20 * respondent, 20 * (respondent + 1))
            np.testing.assert_array_equal(bunch.data[rows], design)
            np.testing.assert_array_equal(
                bunch.target[rows, respondent], ratings[respondent]
            )
        assert np.sum(~np.isnan(bunch.target)) == 80
        np.testing.assert_array_equal(bunch.profile, np.tile(np.arange(20), 4))
        assert bunch.feature_names[0] == "bias"

    return check


_PARKINSONS_CSV = """\
subject#,age,sex,test_time,motor_UPDRS,total_UPDRS,Jitter(%),PPE
1,72,0,5.6431,28.199,34.398,0.00662,0.16006
1,72,0,12.666,28.447,34.894,0.003,0.1081
2,58,1,-4.5,10.5,13.25,0.0125,3.38e-005
"""


def _parkinsons(mirror, rng):
    mirror.publish("parkinsons_updrs.data", _PARKINSONS_CSV.encode("ascii"))

    def check(bunch):
        np.testing.assert_array_equal(
            bunch.data,
            [
                [72, 0, 5.6431, 0.00662, 0.16006],
                [72, 0, 12.666, 0.003, 0.1081],
                [58, 1, -4.5, 0.0125, 3.38e-5],
            ],
        )
        np.testing.assert_array_equal(
            bunch.target, [[28.199, 34.398], [28.447, 34.894], [10.5, 13.25]]
        )
        np.testing.assert_array_equal(bunch.groups, [0, 0, 1])
        assert list(bunch.feature_names) == [
            "age",
            "sex",
            "test_time",
            "Jitter(%)",
            "PPE",
        ]
        assert list(bunch.task_names) == ["motor_UPDRS", "total_UPDRS"]

    return check


def _sarcos_mtpl(mirror, rng):
    parts = {}
    for name, n_rows in (("trSet", 3), ("vaSet", 1), ("teSet", 2)):
        X, y = _tasks(rng, (n_rows,) * 7, 21)
        parts[name] = (X, y)
    mirror.publish(
        "sarcos_01.mat",
        _mat(
            {
                name: {"X": _cell(X, (7, 1)), "Y": _cell(y, (7, 1))}
                for name, (X, y) in parts.items()
            }
        ),
    )

    def check(bunch):
        for name, indices in (
            ("trSet", bunch.train_indices),
            ("vaSet", bunch.val_indices),
            ("teSet", bunch.test_indices),
        ):
            X, y = parts[name]
            np.testing.assert_array_equal(bunch.data[indices], np.vstack(X))
            np.testing.assert_array_equal(bunch.y[indices], np.vstack(y).ravel())
            n_rows = len(y[0])
            np.testing.assert_array_equal(
                bunch.task[indices], np.repeat(np.arange(7), n_rows)
            )
        assert bunch.target.shape == (42, 7)

    return check


def _sarcos_10splits(mirror, rng):
    X, y = _tasks(rng, (4,) * 7, 21)
    splits = _publish_splits(mirror, "sarcos", X, y, rng)

    def check(bunch):
        assert bunch.data.shape == (28, 21)
        _check_splits(bunch, splits)

    return check


def _census_line(age, marital_status, weight, income):
    values = ["x"] * 42
    values[0], values[7], values[24], values[41] = (
        age,
        marital_status,
        weight,
        income,
    )
    values[5] = values[16] = values[17] = values[18] = values[30] = "0"
    values[39] = "52"
    return ", ".join(values) + "\n"


def _census(mirror, rng):
    lines = [
        _census_line("38", "Never married", "1032.38", "- 50000."),
        _census_line("44", "Married-civilian spouse present", "1462.33", "50000+."),
        _census_line("2", "Never married", "1601.75", "- 50000."),
    ]
    content = gzip.compress("".join(lines).encode("ascii"))
    mirror.publish("census-income.test.gz", content)

    def check(bunch):
        np.testing.assert_array_equal(bunch.target, [[0, 1], [1, 0], [0, 1]])
        np.testing.assert_array_equal(bunch.sample_weight, [1032.38, 1462.33, 1601.75])
        assert bunch.data[1, 0] == 44.0
        assert bunch.data.shape == (3, 39)

    return check


CASES = {
    "school": (fetch_school, {}, _school, ["school.npz", "school_vstg_10splits.npz"]),
    "landmine": (fetch_landmine, {}, _landmine, ["landmine.npz"]),
    "computer_survey": (
        fetch_computer_survey,
        {},
        _computer_survey,
        ["computer_survey.npz"],
    ),
    "parkinsons": (fetch_parkinsons, {}, _parkinsons, ["parkinsons.npz"]),
    "sarcos_mtpl": (fetch_sarcos, {}, _sarcos_mtpl, ["sarcos_MTPL_split01.npz"]),
    "sarcos_10splits": (
        fetch_sarcos,
        {"split": "10splits"},
        _sarcos_10splits,
        ["sarcos_vstg_10splits.npz"],
    ),
    "census_income": (fetch_census_income, {}, _census, ["census-income.test.gz"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fetch_downloads_converts_and_caches(case, mirror, home):
    fetcher, kwargs, publish, cached = CASES[case]
    check = publish(mirror, np.random.default_rng(0))
    published = sorted(path.name for path in mirror.directory.iterdir())

    bunch = fetcher(data_home=home, **kwargs)
    check(bunch)
    assert sorted(mirror.requests) == published
    # Only the converted files stay; the originals and their folder are gone.
    assert _files(home) == cached

    again = fetcher(data_home=home, **kwargs)
    check(again)
    assert sorted(mirror.requests) == published  # nothing downloaded again


def test_cached_census_file_is_the_original(mirror, home):
    _census(mirror, np.random.default_rng(0))
    fetch_census_income(data_home=home)
    original = (mirror.directory / "census-income.test.gz").read_bytes()
    assert (home / "census-income.test.gz").read_bytes() == original


def test_checksum_mismatch(mirror, home, monkeypatch):
    check = _landmine(mirror, np.random.default_rng(0))
    good = _base.REMOTE_FILES["LandmineData.mat"]
    monkeypatch.setitem(
        _base.REMOTE_FILES, "LandmineData.mat", good._replace(sha256="0" * 64)
    )
    message = (
        "fetch_landmine: the file 'LandmineData.mat' downloaded from "
        f"{_base.remote_url('LandmineData.mat')} does not have the expected sha256"
    )
    with pytest.raises(OSError, match=re.escape(message)):
        fetch_landmine(data_home=home)
    assert _files(home) == []

    monkeypatch.setitem(_base.REMOTE_FILES, "LandmineData.mat", good)
    check(fetch_landmine(data_home=home))


def test_interrupted_download(mirror, home):
    check = _landmine(mirror, np.random.default_rng(0))
    mirror.truncate.add("LandmineData.mat")
    message = (
        "fetch_landmine could not download 'LandmineData.mat' from "
        f"{_base.remote_url('LandmineData.mat')}"
    )
    with pytest.raises(OSError, match=re.escape(message)):
        fetch_landmine(data_home=home)
    assert mirror.requests == ["LandmineData.mat"]
    assert _files(home) == []

    mirror.truncate.clear()
    check(fetch_landmine(data_home=home))


def test_missing_file_on_the_mirror(mirror, home):
    with pytest.raises(
        OSError, match=re.escape("could not download 'LandmineData.mat'")
    ):
        fetch_landmine(data_home=home)
    assert _files(home) == []


def test_failed_download_converts_nothing_and_resumes(mirror, home, monkeypatch):
    check = _school(mirror, np.random.default_rng(0))
    good = _base.REMOTE_FILES["school_re10.mat"]
    monkeypatch.setitem(
        _base.REMOTE_FILES, "school_re10.mat", good._replace(sha256="0" * 64)
    )
    with pytest.raises(OSError, match=re.escape("'school_re10.mat'")):
        fetch_school(data_home=home)
    # No converted file; the checked originals wait in the downloads folder.
    assert not (home / "school.npz").exists()
    assert _files(home) == sorted(
        f"downloads/{name}" for name in ["school.mat", *_split_names("school", 9)]
    )

    monkeypatch.setitem(_base.REMOTE_FILES, "school_re10.mat", good)
    check(fetch_school(data_home=home))
    assert mirror.requests.count("school.mat") == 1
    assert mirror.requests.count("school_re10.mat") == 2
    assert _files(home) == ["school.npz", "school_vstg_10splits.npz"]


def _split_names(prefix, n_splits):
    return [f"{prefix}_re{rep}.mat" for rep in range(1, n_splits + 1)]


def test_offline_error_message(mirror, home):
    message = (
        f"fetch_school: the School data are not in data_home {str(home)!r} "
        "(missing: 'school.npz', 'school_vstg_10splits.npz') and "
        f"download_if_missing=False. Call fetch_school(data_home={str(home)!r}) "
        "with download_if_missing=True (the default) to download them from their "
        "original source (or from the mirror named by the SKLEARN_MTL_DATA_MIRROR "
        "environment variable), or put the converted files in that folder."
    )
    with pytest.raises(FileNotFoundError, match=re.escape(message)):
        fetch_school(data_home=home, download_if_missing=False)
    assert mirror.requests == []


def test_offline_error_names_the_sarcos_split(home):
    with pytest.raises(
        FileNotFoundError,
        match=re.escape("SARCOS (split='10splits') data are not in data_home"),
    ):
        fetch_sarcos(split="10splits", data_home=home, download_if_missing=False)


def test_bad_sarcos_split_downloads_nothing(mirror, home):
    message = "Expected split to be 'mtpl' or '10splits'; got 'all' instead."
    with pytest.raises(ValueError, match=re.escape(message)):
        fetch_sarcos(split="all", data_home=home)
    assert mirror.requests == []


def test_return_X_y(mirror, home):
    _landmine(mirror, np.random.default_rng(0))
    X, Y = fetch_landmine(data_home=home, return_X_y=True)
    bunch = load_landmine(home)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(Y, bunch.target)


def test_as_frame(mirror, home):
    pandas = pytest.importorskip("pandas")
    _parkinsons(mirror, np.random.default_rng(0))
    bunch = fetch_parkinsons(data_home=home, as_frame=True)
    assert isinstance(bunch.data, pandas.DataFrame)
    assert list(bunch.data.columns) == list(bunch.feature_names)
    assert list(bunch.target.columns) == ["motor_UPDRS", "total_UPDRS"]
    assert bunch.data["test_time"].tolist() == [5.6431, 12.666, -4.5]
    X, Y = fetch_parkinsons(data_home=home, as_frame=True, return_X_y=True)
    pandas.testing.assert_frame_equal(X, bunch.data)
    pandas.testing.assert_frame_equal(Y, bunch.target)


def test_as_frame_generic_feature_names(mirror, home):
    pytest.importorskip("pandas")
    _landmine(mirror, np.random.default_rng(0))
    X, Y = fetch_landmine(data_home=home, as_frame=True, return_X_y=True)
    assert list(X.columns) == [f"feature_{j}" for j in range(9)]
    assert list(Y.columns) == ["field_0", "field_1"]


def test_as_frame_without_pandas_downloads_nothing(mirror, home, monkeypatch):
    _landmine(mirror, np.random.default_rng(0))
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=re.escape("fetch_landmine(as_frame=True)")):
        fetch_landmine(data_home=home, as_frame=True)
    assert mirror.requests == []


def test_bad_mirror_url(home, monkeypatch):
    monkeypatch.setenv("SKLEARN_MTL_DATA_MIRROR", "/srv/mirror")
    message = (
        "Expected the SKLEARN_MTL_DATA_MIRROR environment variable to be a base "
        "URL starting with http://, https:// or ftp://; got '/srv/mirror' instead."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        fetch_landmine(data_home=home)


def test_remote_urls_are_pinned(monkeypatch):
    monkeypatch.delenv("SKLEARN_MTL_DATA_MIRROR", raising=False)
    pinned = re.compile(
        r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/.+"
    )
    for name, remote in _base.REMOTE_FILES.items():
        assert pinned.fullmatch(remote.url), name
        assert remote.url.endswith("/" + name)
        assert re.fullmatch("[0-9a-f]{64}", remote.sha256), name
        assert _base.remote_url(name) == remote.url
    # Every original file of every data set is registered.
    for _, files in _fetchers._DATASETS.values():
        for file in files:
            assert set(file.sources) <= set(_base.REMOTE_FILES)


def test_mirror_url(monkeypatch):
    monkeypatch.setenv("SKLEARN_MTL_DATA_MIRROR", "https://example.org/data")
    assert _base.remote_url("tox21.csv") == "https://example.org/data/tox21.csv"


# The data home


def test_get_data_home(tmp_path, monkeypatch):
    folder = tmp_path / "a" / "b"
    assert get_data_home(folder) == str(folder)
    assert folder.is_dir()
    monkeypatch.setenv("SKLEARN_MTL_DATA", str(tmp_path / "from_env"))
    assert get_data_home() == str(tmp_path / "from_env")
    monkeypatch.delenv("SKLEARN_MTL_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == str(tmp_path / "sklearn_mtl_data")
    assert (tmp_path / "sklearn_mtl_data").is_dir()


def test_fetch_uses_data_home_from_environment(mirror, tmp_path, monkeypatch):
    _landmine(mirror, np.random.default_rng(0))
    monkeypatch.setenv("SKLEARN_MTL_DATA", str(tmp_path / "env_home"))
    fetch_landmine()
    assert _files(tmp_path / "env_home") == ["landmine.npz"]


def test_loader_message_points_to_the_fetcher(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=re.escape("To download it, call fetch_landmine().")
    ):
        load_landmine(tmp_path)


# The shared data folder as data_home


SHARED_CASES = [
    (fetch_school, {}),
    (fetch_landmine, {}),
    (fetch_computer_survey, {}),
    (fetch_parkinsons, {}),
    (fetch_sarcos, {}),
    (fetch_sarcos, {"split": "10splits"}),
    (fetch_tox21, {}),
    (fetch_toxcast, {}),
    (fetch_census_income, {}),
]


@pytest.mark.parametrize(
    "fetcher, kwargs",
    SHARED_CASES,
    ids=[f"{fetcher.__name__}{kwargs or ''}" for fetcher, kwargs in SHARED_CASES],
)
def test_shared_data_needs_no_download(fetcher, kwargs, monkeypatch):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is absent")

    def no_download(name, directory, fetcher):
        raise AssertionError(f"{fetcher} tried to download {name!r}")

    monkeypatch.setattr(_fetchers, "download", no_download)
    read = []
    if fetcher is fetch_census_income:
        # Parsing its 99,762 rows takes seconds (test_datasets does it): check
        # only that the fetcher hands the shared folder to the loader.
        def load_census_income(data_home, as_frame):
            read.append(data_home)
            return Bunch(data=np.zeros((1, 39)), target=np.zeros((1, 2)))

        monkeypatch.setattr(_fetchers, "load_census_income", load_census_income)
    # Without RDKit too: the converted molecules are there.
    monkeypatch.setitem(sys.modules, "rdkit", None)
    bunch = fetcher(data_home=SHARED_DATA, download_if_missing=False, **kwargs)
    if fetcher is fetch_census_income:
        assert read == [SHARED_DATA]
        return
    assert bunch.data.shape[0] == bunch.target.shape[0] > 0
    assert len(bunch.task_names) == bunch.target.shape[1]


# Molecules (RDKit)


def test_molecules_without_rdkit_download_nothing(mirror, home, monkeypatch):
    mirror.publish("tox21.csv", b"smiles,NR-AR\nCCO,0\n")
    monkeypatch.setitem(sys.modules, "rdkit", None)
    message = (
        "fetch_tox21 turns the molecules (SMILES) into ECFP4 fingerprints with "
        "RDKit, which is not installed. Install the optional extra: pip install "
        "'sklearn-mtl[chem]' (or pip install rdkit)."
    )
    with pytest.raises(ImportError, match=re.escape(message)):
        fetch_tox21(data_home=home)
    assert mirror.requests == []
    assert _files(home) == []


def _legacy_ecfp4(smiles):
    """Reference bits from RDKit's older Morgan fingerprint function."""
    from rdkit import Chem, rdBase
    from rdkit.Chem import rdMolDescriptors

    legacy = getattr(rdMolDescriptors, "GetMorganFingerprintAsBitVect", None)
    if legacy is None:
        pytest.skip("this RDKit has no GetMorganFingerprintAsBitVect")
    bits = np.zeros((len(smiles), 1024), dtype=np.uint8)
    with rdBase.BlockLogs():
        for row, text in enumerate(smiles):
            fingerprint = legacy(Chem.MolFromSmiles(text), 2, nBits=1024)
            bits[row, list(fingerprint.GetOnBits())] = 1
    return bits


@pytest.mark.parametrize(
    "fetcher, source", [(fetch_tox21, "tox21.csv"), (fetch_toxcast, "toxcast.csv.gz")]
)
def test_fetch_molecules(fetcher, source, mirror, home):
    pytest.importorskip("rdkit")
    csv = (
        "smiles,assay_a,assay_b\n"
        "CCO,0,1\n"
        "c1ccccc1O,,0\n"
        "not a molecule,1,1\n"
        "CC(=O)Nc1ccc(O)cc1,1.0,\n"
    ).encode("ascii")
    mirror.publish(source, gzip.compress(csv) if source.endswith(".gz") else csv)
    bunch = fetcher(data_home=home)
    smiles = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"]
    assert list(bunch.smiles) == smiles
    assert list(bunch.task_names) == ["assay_a", "assay_b"]
    np.testing.assert_array_equal(bunch.target, [[0, 1], [np.nan, 0], [1, np.nan]])
    np.testing.assert_array_equal(bunch.data, _legacy_ecfp4(smiles))
    assert bunch.data.dtype == np.float64
    assert _files(home) == [f"{fetcher.__name__[len('fetch_') :]}_ecfp4.npz"]


def test_molecules_reproduce_the_shared_fingerprints(mirror, home):
    pytest.importorskip("rdkit")
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is absent")
    with np.load(SHARED_DATA / "tox21_ecfp4.npz", allow_pickle=True) as shared:
        rows = slice(0, 40)
        X, Y = shared["X"][rows], shared["Y"][rows]
        smiles, task_names = shared["smiles"][rows], shared["task_names"]
    lines = [",".join(["smiles", *task_names])]
    for text, labels in zip(smiles, Y, strict=True):
        values = ["" if np.isnan(value) else str(int(value)) for value in labels]
        lines.append(",".join([text, *values]))
    mirror.publish("tox21.csv", ("\n".join(lines) + "\n").encode("ascii"))
    bunch = fetch_tox21(data_home=home)
    np.testing.assert_array_equal(bunch.data, X)
    np.testing.assert_array_equal(bunch.target, Y)
