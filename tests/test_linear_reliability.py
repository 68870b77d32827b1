"""Reliability of the linear models: atomic fits, loud errors, alpha_max warning.

- A fit interrupted inside the solver (``KeyboardInterrupt`` or an error)
  leaves the previous fitted state as it was, and an interrupted first fit
  leaves the estimator unfitted.
- Bad inputs that used to give a wrong model silently (a task whose labels
  all have sample weight 0, huge values) or an internal message (duplicated
  task names) are errors naming the task, feature or parameter; the first two
  checks live in the shared validation, so every estimator family gives them.
- A penalty strong enough to zero every coefficient says so, naming
  ``alpha_max``.
"""

import copy
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from sklearn_mtl.linear_model import (
    L1,
    L2,
    L21,
    Clustered,
    Dirty,
    L21ElasticNet,
    MeanRegularized,
    MultiTaskElasticNet,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearRegressor,
    MultiTaskLogisticRegression,
    TraceNorm,
)
from sklearn_mtl.linear_model._bcd import BlockCoordinateDescent
from sklearn_mtl.linear_model._bcd_inner import _NewtonProblem, _WorkingSetProblem
from sklearn_mtl.linear_model._datafits import Squared
from sklearn_mtl.linear_model._design import prepare
from sklearn_mtl.linear_model._fista import FISTA
from sklearn_mtl.metrics import multitask_r2_score
from sklearn_mtl.utils import check_multitask_targets

REGRESSORS = [
    MultiTaskLasso(alpha=0.05, tol=1e-10),
    MultiTaskElasticNet(alpha=0.05, tol=1e-10),
    MultiTaskLinearRegressor(TraceNorm(alpha=0.1), tol=1e-10),
    MultiTaskLinearRegressor(Dirty(alpha_group=0.05, alpha_sparse=0.02), tol=1e-10),
    MultiTaskLinearRegressor(MeanRegularized(alpha=1.0), tol=1e-10),
    MultiTaskLassoCV(alphas=3, cv=2, tol=1e-10),
    MultiTaskElasticNetCV(alphas=3, cv=2, tol=1e-10),
]
CLASSIFIERS = [
    MultiTaskLogisticRegression(alpha=0.01, tol=1e-10),
    MultiTaskLinearClassifier(TraceNorm(alpha=0.01), tol=1e-10),
]
LINEAR = REGRESSORS + CLASSIFIERS


def _ids(estimators):
    return [
        type(e).__name__
        + (f"-{type(e.penalty).__name__}" if hasattr(e, "penalty") else "")
        for e in estimators
    ]


def _data(n_tasks, classification=False, seed=0, n_samples=60):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 5))
    Y = X @ rng.standard_normal((5, n_tasks)) + 0.3 * rng.standard_normal(
        (n_samples, n_tasks)
    )
    if classification:
        Y = (Y > 0).astype(float)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    return X, Y


def _frames(X, Y, names):
    features = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    return features, pd.DataFrame(Y, columns=names)


def _is_classifier(estimator):
    return isinstance(
        estimator, (MultiTaskLogisticRegression, MultiTaskLinearClassifier)
    )


# --- 1. atomic fits ------------------------------------------------------------


class _SolverHook:
    """Counts the solvers' inner steps; raises at a chosen one.

    The steps are the epochs of block coordinate descent (its proximal
    Newton steps for the logistic datafit) and the proximal gradient steps
    of FISTA: raising at one interrupts a solver in the middle of its work.
    """

    def __init__(self, monkeypatch):
        self.calls = 0
        self.raise_at = None
        self.error = KeyboardInterrupt
        for owner, name in (
            (_WorkingSetProblem, "epoch"),
            (_NewtonProblem, "_step"),
            (FISTA, "_step"),
        ):
            monkeypatch.setattr(owner, name, self._wrap(getattr(owner, name)))

    def _wrap(self, method):
        def hooked(*args, **kwargs):
            self.calls += 1
            if self.calls == self.raise_at:
                raise self.error("interrupted by the test")
            return method(*args, **kwargs)

        return hooked

    def steps_of(self, fit):
        """Run ``fit()`` and return how many steps it took."""
        self.calls, self.raise_at = 0, None
        fit()
        return self.calls

    def interrupt(self, fit, at, error=KeyboardInterrupt):
        """Run ``fit()`` and raise ``error`` at its step ``at``."""
        self.calls, self.raise_at, self.error = 0, at, error
        with pytest.raises(error, match="interrupted by the test"):
            fit()


@pytest.fixture
def hook(monkeypatch):
    return _SolverHook(monkeypatch)


def _snapshot(estimator):
    return copy.deepcopy(vars(estimator))


def _assert_same_state(state, estimator):
    assert sorted(vars(estimator)) == sorted(state)
    for name, value in state.items():
        _assert_equal(vars(estimator)[name], value, name)


def _assert_equal(found, expected, name):
    if isinstance(expected, (list, tuple)):
        assert len(found) == len(expected), name
        for f, e in zip(found, expected, strict=True):
            _assert_equal(f, e, name)
    elif isinstance(expected, dict):
        assert found.keys() == expected.keys(), name
        for key in expected:
            _assert_equal(found[key], expected[key], name)
    elif isinstance(expected, (np.ndarray, float)):
        np.testing.assert_array_equal(found, expected, err_msg=name)
    elif hasattr(expected, "get_params"):  # a penalty object
        assert repr(found) == repr(expected), name
    else:
        assert found == expected, name


@pytest.mark.parametrize("error", [KeyboardInterrupt, FloatingPointError])
@pytest.mark.parametrize("estimator", LINEAR, ids=_ids(LINEAR))
def test_interrupted_refit_keeps_the_previous_model(estimator, error, hook):
    classification = _is_classifier(estimator)
    X2, Y2 = _frames(*_data(2, classification), names=["a", "b"])
    X3, Y3 = _data(3, classification, seed=1)
    model = clone(estimator).fit(X2, Y2)
    before = _snapshot(model)
    predictions = model.predict(X2)
    # Interrupt the refit on 3 tasks (plain arrays) at its last solver step:
    # for a CV estimator, the final refit on all rows.
    steps = hook.steps_of(lambda: clone(estimator).fit(X3, Y3))
    assert steps >= 2
    hook.interrupt(lambda: model.fit(X3, Y3), at=steps, error=error)
    _assert_same_state(before, model)
    assert model.n_tasks_ == 2
    assert list(model.task_names_) == ["a", "b"]
    assert list(model.feature_names_in_) == [f"f{j}" for j in range(5)]
    np.testing.assert_array_equal(model.predict(X2), predictions)


@pytest.mark.parametrize("estimator", LINEAR, ids=_ids(LINEAR))
def test_interrupted_first_fit_leaves_the_estimator_unfitted(estimator, hook):
    X, Y = _data(3, _is_classifier(estimator))
    fresh = clone(estimator)
    steps = hook.steps_of(lambda: clone(estimator).fit(X, Y))
    hook.interrupt(lambda: fresh.fit(X, Y), at=max(2, steps // 2))
    assert vars(fresh).keys() == fresh.get_params(deep=False).keys()
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


def test_refit_that_fails_validation_keeps_the_previous_model():
    X, Y = _frames(*_data(2), names=["a", "b"])
    model = MultiTaskLasso(alpha=0.05).fit(X, Y)
    before = _snapshot(model)
    Y_bad = np.array(Y)
    Y_bad[:, 1] = np.nan
    with pytest.raises(ValueError, match="Task 1 has no observed label"):
        model.fit(np.asarray(X), Y_bad)
    _assert_same_state(before, model)


def test_refit_drops_the_attributes_of_the_previous_fit():
    # A Dirty fit has coefficient parts; a refit with another penalty has
    # none, nor the task and feature names of a refit on plain arrays.
    X, Y = _frames(*_data(2), names=["a", "b"])
    model = MultiTaskLinearRegressor(Dirty(alpha_group=0.05, alpha_sparse=0.02))
    model.fit(X, Y)
    assert hasattr(model, "coef_group_") and hasattr(model, "task_names_")
    model.set_params(penalty=L21(alpha=0.05)).fit(np.asarray(X), np.asarray(Y))
    for name in ("coef_group_", "coef_sparse_", "task_names_", "feature_names_in_"):
        assert not hasattr(model, name)
    reference = MultiTaskLasso(alpha=0.05).fit(np.asarray(X), np.asarray(Y))
    assert sorted(vars(model).keys() - {"penalty"}) == sorted(
        vars(reference).keys() - {"alpha"}
    )


def test_warm_start_reads_the_previous_model():
    # The atomic fit still starts from the previous coefficients.
    X, Y = _data(3)
    model = MultiTaskLasso(alpha=0.05, tol=1e-8, warm_start=True).fit(X, Y)
    n_iter = model.n_iter_
    model.fit(X, Y)
    assert model.n_iter_ < n_iter


# --- 2. a task whose labels all have sample weight 0 --------------------------

ZERO_WEIGHT_MESSAGE = (
    "Task 'b' (index 1) has no observed label with a non-zero sample_weight; "
    "every task needs at least one to be fitted."
)


def _zero_weight_problem(classification):
    X, Y = _frames(*_data(3, classification), names=["a", "b", "c"])
    sample_weight = np.ones(len(Y))
    sample_weight[Y["b"].notna().to_numpy()] = 0.0
    return X, Y, sample_weight


def _nets():
    from sklearn_mtl.neural import MultiTaskNetClassifier, MultiTaskNetRegressor

    return [
        MultiTaskNetRegressor(max_epochs=1, verbose=0),
        MultiTaskNetClassifier(max_epochs=1, verbose=0),
    ]


ZERO_WEIGHT_ESTIMATORS = [
    *LINEAR,
    MultiTaskLinearRegressor(Clustered()),
    IndependentTaskRegressor(LinearRegression()),
    PooledTaskRegressor(LinearRegression()),
    IndependentTaskClassifier(LogisticRegression()),
    PooledTaskClassifier(LogisticRegression()),
]


@pytest.mark.parametrize(
    "estimator",
    [*ZERO_WEIGHT_ESTIMATORS, "nets"],
    ids=[*_ids(ZERO_WEIGHT_ESTIMATORS), "nets"],
)
def test_task_whose_labels_all_have_zero_weight_is_an_error(estimator):
    for model in _nets() if estimator == "nets" else [estimator]:
        classification = hasattr(model, "predict_proba")
        X, Y, sample_weight = _zero_weight_problem(classification)
        with pytest.raises(ValueError, match=f"^{re.escape(ZERO_WEIGHT_MESSAGE)}$"):
            clone(model).fit(X, Y, sample_weight=sample_weight)


def test_zero_weight_on_some_labels_of_a_task_is_fine():
    # A weight 0 removes a label, as if it were missing: same model.
    X, Y = _data(3)
    sample_weight = np.ones(len(Y))
    sample_weight[:10] = 0.0
    weighted = MultiTaskLasso(alpha=0.05, tol=1e-10)
    weighted.fit(X, Y, sample_weight=sample_weight)
    Y_removed = Y.copy()
    Y_removed[:10] = np.nan
    removed = MultiTaskLasso(alpha=0.05, tol=1e-10).fit(X, Y_removed)
    np.testing.assert_allclose(weighted.coef_, removed.coef_, rtol=1e-8, atol=1e-10)


# --- 3. duplicated task names ---------------------------------------------------

DUPLICATE_MESSAGE = (
    "Expected Y with unique column names, since they name the tasks; got "
    "duplicated column names {} instead. Rename the columns (or pass "
    "Y.to_numpy() to use task indices)."
)


@pytest.mark.parametrize(
    "estimator",
    [*LINEAR, IndependentTaskRegressor(LinearRegression()), "nets"],
    ids=[*_ids(LINEAR), "IndependentTaskRegressor", "nets"],
)
def test_duplicated_column_names_of_y_are_an_error(estimator):
    for model in _nets() if estimator == "nets" else [estimator]:
        X, Y = _data(4, hasattr(model, "predict_proba"))
        frame = pd.DataFrame(Y, columns=["a", "b", "a", "b"])
        message = DUPLICATE_MESSAGE.format("['a', 'b']")
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            clone(model).fit(X, frame)


def test_duplicated_names_are_compared_as_strings():
    # 1 and "1" both name the task "1".
    Y = pd.DataFrame(np.ones((3, 3)), columns=[1, "1", "x"])
    message = DUPLICATE_MESSAGE.format("['1']")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_multitask_targets(Y)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        multitask_r2_score(Y, np.ones((3, 3)))


# --- 4. values too large (or small) for float64 ---------------------------------


def _huge_feature_message(feature, size):
    return (
        f"Expected features whose squares float64 can sum; feature {feature} of X "
        f"holds values up to {size:.3g} in size, and its sum of squares overflows. "
        "Rescale the features, for instance with StandardScaler in a Pipeline."
    )


@pytest.mark.parametrize("estimator", LINEAR, ids=_ids(LINEAR))
@pytest.mark.parametrize("as_sparse", [False, True], ids=["dense", "sparse"])
def test_huge_features_are_an_error(estimator, as_sparse):
    X, Y = _data(2, _is_classifier(estimator))
    Y[np.isnan(Y)] = 0.0  # every row labelled: the solver sees all of X
    X[:, 3] *= 1e200
    size = np.abs(X[:, 3]).max()
    with pytest.raises(
        ValueError, match=f"^{re.escape(_huge_feature_message(3, size))}$"
    ):
        clone(estimator).fit(sparse.csr_matrix(X) if as_sparse else X, Y)


@pytest.mark.parametrize("estimator", REGRESSORS, ids=_ids(REGRESSORS))
def test_huge_labels_are_an_error(estimator):
    X, Y = _frames(*_data(2), names=["a", "b"])
    Y["b"] *= 1e160
    size = Y["b"].abs().max()
    message = (
        "Expected labels whose squares float64 can sum; task 'b' (index 1) holds "
        f"labels up to {size:.3g} in size, and its sum of squares overflows. "
        "Rescale the targets (divide Y by a constant)."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        clone(estimator).fit(X, Y)


def test_tiny_features_are_an_error():
    # Their squares underflow to 0: the solver would take them for constants
    # and return an intercept-only model.
    X, Y = _data(2)
    X[:, 1] *= 1e-170
    size = np.abs(X[:, 1]).max()
    message = (
        f"Expected features whose squares float64 can sum; feature 1 of X holds "
        f"values of at most {size:.3g} in size, and its sum of squares underflows "
        "to 0. Rescale the features, for instance with StandardScaler in a "
        "Pipeline."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        MultiTaskLasso(alpha=0.01).fit(X, Y)


def test_large_but_safe_values_give_the_rescaled_model():
    # 1e100 is far from the overflow: the model is the rescaled one.
    X, Y = _data(2)
    model = MultiTaskLasso(alpha=0.05, tol=1e-12).fit(X, Y)
    big = MultiTaskLasso(alpha=0.05 * 1e100, tol=1e-12).fit(X, Y * 1e100)
    np.testing.assert_allclose(big.coef_, model.coef_ * 1e100, rtol=1e-7)


@pytest.mark.parametrize("solver", [BlockCoordinateDescent, FISTA])
def test_solvers_refuse_to_stop_on_an_overflow(solver):
    # Called directly, without the estimators' check: an error, not W = 0
    # after 0 iterations.
    X, Y = _data(2)
    Y = np.nan_to_num(Y)
    X[:, 0] *= 1e200
    design, datafit = prepare(X, Squared(Y, np.ones_like(Y), np.ones(2)))
    coefs, intercept = np.zeros((1, 5, 2)), datafit.null_intercept()
    with pytest.raises(FloatingPointError, match="overflows float64 arithmetic"):
        with np.errstate(all="ignore"):
            solver().solve(design, datafit, L21(alpha=0.01), coefs, intercept)


# --- 5. parameters of the CV estimators -----------------------------------------


@pytest.mark.parametrize(
    "model, message",
    [
        (
            MultiTaskLassoCV(eps=1.5),
            "The 'eps' parameter of MultiTaskLassoCV must be a float in the range "
            "(0.0, 1.0]. Got 1.5 instead.",
        ),
        (
            MultiTaskElasticNetCV(eps=-1e-3),
            "The 'eps' parameter of MultiTaskElasticNetCV must be a float in the "
            "range (0.0, 1.0]. Got -0.001 instead.",
        ),
        (
            MultiTaskLassoCV(alphas=2.5),
            "The 'alphas' parameter of MultiTaskLassoCV must be an int in the range "
            "[1, inf) or an array-like. Got 2.5 instead.",
        ),
        (
            MultiTaskLassoCV(alphas=True),
            "The 'alphas' parameter of MultiTaskLassoCV must be an int in the range "
            "[1, inf) or an array-like. Got True instead.",
        ),
        (
            MultiTaskLassoCV(alphas=[0.1, -1.0]),
            "The 'alphas' parameter of MultiTaskLassoCV must be an int in the range "
            "[1, inf) or a non-empty 1-D array-like of finite floats >= 0. Got "
            "[0.1, -1.0] instead.",
        ),
        (
            MultiTaskElasticNetCV(alphas=[]),
            "The 'alphas' parameter of MultiTaskElasticNetCV must be an int in the "
            "range [1, inf) or a non-empty 1-D array-like of finite floats >= 0. Got "
            "[] instead.",
        ),
        (
            MultiTaskLassoCV(alphas=[[0.1, 0.2]]),
            "The 'alphas' parameter of MultiTaskLassoCV must be an int in the range "
            "[1, inf) or a non-empty 1-D array-like of finite floats >= 0. Got "
            "[[0.1, 0.2]] instead.",
        ),
        (
            MultiTaskLassoCV(alphas=["a"]),
            "The 'alphas' parameter of MultiTaskLassoCV must be an int in the range "
            "[1, inf) or a non-empty 1-D array-like of finite floats >= 0. Got "
            "['a'] instead.",
        ),
        (
            MultiTaskElasticNetCV(l1_ratio=[0.5, 0.0]),
            "The 'l1_ratio' parameter of MultiTaskElasticNetCV must be a float in "
            "the range (0.0, 1.0] or a non-empty 1-D array-like of such floats. Got "
            "[0.5, 0.0] instead.",
        ),
        (
            MultiTaskElasticNetCV(l1_ratio=[1.5]),
            "The 'l1_ratio' parameter of MultiTaskElasticNetCV must be a float in "
            "the range (0.0, 1.0] or a non-empty 1-D array-like of such floats. Got "
            "[1.5] instead.",
        ),
        (
            MultiTaskElasticNetCV(l1_ratio=2.0),
            "The 'l1_ratio' parameter of MultiTaskElasticNetCV must be a float in "
            "the range (0.0, 1.0] or an array-like. Got 2.0 instead.",
        ),
    ],
    ids=[
        "eps-above-1", "eps-negative", "alphas-float", "alphas-bool",
        "alphas-negative", "alphas-empty", "alphas-2d", "alphas-text",
        "l1_ratio-zero-in-list", "l1_ratio-above-1-in-list", "l1_ratio-above-1",
    ],
)  # fmt: skip
def test_invalid_cv_parameters_name_the_parameter_and_the_class(model, message):
    X, Y = _data(2)
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        model.fit(X, Y)


# --- 6. alpha at or above alpha_max ----------------------------------------------


def _minus_gradient_at_zero(X, Y):
    """``C = X_c^T Y_c / n`` on fully observed Y, X_c and Y_c centered."""
    X_c, Y_c = X - X.mean(axis=0), Y - Y.mean(axis=0)
    return X_c.T @ Y_c / X.shape[0]


def _logistic_minus_gradient_at_zero(X, Y):
    """The same for the logistic loss: ``X^T (y01 - mean) / n`` per task."""
    X_c = X - X.mean(axis=0)
    return X_c.T @ (Y - Y.mean(axis=0)) / X.shape[0]


ALPHA_MAX_CASES = [
    (lambda a: MultiTaskLasso(alpha=a), lambda C: np.linalg.norm(C, axis=1).max(),
     "MultiTaskLassoCV"),
    (lambda a: MultiTaskElasticNet(alpha=a, l1_ratio=0.25),
     lambda C: np.linalg.norm(C, axis=1).max() / 0.25, "MultiTaskElasticNetCV"),
    (lambda a: MultiTaskLinearRegressor(L1(alpha=a)), lambda C: np.abs(C).max(),
     "GridSearchCV over penalty__alpha"),
    (lambda a: MultiTaskLinearRegressor(TraceNorm(alpha=a)),
     lambda C: np.linalg.norm(C, ord=2), "GridSearchCV over penalty__alpha"),
    (lambda a: MultiTaskLinearRegressor(L21ElasticNet(alpha=a, l1_ratio=0.5)),
     lambda C: np.linalg.norm(C, axis=1).max() / 0.5,
     "GridSearchCV over penalty__alpha"),
]  # fmt: skip


def _alpha_max_message(alpha, alpha_max, search):
    return (
        f"alpha={alpha:.4g} is at or above alpha_max={alpha_max:.4g} for this "
        "data: every coefficient is zero. Use a smaller alpha, e.g. alpha_max / 10 "
        f"= {alpha_max / 10:.4g}, or choose it by cross-validation ({search})."
    )


def _full_data(n_tasks=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 4))
    return X, X @ rng.standard_normal((4, n_tasks)) + rng.standard_normal((50, n_tasks))


@pytest.mark.parametrize("make, alpha_max_of, search", ALPHA_MAX_CASES)
def test_alpha_at_or_above_alpha_max_warns_with_both_numbers(
    make, alpha_max_of, search
):
    X, Y = _full_data()
    alpha_max = alpha_max_of(_minus_gradient_at_zero(X, Y))
    alpha = 2.0 * alpha_max
    message = _alpha_max_message(alpha, alpha_max, search)
    with pytest.warns(UserWarning, match=f"^{re.escape(message)}$"):
        model = make(alpha).fit(X, Y)
    assert np.all(model.coef_ == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = make(0.9 * alpha_max).fit(X, Y)
    assert np.any(model.coef_ != 0)


@pytest.mark.parametrize(
    "make, alpha_max_of, search",
    [
        (
            lambda a: MultiTaskLogisticRegression(alpha=a),
            lambda C: np.linalg.norm(C, axis=1).max(),
            "GridSearchCV over alpha",
        ),
        (
            lambda a: MultiTaskLinearClassifier(TraceNorm(alpha=a)),
            lambda C: np.linalg.norm(C, ord=2),
            "GridSearchCV over penalty__alpha",
        ),
    ],
    ids=["l21", "trace-norm"],
)
def test_alpha_max_warning_of_the_logistic_loss(make, alpha_max_of, search):
    X, Y = _full_data()
    Y = (Y > 0).astype(float)
    alpha_max = alpha_max_of(_logistic_minus_gradient_at_zero(X, Y))
    message = _alpha_max_message(1.5 * alpha_max, alpha_max, search)
    with pytest.warns(UserWarning, match=f"^{re.escape(message)}$"):
        model = make(1.5 * alpha_max).fit(X, Y)
    assert np.all(model.coef_ == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = make(0.9 * alpha_max).fit(X, Y)
    assert np.any(model.coef_ != 0)


def test_dirty_warns_only_when_both_strengths_zero_the_model():
    X, Y = _full_data()
    C = _minus_gradient_at_zero(X, Y)
    group_max, sparse_max = np.linalg.norm(C, axis=1).max(), np.abs(C).max()
    message = (
        f"alpha_group={2 * group_max:.4g} is at or above "
        f"alpha_group_max={group_max:.4g} and alpha_sparse={2 * sparse_max:.4g} is "
        f"at or above alpha_sparse_max={sparse_max:.4g} for this data: every "
        "coefficient is zero. Make either smaller, e.g. a tenth of its maximum, or "
        "choose them by cross-validation (GridSearchCV over penalty__alpha_group "
        "and penalty__alpha_sparse)."
    )
    with pytest.warns(UserWarning, match=f"^{re.escape(message)}$"):
        model = MultiTaskLinearRegressor(Dirty(2 * group_max, 2 * sparse_max))
        model.fit(X, Y)
    assert np.all(model.coef_ == 0)
    # One strength below its maximum: a non-zero model, no warning.
    for penalty in (
        Dirty(2 * group_max, 0.9 * sparse_max),
        Dirty(0.9 * group_max, 2 * sparse_max),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model = MultiTaskLinearRegressor(penalty).fit(X, Y)
        assert np.any(model.coef_ != 0)


@pytest.mark.parametrize(
    "penalty", [L2(alpha=1e3), MeanRegularized(alpha=1e3), Clustered(alpha=1e3)]
)
def test_penalties_that_never_zero_the_model_do_not_warn(penalty):
    X, Y = _full_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiTaskLinearRegressor(penalty).fit(X, Y)


def test_no_warning_when_no_alpha_gives_a_coefficient():
    # Constant targets: alpha_max is 0, a smaller alpha would not help.
    X, _ = _full_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MultiTaskLasso(alpha=1.0).fit(X, np.ones((50, 2)))
    assert np.all(model.coef_ == 0)


def test_cv_choosing_alpha_max_does_not_warn():
    # Pure-noise targets: the CV may choose the top of the grid; that is
    # its answer, not a mistake to warn about.
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MultiTaskLassoCV(alphas=[1e3, 1e4], cv=2).fit(X, Y)
    assert model.alpha_ == 1e4
    assert np.all(model.coef_ == 0)
