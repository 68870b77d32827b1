"""The package's joblib tasks run under the caller's warning filters, and a
worker does not import the modules of the filters' categories."""

import sys
import uuid
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, Ridge

from sklearn_mtl.baselines import IndependentTaskRegressor
from sklearn_mtl.utils._parallel import Parallel, delayed

X = np.random.default_rng(0).standard_normal((30, 3))
Y = X[:, :2] + 0.1


def _imported(module_name):
    return module_name in sys.modules


class ModuleProbe(Ridge):
    """A ridge that records whether its process has imported a module."""

    def __init__(self, module_name=None):
        super().__init__()
        self.module_name = module_name

    def fit(self, X, y):
        self.imported_ = _imported(self.module_name)
        return super().fit(X, y)


@pytest.fixture
def filter_on_a_new_module(tmp_path, monkeypatch):
    """A filter on a warning class of a module only this process imported
    (as ``import torch`` adds one on ``torch.jit.TracerWarning``)."""
    name = f"warning_probe_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text("class ProbeWarning(UserWarning):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(name)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=module.ProbeWarning)
        yield name
    del sys.modules[name]


def test_workers_do_not_import_the_modules_of_the_warning_filters(
    filter_on_a_new_module,
):
    name = filter_on_a_new_module
    assert _imported(name)
    with parallel_config("loky"):
        imported = Parallel(n_jobs=2)(delayed(_imported)(name) for _ in range(4))
        # scikit-learn's Parallel sends the class itself: the worker imports
        # its module (or fails to, when the module is not on its path).
        assert imported == [False] * 4
        model = IndependentTaskRegressor(ModuleProbe(name), n_jobs=2).fit(X, Y)
    assert [estimator.imported_ for estimator in model.estimators_] == [False] * 2


@pytest.mark.parametrize(
    "ignored",
    # scikit-learn's ignore_warnings filters a tuple of categories
    [ConvergenceWarning, (FutureWarning, ConvergenceWarning)],
    ids=["a category", "a tuple of categories"],
)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_tasks_run_under_the_callers_filters_in_their_order(n_jobs, ignored):
    not_converging = IndependentTaskRegressor(
        Lasso(alpha=1e-4, max_iter=1, tol=0), n_jobs=n_jobs
    )
    with warnings.catch_warnings(), parallel_config("loky"):
        warnings.simplefilter("error")
        # first in the list, so it wins over "error" for this class (which
        # the workers do not import through the filter)
        warnings.simplefilter("ignore", category=ignored)
        not_converging.fit(X, Y)


def test_a_filter_that_turns_a_warning_into_an_error_applies_to_the_tasks():
    # in this process: a task that raises in a worker makes joblib restart
    # the workers (seconds); the named categories are resolved alike there.
    not_converging = IndependentTaskRegressor(Lasso(alpha=1e-4, max_iter=1, tol=0))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="Objective did not converge"):
            not_converging.fit(X, Y)
