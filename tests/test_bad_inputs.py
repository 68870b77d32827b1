"""The table of bad and edge inputs: every public entry point, every outcome.

Each case names an entry point, an input and the outcome we promise: an
error of a given type whose message says what was expected and what was got
(matched in full or in its telling part), a warning, or a fit whose
predictions are finite and of the right shape. No case may pass silently with
garbage, and no message may come from deep inside numpy, torch or skorch.
"""

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from sklearn_mtl.linear_model import (
    L21,
    MultiTaskElasticNet,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    MultiTaskLogisticRegression,
    TraceNorm,
)
from sklearn_mtl.metrics import (
    make_multitask_scorer,
    multitask_average_precision_score,
    multitask_log_loss,
    multitask_mean_absolute_error,
    multitask_mean_squared_error,
    multitask_r2_score,
    multitask_roc_auc_score,
    normalized_mean_squared_error,
    pooled_explained_variance_score,
)
from sklearn_mtl.model_selection import MultiTaskStratifiedKFold, compare_estimators
from sklearn_mtl.neural import (
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)

N_SAMPLES, N_FEATURES, N_TASKS = 30, 3, 2
RNG = np.random.default_rng(0)
X0 = RNG.standard_normal((N_SAMPLES, N_FEATURES))
Y_REGRESSION = X0[:, :N_TASKS] + 0.1 * RNG.standard_normal((N_SAMPLES, N_TASKS))
Y_CLASSES = (Y_REGRESSION > 0).astype(np.float64)
FIRST_ROW = np.arange(N_SAMPLES)[:, None] == 0


def small_net(kind):
    return kind(max_epochs=2, module__hidden_units=(4,))


ESTIMATORS = {
    "IndependentTaskRegressor": IndependentTaskRegressor(Ridge()),
    "PooledTaskRegressor": PooledTaskRegressor(Ridge()),
    "IndependentTaskClassifier": IndependentTaskClassifier(LogisticRegression()),
    "PooledTaskClassifier": PooledTaskClassifier(LogisticRegression()),
    "MultiTaskLasso": MultiTaskLasso(alpha=0.01),
    "MultiTaskElasticNet": MultiTaskElasticNet(alpha=0.01),
    "MultiTaskLassoCV": MultiTaskLassoCV(cv=2, alphas=3),
    "MultiTaskLinearRegressor": MultiTaskLinearRegressor(penalty=TraceNorm(0.1)),
    "MultiTaskLinearClassifier": MultiTaskLinearClassifier(penalty=L21(0.01)),
    "MultiTaskLogisticRegression": MultiTaskLogisticRegression(alpha=0.01),
    "MultiTaskNetRegressor": small_net(MultiTaskNetRegressor),
    "MultiTaskNetClassifier": small_net(MultiTaskNetClassifier),
    "MultiTaskNet": small_net(MultiTaskNet),
}
NETS = {"MultiTaskNetRegressor", "MultiTaskNetClassifier", "MultiTaskNet"}
BASELINES = {name for name in ESTIMATORS if "Pooled" in name or "Independent" in name}
LINEAR = set(ESTIMATORS) - NETS - BASELINES
LINEAR_REGRESSORS = {name for name in LINEAR if not is_classifier(ESTIMATORS[name])}


@dataclass(frozen=True)
class Raises:
    """An error of this type whose message matches ``pattern`` (a regex)."""

    error: type
    pattern: str


@dataclass(frozen=True)
class Fits:
    """A fit whose predictions are finite, of the right shape; warnings whose
    messages match ``warns`` (a regex) are allowed, any other fails."""

    warns: str | None = None


def fit_inputs(classification):
    """Bad and edge inputs of ``fit``: name -> (X, Y, fit parameters)."""
    X, Y = X0.copy(), (Y_CLASSES if classification else Y_REGRESSION).copy()
    n = N_SAMPLES
    zero_weight_task = Y.copy()
    zero_weight_task[5:, 1] = np.nan
    weights = np.ones(n)
    weights[:5] = 0.0
    return {
        "a task with no label": (X, np.column_stack([Y[:, 0], np.full(n, np.nan)]), {}),
        "Y with inf": (X, np.where(FIRST_ROW, np.inf, Y), {}),
        "X with NaN": (np.where(FIRST_ROW, np.nan, X), Y, {}),
        "X with inf": (np.where(FIRST_ROW, np.inf, X), Y, {}),
        "X 1-D": (X[:, 0], Y, {}),
        "X 3-D": (X[:, :, None], Y, {}),
        "Y 3-D": (X, Y[:, :, None], {}),
        "X and Y of different lengths": (X[:-1], Y, {}),
        "no rows": (X[:0], Y[:0], {}),
        "no features": (X[:, :0], Y, {}),
        "no tasks": (X, Y[:, :0], {}),
        "X of strings": (np.full(X.shape, "a"), Y, {}),
        "X complex": (X + 1j, Y, {}),
        "negative sample_weight": (X, Y, {"sample_weight": -np.ones(n)}),
        "sample_weight of the wrong length": (X, Y, {"sample_weight": np.ones(n - 1)}),
        "sample_weight with NaN": (
            X,
            Y,
            {"sample_weight": np.r_[np.nan, np.ones(n - 1)]},
        ),
        "every sample_weight zero": (X, Y, {"sample_weight": np.zeros(n)}),
        "a task whose labels all weigh zero": (
            X,
            zero_weight_task,
            {"sample_weight": weights},
        ),
        "Y with duplicated column names": (X, pd.DataFrame(Y, columns=["a", "a"]), {}),
        "X near 1e200": (X * 1e200, Y, {}),
        "a constant task": (X, np.column_stack([Y[:, 0], np.ones(n)]), {}),
        "Y as a list of lists": (X, Y.tolist(), {}),
        "Y as objects with None": (
            X,
            np.where(FIRST_ROW, None, Y.astype(object)),
            {},
        ),
        "Y boolean": (X, Y > 0.5, {}),
        "X sparse": (sp.csr_matrix(X), Y, {}),
        "X a DataFrame": (pd.DataFrame(X, columns=["a", "b", "c"]), Y, {}),
        "Y 1-D": (X, Y[:, 0], {}),
        "X float16": (X.astype(np.float16), Y, {}),
        "X float32": (X.astype(np.float32), Y, {}),
        "Y a DataFrame with task names": (X, pd.DataFrame(Y, columns=["u", "v"]), {}),
        "Y of integers": (X, np.rint(Y * 3).astype(np.int64), {}),
        "one row": (X[:1], Y[:1], {}),
        "two rows": (X[:2], Y[:2], {}),
        "Y near 1e200": (X, Y if classification else Y * 1e200, {}),
        "a task with one label": (
            X,
            np.column_stack([Y[:, 0], np.where(FIRST_ROW[:, 0], Y[:, 1], np.nan)]),
            {},
        ),
    }


FIT_CASE_NAMES = list(fit_inputs(False))

NO_LABEL = Raises(ValueError, r"^Task 1 has no observed label in Y; every task needs")
DEFAULT_OUTCOMES = {
    "a task with no label": NO_LABEL,
    "Y with inf": Raises(
        ValueError,
        r"^Expected finite labels; task 0 holds infinite values \(use NaN for a "
        r"missing label\)\.$",
    ),
    "X with NaN": Raises(ValueError, r"^Input X contains NaN\."),
    "X with inf": Raises(
        ValueError, r"^Input X contains infinity or a value too large"
    ),
    "X 1-D": Raises(ValueError, r"^Expected 2D array, got 1D array instead"),
    "X 3-D": Raises(
        ValueError, r"^Found array with dim 3, while dim <= 2 is required\."
    ),
    "Y 3-D": Raises(
        ValueError,
        r"^Expected Y of shape \(n_samples,\) or \(n_samples, n_tasks\); got an "
        r"array of shape \(30, 2, 1\) instead\.$",
    ),
    "X and Y of different lengths": Raises(
        ValueError,
        r"^Expected Y with 29 rows \(one per sample of X\); got 30 rows instead\.$",
    ),
    "no rows": Raises(
        ValueError, r"^Found array with 0 sample\(s\) \(shape=\(0, 3\)\)"
    ),
    "no features": Raises(
        ValueError, r"^Found array with 0 feature\(s\) \(shape=\(30, 0\)\)"
    ),
    "no tasks": Raises(
        ValueError,
        r"^Expected Y with at least one task \(column\); got Y with 0 columns\.$",
    ),
    "X of strings": Raises(ValueError, r"could not convert string to float"),
    "X complex": Raises(ValueError, r"^Complex data not supported"),
    "negative sample_weight": Raises(
        ValueError,
        r"^Expected non-negative sample_weight; got values down to -1\.0 instead\.$",
    ),
    "sample_weight of the wrong length": Raises(
        ValueError,
        r"^Expected sample_weight of shape \(30,\), one per sample; got shape "
        r"\(29,\) instead\.$",
    ),
    "sample_weight with NaN": Raises(
        ValueError, r"^Expected finite sample_weight; got NaN or infinite values\.$"
    ),
    "every sample_weight zero": Raises(
        ValueError,
        r"^Task 0 has no observed label with a non-zero sample_weight; every task "
        r"needs at least one to be fitted\.$",
    ),
    "a task whose labels all weigh zero": Raises(
        ValueError,
        r"^Task 1 has no observed label with a non-zero sample_weight; every task "
        r"needs at least one to be fitted\.$",
    ),
    "Y with duplicated column names": Raises(
        ValueError,
        r"^Expected Y with unique column names, since they name the tasks; got "
        r"duplicated column names \['a'\] instead\.",
    ),
    "X near 1e200": Raises(
        ValueError,
        r"^Expected features whose squares float64 can sum; feature 0 of X holds "
        r"values up to 2\.\d+e\+200 in size",
    ),
    "a constant task": Fits(),
    "Y as a list of lists": Fits(),
    "Y as objects with None": Fits(),
    "Y boolean": Fits(),
    "X sparse": Fits(),
    "X a DataFrame": Fits(),
    "Y 1-D": Fits(),
    "X float16": Fits(),
    "X float32": Fits(),
    "Y a DataFrame with task names": Fits(),
    "Y of integers": Fits(),
    "one row": Fits(),
    "two rows": Fits(),
    "Y near 1e200": Fits(),
    "a task with one label": Fits(),
}
SINGLE_CLASS = r"Task 1 has a single (observed )?class"
SINGLE_CLASSES = r"Task \d has a single (observed )?class"
LABELS_OVERFLOW = (
    r"^Expected labels whose squares float64 can sum; task 0 holds labels up to "
    r"\d\.\d+e\+200 in size, and its sum of squares overflows\. Rescale the "
    r"targets \(divide Y by a constant\)\.$"
)
OVERRIDES = {
    # The nets validate X as float32 and name themselves in the messages.
    **{
        (name, "X with inf"): Raises(
            ValueError,
            r"^Input X contains infinity or a value too large for dtype\('float32'\)",
        )
        for name in NETS
    },
    **{
        (name, "X near 1e200"): Raises(
            ValueError,
            r"^Input X contains infinity or a value too large for dtype\('float32'\)",
        )
        for name in NETS
    },
    **{
        (name, "X 3-D"): Raises(
            ValueError,
            r"^Expected 2-D input \(n_samples, n_features\) for the default MLP "
            r"trunk; got samples of shape \(3, 1\) instead\.",
        )
        for name in NETS
    },
    # The baselines pass X on to the user's estimator, which decides.
    ("IndependentTaskRegressor", "X near 1e200"): Raises(
        ValueError, r"array must not contain infs or NaNs"
    ),
    ("PooledTaskRegressor", "X near 1e200"): Raises(
        ValueError, r"array must not contain infs or NaNs"
    ),
    ("IndependentTaskClassifier", "X near 1e200"): Fits(warns=r"lbfgs failed"),
    ("PooledTaskClassifier", "X near 1e200"): Fits(warns=r"lbfgs failed"),
    # A task with one class: a constant model, said in a warning.
    ("IndependentTaskClassifier", "a constant task"): Fits(warns=SINGLE_CLASS),
    ("MultiTaskLinearClassifier", "a constant task"): Fits(warns=SINGLE_CLASS),
    ("MultiTaskLogisticRegression", "a constant task"): Fits(warns=SINGLE_CLASS),
    ("MultiTaskNetClassifier", "a constant task"): Fits(warns=SINGLE_CLASS),
    ("MultiTaskNet", "a constant task"): Fits(warns=SINGLE_CLASS),
    # One row: nothing to validate on (the nets' early stopping) or to
    # cross-validate; the classifiers see one class per task.
    **{
        (name, "one row"): Raises(
            ValueError,
            rf"^{name} holds out validation_fraction=0\.2 of the rows for early "
            r"stopping \(train_split='auto'\), which needs a task with at least 2 "
            r"labels, one to train on and one to validate on; got n_samples=1 and at "
            r"most 1 label\(s\) per task\. Set early_stopping=False",
        )
        for name in NETS
    },
    ("MultiTaskLassoCV", "one row"): Raises(
        ValueError,
        r"^MultiTaskLassoCV needs at least 2 samples to cross-validate; got "
        r"n_samples = 1\.$",
    ),
    ("PooledTaskClassifier", "one row"): Raises(
        ValueError, r"needs samples of at least 2 classes in the data"
    ),
    **{
        (name, case): Fits(warns=SINGLE_CLASSES)
        for name in (
            "IndependentTaskClassifier",
            "MultiTaskLinearClassifier",
            "MultiTaskLogisticRegression",
        )
        for case in ("one row", "two rows", "a task with one label")
    },
    # Early stopping keeps one row to train on, and the classifier's batch
    # normalization cannot normalize over one row.
    ("MultiTaskNetClassifier", "two rows"): Raises(
        ValueError,
        r"^MultiTaskNetClassifier's module normalizes over the rows of each batch "
        r"\(BatchNorm1d\), which needs training batches of at least 2 rows; the "
        r"training rows hold 1 row\. Fit on more rows with a larger batch_size, or "
        r"without batch normalization \(module__batch_norm=False\)\.$",
    ),
    ("MultiTaskNetClassifier", "a task with one label"): Fits(warns=SINGLE_CLASSES),
    ("MultiTaskLinearRegressor", "two rows"): Fits(warns=r"is at or above alpha_max"),
    # Labels near 1e200: their squares overflow float64.
    **{
        (name, "Y near 1e200"): Raises(ValueError, LABELS_OVERFLOW)
        for name in LINEAR_REGRESSORS
    },
    ("MultiTaskNetRegressor", "Y near 1e200"): Raises(
        ValueError,
        r"^Expected labels whose squares float64 can sum; task 0 holds labels up to "
        r"\d\.\d+e\+200 in size, and their standardization overflows\. Rescale "
        r"the targets \(divide Y by a constant\)\.$",
    ),
    # Integer-valued floats: MultiTaskNet reads them as classes, and says so.
    ("MultiTaskNet", "Y near 1e200"): Fits(
        warns=r"^Task \d has 30 distinct labels among its 30 observed ones"
    ),
    # The cross-validation folds need two labels per task.
    ("MultiTaskLassoCV", "a task with one label"): Raises(
        ValueError,
        r"^Task 1 has 1 observed label\(s\); MultiTaskStratifiedKFold needs at "
        r"least 2 per task",
    ),
}


def expected_fit_outcome(estimator_name, case):
    return OVERRIDES.get((estimator_name, case), DEFAULT_OUTCOMES[case])


def check_outcome(outcome, action, check_result=None):
    """Run ``action`` and check it against ``outcome``."""
    if isinstance(outcome, Raises):
        with pytest.raises(outcome.error) as info:
            action()
        assert re.search(outcome.pattern, str(info.value)), str(info.value)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    unexpected = [
        str(w.message)
        for w in caught
        if outcome.warns is None or not re.search(outcome.warns, str(w.message))
    ]
    assert not unexpected, unexpected
    if outcome.warns is not None:
        assert caught, f"expected a warning matching {outcome.warns!r}"
    if check_result is not None:
        check_result(result)


@pytest.mark.parametrize("case", FIT_CASE_NAMES)
@pytest.mark.parametrize("estimator_name", list(ESTIMATORS))
def test_fit_on_bad_or_edge_input(estimator_name, case):
    estimator = clone(ESTIMATORS[estimator_name])
    X, Y, fit_params = fit_inputs(is_classifier(estimator))[case]

    def fit_and_predict():
        fitted = estimator.fit(X, Y, **fit_params)
        return fitted.predict(X)

    def check_predictions(predictions):
        n_tasks = 1 if np.ndim(Y) == 1 else np.shape(Y)[1]
        n_rows = X.shape[0]
        expected_shape = (n_rows,) if np.ndim(Y) == 1 else (n_rows, n_tasks)
        assert predictions.shape == expected_shape
        if predictions.dtype.kind in "fc":
            assert np.all(np.isfinite(predictions))

    check_outcome(
        expected_fit_outcome(estimator_name, case), fit_and_predict, check_predictions
    )


# ---------------------------------------------------------------- prediction
PREDICT_INPUTS = {
    "wrong number of features": (
        X0[:, :2],
        Raises(ValueError, r"^X has 2 features, but \w+ is expecting 3 features"),
    ),
    "X with NaN": (np.where(FIRST_ROW, np.nan, X0), Raises(ValueError, r"NaN")),
    "X 1-D": (X0[:, 0], Raises(ValueError, r"^Expected 2D array, got 1D array")),
    "no rows": (X0[:0], Raises(ValueError, r"^Found array with 0 sample\(s\)")),
}


@pytest.fixture(scope="module")
def fitted_estimators():
    fitted = {}
    for name, estimator in ESTIMATORS.items():
        Y = Y_CLASSES if is_classifier(estimator) else Y_REGRESSION
        fitted[name] = clone(estimator).fit(X0, Y)
    return fitted


@pytest.mark.parametrize("case", list(PREDICT_INPUTS))
@pytest.mark.parametrize("estimator_name", list(ESTIMATORS))
def test_predict_on_bad_input(fitted_estimators, estimator_name, case):
    X, outcome = PREDICT_INPUTS[case]
    check_outcome(outcome, lambda: fitted_estimators[estimator_name].predict(X))


@pytest.mark.parametrize("estimator_name", list(ESTIMATORS))
def test_predict_before_fit(estimator_name):
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        clone(ESTIMATORS[estimator_name]).predict(X0)


# ------------------------------------------------------------ net parameters
def parameter_error(name, must_be, got):
    """scikit-learn's message for a parameter (``{net}``: the net's name)."""
    return Raises(
        InvalidParameterError,
        f"^The {re.escape(repr(name))} parameter of {{net}} must be "
        + re.escape(f"{must_be}. Got {got} instead.")
        + "$",
    )


NET_PARAMETER_INPUTS = {
    "batch_size=0": (
        {"batch_size": 0},
        parameter_error(
            "batch_size", "an int in the range [1, inf) or a int among {-1}", 0
        ),
    ),
    "batch_size=2.5": (
        {"batch_size": 2.5},
        parameter_error(
            "batch_size", "an int in the range [1, inf) or a int among {-1}", 2.5
        ),
    ),
    "batch_size=-5": (
        {"batch_size": -5},
        parameter_error(
            "batch_size", "an int in the range [1, inf) or a int among {-1}", -5
        ),
    ),
    "max_epochs=-1": (
        {"max_epochs": -1},
        parameter_error("max_epochs", "an int in the range [0, inf)", -1),
    ),
    "max_epochs=1.5": (
        {"max_epochs": 1.5},
        parameter_error("max_epochs", "an int in the range [0, inf)", 1.5),
    ),
    "lr='a'": (
        {"lr": "a"},
        parameter_error("lr", "a float in the range [0.0, inf)", "'a'"),
    ),
    "lr=-1": ({"lr": -1}, parameter_error("lr", "a float in the range [0.0, inf)", -1)),
    "optimizer='adam'": (
        {"optimizer": "adam"},
        Raises(
            InvalidParameterError,
            r"^The 'optimizer' parameter of \w+ must be a callable\. Got 'adam' "
            r"instead\. Pass the optimizer's class, as skorch takes it \(its "
            r"arguments as optimizer__<name>\): optimizer=torch\.optim\.Adam\.$",
        ),
    ),
    "optimizer=3": ({"optimizer": 3}, parameter_error("optimizer", "a callable", 3)),
    "criterion=3": (
        {"criterion": 3},
        parameter_error(
            "criterion",
            "an instance of 'torch.nn.modules.module.Module' or a callable",
            3,
        ),
    ),
    "module=3": (
        {"module": 3},
        parameter_error(
            "module", "an instance of 'torch.nn.modules.module.Module' or a callable", 3
        ),
    ),
    "torch_num_threads=0": (
        {"torch_num_threads": 0},
        parameter_error("torch_num_threads", "an int in the range [1, inf) or None", 0),
    ),
    "device='tpu'": (
        {"device": "tpu"},
        Raises(
            InvalidParameterError,
            r"^The 'device' parameter of \w+ must be a device torch knows \('cpu', "
            r"'cuda', 'cuda:1', 'mps', \.\.\.\), a torch\.device or None\. Got "
            r"'tpu' instead\.$",
        ),
    ),
    "early_stopping='yes'": (
        {"early_stopping": "yes"},
        parameter_error(
            "early_stopping",
            "a str among {'auto'} or an instance of 'bool' or an instance of "
            "'numpy.bool'",
            "'yes'",
        ),
    ),
    "validation_fraction=1.5": (
        {"validation_fraction": 1.5},
        parameter_error(
            "validation_fraction", "a float in the range (0.0, 1.0) or None", 1.5
        ),
    ),
    "n_iter_no_change=0": (
        {"n_iter_no_change": 0},
        parameter_error("n_iter_no_change", "an int in the range [1, inf)", 0),
    ),
    "tol=-1": (
        {"tol": -1},
        parameter_error("tol", "a float in the range [0.0, inf)", -1),
    ),
    "verbose='loud'": (
        {"verbose": "loud"},
        Raises(
            InvalidParameterError,
            r"^The 'verbose' parameter of \w+ must be a str among \{'auto'\} or an "
            r"int in the range \[0, inf\), an instance of 'bool' or an instance of "
            r"'numpy\.bool'\. Got 'loud' instead\.$",
        ),
    ),
    "warm_start='yes'": (
        {"warm_start": "yes"},
        parameter_error(
            "warm_start",
            "an instance of 'bool' or an instance of 'numpy.bool'",
            "'yes'",
        ),
    ),
    "random_state='a'": (
        {"random_state": "a"},
        parameter_error(
            "random_state",
            "an int in the range [0, 4294967295], an instance of "
            "'numpy.random.mtrand.RandomState' or None",
            "'a'",
        ),
    ),
    "train_split=3": (
        {"train_split": 3},
        parameter_error("train_split", "a str among {'auto'}, a callable or None", 3),
    ),
    "callbacks=3": (
        {"callbacks": 3},
        parameter_error(
            "callbacks",
            "an instance of 'list', an instance of 'tuple', a str among "
            "{'disable'} or None",
            3,
        ),
    ),
    "scoring='r3'": (
        {"scoring": "r3"},
        Raises(ValueError, r"^Unknown metric 'r3'; expected one of \['accuracy'"),
    ),
    "weighting='pcgrd'": (
        {"weighting": "pcgrd"},
        Raises(ValueError, r"got 'pcgrd' instead\. Did you mean 'pcgrad'\?$"),
    ),
    "task_weights of the wrong length": (
        {"task_weights": [1, 2, 3]},
        Raises(
            ValueError,
            r"^Expected task_weights of shape \(2,\), one per task; got shape "
            r"\(3,\) instead\.$",
        ),
    ),
    "primary_tasks=5": (
        {"primary_tasks": 5},
        Raises(
            ValueError, r"^Expected primary_tasks indices in \[0, 2\); got 5 instead"
        ),
    ),
    "module__hidden_units='a'": (
        {"module__hidden_units": "a"},
        parameter_error(
            "module__hidden_units",
            "a sequence of positive integers (hidden_units of MultiTaskMLP)",
            "'a'",
        ),
    ),
    "module__hidden_units=(0,)": (
        {"module__hidden_units": (0,)},
        parameter_error(
            "module__hidden_units",
            "a sequence of positive integers (hidden_units of MultiTaskMLP)",
            "(0,)",
        ),
    ),
    "module__hidden_units=(-3,)": (
        {"module__hidden_units": (-3,)},
        parameter_error(
            "module__hidden_units",
            "a sequence of positive integers (hidden_units of MultiTaskMLP)",
            "(-3,)",
        ),
    ),
    "module__dropout=2": (
        {"module__dropout": 2.0},
        parameter_error(
            "module__dropout",
            "a real number >= 0.0 and <= 1.0 (dropout of MultiTaskMLP)",
            2.0,
        ),
    ),
    "module__activation='relux'": (
        {"module__activation": "relux"},
        parameter_error(
            "module__activation",
            "an nn.Module class or instance (activation of MultiTaskMLP)",
            "'relux'",
        ),
    ),
    "module__hiden_units (a typo)": (
        {"module__hiden_units": (4,)},
        Raises(
            InvalidParameterError,
            r"^Got module__hiden_units=\(4,\), but MultiTaskMLP has no parameter "
            r"'hiden_units'; its parameters are \[.*\]\. Did you mean "
            r"module__hidden_units\?$",
        ),
    ),
    "weighting__temperature=-1": (
        {"weighting": "dwa", "weighting__temperature": -1.0},
        parameter_error(
            "weighting__temperature",
            "> 0 (temperature of DynamicWeightAverage)",
            -1.0,
        ),
    ),
}


@pytest.mark.parametrize("case", list(NET_PARAMETER_INPUTS))
@pytest.mark.parametrize("estimator_name", sorted(NETS))
def test_net_parameter_on_bad_input(estimator_name, case):
    params, outcome = NET_PARAMETER_INPUTS[case]
    estimator = clone(ESTIMATORS[estimator_name]).set_params(**params)
    Y = Y_CLASSES if is_classifier(estimator) else Y_REGRESSION
    outcome = Raises(outcome.error, outcome.pattern.replace("{net}", estimator_name))
    check_outcome(outcome, lambda: estimator.fit(X0, Y))


@pytest.mark.parametrize("estimator_name", list(ESTIMATORS))
def test_score_with_a_different_number_of_tasks(fitted_estimators, estimator_name):
    estimator = fitted_estimators[estimator_name]
    Y = Y_CLASSES if is_classifier(estimator) else Y_REGRESSION
    message = r"^Expected predictions of shape \(30, 1\)"
    if estimator_name in NETS:  # the nets name the tasks they were fitted on
        message = (
            rf"^Expected y with 2 columns, one per task {estimator_name} was fitted "
            r"on; got y of shape \(30, 1\) instead\.$"
        )
    with pytest.raises(ValueError, match=message):
        estimator.score(X0, Y[:, :1])


# ------------------------------------------------------------------- metrics
REGRESSION_METRICS = [
    multitask_r2_score,
    multitask_mean_squared_error,
    multitask_mean_absolute_error,
    normalized_mean_squared_error,
]
CLASSIFICATION_METRICS = [
    multitask_roc_auc_score,
    multitask_average_precision_score,
    multitask_log_loss,
]
SCORES = RNG.random((N_SAMPLES, N_TASKS))
PREDICTIONS = Y_REGRESSION + 0.1


def metric_inputs(Y, P):
    """name -> (Y_true, Y_pred, keyword arguments, outcome)."""
    return {
        "too few task columns": (
            Y,
            P[:, :1],
            {},
            Raises(
                ValueError,
                r"^Expected predictions of shape \(30, 2\); got shape \(30, 1\) "
                r"instead\.$",
            ),
        ),
        "too few rows": (
            Y,
            P[:-1],
            {},
            Raises(
                ValueError,
                r"^Expected predictions for 30 samples, as in Y_true; got 29 "
                r"instead\.$",
            ),
        ),
        "NaN prediction on a label": (
            Y,
            np.where(FIRST_ROW, np.nan, P),
            {},
            Raises(
                ValueError,
                r"^Expected finite predictions of the label type where labels are "
                r"observed; task 0 has NaN, None, infinite or non-numeric "
                r"predictions\.$",
            ),
        ),
        "NaN prediction where no label": (
            np.where(FIRST_ROW, np.nan, Y),
            np.where(FIRST_ROW, np.nan, P),
            {},
            Fits(),
        ),
        "no label at all": (
            np.full_like(Y, np.nan),
            P,
            {},
            Raises(ValueError, r": no task could be scored; every task has no"),
        ),
        "unknown multioutput": (
            Y,
            P,
            {"multioutput": "variance_weighted"},
            Raises(
                ValueError,
                r"^Expected multioutput to be one of \('uniform_average', "
                r"'raw_values'\); got 'variance_weighted' instead\.",
            ),
        ),
        "task_weights of the wrong length": (
            Y,
            P,
            {"task_weights": [1, 2, 3]},
            Raises(
                ValueError,
                r"^Expected task_weights of shape \(2,\), one per task; got shape "
                r"\(3,\) instead\.$",
            ),
        ),
        "no rows": (
            Y[:0],
            P[:0],
            {},
            Raises(
                ValueError,
                r"^Expected Y with at least one sample; got Y of shape \(0, 2\) "
                r"instead\.$",
            ),
        ),
        "sample_weight of the wrong length": (
            Y,
            P,
            {"sample_weight": np.ones(3)},
            Raises(ValueError, r"^Expected sample_weight of shape \(30,\)"),
        ),
    }


METRIC_CASES = [
    (metric, case)
    for metric in REGRESSION_METRICS + CLASSIFICATION_METRICS
    for case in metric_inputs(Y_REGRESSION, PREDICTIONS)
]


@pytest.mark.parametrize(
    ("metric", "case"),
    METRIC_CASES,
    ids=[f"{metric.__name__}-{case}" for metric, case in METRIC_CASES],
)
def test_metric_on_bad_input(metric, case):
    if metric in CLASSIFICATION_METRICS:
        Y_true, Y_pred, kwargs, outcome = metric_inputs(Y_CLASSES, SCORES)[case]
    else:
        Y_true, Y_pred, kwargs, outcome = metric_inputs(Y_REGRESSION, PREDICTIONS)[case]
    check_outcome(
        outcome,
        lambda: metric(Y_true, Y_pred, **kwargs),
        lambda score: np.isfinite(score),
    )


@pytest.mark.parametrize("metric", CLASSIFICATION_METRICS)
def test_ranking_metric_skips_a_single_class_task_with_a_warning(metric):
    Y = np.column_stack([Y_CLASSES[:, 0], np.ones(N_SAMPLES)])
    if metric is multitask_log_loss:
        with pytest.raises(ValueError, match=r"^multitask_log_loss, task 1: "):
            metric(Y, SCORES)
        return
    with pytest.warns(UserWarning, match=r"task\(s\) 1 could not be scored"):
        scores = metric(Y, SCORES, multioutput="raw_values")
    assert np.isfinite(scores[0]) and np.isnan(scores[1])


def test_pooled_explained_variance_without_any_label():
    with pytest.raises(ValueError, match=r"^Expected at least one observed label"):
        pooled_explained_variance_score(np.full_like(Y_REGRESSION, np.nan), PREDICTIONS)


@pytest.mark.parametrize("task", [2, 5, -1])
def test_scorer_task_index_out_of_range(task):
    scorer = make_multitask_scorer("r2", task=task)
    estimator = MultiTaskLasso(alpha=0.01).fit(X0, Y_REGRESSION)
    with pytest.raises(
        ValueError,
        match=rf"^Expected task to be an index in \[0, 1\] \(Y has 2 task\(s\); "
        rf"negative indices are not supported\); got {task} instead\.$",
    ):
        scorer(estimator, X0, Y_REGRESSION)


def test_scorer_task_name_without_names():
    scorer = make_multitask_scorer("r2", task="zz")
    estimator = MultiTaskLasso(alpha=0.01).fit(X0, Y_REGRESSION)
    with pytest.raises(ValueError, match=r"^Cannot select task 'zz' by name"):
        scorer(estimator, X0, Y_REGRESSION)


def test_scorer_unknown_task_name_suggests_the_closest():
    Y = pd.DataFrame(Y_REGRESSION, columns=["income", "age"])
    estimator = MultiTaskLasso(alpha=0.01).fit(X0, Y)
    with pytest.raises(
        ValueError,
        match=r"^Unknown task 'incme'; expected one of \['income', 'age'\]\. Did you "
        r"mean 'income'\?$",
    ):
        make_multitask_scorer("r2", task="incme")(estimator, X0, Y)


def test_scorer_unknown_metric():
    with pytest.raises(ValueError, match=r"^Unknown metric 'r3'; expected one of"):
        make_multitask_scorer("r3")


# ------------------------------------------------------- splits, comparison
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_splits": 1}, r"^Expected n_splits to be an int of at least 2; got 1"),
        ({"n_splits": 2.5}, r"^Expected n_splits to be an int of at least 2; got 2\.5"),
        (
            {"n_splits": 100},
            r"^Cannot have n_splits=100 greater than the number of samples: "
            r"n_samples=30\.$",
        ),
        (
            {"shuffle": "a"},
            r"^Expected shuffle to be True or False; got 'a' instead\.$",
        ),
        (
            {"target_type": "binary"},
            r"^Expected target_type to be 'auto', 'classification' or 'continuous'; "
            r"got 'binary' instead\.$",
        ),
    ],
)
def test_stratified_kfold_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        list(MultiTaskStratifiedKFold(**params).split(X0, Y_CLASSES))


def test_stratified_kfold_task_with_one_label():
    Y = Y_CLASSES.copy()
    Y[1:, 1] = np.nan
    with pytest.raises(
        ValueError,
        match=r"^Task 1 has 1 observed label\(s\); MultiTaskStratifiedKFold needs "
        r"at least 2 per task",
    ):
        list(MultiTaskStratifiedKFold().split(X0, Y))


@pytest.mark.parametrize(
    ("estimators", "kwargs", "error", "message"),
    [
        ({}, {}, ValueError, r"^Expected at least one estimator; got none\.$"),
        (
            {"a": MultiTaskLasso()},
            {"reference": "b"},
            ValueError,
            r"^Expected reference to be one of the estimator names \['a'\]; got 'b' "
            r"instead\.$",
        ),
        (
            {"a": 3},
            {},
            TypeError,
            r"^Expected estimator 'a' to be an estimator with a fit method; got int "
            r"instead\.$",
        ),
        (
            {"a": MultiTaskLasso()},
            {"alpha": 2},
            ValueError,
            r"^Expected alpha strictly between 0 and 1; got 2 instead\.$",
        ),
        (
            {"a": MultiTaskLasso()},
            {"cv": 1},
            ValueError,
            r"^Expected n_splits to be an int of at least 2; got 1 instead\.$",
        ),
        (
            [("a", MultiTaskLasso()), ("a", MultiTaskLasso())],
            {},
            ValueError,
            r"^Expected distinct estimator names; got \['a', 'a'\]\.$",
        ),
        (
            "lasso",
            {},
            ValueError,
            r"^Expected estimators as a dict \{name: estimator\} or a list of",
        ),
    ],
)
def test_compare_estimators_bad_input(estimators, kwargs, error, message):
    with pytest.raises(error, match=message):
        compare_estimators(estimators, X0, Y_REGRESSION, **kwargs)


def test_the_table_has_at_least_300_cases():
    n_cases = (
        len(ESTIMATORS) * (len(FIT_CASE_NAMES) + len(PREDICT_INPUTS) + 2)
        + len(METRIC_CASES)
        + len(NETS) * len(NET_PARAMETER_INPUTS)
    )
    assert n_cases >= 300, n_cases
