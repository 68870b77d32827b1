"""Data sets shipped inside the package: loaded without a download.

The files live in ``sklearn_mtl/datasets/data``; ``tools/`` in the source
repository holds the script that made each of them from the original data.
"""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

from ..utils import long_to_wide

__all__ = ["load_parkinsons_patients"]

_PARKINSONS_PATIENTS_FILE = "parkinsons_patients.npz"

_PARKINSONS_PATIENTS_DESCR = """\
Parkinson's telemonitoring, one task per patient (shipped with sklearn-mtl).

5,875 voice recordings made at home by 42 patients with early-stage
Parkinson's disease during a six-month trial of a telemonitoring device (101
to 168 recordings per patient). Each patient is a regression task: predict the
patient's total UPDRS score (Unified Parkinson's Disease Rating Scale, 0-176;
here 7 to 55) from 16 measures of the voice: 5 of jitter (variation of the
fundamental frequency), 6 of shimmer (variation of the amplitude), 2 of the
ratio of noise to tonal components (NHR, HNR), RPDE, DFA and PPE. The jitter,
shimmer and NHR measures are right-skewed: a log transform helps linear
models. Every recording belongs to one patient, so `target` has one observed
label per row (NaN in the other patients' columns).

The UPDRS scores were assessed by clinicians at three visits (start, three and
six months) and interpolated linearly in time for the recordings in between,
so a patient's score changes slowly and only part of it shows in the voice.
The time of the recording (`test_time`) is not included, because with it a
model learns the interpolation rather than the voice; neither are age and sex
(constant within a patient) nor the motor UPDRS (a part of the total score).
All of them are in `sklearn_mtl.datasets.fetch_parkinsons`, which downloads
the full data.

Source: UCI Machine Learning Repository, "Parkinsons Telemonitoring" (data set
189), A. Tsanas and M. Little, 2009, doi:10.24432/C5ZS3N, licensed under
Creative Commons Attribution 4.0 (CC BY 4.0). Stored as float32, loaded as
the float64 values of the UCI file; made by
`tools/make_parkinsons_patients.py` in the source repository.

Reference: A. Tsanas, M. A. Little, P. E. McSharry and L. O. Ramig, "Accurate
telemonitoring of Parkinson's disease progression by noninvasive speech
tests", IEEE Transactions on Biomedical Engineering 57(4), 2010."""


def _exact_float64(values):
    """float32 values as the float64 of their shortest decimal representation.

    The stored values have at most 6 significant digits, which float32's
    shortest representation recovers exactly: the result equals the values of
    the source file, without float32's artefacts (0.00662 rather than
    0.006619999837).
    """
    return values.astype(str).astype(np.float64)


def load_parkinsons_patients(*, return_X_y=False, as_frame=False):
    """Load Parkinson's telemonitoring with one task per patient (shipped data).

    42 regression tasks: the total UPDRS score of each patient's voice
    recordings, from 16 voice measures. The data (254 KiB) ship inside the
    package, so this needs neither a download nor a data home; the full data
    set (two UPDRS scores, age, sex and time of each recording) is behind
    :func:`~sklearn_mtl.datasets.fetch_parkinsons`.

    Source: UCI Machine Learning Repository, "Parkinsons Telemonitoring"
    (A. Tsanas and M. Little, 2009, doi:10.24432/C5ZS3N), under the Creative
    Commons Attribution 4.0 licence (CC BY 4.0). See ``DESCR`` for what was
    kept and why.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` and ``target`` are pandas DataFrames (this requires
        pandas) with the feature and task names as columns.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (5875, 16) or DataFrame
            The 16 voice measures of each recording.
        target : ndarray of shape (5875, 42) or DataFrame
            Total UPDRS score of each recording in the column of its patient,
            NaN elsewhere.
        y : ndarray of shape (5875,)
            Total UPDRS score of each recording (long layout).
        task : ndarray of int of shape (5875,)
            Patient (task) index of each recording, 0 to 41; rows are sorted
            by patient.
        task_names : ndarray of str of shape (42,)
            ``"patient_1"``, ..., ``"patient_42"``: UCI's subject numbers.
        feature_names : ndarray of str of shape (16,)
            Names of the voice measures, as in the UCI file.
        DESCR : str
            Description of the data set, its source and its licence.

    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    fetch_parkinsons : The full data set, downloaded from its source.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_parkinsons_patients
    >>> parkinsons = load_parkinsons_patients()
    >>> parkinsons.data.shape, parkinsons.target.shape
    ((5875, 16), (5875, 42))
    >>> parkinsons.task_names[:2].tolist()
    ['patient_1', 'patient_2']
    """
    pandas = None
    if as_frame:
        try:
            import pandas
        except ImportError as exc:
            raise ImportError(
                "load_parkinsons_patients(as_frame=True) requires pandas; install "
                "it (pip install pandas) or pass as_frame=False."
            ) from exc
    source = resources.files(__package__) / "data" / _PARKINSONS_PATIENTS_FILE
    with source.open("rb") as file, np.load(file) as arrays:
        X = _exact_float64(arrays["X"])
        y = _exact_float64(arrays["y"])
        subject = arrays["subject"].astype(np.int64)
        feature_names = arrays["feature_names"]
    subjects = np.unique(subject)
    task = np.searchsorted(subjects, subject)
    _, target = long_to_wide(X, y, task, n_tasks=subjects.size)
    task_names = np.array([f"patient_{s}" for s in subjects])
    if pandas is not None:
        X = pandas.DataFrame(X, columns=list(feature_names))
        target = pandas.DataFrame(target, columns=list(task_names))
    if return_X_y:
        return X, target
    return Bunch(
        data=X,
        target=target,
        y=y,
        task=task,
        task_names=task_names,
        feature_names=feature_names,
        DESCR=_PARKINSONS_PATIENTS_DESCR,
    )
