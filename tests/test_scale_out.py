"""Scale-out: joblib's dask and Ray backends, and accelerate for the nets.

Each engine is started once per module (a local cluster of two process
workers); every result is compared with the same computation at
``n_jobs=1`` in this process. The tests that start an engine are marked
``scaleout`` and run in a step of their own (``python -m pytest -m "scaleout
and not slow"``, see ``.ci/run``): the engines' processes import the package
and torch again, about 40 CPU-seconds, a fifth of the default suite.
"""

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_mtl import IndependentTaskRegressor, compare_estimators
from sklearn_mtl.datasets import make_multitask_regression
from sklearn_mtl.linear_model import MultiTaskLasso
from sklearn_mtl.neural import MultiTaskAccelerateMixin, MultiTaskNetRegressor


@pytest.fixture(scope="module")
def data():
    X, Y = make_multitask_regression(
        n_samples=80, n_features=6, n_tasks=3, random_state=0
    )[:2]
    Y = Y.copy()
    Y[np.random.default_rng(0).random(Y.shape) < 0.2] = np.nan
    return X.astype(np.float32), Y.astype(np.float32)


@pytest.fixture(scope="module")
def dask_backend():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        yield "dask"


@pytest.fixture(scope="module")
def ray_backend():
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 2**20,
        log_to_driver=False,
    )
    register_ray()
    yield "ray"
    ray.shutdown()


@pytest.fixture(params=["dask", "ray"])
def backend(request):
    return request.getfixturevalue(f"{request.param}_backend")


# Ray's joblib backend starts two new actor processes for every parallel call,
# each importing what the tasks need again (with the nets: torch, 20 s of CPU
# for the grid search below), while dask's workers live for the module. The
# package's code is the same on every joblib backend: the Ray variants of the
# tests that take these engines are slow duplicates of their dask variants,
# and the independent baseline (the cheapest) runs on both engines by default.
RAY_SLOW = ["dask", pytest.param("ray", marks=pytest.mark.slow)]


def small_net():
    return MultiTaskNetRegressor(
        module__hidden_units=(8,), max_epochs=3, batch_size=16, random_state=0
    )


@pytest.mark.scaleout
@pytest.mark.parametrize("backend", RAY_SLOW, indirect=True)
def test_grid_search_on_the_backend_equals_n_jobs_1(backend, data):
    X, Y = data
    grid = {"alpha": [0.01, 0.1]}
    cv = KFold(3, shuffle=True, random_state=0)
    sequential = GridSearchCV(MultiTaskLasso(), grid, cv=cv, n_jobs=1).fit(X, Y)
    with parallel_config(backend):
        distributed = GridSearchCV(MultiTaskLasso(), grid, cv=cv, n_jobs=2).fit(X, Y)
    for key in ["mean_test_score", "split0_test_score", "split2_test_score"]:
        assert_array_equal(distributed.cv_results_[key], sequential.cv_results_[key])
    assert_array_equal(
        distributed.best_estimator_.coef_, sequential.best_estimator_.coef_
    )


@pytest.mark.scaleout
@pytest.mark.parametrize("backend", RAY_SLOW, indirect=True)
def test_seeded_net_grid_search_on_the_backend_equals_n_jobs_1(backend, data):
    X, Y = data
    grid = {"lr": [1e-2, 1e-3]}
    cv = KFold(2, shuffle=True, random_state=0)
    search = GridSearchCV(small_net(), grid, cv=cv, n_jobs=1, refit=False)
    sequential = search.fit(X, Y).cv_results_
    with parallel_config(backend):
        distributed = GridSearchCV(small_net(), grid, cv=cv, n_jobs=2, refit=False).fit(
            X, Y
        )
    # Workers run torch on one thread; this process may use more, which can
    # change the last bits of a matrix product.
    assert_allclose(
        distributed.cv_results_["mean_test_score"],
        sequential["mean_test_score"],
        rtol=1e-5,
    )


@pytest.mark.scaleout
@pytest.mark.parametrize("backend", RAY_SLOW, indirect=True)
def test_compare_estimators_on_the_backend_equals_n_jobs_1(backend, data):
    X, Y = data
    estimators = {
        "independent ridge": IndependentTaskRegressor(Ridge()),
        "lasso": MultiTaskLasso(alpha=0.05),
    }
    sequential = compare_estimators(estimators, X, Y, cv=3, n_jobs=1)
    with parallel_config(backend):
        distributed = compare_estimators(estimators, X, Y, cv=3, n_jobs=2)
    assert_array_equal(distributed.scores, sequential.scores)
    assert_array_equal(distributed.p_values(), sequential.p_values())


@pytest.mark.scaleout
def test_independent_baseline_on_the_backend_equals_n_jobs_1(backend, data):
    X, Y = data
    sequential = IndependentTaskRegressor(Ridge(), n_jobs=1).fit(X, Y)
    with parallel_config(backend):
        distributed = IndependentTaskRegressor(Ridge(), n_jobs=2).fit(X, Y)
    assert_array_equal(distributed.predict(X), sequential.predict(X))


class AcceleratedNet(MultiTaskAccelerateMixin, MultiTaskNetRegressor):
    """The documented composition (module level: picklable)."""


@pytest.mark.parametrize("weighting", [None, "pcgrad", "uncertainty"])
def test_accelerated_net_equals_the_net_and_keeps_the_task_history(data, weighting):
    accelerate = pytest.importorskip("accelerate")
    X, Y = data
    params = {"max_epochs": 3, "random_state": 0, "weighting": weighting}
    net = AcceleratedNet(accelerator=accelerate.Accelerator(cpu=True), **params)
    net.fit(X, Y)
    reference = MultiTaskNetRegressor(**params).fit(X, Y)
    assert_allclose(net.predict(X), reference.predict(X), rtol=1e-6)
    for key in ["train_loss_task0", "valid_loss_task2", "task_weights"]:
        assert_allclose(
            np.array(net.history[:, key], dtype=float),
            np.array(reference.history[:, key], dtype=float),
            rtol=1e-6,
        )


def test_accelerated_net_refuses_fp16_loss_scaling(data, monkeypatch):
    accelerate = pytest.importorskip("accelerate")
    accelerator = accelerate.Accelerator(cpu=True)
    monkeypatch.setattr(accelerator, "scaler", object())  # as fp16 sets it
    net = AcceleratedNet(accelerator=accelerator, max_epochs=1)
    with pytest.raises(
        ValueError,
        match=r"AcceleratedNet cannot train with loss scaling "
        r"\(Accelerator\(mixed_precision='fp16'\)\): the weighting strategies run "
        r"their own backward passes; use mixed_precision='bf16' or 'no' instead\.",
    ):
        net.fit(*data)


def test_accelerated_net_refuses_gradient_strategies_on_several_processes(
    data, monkeypatch
):
    accelerate = pytest.importorskip("accelerate")
    accelerator = accelerate.Accelerator(cpu=True)
    monkeypatch.setattr(type(accelerator), "num_processes", property(lambda _: 2))
    net = AcceleratedNet(accelerator=accelerator, weighting="pcgrad", max_epochs=1)
    with pytest.raises(
        ValueError,
        match=r"AcceleratedNet cannot combine per-task gradients "
        r"\(weighting=PCGrad, which needs the representation\) with 2 processes; "
        r"use a loss-based strategy or one process\.",
    ):
        net.fit(*data)
    net.set_params(weighting="uncertainty").fit(*data)  # loss-based: allowed
