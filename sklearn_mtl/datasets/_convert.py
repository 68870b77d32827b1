"""Conversion of the original data files into the arrays of the cached ``.npz``.

Each function reads original files (MATLAB ``.mat`` files with
:func:`scipy.io.loadmat`, comma-separated text with :mod:`csv`) and returns a
dict of arrays, the content of one cached ``.npz`` file that the loaders of
:mod:`sklearn_mtl.datasets._loaders` read. The long layout stacks the rows of
the tasks in task order, with ``task`` the task index of each row.
"""

import csv
import gzip

import numpy as np
from scipy.io import loadmat

SCHOOL_FEATURE_NAMES = (
    "Year_1985",
    "Year_1986",
    "Year_1987",
    "FSM_pct",
    "VR1_pct",
    "Gender_Male",
    "Gender_Female",
    "VR_1",
    "VR_2",
    "VR_3",
    "Ethnic_ESWI",
    "Ethnic_African",
    "Ethnic_Arabe",
    "Ethnic_Bangladeshi",
    "Ethnic_Carribean",
    "Ethnic_Greek",
    "Ethnic_Indian",
    "Ethnic_Pakistani",
    "Ethnic_Asian",
    "Ethnic_Turkish",
    "Ethnic_Others",
    "SchoolGender_Mixed",
    "SchoolGender_Male",
    "SchoolGender_Female",
    "SchoolDenomination_Maintained",
    "SchoolDenomination_Church",
    "SchoolDenomination_Catholic",
    "Bias",
)

COMPUTER_ATTRIBUTE_NAMES = (
    "bias",
    "hotline",
    "RAM",
    "screen",
    "CPU",
    "harddisk",
    "CDROM",
    "cache",
    "color",
    "availability",
    "warranty",
    "software",
    "guarantee",
    "price",
)

PARKINSONS_TARGETS = ("motor_UPDRS", "total_UPDRS")
_PARKINSONS_SUBJECT = "subject#"

ECFP_RADIUS = 2
ECFP_BITS = 1024


def _variable(contents, name, path):
    if name not in contents:
        found = sorted(key for key in contents if not key.startswith("__"))
        raise ValueError(
            f"Expected a variable {name!r} in {str(path)!r}; got the variables "
            f"{found} instead."
        )
    return contents[name]


def _cells(value):
    """The arrays of a MATLAB cell array read by loadmat, in MATLAB's order."""
    return [np.asarray(cell) for cell in np.asarray(value, dtype=object).ravel("F")]


def _long(inputs, outputs, path):
    """Long arrays ``X``, ``y``, ``task`` from per-task cells of rows."""
    inputs, outputs = _cells(inputs), _cells(outputs)
    n_rows = [len(cell) for cell in inputs]
    if len(inputs) != len(outputs) or n_rows != [cell.size for cell in outputs]:
        raise ValueError(
            f"Expected as many labels as rows in each task of {str(path)!r}; got "
            f"{n_rows} rows and {[cell.size for cell in outputs]} labels instead."
        )
    X = np.vstack(inputs).astype(np.float64)
    y = np.concatenate([cell.ravel() for cell in outputs]).astype(np.float64)
    task = np.repeat(np.arange(len(n_rows), dtype=np.int64), n_rows)
    return X, y, task


def school(path):
    """Arrays of ``school.npz`` from MALSAR's ``school.mat``."""
    contents = loadmat(path)
    X, y, task = _long(
        _variable(contents, "X", path), _variable(contents, "Y", path), path
    )
    if X.shape[1] != len(SCHOOL_FEATURE_NAMES):
        raise ValueError(
            f"Expected {len(SCHOOL_FEATURE_NAMES)} features in {str(path)!r}; "
            f"got {X.shape[1]} instead."
        )
    return {
        "X": X,
        "y": y,
        "task": task,
        "n_per_task": np.bincount(task),
        "feature_names": np.array(SCHOOL_FEATURE_NAMES),
    }


def splits(*paths):
    """Arrays ``rep{r}_{X,y,task}_{train,test}`` from one ``.mat`` per split.

    Each file holds the cells ``train_input``, ``train_output``,
    ``test_input`` and ``test_output`` (one cell per task), as the School and
    SARCOS splits of the multi-task-gradient-boosting repository do.
    """
    arrays = {}
    for rep, path in enumerate(paths, start=1):
        contents = loadmat(path)
        for part in ("train", "test"):
            X, y, task = _long(
                _variable(contents, f"{part}_input", path),
                _variable(contents, f"{part}_output", path),
                path,
            )
            arrays[f"rep{rep}_X_{part}"] = X
            arrays[f"rep{rep}_y_{part}"] = y
            arrays[f"rep{rep}_task_{part}"] = task
    return arrays


def landmine(path):
    """Arrays of ``landmine.npz`` from ``LandmineData.mat``."""
    contents = loadmat(path)
    X, y, task = _long(
        _variable(contents, "feature", path), _variable(contents, "label", path), path
    )
    return {"X": X, "y": y, "task": task, "n_per_task": np.bincount(task)}


def computer_survey(path):
    """Arrays of ``computer_survey.npz`` from pmtkdata's conjoint-analysis file.

    Every respondent (row of ``likeBuy``) rated the same 20 profiles (rows of
    the design matrix); the long layout has one row per respondent and profile.
    """
    contents = loadmat(path)
    design = np.asarray(_variable(contents, "designMarix", path), dtype=np.float64)
    ratings = np.asarray(_variable(contents, "likeBuy", path), dtype=np.float64)
    respondents = np.asarray(
        _variable(contents, "computerDataZ", path), dtype=np.float64
    )
    n_respondents, n_profiles = ratings.shape
    if design.shape != (n_profiles, len(COMPUTER_ATTRIBUTE_NAMES)):
        raise ValueError(
            f"Expected a design matrix of shape "
            f"{(n_profiles, len(COMPUTER_ATTRIBUTE_NAMES))} in {str(path)!r}; got "
            f"{design.shape} instead."
        )
    return {
        "X": np.tile(design, (n_respondents, 1)),
        "y": ratings.ravel(),
        "task": np.repeat(np.arange(n_respondents, dtype=np.int64), n_profiles),
        "profile": np.tile(np.arange(n_profiles, dtype=np.int64), n_respondents),
        "design": design,
        "ratings": ratings,
        "Z_respondent": respondents,
        "attribute_names": np.array(COMPUTER_ATTRIBUTE_NAMES),
    }


def parkinsons(path):
    """Arrays of ``parkinsons.npz`` from UCI's ``parkinsons_updrs.data``.

    The subject number (1-based) becomes ``task`` (0-based); the two UPDRS
    scores are the targets and every other column is a feature.
    """
    with open(path, newline="", encoding="ascii") as file:
        header, *rows = [row for row in csv.reader(file) if row]
    missing = sorted({_PARKINSONS_SUBJECT, *PARKINSONS_TARGETS} - set(header))
    if missing:
        raise ValueError(
            f"Expected the columns {missing} in the header of {str(path)!r}; got "
            f"{header} instead."
        )
    table = np.array(rows, dtype=np.float64)
    features = [
        j
        for j, name in enumerate(header)
        if name != _PARKINSONS_SUBJECT and name not in PARKINSONS_TARGETS
    ]
    return {
        "X": table[:, features],
        "Y": table[:, [header.index(name) for name in PARKINSONS_TARGETS]],
        "task": table[:, header.index(_PARKINSONS_SUBJECT)].astype(np.int64) - 1,
        "feature_names": np.array([header[j] for j in features]),
        "target_names": np.array(PARKINSONS_TARGETS),
    }


def sarcos_mtpl(path):
    """Arrays of ``sarcos_MTPL_split01.npz`` from MTPL's ``sarcos_01.mat``.

    The file holds three structures (training, validation and test sets),
    each with the cells ``X`` and ``Y`` of the 7 tasks.
    """
    contents = loadmat(path)
    arrays = {}
    for part, name in (("train", "trSet"), ("val", "vaSet"), ("test", "teSet")):
        structure = _variable(contents, name, path).ravel()[0]
        X, y, task = _long(structure["X"], structure["Y"], path)
        arrays[f"X_{part}"], arrays[f"y_{part}"], arrays[f"task_{part}"] = X, y, task
    return arrays


def import_rdkit(fetcher):
    """RDKit's modules, or an ImportError that names the ``chem`` extra."""
    try:
        from rdkit import Chem, rdBase
        from rdkit.Chem import rdFingerprintGenerator
    except ImportError as exc:
        raise ImportError(
            f"{fetcher} turns the molecules (SMILES) into ECFP4 fingerprints with "
            "RDKit, which is not installed. Install the optional extra: pip "
            "install 'sklearn-mtl[chem]' (or pip install rdkit)."
        ) from exc
    return Chem, rdBase, rdFingerprintGenerator


def molecules(path, fetcher="The conversion"):
    """Arrays of ``tox21_ecfp4.npz`` / ``toxcast_ecfp4.npz`` from a MoleculeNet CSV.

    The CSV file (gzip-compressed if its name ends with ``.gz``) has a
    ``smiles`` column and one column per assay with 0, 1 or nothing (missing).
    Each molecule becomes the 1,024 bits of its Morgan fingerprint of radius 2
    (ECFP4) computed with RDKit; molecules whose SMILES RDKit cannot parse are
    dropped.
    """
    Chem, rdBase, rdFingerprintGenerator = import_rdkit(fetcher)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="ascii") as file:
        header, *rows = [row for row in csv.reader(file) if row]
    if "smiles" not in header:
        raise ValueError(
            f"Expected a 'smiles' column in the header of {str(path)!r}; got "
            f"{header[:5]}... instead."
        )
    smiles_column = header.index("smiles")
    assays = [j for j in range(len(header)) if j != smiles_column]
    generator = rdFingerprintGenerator.GetMorganGenerator(
        radius=ECFP_RADIUS, fpSize=ECFP_BITS
    )
    smiles, fingerprints, labels = [], [], []
    with rdBase.BlockLogs():  # RDKit reports each unparsable SMILES otherwise
        for row in rows:
            molecule = Chem.MolFromSmiles(row[smiles_column])
            if molecule is None:
                continue
            smiles.append(row[smiles_column])
            fingerprints.append(generator.GetFingerprintAsNumPy(molecule))
            labels.append([float(row[j]) if row[j] else np.nan for j in assays])
    return {
        "X": np.array(fingerprints, dtype=np.uint8).reshape(-1, ECFP_BITS),
        "Y": np.array(labels, dtype=np.float64).reshape(-1, len(assays)),
        "task_names": np.array([header[j] for j in assays]),
        "smiles": np.array(smiles, dtype=object),
    }
