"""Tests of the synthetic generators and of the loaders of real data."""

import gzip
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import OneHotEncoder

from sklearn_mtl.datasets import (
    load_census_income,
    load_computer_survey,
    load_landmine,
    load_parkinsons,
    load_sarcos,
    load_school,
    load_tox21,
    load_toxcast,
    make_multitask_classification,
    make_multitask_regression,
)
from sklearn_mtl.utils import long_to_wide

GENERATORS = [make_multitask_regression, make_multitask_classification]


def _per_task_count(Y):
    return np.sum(~np.isnan(Y), axis=0)


# Generators


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("return_coef", [False, True])
def test_wide_layout_shapes(generator, return_coef):
    output = generator(30, 7, 4, coef=return_coef, random_state=0)
    assert len(output) == 2 + return_coef
    X, Y = output[:2]
    assert X.shape == (30, 7)
    assert Y.shape == (30, 4)
    assert Y.dtype == np.float64
    if return_coef:
        assert output[2].shape == (7, 4)


@pytest.mark.parametrize("generator", GENERATORS)
def test_long_layout_shapes_and_consistency(generator):
    X, y, task, coef = generator(40, 6, 5, layout="long", coef=True, random_state=0)
    assert X.shape == (40, 6)
    assert y.shape == task.shape == (40,)
    assert coef.shape == (6, 5)
    assert np.all(np.bincount(task, minlength=5) >= 2)
    _, Y = long_to_wide(X, y, task, n_tasks=5)
    assert np.array_equal(_per_task_count(Y), np.bincount(task, minlength=5))
    assert np.array_equal(Y[np.arange(40), task], y)


def test_long_layout_without_shuffle_is_sorted_by_task():
    _, _, task = make_multitask_regression(
        50, 5, 4, layout="long", shuffle=False, random_state=0
    )
    assert np.all(np.diff(task) >= 0)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_noise_free_regression_is_the_linear_model(layout):
    output = make_multitask_regression(
        50, 8, 3, noise=0.0, bias=2.5, layout=layout, coef=True, random_state=0
    )
    X, coef = output[0], output[-1]
    expected = X @ coef + 2.5
    if layout == "wide":
        np.testing.assert_allclose(output[1], expected)
    else:
        y, task = output[1], output[2]
        np.testing.assert_allclose(y, expected[np.arange(50), task])


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("shuffle", [True, False])
def test_tasks_share_the_support(generator, shuffle):
    *_, coef = generator(
        60, 12, 5, n_informative=4, coef=True, shuffle=shuffle, random_state=1
    )
    nonzero = coef != 0
    support = np.flatnonzero(nonzero.any(axis=1))
    assert support.size == 4
    assert np.all(nonzero[support])
    assert not np.any(np.delete(nonzero, support, axis=0))
    if not shuffle:
        np.testing.assert_array_equal(support, np.arange(4))


def test_multiclass_coef_shares_the_support():
    *_, coef = make_multitask_classification(
        60, 12, 3, n_informative=4, n_classes=3, coef=True, random_state=0
    )
    assert coef.shape == (12, 3, 3)
    zero_rows = np.all(coef == 0, axis=(1, 2))
    assert zero_rows.sum() == 8
    assert np.all(coef[~zero_rows] != 0)


@pytest.mark.parametrize("generator", GENERATORS)
def test_task_relatedness(generator):
    *_, identical = generator(
        20, 30, 4, n_informative=30, task_relatedness=1.0, coef=True, random_state=0
    )
    np.testing.assert_array_equal(identical, identical[:, [0, 0, 0, 0]])
    *_, unrelated = generator(
        20, 30, 4, n_informative=30, task_relatedness=0.0, coef=True, random_state=0
    )
    correlation = np.corrcoef(unrelated.T)[np.triu_indices(4, k=1)]
    assert np.all(np.abs(correlation) < 0.7)
    *_, related = generator(
        20, 30, 4, n_informative=30, task_relatedness=0.9, coef=True, random_state=0
    )
    correlation = np.corrcoef(related.T)[np.triu_indices(4, k=1)]
    assert np.all(correlation > 0.7)


@pytest.mark.parametrize("generator", GENERATORS)
def test_missing_rate(generator):
    _, Y = generator(2000, 5, 5, missing_rate=0.3, random_state=0)
    assert np.isnan(Y).mean() == pytest.approx(0.3, abs=0.02)
    _, Y = generator(50, 5, 5, random_state=0)
    assert not np.isnan(Y).any()


def test_every_task_keeps_two_labels():
    _, Y = make_multitask_regression(5, 6, 20, missing_rate=0.99, random_state=0)
    assert np.all(_per_task_count(Y) >= 2)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_every_class_in_every_task_wide(n_classes):
    _, Y = make_multitask_classification(
        10, 6, 20, n_classes=n_classes, missing_rate=0.9, random_state=0
    )
    for t in range(Y.shape[1]):
        observed = Y[~np.isnan(Y[:, t]), t]
        np.testing.assert_array_equal(np.unique(observed), np.arange(n_classes))


def test_every_class_in_every_task_long():
    _, y, task = make_multitask_classification(
        60, 6, 10, n_classes=5, layout="long", random_state=0
    )
    assert y.dtype.kind == "i"
    for t in range(10):
        np.testing.assert_array_equal(np.unique(y[task == t]), np.arange(5))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_labels_follow_the_logits(n_classes):
    X, Y, coef = make_multitask_classification(
        1000,
        6,
        3,
        n_classes=n_classes,
        flip_y=0.0,
        class_sep=20.0,
        coef=True,
        random_state=0,
    )
    if n_classes == 2:
        expected = (X @ coef > 0).astype(float)
    else:
        expected = np.argmax(np.einsum("if,ftk->itk", X, coef), axis=2)
    assert np.mean(Y == expected) > 0.95


def test_flip_y_one_gives_uninformative_labels():
    X, Y, coef = make_multitask_classification(
        2000, 6, 3, flip_y=1.0, class_sep=20.0, coef=True, random_state=0
    )
    assert np.mean(Y == (X @ coef > 0)) == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_random_state_reproducibility(generator, layout):
    first = generator(40, 5, 3, layout=layout, coef=True, random_state=7)
    second = generator(
        40, 5, 3, layout=layout, coef=True, random_state=np.random.RandomState(7)
    )
    other = generator(40, 5, 3, layout=layout, coef=True, random_state=8)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


BAD_COMMON_PARAMS = [
    ({"n_samples": 0}, "Expected n_samples to be an int >= 1; got 0 instead."),
    ({"n_features": 2.0}, "Expected n_features to be an int >= 1; got 2.0 instead."),
    ({"n_tasks": True}, "Expected n_tasks to be an int >= 1; got True instead."),
    (
        {"n_informative": -1},
        "Expected n_informative to be an int >= 0; got -1 instead.",
    ),
    (
        {"n_informative": 21},
        "Expected n_informative <= n_features (20); got n_informative=21 instead.",
    ),
    (
        {"task_relatedness": 1.5},
        "Expected task_relatedness to be a float in [0, 1]; got 1.5 instead.",
    ),
    (
        {"task_relatedness": "high"},
        "Expected task_relatedness to be a float in [0, 1]; got 'high' instead.",
    ),
    (
        {"missing_rate": 1.0},
        "Expected missing_rate to be a float in [0, 1); got 1.0 instead.",
    ),
    (
        {"missing_rate": -0.1},
        "Expected missing_rate to be a float in [0, 1); got -0.1 instead.",
    ),
    (
        {"layout": "tall"},
        "Expected layout to be 'wide' or 'long'; got 'tall' instead.",
    ),
    ({"shuffle": "yes"}, "Expected shuffle to be a bool; got 'yes' instead."),
    ({"coef": 1}, "Expected coef to be a bool; got 1 instead."),
    (
        {"layout": "long", "missing_rate": 0.2},
        "Expected missing_rate=0.0 with layout='long', where each row has the "
        "label of one task only; got missing_rate=0.2 instead.",
    ),
    (
        {"n_samples": 9, "n_tasks": 5, "layout": "long"},
        "Expected n_samples >= 10 with layout='long', so that every task gets 2 "
        "labelled rows; got n_samples=9 instead.",
    ),
    (
        {"n_samples": 1},
        "Expected n_samples >= 2 with layout='wide', so that every task gets 2 "
        "labelled rows; got n_samples=1 instead.",
    ),
]


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("params, message", BAD_COMMON_PARAMS)
def test_bad_common_parameters(generator, params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        generator(**params)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"noise": -1.0},
            "Expected noise to be a float in [0, inf); got -1.0 instead.",
        ),
        ({"bias": np.inf}, "Expected bias to be a finite float; got inf instead."),
    ],
)
def test_bad_regression_parameters(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_multitask_regression(**params)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_classes": 1}, "Expected n_classes to be an int >= 2; got 1 instead."),
        ({"flip_y": 1.5}, "Expected flip_y to be a float in [0, 1]; got 1.5 instead."),
        (
            {"class_sep": 0.0},
            "Expected class_sep to be a float in (0, inf); got 0.0 instead.",
        ),
        (
            {"n_samples": 3, "n_classes": 4},
            "Expected n_samples >= 4 with layout='wide', so that every task gets 4 "
            "labelled rows; got n_samples=3 instead.",
        ),
    ],
)
def test_bad_classification_parameters(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_multitask_classification(**params)


# Loaders


@pytest.fixture(scope="module")
def data_home():
    path = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"the shared data folder {path} is absent")
    return path


@pytest.fixture(scope="module")
def school(data_home):
    return load_school(data_home)


@pytest.fixture(scope="module")
def census(data_home):
    return load_census_income(data_home)


def _check_partitions(splits, n_samples, n_train, n_test):
    for train, test in splits:
        assert (len(train), len(test)) == (n_train, n_test)
        rows = np.sort(np.concatenate([train, test]))
        np.testing.assert_array_equal(rows, np.arange(n_samples))


def _check_long_layout(bunch, n_tasks):
    n_samples = bunch.data.shape[0]
    assert bunch.target.shape == (n_samples, n_tasks)
    assert bunch.task_names.shape == (n_tasks,)
    assert np.array_equal(_per_task_count(bunch.target), np.bincount(bunch.task))
    np.testing.assert_array_equal(
        bunch.target[np.arange(n_samples), bunch.task], bunch.y
    )


def test_load_school(school, data_home):
    assert school.data.shape == (15362, 28)
    _check_long_layout(school, 139)
    assert school.feature_names.shape == (28,)
    assert np.isnan(school.target).mean() == pytest.approx(138 / 139)
    assert len(school.splits) == 10
    _check_partitions(school.splits, 15362, 11521, 3841)
    with np.load(data_home / "school_vstg_10splits.npz") as archive:
        train, test = school.splits[4]
        np.testing.assert_array_equal(school.data[test], archive["rep5_X_test"])
        np.testing.assert_array_equal(school.y[train], archive["rep5_y_train"])
        np.testing.assert_array_equal(school.task[test], archive["rep5_task_test"])


def test_school_splits_work_as_cv(school):
    scores = cross_val_score(Ridge(), school.data, school.y, cv=school.splits)
    assert scores.shape == (10,)


def _write_tiny_school(folder, test_rows):
    """A School-like data set of 4 rows (two identical) and its split file."""
    X = np.array([[1.0, 0.0], [1.0, 0.0], [2.0, -0.0], [3.0, 1.0]])
    y, task = np.array([5.0, 5.0, 6.0, 7.0]), np.array([0, 0, 1, 1])
    np.savez(
        folder / "school.npz",
        X=X,
        y=y,
        task=task,
        n_per_task=np.array([2, 2]),
        feature_names=np.array(["a", "b"]),
    )
    train_rows = [row for row in range(4) if row not in test_rows]
    split = {}
    for part, rows in [("train", train_rows), ("test", test_rows)]:
        split.update(
            {
                f"rep1_X_{part}": X[rows],
                f"rep1_y_{part}": y[rows],
                f"rep1_task_{part}": task[rows],
            }
        )
    return split


def test_school_split_rows_are_matched_one_to_one(tmp_path):
    split = _write_tiny_school(tmp_path, test_rows=[1, 2])
    split["rep1_X_test"] += 0.0  # -0.0 becomes 0.0, which must still match
    np.savez(tmp_path / "school_vstg_10splits.npz", **split)
    [(train, test)] = load_school(tmp_path).splits
    # rows 0 and 1 are identical: the first occurrence goes to train
    np.testing.assert_array_equal(train, [0, 3])
    np.testing.assert_array_equal(test, [1, 2])


def test_school_split_rows_must_match(tmp_path):
    split = _write_tiny_school(tmp_path, test_rows=[3])
    split["rep1_y_test"] = split["rep1_y_test"] + 1.0
    np.savez(tmp_path / "school_vstg_10splits.npz", **split)
    message = (
        "Split 1 of 'school_vstg_10splits.npz' has 1 row(s) that are not rows of "
        "the data set; the two files do not match."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        load_school(tmp_path)


def test_load_landmine(data_home):
    landmine = load_landmine(data_home)
    assert landmine.data.shape == (14820, 9)
    _check_long_layout(landmine, 29)
    counts = np.bincount(landmine.task)
    assert (counts.min(), counts.max()) == (445, 690)
    np.testing.assert_array_equal(np.unique(landmine.y), [0.0, 1.0])
    assert landmine.y.mean() == pytest.approx(0.061, abs=0.001)


def test_load_computer_survey(data_home):
    survey = load_computer_survey(data_home)
    assert survey.data.shape == (3800, 14)
    _check_long_layout(survey, 190)
    assert np.all(np.bincount(survey.task) == 20)
    np.testing.assert_array_equal(survey.profile.reshape(190, 20)[0], np.arange(20))
    assert survey.feature_names[0] == "bias"
    np.testing.assert_array_equal(survey.attribute_names, survey.feature_names)
    np.testing.assert_array_equal(np.unique(survey.data[:, 1:]), [-1.0, 1.0])
    assert (survey.y.min(), survey.y.max()) == (0.0, 10.0)


def test_load_sarcos_mtpl(data_home):
    sarcos = load_sarcos(data_home)
    assert sarcos.data.shape == (7000, 21)
    _check_long_layout(sarcos, 7)
    assert sarcos.feature_names.shape == (21,)
    parts = [sarcos.train_indices, sarcos.val_indices, sarcos.test_indices]
    np.testing.assert_array_equal(np.concatenate(parts), np.arange(7000))
    for part, per_task in zip(parts, [600, 200, 200], strict=True):
        np.testing.assert_array_equal(np.bincount(sarcos.task[part]), [per_task] * 7)


def test_load_sarcos_10splits(data_home):
    sarcos = load_sarcos(data_home, split="10splits")
    assert sarcos.data.shape == (6228, 21)
    _check_long_layout(sarcos, 7)
    assert len(sarcos.splits) == 10
    _check_partitions(sarcos.splits, 6228, 4671, 1557)
    with np.load(data_home / "sarcos_vstg_10splits.npz") as archive:
        train, test = sarcos.splits[9]
        np.testing.assert_array_equal(sarcos.data[train], archive["rep10_X_train"])
        np.testing.assert_array_equal(sarcos.y[test], archive["rep10_y_test"])


def test_load_sarcos_bad_split(data_home):
    message = "Expected split to be 'mtpl' or '10splits'; got 'all' instead."
    with pytest.raises(ValueError, match=re.escape(message)):
        load_sarcos(data_home, split="all")


def test_load_parkinsons(data_home):
    parkinsons = load_parkinsons(data_home)
    assert parkinsons.data.shape == (5875, 19)
    assert parkinsons.target.shape == (5875, 2)
    assert not np.isnan(parkinsons.target).any()
    assert np.unique(parkinsons.groups).size == 42
    assert list(parkinsons.task_names) == ["motor_UPDRS", "total_UPDRS"]
    assert parkinsons.feature_names.shape == (19,)


@pytest.mark.parametrize(
    "loader, n_samples, n_tasks, missing_rate",
    [(load_tox21, 7823, 12, 0.171), (load_toxcast, 8576, 617, 0.710)],
)
def test_load_molecules(data_home, loader, n_samples, n_tasks, missing_rate):
    bunch = loader(data_home)
    assert bunch.data.shape == (n_samples, 1024)
    assert bunch.data.dtype == np.float64
    np.testing.assert_array_equal(np.unique(bunch.data), [0.0, 1.0])
    assert bunch.target.shape == (n_samples, n_tasks)
    assert bunch.task_names.shape == (n_tasks,)
    assert bunch.smiles.shape == (n_samples,)
    assert np.isnan(bunch.target).mean() == pytest.approx(missing_rate, abs=0.001)
    np.testing.assert_array_equal(
        np.unique(bunch.target[~np.isnan(bunch.target)]), [0, 1]
    )


def test_load_census_income(census):
    assert census.data.shape == (99762, 39)
    assert census.data.dtype == object
    assert census.target.shape == (99762, 2)
    assert census.target.mean(axis=0) == pytest.approx([0.0620, 0.4325], abs=1e-4)
    assert census.sample_weight.shape == (99762,)
    assert census.feature_names.shape == (39,)
    assert len(census.categorical_features) == 32
    assert all(type(name) is str for name in census.categorical_features)
    assert not {"marital_status", "instance_weight", "income"} & set(
        census.feature_names
    )
    categorical = np.isin(census.feature_names, census.categorical_features)
    assert all(isinstance(value, str) for value in census.data[0, categorical])
    assert all(isinstance(value, float) for value in census.data[0, ~categorical])
    assert census.data[0, 0] == 38.0


@pytest.fixture
def small_census(data_home, tmp_path):
    """The first 50 lines of the census file, in a folder of its own."""
    with gzip.open(data_home / "census-income.test.gz", "rt") as source:
        lines = [next(source) for _ in range(50)]
    with gzip.open(tmp_path / "census-income.test.gz", "wt") as target:
        target.writelines(lines)
    return tmp_path


def test_load_census_income_as_frame(small_census):
    pandas = pytest.importorskip("pandas")
    bunch = load_census_income(small_census)
    frame = load_census_income(small_census, as_frame=True)
    assert isinstance(frame.data, pandas.DataFrame)
    assert list(frame.data.columns) == list(bunch.feature_names)
    assert list(frame.target.columns) == ["income", "never_married"]
    np.testing.assert_array_equal(frame.target.to_numpy(), bunch.target)
    numeric = frame.data.select_dtypes("number").columns
    assert set(numeric) == set(bunch.feature_names) - set(bunch.categorical_features)
    assert frame.data["education"].iloc[0] == bunch.data[0, 4]
    encoder = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), bunch.categorical_features),
        remainder="passthrough",
    )
    assert encoder.fit_transform(frame.data).shape[0] == 50


def test_load_census_income_as_frame_without_pandas(small_census, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="requires pandas"):
        load_census_income(small_census, as_frame=True)


def test_data_home_from_environment(data_home, monkeypatch):
    monkeypatch.setenv("SKLEARN_MTL_DATA", str(data_home))
    assert load_landmine().data.shape == (14820, 9)


def test_default_data_home(tmp_path, monkeypatch):
    monkeypatch.delenv("SKLEARN_MTL_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = str(tmp_path / "sklearn_mtl_data")
    with pytest.raises(FileNotFoundError, match=re.escape(repr(expected))):
        load_parkinsons()


@pytest.mark.parametrize(
    "loader, filename",
    [
        (load_school, "school.npz"),
        (load_landmine, "landmine.npz"),
        (load_computer_survey, "computer_survey.npz"),
        (load_sarcos, "sarcos_MTPL_split01.npz"),
        (load_parkinsons, "parkinsons.npz"),
        (load_tox21, "tox21_ecfp4.npz"),
        (load_toxcast, "toxcast_ecfp4.npz"),
        (load_census_income, "census-income.test.gz"),
    ],
)
def test_missing_file_message(loader, filename, tmp_path):
    message = (
        f"{loader.__name__} expected the file {filename!r} in data_home "
        f"{str(tmp_path)!r}; it is not there. Pass data_home=... or set the "
        "SKLEARN_MTL_DATA environment variable to the folder that holds it."
    )
    with pytest.raises(FileNotFoundError, match=re.escape(message)):
        loader(tmp_path)


def test_missing_sarcos_10splits_file(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=re.escape("'sarcos_vstg_10splits.npz'")
    ):
        load_sarcos(tmp_path, split="10splits")
