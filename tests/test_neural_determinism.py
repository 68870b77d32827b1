"""Determinism of seeded nets: the same predictions sequentially, in threads
(joblib's threading backend, dask's threaded scheduler) and in another process.

Seeded fits draw their initial weights, dropout masks and batch orders from
generators of their own (sklearn_mtl/neural/_runtime.py), not from torch's
process-wide generator, which threads share. Equality is exact: every fit
runs on one torch thread, so that the floating-point operations are the same
in every setting.
"""

import os
from contextlib import ExitStack

import numpy as np
import pytest
import torch
from joblib import Parallel, delayed
from neural_helpers import classification_data
from skorch.dataset import Dataset
from torch import nn
from torch.utils.data import DataLoader

from sklearn_mtl.neural import (
    Dropout,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    _data,
    _runtime,
)
from sklearn_mtl.neural._data import TensorBatchLoader, make_loader
from sklearn_mtl.neural._runtime import (
    _threads,
    current_generator,
    resolve_num_threads,
    torch_runtime,
)
from sklearn_mtl.neural.modules import MMoE, _layers

# Dropout, small batches (many shuffled batches per epoch), one torch thread.
PARAMS = {
    "module__hidden_units": (16,),
    "module__dropout": 0.3,
    "max_epochs": 3,
    "batch_size": 8,
    "verbose": 0,
    "torch_num_threads": 1,
}
SEEDS = [0, 1, 2, 3]
MMOE_PARAMS = {
    **{name: value for name, value in PARAMS.items() if name != "module__hidden_units"},
    "module": MMoE,
    "module__expert_hidden_units": (8,),
}


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 6)).astype(np.float32)
    Y = np.tanh(X[:, :3] @ rng.normal(size=(3, 3))) * [1.0, 10.0, 100.0]
    Y[rng.random(Y.shape) < 0.2] = np.nan
    return X, Y


#: Weighting strategies that draw random numbers at every step.
RANDOM_STRATEGIES = ("rlw", "graddrop", "pcgrad", "gradvac")


def fit_predict(seed, Net=MultiTaskNetRegressor, params=PARAMS):
    X, Y = data() if Net is MultiTaskNetRegressor else classification_data()
    net = Net(**params, random_state=seed).fit(X, Y)
    if Net is MultiTaskNetClassifier:
        return np.hstack(net.predict_proba(X))
    return net.predict(X)


def assert_all_equal(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ 1. threads
@pytest.mark.parametrize(
    "params",
    [
        PARAMS,
        # skorch's DataLoader path (an argument the tensor batches do not take)
        {**PARAMS, "iterator_train__num_workers": 0},
        MMOE_PARAMS,
        # the strategies that draw random numbers: from the fit's generator
        *({**PARAMS, "weighting": name} for name in RANDOM_STRATEGIES),
        # a trunk of the user's own with the package's Dropout layer
        {
            **{k: v for k, v in PARAMS.items() if not k.startswith("module__")},
            "module__trunk": nn.Sequential(nn.Linear(6, 16), nn.ReLU(), Dropout(0.3)),
        },
    ],
    ids=["tensor-batches", "dataloader", "mmoe", *RANDOM_STRATEGIES, "user-trunk"],
)
def test_seeded_fits_in_threads_equal_sequential_fits(params):
    threads_before = torch.get_num_threads()
    sequential = [fit_predict(seed, params=params) for seed in SEEDS]
    threaded = Parallel(n_jobs=2, backend="threading")(
        delayed(fit_predict)(seed, params=params) for seed in SEEDS
    )
    assert_all_equal(threaded, sequential)
    assert torch.get_num_threads() == threads_before
    # the seeds make a difference (the comparison is not vacuous)
    assert not np.allclose(sequential[0], sequential[1])


def test_seeded_classifiers_in_threads_equal_sequential_fits():
    Net = MultiTaskNetClassifier
    sequential = [fit_predict(seed, Net) for seed in SEEDS[:2]]
    threaded = Parallel(n_jobs=2, backend="threading")(
        delayed(fit_predict)(seed, Net) for seed in SEEDS[:2]
    )
    assert_all_equal(threaded, sequential)


def test_seeded_fits_on_dask_threads_equal_sequential_fits():
    dask = pytest.importorskip("dask")
    sequential = [fit_predict(seed) for seed in SEEDS]
    tasks = [dask.delayed(fit_predict)(seed) for seed in SEEDS]
    threaded = dask.compute(*tasks, scheduler="threads", num_workers=2)
    assert_all_equal(list(threaded), sequential)


def test_seeded_fit_in_a_fresh_process_equals_this_one(tmp_path, fresh_interpreter):
    script = f"""
        import sys
        import numpy as np
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from test_neural_determinism import fit_predict
        np.save(sys.argv[1], fit_predict(3))
        """
    path = tmp_path / "predictions.npy"
    fresh_interpreter.run(script, path)
    np.testing.assert_array_equal(np.load(path), fit_predict(3))


# ------------------------------------- 2. the numbers of a single seeded fit
def test_fit_generators_draw_what_the_seeded_global_generator_drew(monkeypatch):
    """A seeded fit draws from its own generators the numbers it drew from
    torch's seeded global generator before they existed: the results of a
    seeded fit on the CPU did not change."""
    own = fit_predict(5)
    monkeypatch.setattr(_layers, "current_generator", lambda device: None)
    monkeypatch.setattr(_data, "current_generator", lambda device: None)
    everything_global = fit_predict(5)
    np.testing.assert_array_equal(own, everything_global)


def test_dropout_draws_the_mask_of_nn_dropout():
    x = torch.randn(33, 17)
    layer = Dropout(0.3).train()
    with torch_runtime(random_state=7):
        got = layer(x)
        assert current_generator() is not None
    torch.manual_seed(7)
    want = nn.Dropout(0.3).train()(x)
    assert torch.equal(got, want)
    # outside a seeded fit, or in evaluation mode, it is nn.Dropout
    torch.manual_seed(7)
    assert torch.equal(layer(x), want)
    assert torch.equal(layer.eval()(x), x)
    with torch_runtime(random_state=7):
        assert torch.equal(Dropout(1.0).train()(x), torch.zeros_like(x))


def test_batch_orders_come_from_the_fit_generator():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.zeros((10, 1), dtype=np.float32)
    dataset = Dataset(X, y)
    kwargs = {"batch_size": 4, "shuffle": True}
    with torch_runtime(random_state=3):
        fast = make_loader(dataset, DataLoader, kwargs)
        order = torch.cat([batch[0][:, 0] for batch in fast]) / 2
        slow = make_loader(dataset, DataLoader, {**kwargs, "num_workers": 0})
        assert slow.generator is current_generator("cpu")
    assert isinstance(fast, TensorBatchLoader)
    torch.manual_seed(3)
    np.testing.assert_array_equal(order.numpy(), torch.randperm(10).numpy())
    # unseeded fits, and unshuffled loaders, use torch's global generator
    assert make_loader(dataset, DataLoader, kwargs).generator is None
    with torch_runtime(random_state=3):
        unshuffled = make_loader(dataset, DataLoader, {"batch_size": 4})
        with torch_runtime(random_state=None):
            assert current_generator() is None
        assert current_generator() is not None
    assert unshuffled.generator is None
    assert current_generator() is None


def test_seeded_fit_leaves_the_global_generator_alone():
    state = torch.get_rng_state()
    fit_predict(0)
    assert torch.equal(torch.get_rng_state(), state)


# --------------------------------------------------------------- 3. threads
@pytest.fixture
def two_torch_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


def test_overlapping_fits_restore_the_threads_found_before_the_first(
    two_torch_threads,
):
    """torch's number of threads is process-wide: while fits overlap (in
    threads), none restores it under another one's feet."""
    with ExitStack() as first:
        first.enter_context(_threads(1))
        with ExitStack() as second:
            second.enter_context(_threads(1))
            first.close()  # the first fit ends while the second runs
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2


@pytest.mark.parametrize(
    ("environment", "expected"),
    [({}, 1), ({"OMP_NUM_THREADS": "3"}, 3), ({"OMP_NUM_THREADS": "x"}, 1)],
)
def test_child_processes_take_joblibs_share_of_the_cores(
    monkeypatch, environment, expected
):
    """joblib's process workers get their share of the cores (its
    inner_max_num_threads, by default cpu_count // n_jobs) as OMP_NUM_THREADS."""
    import multiprocessing

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    assert resolve_num_threads(None) == expected
    assert resolve_num_threads(2) == 2


def test_main_process_keeps_torchs_setting(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert resolve_num_threads(None) is None
    assert _runtime.resolve_num_threads(4) == 4


@pytest.mark.slow  # starts two loky workers that import torch (~20 s)
def test_inner_max_num_threads_reaches_the_fits_in_joblib_workers():
    from joblib import parallel_config

    def threads_in_fit():
        import torch

        from sklearn_mtl.neural import MultiTaskNetRegressor

        seen = []

        class Record(MultiTaskNetRegressor):
            def on_epoch_begin(self, net, **kwargs):
                seen.append(torch.get_num_threads())
                super().on_epoch_begin(net, **kwargs)

        X = np.zeros((20, 3), dtype=np.float32)
        Record(module__hidden_units=(4,), max_epochs=1, verbose=0).fit(X, X[:, :2])
        return seen[0]

    with parallel_config(backend="loky", inner_max_num_threads=2):
        results = Parallel(n_jobs=2)(delayed(threads_in_fit)() for _ in range(2))
    assert results == [2, 2]
