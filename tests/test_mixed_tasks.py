"""Tasks of different types: the data contract's per-task types, the mixed net
(:class:`MultiTaskNet`) and its score.

The references are a plain PyTorch loop on the hand-encoded targets, the
single-type nets (which must give the same fits on single-type ``Y``) and
hand computations of the per-task scores.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from neural_helpers import (
    FULL_BATCH,
    SMALL,
    assert_same_state,
    batch_losses,
    classification_data,
    fixed_split,
    plain_torch_loop,
    raises,
    regression_data,
)
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from sklearn_mtl.metrics import (
    make_multitask_scorer,
    multitask_accuracy_score,
    multitask_mixed_score,
)
from sklearn_mtl.neural import (
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    TaskScoring,
)
from sklearn_mtl.utils import check_multitask_targets
from sklearn_mtl.utils._targets import infer_task_type

KINDS, SIZES = ["regression", "binary", "multiclass"], [1, 1, 3]


def mixed_data(n_samples=40, seed=0, missing_rate=0.25):
    """A continuous price, a "yes"/"no" churn flag and a grade 1/2/3 (floats).

    Returns ``X``, ``Y`` (a DataFrame, missing labels as NaN or None) and the
    same labels as numbers: the price, churn as 0/1, the grade's class index.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5)).astype(np.float32)
    price = 2.0 * X[:, 0] + 0.5 + rng.normal(scale=0.1, size=n_samples)
    churn = (X[:, 1] + 0.3 * rng.normal(size=n_samples) > 0).astype(float)
    grade = np.digitize(X[:, 2], [-0.4, 0.4]).astype(float)
    numbers = np.column_stack([price, churn, grade])
    numbers[rng.random(numbers.shape) < missing_rate] = np.nan
    numbers[:6] = [  # every class present, every task labelled
        [0.3, 0, 0],
        [1.7, 1, 1],
        [-0.2, 0, 2],
        [0.9, 1, 0],
        [2.5, 0, 1],
        [1.1, 1, 2],
    ]
    churn_labels = np.where(numbers[:, 1] == 1, "yes", "no").astype(object)
    churn_labels[np.isnan(numbers[:, 1])] = None
    Y = pd.DataFrame(
        {"price": numbers[:, 0], "churn": churn_labels, "grade": numbers[:, 2] + 1}
    )
    return X, Y, numbers


# ------------------------------------------------ 1. the data contract
def test_contract_infers_a_type_per_column():
    Y = np.array(
        [
            [0.5, "a", 1, True, 2.0, 1.0],
            [1.5, "b", 2, False, 3.0, 1.0],
            [np.nan, None, 3, True, 4.0, np.nan],
            [2.0, "c", 3, False, np.nan, 0.0],
        ],
        dtype=object,
    )
    targets = check_multitask_targets(Y, target_type="auto")
    assert targets.task_types == (
        "continuous",  # floats, one not an integer
        "multiclass",  # strings
        "multiclass",  # integers
        "binary",  # booleans
        "multiclass",  # integer-valued floats: classes (the documented caveat)
        "binary",
    )
    assert targets.classes[0] is None
    np.testing.assert_array_equal(targets.classes[1], ["a", "b", "c"])
    np.testing.assert_array_equal(targets.classes[4], [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(targets.values[:, 0], [0.5, 1.5, np.nan, 2.0])
    np.testing.assert_array_equal(targets.values[:, 1], [0, 1, np.nan, 2])
    rows, labels = targets.labels(0)  # continuous: the values themselves
    np.testing.assert_array_equal(rows, [0, 1, 3])
    np.testing.assert_array_equal(labels, [0.5, 1.5, 2.0])
    np.testing.assert_array_equal(targets.labels(1)[1], ["a", "b", "c"])
    # declared types, by list or by dict (the others inferred)
    declared = check_multitask_targets(
        Y, target_type={4: "continuous", 5: "multiclass"}
    )
    assert declared.task_types[4:] == ("continuous", "multiclass")
    assert declared.classes[4] is None
    np.testing.assert_array_equal(declared.values[:, 4], [2.0, 3.0, 4.0, np.nan])
    listed = check_multitask_targets(Y[:, :2], target_type=["auto", "multiclass"])
    assert listed.task_types == ("continuous", "multiclass")


def test_contract_single_type_targets_unchanged():
    Y = np.array([[1.0, 0.0], [2.0, 1.0]])
    assert check_multitask_targets(Y).task_types == ("continuous",) * 2
    assert check_multitask_targets(Y).classes is None
    targets = check_multitask_targets(
        np.array([[1, 0], [2, 1], [3, 1]]), target_type="classification"
    )
    assert targets.task_types == ("multiclass", "binary")


def test_contract_pandas_column_types_and_names():
    Y = pd.DataFrame(
        {
            "income": pd.array([1.5, None, 2.25], dtype="Float64"),
            "children": pd.array([0, 2, None], dtype="Int64"),
            "city": pd.array(["x", None, "y"], dtype="string"),
        }
    )
    targets = check_multitask_targets(Y, target_type="auto")
    assert targets.task_types == ("continuous", "binary", "binary")
    targets = check_multitask_targets(Y, target_type={"children": "continuous"})
    assert targets.task_types == ("continuous", "continuous", "binary")


@pytest.mark.parametrize(
    "target_type, message",
    [
        (
            ["continuous", "regression"],
            "Expected the type of task 1 to be one of ['auto', 'continuous', "
            "'binary', 'multiclass']; got 'regression' instead.",
        ),
        (
            ["continuous"],
            "Expected a task type for each of the 2 tasks; got 1 instead.",
        ),
        (
            {"grade": "binary"},
            "Got task name 'grade' as a key of the task types, but the tasks have "
            "no names (pass Y as a pandas DataFrame); use task indices instead.",
        ),
        (
            {2: "binary"},
            "Expected task indices in [0, 2) as keys of the task types; got 2 instead.",
        ),
        (
            ["auto", "binary"],
            "Task 1 is declared binary but holds 3 classes ['a', 'b', 'c']; "
            "declare it 'multiclass'.",
        ),
        (
            ["auto", "continuous"],
            "Expected numeric labels for a continuous target; task 1 holds "
            "non-numeric labels such as 'a'.",
        ),
        (
            "multiclass",
            "Expected target_type to be 'continuous' or 'classification'; got "
            "'multiclass' instead.",
        ),
    ],
)
def test_contract_bad_task_types(target_type, message):
    Y = np.array([[0.5, "a"], [1.5, "b"], [2.5, "c"]], dtype=object)
    with raises(ValueError, message):
        check_multitask_targets(Y, target_type=target_type)


def test_contract_dict_names_suggest_the_closest():
    Y = pd.DataFrame({"price": [0.5, 1.5], "churn": ["a", "b"]})
    with raises(
        ValueError,
        "Unknown task 'chrun' in the task types; expected one of ['price', "
        "'churn']. Did you mean 'churn'?",
    ):
        check_multitask_targets(Y, target_type={"chrun": "binary"})


def test_infer_task_type_rule():
    assert infer_task_type(np.array([1.0, 2.5])) == "continuous"
    assert infer_task_type(np.array([1.0, 2.0, 7.0])) == "multiclass"
    assert infer_task_type(np.array([0, 1])) == "binary"
    assert infer_task_type(np.array([1.5, 2, 3], dtype=object)) == "continuous"
    assert infer_task_type(np.array([True, False])) == "binary"


# ----------------------------------------- 2. training: the mixed net
def encoded(numbers):
    """The targets the net should train on: standardized price, class codes."""
    codes = numbers.copy()
    price = numbers[~np.isnan(numbers[:, 0]), 0]
    codes[:, 0] = (numbers[:, 0] - price.mean()) / price.std()
    return codes


@pytest.mark.parametrize("shuffle", [True, False])
def test_mixed_net_matches_plain_torch_loop(shuffle):
    X, Y, numbers = mixed_data()
    net = MultiTaskNet(
        module__hidden_units=(8,),
        max_epochs=2,
        batch_size=16,
        train_split=None,
        lr=0.02,
        task_weights=[1.0, 2.0, 3.0],
        iterator_train__shuffle=shuffle,
        verbose=0,
        random_state=3,
    ).fit(X, Y)
    assert net.task_types_ == ("continuous", "binary", "multiclass")
    assert net.task_kinds_ == tuple(KINDS)
    assert net.output_sizes_ == tuple(SIZES)
    expected_losses, model, task_losses = plain_torch_loop(
        X,
        encoded(numbers),
        kinds=KINDS,
        sizes=SIZES,
        seed=3,
        lr=0.02,
        shuffle=shuffle,
        task_weights=[1.0, 2.0, 3.0],
    )
    np.testing.assert_allclose(batch_losses(net), expected_losses, rtol=1e-6)
    assert_same_state(net.module_, model, rtol=1e-5, atol=1e-6)
    for t, name in enumerate(["price", "churn", "grade"]):
        np.testing.assert_allclose(
            net.history[:, f"train_loss_{name}"], task_losses[:, t], rtol=1e-5
        )


def test_predictions_in_each_task_space():
    X, Y, numbers = mixed_data()
    net = MultiTaskNet(max_epochs=3, **SMALL).fit(X, Y)
    outputs = net.forward(X).numpy().astype(np.float64)
    price = numbers[~np.isnan(numbers[:, 0]), 0]
    np.testing.assert_allclose(net.target_mean_[0], price.mean())
    np.testing.assert_allclose(net.target_scale_[0], price.std())
    assert (
        np.isnan(net.target_mean_[1:]).all() and np.isnan(net.target_scale_[1:]).all()
    )
    assert net.classes_[0] is None
    np.testing.assert_array_equal(net.classes_[1], ["no", "yes"])
    np.testing.assert_array_equal(net.classes_[2], [1.0, 2.0, 3.0])
    Y_pred = net.predict(X)
    assert Y_pred.shape == (40, 3) and Y_pred.dtype == object
    np.testing.assert_allclose(
        Y_pred[:, 0].astype(float),
        outputs[:, 0] * price.std() + price.mean(),
        rtol=1e-5,
    )
    proba = net.predict_proba(X)
    assert proba[0] is None
    np.testing.assert_allclose(proba[1][:, 1], expit(outputs[:, 1]), rtol=1e-5)
    np.testing.assert_allclose(proba[2], softmax(outputs[:, 2:5], axis=1), rtol=1e-5)
    np.testing.assert_array_equal(
        Y_pred[:, 1], np.array(["no", "yes"])[np.argmax(proba[1], axis=1)]
    )
    np.testing.assert_array_equal(
        Y_pred[:, 2].astype(float), np.array([1.0, 2.0, 3.0])[proba[2].argmax(1)]
    )


@pytest.mark.parametrize(
    "Net, make_data",
    [
        (MultiTaskNetRegressor, regression_data),
        (MultiTaskNetClassifier, classification_data),
    ],
)
def test_single_type_Y_gives_the_single_type_nets_fit(Net, make_data):
    X, Y = make_data()
    params = {**SMALL, "max_epochs": 2, "batch_size": 16}
    single = Net(**params).fit(X, Y)
    # with the module the single-type net builds (the classifier's batch
    # normalization and dropout; MultiTaskNet keeps the module's defaults)
    module_defaults = {f"module__{k}": v for k, v in Net.MODULE_DEFAULTS.items()}
    mixed = MultiTaskNet(**params, **module_defaults).fit(X, Y)
    assert mixed.task_kinds_ == single.task_kinds_
    assert batch_losses(mixed) == batch_losses(single)
    np.testing.assert_array_equal(mixed.predict(X), single.predict(X))
    if Net is MultiTaskNetClassifier:
        for got, want in zip(
            mixed.predict_proba(X), single.predict_proba(X), strict=True
        ):
            np.testing.assert_array_equal(got, want)


def test_integer_valued_regression_target_needs_its_type():
    X, Y, _ = mixed_data()
    Y["age"] = np.round(40 + 10 * X[:, 3])
    params = {**SMALL, "max_epochs": 1}
    with pytest.warns(UserWarning, match="could represent a regression problem"):
        inferred = MultiTaskNet(**params).fit(X, Y)
    assert inferred.task_types_[3] == "multiclass"
    assert inferred.output_sizes_[3] == np.unique(Y["age"]).size
    declared = MultiTaskNet(task_types={"age": "continuous"}, **params).fit(X, Y)
    assert declared.task_types_[3] == "continuous"
    assert declared.output_sizes_ == (1, 1, 3, 1)
    assert declared.predict(X)[:, 3].astype(float).std() > 0
    listed = MultiTaskNet(
        task_types=["continuous", "binary", "multiclass", "continuous"], **params
    ).fit(X, Y)
    np.testing.assert_array_equal(listed.predict(X), declared.predict(X))


def test_single_class_task_in_mixed_y():
    X, Y, _ = mixed_data()
    Y["churn"] = np.where(Y["churn"].isna(), None, "no")
    with pytest.warns(UserWarning, match=r"Task 'churn' \(index 1\) has a single"):
        net = MultiTaskNet(max_epochs=1, **SMALL).fit(X, Y)
    assert net.task_kinds_ == ("regression", "constant", "multiclass")
    assert set(net.predict(X)[:, 1]) == {"no"}
    np.testing.assert_array_equal(net.predict_proba(X)[1], np.ones((40, 1)))


def test_one_dimensional_y_mirrors_its_shape():
    X, Y, _ = mixed_data()
    net = MultiTaskNet(max_epochs=1, **SMALL).fit(X, Y["churn"].to_numpy())
    assert net.task_types_ == ("binary",)
    assert net.predict(X).shape == (40,)
    assert net.predict_proba(X).shape == (40, 2)
    np.testing.assert_array_equal(net.classes_, ["no", "yes"])
    regression = MultiTaskNet(max_epochs=1, **SMALL).fit(X, Y["price"].to_numpy())
    assert regression.classes_ is None
    assert regression.predict(X).dtype == np.float64


def test_predict_proba_needs_a_classification_task():
    X, Y, _ = mixed_data()
    assert hasattr(MultiTaskNet(), "predict_proba")
    net = MultiTaskNet(max_epochs=1, **SMALL).fit(X, Y[["price"]])
    assert not hasattr(net, "predict_proba")
    with pytest.raises(AttributeError) as info:
        net.predict_proba(X)
    assert str(info.value.__cause__) == (
        "MultiTaskNet has no predict_proba: none of its tasks is a classification "
        "task (task types ['continuous'])."
    )


def test_partial_fit_keeps_the_types_of_the_first_call():
    X, Y, _ = mixed_data()
    net = MultiTaskNet(max_epochs=1, **SMALL)
    net.partial_fit(X, Y, classes=[None, ["maybe", "no", "yes"], [1.0, 2.0, 3.0]])
    assert net.task_types_ == ("continuous", "binary", "multiclass")
    assert net.output_sizes_ == (1, 3, 3)  # the declared classes
    later = Y.copy()
    later["price"] = np.round(later["price"])  # integer-valued now
    net.partial_fit(X, later)
    assert net.task_types_ == ("continuous", "binary", "multiclass")
    assert len(net.history) == 2


# ------------------------------------------------------- 3. the score
def test_score_against_hand_computation():
    X, Y, _ = mixed_data()
    X_test, Y_test, numbers_test = mixed_data(seed=1)
    net = MultiTaskNet(max_epochs=3, **SMALL).fit(X, Y)
    Y_pred = net.predict(X_test)
    observed = ~np.isnan(numbers_test)
    r2 = r2_score(numbers_test[observed[:, 0], 0], Y_pred[observed[:, 0], 0])
    accuracies = [
        np.mean(Y_pred[observed[:, t], t] == Y_test.iloc[:, t][observed[:, t]])
        for t in (1, 2)
    ]
    expected = np.mean([r2, *accuracies])
    assert net.score(X_test, Y_test) == pytest.approx(expected)
    assert make_multitask_scorer(multitask_mixed_score)(
        net, X_test, Y_test
    ) == pytest.approx(expected)
    assert make_multitask_scorer(multitask_mixed_score, task="churn")(
        net, X_test, Y_test
    ) == pytest.approx(accuracies[0])
    assert make_multitask_scorer("r2", task="price")(
        net, X_test, Y_test
    ) == pytest.approx(r2)
    # weighted
    weights = np.linspace(0.5, 2.0, 40)
    w_r2 = r2_score(
        numbers_test[observed[:, 0], 0],
        Y_pred[observed[:, 0], 0],
        sample_weight=weights[observed[:, 0]],
    )
    w_accuracies = [
        accuracy_score(
            Y_test.iloc[:, t][observed[:, t]].tolist(),
            Y_pred[observed[:, t], t].tolist(),
            sample_weight=weights[observed[:, t]],
        )
        for t in (1, 2)
    ]
    assert net.score(X_test, Y_test, sample_weight=weights) == pytest.approx(
        np.mean([w_r2, *w_accuracies])
    )


def test_mixed_score_of_classification_tasks_is_the_accuracy():
    Y_true = np.array([["a", 1], ["b", 2], [None, 2], ["b", 1]], dtype=object)
    Y_pred = np.array([["a", 1], ["a", 2], ["b", 1], ["b", 1]], dtype=object)
    np.testing.assert_allclose(
        multitask_mixed_score(Y_true, Y_pred, multioutput="raw_values"),
        multitask_accuracy_score(Y_true, Y_pred, multioutput="raw_values"),
    )


def test_task_scoring_with_the_mixed_score():
    X, Y, _ = mixed_data()
    valid_rows = np.arange(20, 40)
    net = MultiTaskNet(
        max_epochs=2,
        train_split=fixed_split(valid_rows),
        callbacks=[TaskScoring(multitask_mixed_score, name="mixed")],
        **SMALL,
    ).fit(X, Y)
    expected = multitask_mixed_score(
        Y.iloc[valid_rows],
        net.predict(X[valid_rows]),
        task_types=list(net.task_types_),
        multioutput="raw_values",
    )
    np.testing.assert_allclose(
        [net.history[-1, f"valid_mixed_{name}"] for name in Y.columns],
        expected,
        rtol=1e-6,
    )


def test_grid_search_scores_mixed_tasks():
    X, Y, _ = mixed_data(n_samples=48)
    cv = KFold(2, shuffle=True, random_state=0)
    net = MultiTaskNet(max_epochs=2, batch_size=16, **SMALL)
    search = GridSearchCV(net, {"task_weights": [None, [1.0, 2.0, 1.0]]}, cv=cv)
    search.fit(X, Y)
    train, test = next(cv.split(X))
    model = clone(net).set_params(task_weights=[1.0, 2.0, 1.0])
    model.fit(X[train], Y.iloc[train])
    assert search.cv_results_["split0_test_score"][1] == pytest.approx(
        model.score(X[test], Y.iloc[test])
    )


# ----------------------------------------- 4. validation sets, weights
def test_predefined_validation_set_of_raw_mixed_labels():
    X, Y, _ = mixed_data()
    X_valid, Y_valid, numbers_valid = mixed_data(seed=1)
    net = MultiTaskNet(
        max_epochs=2, train_split=predefined_split(Dataset(X_valid, Y_valid)), **SMALL
    ).fit(X, Y)
    observed = ~np.isnan(numbers_valid)
    residuals = (net.predict(X_valid)[:, 0].astype(float) - numbers_valid[:, 0]) / (
        net.target_scale_[0]
    )
    proba = net.predict_proba(X_valid)
    expected = [np.mean(residuals[observed[:, 0]] ** 2)]
    for t in (1, 2):
        codes = numbers_valid[observed[:, t], t].astype(int)
        expected.append(
            -np.mean(np.log(proba[t][observed[:, t]][np.arange(codes.size), codes]))
        )
    np.testing.assert_allclose(
        [net.history[-1, f"valid_loss_{name}"] for name in Y.columns],
        expected,
        rtol=1e-5,
    )


def test_mixed_weighted_fit_equals_fit_on_repeated_rows():
    X, Y, _ = mixed_data()
    weights = np.random.default_rng(0).integers(1, 4, size=len(X))
    params = {**FULL_BATCH, "optimizer": torch.optim.SGD, "lr": 0.1, "max_epochs": 4}
    weighted = MultiTaskNet(**params).fit(X, Y, sample_weight=weights.astype(float))
    repeated = MultiTaskNet(**params).fit(
        np.repeat(X, weights, 0), Y.loc[Y.index.repeat(weights)]
    )
    np.testing.assert_allclose(
        batch_losses(weighted), batch_losses(repeated), rtol=1e-6
    )
    np.testing.assert_allclose(weighted.target_mean_, repeated.target_mean_)
    assert_same_state(weighted.module_, repeated.module_, rtol=1e-5, atol=1e-6)


def test_unlabelled_rows_change_nothing():
    X, Y, _ = mixed_data()
    X_extra = np.vstack([X, np.random.default_rng(1).normal(size=(8, 5))])
    Y_extra = pd.concat(
        [
            Y,
            pd.DataFrame(
                {"price": [np.nan] * 8, "churn": [None] * 8, "grade": [np.nan] * 8}
            ),
        ],
        ignore_index=True,
    )
    params = {**FULL_BATCH, "max_epochs": 3}
    fitted = MultiTaskNet(**params).fit(X, Y)
    extra = MultiTaskNet(**params).fit(X_extra.astype(np.float32), Y_extra)
    assert batch_losses(extra) == batch_losses(fitted)
    np.testing.assert_array_equal(extra.predict(X), fitted.predict(X))


# ------------------------------------------- 5. persistence and errors
def test_pickle_and_clone():
    X, Y, _ = mixed_data()
    net = MultiTaskNet(task_types={"grade": "multiclass"}, max_epochs=2, **SMALL)
    net.fit(X, Y)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    for got, want in zip(
        restored.predict_proba(X)[1:], net.predict_proba(X)[1:], strict=True
    ):
        np.testing.assert_array_equal(got, want)
    cloned = clone(net)
    assert not cloned.initialized_ and not hasattr(cloned, "task_types_")
    assert cloned.get_params()["task_types"] == {"grade": "multiclass"}
    np.testing.assert_array_equal(cloned.fit(X, Y).predict(X), net.predict(X))


@pytest.mark.parametrize(
    "task_types, message",
    [
        (
            "continuous",
            "Expected task_types to be 'auto', a list or a dict of task types among "
            "['continuous', 'binary', 'multiclass']; got 'continuous' instead.",
        ),
        (
            ["continuous", "binary"],
            "Expected a task type for each of the 3 tasks; got 2 instead.",
        ),
        (
            {"grade": "binary"},
            "Task 'grade' (index 2) is declared binary but holds 3 classes [1.0, "
            "2.0, 3.0]; declare it 'multiclass'.",
        ),
        (
            {"churn": "continuous"},
            "Expected numeric labels for a continuous target; task 'churn' (index "
            "1) holds non-numeric labels such as ",
        ),
    ],
)
def test_bad_task_types(task_types, message):
    X, Y, _ = mixed_data()
    with raises(ValueError, message):
        MultiTaskNet(task_types=task_types, max_epochs=1, **SMALL).fit(X, Y)


def test_classes_for_a_continuous_task_is_an_error():
    X, Y, _ = mixed_data()
    with raises(
        ValueError,
        "Task 'price' (index 0) is continuous; expected None as its classes, got "
        "[0, 1] instead.",
    ):
        MultiTaskNet(max_epochs=1, **SMALL).partial_fit(
            X, Y, classes=[[0, 1], ["no", "yes"], [1.0, 2.0, 3.0]]
        )


def test_unseen_class_after_fit_is_an_error():
    X, Y, _ = mixed_data()
    net = MultiTaskNet(max_epochs=1, warm_start=True, **SMALL).fit(X, Y)
    later = Y.copy()
    later.loc[0, "churn"] = "maybe"
    with raises(
        ValueError,
        "Task 'churn' (index 1) holds labels ['maybe'] that are not among its "
        "classes ['no', 'yes']",
    ):
        net.fit(X, later)
