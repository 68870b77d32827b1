"""scikit-learn's estimator checks and our multi-task checks on every estimator."""

import inspect

import pytest
from sklearn.base import clone
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_mtl.baselines import (
    IndependentTaskClassifier,
    IndependentTaskRegressor,
    PooledTaskClassifier,
    PooledTaskRegressor,
)
from sklearn_mtl.linear_model import (
    L21,
    Clustered,
    Dirty,
    GraphLaplacian,
    L21ElasticNet,
    MeanRegularized,
    MultiTaskElasticNet,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearClassifierCV,
    MultiTaskLinearRegressor,
    MultiTaskLinearRegressorCV,
    MultiTaskLogisticRegression,
    MultiTaskLogisticRegressionCV,
    TaskRelationship,
    TraceNorm,
)
from sklearn_mtl.neural import (
    MultiTaskMLP,
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
)
from sklearn_mtl.neural.modules import MMoE
from sklearn_mtl.neural.weighting import PCGrad, UncertaintyWeighting
from sklearn_mtl.task_selection import GroupedMultiTaskNet, TaskAffinity
from sklearn_mtl.utils.estimator_checks import (
    check_all_missing_task_raises,
    check_missing_label_invariance,
    check_single_task_reduction,
    check_task_permutation_equivariance,
    expected_failed_checks,
)


class SmallMLP(MultiTaskMLP):
    """One hidden layer of 32 units: the checks' data sets are tiny.

    A subclass rather than ``module__hidden_units=(32,)``: scikit-learn's
    check_no_attributes_set_in_init takes skorch's ``module__*`` constructor
    arguments for attributes set in ``__init__``.
    """

    def __init__(self, input_shape, output_sizes):
        super().__init__(input_shape, output_sizes, hidden_units=(32,))


class SmallMMoE(MMoE):
    """Three experts of 16 units and a softmax gate per task (one
    representative of the architectures: they share the module protocol)."""

    def __init__(self, input_shape, output_sizes):
        super().__init__(
            input_shape, output_sizes, n_experts=3, expert_hidden_units=(16,)
        )


# The checks' data sets are tiny and easy: 3 epochs at lr=0.05 pass every
# accuracy and score threshold of scikit-learn's checks for seeds 0-6 (and 2
# epochs for seeds 0-4), in a third of the time of 20 epochs.
NET = {"max_epochs": 3, "lr": 0.05, "verbose": 0, "random_state": 0}


LINEAR_MODELS = (
    MultiTaskLinearRegressor,
    MultiTaskLasso,
    MultiTaskElasticNet,
    MultiTaskLassoCV,
    MultiTaskElasticNetCV,
    MultiTaskLinearRegressorCV,
    MultiTaskLinearClassifier,
    MultiTaskLinearClassifierCV,
    MultiTaskLogisticRegression,
    MultiTaskLogisticRegressionCV,
)

NETS = (
    MultiTaskNetRegressor,
    MultiTaskNetClassifier,
    MultiTaskNet,
    GroupedMultiTaskNet,
)
PREDICTION_CHECKS = (
    check_missing_label_invariance,
    check_task_permutation_equivariance,
)
NET_SKIPS = {
    check_missing_label_invariance: (
        "Extra rows change the nets' mini-batches and validation split; "
        "tests/test_neural.py checks the invariance with full-batch training."
    ),
    check_task_permutation_equivariance: (
        "The heads' initial weights are drawn in task order, so permuting the "
        "tasks changes each head's initialization; tests/test_neural.py checks "
        "equivariance from permuted initial weights."
    ),
}

# The classifier baselines wrap a logistic regression solved by Newton steps:
# with the default (lbfgs) their checks took 7x the time. tests/test_baselines.py
# fits the default estimators.
NEWTON_LOGISTIC = LogisticRegression(solver="newton-cholesky")

ESTIMATORS = [
    IndependentTaskRegressor(),
    IndependentTaskClassifier(NEWTON_LOGISTIC),
    PooledTaskRegressor(),
    PooledTaskRegressor(add_task_indicator=True),
    PooledTaskClassifier(NEWTON_LOGISTIC),
    PooledTaskClassifier(NEWTON_LOGISTIC, add_task_indicator=True),
    MultiTaskLinearRegressor(L21(alpha=0.01)),
    # Tight tolerances: some checks compare different fits to 1e-7 (TIGHT_CHECKS).
    MultiTaskLinearRegressor(Dirty(alpha_group=0.1, alpha_sparse=0.05), tol=1e-10),
    MultiTaskLinearRegressor(TraceNorm(alpha=0.1), tol=1e-10, max_iter=10_000),
    MultiTaskLinearRegressor(
        MeanRegularized(alpha=1.0, beta=0.1), tol=1e-12, max_iter=10_000
    ),
    MultiTaskLinearRegressor(
        GraphLaplacian(alpha=1.0, beta=0.1), tol=1e-12, max_iter=10_000
    ),
    MultiTaskLinearRegressor(
        Clustered(alpha=0.1, beta=0.1, n_clusters=1), tol=1e-10, max_iter=10_000
    ),
    MultiTaskLinearRegressor(TaskRelationship(alpha=0.1), tol=1e-12, max_iter=10_000),
    MultiTaskLasso(alpha=0.01),
    MultiTaskElasticNet(alpha=0.01),
    # Short grids and two folds: the checks test the API, not the choice.
    MultiTaskLassoCV(alphas=3, cv=2),
    MultiTaskElasticNetCV(alphas=3, cv=2),
    # the automatic alpha grid of a generic penalty
    MultiTaskLinearRegressorCV(TraceNorm(), alphas=3, cv=2, tol=1e-10),
    MultiTaskLinearClassifier(L21ElasticNet(alpha=0.1), tol=1e-10),
    # Given alphas, not too small: at alpha=0.1 the logistic paths need 4x
    # the time to reach these tolerances on the checks' data.
    MultiTaskLinearClassifierCV(alphas=[1.0, 0.3], cv=2, tol=1e-10),
    MultiTaskLogisticRegression(alpha=0.1, tol=1e-12),
    MultiTaskLogisticRegressionCV(alphas=[1.0, 0.3], cv=2, tol=1e-10),
    MultiTaskNetRegressor(SmallMLP, **NET),
    MultiTaskNetClassifier(SmallMLP, **NET),
    # tasks of any type (scikit-learn's checks give it one type at a time;
    # tests/test_mixed_tasks.py fits it on mixed Y)
    MultiTaskNet(SmallMLP, **NET),
    # a gradient strategy and a loss strategy with learnable state
    MultiTaskNetRegressor(SmallMLP, weighting=PCGrad(), **NET),
    MultiTaskNetClassifier(SmallMLP, weighting=UncertaintyWeighting(), **NET),
    # a gated architecture
    MultiTaskNetClassifier(SmallMMoE, **NET),
    # one net per group of tasks, the groups chosen from a short affinity run
    GroupedMultiTaskNet(
        MultiTaskNetRegressor(SmallMLP, **NET),
        affinity=TaskAffinity(max_epochs=2),
        random_state=0,
    ),
    TaskAffinity(MultiTaskNetRegressor(SmallMLP, **NET), max_epochs=2, random_state=0),
]

# (estimator, the single-task estimator it reduces to with one task)
SINGLE_TASK_REFERENCES = [
    (IndependentTaskRegressor(Ridge(alpha=0.5)), Ridge(alpha=0.5)),
    (IndependentTaskClassifier(LogisticRegression(C=2.0)), LogisticRegression(C=2.0)),
    (PooledTaskRegressor(Ridge(alpha=0.5)), Ridge(alpha=0.5)),
    (PooledTaskClassifier(LogisticRegression(C=2.0)), LogisticRegression(C=2.0)),
    # With one task the datafit divides by the number of labels, as
    # scikit-learn's does on the labelled rows.
    (
        MultiTaskLasso(alpha=0.01, tol=1e-12),
        Lasso(alpha=0.01, tol=1e-12, max_iter=10_000),
    ),
    (
        MultiTaskElasticNet(alpha=0.05, l1_ratio=0.3, tol=1e-12),
        ElasticNet(alpha=0.05, l1_ratio=0.3, tol=1e-12, max_iter=10_000),
    ),
    # The other linear models: 2-D and 1-D targets agree.
    *(
        (estimator, None)
        for estimator in ESTIMATORS
        if isinstance(estimator, LINEAR_MODELS)
    ),
]


# The checks that compare two different fits of an estimator to 1e-7 need the
# tight tolerances of ESTIMATORS: scikit-learn's sample-weight equivalence
# (weighted rows against repeated rows) and the multi-task checks below. The
# other scikit-learn checks compare a fit with itself, or scores with loose
# thresholds: they run at the estimator's default tol and max_iter, which cut
# the time of the linear models' checks by 40%.
TIGHT_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)


def at_default_tolerance(estimator):
    """A clone with the class's default ``tol`` and ``max_iter`` (if it has them)."""
    defaults = inspect.signature(type(estimator).__init__).parameters
    params = {
        name: defaults[name].default
        for name in ("tol", "max_iter")
        if name in defaults and name in estimator.get_params(deep=False)
    }
    return clone(estimator).set_params(**params) if params else estimator


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    name = getattr(check, "func", check).__name__
    # A check expected to fail is marked xfail, which passes whatever it
    # raises: running it asserts nothing. Its reason is reported as a skip.
    reason = expected_failed_checks(estimator).get(name)
    if reason is not None:
        pytest.skip(f"expected to fail: {reason}")
    if name not in TIGHT_CHECKS:
        estimator = at_default_tolerance(estimator)
    check(estimator)


@pytest.mark.parametrize(
    "check",
    [
        check_missing_label_invariance,
        check_task_permutation_equivariance,
        check_all_missing_task_raises,
    ],
)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_multitask_checks(estimator, check, request):
    reason = expected_failed_checks(estimator).get(check.__name__)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason))
    if isinstance(estimator, NETS) and check in NET_SKIPS:
        pytest.skip(NET_SKIPS[check])
    if isinstance(estimator, TaskAffinity) and check in PREDICTION_CHECKS:
        pytest.skip(
            "TaskAffinity predicts nothing (it measures the affinity); "
            "this check compares predictions."
        )
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize(
    ("estimator", "reference"), SINGLE_TASK_REFERENCES, ids=lambda est: repr(est)
)
def test_single_task_reduction(estimator, reference, request):
    reason = expected_failed_checks(estimator).get("check_single_task_reduction")
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason))
    check_single_task_reduction(type(estimator).__name__, estimator, reference)
