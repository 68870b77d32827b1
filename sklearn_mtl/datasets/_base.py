"""Where the data live and where they come from: data home, registry, download.

The data home is the folder the loaders read and the fetchers fill: the
``data_home`` argument, else the environment variable ``SKLEARN_MTL_DATA``,
else ``~/sklearn_mtl_data``.

``REMOTE_FILES`` maps the name of every original file to its URL, pinned to a
commit of the repository that holds it, and to its sha256. When the
environment variable ``SKLEARN_MTL_DATA_MIRROR`` is set, every file is looked
up under that base URL by its name instead.
"""

import os
import tempfile
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import numpy as np

__all__ = ["get_data_home"]

DATA_HOME_ENV = "SKLEARN_MTL_DATA"
MIRROR_ENV = "SKLEARN_MTL_DATA_MIRROR"
_DEFAULT_DATA_HOME = "~/sklearn_mtl_data"
_MIRROR_SCHEMES = ("http", "https", "ftp")

# Folder of data_home where the original files wait for their conversion.
DOWNLOADS = "downloads"


class RemoteFile(NamedTuple):
    """An original file: its URL, pinned to a commit, and its sha256."""

    url: str
    sha256: str


def _github(repository, commit, path):
    """URL of ``path`` in a GitHub repository at a given commit."""
    return f"https://raw.githubusercontent.com/{repository}/{commit}/{path}"


_MALSAR = ("jiayuzhou/MALSAR", "fb9751594983df020ddc4f7e4a40520ee7c37989")
_MTGB = (
    "squall1988/multi-task-gradient-boosting",
    "4f75588884b587ea3e70639cd08708f6df2c5d76",
)
_MTGB_DATA = "MALSAR_experiment/MALSAR/data"
_LANDMINE = (
    "daizhongxiang/Federated_Bayesian_Optimization",
    "30a4548606f2ae9bc62c6bf0eb4110177aa3876a",
)
_PMTKDATA = ("probml/pmtkdata", "42bc2738a294382f9d6ffb1b0203404ffb10295a")
_PARKINSONS = (
    "behnazrzf/Parkinson-s_Telemonitoring",
    "f603774b38bfc967f20b4752bec4b6f872917d98",
)
_MTPL = ("JiankunWang912/MTPL", "02ba30ea02e8d24f35b724d3f07bb581d63009e3")
# The last commit of chemprop with the MoleculeNet CSV files in data/.
_CHEMPROP = ("chemprop/chemprop", "f814b63ee66d574d9357366bf6c08c11a1b24478")
_KERAS_MMOE = ("drawbridge/keras-mmoe", "2718f56e4313716fd3a86e9510bc2df0cc366238")

_SCHOOL_SPLITS_SHA256 = (
    "570ab261b9a1843938621d67bc622d7137809263eac20ea4cda66234f3ca464a",
    "96ef14f502aa8e4345bfa8fd7fa08eaca11a5c5dd99e76262bd456c76574bcf0",
    "0792bc513fbe9c0fc56cd9087193b572293b1e3b674678b9fa6a9ef349f1c889",
    "8c34b4e34c5364c05cabc8aeeb59a39a74d9697044102a036c3efb700067b736",
    "677b6cd9a2f75bf69a1850d3c0328fa2abaa8040483ff0ac7504cb4a349cdef6",
    "5495b5bc28414704f6445907029199204693cd0a4db84d9bbff25c2370058cd4",
    "bd276c1b07048d7fd27786e6c6220a31ee77d6548520b14b2cb625c585894d67",
    "fa313be58917c24ee9ae08673c6e53b092c4747804fc3e66c85569459fa854d9",
    "a88e07a87611d69683354f2139a8a89184ea193b0d0a50a05b1a7171b1bbdadf",
    "7a5a7596b69228ba1bbb699ed95fbf55672ba85eeadcd8b7b7da5270ec2c4885",
)
_SARCOS_SPLITS_SHA256 = (
    "08dac7975765ca0d4364f38b42b34e6f301b869283ebf63d7a39f883841a2d70",
    "0fa7a99ae51c863f74bc09e79803bdb0f274d49e103faa13120e47a661679a1a",
    "a93fef34b49ec694f729bf104df0bf6a0e08cf14af1d5920db7f5e7889708762",
    "799e35c181c2cccea6325a70c12f58fd6fc78b544704689afd437475401ced82",
    "ea8c518fe797f56a67e7da0b6232b0f4b1dce6b7d0dccd5c98c735d72d52f7d6",
    "18caa89b29d289facbd419bca0435bb2a84efcb83553ea69aa68140d7edaeb88",
    "5f8080c2eb4abb9bc840c3fe4e605222995f214958e854a101bb616cf13b0d9a",
    "d9bfd2c37755653e4f727b606280a9d0fc71a9ffd214c7b0c4878c913bf33105",
    "4a30f56ed90b1cc5aad8e789a9b3ecfd3183887560310bcc714fdf037eadb929",
    "fcdfb6558bde90fd4307fe20ccc99af70b56e059ba1dbaddf9de5c5b18ba1ab0",
)

# Name of each original file -> its pinned URL and sha256. The names are
# distinct, so that a mirror can serve them all from one folder.
REMOTE_FILES = {
    "school.mat": RemoteFile(
        _github(*_MALSAR, "data/school.mat"),
        "57fb3238fdd03a9aa17276e2ce18d9bbb5d128c3261e794fe6233b58b6909068",
    ),
    **{
        f"school_re{rep}.mat": RemoteFile(
            _github(*_MTGB, f"{_MTGB_DATA}/school_mat/school_re{rep}.mat"), sha256
        )
        for rep, sha256 in enumerate(_SCHOOL_SPLITS_SHA256, start=1)
    },
    "LandmineData.mat": RemoteFile(
        _github(*_LANDMINE, "LandmineData.mat"),
        "2163ab20a80e33a8b65593c48cf283c540599dcb291105e63fa4af2ce24c2bea",
    ),
    "conjointAnalysisComputerBuyers.mat": RemoteFile(
        _github(
            *_PMTKDATA,
            "conjointAnalysisComputerBuyers/conjointAnalysisComputerBuyers.mat",
        ),
        "6e6b5f98f438c7d15ed6c7adab44322c9345f52263a4f3026322019f184679b5",
    ),
    "parkinsons_updrs.data": RemoteFile(
        _github(*_PARKINSONS, "data/parkinsons_updrs.data"),
        "f2c7d5025dec4e92e7feae367a5f7ccf58789a10ac6b54bdf15976c599f9dd39",
    ),
    "sarcos_01.mat": RemoteFile(
        _github(*_MTPL, "data/SARCOS/sarcos_01.mat"),
        "20d68afab8f8efae7348552db0818ad51d61b017f97e20766b0c5a8067943ee6",
    ),
    **{
        f"sarcos_re{rep}.mat": RemoteFile(
            _github(*_MTGB, f"{_MTGB_DATA}/sarcos_mat/sarcos_re{rep}.mat"), sha256
        )
        for rep, sha256 in enumerate(_SARCOS_SPLITS_SHA256, start=1)
    },
    "tox21.csv": RemoteFile(
        _github(*_CHEMPROP, "data/tox21.csv"),
        "b58cc1f683e78e3c7a1bf7116e9aac0119804018d100f7b8cdb0857941c31aca",
    ),
    "toxcast.csv.gz": RemoteFile(
        _github(*_CHEMPROP, "data/toxcast.csv.gz"),
        "4b9b4366b02ce7ec7a0831d60f8c46f153c53c5e122376df887476240496abd4",
    ),
    "census-income.test.gz": RemoteFile(
        _github(*_KERAS_MMOE, "data/census-income.test.gz"),
        "5ac4cacd3ca9f1ecb10de1a0a41e4ac68fdc419e3fec190f5c0c6cc03b2ea659",
    ),
}


def data_home_path(data_home=None):
    """The data home as a path, without creating it.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        The folder; None reads the ``SKLEARN_MTL_DATA`` environment variable,
        falling back to ``~/sklearn_mtl_data``.

    Returns
    -------
    path : pathlib.Path
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or _DEFAULT_DATA_HOME
    return Path(data_home).expanduser()


def get_data_home(data_home=None):
    """Return the path of the sklearn-mtl data folder, creating it if needed.

    The fetchers (``fetch_school``, ...) store the converted data sets there,
    and the loaders (``load_school``, ...) read them from there. The folder is
    ``data_home`` when given, else the value of the environment variable
    ``SKLEARN_MTL_DATA`` when it is set, else ``~/sklearn_mtl_data``; a
    leading ``~`` is expanded to the user's home folder.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        The folder to use; None selects the default described above.

    Returns
    -------
    str
        The path of the folder, which exists on return.

    Examples
    --------
    >>> from sklearn_mtl.datasets import get_data_home
    >>> get_data_home("path/to/data")  # doctest: +SKIP
    'path/to/data'
    """
    path = data_home_path(data_home)
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def remote_url(name):
    """URL of the original file ``name``, or its URL under the mirror."""
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        return REMOTE_FILES[name].url
    if urlsplit(mirror).scheme not in _MIRROR_SCHEMES:
        raise ValueError(
            f"Expected the {MIRROR_ENV} environment variable to be a base URL "
            f"starting with http://, https:// or ftp://; got {mirror!r} instead."
        )
    return f"{mirror.rstrip('/')}/{quote(name)}"


def download(name, directory, fetcher):
    """Download the original file ``name`` into ``directory`` and check it.

    The file is written under a temporary name and takes its own name only
    once its sha256 matches ``REMOTE_FILES``; a file already there with the
    right sha256 is not downloaded again.

    Parameters
    ----------
    name : str
        Key of ``REMOTE_FILES``.
    directory : pathlib.Path
        Folder to download into.
    fetcher : str
        Name of the calling fetcher, for the error messages.

    Returns
    -------
    path : pathlib.Path
        The checked file.

    Raises
    ------
    OSError
        If the download fails or the file does not have the expected sha256;
        then no file of that name is left in ``directory``.
    """
    try:
        import pooch
    except ImportError as exc:
        raise ImportError(
            f"{fetcher} downloads with pooch, which is not installed; install it "
            "(pip install pooch) or put the data files in data_home yourself."
        ) from exc
    import requests  # a dependency of pooch

    url = remote_url(name)
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{REMOTE_FILES[name].sha256}",
            fname=name,
            path=directory,
            progressbar=False,
        )
    except ValueError as exc:
        raise OSError(
            f"{fetcher}: the file {name!r} downloaded from {url} does not have "
            f"the expected sha256 ({exc}). It was not kept. Try again; if it "
            "fails again, the source (or the mirror) serves another file than "
            "the one this version of sklearn-mtl pins."
        ) from exc
    except requests.RequestException as exc:
        raise OSError(
            f"{fetcher} could not download {name!r} from {url} ({exc}); nothing "
            "was kept. Check the network connection, or set the "
            f"{MIRROR_ENV} environment variable to a base URL that serves the "
            "file, and call it again."
        ) from exc
    return Path(path)


def save_npz(path, arrays):
    """Write ``arrays`` to the ``.npz`` file ``path`` all at once.

    The file is written under a temporary name in the same folder and renamed
    when complete, so that an interrupted write leaves no ``path``.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            np.savez_compressed(file, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
