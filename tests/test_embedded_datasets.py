"""Data shipped inside the package: ``load_parkinsons_patients``."""

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from sklearn_mtl.datasets import load_parkinsons, load_parkinsons_patients

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_one_task_per_patient_with_one_label_per_recording():
    data = load_parkinsons_patients()
    assert data.data.shape == (5875, 16)
    assert data.target.shape == (5875, 42)
    assert data.data.dtype == data.target.dtype == np.float64
    observed = ~np.isnan(data.target)
    np.testing.assert_array_equal(observed.sum(axis=1), 1)
    np.testing.assert_array_equal(np.argmax(observed, axis=1), data.task)
    np.testing.assert_array_equal(data.target[observed], data.y)
    assert np.all(np.diff(data.task) >= 0)
    assert observed.sum(axis=0).min() == 101 and observed.sum(axis=0).max() == 168
    assert data.task_names[0] == "patient_1" and data.task_names[-1] == "patient_42"
    assert list(data.feature_names[[0, -1]]) == ["Jitter(%)", "PPE"]
    assert "CC BY 4.0" in data.DESCR and "10.24432/C5ZS3N" in data.DESCR


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
def test_the_values_are_those_of_the_full_data_set():
    # The float32 file gives back the float64 values of the UCI file exactly.
    full = load_parkinsons(SHARED_DATA)
    data = load_parkinsons_patients()
    voice = list(full.feature_names).index("Jitter(%)")
    np.testing.assert_array_equal(data.data, full.data[:, voice:])
    np.testing.assert_array_equal(data.y, full.target[:, 1])
    np.testing.assert_array_equal(data.task, full.groups)
    assert list(full.task_names)[1] == "total_UPDRS"


def test_return_X_y_and_as_frame():
    X, Y = load_parkinsons_patients(return_X_y=True)
    assert X.shape == (5875, 16) and Y.shape == (5875, 42)
    pd = pytest.importorskip("pandas")
    X, Y = load_parkinsons_patients(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(Y, pd.DataFrame)
    assert list(Y.columns[:2]) == ["patient_1", "patient_2"]
    assert X.columns[0] == "Jitter(%)"


def test_the_shipped_file_is_small_float32():
    source = (
        resources.files("sklearn_mtl.datasets") / "data" / "parkinsons_patients.npz"
    )
    assert len(source.read_bytes()) < 300 * 1024
    with source.open("rb") as file, np.load(file) as arrays:
        assert arrays["X"].dtype == arrays["y"].dtype == np.float32
