"""What the task-selection estimators' ``fit`` takes: sample weights, reaching
every net they train, and the inputs' feature counts and names."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils import get_tags
from sklearn.utils.validation import has_fit_parameter

from sklearn_mtl.neural import MultiTaskNetRegressor
from sklearn_mtl.task_selection import GroupedMultiTaskNet, TaskAffinity

NET = MultiTaskNetRegressor(
    module__hidden_units=(8,),
    max_epochs=3,
    batch_size=16,
    early_stopping=False,
    verbose=0,
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((48, 4))
    Y = X[:, :3] + 0.1 * rng.standard_normal((48, 3))
    Y[rng.random(Y.shape) < 0.2] = np.nan
    Y[:4] = X[:4, :3]  # every task keeps labels in the weighted rows
    weights = rng.uniform(0.0, 3.0, size=48)
    weights[4:14] = 0.0
    return X, Y, weights


@pytest.mark.parametrize("estimator", [GroupedMultiTaskNet(), TaskAffinity()])
def test_sample_weight_is_a_fit_parameter(estimator):
    # scikit-learn runs its sample-weight checks only on such estimators.
    assert has_fit_parameter(estimator, "sample_weight")


def test_grouped_net_weights_every_group_net(data):
    X, Y, weights = data
    groups = [[0, 2], [1]]
    model = GroupedMultiTaskNet(NET, groups=groups).fit(X, Y, sample_weight=weights)
    unweighted = GroupedMultiTaskNet(NET, groups=groups).fit(X, Y)
    for members, net in zip(groups, model.estimators_, strict=True):
        reference = clone(NET).fit(X, Y[:, members], sample_weight=weights)
        assert_allclose(net.predict(X), reference.predict(X), rtol=1e-6)
    assert not np.allclose(model.predict(X), unweighted.predict(X))


def test_grouped_net_weights_the_affinity_run(data):
    X, Y, weights = data
    run = TaskAffinity(max_epochs=2)
    model = GroupedMultiTaskNet(NET, affinity=run, n_groups=2, random_state=0)
    model.fit(X, Y, sample_weight=weights)
    reference = TaskAffinity(NET, max_epochs=2, random_state=0)
    reference.fit(X, Y, sample_weight=weights)
    assert_allclose(model.task_affinity_.affinity_, reference.affinity_)
    unweighted = clone(reference).fit(X, Y).affinity_
    assert not np.allclose(reference.affinity_, unweighted)


def test_grouped_net_names_a_task_whose_labels_all_weigh_zero(data):
    X, Y, weights = data
    Y = Y.copy()
    Y[14:, 1] = np.nan  # task 1: labels only in rows 0-13, of weight 0 from 4
    weights = weights.copy()
    weights[:4] = 0.0
    message = (
        "Task 1 has no observed label with a non-zero sample_weight; every task "
        "needs at least one to be fitted."
    )
    # task 1 is alone in its group: its net would call it task 0
    grouped = GroupedMultiTaskNet(NET, groups=[[0, 2], [1]])
    with pytest.raises(ValueError, match=re.escape(message)):
        grouped.fit(X, Y, sample_weight=weights)
    with pytest.raises(ValueError, match=r"^Expected sample_weight of shape \(48,\)"):
        grouped.fit(X, Y, sample_weight=weights[:-1])


def test_affinity_records_the_features_it_was_fitted_on(data):
    X, Y, _ = data
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    affinity = TaskAffinity(NET, max_epochs=1).fit(frame, Y)
    assert affinity.n_features_in_ == 4
    assert affinity.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    affinity.fit(sp.csr_matrix(X[:, :3]), Y)
    assert affinity.n_features_in_ == 3
    assert not hasattr(affinity, "feature_names_in_")


def test_affinity_takes_sparse_input_as_its_net_does():
    assert get_tags(TaskAffinity()).input_tags.sparse
    assert get_tags(TaskAffinity(NET)).input_tags.sparse
