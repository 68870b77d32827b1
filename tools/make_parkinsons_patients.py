"""Build the Parkinson's data set shipped inside the package.

Writes ``sklearn_mtl/datasets/data/parkinsons_patients.npz``, the data of
:func:`sklearn_mtl.datasets.load_parkinsons_patients` (and of
``python -m sklearn_mtl.demo``), from the converted UCI file
``parkinsons.npz`` that :func:`sklearn_mtl.datasets.fetch_parkinsons` caches
in the data home (or that ``../shared/data`` holds in this project)::

    python tools/make_parkinsons_patients.py --data-home ../shared/data

Source: UCI Machine Learning Repository, "Parkinsons Telemonitoring" (data set
189; A. Tsanas and M. Little, 2009; doi:10.24432/C5ZS3N), licensed under
Creative Commons Attribution 4.0 (CC BY 4.0). What is kept, and why:

- every one of the 5,875 recordings of the 42 patients, each patient a task;
- the target ``total_UPDRS``;
- the 16 voice measures (Jitter(%) to PPE), as float32. Left out: ``age`` and
  ``sex``, constant within a patient (a per-patient intercept absorbs them);
  ``test_time``, because the UPDRS scores were interpolated linearly in time
  between three clinical visits, so with it a model learns the interpolation
  rather than the voice; ``motor_UPDRS``, a part of ``total_UPDRS``.

The arrays: ``X`` (5875, 16) float32, ``y`` (5875,) float32, ``subject``
(5875,) int8 (UCI's subject number, 1 to 42) and ``feature_names`` (16,) str.
The script checks that float32 keeps the values to their printed precision
and prints the file's size and sha256 (the bytes differ between runs only by
the zip archive's timestamps).
"""

import argparse
import hashlib
from pathlib import Path

import numpy as np

from sklearn_mtl.datasets import load_parkinsons

OUTPUT = (
    Path(__file__).resolve().parents[1]
    / "sklearn_mtl"
    / "datasets"
    / "data"
    / "parkinsons_patients.npz"
)
FIRST_VOICE_MEASURE = "Jitter(%)"
TARGET = "total_UPDRS"


def build(data_home=None):
    """The arrays of the embedded file, from ``load_parkinsons(data_home)``.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        Folder holding ``parkinsons.npz``; see
        :func:`sklearn_mtl.datasets.load_parkinsons`.

    Returns
    -------
    arrays : dict of str to ndarray
    """
    parkinsons = load_parkinsons(data_home)
    names = [str(name) for name in parkinsons.feature_names]
    voice = names.index(FIRST_VOICE_MEASURE)
    X = parkinsons.data[:, voice:]
    y = parkinsons.target[:, list(parkinsons.task_names).index(TARGET)]
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    # float32 keeps about 7 significant digits; the UCI file prints at most 6.
    np.testing.assert_allclose(X32, X, rtol=1e-6)
    np.testing.assert_allclose(y32, y, rtol=1e-6)
    subject = parkinsons.groups + 1
    if X.shape != (5875, 16) or set(np.unique(subject)) != set(range(1, 43)):
        raise ValueError(
            "Expected 5,875 recordings of 16 voice measures from subjects 1 to "
            f"42; got {X.shape} and subjects {np.unique(subject)} instead."
        )
    return {
        "X": X32,
        "y": y32,
        "subject": subject.astype(np.int8),
        "feature_names": np.array(names[voice:]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-home",
        default=None,
        help="folder holding parkinsons.npz (default: SKLEARN_MTL_DATA, else "
        "~/sklearn_mtl_data)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, **build(args.data_home))
    content = args.output.read_bytes()
    print(
        f"wrote {args.output} ({len(content) / 1024:.0f} KiB, sha256 "
        f"{hashlib.sha256(content).hexdigest()})"
    )


if __name__ == "__main__":
    main()
