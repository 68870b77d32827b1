"""Tests of the data contract (sklearn_mtl.utils): targets, weights, layouts."""

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from sklearn_mtl.utils import (
    MultiTaskTargets,
    check_multitask_targets,
    check_sample_weight,
    check_task_weights,
    from_task_lists,
    long_to_wide,
    select_own_task,
    wide_to_long,
)

CLF = "classification"


def assert_codes_index_classes(targets, Y_labels):
    """Invariant: classes[t][codes] gives back the observed labels of task t."""
    for t in range(targets.n_tasks):
        rows = np.flatnonzero(targets.mask[:, t])
        codes = targets.values[rows, t]
        assert np.all(codes == np.round(codes))
        assert_array_equal(np.unique(codes), np.arange(targets.classes[t].size))
        decoded = targets.classes[t][codes.astype(np.intp)]
        assert decoded.tolist() == [Y_labels[i][t] for i in rows]
        # classes are sorted and unique
        assert list(targets.classes[t]) == sorted(set(targets.classes[t]))
        assert np.all(np.isnan(targets.values[~targets.mask[:, t], t]))


# --------------------------------------------------------------------------
# check_multitask_targets: continuous targets
# --------------------------------------------------------------------------


def test_continuous_nan_mask_and_values():
    Y = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 4.0], [5.0, 6.0, np.nan]])
    targets = check_multitask_targets(Y)
    assert isinstance(targets, MultiTaskTargets)
    assert_array_equal(targets.mask, ~np.isnan(Y))
    assert targets.values.dtype == np.float64
    assert_array_equal(targets.values, Y)  # NaN at the same places
    assert targets.classes is None
    assert targets.task_names is None
    assert targets.single_output is False
    assert targets.n_tasks == 3


def test_continuous_int_and_bool_converted_to_float():
    targets = check_multitask_targets(np.array([[1, 2], [3, 4]]))
    assert targets.values.dtype == np.float64
    assert_array_equal(targets.values, [[1.0, 2.0], [3.0, 4.0]])
    assert targets.mask.all()
    targets = check_multitask_targets(np.array([[True], [False]]))
    assert_array_equal(targets.values, [[1.0], [0.0]])


def test_continuous_object_with_none_and_nan():
    Y = np.array([[1, None], [np.nan, 2.5], [3, 2]], dtype=object)
    targets = check_multitask_targets(Y)
    assert_array_equal(targets.mask, [[True, False], [False, True], [True, True]])
    assert_array_equal(targets.values, [[1.0, np.nan], [np.nan, 2.5], [3.0, 2.0]])


def test_1d_y_is_single_output():
    targets = check_multitask_targets(np.array([1.0, np.nan, 2.0]))
    assert targets.single_output is True
    assert targets.values.shape == (3, 1)
    assert_array_equal(targets.mask[:, 0], [True, False, True])
    assert_array_equal(targets.values[:, 0], [1.0, np.nan, 2.0])
    # a list is read the same way
    assert check_multitask_targets([1.0, 2.0]).single_output is True
    # a single column 2-D array is not single output
    assert check_multitask_targets(np.ones((2, 1))).single_output is False


def test_pandas_series_is_single_output_without_names():
    targets = check_multitask_targets(pd.Series([1.0, np.nan, 2.0], name="s"))
    assert targets.single_output is True
    assert targets.task_names is None
    assert_array_equal(targets.mask[:, 0], [True, False, True])
    labels = check_multitask_targets(pd.Series(["b", None, "a"]), target_type=CLF)
    assert labels.single_output is True
    assert labels.classes[0].tolist() == ["a", "b"]
    assert_array_equal(labels.values[:, 0], [1.0, np.nan, 0.0])


def test_dataframe_gives_task_names_in_column_order():
    Y = pd.DataFrame({"math": [1.0, np.nan, 3.0], "art": [np.nan, 2.0, 4.0]})
    targets = check_multitask_targets(Y)
    assert targets.task_names.tolist() == ["math", "art"]
    assert targets.single_output is False
    assert_array_equal(targets.values, Y.to_numpy())
    assert_array_equal(targets.mask, Y.notna().to_numpy())
    # non-string column labels become strings
    targets = check_multitask_targets(pd.DataFrame({0: [1.0], 1: [2.0]}))
    assert targets.task_names.tolist() == ["0", "1"]


def test_dataframe_nullable_dtypes_continuous():
    Y = pd.DataFrame(
        {
            "a": pd.array([1, pd.NA, 3], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "c": pd.array([0.5, 1.5, None], dtype="Float64"),
            "d": pd.array([4, 5, 6], dtype="Int64"),
        }
    )
    targets = check_multitask_targets(Y)
    assert_array_equal(
        targets.mask,
        [
            [True, True, True, True],
            [False, False, True, True],
            [True, True, False, True],
        ],
    )
    expected = [
        [1.0, 1.0, 0.5, 4.0],
        [np.nan, np.nan, 1.5, 5.0],
        [3.0, 0.0, np.nan, 6.0],
    ]
    assert_array_equal(targets.values, expected)


def test_missing_label_marker_continuous():
    Y = np.array([[1.5, -1.0], [-1.0, 2.0], [np.nan, 3.0]])
    targets = check_multitask_targets(Y, missing_label=-1)
    assert_array_equal(targets.mask, [[True, False], [False, True], [False, True]])
    # missing_label=NaN is the default meaning
    targets = check_multitask_targets(Y, missing_label=np.nan)
    assert_array_equal(targets.mask, ~np.isnan(Y))


# --------------------------------------------------------------------------
# check_multitask_targets: classification targets
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "Y, expected_classes",
    [
        (np.array([[2, 7], [0, 7], [2, 5]]), [[0, 2], [5, 7]]),
        (
            np.array([[1.0, np.nan], [0.0, 3.0], [np.nan, 2.0]]),
            [[0.0, 1.0], [2.0, 3.0]],
        ),
        (np.array([[True, False], [False, False]]), [[False, True], [False]]),
        (np.array([["b", "y"], ["a", "x"]]), [["a", "b"], ["x", "y"]]),
        (
            np.array([["b", None], [np.nan, "x"], ["a", "y"]], dtype=object),
            [["a", "b"], ["x", "y"]],
        ),
        (np.array([[1, None], [np.nan, 2], [3, 2]], dtype=object), [[1, 3], [2]]),
    ],
    ids=["int", "float-nan", "bool", "str", "object-str", "object-int"],
)
def test_classification_classes_and_codes(Y, expected_classes):
    targets = check_multitask_targets(Y, target_type=CLF)
    assert [c.tolist() for c in targets.classes] == expected_classes
    missing = pd.isna(pd.DataFrame(Y)).to_numpy()
    assert_array_equal(targets.mask, ~missing)
    assert_codes_index_classes(targets, Y.tolist())


def test_classification_object_labels_keep_their_type():
    Y = np.array([["b", None], [np.nan, "x"], ["a", "y"]], dtype=object)
    targets = check_multitask_targets(Y, target_type=CLF)
    assert all(isinstance(c, str) for c in targets.classes[0])
    Y = np.array([[1, None], [np.nan, 2], [3, 2]], dtype=object)
    targets = check_multitask_targets(Y, target_type=CLF)
    # numbers in an object array are decoded to a numeric array
    assert targets.classes[0].dtype.kind in "iu"
    assert_array_equal(targets.values, [[0.0, np.nan], [np.nan, 0.0], [1.0, 0.0]])


def test_classification_tasks_may_have_different_label_types():
    Y = np.array([["a", 1], ["b", 2], ["a", 2]], dtype=object)
    targets = check_multitask_targets(Y, target_type=CLF)
    assert targets.classes[0].tolist() == ["a", "b"]
    assert targets.classes[1].tolist() == [1, 2]
    assert_codes_index_classes(targets, Y.tolist())


def test_classification_missing_label_int():
    Y = np.array([[1, -1], [-1, 2], [3, 2], [1, 0]])
    targets = check_multitask_targets(Y, target_type=CLF, missing_label=-1)
    assert_array_equal(targets.mask, Y != -1)
    assert [c.tolist() for c in targets.classes] == [[1, 3], [0, 2]]
    assert_array_equal(targets.values, [[0, np.nan], [np.nan, 1], [1, 1], [0, 0]])
    # without the marker, -1 is a class
    targets = check_multitask_targets(Y, target_type=CLF)
    assert targets.mask.all()
    assert targets.classes[0].tolist() == [-1, 1, 3]


def test_classification_missing_label_empty_string():
    Y = np.array([["a", ""], ["", "d"], ["b", "e"]])
    targets = check_multitask_targets(Y, target_type=CLF, missing_label="")
    assert_array_equal(targets.mask, Y != "")
    assert [c.tolist() for c in targets.classes] == [["a", "b"], ["d", "e"]]
    assert_codes_index_classes(targets, Y.tolist())
    # None is still missing when a marker is given
    Y = np.array([["a", ""], [None, "d"], ["b", "e"]], dtype=object)
    targets = check_multitask_targets(Y, target_type=CLF, missing_label="")
    assert_array_equal(targets.mask, [[True, False], [False, True], [True, True]])


def test_classification_dataframe_nullable_and_string_dtypes():
    Y = pd.DataFrame(
        {
            "i": pd.array([3, pd.NA, 1, 3], dtype="Int64"),
            "b": pd.array([True, None, False, True], dtype="boolean"),
            "s": pd.array(["x", None, "y", "x"], dtype="string"),
            "o": pd.Series(["u", np.nan, "v", None], dtype=object),
        }
    )
    targets = check_multitask_targets(Y, target_type=CLF)
    assert targets.task_names.tolist() == ["i", "b", "s", "o"]
    assert_array_equal(targets.mask, Y.notna().to_numpy())
    assert targets.classes[0].tolist() == [1, 3]
    assert targets.classes[1].tolist() == [False, True]
    assert targets.classes[2].tolist() == ["x", "y"]
    assert targets.classes[3].tolist() == ["u", "v"]
    assert_array_equal(
        targets.values,
        [[1, 1, 0, 0], [np.nan] * 4, [0, 0, 1, 1], [1, 1, 0, np.nan]],
    )


def test_classification_dataframe_nullable_without_missing_keeps_dtype():
    Y = pd.DataFrame(
        {
            "i": pd.array([2, 1, 2], dtype="Int64"),
            "b": pd.array([True, False, True], dtype="boolean"),
        }
    )
    targets = check_multitask_targets(Y, target_type=CLF)
    assert targets.classes[0].dtype.kind in "iu"
    assert targets.classes[0].tolist() == [1, 2]
    assert targets.classes[1].dtype == bool
    assert targets.classes[1].tolist() == [False, True]


def test_classification_nullable_boolean_with_na_keeps_bool_classes():
    Y = pd.DataFrame({"b": pd.array([True, None, False], dtype="boolean")})
    targets = check_multitask_targets(Y, target_type=CLF)
    assert targets.classes[0].dtype == bool


def test_classification_categorical_columns():
    Y = pd.DataFrame(
        {
            "c": pd.Categorical(["lo", None, "hi", "lo"]),
            "d": pd.Categorical(["p", "q", "q", None], categories=["q", "p"]),
        }
    )
    targets = check_multitask_targets(Y, target_type=CLF)
    assert_array_equal(targets.mask, Y.notna().to_numpy())
    # classes are the observed labels sorted, not the category order
    assert targets.classes[0].tolist() == ["hi", "lo"]
    assert targets.classes[1].tolist() == ["p", "q"]
    assert_array_equal(targets.values[:, 1], [0.0, 1.0, 1.0, np.nan])


def test_classification_mixed_str_and_number_error():
    Y = np.array([["a", 1], [2, "x"]], dtype=object)
    msg = (
        "Expected the labels of task 0 to be all strings or all numbers; got a "
        "mix of both."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y, target_type=CLF)
    Y = pd.DataFrame({"ok": ["a", "b"], "bad": pd.Series(["a", 1], dtype=object)})
    msg = (
        "Expected the labels of task 'bad' (index 1) to be all strings or all "
        "numbers; got a mix of both."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y, target_type=CLF)


def test_classification_continuous_labels_error():
    Y = np.array([[0, 0.5], [1, 1.5], [0, np.nan]])
    msg = (
        "Task 1: expected class labels (integers, strings, booleans or "
        "integer-valued floats); got continuous values such as 0.5. Use a "
        "regression estimator or metric for this task."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y, target_type=CLF)
    Y = pd.DataFrame({"math": [0.25, 0.5]})
    with pytest.raises(
        ValueError, match=re.escape("Task 'math' (index 0): expected class labels")
    ):
        check_multitask_targets(Y, target_type=CLF)


def test_continuous_strings_error():
    msg = (
        "Expected numeric labels for a continuous target; task 1 holds "
        "non-numeric labels such as 'x'."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(np.array([[1.0, "x"], [2.0, None]], dtype=object))
    Y = pd.DataFrame({"a": [1.0, 2.0], "b": ["u", "v"]})
    msg = (
        "Expected numeric labels for a continuous target; task 'b' (index 1) "
        "holds non-numeric labels such as 'u'."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y)


@pytest.mark.parametrize("target_type", ["continuous", CLF])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_inf_error(target_type, value):
    Y = np.array([[1.0, 0.0], [value, 1.0], [np.nan, 1.0]])
    msg = (
        "Expected finite labels; task 0 holds infinite values (use NaN for a "
        "missing label)."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y, target_type=target_type)


def test_bad_target_type_error():
    msg = (
        "Expected target_type to be 'continuous' or 'classification'; got "
        "'multiclass' instead."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets([1.0, 2.0], target_type="multiclass")


def test_none_y_error():
    msg = "requires y to be passed, but the target y is None."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(None)


def test_3d_error():
    msg = (
        "Expected Y of shape (n_samples,) or (n_samples, n_tasks); got an array "
        "of shape (2, 2, 2) instead."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("shape, n_cols", [((0, 2), 2), ((0,), 1)])
def test_empty_y_error(shape, n_cols):
    msg = f"Expected Y with at least one sample; got Y of shape (0, {n_cols}) instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(np.zeros(shape))


@pytest.mark.parametrize(
    "Y", [np.zeros((3, 0)), pd.DataFrame(index=range(3))], ids=["array", "frame"]
)
def test_zero_columns_error(Y):
    msg = "Expected Y with at least one task (column); got Y with 0 columns."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y)


def test_n_samples_and_n_tasks_mismatch_errors():
    Y = np.zeros((3, 2))
    msg = "Expected Y with 4 rows (one per sample of X); got 3 rows instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y, n_samples=4)
    msg = "Expected Y with 3 tasks (columns), as in fit; got 2 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y, n_tasks=3)
    # matching expectations pass
    assert check_multitask_targets(Y, n_samples=3, n_tasks=2).n_tasks == 2


def test_complex_error():
    msg = "Complex data not supported; task 0 is complex."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(np.array([[1 + 1j], [2.0]]))


def test_unlabelled_task_error_names_task():
    Y = np.array([[1.0, np.nan], [2.0, np.nan]])
    msg = (
        "Task 1 has no observed label in Y; every task needs at least one "
        "observed label to be fitted."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets(Y)
    Y = pd.DataFrame({"math": [1.0, 2.0], "art": [None, None]})
    msg = (
        "Task 'art' (index 1) has no observed label in Y; every task needs at "
        "least one observed label to be fitted."
    )
    for target_type in ("continuous", CLF):
        with pytest.raises(ValueError, match=re.escape(msg)):
            check_multitask_targets(Y, target_type=target_type)
    # a task whose only labels equal missing_label is unlabelled too
    msg = "Task 0 has no observed label in Y"
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_multitask_targets([[-1], [-1]], target_type=CLF, missing_label=-1)


def test_allow_unlabelled_tasks():
    Y = pd.DataFrame({"math": [1.0, 2.0], "art": [np.nan, np.nan]})
    targets = check_multitask_targets(Y, allow_unlabelled_tasks=True)
    assert not targets.mask[:, 1].any()
    assert np.all(np.isnan(targets.values[:, 1]))
    labels = check_multitask_targets(Y, target_type=CLF, allow_unlabelled_tasks=True)
    assert labels.classes[0].tolist() == [1.0, 2.0]
    assert labels.classes[1].size == 0
    rows, values = labels.labels(1)
    assert rows.size == 0
    assert values.size == 0


@pytest.mark.parametrize(
    "target_type", ["continuous", CLF, "auto", ["continuous", "binary"]]
)
def test_float64_y_that_holds_its_values_is_not_copied(target_type):
    # 0/1 labels are their own codes: the values are Y, read-only.
    Y = np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, np.nan], [1.0, 1.0]])
    targets = check_multitask_targets(Y, target_type=target_type)
    assert np.shares_memory(targets.values, Y)
    assert not targets.values.flags.writeable
    assert Y.flags.writeable  # Y itself is left as it was
    assert_array_equal(targets.mask, ~np.isnan(Y))
    assert_array_equal(targets.values, Y)
    with pytest.raises(ValueError, match="read-only"):
        targets.values[0, 0] = 2.0
    # 1-D Y: a (n_samples, 1) view
    single_type = target_type if isinstance(target_type, str) else target_type[:1]
    single = check_multitask_targets(Y[:, 0], target_type=single_type)
    assert single.values.shape == (4, 1) and np.shares_memory(single.values, Y)


def test_values_are_copied_from_the_first_task_whose_codes_differ():
    # Task 0 holds its codes, task 1 does not ({1, 2} -> {0, 1}); task 2
    # again does, and must keep them in the copy.
    Y = np.array(
        [[0.0, 1.0, 1.0], [1.0, 2.0, np.nan], [np.nan, 2.0, 0.0], [1.0, np.nan, 1.0]]
    )
    original = Y.copy()
    targets = check_multitask_targets(Y, target_type=CLF)
    assert not np.shares_memory(targets.values, Y)
    assert targets.values.flags.writeable
    expected = Y.copy()
    expected[:, 1] = [0.0, 1.0, 1.0, np.nan]
    assert_array_equal(targets.values, expected)
    assert_array_equal(Y, original)
    assert_codes_index_classes(targets, Y)
    # int Y, a missing_label marker, a DataFrame: copies as before
    for Y_other, kwargs in [
        (np.array([[0, 1], [1, 0]]), {}),
        (np.array([[0.0, -1.0], [1.0, 0.0]]), {"missing_label": -1.0}),
        (pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, 0.0]}), {}),
    ]:
        other = check_multitask_targets(Y_other, target_type=CLF, **kwargs)
        assert not np.shares_memory(other.values, np.asarray(Y_other))
        assert other.values.dtype == np.float64
    assert np.isnan(
        check_multitask_targets(
            np.array([[0.0, -1.0], [1.0, 0.0]]), target_type=CLF, missing_label=-1.0
        ).values[0, 1]
    )


def test_check_multitask_targets_allocates_little_beyond_the_mask():
    # The validation of a float64 Y of 0/1 labels (ToxCast's) holds the mask
    # (one byte per entry) and one task's labels at a time, not a float copy
    # of Y (eight bytes per entry).
    import tracemalloc

    rng = np.random.default_rng(0)
    Y = (rng.random((2000, 300)) < 0.3).astype(float)
    Y[rng.random(Y.shape) < 0.7] = np.nan
    for target_type in ("continuous", CLF):
        tracemalloc.start()
        try:
            targets = check_multitask_targets(Y, target_type=target_type)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 0.25 * Y.nbytes, f"peak {peak / Y.nbytes:.2f} times Y"
        assert np.shares_memory(targets.values, Y)


def test_observed_and_labels():
    Y = np.array([["b", None], [None, "x"], ["a", "y"], ["b", "x"]], dtype=object)
    targets = check_multitask_targets(Y, target_type=CLF)
    rows, codes = targets.observed(0)
    assert_array_equal(rows, [0, 2, 3])
    assert_array_equal(codes, [1.0, 0.0, 1.0])
    rows, labels = targets.labels(0)
    assert_array_equal(rows, [0, 2, 3])
    assert labels.tolist() == ["b", "a", "b"]
    rows, labels = targets.labels(1)
    assert_array_equal(rows, [1, 2, 3])
    assert labels.tolist() == ["x", "y", "x"]

    Yf = np.array([[1.5, np.nan], [np.nan, 2.0], [3.0, 4.0]])
    targets = check_multitask_targets(Yf)
    for t in range(2):
        rows, values = targets.observed(t)
        assert_array_equal(rows, np.flatnonzero(~np.isnan(Yf[:, t])))
        assert_array_equal(values, Yf[rows, t])
        rows_l, labels = targets.labels(t)
        assert_array_equal(rows_l, rows)
        assert_array_equal(labels, values)


# --------------------------------------------------------------------------
# check_task_weights
# --------------------------------------------------------------------------


def test_task_weights_none_is_uniform():
    assert_array_equal(check_task_weights(None, 3), np.ones(3))


def test_task_weights_array_rescaled_to_mean_one():
    weights = check_task_weights([1, 2, 3], 3)
    assert_allclose(weights, [0.5, 1.0, 1.5])
    assert_allclose(weights.mean(), 1.0)
    assert weights.dtype == np.float64
    # invariant: rescaling keeps the ratios; mean-1 input is unchanged
    raw = np.array([0.2, 0.0, 5.0, 1.1])
    weights = check_task_weights(raw, 4)
    assert_allclose(weights, raw / raw.mean())
    assert_allclose(check_task_weights(weights, 4), weights)
    assert_allclose(check_task_weights(10 * raw, 4), weights)


def test_task_weights_dict_by_name_defaults_to_one():
    weights = check_task_weights({"b": 4}, 3, task_names=["a", "b", "c"])
    assert_allclose(weights, np.array([1.0, 4.0, 1.0]) / 2.0)
    names = np.array(["math", "art"], dtype=object)
    assert_allclose(
        check_task_weights({"math": 2.0}, 2, task_names=names), [4 / 3, 2 / 3]
    )


def test_task_weights_dict_by_index():
    assert_allclose(check_task_weights({2: 4}, 3), [0.5, 0.5, 2.0])
    assert_allclose(check_task_weights({np.int64(0): 3}, 2), [1.5, 0.5])
    # index keys also work when the tasks have names
    assert_allclose(check_task_weights({1: 3}, 2, task_names=["a", "b"]), [0.5, 1.5])


def test_task_weights_unknown_name_suggests():
    msg = (
        "Unknown task 'mathh' in task_weights; expected one of ['math', 'art']. "
        "Did you mean 'math'?"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({"mathh": 1.0}, 2, task_names=["math", "art"])
    msg = "Unknown task 'zzz' in task_weights; expected one of ['math', 'art']."
    with pytest.raises(ValueError, match=re.escape(msg) + "$"):
        check_task_weights({"zzz": 1.0}, 2, task_names=["math", "art"])


def test_task_weights_name_without_task_names():
    msg = (
        "task_weights is keyed by task name, but the tasks have no names (pass Y "
        "as a pandas DataFrame); got key 'math'. Use task indices instead."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({"math": 1.0}, 2)


def test_task_weights_dict_errors():
    msg = "Expected task indices in [0, 2) as task_weights keys; got 5 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({5: 1.0}, 2)
    msg = "Expected task indices in [0, 2) as task_weights keys; got -1 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({-1: 1.0}, 2)
    msg = "Expected a number as the weight of task 0; got 'x' instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({0: "x"}, 2)
    msg = "Expected non-negative task_weights; got [-2.0, 1.0] instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({"a": -2}, 2, task_names=["a", "b"])


@pytest.mark.parametrize(
    "weights, msg",
    [
        ([1.0, -1.0], "Expected non-negative task_weights; got [1.0, -1.0] instead."),
        ([1.0, np.nan], "Expected finite task_weights; got [1.0, nan] instead."),
        ([np.inf, 1.0], "Expected finite task_weights; got [inf, 1.0] instead."),
        (
            [1.0, 2.0, 3.0],
            "Expected task_weights of shape (2,), one per task; got shape (3,) "
            "instead.",
        ),
        (
            [[1.0, 2.0]],
            "Expected task_weights of shape (2,), one per task; got shape (1, 2) "
            "instead.",
        ),
        (
            3.0,
            "Expected task_weights of shape (2,), one per task; got shape () instead.",
        ),
        ([0.0, 0.0], "Expected at least one positive task weight; got all zeros."),
        (
            ["a", "b"],
            "Expected task_weights to be None, an array-like of 2 non-negative "
            "numbers or a dict keyed by task; got ['a', 'b'] instead.",
        ),
    ],
    ids=["negative", "nan", "inf", "long", "2d", "scalar", "zeros", "strings"],
)
def test_task_weights_errors(weights, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights(weights, 2)


def test_task_weights_dict_all_zero_error():
    msg = "Expected at least one positive task weight; got all zeros."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_task_weights({"a": 0, "b": 0}, 2, task_names=["a", "b"])


# --------------------------------------------------------------------------
# check_sample_weight
# --------------------------------------------------------------------------


def test_sample_weight_valid():
    assert check_sample_weight(None, 3) is None
    weights = check_sample_weight([1, 2, 3], 3)
    assert weights.dtype == np.float64
    assert_array_equal(weights, [1.0, 2.0, 3.0])
    assert_array_equal(check_sample_weight([0, 2], 2), [0.0, 2.0])
    msg = "Expected sample_weight of shape (2,), one per sample; got shape (2, 1)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_sample_weight([[0], [2]], 2)


def test_sample_weight_errors():
    msg = (
        "Expected sample_weight of shape (3,), one per sample; got shape (2,) instead."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_sample_weight([1, 2], 3)
    msg = "Expected non-negative sample_weight; got values down to -2.0 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_sample_weight([1, -2, 3], 3)
    msg = "Expected finite sample_weight; got NaN or infinite values."
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_sample_weight([1, np.inf, 3], 3)
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_sample_weight([1, np.nan, 3], 3)


def test_sample_weight_2d_error_names_sample_weight():
    msg = (
        "Expected sample_weight of shape (2,), one per sample; got shape (2, 2) "
        "instead."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_sample_weight([[1, 2], [3, 4]], 2)


# --------------------------------------------------------------------------
# long_to_wide / wide_to_long
# --------------------------------------------------------------------------

X5 = np.arange(10.0).reshape(5, 2)


def test_long_to_wide_places_labels():
    y = [1.0, 2.0, 3.0, 4.0, 5.0]
    task = [0, 2, 1, 0, 2]
    X, Y = long_to_wide(X5, y, task)
    assert X is X5
    assert Y.shape == (5, 3)
    expected = np.full((5, 3), np.nan)
    expected[np.arange(5), task] = y
    assert_array_equal(Y, expected)
    # exactly one label per row
    assert_array_equal((~np.isnan(Y)).sum(axis=1), np.ones(5))


def test_long_wide_round_trip():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    y = rng.normal(size=12)
    task = rng.integers(0, 4, size=12)
    X_long, y_long, task_long = wide_to_long(*long_to_wide(X, y, task))
    # one label per row: rows come back in their original (sorted) order
    assert_array_equal(X_long, X)
    assert_array_equal(y_long, y)
    assert_array_equal(task_long, task)
    assert task_long.dtype == np.intp


def test_wide_to_long_row_major_order():
    Y = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 3.0], [4.0, 5.0, 6.0]])
    X = np.arange(3.0)[:, None]
    X_long, y, task = wide_to_long(X, Y)
    rows, cols = np.nonzero(~np.isnan(Y))
    assert_array_equal(X_long[:, 0], rows)
    assert_array_equal(y, Y[rows, cols])
    assert_array_equal(task, cols)
    assert_array_equal(y, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    # long_to_wide of the result gives one row per label, each in its task
    _, Y_back = long_to_wide(X_long, y, task, n_tasks=3)
    assert_array_equal(np.nansum(Y_back, axis=0), np.nansum(Y, axis=0))


def test_wide_to_long_missing_label_and_dataframe():
    Y = np.array([[1, -1], [2, 3], [-1, -1], [4, 5]])
    X_long, y, task = wide_to_long(X5[:4], Y, missing_label=-1)
    assert_array_equal(y, [1, 2, 3, 4, 5])
    assert_array_equal(task, [0, 0, 1, 0, 1])
    assert_array_equal(X_long, X5[[0, 1, 1, 3, 3]])
    Xdf = pd.DataFrame(X5[:4], columns=["f1", "f2"])
    Ydf = pd.DataFrame({"a": [1.0, None, 3.0, 4.0], "b": [np.nan, 2.0, np.nan, 6.0]})
    X_long, y, task = wide_to_long(Xdf, Ydf)
    assert isinstance(X_long, pd.DataFrame)
    assert X_long.index.tolist() == [0, 1, 2, 3, 3]
    assert y.dtype == np.float64
    assert_array_equal(y, [1.0, 2.0, 3.0, 4.0, 6.0])
    assert_array_equal(task, [0, 1, 0, 0, 1])


def test_long_to_wide_string_labels_object_with_none():
    y = np.array(["a", "b", "c", "d", "e"])
    _, Y = long_to_wide(X5, y, [0, 2, 1, 0, 2])
    assert Y.dtype == object
    assert Y.tolist() == [
        ["a", None, None],
        [None, None, "b"],
        [None, "c", None],
        ["d", None, None],
        [None, None, "e"],
    ]
    # the result is a valid classification target
    targets = check_multitask_targets(Y, target_type=CLF)
    assert [c.tolist() for c in targets.classes] == [["a", "d"], ["c"], ["b", "e"]]


def test_long_wide_round_trip_string_labels():
    y = np.array(["a", "b", "c", "d", "e"], dtype=object)
    task = np.array([0, 2, 1, 0, 2])
    X_long, y_long, task_long = wide_to_long(*long_to_wide(X5, y, task))
    assert_array_equal(X_long, X5)
    assert y_long.tolist() == y.tolist()
    assert_array_equal(task_long, task)


def test_long_to_wide_n_tasks_larger_than_max():
    X, Y = long_to_wide(X5, [1, 2, 3, 4, 5], [0, 1, 1, 0, 1], n_tasks=4)
    assert Y.shape == (5, 4)
    assert np.all(np.isnan(Y[:, 2:]))
    assert_array_equal(Y[:, 0], [1, np.nan, np.nan, 4, np.nan])
    # the unlabelled tasks survive a round trip with no rows
    _, y, task = wide_to_long(X, Y)
    assert_array_equal(y, [1, 2, 3, 4, 5])
    assert task.max() == 1


def test_long_to_wide_integral_float_tasks_accepted():
    _, Y_float = long_to_wide(X5, [1, 2, 3, 4, 5], np.array([0.0, 1.0, 1.0, 0.0, 1.0]))
    _, Y_int = long_to_wide(X5, [1, 2, 3, 4, 5], [0, 1, 1, 0, 1])
    assert_array_equal(Y_float, Y_int)


@pytest.mark.parametrize(
    "task, dtype",
    [
        ([0.5, 1.0, 1.0, 0.0, 1.0], "float64"),
        ([0.0, 1.0, 1.0, 0.0, np.nan], "float64"),
        (["a", "b", "a", "a", "b"], "<U1"),
    ],
    ids=["fraction", "nan", "strings"],
)
def test_long_to_wide_non_integer_task_error(task, dtype):
    msg = (
        f"Expected integer task indices; got an array of dtype {dtype} instead. "
        "Encode task labels first, e.g. with numpy.unique(task, "
        "return_inverse=True)."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        long_to_wide(X5, [1, 2, 3, 4, 5], task)


def test_long_to_wide_task_errors():
    y = [1, 2, 3, 4, 5]
    msg = "Expected task indices in [0, 2); got values from 0 to 2 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        long_to_wide(X5, y, [0, 1, 2, 0, 1], n_tasks=2)
    msg = "Expected task indices in [0, 2); got values from -1 to 1 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        long_to_wide(X5, y, [0, -1, 1, 0, 1])
    msg = "Expected task of length 5, one index per row; got 4 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        long_to_wide(X5, y, [0, 1, 1, 0])
    msg = "Expected n_tasks to be a positive int; got 0."
    with pytest.raises(ValueError, match=re.escape(msg)):
        long_to_wide(X5, y, [0, 1, 1, 0, 1], n_tasks=0)
    msg = "Found input variables with inconsistent numbers of samples: [5, 4]"
    with pytest.raises(ValueError, match=re.escape(msg)):
        long_to_wide(X5, y[:4], [0, 1, 1, 0])


def test_sparse_x_kept_sparse():
    Xs = sparse.csr_matrix(X5)
    X, Y = long_to_wide(Xs, [1.0, 2.0, 3.0, 4.0, 5.0], [0, 1, 1, 0, 1])
    assert X is Xs
    Y[2, 1] = np.nan  # row 2 has no label any more
    Y[3, 1] = 7.0  # row 3 has two
    X_long, y, task = wide_to_long(Xs, Y)
    assert sparse.issparse(X_long)
    assert_array_equal(X_long.toarray(), X5[[0, 1, 3, 3, 4]])
    assert_array_equal(y, [1.0, 2.0, 4.0, 7.0, 5.0])
    assert_array_equal(task, [0, 1, 0, 1, 1])


# --------------------------------------------------------------------------
# from_task_lists / select_own_task
# --------------------------------------------------------------------------


def test_from_task_lists_dense():
    X_list = [X5[:2], X5[2:]]
    y_list = [[1.0, 2.0], [3.0, 4.0, 5.0]]
    X, Y = from_task_lists(X_list, y_list)
    assert_array_equal(X, X5)
    expected = np.array(
        [[1.0, np.nan], [2.0, np.nan], [np.nan, 3.0], [np.nan, 4.0], [np.nan, 5.0]]
    )
    assert_array_equal(Y, expected)
    # the long layout of it gives the lists back
    _, y, task = wide_to_long(X, Y)
    assert_array_equal(y, np.concatenate(y_list))
    assert_array_equal(task, [0, 0, 1, 1, 1])


def test_from_task_lists_sparse_and_empty_task():
    X_list = [sparse.csr_matrix(X5[:2]), X5[2:], np.empty((0, 2))]
    X, Y = from_task_lists(X_list, [[1, 2], [3, 4, 5], []])
    assert sparse.issparse(X)
    assert X.format == "csr"
    assert_array_equal(X.toarray(), X5)
    assert Y.shape == (5, 3)  # the task without rows still has a column
    assert np.all(np.isnan(Y[:, 2]))


def test_from_task_lists_string_labels():
    _, Y = from_task_lists([X5[:2], X5[2:]], [["a", "b"], ["c", "d", "e"]])
    assert Y.dtype == object
    assert Y[:, 0].tolist() == ["a", "b", None, None, None]
    assert Y[:, 1].tolist() == [None, None, "c", "d", "e"]


def test_from_task_lists_errors():
    msg = (
        "Expected 2-D feature arrays with the same number of columns for every "
        "task; got shapes [(2, 2), (3, 1)]."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        from_task_lists([X5[:2], X5[2:, :1]], [[1, 2], [3, 4, 5]])
    msg = (
        "Expected 2-D feature arrays with the same number of columns for every "
        "task; got shapes [(2,), (3, 2)]."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        from_task_lists([[1.0, 2.0], X5[2:]], [[1, 2], [3, 4, 5]])
    msg = "Task 1: expected 3 labels, one per row of its X; got 2 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        from_task_lists([X5[:2], X5[2:]], [[1, 2], [3, 4]])
    msg = (
        "Expected as many label arrays as feature arrays; got 2 feature arrays "
        "and 1 label arrays."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        from_task_lists([X5[:2], X5[2:]], [[1, 2]])
    msg = "Expected at least one task; got empty lists."
    with pytest.raises(ValueError, match=re.escape(msg)):
        from_task_lists([], [])


def test_select_own_task():
    Y = np.array([[1, 2], [3, 4], [5, 6]])
    assert_array_equal(select_own_task(Y, [1, 0, 1]), [2, 3, 6])
    assert_array_equal(select_own_task(Y, [1.0, 0.0, 1.0]), [2, 3, 6])
    Yo = np.array([["a", "b"], ["c", "d"]], dtype=object)
    assert select_own_task(Yo, [1, 0]).tolist() == ["b", "c"]
    # inverse of long_to_wide: each row's own label comes back
    y = np.array([1.5, 2.5, 3.5, 4.5, 5.5])
    task = [2, 0, 1, 2, 0]
    _, Y_wide = long_to_wide(X5, y, task)
    assert_array_equal(select_own_task(Y_wide, task), y)


def test_select_own_task_errors():
    Y = np.array([[1, 2], [3, 4], [5, 6]])
    msg = "Expected task indices in [0, 2); got values from 0 to 2 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        select_own_task(Y, [1, 0, 2])
    msg = "Expected task of length 3, one index per row; got 2 instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        select_own_task(Y, [1, 0])
    msg = "Expected Y of shape (n_samples, n_tasks); got shape (3,) instead."
    with pytest.raises(ValueError, match=re.escape(msg)):
        select_own_task([1, 2, 3], [0, 0, 0])


def test_show_versions_lists_the_dependencies(capsys, monkeypatch):
    import importlib.metadata

    from sklearn_mtl import _show_versions, show_versions

    real_version = importlib.metadata.version

    def version(name):
        if name == "rdkit":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name) if name != "pooch" else "1.2.3"

    monkeypatch.setattr(_show_versions, "version", version)
    show_versions()
    lines = capsys.readouterr().out.splitlines()
    entries = dict(line.strip().split(": ", 1) for line in lines if ": " in line)
    assert entries["scikit-learn"] == real_version("scikit-learn")
    assert entries["torch"] == real_version("torch")
    assert entries["pooch"] == "1.2.3"
    assert entries["rdkit"] == "not installed"
    assert entries["CUDA available"] in ("True", "False")
    assert "Python dependencies:" in lines
